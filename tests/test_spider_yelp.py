"""Yelp: Fusion API reference answers and business pages → records, and crawls of the sandbox's Fusion API."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from scrapy.http import HtmlResponse, TextResponse
from typer.testing import CliRunner

from crawlers.spiders.yelp import (
    YelpSpider,
    alias_of,
    api_error,
    parse_biz_page,
    parse_business_answer,
    parse_reviews_answer,
    parse_search_answer,
    search_terms,
)
from reputation.cli import app
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.sites import Request
from reputation.sandbox.sites.yelp import handle, yelp_rating
from reputation.sandbox.world import World
from test_spider_base import FILES, SHARED, file_response, listings, needs_shared, run_spider, searches

Y = FILES / "yelp"
API = "https://api.yelp.com/v3/businesses"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in Y.glob("*.expected.json"))
KEY = {"YELP_API_KEY": "sandbox-key"}
REAL_2015 = SHARED / "fixtures/real/yelp/biz-physician-2015.html"


def expected(name: str) -> dict:
    return json.loads((Y / f"{name}.expected.json").read_text())


def saved(name: str):
    spec = expected(name)
    path = next(p for p in Y.iterdir() if p.stem == name and not p.name.endswith(".expected.json"))
    return file_response(path, spec["url"], status=spec.get("http_status", 200))


def json_response(data, url: str = f"{API}/search?term=a+b", status: int = 200) -> TextResponse:
    return TextResponse(url=url, body=json.dumps(data).encode(), encoding="utf-8", status=status)


# ----- reference answers and page -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_saved_answer_or_page_gives_exactly_the_expected_records(name):
    assert YelpSpider.for_parsing().parse_saved(saved(name)) == expected(name)["records"]


@pytest.mark.parametrize("name", [n for n in NAMES if "profile_urls" in expected(n)])
def test_search_follows_open_businesses_with_the_last_name(name):
    outcome = parse_search_answer(saved(name), expected(name)["last_name"])
    assert outcome.error is None
    assert outcome.profile_urls == expected(name)["profile_urls"]


BUSINESS = parse_business_answer(saved("business"))


@pytest.mark.parametrize("field", list(expected("business")["records"][0]))
def test_business_details_field(field):
    assert BUSINESS[field] == expected("business")["records"][0][field]


def test_reviews_answer_gives_three_excerpts_and_the_total():
    page = parse_reviews_answer(saved("reviews"))
    assert page.recognised and page.total == 27
    assert [r["review_id"] for r in page.reviews] == ["vN3kQ8bX1mZ0pR6tL2wYcA", "Xc5Lr9Tp2Wq7Zb0Nv4Km1s",
                                                      "Gh1Jk5Lm9Np3Qr7St0Uv2w"]


@pytest.mark.parametrize("body", [{"data": {"items": []}}, {"reviews": "none"}, []])
def test_reviews_in_another_shape_are_not_recognised(body):
    assert not parse_reviews_answer(json_response(body, f"{API}/x/reviews")).recognised


@pytest.mark.parametrize("body", [{"data": {"items": [], "count": 0}}, {"total": 0}, [], "businesses"])
def test_unknown_search_answer_is_an_error_not_an_empty_search(body):
    outcome = parse_search_answer(json_response(body), "Solberg")
    assert outcome.error and "not recognised" in outcome.error and outcome.profile_urls == []


def test_search_answer_that_is_not_json_is_an_error():
    response = TextResponse(url=f"{API}/search", body=b"<html>502 Bad Gateway</html>", encoding="utf-8")
    assert "not JSON" in parse_search_answer(response).error


@pytest.mark.parametrize("http, code, verdict", [
    (401, "TOKEN_MISSING", "blocked"), (429, "ACCESS_LIMIT_REACHED", "blocked"), (400, "VALIDATION_ERROR", "error"),
    (400, "LOCATION_NOT_FOUND", "error"),
])
def test_api_errors_keep_yelps_code_and_description(http, code, verdict):
    body = {"error": {"code": code, "description": "Some  description."}}
    code_of = {"blocked": "blocked", "error": "api_error"}[verdict]
    assert api_error(json_response(body, status=http)) == (verdict, f"Yelp Fusion API error {code} (HTTP {http}): "
                                                                    "Some description.", code_of)


def test_details_answer_that_is_an_error_or_renamed_has_no_listing():
    assert parse_business_answer(json_response({"error": {"code": "BUSINESS_NOT_FOUND"}}, f"{API}/x")) is None
    assert parse_business_answer(json_response({"biz_id": "x", "business_name": "A B, MD"}, f"{API}/x")) is None


def test_alias_comes_from_any_business_page_url():
    assert alias_of("http://www.yelp.com/biz/vlad-nusinovich-md-west-hollywood-2?page_src=related_bizes") == \
        "vlad-nusinovich-md-west-hollywood-2"
    assert alias_of("http://127.0.0.1:8123/yelp/biz/caf%C3%A9-md-portland") == "café-md-portland"
    assert alias_of("https://www.yelp.com/search?find_desc=x") is None


def test_known_business_urls_are_revisited_through_the_api_by_alias():
    assert YelpSpider.revisit_url(_Stub(), "https://www.yelp.com/biz/ingrid-solberg-md-portland") == \
        f"{API}/ingrid-solberg-md-portland"


def test_reviews_are_asked_once_and_only_when_there_are_some():
    request = YelpSpider.reviews_request(_Stub(), BUSINESS, 1)
    assert request.url == f"{API}/kX2vT9qLw0cRb7nYp4sDfg/reviews"
    assert request.headers["Authorization"] == b"Bearer k"
    assert YelpSpider.reviews_request(_Stub(), BUSINESS, 2) is None  # three excerpts is all Yelp gives
    assert YelpSpider.reviews_request(_Stub(), {**BUSINESS, "review_count": 0}, 1) is None


class _Stub:  # what the request builders read of a configured spider
    base_url = "https://api.yelp.com"
    api_key = "k"

    def request_headers(self):
        return YelpSpider.request_headers(self)


def test_search_terms_are_name_and_city():
    assert search_terms({"first_name": "Ingrid", "last_name": "Solberg", "city": "Portland", "state": "OR"}) == \
        ("Ingrid Solberg", "Portland, OR")
    assert search_terms({"first_name": "Ingrid", "last_name": "Solberg", "zip": "97210"}) == ("Ingrid Solberg", "97210")


def test_repmon_parse_prints_the_records_of_a_saved_search_answer():
    result = CliRunner().invoke(app, ["parse", "yelp", str(Y / "search.json"), "--url", expected("search")["url"]])
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.output.splitlines()] == expected("search")["records"]


# ----- the real 2015 business page (microdata) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_2015():
    return parse_biz_page(file_response(REAL_2015, "https://www.yelp.com/biz/vlad-nusinovich-md-west-hollywood-2"))


@needs_shared
@pytest.mark.parametrize("field, value", [
    ("url", "https://www.yelp.com/biz/vlad-nusinovich-md-west-hollywood-2"),
    ("source_id", "u0vXwtL06-UDyNTSSrBaRg"),
    ("alias", "vlad-nusinovich-md-west-hollywood-2"),
    ("name", "Vlad Nusinovich, MD"),
    ("specialty", "Internal Medicine"),
    ("practice_name", "Prestige Medical Center"),  # the first street line of the page's address
    ("addresses", [{"street": "7855 Santa Monica Blvd", "city": "West Hollywood", "state": "CA", "zip": "90046"}]),
    ("phones", ["(310) 819-4473"]),
    ("rating", 4.0),
    ("review_count", 20),
])
def test_real_2015_page(page_2015, field, value):
    assert page_2015[field] == value


@needs_shared
def test_real_2015_page_gives_its_twenty_reviews(page_2015):
    reviews = page_2015["reviews"]
    assert len(reviews) == 20 and len({r["review_id"] for r in reviews}) == 20
    assert reviews[0] == {"review_id": "46iBm49L51Y-qQZjTAD8HA", "date": "2015-07-30", "rating": 5.0,
                          "text": "This Dr is amazing!! The entire staff is very helpful and nice. Sasha and Masha "
                                  "(front desk) are awesome they are alway sweet and pleasant!! Strongly recommend",
                          "author": "Ni C.", "response": None, "response_date": None}
    assert reviews[1]["rating"] == 1.0 and reviews[1]["text"].startswith("If I could put 0 - I would.")
    assert Counter(r["rating"] for r in reviews) == {5.0: 14, 1.0: 6}  # as the page's Rating items say


@needs_shared
def test_repmon_parse_reads_the_real_page_saved_without_its_address(tmp_path):
    # Saved from the browser: the response URL is the file's; the page's canonical link gives the listing URL.
    result = CliRunner().invoke(app, ["parse", "yelp", str(REAL_2015)])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.output.splitlines()]
    assert record["url"] == "https://www.yelp.com/biz/vlad-nusinovich-md-west-hollywood-2"
    assert (record["name"], record["rating"], record["review_count"]) == ("Vlad Nusinovich, MD", 4.0, 20)


def test_a_page_without_a_business_is_not_a_listing():
    page = HtmlResponse(url="https://www.yelp.com/biz/x", body=b"<html><h1>Dr A B</h1></html>", encoding="utf-8")
    assert parse_biz_page(page) is None
    assert YelpSpider.for_parsing().parse_saved(page) == []


# ----- the sandbox's Fusion API, unit by unit -------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    return World(size=16)


def sandbox(world, path, query=None, *, headers=None, broken=False):
    headers = {"authorization": "Bearer k"} if headers is None else headers
    request = Request(method="GET", path=path, query=query or {}, headers=headers, prefix="/yelp",
                      origin="http://sandbox", broken=broken)
    reply = handle(world, request)
    return reply.status, json.loads(reply.body) if reply.content_type == "application/json" else reply.body


def test_sandbox_wants_a_bearer_token_and_a_location(world):
    assert sandbox(world, "v3/businesses/search", {"location": "Portland"}, headers={})[1]["error"]["code"] == \
        "TOKEN_MISSING"
    status, data = sandbox(world, "v3/businesses/search", {"term": "a b"})
    assert status == 400 and data["error"]["code"] == "VALIDATION_ERROR"


def test_sandbox_business_page_parses_like_the_api_answer(world):
    listing = next(l for l in world.site_listings("yelp") if l.rating_count)
    _, details = sandbox(world, f"v3/businesses/{listing.source_id}")
    _, page = sandbox(world, f"biz/{listing.extra['alias']}")
    from_api = parse_business_answer(json_response(details, f"{API}/{listing.source_id}"))
    from_page = parse_biz_page(HtmlResponse(url="file:///tmp/saved.html", body=page.encode(), encoding="utf-8"))
    for field in ("url", "source_id", "name", "phones", "addresses", "rating", "review_count", "alias"):
        assert from_page[field] == from_api[field], field


def test_broken_sandbox_answers_are_not_recognised(world):
    listing = next(l for l in world.site_listings("yelp") if l.rating_count)
    _, search = sandbox(world, "v3/businesses/search", {"term": f"{listing.first_name} {listing.last_name}",
                                                        "location": listing.offices[0].city}, broken=True)
    assert search["data"]["items"]
    assert parse_search_answer(json_response(search), listing.last_name).error
    _, details = sandbox(world, f"v3/businesses/{listing.source_id}", broken=True)
    assert parse_business_answer(json_response(details, f"{API}/{listing.source_id}")) is None
    _, reviews = sandbox(world, f"v3/businesses/{listing.source_id}/reviews", broken=True)
    assert not parse_reviews_answer(json_response(reviews, f"{API}/{listing.source_id}/reviews")).recognised
    _, page = sandbox(world, f"biz/{listing.extra['alias']}", broken=True)
    assert parse_biz_page(HtmlResponse(url="https://www.yelp.com/biz/x", body=page.encode(), encoding="utf-8")) is None


# ----- crawling the sandbox -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records(server, tmp_path_factory):
    return run_spider("yelp", server.world.targets(), server.url, tmp_path_factory.mktemp("yelp"), **KEY)


def biz_url(server, listing):
    return f"{server.url}/yelp/biz/{listing.extra['alias']}"


def test_one_ok_search_per_roster_physician(server, records):
    found = searches(records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_every_business_of_a_roster_physician_is_found_as_the_api_shows_it(server, records):
    world, found, pages = server.world, searches(records), listings(records)
    expected_listings = [(p.npi, l) for p in world.roster for l in world.listings_of(p.npi, "yelp")]
    [twin] = world.discrepancies["namesake"]
    expected_listings += [(twin, l) for l in world.site_listings("yelp") if l.npi is None]  # the namesake
    assert len(expected_listings) == len(world.site_listings("yelp"))
    for npi, listing in expected_listings:
        url = biz_url(server, listing)
        assert url in found[npi]["results"], (npi, listing.display_name)
        record = pages[url]
        office = listing.offices[0]
        assert record["source_id"] == listing.source_id and record["alias"] == listing.extra["alias"]
        assert record["name"] == listing.display_name
        assert record["phones"] == [office.phone]
        assert record["addresses"] == [{"street": office.street, "city": office.city, "state": office.state,
                                        "zip": office.zip}]
        assert record["review_count"] == listing.rating_count
        assert record["rating"] == (yelp_rating(listing) if listing.rating_count else None)  # Yelp's half stars
        # The three newest excerpts: all the API gives.
        assert [r["review_id"] for r in record["reviews"]] == [r.review_id for r in listing.newest_reviews()[:3]]


def test_physicians_without_a_business_are_ok_searches_without_results(server, records):
    found = searches(records)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


@pytest.mark.parametrize("mode, status", [("block", "blocked"), ("broken", "error")])
def test_a_refusing_or_changed_api_is_never_an_empty_ok(server, tmp_path, mode, status):
    server.set_mode("yelp", mode)
    try:
        found = searches(run_spider("yelp", server.world.targets()[:4], server.url, tmp_path, **KEY))
    finally:
        server.set_mode("yelp", "ok")
    assert {s["status"] for s in found.values()} == {status}
    assert all(s["reason"] and s["results"] == [] for s in found.values())


def test_a_refused_token_is_blocked_with_yelps_description(server, tmp_path):
    found = searches(run_spider("yelp", server.world.targets()[:2], server.url, tmp_path, YELP_API_KEY="invalid"))
    assert {s["status"] for s in found.values()} == {"blocked"}
    assert {s["reason"] for s in found.values()} == {
        "Yelp Fusion API error TOKEN_INVALID (HTTP 401): Invalid access token or authorization header."}


def test_without_a_key_nothing_is_requested_and_every_physician_gets_an_error(server, tmp_path):
    server.reset_counts()
    found = searches(run_spider("yelp", server.world.targets(), server.url, tmp_path, YELP_API_KEY=""))
    assert set(found) == {p.npi for p in server.world.roster}
    assert {(s["status"], s["reason"]) for s in found.values()} == {
        ("error", "no Yelp Fusion API key configured (set REPMON_YELP_API_KEY)")}
    assert server.request_counts == {}


def test_known_businesses_are_revisited_gone_closed_renamed_or_withheld_ones_handled(tmp_path):
    world = World(size=16)
    roster = [p for p in world.roster if world.listings_of(p.npi, "yelp")]
    kept, gone, closed, renamed, withheld = roster[:5]
    with SandboxServer(world) as server:
        known = {p.npi: biz_url(server, world.listings_of(p.npi, "yelp")[0]) for p in (kept, gone, closed)}
        world.listings_of(gone.npi, "yelp")[0].gone = True
        world.listings_of(closed.npi, "yelp")[0].extra["closed"] = True
        current = world.listings_of(renamed.npi, "yelp")[0]
        current.extra["previous_aliases"] = ["old-practice-name-portland"]
        known[renamed.npi] = f"{server.url}/yelp/biz/old-practice-name-portland"
        hidden = world.listings_of(withheld.npi, "yelp")[0]
        hidden.extra["unavailable"] = True  # found by the search, details withheld
        targets = [t | {"known_urls": [known[t["npi"]]]} if t["npi"] in known else t for t in world.targets()
                   if t["npi"] in known or t["npi"] == withheld.npi]
        records = run_spider("yelp", targets, server.url, tmp_path, **KEY)
        found = searches(records)
        assert found[withheld.npi]["status"] == "ok" and found[withheld.npi]["results"] == [biz_url(server, hidden)]
        listing = listings(records)[biz_url(server, hidden)]
        assert (listing["name"], listing["review_count"], listing["reviews"]) == (hidden.display_name,
                                                                                  hidden.rating_count, [])
    assert found[kept.npi]["results"] == [known[kept.npi]] and found[kept.npi]["gone"] == []
    assert found[renamed.npi]["results"] == [biz_url(server, current)]
    assert found[renamed.npi]["gone"] == [known[renamed.npi]]
    for npi in (gone.npi, closed.npi):
        # Reported gone; the fresh search that follows finds no open business of theirs.
        assert found[npi]["status"] == "ok" and found[npi]["gone"] == [known[npi]] and found[npi]["results"] == []


# ----- address lines and answers kept in scripts ----------------------------------------------------------------


@pytest.mark.parametrize("line2, line3, street, practice", [
    ("Ste 330", "Woman's Health Group", "7580 Fannin St, Ste 330", "Woman's Health Group"),
    ("", "Kelsey-Seybold Clinic", "7580 Fannin St", "Kelsey-Seybold Clinic"),
    ("Suite B", "", "7580 Fannin St, Suite B", None),
    ("Bldg 2", "Floor 3", "7580 Fannin St, Bldg 2, Floor 3", None),
])
def test_an_address_line_naming_a_place_is_the_practice_not_the_street(line2, line3, street, practice):
    business = {"id": "b" * 22, "name": "Heidi Purcell, MD", "review_count": 2, "rating": 5,
                "location": {"address1": "7580 Fannin St", "address2": line2, "address3": line3, "city": "Houston",
                             "state": "TX", "zip_code": "77054"}}
    listing = parse_business_answer(json_response(business, f"{API}/{'b' * 22}"))
    assert (listing["addresses"][0]["street"], listing["practice_name"]) == (street, practice)


def test_a_script_assigning_something_else_gives_nothing():
    page = HtmlResponse(url="file:///x.js", body=b'let config={"debug": true}; let names=["a", "b"];', encoding="utf-8")
    assert YelpSpider.for_parsing().parse_saved(page) == []
