"""Sharecare parsing on saved pages (golden pairs, the real search excerpt) and a crawl of the sandbox."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse
from typer.testing import CliRunner

from crawlers.spiders.sharecare import (
    SharecareSpider,
    parse_profile_page,
    parse_search_page,
    profile_url,
    search_results,
)
from reputation.cli import app
from reputation.sandbox.sites.sharecare import profile_page, profile_path, profile_slugs, search_page
from reputation.sandbox.world import World
from test_spider_base import FILES, SHARED, file_response, needs_shared, run_spider, searches

SC = FILES / "sharecare"
SEARCH_EXPECTED = json.loads((SC / "search.expected.json").read_text())
EMPTY_EXPECTED = json.loads((SC / "search-empty.expected.json").read_text())
PROFILE_EXPECTED = json.loads((SC / "profile.expected.json").read_text())
SEARCH = file_response(SC / "search.html", SEARCH_EXPECTED["url"])
PROFILE = parse_profile_page(file_response(SC / "profile.html", PROFILE_EXPECTED["url"]))
REAL_SEARCH = SHARED / "fixtures/real/sharecare/search-specialty-excerpt-2026.html"


def html_response(body: str, url: str = "https://providers.sharecare.com/find-a-doctor/search?name=x") -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


# ----- search -----------------------------------------------------------------------------------------


def test_search_page_gives_every_profile_url_in_order():
    outcome = parse_search_page(SEARCH)
    assert outcome.error is None and outcome.profile_urls == SEARCH_EXPECTED["profile_urls"]


def test_search_page_results_carry_the_healthgrades_pwid():
    records = SharecareSpider.for_parsing().parse_saved(SEARCH)
    assert records == SEARCH_EXPECTED["records"]


SEARCH_2026_EXPECTED = json.loads((SC / "search-2026.expected.json").read_text())


def search_2026(body: str | None = None) -> HtmlResponse:
    return html_response(body or (SC / "search-2026.html").read_text(), SEARCH_2026_EXPECTED["url"])


def test_2026_result_cards_give_the_healthgrades_pwid_and_specialty():
    # No listItems in the tealium data, a photo without a pwid: only the cards' data-pwid say who is who.
    assert SharecareSpider.for_parsing().parse_saved(search_2026()) == SEARCH_2026_EXPECTED["records"]


def test_a_card_pwid_wins_over_the_tealium_position():
    body = (SC / "search-2026.html").read_text().replace(
        "utag.PDCSearchImpression=1;",
        "utag.PDCSearchImpression=1;listItems=[{'hgProfileKey':'ZZZZ1','position':0},{'hgProfileKey':'Y4T9Q','position':1}];")
    keys = [r["source_id"] for r in search_results(search_2026(body))]
    assert keys == ["y4t9q", "2rk7m", "3nd2w"]


def test_2026_result_cards_alone_are_the_results():
    body = (SC / "search-2026.html").read_text()
    start = body.index('<script type="application/ld+json">')
    body = body[:start] + body[body.index("</script>", start) + len("</script>"):]
    outcome = parse_search_page(search_2026(body))
    assert outcome.error is None and outcome.profile_urls == SEARCH_2026_EXPECTED["profile_urls"]


def test_sandbox_search_shows_2026_result_cards(world):
    shown = world.site_listings("sharecare")[:2]
    page = html_response(search_page(world, shown, "A B", "Portland, OR", site="https://providers.sharecare.com"))
    assert page.css("article.ProviderCardAlternative::attr(data-pwid)").getall() == [l.source_id.upper() for l in shown]
    broken = html_response(search_page(world, shown, "A B", "Portland, OR", site="", broken=True))
    assert not broken.css("article.ProviderCardAlternative")  # the redesign leaves nothing the parser knows


def test_page_without_results_is_an_ok_empty_search():
    outcome = parse_search_page(file_response(SC / "search-empty.html", EMPTY_EXPECTED["url"]))
    assert outcome.error is None and outcome.profile_urls == EMPTY_EXPECTED["profile_urls"]


@pytest.fixture(scope="module")
def world():
    return World(size=16)


def test_search_page_in_unknown_markup_is_an_error_not_an_empty_search(world):
    listings = world.site_listings("sharecare")[:2]
    for shown in (listings, []):
        outcome = parse_search_page(html_response(search_page(world, shown, "A B", "Portland, OR", site="", broken=True)))
        assert outcome.error.startswith("search page not recognised") and outcome.profile_urls == []


def test_a_results_page_with_an_empty_provider_list_is_ok_empty(world):
    outcome = parse_search_page(html_response(search_page(world, [], "A B", "Portland, OR", site="")))
    assert outcome.error is None and outcome.profile_urls == []


def test_profile_urls_drop_queries():
    assert profile_url("https://providers.sharecare.com/doctor/dr-a-b?utm=x#top") == \
        "https://providers.sharecare.com/doctor/dr-a-b"
    assert profile_url("https://providers.sharecare.com/find-a-doctor/search?name=x") is None


# ----- profile ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", list(PROFILE_EXPECTED["listing"]))
def test_profile_field(field):
    assert PROFILE[field] == PROFILE_EXPECTED["listing"][field]


def test_profile_in_unknown_markup_has_no_listing(world):
    listing = next(l for l in world.site_listings("sharecare") if l.rating_count)
    assert parse_profile_page(html_response(profile_page(world, listing, site="", broken=True))) is None


def test_unrated_profile_has_zero_ratings_not_unknown(world):
    listing = next(l for l in world.site_listings("sharecare") if not l.rating_count)
    parsed = parse_profile_page(html_response(profile_page(world, listing, site="https://providers.sharecare.com"),
                                              url=f"https://providers.sharecare.com/{profile_path(world, listing)}"))
    assert (parsed["rating"], parsed["review_count"]) == (None, 0)


def test_repmon_parse_prints_the_profile_with_its_canonical_url():
    done = CliRunner().invoke(app, ["parse", "sharecare", str(SC / "profile.html")])
    assert done.exit_code == 0, done.output
    assert [json.loads(l) for l in done.output.splitlines() if l.strip()] == [PROFILE_EXPECTED["listing"]]


def test_sandbox_slugs_are_unique_and_stable_for_namesakes(world):
    slugs = profile_slugs(world)
    assert len(slugs) == len(world.healthgrades)
    [twin_npi] = world.discrepancies["namesake"]
    twin = world.listings_of(twin_npi, "sharecare")[0]
    namesake = next(l for l in world.site_listings("sharecare") if l.npi is None)
    assert profile_path(world, twin) != profile_path(world, namesake)


# ----- the real search page (2026 excerpt) ------------------------------------------------------------


@pytest.fixture(scope="module")
def real_results():
    response = file_response(REAL_SEARCH, "https://providers.sharecare.com/find-a-doctor/specialty/cardiothoracic-surgery")
    return parse_search_page(response), search_results(response)


@needs_shared
def test_real_search_page_has_28_physicians(real_results):
    outcome, listings = real_results
    assert outcome.error is None and len(outcome.profile_urls) == 28 and len(listings) == 28
    assert outcome.profile_urls == [l["url"] for l in listings]


@needs_shared
@pytest.mark.parametrize("index, field, expected", [
    (0, "name", "Dr. Raja Flores, MD"),
    (0, "url", "https://providers.sharecare.com/doctor/dr-raja-flores"),
    (0, "source_id", "yjndq"),
    (0, "addresses", [{"street": "1470 Madison Ave # 3333", "city": "New York", "state": "NY", "zip": "10029"}]),
    (0, "phones", ["(212) 257-0031"]),
    (4, "source_id", "2dmb7"),
    (4, "addresses", [{"street": "2800 Main St", "city": "Bridgeport", "state": "CT", "zip": "06606"}]),
    (26, "url", "https://providers.sharecare.com/doctor/dr-marc-pelletier-3ff5k"),
    (26, "source_id", "3ff5k"),
    (27, "name", "Dr. Scott Schubach, MD"),
    (27, "source_id", "3kyk9"),
    (27, "phones", ["(516) 739-0030"]),
])
def test_real_search_result(real_results, index, field, expected):
    assert real_results[1][index][field] == expected


@needs_shared
def test_real_search_results_all_have_name_address_phone_and_pwid(real_results):
    for listing in real_results[1]:
        assert listing["name"] and listing["addresses"] and listing["phones"]
        assert listing["source_id"] and len(listing["source_id"]) == 5


@needs_shared
def test_repmon_parse_of_the_real_search_page():
    done = CliRunner().invoke(app, ["parse", "sharecare", str(REAL_SEARCH)])
    assert done.exit_code == 0, done.output
    records = [json.loads(l) for l in done.output.splitlines() if l.strip()]
    assert [r["kind"] for r in records] == ["listing"] * 28 + ["search"]
    assert records[-1]["status"] == "ok" and len(records[-1]["results"]) == 28


# ----- a crawl of the sandbox -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl(server, tmp_path_factory):
    return run_spider("sharecare", server.world.targets(), server.url, tmp_path_factory.mktemp("sharecare"))


def test_crawl_one_ok_search_per_roster_physician(server, crawl):
    found = searches(crawl)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_crawl_finds_every_listing_with_what_the_site_shows(server, crawl):
    world = server.world
    found = searches(crawl)
    pages = {r["url"]: r for r in crawl if r["kind"] == "listing"}
    [twin] = world.discrepancies["namesake"]
    expected = [(p.npi, l) for p in world.roster for l in world.listings_of(p.npi, "sharecare")]
    expected += [(twin, l) for l in world.site_listings("sharecare") if l.npi is None]
    assert len(expected) > len(world.roster)  # the duplicate and the namesake are among them
    for npi, listing in expected:
        url = f"{server.url}/sharecare/{profile_path(world, listing)}"
        assert url in found[npi]["results"], (npi, url)
        record = pages[url]
        assert record["source_id"] == listing.source_id.lower()
        assert record["name"] == listing.display_name
        assert record["phones"] == list(dict.fromkeys(o.phone for o in listing.offices))
        assert record["addresses"] == [{"street": o.street, "city": o.city, "state": o.state, "zip": o.zip}
                                       for o in listing.offices]
        assert (record["rating"], record["review_count"]) == (listing.rating, listing.rating_count)
        assert [r["review_id"] for r in record["reviews"]] == [r.review_id for r in listing.newest_reviews()[:10]]


def test_crawl_physicians_without_listing_are_ok_empty_searches(server, crawl):
    found = searches(crawl)
    for npi in server.world.discrepancies["no_listing"]:
        assert found[npi]["status"] == "ok" and found[npi]["results"] == []


@pytest.mark.parametrize("mode, status", [("block", "blocked"), ("broken", "error")])
def test_crawl_failure_modes_are_never_an_empty_ok(server, tmp_path, mode, status):
    server.set_mode("sharecare", mode)
    try:
        targets = server.world.targets()[:6]
        records = run_spider("sharecare", targets, server.url, tmp_path)
    finally:
        server.set_mode("sharecare", "ok")
    found = searches(records)
    assert set(found) == {t["npi"] for t in targets}
    assert {s["status"] for s in found.values()} == {status}
    assert all(s["reason"] for s in found.values())
    assert not [r for r in records if r["kind"] == "listing"]
