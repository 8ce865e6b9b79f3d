"""Every source, end to end: `repmon crawl` of the sandbox stores what each site holds, and a blocked
or broken source is reported as such, never as missing listings or rating drops."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from reputation.coverage import ALL
from reputation.crawl import CrawlOptions, available_sources, run_crawl
from reputation.db import get_engine
from reputation.findings import open_findings, refresh_findings
from reputation.match import match_listings
from reputation.models import Listing, Search
from reputation.roster import import_roster
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.world import SITE_SOURCES, World
from test_crawl import roster_file

SOURCES = ("nppes", "google", "yelp", "healthgrades", "sharecare", "vitals", "webmd", "zocdoc", "ratemds", "usnews",
           "website")
WALKING = ("ratemds", "webmd", "vitals", "zocdoc")  # searched by walking listing pages (tests/test_spider_walk.py)
SOCIAL = ("bluesky", "mastodon", "youtube", "x", "facebook", "instagram")  # social networks: accounts, not roster searches (tests/test_spider_bluesky.py)
WEEK = datetime(2026, 11, 9, 9, tzinfo=UTC)


def test_there_is_one_spider_per_source_key():
    assert set(available_sources()) == set(SOURCES) | set(SOCIAL)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sources")
    world = World(size=16)
    engine = get_engine(f"sqlite:///{tmp / 'all.db'}")
    import_roster(engine, roster_file(world, tmp / "roster.csv"))
    with SandboxServer(world) as server:
        run = run_crawl(engine, CrawlOptions(sources=list(SOURCES), sandbox_url=server.url, delay=0, crawl_time=WEEK))
        yield world, server, engine, run


def test_every_source_searched_every_roster_physician_once_and_successfully(crawled):
    world, _, engine, run = crawled
    assert run.status == "finished"
    with Session(engine) as s:
        searches = s.exec(select(Search)).all()
    assert Counter(x.source for x in searches) == {source: len(world.roster) for source in SOURCES}
    failed = [(x.source, x.npi, x.reason) for x in searches if x.status != "ok"]
    assert failed == []


@pytest.mark.parametrize("source", SITE_SOURCES)
def test_every_listing_a_site_holds_is_stored(crawled, source):
    world, _, engine, _ = crawled
    with Session(engine) as s:
        stored = {(l.source_id or "").lower() for l in s.exec(select(Listing).where(Listing.source == source))}
    held = {l.source_id.lower() for l in world.site_listings(source)}
    if source in WALKING:
        # Walks read the listing pages of the roster's specialties in the roster's cities: a namesake practising
        # in another city is not on them.
        walked = {(p.hg_specialty, loc.city) for p in world.roster for loc in p.locations}
        held = {l.source_id.lower() for l in world.site_listings(source)
                if any((l.specialty, o.city) in walked for o in l.offices)}
    assert held and held <= stored


def test_the_registry_record_of_every_physician_is_stored(crawled):
    world, _, engine, _ = crawled
    with Session(engine) as s:
        npis = {l.npi for l in s.exec(select(Listing).where(Listing.source == "nppes"))}
    assert {p.npi for p in world.roster} <= npis


def test_no_parser_looks_broken_on_sites_that_answer_normally(crawled):
    _, _, _, run = crawled
    assert {s: v["broken_fields"] for s, v in run.summary["sources"].items() if v["broken_fields"]} == {}


def test_a_blocked_week_and_a_broken_week_are_unknown_never_missing(crawled):
    world, server, engine, _ = crawled
    match_listings(engine, now=WEEK)
    refresh_findings(engine)
    before = {(f["npi"], f["source"]) for f in open_findings(engine) if f["kind"] == "missing_listing"}
    server.set_mode("vitals", "block")
    server.set_mode("zocdoc", "broken")
    try:
        later = WEEK + timedelta(weeks=1)
        # Everybody searched again (not only the rotation's quarter of those not found): every search is blocked.
        run = run_crawl(engine, CrawlOptions(sources=["vitals", "zocdoc"], sandbox_url=server.url, delay=0,
                                             crawl_time=later, refresh=True))
    finally:
        server.set_mode("vitals", "ok")
        server.set_mode("zocdoc", "ok")
    assert run.summary["sources"]["zocdoc"]["broken_fields"] == [ALL]
    assert run.summary["sources"]["vitals"]["blocked"] == len(world.roster)
    match_listings(engine, now=later)
    refresh_findings(engine)
    after = {(f["npi"], f["source"]) for f in open_findings(engine) if f["kind"] == "missing_listing"}
    assert {pair for pair in after - before if pair[1] in ("vitals", "zocdoc")} == set()
    drops = [f for f in open_findings(engine) if f["kind"] == "rating_drop" and f["source"] in ("vitals", "zocdoc")]
    assert drops == []
