"""NPI Registry API answers (real ones, recorded by ropensci/npi) become listings or search outcomes; a roster
NPI the registry does not know (or knows under another name) is searched by name, on the sandbox too."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawlers.spiders.base import TargetState
from crawlers.spiders.nppes import (
    NAME_LIMIT,
    NppesSpider,
    display_name,
    name_search_params,
    needs_name_search,
    parse_api_response,
    provider_view_base,
    zip_code,
)
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.world import World
from test_spider_base import FILES, SHARED, file_response, needs_shared, run_spider

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


def test_an_answer_read_from_a_file_links_to_the_registry(tmp_path):
    from crawlers.parse import parse_saved_page

    saved = tmp_path / "answer.json"
    saved.write_bytes((FILES / "nppes" / "api-b2f594.json").read_bytes())
    listing, search = parse_saved_page("nppes", saved)  # no --url: the file's own file:// address
    assert listing["url"] == "https://npiregistry.cms.hhs.gov/provider-view/1720377294"
    assert search["results"] == [listing["url"]]


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


# ----- search by name, when the number does not lead to the physician ---------------------------------

NAME_API = "https://npiregistry.cms.hhs.gov/api/?version=2.1&first_name=BOB&use_first_name_alias=True&limit=200"
HIZA = {"npi": "1720377294", "first_name": "Elise", "last_name": "Hiza", "state": "nc", "known_urls": []}


def test_name_search_answer_gives_every_result_as_a_listing():
    outcome = parse_api_response(file_response(FILES / "nppes" / "api-34c18d.json", NAME_API))
    assert outcome.error is None and len(outcome.listings) == 10
    assert outcome.listings[0]["name"] == "BOB R ABERNATHY, DO"
    assert outcome.listings[0]["url"] == "https://npiregistry.cms.hhs.gov/provider-view/1114920071"
    assert all("BOB" in l["name"].split() for l in outcome.listings)  # "DR. BOB ...", "MR. BOB ..." too


@pytest.mark.parametrize("answer_file, last_name, needed", [
    ("api-b2f594.json", "Hiza", False),  # the registry knows the NPI under the roster's name: authoritative
    ("api-b2f594.json", "HIZA-ROSS", False),
    ("api-b2f594.json", "Smith", True),  # the NPI is another provider's: a typo in the roster
    ("api-a2f836.json", "Hiza", True),  # the registry does not know the NPI
])
def test_name_search_only_when_the_number_misses_the_target(answer_file, last_name, needed):
    assert needs_name_search(HIZA | {"last_name": last_name}, answer(answer_file)) is needed


def test_name_search_parameters():
    assert name_search_params(HIZA, 0) == {"version": "2.1", "first_name": "Elise", "last_name": "Hiza", "state": "NC",
                                           "use_first_name_alias": "True", "limit": NAME_LIMIT}
    assert name_search_params(HIZA | {"state": None}, 400)["skip"] == 400
    assert "state" not in name_search_params(HIZA | {"state": None}, 0)


def name_answer_spider(tmp_path):
    path = tmp_path / "targets.json"
    path.write_text(json.dumps([HIZA]))
    spider = NppesSpider.from_crawler(get_crawler(NppesSpider, {"REPMON_SANDBOX_URL": "http://sandbox"}), targets=str(path))
    return spider, TargetState(key=0, target=spider.targets[0], query="number=1720377294", searched=True)


def test_a_full_page_of_name_results_asks_for_the_next_page(tmp_path):
    spider, state = name_answer_spider(tmp_path)
    result = json.loads((FILES / "nppes" / "api-b2f594.json").read_text())["results"][0]
    results = [result | {"number": 1000000000 + i} for i in range(NAME_LIMIT)]
    body = json.dumps({"result_count": NAME_LIMIT, "results": results}).encode()
    out = list(spider._on_name_answer(TextResponse(url=NAME_API, body=body, encoding="utf-8"), state, skip=0))
    *listings, follow = out
    assert len(listings) == NAME_LIMIT and len(state.results) == NAME_LIMIT
    assert parse_qs(urlsplit(follow.url).query)["skip"] == ["200"]
    # The last page (not full) ends the chain with the ok search record.
    body = json.dumps({"result_count": 1, "results": [result]}).encode()
    *_, record = spider._on_name_answer(TextResponse(url=NAME_API, body=body, encoding="utf-8"), state, skip=200)
    assert record["kind"] == "search" and record["status"] == "ok" and len(record["results"]) == NAME_LIMIT + 1


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World(size=16)) as running:
        yield running


@pytest.fixture(scope="module")
def mistyped(server):
    """Targets whose roster NPI is wrong: unknown to the registry, another provider's, or not ten digits."""
    world = server.world
    [twin_npi] = world.discrepancies["namesake"]
    twin = next(t for t in world.targets() if t["npi"] == twin_npi)
    others = [t for t in world.targets() if t["npi"] != twin_npi]
    return {
        "unknown": twin | {"npi": "1234567893"},  # the namesake's roster twin: the name finds both
        "another": others[0] | {"npi": others[1]["npi"]},
        "short": others[2] | {"npi": others[2]["npi"][:9]},
        "right": others[3],
    }


def view(server, npi: str) -> str:
    return f"{server.url}/nppes/provider-view/{npi}"


@pytest.fixture(scope="module")
def name_records(server, mistyped, tmp_path_factory):
    return run_spider("nppes", list(mistyped.values()), server.url, tmp_path_factory.mktemp("nppes"))


def search_of(records, npi):
    [record] = [r for r in records if r["kind"] == "search" and r["npi"] == npi]
    return record


def test_sandbox_unknown_npi_is_found_by_name_with_its_namesake(server, mistyped, name_records):
    record = search_of(name_records, "1234567893")
    [twin_npi] = server.world.discrepancies["namesake"]
    assert record["status"] == "ok"
    assert sorted(record["results"]) == sorted([view(server, twin_npi), view(server, server.world.namesake_npi)])
    t = mistyped["unknown"]
    assert record["query"] == f"number=1234567893, then first_name={t['first_name']}&last_name={t['last_name']}&state={t['state']}"


def test_sandbox_another_providers_npi_keeps_that_record_and_adds_the_name_search(server, mistyped, name_records):
    target = mistyped["another"]
    record = search_of(name_records, target["npi"])
    [real] = [p.npi for p in server.world.roster
              if (p.first_name, p.last_name) == (target["first_name"], target["last_name"])]
    assert record["status"] == "ok" and record["results"] == [view(server, target["npi"]), view(server, real)]


def test_sandbox_npi_that_is_no_npi_goes_straight_to_the_name(server, mistyped, name_records):
    target = mistyped["short"]
    record = search_of(name_records, target["npi"])
    assert record["status"] == "ok" and record["query"].startswith("first_name=")
    [real] = [p.npi for p in server.world.roster if p.npi.startswith(target["npi"])]
    assert record["results"] == [view(server, real)]


def test_sandbox_right_npi_is_one_search_by_number(server, mistyped, name_records):
    record = search_of(name_records, mistyped["right"]["npi"])
    assert record["query"] == f"number={mistyped['right']['npi']}" and record["results"] == [view(server, mistyped["right"]["npi"])]
    listings = [r for r in name_records if r["kind"] == "listing"]
    assert len({l["url"] for l in listings}) == len(listings)  # every listing once per search chain


def test_sandbox_name_search_in_unknown_format_is_an_error(server, mistyped, tmp_path):
    server.set_mode("nppes", "broken")
    try:
        records = run_spider("nppes", [mistyped["short"]], server.url, tmp_path)
    finally:
        server.set_mode("nppes", "ok")
    [record] = [r for r in records if r["kind"] == "search"]
    assert record["status"] == "error" and re.search(r"not recognised", record["reason"])
