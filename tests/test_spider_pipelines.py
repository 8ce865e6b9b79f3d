"""StampPipeline stamps crawl time and run id; DatabasePipeline stores in batches and reports progress."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from sqlmodel import Session, select

from crawlers.items import listing_record, search_record
from crawlers.pipelines import StampPipeline
from reputation import crawl_store
from reputation.crawl_store import DatabasePipeline
from reputation.db import get_engine
from reputation.models import Listing, Review


def stamp(settings: dict | None = None) -> StampPipeline:
    return StampPipeline.from_crawler(get_crawler(settings_dict=settings or {}))


def search(npi: str = "1720377294", status: str = "ok") -> dict:
    return search_record(source="nppes", npi=npi, query=f"number={npi}", status=status)


def stamped(record: dict) -> dict:
    """A record as the database pipeline gets it: after StampPipeline."""
    return stamp({"REPMON_CRAWL_TIME": "2026-11-02T10:30:00Z"}).process_item(record)


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


DB_REFUSES = "1000000666"  # a valid record the stand-in database refuses


@pytest.fixture
def fake_store(monkeypatch):
    """Stand-ins for the database engine and store_records, recording each call."""
    calls = []

    def store_records(engine, records, *, run_id):
        if any(getattr(r, "npi", None) == DB_REFUSES for r in records):
            raise ValueError("the database refused it")
        calls.append((engine, [getattr(r, "npi", None) or r.url for r in records], run_id))

    monkeypatch.setattr(crawl_store, "store_records", store_records)
    monkeypatch.setattr(crawl_store, "get_engine", lambda url: f"engine:{url}")
    monkeypatch.setattr(crawl_store, "_ENGINES", {})
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
        pipeline.process_item(stamped(search(npi=f"{n:010d}")))
    assert [len(batch) for _, batch, _ in fake_store] == [50, 50]
    pipeline.close_spider()
    assert [len(batch) for _, batch, _ in fake_store] == [50, 50, 20]
    assert {(engine, run_id) for engine, _, run_id in fake_store} == {("engine:sqlite:///x.db", 3)}


def test_each_search_record_is_announced_on_stdout(fake_store, capsys):
    pipeline, _ = open_database_pipeline({"REPMON_DB": "sqlite:///x.db"})
    pipeline.process_item(stamped(listing_record(source="nppes", url="https://npiregistry.cms.hhs.gov/provider-view/1", name="A")))
    blocked = stamped(search(status="blocked"))
    blocked["reason"] = "HTTP 403 at https://npiregistry.cms.hhs.gov/api/"
    pipeline.process_item(blocked)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    prefix, payload = lines[0].split(" ", 1)
    assert prefix == "REPMON-PROGRESS"
    assert json.loads(payload) == {"source": "nppes", "npi": "1720377294", "status": "blocked",
                                   "reason_code": "blocked", "reason": "HTTP 403 at https://npiregistry.cms.hhs.gov/api/", "results": 0}


def test_a_bad_record_costs_only_itself(fake_store):
    pipeline, stats = open_database_pipeline({"REPMON_DB": "sqlite:///x.db"})
    for npi in ("1000000001", DB_REFUSES, "1000000002"):
        pipeline.process_item(stamped(search(npi=npi)))
    pipeline.close_spider()
    assert [batch for _, batch, _ in fake_store] == [["1000000001"], ["1000000002"]]
    assert stats.get_value("repmon/db/rejected") == 1
    assert stats.get_value("repmon/db/stored") == 2


# ----- records are checked before they are stored (a real SQLite database) ---------------------------

CLOCK = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def profile(n: int, **changes) -> dict:
    record = listing_record(source="healthgrades", url=f"https://www.healthgrades.com/physician/dr-{n}", name=f"Dr. Pat Lee {n}")
    return stamped({**record, **changes})


def stored_urls(url: str) -> list[str]:
    with Session(get_engine(url)) as s:
        return sorted(u.rsplit("-", 1)[1] for u in s.exec(select(Listing.url)))


def test_a_record_out_of_range_is_refused_logged_and_counted_and_the_others_stored(sqlite_url, caplog):
    pipeline, stats = open_database_pipeline({"REPMON_DB": sqlite_url})
    pipeline.clock = lambda: CLOCK
    pipeline.process_item(profile(1))
    pipeline.process_item(profile(2, crawled_at="2026-11-03T12:01:00+00:00"))  # a day and a minute ahead of the clock
    pipeline.process_item(profile(3, review_count=10**20))
    pipeline.process_item(profile(4, rating=True))
    pipeline.process_item(profile(5))
    pipeline.close_spider()
    assert stored_urls(sqlite_url) == ["1", "5"]
    assert stats.get_value("repmon/records/refused") == 3
    refused = [r.getMessage() for r in caplog.records if "record refused" in r.getMessage()]
    assert [m.split("): ", 1)[1].split(":")[0] for m in refused] == ["crawled_at", "review_count", "rating"]
    assert "dr-3" in refused[1]


def test_a_value_over_its_limit_is_cut_logged_and_counted_and_the_record_stored(sqlite_url, caplog):
    pipeline, stats = open_database_pipeline({"REPMON_DB": sqlite_url})
    review = {"review_id": "r1", "date": "2026-10-01", "rating": 1, "text": "rude", "author": "A" * 2_000_000}
    pipeline.process_item(profile(1, reviews=[review, {**review, "review_id": "r2"}]))
    pipeline.close_spider()
    assert stored_urls(sqlite_url) == ["1"]
    assert stats.get_value("repmon/records/cut") == 2 and stats.get_value("repmon/records/cut/reviews.author") == 2
    assert "reviews.1.author: cut to 200 of 2,000,000 characters" in caplog.text
    with Session(get_engine(sqlite_url)) as s:
        assert [len(a) for a in s.exec(select(Review.author))] == [200, 200]
