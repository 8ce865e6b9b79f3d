"""U.S. News parsing on saved pages (golden pairs) and a crawl of the sandbox."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse, TextResponse
from typer.testing import CliRunner

from crawlers.spiders.usnews import UsnewsSpider, doctor_id, parse_profile_page, parse_search_response, profile_url
from reputation.cli import app
from reputation.sandbox.sites.usnews import profile_page, profile_path, search_json
from reputation.sandbox.world import World
from test_spider_base import FILES, file_response, run_spider, searches

US = FILES / "usnews"
SEARCH_EXPECTED = json.loads((US / "search.expected.json").read_text())
EMPTY_EXPECTED = json.loads((US / "search-empty.expected.json").read_text())
PROFILE_EXPECTED = json.loads((US / "profile.expected.json").read_text())
PROFILE = parse_profile_page(file_response(US / "profile.html", PROFILE_EXPECTED["url"]))
API = "https://health.usnews.com/health-care/doctors/search-data?name=A+B&location=Portland%2C+OR&page_num=1"


def json_response(data, url: str = API) -> TextResponse:
    return TextResponse(url=url, body=json.dumps(data).encode(), encoding="utf-8")


# ----- search -----------------------------------------------------------------------------------------


def test_search_answer_gives_every_profile_url_in_order():
    outcome = parse_search_response(file_response(US / "search.json", SEARCH_EXPECTED["url"]))
    assert outcome.error is None and outcome.profile_urls == SEARCH_EXPECTED["profile_urls"]


def test_repmon_parse_of_a_search_answer_prints_its_matches_and_a_search_record(tmp_path):
    done = CliRunner().invoke(app, ["parse", "usnews", str(US / "search.json"), "--url", SEARCH_EXPECTED["url"]])
    assert done.exit_code == 0, done.output
    assert [json.loads(l) for l in done.output.splitlines() if l.strip()] == SEARCH_EXPECTED["records"]


def test_2026_location_search_matches_give_their_street_address_and_no_invented_rating():
    expected = json.loads((US / "search-2026.expected.json").read_text())
    done = CliRunner().invoke(app, ["parse", "usnews", str(US / "search-2026.json"), "--url", expected["url"]])
    assert done.exit_code == 0, done.output
    records = [json.loads(l) for l in done.output.splitlines() if l.strip()]
    assert records == expected["records"]
    # The matches carry no patient rating: unknown, never 0 ratings.
    assert all(r["rating"] is None and r["review_count"] is None for r in records if r["kind"] == "listing")


def test_answer_without_matches_is_an_ok_empty_search():
    outcome = parse_search_response(file_response(US / "search-empty.json", EMPTY_EXPECTED["url"]))
    assert outcome.error is None and outcome.profile_urls == EMPTY_EXPECTED["profile_urls"]


@pytest.fixture(scope="module")
def world():
    return World(size=16)


def test_answer_in_another_shape_is_an_error_not_an_empty_search(world):
    for shown in (world.site_listings("usnews")[:2], []):
        outcome = parse_search_response(json_response(search_json(shown, 1, broken=True)))
        assert outcome.error.startswith("search answer not recognised") and outcome.profile_urls == []


def test_answer_that_is_not_json_is_an_error():
    response = HtmlResponse(url=API, body=b"<html><body>Service unavailable</body></html>", encoding="utf-8")
    assert "not JSON" in parse_search_response(response).error


def test_profile_urls_and_ids():
    url = "https://health.usnews.com/doctors/marcus-okafor-281734?int=top#locations"
    assert profile_url(url) == "https://health.usnews.com/doctors/marcus-okafor-281734"
    assert doctor_id(url) == "281734"
    assert profile_url(API) is None


# ----- profile ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", list(PROFILE_EXPECTED["listing"]))
def test_profile_field(field):
    assert PROFILE[field] == PROFILE_EXPECTED["listing"][field]


def test_repmon_parse_of_a_saved_profile_takes_the_canonical_url():
    done = CliRunner().invoke(app, ["parse", "usnews", str(US / "profile.html")])
    assert done.exit_code == 0, done.output
    assert [json.loads(l) for l in done.output.splitlines() if l.strip()] == [PROFILE_EXPECTED["listing"]]


def test_profile_in_unknown_markup_has_no_listing(world):
    listing = world.site_listings("usnews")[0]
    page = profile_page(listing, site="https://health.usnews.com", broken=True)
    assert parse_profile_page(HtmlResponse(url=PROFILE_EXPECTED["url"], body=page.encode(), encoding="utf-8")) is None


def test_unrated_profile_has_zero_ratings_not_unknown(world):
    listing = next(l for l in world.site_listings("usnews") if not l.rating_count)
    page = profile_page(listing, site="https://health.usnews.com")
    parsed = parse_profile_page(HtmlResponse(url=f"https://health.usnews.com/{profile_path(listing)}",
                                             body=page.encode(), encoding="utf-8"))
    assert (parsed["rating"], parsed["review_count"]) == (None, 0)


def test_search_request_asks_for_the_name_near_the_city():
    class Stub:
        base_url = "https://health.usnews.com"

    state = type("State", (), {"target": {"first_name": "Marcus", "last_name": "Okafor", "city": "Portland",
                                          "state": "OR"}})()
    request = UsnewsSpider.search_request(Stub(), state)
    assert request.url == ("https://health.usnews.com/health-care/doctors/search-data?"
                           "name=Marcus+Okafor&location=Portland%2C+OR&page_num=1")


# ----- a crawl of the sandbox -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl(server, tmp_path_factory):
    return run_spider("usnews", server.world.targets(), server.url, tmp_path_factory.mktemp("usnews"))


def test_crawl_one_ok_search_per_roster_physician(server, crawl):
    found = searches(crawl)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_crawl_finds_every_listing_with_what_the_site_shows(server, crawl):
    world = server.world
    found = searches(crawl)
    pages = {r["url"]: r for r in crawl if r["kind"] == "listing"}
    [twin] = world.discrepancies["namesake"]
    expected = [(p.npi, l) for p in world.roster for l in world.listings_of(p.npi, "usnews")]
    namesakes = [l for l in world.site_listings("usnews") if l.npi is None]
    assert namesakes
    expected += [(twin, l) for l in namesakes]
    for npi, listing in expected:
        url = f"{server.url}/usnews/{profile_path(listing)}"
        assert url in found[npi]["results"], (npi, url)
        record = pages[url]
        assert record["source_id"] == listing.source_id
        assert record["npi"] == listing.npi
        assert record["name"] == listing.display_name
        assert record["specialty"] == listing.specialty
        assert record["practice_name"] == listing.offices[0].practice_name
        assert record["phones"] == list(dict.fromkeys(o.phone for o in listing.offices))
        assert record["addresses"] == [{"street": o.street, "city": o.city, "state": o.state, "zip": o.zip}
                                       for o in listing.offices]
        assert (record["rating"], record["review_count"]) == (listing.rating, listing.rating_count)
        assert record["accepting_new_patients"] == listing.accepting_new_patients


def test_crawl_physicians_without_listing_are_ok_empty_searches(server, crawl):
    found = searches(crawl)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


@pytest.mark.parametrize("mode, status", [("block", "blocked"), ("broken", "error")])
def test_crawl_failure_modes_are_never_an_empty_ok(server, tmp_path, mode, status):
    server.set_mode("usnews", mode)
    try:
        targets = server.world.targets()[:6]
        records = run_spider("usnews", targets, server.url, tmp_path)
    finally:
        server.set_mode("usnews", "ok")
    found = searches(records)
    assert set(found) == {t["npi"] for t in targets}
    assert {s["status"] for s in found.values()} == {status}
    assert all(s["reason"] for s in found.values())
    assert not [r for r in records if r["kind"] == "listing"]
