"""Vitals: saved pages (golden pairs and the real 2015 page), ``repmon parse``, block pages, and a crawl of
the sandbox for every way it can answer."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from scrapy.http import HtmlResponse
from typer.testing import CliRunner

from crawlers.blocking import block_reason
from crawlers.spiders.vitals import (
    VitalsSpider,
    iso_date,
    parse_profile_page,
    parse_reviews_page,
    parse_search_page,
    profile_id,
    profile_url,
    reviews_url,
    search_terms,
)
from reputation.cli import app
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.sites import Request
from reputation.sandbox.sites.vitals import handle, profile_page, reviews_page, search_page
from reputation.sandbox.world import World, slug
from test_spider_base import FILES, SHARED, file_response, listings, needs_shared, run_spider, searches
from test_spider_walk import walk_targets

VT = FILES / "vitals"
PAGES = sorted(p.name.removesuffix(".expected.json") for p in VT.glob("*.expected.json"))
PAGE_SUFFIX = {p.stem: p.suffix for p in VT.iterdir() if p.suffix in (".html", ".json") and ".expected" not in p.name}


def expected(name: str) -> dict:
    return json.loads((VT / f"{name}.expected.json").read_text())


def saved(name: str):
    return file_response(VT / f"{name}{PAGE_SUFFIX[name]}", expected(name)["url"])


def html_response(body: str, url: str = "https://www.vitals.com/search?q=x") -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


# ----- reference pages: exactly the expected records ------------------------------------------------


def test_every_reference_page_has_its_expected_records():
    assert {"search", "search-no-results", "profile", "reviews-page2"} <= set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_reference_page_gives_exactly_the_expected_records(name):
    assert VitalsSpider.for_parsing().parse_saved(saved(name)) == expected(name)["records"]


PROFILE = parse_profile_page(saved("profile"))


@pytest.mark.parametrize("field", list(expected("profile")["records"][0]))
def test_profile_field(field):
    assert PROFILE[field] == expected("profile")["records"][0][field]


def test_search_lists_results_not_sponsored_cards():
    outcome = parse_search_page(saved("search"))
    assert outcome.error is None
    assert "zz81kd" not in " ".join(outcome.profile_urls)


def test_search_without_results_is_an_ok_empty_search():
    outcome = parse_search_page(saved("search-no-results"))
    assert outcome.error is None and outcome.profile_urls == []


def test_reviews_page_gives_its_reviews_and_the_total():
    page = parse_reviews_page(saved("reviews-page2"))
    assert page.recognised and page.total == 14
    assert [r["review_id"] for r in page.reviews] == ["r-31c9e4", "r-2f0b17"]


def test_review_text_is_kept_verbatim():
    assert PROFILE["reviews"][0]["text"] == "Dr. Raman listened to everything & explained the plan. <b>Best</b> care."


# ----- the real 2015 page (microdata + markup) ----------------------------------------------------


@pytest.fixture(scope="module")
def profile_2015():
    path = SHARED / "fixtures/real/vitals/profile-reviews-2015.html"
    return VitalsSpider.for_parsing().parse_saved(file_response(path, path.resolve().as_uri()))


@needs_shared
@pytest.mark.parametrize("field, value", [
    ("url", "http://www.vitals.com/doctors/Dr_Shahram_Abrishamy.html"),  # from the page's canonical link
    ("source_id", "13510792"),  # Vitals' provider id (dataLayer)
    ("name", "Dr. Shahram Abrishamy, MD"),
    ("specialty", "Family Practitioner"),
    ("addresses", [{"street": "4560 Admiralty Way", "city": "Marina Del Rey", "state": "CA", "zip": "90292"}]),
    ("phones", []),  # the 2015 reviews tab shows no phone (it is on the office-locations tab)
    ("rating", 5.0),
    ("review_count", 4),  # "Total Ratings"; 1 of them has a written review
    ("accepting_new_patients", True),
    ("npi", None),
])
def test_real_2015_profile(profile_2015, field, value):
    [listing] = profile_2015
    assert listing[field] == value


@needs_shared
def test_real_2015_review(profile_2015):
    [listing] = profile_2015
    [only] = listing["reviews"]
    assert only["review_id"] == "23697658" and only["date"] == "2013-06-11" and only["rating"] == 5.0
    assert only["text"].startswith("I've seen Dr. Abrishamy several times over the years")


@needs_shared
def test_real_2015_page_is_no_search_page():
    path = SHARED / "fixtures/real/vitals/profile-reviews-2015.html"
    assert parse_search_page(file_response(path, "https://www.vitals.com/search?q=x")).error


# ----- repmon parse ---------------------------------------------------------------------------------


def test_repmon_parse_prints_the_profile_listing():
    result = CliRunner().invoke(app, ["parse", "vitals", str(VT / "profile.html"), "--url", expected("profile")["url"]])
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.output.splitlines()] == expected("profile")["records"]


def test_repmon_parse_of_a_saved_file_takes_the_url_from_the_page():
    result = CliRunner().invoke(app, ["parse", "vitals", str(VT / "profile-2021.html")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["url"] == "https://www.vitals.com/doctors/Dr_Samuel_Okafor.html"


# ----- unknown markup is an error, never an empty search --------------------------------------------

WORLD = World(size=16)
SOME = next(l for l in WORLD.site_listings("vitals") if l.rating_count and l.reviews)


def test_search_in_unknown_markup_is_an_error():
    assert parse_search_page(html_response(search_page([SOME], "x", 1, 1, broken=True))).error
    assert parse_search_page(html_response(search_page([], "x", 1, 0, broken=True))).error
    assert parse_search_page(html_response("<html><body><h1>Search</h1></body></html>")).error


def test_profile_in_unknown_markup_has_no_listing():
    url = "https://www.vitals.com/doctors/abc123/jane-doe"
    assert parse_profile_page(html_response(profile_page(SOME, broken=True), url)) is None
    assert parse_profile_page(html_response("<html><body><h1>Dr. Jane Doe</h1></body></html>", url)) is None


def test_reviews_in_unknown_markup_are_not_recognised():
    url = "https://www.vitals.com/doctors/abc123/jane-doe/reviews?page=1"
    assert not parse_reviews_page(html_response(reviews_page(SOME, 1, broken=True), url)).recognised


# ----- URLs and requests ----------------------------------------------------------------------------


@pytest.mark.parametrize("url, canonical", [
    ("https://www.vitals.com/doctors/q7t2mz/priya-raman/reviews?page=2#top", "https://www.vitals.com/doctors/q7t2mz/priya-raman"),
    ("http://www.vitals.com/doctors/Dr_Shahram_Abrishamy/reviews", "http://www.vitals.com/doctors/Dr_Shahram_Abrishamy.html"),
    ("https://www.vitals.com/doctors/Dr_Samuel_Okafor.html", "https://www.vitals.com/doctors/Dr_Samuel_Okafor.html"),
    ("https://www.vitals.com/search?q=x", None),
    ("https://www.vitals.com/family-medicine/wa/seattle", None),
])
def test_profile_url_is_canonical(url, canonical):
    assert profile_url(url) == canonical


def test_review_pages_follow_the_profile():
    assert reviews_url("https://www.vitals.com/doctors/q7t2mz/priya-raman", 2) == \
        "https://www.vitals.com/doctors/q7t2mz/priya-raman/reviews?page=2"
    assert reviews_url("https://www.vitals.com/doctors/Dr_Samuel_Okafor.html", 1) == \
        "https://www.vitals.com/doctors/Dr_Samuel_Okafor/reviews?page=1"
    assert profile_id("https://www.vitals.com/doctors/q7t2mz/priya-raman") == "q7t2mz"


def test_search_is_by_name_and_city():
    spider = _SpiderStub()
    state = type("State", (), {"target": {"first_name": "Priya", "last_name": "Raman", "city": "Seattle", "state": "WA"}})
    request = VitalsSpider.search_request(spider, state)
    assert request.url == "https://www.vitals.com/search?q=Priya+Raman&location=Seattle%2C+WA"
    assert search_terms({"first_name": "Priya", "last_name": "Raman"}) == ("Priya Raman", "")


def test_no_review_pages_for_a_physician_without_ratings():
    assert VitalsSpider.reviews_request(_SpiderStub(), {**PROFILE, "review_count": 0}, 1) is None
    assert VitalsSpider.reviews_request(_SpiderStub(), PROFILE, 1).url.endswith("/priya-raman/reviews?page=1")


@pytest.mark.parametrize("raw, iso", [("2026-09-14T16:02:11Z", "2026-09-14"), ("Jun 11th, 2013", "2013-06-11"),
                                      ("06/11/2013", "2013-06-11"), ("yesterday", "yesterday"), (None, None)])
def test_review_dates_become_iso(raw, iso):
    assert iso_date(raw) == iso


class _SpiderStub:
    base_url = "https://www.vitals.com"


# ----- block pages ----------------------------------------------------------------------------------

CHALLENGES = {
    "managed challenge": '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body>'
                         '<h1>www.vitals.com</h1><h2>Verifying you are human. This may take a few seconds.</h2>'
                         "<script>window._cf_chl_opt={cvId:'3',cZone:'www.vitals.com',cType:'managed'};</script></body></html>",
    "firewall rule (1020)": '<!DOCTYPE html><html><head><title>Access denied | www.vitals.com used Cloudflare to '
                            'restrict access</title></head><body><h1>Error 1020</h1><p>Ray ID: 8f3a1c2b4d5e6f70</p></body></html>',
    "blocked": '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>'
               '<h1>Sorry, you have been blocked</h1><h2>You are unable to access vitals.com</h2></body></html>',
}


@pytest.mark.parametrize("status", [200, 403, 404])
@pytest.mark.parametrize("kind", list(CHALLENGES))
def test_vitals_cloudflare_pages_are_blocks(kind, status):
    response = HtmlResponse(url="https://www.vitals.com/doctors/q7t2mz/priya-raman", body=CHALLENGES[kind].encode(),
                            status=status)
    assert block_reason(response)


def test_an_ordinary_page_with_cloudflare_js_detection_is_not_a_block():
    assert block_reason(saved("profile")) is None


# ----- the sandbox site -----------------------------------------------------------------------------


def _get(path: str, query: dict | None = None, broken: bool = False, world: World = WORLD):
    return handle(world, Request(method="GET", path=path, query=query or {}, prefix="/vitals", broken=broken))


def test_sandbox_answers_unknown_paths_and_ids_with_404():
    assert _get("nothing/here/at/all").status == 404
    assert _get("doctors/zzzzzz/jane-doe").status == 404


def test_sandbox_gone_listing_answers_404():
    world = World(size=4)
    listing = world.site_listings("vitals")[0]
    path = f"doctors/{listing.source_id}/{listing.first_name.lower()}-{listing.last_name.lower()}"
    assert _get(path, world=world).status == 200
    listing.gone = True
    assert _get(path, world=world).status == 404


def test_sandbox_redirects_a_wrong_name_slug():
    reply = _get(f"doctors/{SOME.source_id}/someone-else")
    assert reply.status == 301 and reply.headers["Location"].endswith(f"/doctors/{SOME.source_id}/"
                                                                     f"{SOME.first_name.lower()}-{SOME.last_name.lower()}")


def test_sandbox_escapes_world_text_in_pages():
    listing = replace(SOME, display_name="Dr. <b>X</b> </script>")
    body = profile_page(listing)
    assert "&lt;b&gt;X&lt;/b&gt;" in body and "<b>X</b>" not in body
    assert body.count("</script>") == body.count("<script")  # no text closes a script early


def test_sandbox_directory_lists_a_specialty_in_a_city():
    office = SOME.offices[0]
    path = f"{slug(SOME.specialty)}/{office.state.lower()}/{slug(office.city)}"
    outcome = parse_search_page(html_response(_get(path, {"page": "1"}).body, f"https://www.vitals.com/{path}"))
    assert outcome.error is None
    assert any(u.endswith(f"/doctors/{SOME.source_id}/{SOME.first_name.lower()}-{SOME.last_name.lower()}")
               for u in outcome.profile_urls)


# ----- a crawl of the sandbox -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World(size=16)) as running:
        yield running


@pytest.fixture(scope="module")
def records(server, tmp_path_factory):
    # As `repmon crawl` writes targets: the specialty code and every location, for the walks.
    return run_spider("vitals", walk_targets(server.world), server.url, tmp_path_factory.mktemp("vitals"))


def site_url(server, listing) -> str:
    return f"{server.url}/vitals/doctors/{listing.source_id}/{listing.first_name.lower()}-{listing.last_name.lower()}"


def test_crawl_one_ok_search_per_roster_physician(server, records):
    found = searches(records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_crawl_finds_every_listing_of_the_roster_and_the_namesake(server, records):
    world, found, pages = server.world, searches(records), listings(records)
    expected_listings = {}
    for p in world.roster:
        for listing in world.listings_of(p.npi, "vitals"):
            expected_listings[site_url(server, listing)] = listing
            assert site_url(server, listing) in found[p.npi]["results"], p.npi
    # The walk reads the directory of the physician's specialty in the physician's cities: a namesake
    # practising elsewhere is not on it.
    [twin] = world.discrepancies["namesake"]
    namesake = next(l for l in world.site_listings("vitals") if l.npi is None)
    assert {o.city for o in namesake.offices}.isdisjoint({l.city for l in world.physician(twin).locations})
    assert site_url(server, namesake) not in found[twin]["results"]
    assert set(expected_listings) <= set(pages)
    for url, listing in expected_listings.items():
        record = pages[url]
        assert record["source_id"] == listing.source_id
        assert record["name"] == listing.display_name
        assert record["npi"] == listing.npi
        assert record["phones"] == list(dict.fromkeys(o.phone for o in listing.offices))
        assert record["addresses"] == [{"street": o.street, "city": o.city, "state": o.state, "zip": o.zip}
                                       for o in listing.offices]
        assert record["rating"] == listing.rating and record["review_count"] == listing.rating_count
        assert record["accepting_new_patients"] == listing.accepting_new_patients
        # 12 reviews a page, at most REVIEW_PAGES_MAX (3) pages, newest first.
        assert [r["review_id"] for r in record["reviews"]] == [r.review_id for r in listing.newest_reviews()[:36]]


def test_crawl_physicians_without_a_listing_are_ok_empty_searches(server, records):
    found = searches(records)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


@pytest.mark.parametrize("mode, status, reason", [("block", "blocked", "Cloudflare"),
                                                  ("broken", "error", "listing page not recognised")])
def test_crawl_of_a_refusing_or_changed_site_never_looks_empty(server, tmp_path, mode, status, reason):
    server.set_mode("vitals", mode)
    try:
        targets = walk_targets(server.world)[:4]
        found = run_spider("vitals", targets, server.url, tmp_path)
    finally:
        server.set_mode("vitals", "ok")
    assert set(searches(found)) == {t["npi"] for t in targets}
    assert all(s["status"] == status and reason in s["reason"] for s in searches(found).values())
    assert listings(found) == {}



def test_a_saved_search_file_links_to_the_real_site():
    response = file_response(VT / "search.html", (VT / "search.html").resolve().as_uri())
    assert parse_search_page(response).profile_urls == expected("search")["records"][0]["results"]


def test_a_specialty_without_a_directory_is_not_searched_never_missing(server, tmp_path):
    # Vitals has no usable name search: a physician whose specialty the map does not know is not searched.
    target = walk_targets(server.world)[0] | {"specialty": "Nurse Practitioner", "specialty_code": "363L00000X"}
    server.reset_counts()
    [search] = searches(run_spider("vitals", [target], server.url, tmp_path)).values()
    assert (search["status"], search["reason_code"], search["results"]) == ("error", "not_searched", [])
    assert "no listing pages for the specialty Nurse Practitioner" in search["reason"]
    assert server.request_counts.get("vitals", 0) == 0
