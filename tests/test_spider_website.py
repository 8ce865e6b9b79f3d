"""The health system's own site: schema.org pages and sitemaps → listings; the crawl → one search per target."""

from __future__ import annotations

import gzip
import json

import pytest
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse

from crawlers.items import Failed
from crawlers.spiders.website import (
    PageListing,
    SiteCrawl,
    SitemapTooLarge,
    WebsiteSpider,
    listing_matches,
    page_links,
    parse_physician_page,
    read_sitemap,
    same_site,
    specialty,
    target_outcome,
)
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.sites.website import physician_page, uses_microdata
from reputation.sandbox.world import World
from test_spider_base import FILES, SHARED, file_response, needs_shared, run_spider, searches

WS = FILES / "website"
SITE = "https://health.example.org"


def expected(name: str) -> dict:
    return json.loads((WS / f"{name}.expected.json").read_text())


def listings_of(name: str) -> list[dict]:
    return [p.listing for p in parse_physician_page(file_response(WS / f"{name}.html", expected(name)["url"]))]


# ----- physician and practice pages -------------------------------------------------------------------

PAGES = {name: (listings_of(name), expected(name)["listings"]) for name in ("provider-jsonld", "provider-microdata", "location")}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_gives_one_listing_per_physician(name):
    found, wanted = PAGES[name]
    assert [l["url"] for l in found] == [l["url"] for l in wanted]


@pytest.mark.parametrize("name, index, field", [
    (name, index, field) for name, (_, wanted) in PAGES.items() for index, listing in enumerate(wanted) for field in listing
])
def test_listing_field(name, index, field):
    found, wanted = PAGES[name]
    assert found[index][field] == wanted[index][field]


def test_the_page_own_physician_is_marked_so_a_practice_page_never_overrides_it():
    [own] = parse_physician_page(file_response(WS / "provider-jsonld.html", expected("provider-jsonld")["url"]))
    listed = parse_physician_page(file_response(WS / "location.html", expected("location")["url"]))
    assert own.own and own.given == "Helena" and own.family == "Varga"
    assert not any(p.own for p in listed)


def test_page_without_schema_org_data_has_no_listing():
    response = file_response(WS / "provider-plain.html", expected("provider-jsonld")["url"])
    assert parse_physician_page(response) == []
    assert WebsiteSpider.for_parsing().parse_profile(response) is None


def test_directory_page_has_no_listing_but_leads_to_the_physician_pages():
    response = file_response(WS / "find-a-doctor.html", expected("find-a-doctor")["url"])
    assert parse_physician_page(response) == []
    assert page_links(response, "/find-a-doctor") == expected("find-a-doctor")["links_below_find_a_doctor"]


def test_physician_without_a_name_is_no_listing():
    body = ('<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@type": "Physician",'
            ' "usNPI": "1548392012", "telephone": "541-555-0148"}</script></head><body></body></html>')
    assert parse_physician_page(HtmlResponse(url=f"{SITE}/doctors/x", body=body.encode(), encoding="utf-8")) == []


def test_same_physician_in_json_ld_and_microdata_is_one_listing():
    body = ('<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@type": "Physician",'
            ' "name": "Ada Byron, MD", "usNPI": "1548392012"}</script></head><body>'
            '<div itemscope itemtype="https://schema.org/Physician"><span itemprop="name">Ada Byron, MD</span>'
            '<span itemprop="telephone">541-555-0111</span></div></body></html>')
    [found] = parse_physician_page(HtmlResponse(url=f"{SITE}/doctors/ada-byron?tab=2", body=body.encode(), encoding="utf-8"))
    assert found.own and found.listing["url"] == f"{SITE}/doctors/ada-byron"
    assert (found.listing["npi"], found.listing["phones"]) == ("1548392012", ["541-555-0111"])


@pytest.mark.parametrize("value, name", [
    ("Cardiology", "Cardiology"),
    ("https://schema.org/PublicHealth", "Public Health"),
    (["", {"@type": "MedicalSpecialty", "name": "Dermatology"}], "Dermatology"),
    (None, None),
])
def test_specialty(value, name):
    assert specialty(value) == name


# ----- sitemaps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sitemap", "sitemap-providers"])
def test_sitemap_lists_its_urls(name):
    wanted = expected(name)
    response = XmlResponse(url=wanted["url"], body=(WS / f"{name}.xml").read_bytes())
    assert read_sitemap(response) == (wanted["type"], wanted["urls"])


def test_gzipped_sitemap_is_read():
    wanted = expected("sitemap-providers")
    body = gzip.compress((WS / "sitemap-providers.xml").read_bytes())
    response = Response(url=f"{SITE}/sitemap-providers.xml.gz", body=body)
    assert read_sitemap(response) == ("urlset", wanted["urls"])


def test_a_gzipped_sitemap_inflating_beyond_50_mb_is_cut_off_and_said_so():
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 1024 * 1024) + b"</urlset>")
    with pytest.raises(SitemapTooLarge, match=r"sitemap larger than 50 MB uncompressed .* at https://"):
        read_sitemap(Response(url=f"{SITE}/sitemap-providers.xml.gz", body=bomb))


def test_a_page_is_no_sitemap():
    assert read_sitemap(file_response(WS / "find-a-doctor.html", f"{SITE}/find-a-doctor")) is None
    assert read_sitemap(TextResponse(url=f"{SITE}/x.json", body=b'{"urlset": 1}', encoding="utf-8")) is None


def test_same_site_ignores_www_but_not_other_hosts():
    assert same_site("https://www.health.example.org/a", f"{SITE}/sitemap.xml")
    assert not same_site("https://mychart.example.org/", f"{SITE}/sitemap.xml")


# ----- repmon parse -----------------------------------------------------------------------------------


def invoke_parse(*args) -> list[dict]:
    from typer.testing import CliRunner

    from reputation.cli import app

    done = CliRunner().invoke(app, ["parse", "website", *map(str, args)])
    assert done.exit_code == 0, done.output
    return [json.loads(line) for line in done.output.splitlines() if line.strip()]


def test_repmon_parse_a_saved_physician_page_takes_the_canonical_url_from_the_page():
    assert invoke_parse(WS / "provider-jsonld.html") == expected("provider-jsonld")["listings"]


def test_repmon_parse_a_sitemap_lists_its_pages():
    [record] = invoke_parse(WS / "sitemap-providers.xml", "--url", f"{SITE}/sitemap-providers.xml")
    assert record["kind"] == "sitemap" and record["urls"] == expected("sitemap-providers")["urls"]


# ----- which listings are a target's ------------------------------------------------------------------

TARGET = {"npi": "1548392012", "first_name": "Helena", "last_name": "Varga", "known_urls": []}


def page(url: str, name: str, npi: str | None = None, **names) -> PageListing:
    return PageListing({"url": url, "name": name, "npi": npi}, own=True, **names)


@pytest.mark.parametrize("listing, matches", [
    (page("a", "Dr. Someone Else", npi="1548392012"), True),  # the NPI decides when the page shows one
    (page("b", "Helena M. Varga, MD", npi="1928473655"), False),
    (page("c", "Dr. Helena Marie Varga, MD"), True),  # no NPI: the names
    (page("d", "Dr. Helena Varga-Smith, MD"), True),
    (page("e", "Helen Varga, MD"), False),
    (page("f", "Varga Clinic, PC", given="Helena", family="Vargas"), False),
])
def test_listing_matches(listing, matches):
    assert listing_matches(TARGET, listing) is matches


def crawl_with(**kwargs) -> SiteCrawl:
    crawl = SiteCrawl(start_url=f"{SITE}/sitemap.xml", **kwargs)
    crawl.listings = {p.listing["url"]: p for p in [page(f"{SITE}/p/varga", "Helena Varga, MD", npi="1548392012"),
                                                     page(f"{SITE}/p/other", "Tomas Reyes, DO", npi="1928473655")]}
    crawl.pages_read = 2
    return crawl


def test_target_found_by_npi_is_ok():
    assert target_outcome(TARGET, crawl_with()) == {"status": "ok", "reason": "", "code": None,
                                                 "results": [f"{SITE}/p/varga"], "gone": []}


def test_target_not_on_a_fully_read_site_is_an_ok_empty_search():
    outcome = target_outcome(TARGET | {"npi": "1364029185"}, crawl_with())
    assert (outcome["status"], outcome["results"]) == ("ok", [])


def test_start_url_failure_is_every_target_status():
    outcome = target_outcome(TARGET, crawl_with(start_failure=Failed("blocked", "HTTP 403 at sitemap.xml", "blocked")))
    assert (outcome["status"], outcome["code"], outcome["reason"], outcome["results"]) == (
        "blocked", "blocked", "HTTP 403 at sitemap.xml", [])


def test_no_physician_page_at_all_is_an_error_not_a_missing_listing():
    crawl = SiteCrawl(start_url=f"{SITE}/sitemap.xml", pages_read=40)
    outcome = target_outcome(TARGET, crawl)
    assert outcome["status"] == "error" and outcome["reason"].startswith("no physician pages recognised (40 pages")
    assert outcome["code"] == "not_recognised"  # what parser health counts


def test_pages_not_read_keep_a_target_without_results_from_being_ok():
    crawl = crawl_with(failures={f"{SITE}/p/x": Failed("blocked", "HTTP 429 at x", "blocked")})
    outcome = target_outcome(TARGET | {"npi": "1364029185"}, crawl)
    assert outcome["status"] == "blocked" and "1 page(s) could not be read" in outcome["reason"]
    assert target_outcome(TARGET, crawl)["status"] == "ok"  # found anyway
    capped = target_outcome(TARGET | {"npi": "1364029185"}, crawl_with(capped=True))
    assert capped["status"] == "error" and "WEBSITE_MAX_PAGES" in capped["reason"]
    assert capped["code"] == "incomplete"
    failed = target_outcome(TARGET | {"npi": "1364029185"},
                            crawl_with(failures={f"{SITE}/p/x": Failed("error", "timed out for x", "network_error")}))
    assert (failed["status"], failed["code"]) == ("error", "incomplete")


def test_known_urls_gone_or_moved_are_reported_and_alive_ones_kept():
    gone, moved, kept = f"{SITE}/p/old", f"{SITE}/p/varga-old", f"{SITE}/p/varga"
    crawl = crawl_with(gone={gone}, physician_of={moved: kept, kept: kept})
    outcome = target_outcome(TARGET | {"known_urls": [gone, moved, kept]}, crawl)
    assert outcome["status"] == "ok" and outcome["results"] == [kept] and outcome["gone"] == [gone, moved]


# ----- the real saved pages (other sites' schema.org data, read by the generic parser) ----------------


@needs_shared
def test_real_2015_healthgrades_microdata_physician():
    response = file_response(SHARED / "fixtures/real/healthgrades/profile-patient-ratings-2015.html",
                             "https://www.healthgrades.com/physician/dr-vinay-aggarwal-3xm3y")
    [found] = parse_physician_page(response)
    listing = found.listing
    assert (listing["name"], listing["rating"], listing["review_count"]) == ("Dr. Vinay Aggarwal, MD", 4.2, 5)
    assert listing["addresses"] == [{"street": "6801 Park Terrace Dr", "city": "Los Angeles", "state": "CA", "zip": "90045"}]
    assert listing["source_id"] == "dr-vinay-aggarwal-3xm3y"


@needs_shared
def test_real_sharecare_results_page_gives_each_physician_at_its_own_url():
    response = file_response(SHARED / "fixtures/real/sharecare/search-specialty-excerpt-2026.html",
                             "https://providers.sharecare.com/find-a-doctor/specialty/cardiothoracic-surgery")
    found = parse_physician_page(response)
    assert len(found) == 28 and not any(p.own for p in found)
    first = found[0].listing
    assert (first["url"], first["name"], first["phones"]) == (
        "https://providers.sharecare.com/doctor/dr-raja-flores", "Dr. Raja Flores, MD", ["(212) 257-0031"])
    assert first["addresses"][0]["street"] == "1470 Madison Ave # 3333"


@needs_shared
def test_real_2015_vitals_physician_without_a_name_is_no_listing():
    response = file_response(SHARED / "fixtures/real/vitals/profile-reviews-2015.html",
                             "https://www.vitals.com/doctors/Dr_Shahram_Abrishamy/reviews")
    assert parse_physician_page(response) == []


# ----- the sandbox, end to end ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World(size=16)) as running:
        yield running


@pytest.fixture(autouse=True)
def website_back_to_ok(server):
    yield
    server.set_mode("website", "ok")


def dead_url(server) -> str:
    return f"{server.url}/website/doctors/nobody-0000"


@pytest.fixture(scope="module")
def records(server, tmp_path_factory):
    # The first target knows a page that is no more: revisited, reported gone, the site still read.
    targets = server.world.targets()
    targets[0]["known_urls"] = [dead_url(server)]
    return run_spider("website", targets, server.url, tmp_path_factory.mktemp("website"))


def page_url(server, listing) -> str:
    return f"{server.url}/website/doctors/{listing.source_id}"


def test_sandbox_one_ok_search_per_roster_physician(server, records):
    found = searches(records)
    assert set(found) == {p.npi for p in server.world.roster}
    assert {s["status"] for s in found.values()} == {"ok"}


def test_sandbox_every_physician_page_is_found_for_its_physician_only(server, records):
    found = searches(records)
    for p in server.world.roster:
        assert found[p.npi]["results"] == [page_url(server, l) for l in server.world.listings_of(p.npi, "website")]
    # The namesake is not on the health system's site; its roster twin finds only their own page.
    [twin] = server.world.discrepancies["namesake"]
    assert len(found[twin]["results"]) == 1


def test_sandbox_listings_show_what_the_site_shows(server, records):
    listings = [r for r in records if r["kind"] == "listing"]
    assert len(listings) == len(server.world.site_listings("website"))
    assert any(uses_microdata(l["source_id"]) for l in listings) and not all(uses_microdata(l["source_id"]) for l in listings)
    for record in listings:
        listing = server.world.site_listing("website", record["source_id"])
        assert record["url"] == page_url(server, listing)
        assert (record["name"], record["npi"], record["specialty"]) == (listing.display_name, listing.npi, listing.specialty)
        assert record["practice_name"] == listing.offices[0].practice_name
        assert record["phones"] == list(dict.fromkeys(o.phone for o in listing.offices))
        assert [(a["street"], a["city"], a["zip"]) for a in record["addresses"]] == [(o.street, o.city, o.zip) for o in listing.offices]
        assert record["accepting_new_patients"] == listing.accepting_new_patients
        assert (record["rating"], record["review_count"]) == (None, None)  # the health system shows no ratings


def test_sandbox_listings_come_before_the_search_records(records):
    kinds = [r["kind"] for r in records]
    assert kinds == sorted(kinds)  # "listing" < "search"


def test_sandbox_crawl_from_the_directory_page_finds_the_same(server, records, tmp_path):
    start = f"{server.url}/website/find-a-doctor/"
    again = searches(run_spider("website", server.world.targets(), server.url, tmp_path, WEBSITE_START_URL=start))
    assert {npi: (s["status"], s["results"]) for npi, s in again.items()} == \
        {npi: (s["status"], s["results"]) for npi, s in searches(records).items()}
    assert all(s["query"].endswith(f"on {start}") for s in again.values())


def test_sandbox_known_url_that_is_gone_is_reported(server, records):
    found = searches(records)
    first = server.world.targets()[0]["npi"]
    assert found[first]["gone"] == [dead_url(server)]
    assert all(s["gone"] == [] for npi, s in found.items() if npi != first)


@pytest.mark.parametrize("mode, status, reason", [
    ("block", "blocked", "Cloudflare challenge"),
    ("broken", "error", "no physician pages recognised"),
    ("robots", "disallowed", "robots.txt disallows"),
])
def test_sandbox_site_failing_is_every_target_status_never_an_empty_ok(server, tmp_path, mode, status, reason):
    server.set_mode("website", mode)
    targets = server.world.targets()[:4]
    records = run_spider("website", targets, server.url, tmp_path)
    found = searches(records)
    assert set(found) == {t["npi"] for t in targets}
    assert {s["status"] for s in found.values()} == {status}
    assert all(s["reason"].startswith(reason) for s in found.values())
    assert [r for r in records if r["kind"] == "listing"] == []


def test_sandbox_broken_page_has_no_schema_org_data(server):
    listing = server.world.site_listings("website")[0]
    body = physician_page(listing, "https://health.example.org", "", broken=True)
    assert parse_physician_page(HtmlResponse(url=f"{SITE}/doctors/x", body=body.encode(), encoding="utf-8")) == []


def test_sandbox_site_answers_404_for_unknown_pages(server):
    from reputation.sandbox.sites import Request
    from reputation.sandbox.sites.website import handle

    for path in ("doctors/nobody-0000", "locations/nowhere", "search"):
        assert handle(server.world, Request("GET", path, {}, prefix="/website")).status == 404


def test_sandbox_sitemap_that_is_a_gzip_bomb_is_every_target_error_naming_the_limit(server, tmp_path):
    server.set_mode("website", "gzipbomb")
    found = searches(run_spider("website", server.world.targets(), server.url, tmp_path))
    assert set(found) == {p.npi for p in server.world.roster}
    for search in found.values():
        assert search["status"] == "error" and search["reason"].startswith("answer larger than 50 MB (the download limit)")
