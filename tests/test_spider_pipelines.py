"""StampPipeline stamps crawl time and run id; DatabasePipeline stores in batches and reports progress."""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, datetime

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawlers.items import listing_record, search_record
from crawlers.pipelines import DatabasePipeline, StampPipeline


def stamp(settings: dict | None = None) -> StampPipeline:
    return StampPipeline.from_crawler(get_crawler(settings_dict=settings or {}))


def search(npi: str = "1720377294", status: str = "ok") -> dict:
    return search_record(source="nppes", npi=npi, query=f"number={npi}", status=status)


def test_crawl_time_setting_stamps_every_record_in_utc():
    item = stamp({"REPMON_CRAWL_TIME": "2026-11-02T10:30:00+02:00"}).process_item(search())
    assert item["crawled_at"] == "2026-11-02T08:30:00+00:00"


def test_a_crawl_time_without_offset_is_utc():
    item = stamp({"REPMON_CRAWL_TIME": "2026-11-02T10:30:00"}).process_item(search())
    assert item["crawled_at"] == "2026-11-02T10:30:00+00:00"


def test_without_crawl_time_records_get_now():
    before = datetime.now(UTC)
    item = stamp().process_item(search())
    stamped = datetime.fromisoformat(item["crawled_at"])
    assert stamped.utcoffset().total_seconds() == 0
    assert before <= stamped <= datetime.now(UTC)


def test_a_record_that_has_its_crawl_time_keeps_it():
    item = stamp({"REPMON_CRAWL_TIME": "2026-11-02T10:30:00Z"}).process_item(
        search() | {"crawled_at": "2025-01-01T00:00:00+00:00"})
    assert item["crawled_at"] == "2025-01-01T00:00:00+00:00"


def test_run_id_comes_from_the_setting():
    assert stamp({"REPMON_RUN_ID": "7"}).process_item(search())["run_id"] == 7
    assert stamp().process_item(search())["run_id"] is None


# ----- DatabasePipeline -------------------------------------------------------------------------------


def test_database_pipeline_is_off_without_a_database():
    with pytest.raises(NotConfigured):
        DatabasePipeline.from_crawler(get_crawler(settings_dict={}))


@pytest.fixture
def fake_store(monkeypatch):
    """reputation.db / reputation.store stand-ins recording each call (the pipeline imports them lazily)."""
    calls = []

    def store_records(engine, records, *, run_id):
        if any(r.get("npi") == "bad" for r in records):
            raise ValueError("npi: must be 10 digits")
        calls.append((engine, [r.get("npi") or r.get("url") for r in records], run_id))

    monkeypatch.setitem(sys.modules, "reputation.store", types.SimpleNamespace(store_records=store_records))
    monkeypatch.setitem(sys.modules, "reputation.db", types.SimpleNamespace(get_engine=lambda url: f"engine:{url}"))
    return calls


def open_database_pipeline(settings: dict) -> tuple[DatabasePipeline, object]:
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    pipeline = DatabasePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline, crawler.stats


def test_records_are_stored_every_fifty_and_at_close(fake_store):
    pipeline, _ = open_database_pipeline({"REPMON_DB": "sqlite:///x.db", "REPMON_RUN_ID": 3})
    for n in range(120):
        pipeline.process_item(search(npi=f"{n:010d}"))
    assert [len(batch) for _, batch, _ in fake_store] == [50, 50]
    pipeline.close_spider()
    assert [len(batch) for _, batch, _ in fake_store] == [50, 50, 20]
    assert {(engine, run_id) for engine, _, run_id in fake_store} == {("engine:sqlite:///x.db", 3)}


def test_each_search_record_is_announced_on_stdout(fake_store, capsys):
    pipeline, _ = open_database_pipeline({"REPMON_DB": "sqlite:///x.db"})
    pipeline.process_item(listing_record(source="nppes", url="https://npiregistry.cms.hhs.gov/provider-view/1", name="A"))
    blocked = search(status="blocked")
    blocked["reason"] = "HTTP 403 at https://npiregistry.cms.hhs.gov/api/"
    pipeline.process_item(blocked)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    prefix, payload = lines[0].split(" ", 1)
    assert prefix == "REPMON-PROGRESS"
    assert json.loads(payload) == {"source": "nppes", "npi": "1720377294", "status": "blocked",
                                   "reason": "HTTP 403 at https://npiregistry.cms.hhs.gov/api/", "results": 0}


def test_a_bad_record_costs_only_itself(fake_store):
    pipeline, stats = open_database_pipeline({"REPMON_DB": "sqlite:///x.db"})
    for npi in ("1000000001", "bad", "1000000002"):
        pipeline.process_item(search(npi=npi))
    pipeline.close_spider()
    assert [batch for _, batch, _ in fake_store] == [["1000000001"], ["1000000002"]]
    assert stats.get_value("repmon/db/rejected") == 1
    assert stats.get_value("repmon/db/stored") == 2
