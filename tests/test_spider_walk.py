"""Search by specialty and place: listing walks shared by the roster physicians of a specialty and city.

The walk base (``crawlers/spiders/walk.py``) is tested through the sites that walk, on their sandbox sites: a
physician absent from complete listing pages is missing there (an ok search without results); pages capped,
blocked or not recognised leave the physician unknown (a failed search with its reason code), never missing.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from contextlib import contextmanager
from importlib.resources import files
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.specialties import SPECIALTIES, site_specialty, specialty_of
from crawlers.spiders.walk import name_fit, places
from reputation.normalize import specialty_code
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.world import SPECIALTIES as WORLD_SPECIALTIES
from reputation.sandbox.world import World
from test_spider_base import FILES, file_response, listings, run_spider, searches

WALKING = ("ratemds", "webmd", "vitals", "zocdoc")  # the sites whose search walks listing pages
PAGE_SIZE = {"ratemds": 10, "webmd": 10, "vitals": 20, "zocdoc": 10}  # physicians a listing page shows
LISTING_PAGE = {  # a request for a listing page (not a profile, reviews or a name search)
    "ratemds": re.compile(r"^/ratemds/best-doctors/\?specialty="),
    "webmd": re.compile(r"^/webmd/results\?"),
    "vitals": re.compile(r"^/vitals/[a-z-]+/[a-z]{2}/[a-z0-9-]+(\?page=\d+)?$"),
    "zocdoc": re.compile(r"^/zocdoc/search\?.*search_query="),
}


def walk_targets(world: World, npis=None) -> list[dict]:
    """The world's roster as ``repmon crawl`` writes targets: with the specialty code and every location."""
    targets = []
    for target in world.targets():
        if npis is not None and target["npi"] not in npis:
            continue
        physician = world.physician(target["npi"])
        targets.append(target | {
            "specialty_code": specialty_code(physician.specialty),
            "locations": [{"city": l.city, "state": l.state, "zip": l.zip} for l in physician.locations],
        })
    return targets


def code_of(world: World, npi: str) -> str:
    return specialty_code(world.physician(npi).specialty)


def group(world: World, source: str, specialty: str, city: str) -> set[str]:
    """NPIs of the roster physicians of ``specialty`` (the world's site name) practising in ``city``."""
    return {p.npi for p in world.roster if p.hg_specialty == specialty and any(l.city == city for l in p.locations)}


# ----- the specialty map -------------------------------------------------------------------------


def test_every_code_of_the_map_is_a_nucc_code_and_in_one_specialty_only():
    with files("reputation").joinpath("data/nucc_taxonomy.csv").open(encoding="utf-8") as handle:
        known = {row["Code"] for row in csv.DictReader(handle)}
    codes = [code for specialty in SPECIALTIES for code in specialty.codes]
    assert set(codes) <= known
    assert len(codes) == len(set(codes))


def test_the_roster_specialties_map_to_each_walking_site():
    for _, roster_name, _, code, _ in WORLD_SPECIALTIES:
        assert specialty_code(roster_name) == code
        for source in WALKING:
            assert site_specialty(source, code), (source, roster_name)


@pytest.mark.parametrize("text, ratemds", [("Cardiology", "cardiologist"), ("Cardiologist", "cardiologist"),
                                           ("Family Medicine", "family-gp"), ("Orthopaedic Surgery",
                                                                              "orthopedics-orthopedic-surgeon"),
                                           ("207RC0000X", "cardiologist"), ("Interventional Cardiology", "cardiologist")])
def test_free_text_specialties_reach_the_site_slug_through_their_nucc_code(text, ratemds):
    assert site_specialty("ratemds", specialty_code(text)) == ratemds


def test_an_unknown_code_has_no_site_name():
    assert specialty_of("363L00000X") is None  # nurse practitioner: no listing map
    assert site_specialty("ratemds", None) is None and site_specialty("nosuchsite", "207RC0000X") is None


# ----- reference listing pages --------------------------------------------------------------------

WALK_PAGES = {  # source -> page name prefix: cardiologists in Tacoma, WA on two pages (12, or 22 on Vitals)
    "ratemds": "walk-cardiologist-tacoma-page",
    "webmd": "walk-cardiology-tacoma-page",
    "vitals": "walk-cardiologists-tacoma-page",
    "zocdoc": "walk-cardiologist-tacoma-page",
}


def walk_page(source: str, number: int):
    from crawlers.sources import source as source_of

    name = f"{WALK_PAGES[source]}{number}"
    url = json.loads((FILES / source / f"{name}.expected.json").read_text())["url"]
    return source_of(source).spider.for_parsing().parse_walk_page(file_response(FILES / source / f"{name}.html", url))


@pytest.mark.parametrize("source", list(WALK_PAGES))
def test_a_first_listing_page_shows_ten_and_says_more_follow(source):
    page = walk_page(source, 1)
    assert page.error is None and page.more is True
    names = [re.sub(r"^Dr\. |, (MD|DO)$", "", e.name) for e in page.entries]
    assert names[:3] == ["Helen Marsh", "Omar Haddad", "Grace Olsen"]
    assert len(page.entries) == PAGE_SIZE[source] and all(e.url.startswith("https://") for e in page.entries)


@pytest.mark.parametrize("source", list(WALK_PAGES))
def test_the_last_listing_page_says_it_is_the_last(source):
    page = walk_page(source, 2)
    assert page.error is None and page.more is False
    assert [re.sub(r"^Dr\. |, (MD|DO)$", "", e.name) for e in page.entries] == ["Leah Moss", "Hugo Brandt"]


def test_a_webmd_page_counting_its_results_is_complete_at_the_count():
    from scrapy.http import HtmlResponse

    from crawlers.spiders.webmd import parse_walk_page

    feature = ('{"type":"Feature","properties":{"firstName":"Ann","lastName":"Lee",'
               '"profilelink":"/doctor/ann-lee-3f2b8c1e-7d4a-4b6e-9a1c-5e8f0d2b7a49-overview"}}')
    for number, more in ((1, True), (2, True), (3, False)):
        body = (f'<h1 class="results-title">23 results for Cardiology near Tacoma, WA</h1>'
                f'<div class="results-list" data-pagenumber="{number}"></div>'
                f'<script>var mapboxlocations = {{"type":"FeatureCollection","features":[{feature}]}};</script>')
        response = HtmlResponse(url=f"https://doctor.webmd.com/results?q=Cardiology&pagenumber={number}",
                                body=body.encode(), encoding="utf-8")
        assert parse_walk_page(response).more is more


# ----- matching names and places -----------------------------------------------------------------


@pytest.mark.parametrize("shown, fit", [
    ("Dr. Helen Marsh", 2), ("Dr. H. Marsh", 2), ("Dr. Nell Marsh", 1), ("Dr. Helen Marsh-Oduya", 2),
    ("Dr. Helen Marshall", 0), ("Dr. Anne Helen", 0), ("DR. HÉLÈNE MARSH", 1), ("Dr. Ann Marsh", 2),
])
def test_a_listed_name_fits_by_last_name_and_better_with_the_first(shown, fit):
    assert name_fit(shown, {"first_name": "Helen", "middle_name": "Ann", "last_name": "Marsh"}) == fit


def test_a_hyphenated_roster_name_fits_either_part():
    target = {"first_name": "Sofia", "last_name": "Ramirez-Ortiz"}
    assert name_fit("Dr. Sofia Ortiz", target) == 2 and name_fit("Dr. Sofia Ramirez", target) == 2


def test_places_are_every_location_once():
    target = {"city": "Portland", "state": "OR", "locations": [
        {"city": "Portland", "state": "OR"}, {"city": "portland", "state": "or"}, {"city": "Camas", "state": "WA"},
        {"city": "", "state": "WA"}]}
    assert places(target) == [("Portland", "OR"), ("Camas", "WA")]
    assert places({"city": None, "state": "OR"}) == []


# ----- walks on the sandbox ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    # 300 physicians: some specialty has more than one listing page (10 or 20 a page) in some city.
    with SandboxServer(World(size=300), record=True) as running:
        yield running


@pytest.fixture()
def ok_afterwards(server):
    yield
    for source in WALKING:
        server.set_mode(source, "ok")


def two_page_group(world: World, source: str) -> tuple[str, str, set[str]]:
    """(specialty, city, NPIs) of a specialty and city whose listing needs two pages or more."""
    specialty, city, count = biggest_listing(world, source)
    assert count > PAGE_SIZE[source]
    return specialty, city, group(world, source, specialty, city)


def biggest_listing(world: World, source: str) -> tuple[str, str, int]:
    """The specialty and city listing the most physicians on ``source``, and how many."""
    counts = Counter((l.specialty, city) for l in world.site_listings(source) for city in {o.city for o in l.offices})
    (specialty, city), count = counts.most_common(1)[0]
    return specialty, city, count


@pytest.mark.parametrize("source", WALKING)
def test_a_complete_walk_finds_the_listed_and_says_missing_for_the_rest(server, tmp_path, source):
    world = server.world
    specialty, city, npis = two_page_group(world, source)
    server.reset_counts()
    records = run_spider(source, walk_targets(world, npis), server.url, tmp_path)
    found, ids = searches(records), {url: l["source_id"] for url, l in listings(records).items()}
    assert set(found) == npis
    for npi in npis:
        search = found[npi]
        assert search["status"] == "ok" and search["query"].startswith(site_specialty(source, code_of(world, npi))), search
        mine = {l.source_id for l in world.listings_of(npi, source)}
        assert mine <= {ids.get(url) for url in search["results"]}, search
        if not mine:
            assert search["results"] == []


@pytest.mark.parametrize("source", WALKING)
def test_a_capped_walk_is_unknown_never_missing(server, tmp_path, source):
    world = server.world
    specialty, city, npis = two_page_group(world, source)
    found = searches(run_spider(source, walk_targets(world, npis), server.url, tmp_path, WALK_PAGES_MAX=1))
    for search in found.values():
        assert search["status"] == "error" and search["reason_code"] == "incomplete", search
        assert "capped at 1" in search["reason"]


@pytest.mark.parametrize("source", WALKING)
def test_a_walk_blocked_on_page_two_is_unknown(server, tmp_path, ok_afterwards, source):
    world = server.world
    specialty, city, npis = two_page_group(world, source)
    server.set_mode(source, "blockpage2")
    found = searches(run_spider(source, walk_targets(world, npis), server.url, tmp_path))
    assert set(found) == npis
    for search in found.values():
        assert search["status"] == "blocked" and search["reason_code"] == "blocked", search


def nobody_target(world: World, source: str) -> dict:
    """A psychiatrist in Salem, OR: the site lists no psychiatrist anywhere (the world has none)."""
    assert not any("psychiatr" in l.specialty.lower() for l in world.site_listings(source))
    return {"npi": "1234567893", "first_name": "Iris", "last_name": "Quade", "specialty": "Psychiatry",
            "specialty_code": "2084P0800X", "city": "Salem", "state": "OR", "zip": "97301", "known_urls": [],
            "locations": [{"city": "Salem", "state": "OR", "zip": "97301"}]}


@pytest.mark.parametrize("source", WALKING)
@pytest.mark.parametrize("mode, status, code", [("ok", "ok", None), ("block", "blocked", "blocked"),
                                                ("broken", "error", "not_recognised"), ("503", "error", "http_error"),
                                                ("robots", "disallowed", "disallowed"),
                                                ("outage", "error", "network_error")])
def test_a_listing_of_nobody_is_missing_only_when_it_was_read(server, tmp_path, ok_afterwards, source, mode, status,
                                                              code):
    server.set_mode(source, mode)
    [search] = searches(run_spider(source, [nobody_target(server.world, source)], server.url, tmp_path)).values()
    assert (search["status"], search["reason_code"], search["results"]) == (status, code, [])


NAMED = ("ratemds", "webmd", "zocdoc")  # the walking sites with a name search to confirm a physician not listed


def name_searches(server: SandboxServer, targets: list[dict]) -> list[str]:
    """The recorded requests whose query names one of ``targets`` ("First Last"): their name searches."""
    names = {f"{t['first_name']} {t['last_name']}".lower() for t in targets}
    return [path for _, path, _, _ in server.recorded
            if any(value.lower() in names for values in parse_qs(urlsplit(path).query).values() for value in values)]


@contextmanager
def listed_under(world: World, source: str, npi: str, specialty: str):
    """``npi``'s listings on ``source`` shown under ``specialty`` (the site classifies them otherwise)."""
    mine = world.listings_of(npi, source)
    before = [l.specialty for l in mine]
    for listing in mine:
        listing.specialty = specialty
    try:
        yield mine
    finally:
        for listing, was in zip(mine, before):
            listing.specialty = was


def listed_elsewhere(world: World, source: str) -> tuple[dict, str]:
    """A roster physician listed on ``source``, and another specialty of the world to list them under."""
    target = next(t for t in walk_targets(world) if world.listings_of(t["npi"], source))
    own = world.physician(target["npi"]).hg_specialty
    return target, next(row[2] for row in WORLD_SPECIALTIES if row[2] != own)


@pytest.mark.parametrize("source", NAMED)
def test_a_physician_listed_under_another_specialty_is_found_by_the_confirming_name_search(server, tmp_path, source):
    world = server.world
    target, other = listed_elsewhere(world, source)
    with listed_under(world, source, target["npi"], other) as mine:
        server.recorded.clear()
        records = run_spider(source, [target], server.url, tmp_path)
    [search] = searches(records).values()
    ids = {url: l["source_id"] for url, l in listings(records).items()}
    assert search["status"] == "ok", search
    assert {l.source_id for l in mine} <= {ids.get(url) for url in search["results"]}, search
    assert ", then by name: " in search["query"] and len(name_searches(server, [target])) == 1


def test_vitals_without_a_name_search_says_its_missing_is_the_walk_alone(server, tmp_path):
    world = server.world
    target, other = listed_elsewhere(world, "vitals")
    with listed_under(world, "vitals", target["npi"], other):
        [search] = searches(run_spider("vitals", [target], server.url, tmp_path)).values()
    # Not under their specialty in their city: an ok search without results, whose query says how it was searched.
    assert (search["status"], search["results"]) == ("ok", [])
    assert search["query"].endswith(": listing pages only, not searched by name"), search


@pytest.mark.parametrize("source", NAMED)
def test_a_blocked_confirming_name_search_leaves_the_physician_unknown(server, tmp_path, ok_afterwards, source):
    world = server.world
    target, other = listed_elsewhere(world, source)
    unlisted = [t for t in walk_targets(world) if not world.listings_of(t["npi"], source)][:1]
    assert unlisted
    server.set_mode(source, "blockname")
    with listed_under(world, source, target["npi"], other):
        found = searches(run_spider(source, [target, *unlisted], server.url, tmp_path))
    for search in found.values():
        assert (search["status"], search["reason_code"], search["results"]) == ("blocked", "blocked", []), search


@pytest.mark.parametrize("source", NAMED)
def test_only_the_physicians_a_complete_walk_does_not_list_pay_a_name_search(server, tmp_path, source):
    world = server.world
    specialty, city, npis = two_page_group(world, source)
    targets = walk_targets(world, npis)
    unlisted = [t for t in targets if not world.listings_of(t["npi"], source)]
    server.recorded.clear()
    found = searches(run_spider(source, targets, server.url, tmp_path))
    assert len(name_searches(server, targets)) == len(unlisted)
    assert all((found[t["npi"]]["status"], found[t["npi"]]["results"]) == ("ok", []) for t in unlisted)


@pytest.mark.parametrize("source", WALKING)
def test_one_walk_serves_every_physician_of_the_specialty_and_city(server, tmp_path, source):
    world = server.world
    specialty, city, npis = two_page_group(world, source)
    targets = [t for t in walk_targets(world, npis)
               if all(l["city"] == city for l in t["locations"])]
    assert len(targets) >= 2
    server.recorded.clear()
    run_spider(source, targets, server.url, tmp_path)
    listing_pages = [path for _, path, _, _ in server.recorded if LISTING_PAGE[source].match(path)]
    count = biggest_listing(world, source)[2]
    assert len(listing_pages) == len(set(listing_pages)) == -(-count // PAGE_SIZE[source])  # each page once, for all


def test_a_specialty_the_map_does_not_know_falls_back_to_the_name_search(server, tmp_path):
    [target] = walk_targets(server.world)[:1]
    target = target | {"specialty": "Nurse Practitioner", "specialty_code": "363L00000X"}
    server.recorded.clear()
    [search] = searches(run_spider("ratemds", [target], server.url, tmp_path)).values()
    assert search["status"] == "ok" and search["query"].startswith(target["first_name"])
    assert any("text=" in path for _, path, _, _ in server.recorded)


def test_name_search_is_chosen_by_setting(server, tmp_path):
    targets = walk_targets(server.world)[:3]
    server.recorded.clear()
    found = searches(run_spider("ratemds", targets, server.url, tmp_path, SEARCH_BY=json.dumps({"ratemds": "name"})))
    assert {s["status"] for s in found.values()} == {"ok"}
    asked = [path for _, path, _, _ in server.recorded if "best-doctors" in path]
    assert len(asked) == 3 and all("text=" in path and "specialty=" not in path for path in asked)


def test_walk_listings_are_the_profiles_the_name_search_finds(server, tmp_path):
    """Both ways find the same roster listings (the walk stays in the physician's cities: a namesake in another
    city is not a candidate)."""
    world = server.world
    targets = walk_targets(world)[:40]
    (tmp_path / "walk").mkdir()
    (tmp_path / "name").mkdir()
    walked = run_spider("ratemds", targets, server.url, tmp_path / "walk")
    named = run_spider("ratemds", targets, server.url, tmp_path / "name", SEARCH_BY=json.dumps({"ratemds": "name"}))
    roster = {t["npi"] for t in targets}
    wanted = {l.source_id for l in world.site_listings("ratemds") if l.npi in roster}
    mine = lambda records: {l["source_id"] for l in listings(records).values()} & wanted  # noqa: E731
    assert mine(walked) == mine(named) == wanted
    assert {n: s["status"] for n, s in searches(walked).items()} == {n: "ok" for n in roster}


# ----- targets ------------------------------------------------------------------------------------


def test_crawl_targets_carry_the_specialty_code_and_every_location(tmp_path):
    from crawlers.spiders.base import load_targets
    from reputation.crawl import build_targets
    from reputation.db import get_engine
    from reputation.roster import import_roster
    from test_crawl import roster_file

    world = World(size=12)
    engine = get_engine(f"sqlite:///{tmp_path / 'r.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    path = tmp_path / "targets.json"
    path.write_text(json.dumps(build_targets(engine, "ratemds", "2026-W46", refresh=False)))
    targets = {t["npi"]: t for t in load_targets(path)}
    for physician in world.roster:
        target = targets[physician.npi]
        assert target["specialty_code"] == physician.taxonomy_code
        assert [(l["city"].lower(), l["state"]) for l in target["locations"]] == [
            (l.city.lower(), l.state) for l in physician.locations]
