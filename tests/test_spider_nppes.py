"""NPI Registry API answers (real ones, recorded by ropensci/npi) become listings or search outcomes."""

from __future__ import annotations

import json

import pytest

from crawlers.spiders.nppes import display_name, parse_api_response, provider_view_base, zip_code
from test_spider_base import FILES, SHARED, file_response, needs_shared

API = "https://npiregistry.cms.hhs.gov/api/?version=2.1&number={}"


def answer(name: str, number: str = "1720377294"):
    return parse_api_response(file_response(FILES / "nppes" / name, API.format(number)))


ONE = answer("api-b2f594.json")
[LISTING] = ONE.listings


@pytest.mark.parametrize("field, expected", [
    ("kind", "listing"),
    ("source", "nppes"),
    ("url", "https://npiregistry.cms.hhs.gov/provider-view/1720377294"),
    ("source_id", "1720377294"),
    ("npi", "1720377294"),
    ("name", "ELISE AILEEN HIZA, M.D."),
    ("specialty", "Orthopaedic Surgery"),
    # the LOCATION address first, then the practiceLocations; never the MAILING address
    ("addresses", [{"street": "111 VICTORIA RD", "city": "ASHEVILLE", "state": "NC", "zip": "28801-4811"},
                   {"street": "49 JESSE HILL JR DR SE # 307", "city": "ATLANTA", "state": "GA", "zip": "30303-3049"}]),
    ("phones", ["828-252-7331", "404-778-1567"]),
    ("rating", None),
    ("review_count", None),
    ("reviews", []),
    ("practice_name", None),
])
def test_one_result_becomes_one_listing(field, expected):
    assert LISTING[field] == expected


def test_one_result_is_an_ok_search():
    assert ONE.error is None and ONE.profile_urls == []


def test_no_result_is_an_ok_search_without_listings():
    outcome = answer("api-a2f836.json")
    assert outcome.error is None and outcome.listings == []


def test_errors_answer_is_an_error_with_the_registry_description():
    outcome = answer("api-8d2d52.json")
    assert outcome.error.startswith("NPI Registry error: No valid search criteria provided")
    assert outcome.listings == []


def test_an_answer_that_is_not_json_is_an_error():
    from scrapy.http import TextResponse

    response = TextResponse(url=API.format(1), body=b"<html>maintenance</html>", encoding="utf-8")
    assert "not JSON" in parse_api_response(response).error


def test_provider_view_lives_next_to_the_api_on_any_host():
    assert provider_view_base("http://127.0.0.1:8123/nppes/api/?version=2.1&number=1") == \
        "http://127.0.0.1:8123/nppes/provider-view"


def test_names_keep_prefix_suffix_and_credential():
    basic = {"name_prefix": "DR.", "first_name": "AMIR", "middle_name": "S", "last_name": "STEINBERG",
             "name_suffix": "JR.", "credential": "M.D."}
    assert display_name(basic) == "DR. AMIR S STEINBERG JR., M.D."
    assert display_name({"organization_name": "CSP ANESTHESIA LLC"}) == "CSP ANESTHESIA LLC"
    assert display_name({"name_prefix": "--", "first_name": "A", "last_name": "B"}) == "A B"


@pytest.mark.parametrize("raw, expected", [("288014811", "28801-4811"), ("10029", "10029"), ("", None), (None, None)])
def test_postal_codes(raw, expected):
    assert zip_code(raw) == expected


@needs_shared
@pytest.mark.parametrize("path", sorted((SHARED / "data/npi_registry_api_samples").glob("api-*.json")) if SHARED.is_dir() else [])
def test_every_recorded_answer_parses(path):
    data = json.loads(path.read_text())
    outcome = parse_api_response(file_response(path, API.format("1396949913")))
    if "Errors" in data:
        assert outcome.error
    else:
        assert outcome.error is None
        assert len(outcome.listings) == len(data["results"])
        assert all(l["name"] and l["url"].startswith("https://npiregistry.cms.hhs.gov/provider-view/") for l in outcome.listings)
