"""Listings a person already knows: added by hand or imported from a CSV, matched by their word, undoable."""

from __future__ import annotations

from sqlmodel import Session, select
from typer.testing import CliRunner

from builders import add_physician, listing, npi_with_check_digit, store
from reputation.cli import app
from reputation.known_listings import KnownListingError, add_known_listing, import_known_urls, url_key
from reputation.match import confirm_match, match_listings, reject_match
from reputation.models import KnownListing, Listing, Match, Physician, Run
from reputation.roster_file import RosterError
from reputation.undo import undo_run

import re

import pytest

NPI = npi_with_check_digit("123456789")
OTHER = npi_with_check_digit("987654321")
HOME = {"street": "1 Main St", "city": "Portland", "state": "OR", "zip": "97201", "phone": "503-555-0100"}
URL = "https://www.healthgrades.com/physician/dr-jane-doe-abc12"
VITALS = "https://www.vitals.com/doctors/Dr_Jane_Doe.html"


@pytest.fixture
def roster(engine):
    add_physician(engine, NPI, "Jane", "Doe", locations=[HOME])
    add_physician(engine, OTHER, "Ann", "Roe", locations=[HOME])
    return engine


def known(engine):
    with Session(engine) as s:
        return sorted((k.npi, k.source, k.url, k.how, k.decision) for k in s.exec(select(KnownListing)).all())


def decision(engine, url):
    with Session(engine) as s:
        listing_id = s.exec(select(Listing.id).where(Listing.url == url)).one()
        match = s.exec(select(Match).where(Match.listing_id == listing_id)).one()
        npi = s.get(Physician, match.physician_id).npi if match.physician_id else None
        return match.status, match.method, npi


def test_a_listing_added_by_hand_is_matched_to_its_npi_whatever_the_names_say(roster):
    engine = roster
    # A listing under a name the matcher would never give Jane (a married name nobody recorded, no phone).
    store(engine, listing(URL, "Dr. Jane Smith-Okafor"))
    match_listings(engine)
    assert decision(engine, URL)[0] != "matched"
    result = add_known_listing(engine, "healthgrades", URL, NPI)
    assert result.added == 1
    match_listings(engine)
    assert decision(engine, URL) == ("matched", "known", NPI)
    assert known(engine) == [(NPI, "healthgrades", URL, "user", "confirmed")]


def test_a_persons_match_decision_stands_over_a_known_listing(roster):
    engine = roster
    store(engine, listing(URL, "Dr. Jane Doe"))
    add_known_listing(engine, "healthgrades", URL, NPI)
    reject_match(engine, URL)
    match_listings(engine)
    assert decision(engine, URL) == ("unmatched", "person", None)
    confirm_match(engine, URL, OTHER)
    match_listings(engine)
    assert decision(engine, URL) == ("matched", "person", OTHER)


@pytest.mark.parametrize("source, url, npi, problem", [
    ("healthgrade", URL, NPI, "source: unknown source"),
    ("healthgrades", URL, npi_with_check_digit("555555555"), "npi: not on the roster"),
    ("healthgrades", URL, "1234567890", "npi: not a valid NPI"),
    ("healthgrades", VITALS, NPI, "url: not an address on Healthgrades's site (healthgrades.com)"),
    ("healthgrades", "www.healthgrades.com/physician/x", NPI, "url: not a web address"),
    ("healthgrades", "https://healthgrades.com.evil.example/physician/x", NPI, "url: not an address on"),
])
def test_a_listing_that_cannot_be_added_says_why_and_nothing_is_stored(roster, source, url, npi, problem):
    with pytest.raises(KnownListingError, match=re.escape(problem)):
        add_known_listing(roster, source, url, npi)
    assert known(roster) == []


def test_import_urls_checks_every_line_and_stores_nothing_when_one_is_bad(roster, tmp_path):
    path = tmp_path / "known.csv"
    path.write_text(
        "npi,source,url\n"
        f"{NPI},healthgrades,{URL}\n"
        f"{NPI},vitals,{VITALS}\n"
        f"{OTHER},nosuchsite,https://example.org/x\n"
        f"{NPI},healthgrades,{URL}/\n"
        f"{npi_with_check_digit('555555555')},vitals,{VITALS}?x=1\n"
        f"{OTHER},vitals,{URL}\n", encoding="utf-8")
    with pytest.raises(RosterError) as raised:
        import_known_urls(roster, path)
    lines = [str(e) for e in raised.value.errors]
    assert lines == [
        "known.csv:4: source: unknown source; sources: " + ", ".join(__import__("crawlers.sources").sources.keys()) + " (nosuchsite)",
        f"known.csv:5: url: duplicate of line 2 ({URL}/)",
        f"known.csv:6: npi: not on the roster (import the roster first) ({npi_with_check_digit('555555555')})",
        f"known.csv:7: url: not an address on Vitals's site (vitals.com) ({URL})",
    ]
    assert "nothing was imported" in str(raised.value)
    assert known(roster) == []


def test_an_import_is_a_run_that_undo_takes_back(roster, tmp_path):
    engine = roster
    store(engine, listing(URL, "Dr. Jane Smith-Okafor"))
    path = tmp_path / "known.csv"
    path.write_text(f"npi,source,url\n{NPI},healthgrades,{URL}\n{NPI},vitals,{VITALS}\n", encoding="utf-8")
    result = import_known_urls(engine, path)
    assert (result.added, result.already) == (2, 0)
    assert known(engine) == [(NPI, "healthgrades", URL, "import", "confirmed"), (NPI, "vitals", VITALS, "import", "confirmed")]
    match_listings(engine)
    assert decision(engine, URL) == ("matched", "known", NPI)
    # Importing the same file again adds nothing.
    again = import_known_urls(engine, path)
    assert (again.added, again.already) == (0, 2)
    with Session(engine) as s:
        assert s.get(Run, result.run_id).kind == "known_listings"
    undo_run(engine, result.run_id)
    assert known(engine) == []
    assert decision(engine, URL)[1] == "score"  # matched again by the evidence alone


def test_a_url_known_for_another_physician_is_refused(roster):
    add_known_listing(roster, "healthgrades", URL, NPI)
    with pytest.raises(KnownListingError, match=f"already known as the listing of NPI {NPI}"):
        add_known_listing(roster, "healthgrades", URL.replace("https://www.", "http://"), OTHER)


def test_url_key_sees_one_profile_in_its_spellings():
    assert url_key("https://www.healthgrades.com/physician/x/") == url_key("http://healthgrades.com/physician/x#reviews")
    assert url_key("https://x.com/a?id=1") != url_key("https://x.com/a?id=2")


def test_the_commands_add_and_import_and_name_bad_lines(roster, tmp_path, db_url):
    runner = CliRunner()
    added = runner.invoke(app, ["--db", db_url, "listings", "add", "healthgrades", URL, "--npi", NPI])
    assert added.exit_code == 0, added.output
    assert "1 known listing(s) added" in added.output
    refused = runner.invoke(app, ["--db", db_url, "listings", "add", "vitals", URL, "--npi", NPI])
    assert refused.exit_code == 1
    assert "Listing not added: url: not an address on Vitals's site" in refused.output
    assert "Traceback" not in refused.output
    path = tmp_path / "known.csv"
    path.write_text(f"npi,source,url\n{NPI},vitals,[bold]{VITALS}\n", encoding="utf-8")
    bad = runner.invoke(app, ["--db", db_url, "listings", "import-urls", str(path)])
    assert bad.exit_code == 1
    assert f"known.csv:2: url: not a web address (it must start with https://) ([bold]{VITALS})" in bad.output


# -- the crawl revisits them ---------------------------------------------------------------------------------


def test_a_listing_added_by_hand_is_revisited_when_the_sites_search_is_disallowed(tmp_path):
    from datetime import UTC, datetime

    from reputation.crawl import CrawlOptions, run_crawl
    from reputation.db import get_engine
    from reputation.models import Search
    from reputation.roster import import_roster
    from reputation.sandbox.server import SandboxServer
    from reputation.sandbox.world import World
    from test_crawl import roster_file

    world = World(seed=7)
    engine = get_engine(f"sqlite:///{tmp_path / 'crawl.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    with SandboxServer(world) as server:
        npi = next(row["npi"] for row in world.roster_rows() if world.listings_of(row["npi"]))
        site_listing = world.listings_of(npi)[0]
        url = f"{server.url}/healthgrades/{site_listing.path}"
        with pytest.raises(KnownListingError, match="not an address on Healthgrades's site"):
            add_known_listing(engine, "healthgrades", url, npi)  # a sandbox address only with --sandbox
        add_known_listing(engine, "healthgrades", url, npi, sandbox_url=server.url)
        server.set_mode("healthgrades", "robots_search")
        assert f"Disallow: /healthgrades/usearch" in server.robots_txt()
        run = run_crawl(engine, CrawlOptions(sources=["healthgrades"], sandbox_url=server.url, delay=0,
                                             crawl_time=datetime(2026, 11, 16, 9, 0, tzinfo=UTC)))
    assert run.status == "finished"
    with Session(engine) as s:
        searches = {x.npi: x for x in s.exec(select(Search)).all()}
        listing_row = s.exec(select(Listing).where(Listing.url == url)).one()
    # The profile was fetched, the search was not: the others are unknown (disallowed), never missing.
    assert searches[npi].status == "ok" and searches[npi].results == [url]
    assert {x.status for n, x in searches.items() if n != npi} == {"disallowed"}
    assert listing_row.rating is not None and listing_row.last_seen.date().isoformat() == "2026-11-16"
    match_listings(engine)
    assert decision(engine, url) == ("matched", "known", npi)


# -- the own website's profile links: suggested, for a person to decide ------------------------------------


def test_profile_links_of_the_own_website_are_suggested_and_a_person_decides(tmp_path):
    from datetime import UTC, datetime, timedelta

    from reputation.crawl import CrawlOptions, build_targets, run_crawl
    from reputation.db import get_engine
    from reputation.known_listings import decide_suggestion, suggestions
    from reputation.roster import import_roster
    from reputation.sandbox.server import SandboxServer
    from reputation.sandbox.sites.website import links_profiles
    from reputation.sandbox.world import World
    from test_crawl import roster_file

    world = World(seed=7)
    engine = get_engine(f"sqlite:///{tmp_path / 'crawl.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    at = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    with SandboxServer(world) as server:
        linked = {l.npi: [f"{server.url}/healthgrades/{h.path}" for h in world.listings_of(l.npi)]
                  for l in world.site_listings("website") if l.npi and links_profiles(l.source_id)}
        linked = {npi: urls for npi, urls in linked.items() if urls}
        assert len(linked) >= 5
        run = run_crawl(engine, CrawlOptions(sources=["website"], sandbox_url=server.url, delay=0, crawl_time=at))
        assert run.status == "finished"
        suggested = suggestions(engine)
        assert {(s["npi"], s["url"]) for s in suggested} == {(n, u) for n, urls in linked.items() for u in urls}
        assert {s["source"] for s in suggested} == {"healthgrades"}
        assert all(s["found_on"].startswith(f"{server.url}/website/doctors/") for s in suggested)
        # Suggested is not assumed: not revisited, not matched by it.
        first, second = sorted(linked)[:2]
        week = "2026-W47"
        assert not any(t["known_urls"] for t in build_targets(engine, "healthgrades", week, refresh=True))
        decide_suggestion(engine, linked[first][0], first, confirm=True)
        decide_suggestion(engine, linked[second][0], second, confirm=False)
        targets = {t["npi"]: t for t in build_targets(engine, "healthgrades", week, refresh=True)}
        assert targets[first]["known_urls"] == [linked[first][0]]
        assert targets[second]["known_urls"] == []
        # The next week's crawl suggests nothing again: a person's decision is never overwritten.
        again = run_crawl(engine, CrawlOptions(sources=["website"], sandbox_url=server.url, delay=0,
                                               crawl_time=at + timedelta(weeks=1)))
        assert len(known(engine)) == len(suggested)
        # Undoing the crawl that suggested them keeps what the person decided, and what the next crawl (on
        # its rotation, a quarter of the physicians) suggested again; the rest goes with it.
        undo_run(engine, run.id)
    assert known(engine) and {(k[0], k[4]) for k in known(engine) if k[0] in (first, second)} == {
        (first, "confirmed"), (second, "rejected")}
    with Session(engine) as s:
        kept = s.exec(select(KnownListing).where(KnownListing.decision == "suggested")).all()
    assert 0 < len(kept) < len(suggested) - 2 and {k.run_id for k in kept} == {again.id}


def test_the_review_commands_list_confirm_and_reject(roster, db_url):
    from reputation.records import parse_record
    from reputation.store import store_records
    from builders import CLOCK, WEEK1

    store_records(roster, [parse_record({
        "kind": "search", "source": "website", "npi": NPI, "status": "ok", "results": [], "crawled_at": WEEK1.isoformat(),
        "suggested": [{"source": "healthgrades", "url": URL, "found_on": "https://www.example.org/doctors/jane-doe"},
                      {"source": "vitals", "url": VITALS, "found_on": "https://www.example.org/doctors/jane-doe"}]},
        now=CLOCK)])
    runner = CliRunner()
    listed = runner.invoke(app, ["--db", db_url, "listings", "review", "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    assert f"{NPI},Jane Doe,healthgrades,{URL},https://www.example.org/doctors/jane-doe" in listed.output
    assert runner.invoke(app, ["--db", db_url, "listings", "confirm", URL, NPI]).exit_code == 0
    assert runner.invoke(app, ["--db", db_url, "listings", "reject", VITALS, NPI]).exit_code == 0
    missing = runner.invoke(app, ["--db", db_url, "listings", "confirm", URL, OTHER])
    assert missing.exit_code == 1 and "no known or suggested listing" in missing.output
    assert known(roster) == [(NPI, "healthgrades", URL, "website", "confirmed"), (NPI, "vitals", VITALS, "website", "rejected")]


def test_the_sandbox_robots_search_mode_disallows_a_sites_search_and_nothing_else():
    from protego import Protego

    from reputation.sandbox import sites
    from reputation.sandbox.server import SandboxServer
    from reputation.sandbox.world import World

    server = SandboxServer(World(seed=7, size=5))
    searchable = [key for key in sites.site_keys() if sites.search_paths(key)]
    assert {"healthgrades", "vitals", "webmd", "zocdoc", "google", "yelp"} <= set(searchable)
    for key in searchable:
        server.set_mode(key, "robots_search")
    robots = Protego.parse(server.robots_txt())
    for key in searchable:
        for path in sites.search_paths(key):
            assert not robots.can_fetch(f"http://127.0.0.1/{key}/{path}?q=jane", "repmon")
        assert robots.can_fetch(f"http://127.0.0.1/{key}/physician/dr-jane-doe-abc12", "repmon")
