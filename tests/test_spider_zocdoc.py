"""Zocdoc: the double-encoded Redux state, reference pages (page + expected records), refused markup, a sandbox crawl."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure
from typer.testing import CliRunner

from crawlers.blocking import block_reason
from crawlers.embedded import js_string
from crawlers.spiders.base import TargetState
from crawlers.spiders.zocdoc import (
    ZocdocSpider,
    iso_date,
    parse_profile_page,
    parse_reviews_json,
    parse_reviews_response,
    parse_search_page,
    profile_url,
    provider_id,
    redux_state,
    reviews_url,
    search_params,
)
from reputation.cli import app
from reputation.sandbox.sites import zocdoc as site
from reputation.sandbox.world import World
from test_spider_base import FILES, file_response, run_spider, searches

ZOCDOC = FILES / "zocdoc"
PAGES = {"search": "search.html", "search-no-results": "search-no-results.html", "profile": "profile.html",
         "reviews-page2": "reviews-page2.json", "walk-cardiologist-tacoma-page1": "walk-cardiologist-tacoma-page1.html",
         "walk-cardiologist-tacoma-page2": "walk-cardiologist-tacoma-page2.html"}
EXPECTED = {name: json.loads((ZOCDOC / f"{name}.expected.json").read_text()) for name in PAGES}


def saved(name: str):
    return file_response(ZOCDOC / PAGES[name], EXPECTED[name]["url"])


def html_response(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


PROFILE = parse_profile_page(saved("profile"))
LISTING = EXPECTED["profile"]["records"][0]


# ----- the state: a JSON text inside a JS string literal ------------------------------------------------


@pytest.mark.parametrize("literal, value", [
    (r'"{\"a\":\"\u002Fdoctor\u002Fx\"}"', '{"a":"/doctor/x"}'),
    (r'"say \\\"hi\\\" C:\\\\x"', r'say \"hi\" C:\\x'),
    (r"'it\'s \"q\" \x41\u{1F600}\/'", 'it\'s "q" A\U0001F600/'),
    ('"caf\u00e9 \\u003C\\u002Fscript\\u003E"', "café </script>"),
])
def test_js_string_literals_decode_like_javascript(literal, value):
    assert js_string(literal, 0) == (value, len(literal))


def test_the_state_decodes_twice_escapes_and_all():
    state = redux_state(saved("profile").text)
    review = state["profile"]["data"]["provider"]["reviews"][0]
    assert review["comment"].startswith('He said "your heart is fine"')
    assert "C:\\Users" in review["comment"] and "</script>" in review["comment"] and "Café" in review["comment"]


def test_the_state_may_be_a_plain_object_literal():
    assert redux_state('<script>window.__REDUX_STATE__ = {"profile": {"data": {}}};</script>') == {"profile": {"data": {}}}
    assert redux_state("<script>window.__REDUX_STATE__ = JSON.parse(broken</script>") is None


def test_the_sandbox_writes_the_state_safely_and_readably():
    script = site.redux_script({"text": '</script><b>"x"</b> \\ é'})
    assert "</script>" not in script[:-len("</script>")]
    assert redux_state(script) == {"text": '</script><b>"x"</b> \\ é'}


# ----- reference pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_reference_page_gives_exactly_the_expected_records(name):
    assert ZocdocSpider.for_parsing().parse_saved(saved(name)) == EXPECTED[name]["records"]


def test_search_gives_each_profile_once_without_query():
    outcome = parse_search_page(saved("search"))
    assert outcome.error is None
    assert outcome.profile_urls == EXPECTED["search"]["profile_urls"]  # 3 provider-locations, 2 providers


def test_result_cards_serve_when_the_state_is_missing():
    page = saved("search").text.replace("window.__REDUX_STATE__", "window.__OTHER__")
    assert parse_search_page(html_response(EXPECTED["search"]["url"], page)).profile_urls == EXPECTED["search"]["profile_urls"]


def test_no_results_page_is_an_ok_empty_search():
    outcome = parse_search_page(saved("search-no-results"))
    assert outcome.error is None and outcome.profile_urls == []


# ----- the bot wall (DataDome) ----------------------------------------------------------------------------

BOT_WALL = json.loads((ZOCDOC / "bot-wall-datadome.expected.json").read_text())


def bot_wall(status: int = BOT_WALL["status"]) -> HtmlResponse:
    return HtmlResponse(url=BOT_WALL["url"], status=status, body=(ZOCDOC / "bot-wall-datadome.html").read_bytes(),
                        encoding="utf-8", request=Request(BOT_WALL["url"]))


@pytest.fixture
def spider(tmp_path):
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"npi": "1457394881", "first_name": "Daniel", "last_name": "Okafor",
                                    "city": "Portland", "state": "OR"}]))
    crawler = get_crawler(ZocdocSpider)
    crawler.stats.open_spider()
    return ZocdocSpider.from_crawler(crawler, targets=str(targets))


def test_bot_wall_page_is_no_search_result_page():
    assert ZocdocSpider.for_parsing().parse_saved(bot_wall()) == BOT_WALL["records"]
    assert parse_search_page(bot_wall()).error  # never "no results"


@pytest.mark.parametrize("status", [403, 200])
def test_bot_wall_is_a_block_whatever_the_status(status):
    assert block_reason(bot_wall(status)).startswith(f"DataDome captcha (HTTP {status})")


def test_bot_wall_answering_the_search_ends_it_blocked(spider):
    target = spider.targets[0]
    state = TargetState(key=0, target=target, query=spider.search_query(target))
    failure = Failure(HttpError(bot_wall(403)))
    failure.request = spider.search_request(state, cb_kwargs={"state": state})
    [record] = list(spider.on_failure(failure))
    assert (record["status"], record["results"]) == ("blocked", [])
    assert record["reason"].startswith("DataDome captcha (HTTP 403)")
    state = TargetState(key=1, target=target, query=spider.search_query(target))
    [record] = list(spider.on_search(bot_wall(200), state))
    assert record["status"] == "blocked"


def test_directory_pages_carry_the_same_results(world):
    listing = world.site_listings("zocdoc")[0]
    page = site.directory_page([listing], base="https://www.zocdoc.com")
    outcome = parse_search_page(html_response("https://www.zocdoc.com/family-medicine/portland-or-72pm", page))
    assert outcome.profile_urls == [f"https://www.zocdoc.com/{site.profile_path(listing)}"]


@pytest.mark.parametrize("field", list(LISTING))
def test_profile_field(field):
    assert PROFILE[field] == LISTING[field]


def test_microdata_serves_when_the_state_is_missing():
    page = saved("profile").text.replace("window.__REDUX_STATE__", "window.__OTHER__")
    listing = parse_profile_page(html_response(LISTING["url"], page))
    for field in ("url", "source_id", "name", "specialty", "addresses", "phones", "rating", "review_count"):
        assert listing[field] == LISTING[field], field
    assert [(r["date"], r["rating"], r["author"]) for r in listing["reviews"]] == [
        (r["date"], r["rating"], r["author"]) for r in LISTING["reviews"]]


def test_reviews_api_answer_gives_reviews_and_the_written_total():
    page = parse_reviews_response(saved("reviews-page2"))
    assert page.recognised and page.total == 12
    assert page.reviews == EXPECTED["reviews-page2"]["records"][0]["reviews"]


def test_repmon_parse_prints_the_listing_of_a_saved_profile():
    result = CliRunner().invoke(app, ["parse", "zocdoc", str(ZOCDOC / "profile.html")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert record == LISTING  # the canonical URL comes from the page, not the file's address


# ----- markup the parser must refuse --------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    return World(size=16)


def test_search_with_moved_state_keys_is_an_error_not_an_empty_search(world):
    listing = world.site_listings("zocdoc")[0]
    for listings in ([listing], []):
        page = site.search_page(listings, "Jane Doe", "Portland, OR", broken=True)
        outcome = parse_search_page(html_response(EXPECTED["search"]["url"], page))
        assert outcome.error and outcome.error.startswith("search page not recognised")


def test_profile_and_reviews_with_moved_keys_are_not_recognised(world):
    listing = next(l for l in world.site_listings("zocdoc") if l.reviews)
    assert parse_profile_page(html_response(LISTING["url"], site.profile_page(listing, broken=True))) is None
    assert not parse_reviews_json(site.reviews_json(listing, 1, broken=True)).recognised
    html_page = TextResponse(url=LISTING["url"], body=b"<html></html>", encoding="utf-8")
    assert not parse_reviews_response(html_page).recognised


# ----- URLs ---------------------------------------------------------------------------------------------


def test_profile_urls_and_ids():
    url = "https://www.zocdoc.com/doctor/daniel-okafor-md-958331?LocIdent=90412&reason_visit=75#reviews"
    assert profile_url(url) == "https://www.zocdoc.com/doctor/daniel-okafor-md-958331"
    assert provider_id(url) == "958331"
    assert profile_url("https://www.zocdoc.com/search?address=x") is None


def test_search_asks_for_the_name_near_the_first_practice_place():
    params = search_params({"first_name": "Daniel", "last_name": "Okafor", "city": "Portland", "state": "OR"})
    assert params == {"address": "Portland, OR", "searchQuery": "Daniel Okafor", "searchType": "name", "offset": "0"}


def test_more_reviews_are_asked_for_only_after_a_full_page():
    ten = {**LISTING, "reviews": LISTING["reviews"] * 3 + LISTING["reviews"][:1]}
    assert reviews_url("https://www.zocdoc.com", ten) == (
        "https://www.zocdoc.com/api/provider/4417206/reviews?page=2&pageSize=10")
    assert reviews_url("https://www.zocdoc.com", LISTING) is None  # three reviews: that is all of them
    assert reviews_url("https://www.zocdoc.com", {**LISTING, "reviews": []}) is None


@pytest.mark.parametrize("raw, iso", [("2026-10-21T15:04:00Z", "2026-10-21"), ("October 21, 2026", "2026-10-21"),
                                      ("yesterday", "yesterday")])
def test_review_dates_become_iso(raw, iso):
    assert iso_date(raw) == iso


# ----- the sandbox, end to end --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records(server, tmp_path_factory):
    return run_spider("zocdoc", server.world.targets(), server.url, tmp_path_factory.mktemp("zocdoc"))


def test_crawl_one_ok_search_per_roster_physician(server, records):
    found = searches(records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_crawl_finds_every_listing_as_the_site_shows_it(server, records):
    world = server.world
    found = searches(records)
    pages = {r["source_id"]: r for r in records if r["kind"] == "listing"}
    [twin] = world.discrepancies["namesake"]
    expected = [(p.npi, l) for p in world.roster for l in world.listings_of(p.npi, "zocdoc")]
    expected += [(twin, l) for l in world.site_listings("zocdoc") if l.npi is None]
    assert len(expected) == len(world.site_listings("zocdoc"))
    for npi, listing in expected:
        record = pages[listing.source_id]
        assert record["url"] in found[npi]["results"]
        assert record["name"] == listing.display_name and record["npi"] == listing.npi
        assert record["phones"] == list(dict.fromkeys(o.phone for o in listing.offices))
        assert record["addresses"] == [{"street": o.street, "city": o.city, "state": o.state, "zip": o.zip}
                                       for o in listing.offices]
        assert (record["rating"], record["review_count"]) == (listing.rating, listing.rating_count)
        assert record["accepting_new_patients"] == listing.accepting_new_patients
        # the profile's ten, then API pages of ten (at most REVIEW_PAGES_MAX = 3 more), newest first
        assert [r["review_id"] for r in record["reviews"]] == [r.review_id for r in listing.newest_reviews()[:40]]


def test_crawl_physicians_without_a_listing_are_ok_empty_searches(server, records):
    found = searches(records)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


@pytest.mark.parametrize("mode, status, reason", [("block", "blocked", "DataDome captcha (HTTP 403)"),
                                                  ("broken", "error", "search page not recognised")])
def test_crawl_refused_or_unrecognised_is_never_an_empty_ok(server, tmp_path, mode, status, reason):
    server.set_mode("zocdoc", mode)
    try:
        targets = server.world.targets()[:3]
        records = run_spider("zocdoc", targets, server.url, tmp_path)
    finally:
        server.set_mode("zocdoc", "ok")
    found = searches(records)
    assert set(found) == {t["npi"] for t in targets}
    assert {s["status"] for s in found.values()} == {status}
    assert all(reason in s["reason"] for s in found.values())
    assert not [r for r in records if r["kind"] == "listing"]


def test_sandbox_answers_404_for_gone_listings_and_unknown_paths():
    from reputation.sandbox.sites import Request

    world = World(size=4)
    listing = world.site_listings("zocdoc")[0]
    ask = lambda path: site.handle(world, Request("GET", path, {}, prefix="/zocdoc", origin="http://sandbox"))  # noqa: E731
    assert ask(site.profile_path(listing)).status == 200
    assert ask(f"api/provider/{listing.source_id}/reviews").status == 200
    listing.gone = True
    assert ask(site.profile_path(listing)).status == 404
    assert ask(f"api/provider/{listing.source_id}/reviews").status == 404
    assert ask("doctor/nobody").status == 404 and ask("admin/x").status == 404
