"""Google Places API (New): reference answers → records, and crawls of the sandbox's Places API."""

from __future__ import annotations

import json

import pytest
from scrapy.http import TextResponse
from typer.testing import CliRunner

from crawlers.spiders.google import (
    GoogleSpider,
    api_error,
    listing_url,
    parse_details_answer,
    parse_search_answer,
    physician_places,
    place_address,
    text_query,
)
from reputation.cli import app
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.sites import Request
from reputation.sandbox.sites.google import handle
from reputation.sandbox.world import World
from test_spider_base import FILES, file_response, listings, run_spider, searches

G = FILES / "google"
API = "https://places.googleapis.com"
ANSWERS = sorted(p.name.removesuffix(".expected.json") for p in G.glob("*.expected.json"))
KEY = {"GOOGLE_PLACES_API_KEY": "sandbox-key"}


def expected(name: str) -> dict:
    return json.loads((G / f"{name}.expected.json").read_text())


def answer(name: str):
    spec = expected(name)
    return file_response(G / f"{name}.json", spec["url"], status=spec.get("http_status", 200))


def json_response(data, url: str = f"{API}/v1/places:searchText", status: int = 200) -> TextResponse:
    return TextResponse(url=url, body=json.dumps(data).encode(), encoding="utf-8", status=status)


# ----- reference answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ANSWERS)
def test_saved_answer_gives_exactly_the_expected_records(name):
    assert GoogleSpider.for_parsing().parse_saved(answer(name)) == expected(name)["records"]


@pytest.mark.parametrize("name", [n for n in ANSWERS if "profile_urls" in expected(n)])
def test_search_follows_only_the_physicians_places(name):
    outcome = parse_search_answer(answer(name), expected(name)["last_name"])
    assert outcome.error is None
    assert outcome.profile_urls == expected(name)["profile_urls"]


PLACE = parse_details_answer(answer("place"))


@pytest.mark.parametrize("field", list(expected("place")["records"][0]))
def test_place_details_field(field):
    assert PLACE[field] == expected("place")["records"][0][field]


def test_review_text_is_the_reviewers_own_not_googles_translation():
    assert PLACE["reviews"][1]["text"].startswith("Excelente doctora")


def test_places_of_other_kinds_closed_or_other_names_are_no_candidates():
    places = json.loads((G / "search.json").read_text())["places"]
    kept = [p["displayName"]["text"] for p in physician_places(places, "Solberg")]
    assert kept == ["Ingrid Solberg, MD", "Dr. Ingrid M. Solberg"]
    assert [p["displayName"]["text"] for p in physician_places(places, "Marsh")] == []


def test_last_names_match_without_accents_or_case():
    place = {"id": "ChIJxxxxxxxxxx", "types": ["doctor"], "displayName": {"text": "DR. JOSÉ NÚÑEZ-ORTIZ"}}
    assert physician_places([place], "Núñez Ortiz") == [place]
    assert physician_places([place], "Nunez") == [place]
    assert physician_places([place], "Ortega") == []


def test_empty_answer_is_an_ok_search_without_results():
    outcome = parse_search_answer(json_response({}), "Solberg")
    assert outcome.error is None and outcome.profile_urls == []


@pytest.mark.parametrize("body", [{"results": []}, {"candidates": [{"place_id": "x"}]}, [], "places"])
def test_unknown_search_answer_is_an_error_not_an_empty_search(body):
    outcome = parse_search_answer(json_response(body), "Solberg")
    assert outcome.error and "not recognised" in outcome.error
    assert outcome.profile_urls == []


def test_search_answer_that_is_not_json_is_an_error():
    response = TextResponse(url=f"{API}/v1/places:searchText", body=b"<html>502</html>", encoding="utf-8")
    assert "not JSON" in parse_search_answer(response).error


def test_place_whose_answer_carries_no_ratings_has_unknown_rating_and_count():
    # proto3 JSON leaves out a zero, and a field mask may leave the ratings out: the answer does not say 0.
    listing = parse_details_answer(json_response({"id": "ChIJabcdefghij", "displayName": {"text": "A B, MD"}},
                                                 f"{API}/v1/places/ChIJabcdefghij"))
    assert listing["rating"] is None and listing["review_count"] is None and listing["reviews"] == []


def test_a_rating_without_a_count_is_kept_and_the_count_unknown():
    listing = parse_details_answer(json_response({"id": "ChIJabcdefghij", "displayName": {"text": "A B, MD"},
                                                  "rating": 4.4}, f"{API}/v1/places/ChIJabcdefghij"))
    assert (listing["rating"], listing["review_count"]) == (4.4, None)


def test_an_answer_without_formatted_address_gives_its_postal_address():
    place = {"id": "ChIJabcdefghij", "displayName": {"text": "A B, MD"},
             "postalAddress": {"regionCode": "US", "postalCode": "97209-1234", "administrativeArea": "OR",
                               "locality": "Portland", "addressLines": ["1200 NW Everett St", "Suite 300"]}}
    listing = parse_details_answer(json_response(place, f"{API}/v1/places/ChIJabcdefghij"))
    assert listing["addresses"] == [{"street": "1200 NW Everett St, Suite 300", "city": "Portland", "state": "OR",
                                     "zip": "97209-1234"}]


NOT_FOUND = {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}


@pytest.mark.parametrize("data", [{"place": {"id": "ChIJabcdefghij"}}, {"id": "ChIJabcdefghij"}, NOT_FOUND])
def test_details_answer_without_a_place_has_no_listing(data):
    assert parse_details_answer(json_response(data, f"{API}/v1/places/ChIJabcdefghij")) is None


@pytest.mark.parametrize("code, status, verdict", [
    (403, "PERMISSION_DENIED", "blocked"), (429, "RESOURCE_EXHAUSTED", "blocked"), (400, "INVALID_ARGUMENT", "error"),
    (500, "INTERNAL", "error"),
])
def test_api_errors_keep_googles_message(code, status, verdict):
    body = {"error": {"code": code, "message": "Something   specific.", "status": status}}
    reason = f"Google Places API error {code} {status}: Something specific."
    code_of = {"blocked": "blocked", "error": "api_error"}[verdict]
    assert api_error(json_response(body, status=code)) == (verdict, reason, code_of)


def test_listing_url_is_the_public_place_id_link_on_google_or_under_the_sandbox():
    assert listing_url("ChIJ3S-JXmauEmsRUcIaWtf4MzE", API) == \
        "https://www.google.com/maps/place/?q=place_id:ChIJ3S-JXmauEmsRUcIaWtf4MzE"
    assert listing_url("ChIJ3S", "http://127.0.0.1:8123/google") == \
        "http://127.0.0.1:8123/google/maps/place/?q=place_id:ChIJ3S"


def test_street_falls_back_to_the_components():
    place = {"addressComponents": [
        {"longText": "300", "types": ["subpremise"]}, {"longText": "12", "types": ["street_number"]},
        {"longText": "Main St", "types": ["route"]}, {"longText": "Camas", "types": ["locality"]},
        {"longText": "Washington", "shortText": "WA", "types": ["administrative_area_level_1"]},
        {"longText": "98607", "types": ["postal_code"]}]}
    assert place_address(place) == {"street": "12 Main St #300", "city": "Camas", "state": "WA", "zip": "98607"}


def test_text_query_is_dr_name_city_state():
    assert text_query({"first_name": "Ingrid", "last_name": "Solberg", "city": "Portland", "state": "OR"}) == \
        "Dr Ingrid Solberg, Portland, OR"
    assert text_query({"first_name": "Ingrid", "last_name": "Solberg"}) == "Dr Ingrid Solberg"


def test_known_listing_urls_are_revisited_through_place_details():
    url = "https://www.google.com/maps/place/?q=place_id:ChIJ3S-JXmauEmsRUcIaWtf4MzE"
    assert GoogleSpider.revisit_url(_Stub(), url) == f"{API}/v1/places/ChIJ3S-JXmauEmsRUcIaWtf4MzE"
    assert GoogleSpider.revisit_url(_Stub(), "https://maps.google.com/?cid=3617248895066384945") is None


class _Stub:  # revisit_url only needs the spider's base URL
    base_url = API


def test_repmon_parse_prints_the_listing_of_a_saved_answer():
    result = CliRunner().invoke(app, ["parse", "google", str(G / "place.json"), "--url", expected("place")["url"]])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.output.splitlines()]
    assert record == expected("place")["records"][0]


def test_repmon_parse_reports_an_error_answer_as_a_failed_search():
    result = CliRunner().invoke(app, ["parse", "google", str(G / "error-permission.json")])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["status"] == "blocked" and "Places API (New) has not been used" in record["reason"]


# ----- the sandbox's Places API, unit by unit -------------------------------------------------------------------


def sandbox(world, path, *, method="GET", body=None, headers=None, broken=False):
    headers = {"x-goog-api-key": "k", "x-goog-fieldmask": "*"} if headers is None else headers
    request = Request(method=method, path=path, query={}, body=json.dumps(body or {}).encode(), headers=headers,
                      prefix="/google", origin="http://sandbox", broken=broken)
    reply = handle(world, request)
    return reply.status, json.loads(reply.body) if reply.content_type == "application/json" else reply.body


@pytest.fixture(scope="module")
def world():
    return World(size=16)


def test_sandbox_refuses_requests_without_key_or_field_mask(world):
    status, data = sandbox(world, "v1/places:searchText", method="POST", body={"textQuery": "x"}, headers={})
    assert status == 403 and data["error"]["status"] == "PERMISSION_DENIED"
    status, data = sandbox(world, "v1/places:searchText", method="POST", body={"textQuery": "x"},
                           headers={"x-goog-api-key": "k"})
    assert status == 400 and data["error"]["message"].startswith("FieldMask is a required parameter")
    status, data = sandbox(world, "v1/places/ChIJabcdefghij",
                           headers={"x-goog-api-key": "k", "x-goog-fieldmask": "nope"})
    assert status == 400 and "nope" in data["error"]["message"]


def test_sandbox_answers_with_the_masked_fields_only(world):
    listing = next(iter(world.sites["google"].values()))
    status, data = sandbox(world, f"v1/places/{listing.source_id}",
                           headers={"x-goog-api-key": "k", "x-goog-fieldmask": "id,displayName.text"})
    assert status == 200 and data == {"id": listing.source_id, "displayName": {"text": listing.display_name}}


def test_broken_sandbox_answers_are_not_recognised(world):
    listing = next(iter(world.sites["google"].values()))
    _, search = sandbox(world, "v1/places:searchText", method="POST", broken=True,
                        body={"textQuery": f"Dr {listing.first_name} {listing.last_name}"})
    assert search["results"]
    assert parse_search_answer(json_response(search), listing.last_name).error
    _, details = sandbox(world, f"v1/places/{listing.source_id}", broken=True)
    assert parse_details_answer(json_response(details, f"{API}/v1/places/{listing.source_id}")) is None


# ----- crawling the sandbox -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records(server, tmp_path_factory):
    return run_spider("google", server.world.targets(), server.url, tmp_path_factory.mktemp("google"), **KEY)


def place_url(server, listing):
    return f"{server.url}/google/maps/place/?q=place_id:{listing.source_id}"


def test_one_ok_search_per_roster_physician(server, records):
    found = searches(records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_every_place_of_a_roster_physician_is_found_as_the_api_shows_it(server, records):
    world, found, pages = server.world, searches(records), listings(records)
    expected_listings = [(p.npi, l) for p in world.roster for l in world.listings_of(p.npi, "google")]
    [twin] = world.discrepancies["namesake"]
    expected_listings += [(twin, l) for l in world.site_listings("google") if l.npi is None]  # the namesake
    assert len(expected_listings) == len(world.site_listings("google"))
    for npi, listing in expected_listings:
        url = place_url(server, listing)
        assert url in found[npi]["results"], (npi, listing.display_name)
        record = pages[url]
        office = listing.offices[0]
        assert record["source_id"] == listing.source_id
        assert record["name"] == listing.display_name
        assert record["phones"] == [office.phone]
        assert record["addresses"] == [{"street": office.street, "city": office.city, "state": office.state,
                                        "zip": office.zip}]
        # An unrated place's answer leaves rating and count out (proto3): the count is unknown, not 0.
        assert record["rating"] == listing.rating and record["review_count"] == (listing.rating_count or None)
        assert [r["review_id"] for r in record["reviews"]] == [r.review_id for r in listing.newest_reviews()[:5]]


def test_the_practice_clinic_is_never_taken_for_the_physician(records):
    assert all("Northwind Health" not in l["name"] for l in listings(records).values())


def test_physicians_without_a_place_are_ok_searches_without_results(server, records):
    found = searches(records)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


@pytest.mark.parametrize("mode, status", [("block", "blocked"), ("broken", "error")])
def test_a_refusing_or_changed_api_is_never_an_empty_ok(server, tmp_path, mode, status):
    server.set_mode("google", mode)
    try:
        found = searches(run_spider("google", server.world.targets()[:4], server.url, tmp_path, **KEY))
    finally:
        server.set_mode("google", "ok")
    assert {s["status"] for s in found.values()} == {status}
    assert all(s["reason"] and s["results"] == [] for s in found.values())


def test_an_api_error_is_reported_with_googles_message(server, tmp_path):
    found = searches(run_spider("google", server.world.targets()[:2], server.url, tmp_path,
                                GOOGLE_PLACES_API_KEY="invalid"))
    assert {s["status"] for s in found.values()} == {"error"}
    assert all(s["reason"] == "Google Places API error 400 INVALID_ARGUMENT: API key not valid. Please pass a valid "
                              "API key." for s in found.values())


def test_without_a_key_nothing_is_requested_and_every_physician_gets_an_error(server, tmp_path):
    server.reset_counts()
    records = run_spider("google", server.world.targets(), server.url, tmp_path, GOOGLE_PLACES_API_KEY="")
    found = searches(records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"error"}
    assert {s["reason"] for s in found.values()} == {
        "no Google Places API key configured (set REPMON_GOOGLE_API_KEY)"}
    assert server.request_counts == {}


def test_known_places_are_revisited_and_gone_closed_or_renamed_ones_reported(tmp_path):
    world = World(size=16)
    roster = [p for p in world.roster if world.listings_of(p.npi, "google")]
    kept, gone, closed, renamed = roster[:4]
    with SandboxServer(world) as server:
        known = {p.npi: place_url(server, world.listings_of(p.npi, "google")[0]) for p in (kept, gone, closed)}
        world.listings_of(gone.npi, "google")[0].gone = True
        world.listings_of(closed.npi, "google")[0].extra["closed"] = True
        current = world.listings_of(renamed.npi, "google")[0]
        current.extra["previous_ids"] = ["ChIJOldPlaceIdRefreshed0001"]
        known[renamed.npi] = f"{server.url}/google/maps/place/?q=place_id:ChIJOldPlaceIdRefreshed0001"
        targets = [t | {"known_urls": [known[t["npi"]]]} for t in world.targets() if t["npi"] in known]
        server.reset_counts()
        found = searches(run_spider("google", targets, server.url, tmp_path, **KEY))
        # Four revisits by id (Place Details), two fresh Text Searches for the gone and the closed.
        assert server.request_counts["google"] == 6
    assert found[kept.npi]["results"] == [known[kept.npi]] and found[kept.npi]["gone"] == []
    assert found[renamed.npi]["results"] == [place_url(server, current)]
    assert found[renamed.npi]["gone"] == [known[renamed.npi]]
    for npi in (gone.npi, closed.npi):
        # Reported gone; the fresh search that follows finds no open place of theirs.
        assert found[npi]["status"] == "ok" and found[npi]["gone"] == [known[npi]] and found[npi]["results"] == []
