"""The weekly crawl fits a week: known listings revisited weekly, physicians not found searched on a rotation,
and `repmon crawl --plan` says what a crawl will ask before it runs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import Session, select
from typer.testing import CliRunner

from builders import WEEK1, add_physician, listing, npi_with_check_digit, search, store, week
from reputation.cli import app
from reputation.crawl import build_targets, plan_crawl, rotation_slot, search_due, week_index
from reputation.findings import open_findings, refresh_findings
from reputation.findings.thresholds import SEARCH_WEEKS
from reputation.known_listings import add_known_listing
from reputation.models import Finding, Physician
from reputation.records import iso_week

NPIS = [npi_with_check_digit(f"{100000000 + i * 7919:09d}") for i in range(10_000)]


def test_the_rotation_spreads_the_roster_evenly_and_searches_each_physician_once_in_four_weeks():
    slots = Counter(rotation_slot(npi) for npi in NPIS)
    assert set(slots) == set(range(SEARCH_WEEKS))
    assert max(slots.values()) - min(slots.values()) < 0.05 * len(NPIS) / SEARCH_WEEKS
    weeks = [iso_week(WEEK1 + timedelta(weeks=n)) for n in range(12)]
    assert [week_index(b) - week_index(a) for a, b in zip(weeks, weeks[1:])] == [1] * 11  # across the new year too
    history: dict[str, list] = {npi: [] for npi in NPIS[:400]}
    counts = []
    for n, this in enumerate(weeks):
        due = [npi for npi, earlier in history.items()
               if search_due(npi, this, [e for e in earlier if week_index(e[0]) > week_index(this) - SEARCH_WEEKS])]
        counts.append(len(due))
        for npi in due:
            history[npi].append((this, "ok"))
        # Every physician has a search within the last SEARCH_WEEKS weeks, the missing_listing window.
        assert all(week_index(this) - week_index(max(h)[0]) < SEARCH_WEEKS for h in history.values())
    assert counts[0] == 400 and all(c < 400 * 0.6 for c in counts[SEARCH_WEEKS:])


def test_a_blocked_search_is_asked_again_the_next_week():
    npi = next(n for n in NPIS if rotation_slot(n) != week_index("2026-W47") % SEARCH_WEEKS)
    assert not search_due(npi, "2026-W47", [("2026-W46", "ok")])
    assert search_due(npi, "2026-W47", [("2026-W45", "ok"), ("2026-W46", "blocked")])
    assert search_due(npi, "2026-W47", [])


def _roster(engine, count):
    with Session(engine) as s:
        s.connection().execute(insert(Physician.__table__), [
            {"npi": npi, "first_name": "A", "last_name": f"Name{i}", "other_names": [], "active": True,
             "updated_at": WEEK1} for i, npi in enumerate(NPIS[:count])])
        s.commit()


def test_known_and_matched_listings_are_revisited_every_week_and_the_rest_on_their_rotation(engine):
    _roster(engine, 40)
    add_known_listing(engine, "healthgrades", "https://www.healthgrades.com/physician/dr-a-name0-abc12", NPIS[0])
    # Week 1 searched everybody, successfully; nobody found.
    store(engine, *[search(npi, at=week(1)) for npi in NPIS[:40]])
    this = iso_week(week(2))
    targets = {t["npi"]: t for t in build_targets(engine, "healthgrades", this, refresh=False)}
    assert targets[NPIS[0]]["known_urls"] == ["https://www.healthgrades.com/physician/dr-a-name0-abc12"]
    due = {npi for npi in NPIS[1:40] if rotation_slot(npi) == week_index(this) % SEARCH_WEEKS}
    assert set(targets) == {NPIS[0]} | due
    assert len(build_targets(engine, "healthgrades", this, refresh=True)) == 40


def test_the_plan_for_ten_thousand_physicians_fits_a_week_at_one_request_per_second(engine):
    _roster(engine, 10_000)
    plans = {p.source: p for p in plan_crawl(engine, ["healthgrades", "nppes"], crawl_time=week(1))}
    assert plans["healthgrades"].searches == 10_000 and plans["healthgrades"].requests == 1 + 10_000 * 3
    assert plans["nppes"].requests == 1 + 10_000
    assert max(p.seconds for p in plans.values()) < 7 * 24 * 3600
    # A later week: everyone searched ok the week before, nobody found: a quarter is searched again.
    store(engine, *[search(npi, at=week(1)) for npi in NPIS])
    later = plan_crawl(engine, ["healthgrades"], crawl_time=week(2))[0]
    assert 2_200 < later.searches < 2_800 and later.searches + later.later == 10_000


def test_crawl_plan_prints_requests_and_time_and_crawls_nothing(engine, db_url):
    _roster(engine, 30)
    result = CliRunner().invoke(app, ["--db", db_url, "crawl", "--plan", "--source", "healthgrades", "--delay", "2"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Crawl plan at 2 s per request per site" in result.output
    assert "healthgrades" in result.output and " 91 " in result.output  # robots.txt + 30 x (search, profile, reviews)
    assert "0h 03m" in result.output


def test_a_missing_listing_rests_on_a_search_within_the_window_and_says_when(engine):
    npi = NPIS[0]
    add_physician(engine, npi, "Jane", "Doe")
    store(engine, search(npi, at=week(1)))
    refresh_findings(engine)
    [missing] = [f for f in open_findings(engine) if f["kind"] == "missing_listing"]
    assert missing["shown"].endswith(f"on {week(1).date().isoformat()})")
    # Five weeks on, crawls of other physicians only: the old search is outside the window. The finding is
    # neither confirmed anew nor resolved: nothing is known now.
    store(engine, search(NPIS[1], at=week(6)))
    refresh_findings(engine)
    with Session(engine) as s:
        finding = s.exec(select(Finding).where(Finding.npi == npi, Finding.kind == "missing_listing")).one()
    assert finding.status == "open" and finding.last_seen.date() == week(1).date()
    # A physician whose only search is that old is never called missing.
    other = NPIS[2]
    add_physician(engine, other, "Ann", "Roe")
    store(engine, search(other, at=week(1)))
    refresh_findings(engine)
    assert not [f for f in open_findings(engine) if f["npi"] == other]
