"""End to end: ``scrapy crawl`` against the sandbox, as a user runs it, for every way a site can answer."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from reputation.db import get_engine
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.sites.healthgrades import shows_only_recommending
from reputation.sandbox.world import World
from test_spider_base import REPO, listings, run_spider, searches

FEW = 8  # failure modes need no more targets than this to show their rule


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World()) as running:
        yield running


@pytest.fixture(autouse=True)
def modes_back_to_ok(server):
    yield
    for source in server.modes:
        server.set_mode(source, "ok")


@pytest.fixture(scope="module")
def healthgrades_records(server, tmp_path_factory):
    return run_spider("healthgrades", server.world.targets(), server.url, tmp_path_factory.mktemp("hg"))


@pytest.fixture(scope="module")
def nppes_records(server, tmp_path_factory):
    return run_spider("nppes", server.world.targets(), server.url, tmp_path_factory.mktemp("nppes"))


# ----- sites answering normally -----------------------------------------------------------------------


def test_healthgrades_one_ok_search_per_roster_physician(server, healthgrades_records):
    found = searches(healthgrades_records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_healthgrades_every_listing_of_a_roster_physician_is_found(server, healthgrades_records):
    found, pages = searches(healthgrades_records), listings(healthgrades_records)
    for p in server.world.roster:
        expected = {f"{server.url}/healthgrades/{l.path}" for l in server.world.listings_of(p.npi)}
        assert expected <= set(found[p.npi]["results"]), p.npi
        assert expected <= set(pages)


def test_healthgrades_missing_physicians_are_ok_searches_without_results(server, healthgrades_records):
    found = searches(healthgrades_records)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


def test_healthgrades_namesake_is_a_candidate_too(server, healthgrades_records):
    [npi] = server.world.discrepancies["namesake"]
    assert len(searches(healthgrades_records)[npi]["results"]) == 2


def test_healthgrades_listings_show_what_the_site_shows(server, healthgrades_records):
    for url, record in listings(healthgrades_records).items():
        listing = server.world.healthgrades[record["source_id"]]
        assert record["name"] == listing.display_name
        assert record["practice_name"] == listing.offices[0].practice_name  # under Practice-Name (2025-26)
        # The template showing only "Likelihood of recommending … out of 5" does not say how many rated.
        count = None if shows_only_recommending(listing) else listing.rating_count
        assert record["rating"] == listing.rating and record["review_count"] == count
        assert record["phones"] == list(dict.fromkeys(o.phone for o in listing.offices))
        assert [a["street"] for a in record["addresses"]] == [o.street for o in listing.offices]
        # Reviews: ten a page, at most REVIEW_PAGES_MAX (3) pages, newest first.
        assert [r["review_id"] for r in record["reviews"]] == [r.review_id for r in listing.newest_reviews()[:30]]
        assert record["crawled_at"].endswith("+00:00")


def test_healthgrades_profile_showing_only_likelihood_of_recommending_is_crawled(server, healthgrades_records):
    shown = [l for l in server.world.healthgrades.values() if shows_only_recommending(l) and l.rating is not None]
    assert shown  # the world's namesake
    pages = {r["source_id"]: r for r in listings(healthgrades_records).values()}
    for listing in shown:
        record = pages[listing.source_id]
        assert (record["rating"], record["review_count"]) == (listing.rating, None)


def test_healthgrades_untrusted_review_text_arrives_verbatim(server, healthgrades_records):
    texts = [r["text"] for l in listings(healthgrades_records).values() for r in l["reviews"]]
    assert sum("<script>alert(1)</script>" in t for t in texts) == 1


def test_nppes_one_listing_per_roster_physician(server, nppes_records):
    found, pages = searches(nppes_records), listings(nppes_records)
    assert {s["status"] for s in found.values()} == {"ok"}
    for p in server.world.roster:
        url = f"{server.url}/nppes/provider-view/{p.npi}"
        assert found[p.npi]["results"] == [url]
        assert pages[url]["npi"] == p.npi
        assert pages[url]["phones"] == list(dict.fromkeys(loc.phone for loc in p.locations))


# ----- sites refusing or failing ----------------------------------------------------------------------


@pytest.mark.parametrize("source, mode, status", [
    ("healthgrades", "block", "blocked"),
    ("healthgrades", "challenge200", "blocked"),
    ("nppes", "429", "blocked"),
    ("healthgrades", "broken", "error"),
    ("nppes", "broken", "error"),
    ("nppes", "outage", "error"),
    ("healthgrades", "robots", "disallowed"),
])
def test_every_physician_gets_the_failure_never_an_empty_ok(server, tmp_path, source, mode, status):
    server.set_mode(source, mode)
    targets = server.world.targets()[:FEW]
    records = run_spider(source, targets, server.url, tmp_path)
    found = searches(records)
    assert set(found) == {t["npi"] for t in targets}
    assert {s["status"] for s in found.values()} == {status}
    assert all(s["reason"] for s in found.values())
    assert listings(records) == {}


def test_broken_parser_is_reported_as_such(server, tmp_path):
    server.set_mode("healthgrades", "broken")
    records = run_spider("healthgrades", server.world.targets()[:2], server.url, tmp_path)
    assert all(s["reason"].startswith("search page not recognised") for s in searches(records).values())


def test_robots_txt_is_obeyed_before_any_page_is_fetched(server, tmp_path):
    server.set_mode("healthgrades", "robots")
    server.reset_counts()
    run_spider("healthgrades", server.world.targets()[:FEW], server.url, tmp_path)
    assert server.request_counts.get("healthgrades", 0) == 0


# ----- the weekly path: known URLs first --------------------------------------------------------------


def test_known_urls_are_revisited_and_gone_ones_reported(tmp_path):
    world = World()
    gone_npi, = world.discrepancies["listing_gone"]
    kept = next(p for p in world.roster if len(world.listings_of(p.npi)) == 1 and p.npi != gone_npi)
    with SandboxServer(world) as server:
        known = {npi: [f"{server.url}/healthgrades/{l.path}" for l in world.listings_of(npi)] for npi in (gone_npi, kept.npi)}
        for _ in range(3):
            server.advance()  # week 3: the listing is taken down
        targets = [t | {"known_urls": known[t["npi"]]} for t in world.targets() if t["npi"] in known]
        found = searches(run_spider("healthgrades", targets, server.url, tmp_path))
    assert found[kept.npi]["status"] == "ok" and found[kept.npi]["results"] == known[kept.npi]
    assert found[kept.npi]["query"].endswith(f"near {kept.locations[0].city}, {kept.locations[0].state}")
    # The gone listing is reported, and a fresh search (finding nothing) replaces it.
    assert found[gone_npi]["gone"] == known[gone_npi]
    assert found[gone_npi]["status"] == "ok" and found[gone_npi]["results"] == []


# ----- storing as it goes -----------------------------------------------------------------------------


def test_the_crawl_child_stores_and_reports_progress(server, tmp_path):
    """The crawler process repmon crawl starts: the store it hands in keeps every record as it comes."""
    db = tmp_path / "crawl.db"
    get_engine(f"sqlite:///{db}")  # a database with its schema, as repmon crawl has
    targets = server.world.targets()[:FEW]
    (tmp_path / "targets.json").write_text(json.dumps(targets))
    job = {"sources": ["nppes"], "targets": {"nppes": str(tmp_path / "targets.json")},
           "settings": {"REPMON_SANDBOX_URL": server.url, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                        "LOG_LEVEL": "WARNING", "REPMON_DB": f"sqlite:///{db}",
                        "REPMON_CRAWL_TIME": "2026-11-02T09:00:00+00:00"}}
    (tmp_path / "job.json").write_text(json.dumps(job))
    done = subprocess.run([sys.executable, "-m", "reputation.crawl_child", str(tmp_path / "job.json")],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    progress = [line for line in done.stdout.splitlines() if line.startswith("REPMON-PROGRESS ")]
    assert len(progress) == len(targets)
    with sqlite3.connect(db) as connection:
        stored = connection.execute("select count(*), min(week), max(week) from search where source = 'nppes'").fetchone()
        listed = connection.execute("select count(*) from listing where source = 'nppes'").fetchone()[0]
    assert stored == (len(targets), "2026-W45", "2026-W45")
    assert listed == len(targets)


def test_healthgrades_replies_arrive_with_their_dates(server, healthgrades_records):
    replies = [r for l in listings(healthgrades_records).values() for r in l["reviews"] if r["response"]]
    assert replies and all(r["response_date"] and r["response_date"] > r["date"] for r in replies)
    unanswered = [r for l in listings(healthgrades_records).values() for r in l["reviews"] if not r["response"]]
    assert unanswered and all(r["response_date"] is None for r in unanswered)  # the placeholder date is no date
