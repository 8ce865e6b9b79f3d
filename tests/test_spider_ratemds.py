"""RateMDs: saved pages (golden pairs), ``repmon parse``, block pages, and a crawl of the sandbox for every
way it can answer."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from scrapy.http import HtmlResponse, TextResponse
from typer.testing import CliRunner

from crawlers.blocking import block_reason
from crawlers.embedded import assigned
from crawlers.spiders.ratemds import (
    RatemdsSpider,
    parse_profile_page,
    parse_reviews_json,
    parse_reviews_response,
    parse_search_page,
    profile_id,
    profile_url,
    reviews_url,
    search_terms,
    to_five_stars,
    window_data,
)
from reputation.cli import app
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.sites import Request
from reputation.sandbox.sites.ratemds import handle, profile_path, profile_page, reviews_json, search_page
from reputation.sandbox.world import World
from test_spider_base import FILES, file_response, listings, run_spider, searches

RM = FILES / "ratemds"
PAGES = sorted(p.name.removesuffix(".expected.json") for p in RM.glob("*.expected.json"))
PAGE_SUFFIX = {p.stem: p.suffix for p in RM.iterdir() if p.suffix in (".html", ".json") and ".expected" not in p.name}
PROFILE_URL = "https://www.ratemds.com/doctor-ratings/2741935/Dr-Helen-Marsh-Tacoma-WA.html"


def expected(name: str) -> dict:
    return json.loads((RM / f"{name}.expected.json").read_text())


def saved(name: str):
    return file_response(RM / f"{name}{PAGE_SUFFIX[name]}", expected(name)["url"])


def html_response(body: str, url: str = "https://www.ratemds.com/best-doctors/?text=x") -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


# ----- reference pages: exactly the expected records ------------------------------------------------


def test_every_reference_page_has_its_expected_records():
    assert {"search", "search-no-results", "search-2026", "search-2026-no-results", "profile", "reviews-page3"} <= set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_reference_page_gives_exactly_the_expected_records(name):
    assert RatemdsSpider.for_parsing().parse_saved(saved(name)) == expected(name)["records"]


PROFILE = parse_profile_page(saved("profile"))


@pytest.mark.parametrize("field", list(expected("profile")["records"][0]))
def test_profile_field(field):
    assert PROFILE[field] == expected("profile")["records"][0][field]


def test_search_without_results_is_an_ok_empty_search():
    outcome = parse_search_page(saved("search-no-results"))
    assert outcome.error is None and outcome.profile_urls == []


def test_2026_results_embedded_as_a_json_string_are_read():
    # window.DATA.doctor_list_props = JSON.parse("…"): the props escaped as Django's escapejs writes them.
    page = saved("search-2026")
    assert "window.DATA = window.DATA || {};" in page.text and "\\u0022doctorPage\\u0022" in page.text
    assert parse_search_page(page).profile_urls == expected("search-2026")["records"][0]["results"]


def test_2026_search_without_results_is_an_ok_empty_search():
    outcome = parse_search_page(saved("search-2026-no-results"))
    assert outcome.error is None and outcome.profile_urls == []


def test_2026_props_without_a_doctor_page_are_not_recognised():
    body = (RM / "search-2026.html").read_text().replace("\\u0022doctorPage\\u0022", "\\u0022doctorList\\u0022")
    assert parse_search_page(html_response(body)).error


def test_reviews_answer_gives_reviews_and_the_total():
    page = parse_reviews_response(saved("reviews-page3"))
    assert page.recognised and page.total == 23
    assert page.reviews[1] == {"review_id": "8411093", "date": "2018-09-03", "rating": 3.25,
                               "text": "Front desk lost my referral <twice>. Dr. Marsh herself was fine.", "author": None,
                               "response": "I'm sorry about the referral mix-up; our office has changed how referrals are tracked.",
                               "response_date": "2018-09-10"}


# ----- ratings on another scale -------------------------------------------------------------------


def test_a_rating_out_of_ten_becomes_stars_out_of_five():
    body = (RM / "profile.html").read_text().replace('"ratingValue": "4.35"', '"ratingValue": "8.7"') \
        .replace('"bestRating": "5"', '"bestRating": "10"')
    assert parse_profile_page(html_response(body, PROFILE_URL))["rating"] == 4.35


@pytest.mark.parametrize("value, best, stars", [(4.35, 5, 4.35), (8.7, 10, 4.35), (80, 100, 4.0), (3.0, None, 3.0),
                                                (None, 10, None)])
def test_to_five_stars(value, best, stars):
    assert to_five_stars(value, best) == stars


def test_without_json_ld_the_page_state_stands_in():
    body = (RM / "profile.html").read_text()
    start = body.index('<script type="application/ld+json">')
    body = body[:start] + body[body.index("</script>", start) + len("</script>"):]
    listing = parse_profile_page(html_response(body, PROFILE_URL))
    assert listing == PROFILE  # window.DATA carries the same doctor


# ----- repmon parse ---------------------------------------------------------------------------------


def test_repmon_parse_prints_the_profile_listing():
    result = CliRunner().invoke(app, ["parse", "ratemds", str(RM / "profile.html"), "--url", PROFILE_URL])
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.output.splitlines()] == expected("profile")["records"]


def test_repmon_parse_of_a_saved_file_takes_the_url_from_the_page():
    result = CliRunner().invoke(app, ["parse", "ratemds", str(RM / "profile.html")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["url"] == PROFILE_URL


def test_repmon_parse_of_a_reviews_answer():
    result = CliRunner().invoke(app, ["parse", "ratemds", str(RM / "reviews-page3.json"), "--url",
                                      expected("reviews-page3")["url"]])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kind"] == "reviews"


# ----- unknown markup is an error, never an empty search --------------------------------------------

WORLD = World(size=16)
SOME = next(l for l in WORLD.site_listings("ratemds") if l.rating_count and l.reviews)


def test_search_in_unknown_markup_is_an_error():
    assert parse_search_page(html_response(search_page([SOME], {"text": "x"}, 1, broken=True))).error
    assert parse_search_page(html_response(search_page([], {"text": "x"}, 1, broken=True))).error
    assert parse_search_page(html_response("<html><body><h1>No doctors found</h1></body></html>")).error
    assert parse_search_page(saved("profile")).error  # a profile's window.DATA has no results


def test_profile_in_unknown_markup_has_no_listing():
    assert parse_profile_page(html_response(profile_page(SOME, broken=True), PROFILE_URL)) is None
    assert parse_profile_page(html_response("<html><body><h1>Dr. Helen Marsh</h1></body></html>", PROFILE_URL)) is None


def test_reviews_in_another_shape_are_not_recognised():
    assert not parse_reviews_json(reviews_json(SOME, 1, broken=True)).recognised
    page = TextResponse(url=reviews_url(PROFILE_URL, 1), body=b"<html><title>x</title></html>", encoding="utf-8")
    assert not parse_reviews_response(page).recognised


# ----- URLs and requests ----------------------------------------------------------------------------


@pytest.mark.parametrize("url, canonical", [
    (f"{PROFILE_URL}?json=true&page=2", PROFILE_URL),
    (f"{PROFILE_URL}#ratings", PROFILE_URL),
    ("https://www.ratemds.com/doctor-ratings/40769/Dr-Kathleen+C.-Kobashi-Seattle-WA.html",
     "https://www.ratemds.com/doctor-ratings/40769/Dr-Kathleen+C.-Kobashi-Seattle-WA.html"),
    ("https://www.ratemds.com/doctor-ratings/dr-helen-marsh-tacoma-wa-us/", "https://www.ratemds.com/doctor-ratings/dr-helen-marsh-tacoma-wa-us"),
    ("https://www.ratemds.com/best-doctors/?text=x", None),
])
def test_profile_url_is_canonical(url, canonical):
    assert profile_url(url) == canonical


def test_ids_and_review_pages():
    assert profile_id(PROFILE_URL) == "2741935"
    assert profile_id("https://www.ratemds.com/doctor-ratings/dr-helen-marsh-tacoma-wa-us") is None
    assert reviews_url(PROFILE_URL, 2) == f"{PROFILE_URL}?json=true&page=2"


def test_search_is_by_name_and_city():
    state = type("State", (), {"target": {"first_name": "Helen", "last_name": "Marsh", "city": "Tacoma", "state": "WA"}})
    request = RatemdsSpider.search_request(_SpiderStub(), state)
    assert request.url == "https://www.ratemds.com/best-doctors/?text=Helen+Marsh&location=Tacoma%2C+WA"
    assert search_terms({"first_name": "Helen", "last_name": "Marsh", "state": "WA"}) == ("Helen Marsh", "WA")


def test_no_review_pages_for_a_doctor_without_ratings():
    assert RatemdsSpider.reviews_request(_SpiderStub(), {**PROFILE, "review_count": 0}, 1) is None
    assert RatemdsSpider.reviews_request(_SpiderStub(), PROFILE, 3).url == f"{PROFILE_URL}?json=true&page=3"


class _SpiderStub:
    base_url = "https://www.ratemds.com"


# ----- block pages ----------------------------------------------------------------------------------

CHALLENGES = {
    "managed challenge": '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body>'
                         '<h1>www.ratemds.com</h1><h2>Verifying you are human.</h2>'
                         "<script>window._cf_chl_opt={cvId:'3',cZone:'www.ratemds.com',cType:'managed'};</script></body></html>",
    "browser signature (1010)": '<!DOCTYPE html><html><head><title>Access denied | www.ratemds.com used Cloudflare to '
                                'restrict access</title></head><body><h1>Error 1010</h1></body></html>',
    "blocked": '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>'
               '<h1>Sorry, you have been blocked</h1></body></html>',
}


@pytest.mark.parametrize("kind", list(CHALLENGES))
def test_ratemds_cloudflare_pages_are_blocks(kind):
    assert block_reason(html_response(CHALLENGES[kind], PROFILE_URL))


def test_an_ordinary_page_with_cloudflare_js_detection_is_not_a_block():
    assert block_reason(saved("profile")) is None


# ----- the sandbox site -----------------------------------------------------------------------------


def _get(path: str, query: dict | None = None, broken: bool = False, world: World = WORLD):
    return handle(world, Request(method="GET", path=path, query=query or {}, prefix="/ratemds", broken=broken))


def test_sandbox_answers_unknown_paths_and_ids_with_404():
    assert _get("nothing/here").status == 404
    assert _get("doctor-ratings/1/Dr-No-One-Salem-OR.html").status == 404
    assert _get("doctor-ratings/1/Dr-No-One-Salem-OR.html", {"json": "true"}).status == 404


def test_sandbox_gone_listing_answers_404():
    world = World(size=4)
    listing = world.site_listings("ratemds")[0]
    assert _get(profile_path(listing), world=world).status == 200
    listing.gone = True
    assert _get(profile_path(listing), world=world).status == 404


def test_sandbox_redirects_a_wrong_slug():
    reply = _get(f"doctor-ratings/{SOME.source_id}/Dr-Someone-Else.html", {"json": "true", "page": "2"})
    assert reply.status == 301 and reply.headers["Location"] == f"/ratemds/{profile_path(SOME)}?json=true&page=2"


def test_sandbox_escapes_world_text_in_pages():
    body = profile_page(replace(SOME, display_name="Dr. <b>X</b> </script>"))
    assert "&lt;b&gt;X&lt;/b&gt;" in body and "<b>X</b>" not in body
    assert body.count("</script>") == body.count("<script")  # no text closes a script early


def test_sandbox_search_embeds_results_as_the_2026_site_does():
    body = search_page([SOME], {"text": "x"}, 1)
    assert "window.DATA.doctor_list_props = JSON.parse(\"" in body
    assert window_data(html_response(body)) is None  # no older window.DATA results to fall back on
    assert parse_search_page(html_response(body, "http://sandbox/ratemds/best-doctors/?text=x")).profile_urls == [
        f"http://sandbox/ratemds/{profile_path(SOME)}"]


def test_sandbox_search_escapes_world_text():
    named = replace(SOME, display_name='Dr. "X" </script><b>', specialty="Family Doctor")
    body = search_page([named], {"text": "x"}, 1)
    assert body.count("</script>") == body.count("<script")
    props = assigned(body, "window.DATA.doctor_list_props")
    assert props["doctorPage"]["results"][0]["full_name"] == 'Dr. "X" </script><b>'


def test_sandbox_pages_reviews_newest_first():
    first = _get(profile_path(SOME), {"json": "true", "page": "1"})
    page = parse_reviews_response(TextResponse(url="https://x/", body=first.body.encode(), encoding="utf-8"))
    assert [r["review_id"] for r in page.reviews] == [r.review_id for r in SOME.newest_reviews()[:10]]
    assert page.total == len(SOME.reviews)


# ----- a crawl of the sandbox -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World(size=16)) as running:
        yield running


@pytest.fixture(scope="module")
def records(server, tmp_path_factory):
    return run_spider("ratemds", server.world.targets(), server.url, tmp_path_factory.mktemp("ratemds"))


def site_url(server, listing) -> str:
    return f"{server.url}/ratemds/{profile_path(listing)}"


def test_crawl_one_ok_search_per_roster_physician(server, records):
    found = searches(records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_crawl_finds_every_listing_of_the_roster_and_the_namesake(server, records):
    world, found, pages = server.world, searches(records), listings(records)
    expected_listings = {}
    for p in world.roster:
        for listing in world.listings_of(p.npi, "ratemds"):
            expected_listings[site_url(server, listing)] = listing
            assert site_url(server, listing) in found[p.npi]["results"], p.npi
    [twin] = world.discrepancies["namesake"]
    namesake = next(l for l in world.site_listings("ratemds") if l.npi is None)
    assert site_url(server, namesake) in found[twin]["results"]
    expected_listings[site_url(server, namesake)] = namesake
    assert set(expected_listings) <= set(pages)
    for url, listing in expected_listings.items():
        record = pages[url]
        assert record["source_id"] == listing.source_id
        assert record["name"] == listing.display_name
        assert record["phones"] == list(dict.fromkeys(o.phone for o in listing.offices))
        assert record["addresses"] == [{"street": o.street, "city": o.city, "state": o.state, "zip": o.zip}
                                       for o in listing.offices]
        assert record["rating"] == listing.rating and record["review_count"] == listing.rating_count
        assert record["accepting_new_patients"] == listing.accepting_new_patients
        # 10 reviews a page, at most REVIEW_PAGES_MAX (3) pages, newest first.
        assert [r["review_id"] for r in record["reviews"]] == [r.review_id for r in listing.newest_reviews()[:30]]


def test_crawl_physicians_without_a_listing_are_ok_empty_searches(server, records):
    found = searches(records)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


@pytest.mark.parametrize("mode, status, reason", [("block", "blocked", "Cloudflare"),
                                                  ("broken", "error", "search page not recognised")])
def test_crawl_of_a_refusing_or_changed_site_never_looks_empty(server, tmp_path, mode, status, reason):
    server.set_mode("ratemds", mode)
    try:
        targets = server.world.targets()[:4]
        found = run_spider("ratemds", targets, server.url, tmp_path)
    finally:
        server.set_mode("ratemds", "ok")
    assert set(searches(found)) == {t["npi"] for t in targets}
    assert all(s["status"] == status and reason in s["reason"] for s in searches(found).values())
    assert listings(found) == {}


def test_a_saved_search_file_links_to_the_real_site():
    response = file_response(RM / "search.html", (RM / "search.html").resolve().as_uri())
    assert parse_search_page(response).profile_urls == expected("search")["records"][0]["results"]
