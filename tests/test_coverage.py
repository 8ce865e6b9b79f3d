"""Per-source field coverage and the broken-parser rule: a parser that broke is reported, not believed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from builders import add_physician, listing, npi_with_check_digit, search, store, week
from reputation.coverage import ALL, judge, record_coverage, source_health
from reputation.crawl import CrawlOptions, run_crawl
from reputation.db import get_engine
from reputation.models import SourceCoverage
from reputation.records import iso_week
from reputation.roster import import_roster
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.world import World
from test_crawl import roster_file

NPIS = [npi_with_check_digit(f"12345{i:04d}") for i in range(6)]
ADDRESS = {"street": "1 Main St", "city": "Portland", "state": "OR", "zip": "97201"}


def crawl_week(engine, n, *, rating=True, phones=True, found=True, status="ok", reason="", code=None):
    records = []
    for i, npi in enumerate(NPIS):
        url = f"https://www.healthgrades.com/physician/dr-a-b{i}-x{i}y{i}z"
        if found and status == "ok":
            records.append(listing(url, f"Dr. A B{i}", rating=4.5 if rating else None,
                                   review_count=10 if rating else None, phones=["503-555-0100"] if phones else [],
                                   addresses=[ADDRESS], at=week(n)))
        records.append(search(npi, status, results=[url] if found and status == "ok" else [], at=week(n), reason=reason,
                              code=code))
    store(engine, *records)
    return record_coverage(engine, iso_week(week(n)), ["healthgrades"])["healthgrades"]


@pytest.fixture
def roster(engine):
    for i, npi in enumerate(NPIS):
        add_physician(engine, npi, "A", f"B{i}")
    return engine


def test_coverage_is_the_share_of_the_weeks_profiles_showing_each_field(roster):
    row = crawl_week(roster, 1, phones=False)
    assert row.profiles == 6 and row.searched == 6 and row.ok == 6
    assert row.shares == {"name": 1.0, "rating": 1.0, "review_count": 1.0, "phone": 0.0, "address": 1.0}
    assert row.broken_fields == []  # a first week has nothing to compare with


def test_a_field_most_profiles_had_last_week_and_none_have_now_is_broken(roster):
    crawl_week(roster, 1)
    row = crawl_week(roster, 2, rating=False)
    assert row.broken_fields == ["rating", "review_count"]
    assert "rating on 0% of profiles (was 100%)" in row.reason


def test_a_field_that_was_never_there_is_not_broken(roster):
    crawl_week(roster, 1, phones=False)
    assert crawl_week(roster, 2, phones=False).broken_fields == []


def test_a_spider_whose_pages_are_not_recognised_is_broken_altogether(roster):
    crawl_week(roster, 1)
    row = crawl_week(roster, 2, status="error", reason="the page has changed", code="not_recognised")
    assert row.broken_fields == [ALL] and "6 of 6 answers not recognised" in row.reason


def test_parser_health_reads_the_reason_code_not_the_words_of_the_reason(roster):
    crawl_week(roster, 1)
    # A site's own error text may say anything, "not recognised" included: it is no parser error.
    row = crawl_week(roster, 2, status="error", reason="API says: key not recognised", code="api_error")
    assert row.not_recognised == 0 and row.broken_fields == []
    # An imported search record without a code gets the generic one, which no rule reads as a parser error.
    row = crawl_week(roster, 3, status="error", reason="page not recognised")
    assert row.not_recognised == 0


def test_searches_that_suddenly_find_nothing_anywhere_mean_a_broken_search_parser(roster):
    crawl_week(roster, 1)
    assert crawl_week(roster, 2, found=False).broken_fields == [ALL]


def test_a_blocked_source_is_not_a_broken_parser(roster):
    crawl_week(roster, 1)
    assert crawl_week(roster, 2, status="blocked", reason="HTTP 403").broken_fields == []


def test_recording_a_week_again_replaces_its_row(roster):
    crawl_week(roster, 1)
    crawl_week(roster, 1)
    health = source_health(roster)
    assert len(health) == 1 and health.iloc[0]["profiles"] == 6


def test_judge_needs_enough_profiles_either_week():
    before = SourceCoverage(source="s", week="2026-W45", computed_at=datetime.now(UTC), profiles=2,
                            shares={"rating": 1.0})
    now = SourceCoverage(source="s", week="2026-W46", computed_at=datetime.now(UTC), profiles=40, ok=40,
                         shares={"rating": 0.0})
    assert judge(now, before) == ([], None)


def test_a_sandbox_site_that_changed_its_markup_is_reported_by_the_crawl(tmp_path):
    world = World(size=12)
    engine = get_engine(f"sqlite:///{tmp_path / 'c.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    first = datetime(2026, 11, 9, 9, tzinfo=UTC)
    with SandboxServer(world) as server:
        run_crawl(engine, CrawlOptions(sources=["healthgrades"], sandbox_url=server.url, delay=0, crawl_time=first))
        server.set_mode("healthgrades", "broken")
        run = run_crawl(engine, CrawlOptions(sources=["healthgrades"], sandbox_url=server.url, delay=0,
                                             crawl_time=first + timedelta(weeks=1)))
    summary = run.summary["sources"]["healthgrades"]
    assert summary["broken_fields"] == [ALL] and "not recognised" in summary["broken_reason"]
    from reputation.cli import print_crawl_summary, console

    with console.capture() as captured:
        print_crawl_summary(run)
    assert "healthgrades: the parser looks broken (everything)" in captured.get()
