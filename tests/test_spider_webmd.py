"""WebMD: reference pages (page + expected records), the markup it must refuse, and a sandbox crawl."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse
from typer.testing import CliRunner

from crawlers.spiders.webmd import (
    WebmdSpider,
    iso_date,
    mapbox_locations,
    parse_profile_page,
    parse_reviews_page,
    parse_search_page,
    profile_url,
    provider_id,
    reviews_url,
    search_params,
)
from reputation.cli import app
from reputation.sandbox.sites import webmd as site
from reputation.sandbox.world import World
from test_spider_base import FILES, file_response, run_spider, searches

WEBMD = FILES / "webmd"
PAGES = ("search", "search-2026", "search-no-results", "profile", "reviews", "walk-cardiology-tacoma-page1",
         "walk-cardiology-tacoma-page2")
EXPECTED = {name: json.loads((WEBMD / f"{name}.expected.json").read_text()) for name in PAGES}


def saved(name: str):
    return file_response(WEBMD / f"{name}.html", EXPECTED[name]["url"])


def html_response(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


PROFILE = parse_profile_page(saved("profile"))
LISTING = EXPECTED["profile"]["records"][0]


# ----- reference pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_reference_page_gives_exactly_the_expected_records(name):
    assert WebmdSpider.for_parsing().parse_saved(saved(name)) == EXPECTED[name]["records"]


def test_search_gives_each_profile_once_from_the_map_features():
    outcome = parse_search_page(saved("search"))
    assert outcome.error is None
    assert outcome.profile_urls == EXPECTED["search"]["profile_urls"]  # three features, two providers


def test_map_features_are_read_from_the_script():
    features = mapbox_locations(saved("search").text)["features"]
    assert [f["properties"]["city"] for f in features] == ["Portland", "Gresham", "Salem"]


def test_result_cards_serve_when_the_map_script_is_missing():
    page = saved("search").text.replace("var mapboxlocations", "var otherdata")
    outcome = parse_search_page(html_response(EXPECTED["search"]["url"], page))
    assert outcome.profile_urls == EXPECTED["search"]["profile_urls"]


def test_2026_map_features_link_profiles_relatively():
    features = mapbox_locations(saved("search-2026").text)["features"]
    assert all(f["properties"]["profilelink"].startswith("/doctor/") and "profileurl" not in f["properties"]
               for f in features)
    assert parse_search_page(saved("search-2026")).profile_urls == EXPECTED["search-2026"]["profile_urls"]


def test_relative_profile_links_of_a_saved_file_point_to_the_site():
    response = file_response(WEBMD / "search-2026.html", (WEBMD / "search-2026.html").resolve().as_uri())
    assert parse_search_page(response).profile_urls == EXPECTED["search-2026"]["profile_urls"]


def test_repmon_parse_prints_the_2026_search():
    result = CliRunner().invoke(app, ["parse", "webmd", str(WEBMD / "search-2026.html"), "--url", EXPECTED["search-2026"]["url"]])
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.output.splitlines()] == EXPECTED["search-2026"]["records"]


def test_no_results_page_is_an_ok_empty_search():
    outcome = parse_search_page(saved("search-no-results"))
    assert outcome.error is None and outcome.profile_urls == []


@pytest.mark.parametrize("field", [f for f in LISTING if f != "reviews"])
def test_profile_field(field):
    assert PROFILE[field] == LISTING[field]


def test_profile_listing_itself_holds_no_reviews_the_tab_brings_them():
    assert PROFILE["reviews"] == []


def test_reviews_tab_gives_reviews_and_the_written_total():
    page = parse_reviews_page(saved("reviews"))
    assert page.recognised and page.total == 13
    assert [r["review_id"] for r in page.reviews] == ["r-8120", "r-8033", "r-7990"]


def test_structured_data_wins_over_the_markup():
    jsonld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Physician", '
              '"name": "Dr. Maria E. Lopez, MD", "telephone": "(503) 555-0999", "usNPI": "1720377294", '
              '"aggregateRating": {"@type": "AggregateRating", "ratingValue": 4.5, "ratingCount": 30}}</script>')
    page = saved("profile").text.replace("</head>", f"{jsonld}</head>")
    listing = parse_profile_page(html_response(LISTING["url"], page))
    assert (listing["name"], listing["phones"], listing["npi"], listing["rating"], listing["review_count"]) == (
        "Dr. Maria E. Lopez, MD", ["(503) 555-0999"], "1720377294", 4.5, 30)
    assert listing["addresses"] == LISTING["addresses"]  # what the JSON-LD lacks comes from the markup


def test_repmon_parse_prints_the_listing_of_a_saved_profile():
    result = CliRunner().invoke(app, ["parse", "webmd", str(WEBMD / "profile.html")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert record == LISTING  # the canonical URL comes from the page, not the file's address


# ----- markup the parser must refuse --------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    return World(size=16)


def test_search_in_unknown_markup_is_an_error_not_an_empty_search(world):
    listing = world.site_listings("webmd")[0]
    for listings in ([listing], []):
        page = site.results_page(listings, "Jane Doe", "Portland, OR", broken=True)
        outcome = parse_search_page(html_response(EXPECTED["search"]["url"], page))
        assert outcome.error and outcome.error.startswith("search page not recognised")


def test_profile_and_reviews_in_unknown_markup_are_not_recognised(world):
    listing = next(l for l in world.site_listings("webmd") if l.reviews)
    assert parse_profile_page(html_response(LISTING["url"], site.profile_page(listing, broken=True))) is None
    assert not parse_reviews_page(html_response(LISTING["url"], site.reviews_page(listing, 1, broken=True))).recognised


def test_a_page_of_something_else_is_an_error():
    outcome = parse_search_page(html_response(EXPECTED["search"]["url"], "<html><body><h1>Welcome</h1></body></html>"))
    assert outcome.error


# ----- URLs ---------------------------------------------------------------------------------------------


def test_profile_urls_and_ids():
    tab = "https://doctor.webmd.com/doctor/maria-lopez-3F2B8C1E-7D4A-4B6E-9A1C-5E8F0D2B7A49-reviews?pagenumber=2#top"
    assert profile_url(tab) == "https://doctor.webmd.com/doctor/maria-lopez-3F2B8C1E-7D4A-4B6E-9A1C-5E8F0D2B7A49-overview"
    assert provider_id(tab) == "3f2b8c1e7d4a4b6e9a1c5e8f0d2b7a49"
    assert reviews_url(LISTING["url"], 3) == LISTING["url"].replace("-overview", "-reviews?pagenumber=3")
    assert profile_url("https://doctor.webmd.com/results?q=x") is None


def test_search_asks_for_the_name_near_the_first_practice_place():
    params = search_params({"first_name": "Maria", "last_name": "Lopez", "city": "Portland", "state": "OR"})
    assert params == {"q": "Maria Lopez", "city": "Portland", "state": "OR", "entity": "provider", "pagenumber": "1"}


@pytest.mark.parametrize("raw, iso", [("11/03/2026", "2026-11-03"), ("Nov 3, 2026", "2026-11-03"), ("soon", "soon")])
def test_review_dates_become_iso(raw, iso):
    assert iso_date(raw) == iso


# ----- the sandbox, end to end --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records(server, tmp_path_factory):
    return run_spider("webmd", server.world.targets(), server.url, tmp_path_factory.mktemp("webmd"))


def test_crawl_one_ok_search_per_roster_physician(server, records):
    found = searches(records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_crawl_finds_every_listing_as_the_site_shows_it(server, records):
    world = server.world
    found = searches(records)
    pages = {r["source_id"]: r for r in records if r["kind"] == "listing"}
    [twin] = world.discrepancies["namesake"]
    expected = [(p.npi, l) for p in world.roster for l in world.listings_of(p.npi, "webmd")]
    expected += [(twin, l) for l in world.site_listings("webmd") if l.npi is None]
    assert len(expected) == len(world.site_listings("webmd"))
    for npi, listing in expected:
        record = pages[listing.source_id]
        assert record["url"] in found[npi]["results"]
        assert record["name"] == listing.display_name and record["npi"] == listing.npi
        assert record["phones"] == list(dict.fromkeys(o.phone for o in listing.offices))
        assert record["addresses"] == [{"street": o.street, "city": o.city, "state": o.state, "zip": o.zip}
                                       for o in listing.offices]
        assert (record["rating"], record["review_count"]) == (listing.rating, listing.rating_count)
        assert record["accepting_new_patients"] == listing.accepting_new_patients
        # the reviews tab: ten a page, newest first, at most REVIEW_PAGES_MAX (3) pages
        assert [r["review_id"] for r in record["reviews"]] == [r.review_id for r in listing.newest_reviews()[:30]]


def test_crawl_physicians_without_a_listing_are_ok_empty_searches(server, records):
    found = searches(records)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


@pytest.mark.parametrize("mode, status", [("block", "blocked"), ("broken", "error")])
def test_crawl_refused_or_unrecognised_is_never_an_empty_ok(server, tmp_path, mode, status):
    server.set_mode("webmd", mode)
    try:
        targets = server.world.targets()[:3]
        records = run_spider("webmd", targets, server.url, tmp_path)
    finally:
        server.set_mode("webmd", "ok")
    found = searches(records)
    assert set(found) == {t["npi"] for t in targets}
    assert {s["status"] for s in found.values()} == {status}
    assert all(s["reason"] for s in found.values())
    assert not [r for r in records if r["kind"] == "listing"]


def test_sandbox_answers_404_for_gone_listings_and_unknown_paths():
    from reputation.sandbox.sites import Request

    world = World(size=4)
    listing = world.site_listings("webmd")[0]
    ask = lambda path: site.handle(world, Request("GET", path, {}, prefix="/webmd", origin="http://sandbox"))  # noqa: E731
    assert ask(site.profile_path(listing)).status == 200
    assert ask(site.profile_path(listing, "reviews")).status == 200
    listing.gone = True
    assert ask(site.profile_path(listing)).status == 404
    assert ask("doctor/nobody").status == 404 and ask("admin/x").status == 404


def test_sandbox_results_link_profiles_only_through_relative_map_features():
    world = World(size=4)
    listing = world.site_listings("webmd")[0]
    page = site.results_page([listing], "Jane Doe", "Portland, OR", base="http://sandbox/webmd")
    response = html_response("http://sandbox/webmd/results?q=Jane+Doe", page)
    features = mapbox_locations(page)["features"]
    assert {tuple(sorted(f["properties"])) for f in features} == {("address", "firstName", "lastName", "phone", "profilelink")}
    assert all(f["properties"]["profilelink"].startswith(f"/webmd/{site.profile_path(listing)}?lid=") for f in features)
    assert not response.css("a.prov-name")  # the cards are no way in: the map data must be read
    assert parse_search_page(response).profile_urls == [f"http://sandbox/webmd/{site.profile_path(listing)}"]
