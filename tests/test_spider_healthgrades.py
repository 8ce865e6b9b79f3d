"""Healthgrades parsing, on saved pages: golden fixture pairs (page + expected output), one field per test."""

from __future__ import annotations

import json

import pytest
from scrapy.http import TextResponse

from crawlers.spiders.healthgrades import (
    HealthgradesSpider,
    iso_date,
    parse_comments_json,
    parse_comments_response,
    parse_pes_json,
    parse_profile_page,
    parse_search_page,
    profile_url,
    pwid_of,
    script_json,
    search_terms,
)
from reputation.sandbox.sites.healthgrades import profile_page, search_page
from reputation.sandbox.world import World
from test_spider_base import FILES, SHARED, file_response, needs_shared

HG = FILES / "healthgrades"
SEARCH_EXPECTED = json.loads((HG / "search.expected.json").read_text())
PROFILE_EXPECTED = json.loads((HG / "profile.expected.json").read_text())
SEARCH = parse_search_page(file_response(HG / "search.html", SEARCH_EXPECTED["url"]))
PROFILE = parse_profile_page(file_response(HG / "profile.html", PROFILE_EXPECTED["url"]))


# ----- search -----------------------------------------------------------------------------------------


def test_search_page_is_recognised():
    assert SEARCH.error is None


def test_search_page_gives_every_profile_url_in_order():
    assert SEARCH.profile_urls == SEARCH_EXPECTED["profile_urls"]


def test_search_page_without_results_is_an_ok_empty_search():
    response = TextResponse(url=SEARCH_EXPECTED["url"], body=search_page([], "Jane Doe", "Portland, OR").encode(),
                            encoding="utf-8")
    outcome = parse_search_page(response)
    assert outcome.error is None and outcome.profile_urls == []


def test_search_page_in_unknown_markup_is_an_error_not_an_empty_search():
    world = World(size=20)
    listing = next(iter(world.healthgrades.values()))
    broken = search_page([listing], "Jane Doe", "Portland, OR", broken=True)
    outcome = parse_search_page(TextResponse(url=SEARCH_EXPECTED["url"], body=broken.encode(), encoding="utf-8"))
    assert outcome.error.startswith("search page not recognised")
    assert outcome.profile_urls == []


def test_search_terms_are_name_and_city():
    assert search_terms({"first_name": "Jane", "last_name": "Doe", "city": "Portland", "state": "OR"}) == (
        "Jane Doe", "Portland, OR")
    assert search_terms({"first_name": "Jane", "last_name": "Doe", "state": "OR"}) == ("Jane Doe", "OR")


# ----- profile (2025-26 markup) -----------------------------------------------------------------------


@pytest.mark.parametrize("field", list(PROFILE_EXPECTED["listing"]))
def test_profile_field(field):
    assert PROFILE[field] == PROFILE_EXPECTED["listing"][field]


PROFILES_2026 = {name: json.loads((HG / f"{name}.expected.json").read_text())
                 for name in ("profile-2026", "profile-2026-recommend")}


@pytest.mark.parametrize("name, field", [(n, f) for n, e in PROFILES_2026.items() for f in e["listing"]])
def test_2026_profile_field(name, field):
    expected = PROFILES_2026[name]
    listing = parse_profile_page(file_response(HG / f"{name}.html", expected["url"]))
    assert listing[field] == expected["listing"][field]


def test_practice_name_is_read_under_its_current_attribute():
    listing = parse_profile_page(file_response(HG / "profile-2026.html", PROFILES_2026["profile-2026"]["url"]))
    assert 'data-qa-target="office-practice-name"' not in (HG / "profile-2026.html").read_text()
    assert listing["practice_name"] == "Harborview Orthopedic Associates"


def test_template_showing_only_likelihood_of_recommending_has_a_rating_and_an_unknown_count():
    url = PROFILES_2026["profile-2026-recommend"]["url"]
    listing = parse_profile_page(file_response(HG / "profile-2026-recommend.html", url))
    assert listing["rating"] == 3.77  # the recommending line, not the next survey line (4.10)
    assert listing["review_count"] is None  # the page does not say how many: unknown, never 0


def test_a_rating_score_wins_over_a_survey_line():
    body = (HG / "profile-2026.html").read_text().replace(
        "</main>", "<p>Likelihood of recommending Dr. Okoro 2.10 out of 5</p></main>")
    listing = parse_profile_page(TextResponse(url=PROFILES_2026["profile-2026"]["url"], body=body.encode(), encoding="utf-8"))
    assert (listing["rating"], listing["review_count"]) == (4.6, 112)


def test_profile_in_unknown_markup_has_no_listing():
    world = World(size=20)
    listing = next(l for l in world.healthgrades.values() if l.rating_count)
    broken = profile_page(listing, broken=True)
    assert parse_profile_page(TextResponse(url=PROFILE_EXPECTED["url"], body=broken.encode(), encoding="utf-8")) is None


def test_profile_url_drops_tabs_and_queries():
    url = "https://www.healthgrades.com/physician/dr-vinay-aggarwal-3xm3y/patient-ratings?x=1#top"
    assert profile_url(url) == "https://www.healthgrades.com/physician/dr-vinay-aggarwal-3xm3y"
    assert pwid_of(url) == "3xm3y"
    assert profile_url("https://www.healthgrades.com/usearch?what=x") is None


# ----- profile with embedded JSON-LD ------------------------------------------------------------------

JSONLD = parse_profile_page(file_response(HG / "profile-jsonld.html",
                                          "https://www.healthgrades.com/physician/dr-ada-lovelace-x2y4z"))


@pytest.mark.parametrize("field, expected", [
    ("name", "Dr. Ada B. Lovelace, MD"),
    ("specialty", "Cardiology"),
    ("practice_name", "Lovelace Heart Clinic"),
    ("addresses", [{"street": "1200 NW Everett St Ste 300", "city": "Portland", "state": "OR", "zip": "97209"}]),
    ("phones", ["(503) 555-0142"]),
    ("npi", "1720377294"),
    ("rating", 4.7),
    ("review_count", 31),
    ("source_id", "x2y4z"),
    ("accepting_new_patients", False),  # only the markup says it: it fills the gap
])
def test_structured_data_wins_over_markup(field, expected):
    assert JSONLD[field] == expected


# ----- the real 2015 page (microdata) -----------------------------------------------------------------


@pytest.fixture(scope="module")
def profile_2015():
    path = SHARED / "fixtures/real/healthgrades/profile-patient-ratings-2015.html"
    url = "https://www.healthgrades.com/physician/dr-vinay-aggarwal-3xm3y/patient-ratings"
    return parse_profile_page(file_response(path, url))


@needs_shared
@pytest.mark.parametrize("field, expected", [
    ("url", "https://www.healthgrades.com/physician/dr-vinay-aggarwal-3xm3y"),
    ("source_id", "3xm3y"),
    ("name", "Dr. Vinay Aggarwal, MD"),
    ("specialty", "Internal Medicine"),
    ("practice_name", "Platinum Care LA"),
    ("addresses", [{"street": "6801 Park Terrace Dr", "city": "Los Angeles", "state": "CA", "zip": "90045"}]),
    ("phones", ["(310) 692-9659", "(310) 295-2255"]),  # new-patient (sponsor) line, then existing patients
    ("sponsor_phones", ["(310) 692-9659"]),
    ("rating", 4.2),
    ("review_count", 5),
    ("npi", None),
])
def test_real_2015_profile(profile_2015, field, expected):
    assert profile_2015[field] == expected


# ----- reviews ----------------------------------------------------------------------------------------

COMMENTS = {
    "results": [
        {"commentId": "c-2", "overallScore": 1.0, "displayName": "Sam P.", "submittedDate": "Nov 03, 2026",
         "commentText": "Long wait.", "providerResponse": {"commentText": "Please call us.", "isFromProvider": True}},
        {"commentId": "c-1", "overallScore": 5, "displayName": "Ana R.", "submittedDate": "Jan 28, 2017",
         "commentText": "Great <script>alert(1)</script>", "providerResponse": None},
    ],
    "totalCount": 12,
}


def test_comments_api_answer_gives_reviews_and_total():
    page = parse_comments_json(COMMENTS)
    assert page.recognised and page.total == 12
    assert page.reviews[0] == {"review_id": "c-2", "date": "2026-11-03", "rating": 1.0, "text": "Long wait.",
                               "author": "Sam P.", "response": "Please call us.", "response_date": None}
    assert page.reviews[1]["text"] == "Great <script>alert(1)</script>"  # kept verbatim; escaping is the report's job
    assert page.reviews[1]["response"] is None


def test_comments_answer_in_another_shape_is_not_recognised():
    assert not parse_comments_json({"data": {"items": []}}).recognised
    bad_json = TextResponse(url="https://www.healthgrades.com/api4/providerprofile/comments", body=b"<html>",
                            encoding="utf-8")
    assert not parse_comments_response(bad_json).recognised


@needs_shared
def test_real_2017_pes_json_gives_rating_count_and_reviews():
    data = json.loads((SHARED / "fixtures/real/healthgrades/provider-pes-reviews-2017.json").read_text())
    pes = parse_pes_json(data)
    assert pes["rating"] == 4.9
    assert pes["review_count"] == 64  # survey responses behind the score; 18 of them have comments
    assert len(pes["reviews"]) == 18
    first = pes["reviews"][0]
    assert first["review_id"] == "df577434-b60f-455f-822d-faf1231aeb06"
    assert first["date"] == "2017-01-28" and first["rating"] == 5.0 and first["author"] == "Denise R"
    assert first["text"].startswith("Dr Oh is an outstanding physician")
    assert first["response"] is None  # the empty providerResponse object means no response


@pytest.mark.parametrize("raw, iso", [("Jan 28, 2017", "2017-01-28"), ("November 1, 2016", "2016-11-01"),
                                      ("03/05/2016", "2016-03-05"), ("2016-03-05T10:00:00Z", "2016-03-05"),
                                      ("last week", "last week"), (None, None)])
def test_review_dates_become_iso(raw, iso):
    assert iso_date(raw) == iso


def test_reviews_are_requested_by_pwid_and_page():
    # reviews_request only needs the spider's base URL: a stub stands in for a configured spider.
    request = HealthgradesSpider.reviews_request(_SpiderStub(), PROFILE, 2)
    assert request.method == "POST"
    assert request.url == "https://www.healthgrades.com/api4/providerprofile/comments"
    assert json.loads(request.body) == {"pwid": "g8p5v", "currentPage": 2, "perPage": 10}
    assert HealthgradesSpider.reviews_request(_SpiderStub(), {**PROFILE, "review_count": 0}, 1) is None


class _SpiderStub:
    base_url = "https://www.healthgrades.com"


# ----- 2017 pages: inline JS (profile.provider, pageState.pes) ----------------------------------------

INLINE_EXPECTED = json.loads((HG / "profile-2017-inline.expected.json").read_text())
INLINE = parse_profile_page(file_response(HG / "profile-2017-inline.html", INLINE_EXPECTED["url"]))


@pytest.mark.parametrize("field", list(INLINE_EXPECTED["listing"]))
def test_2017_inline_profile_field(field):
    assert INLINE[field] == INLINE_EXPECTED["listing"][field]


def test_inline_json_is_read_from_the_script_assignment():
    text = 'var x; pageState.pes = {"model": {"a": "};"}};\r\n\r\npageState.facilityLocations = [];'
    assert script_json(text, "pageState.pes") == {"model": {"a": "};"}}
    assert script_json(text, "profile.provider") is None
    assert script_json("profile.provider = {broken", "profile.provider") is None


def test_repmon_parse_of_a_saved_page_takes_the_canonical_url(tmp_path):
    from typer.testing import CliRunner

    from reputation.cli import app

    saved = tmp_path / "saved.html"
    saved.write_bytes((HG / "profile-2017-inline.html").read_bytes())
    done = CliRunner().invoke(app, ["parse", "healthgrades", str(saved)])
    assert done.exit_code == 0, done.output
    [record] = [json.loads(line) for line in done.output.splitlines() if line.strip()]
    assert record == INLINE_EXPECTED["listing"]


# ----- the real 2017 JSON objects, as `repmon parse` reads them ---------------------------------------


def _parse_saved(path):
    from crawlers.parse import parse_saved_page

    return parse_saved_page("healthgrades", path)


@needs_shared
def test_real_2015_page_from_a_file_gets_its_canonical_url_and_pwid():
    [listing] = _parse_saved(SHARED / "fixtures/real/healthgrades/profile-patient-ratings-2015.html")
    assert listing["url"] == "https://www.healthgrades.com/physician/dr-vinay-aggarwal-3xm3y"
    assert listing["source_id"] == "3xm3y"
    assert (listing["name"], listing["rating"], listing["review_count"]) == ("Dr. Vinay Aggarwal, MD", 4.2, 5)


@pytest.fixture(scope="module")
def view_model_2017():
    [listing] = _parse_saved(SHARED / "fixtures/real/healthgrades/provider-viewmodel-2017.json")
    return listing


@needs_shared
@pytest.mark.parametrize("field, expected", [
    ("kind", "listing"),
    ("url", "https://www.healthgrades.com/physician/dr-john-prue-y6nqq"),
    ("source_id", "y6nqq"),
    ("name", "Dr. John Prue, MD"),
    ("specialty", "Obstetrics & Gynecology"),
    ("practice_name", "Gateway OBGYN Associates PC"),
    ("addresses", [{"street": "78 Cromwell Ave Ste 1", "city": "Staten Island", "state": "NY", "zip": "10304"}]),
    ("phones", ["(718) 987-9175"]),  # phoneType 1; the type-2 number is not the office phone
    ("accepting_new_patients", True),
    ("rating", 4.0),
    ("review_count", 9),
    ("npi", None),  # the 2017 view model does not show it
])
def test_real_2017_view_model(view_model_2017, field, expected):
    assert view_model_2017[field] == expected


@needs_shared
def test_real_2017_pes_json_is_a_reviews_record_with_rating_and_count():
    [record] = _parse_saved(SHARED / "fixtures/real/healthgrades/provider-pes-reviews-2017.json")
    assert record["kind"] == "reviews"
    assert record["url"] == "https://www.healthgrades.com/physician/dr-luke-oh-yn6rl"
    assert (record["rating"], record["review_count"], record["total"]) == (4.9, 64, 18)
    assert len(record["reviews"]) == 18 and record["reviews"][0]["author"] == "Denise R"


@needs_shared
def test_a_json_fragment_that_is_neither_gives_nothing():
    assert _parse_saved(SHARED / "fixtures/real/healthgrades/provider-malpractices-2017.json") == []


# ----- the real 2017 search page whose results area is an empty skeleton -----------------------------

USEARCH_2017 = SHARED / "fixtures/real/healthgrades/usearch-empty-query-2017.html"
USEARCH_2017_URL = ("https://www.healthgrades.com/usearch?where=Boston%2C%20MA%2002127&what=Orthopaedics"
                    "&searchType=SpecialtyVertical")


@needs_shared
def test_real_2017_skeleton_search_page_is_not_recognised_never_no_results():
    # "0 Results found" sits in a skeleton the browser fills from an XHR: nobody can read results off it.
    response = file_response(USEARCH_2017, USEARCH_2017_URL)
    assert "Results found" in response.text
    outcome = parse_search_page(response)
    assert outcome.error and outcome.error.startswith("search page not recognised")
    assert outcome.profile_urls == [] and outcome.listings == []


@needs_shared
def test_real_2017_skeleton_search_page_gives_no_records_to_repmon_parse():
    from typer.testing import CliRunner

    from reputation.cli import app

    done = CliRunner().invoke(app, ["parse", "healthgrades", str(USEARCH_2017), "--url", USEARCH_2017_URL])
    assert done.exit_code == 1 and "recognises no profile, search results or reviews" in done.output


@needs_shared
def test_real_2017_skeleton_search_ends_a_crawl_search_as_an_error(tmp_path):
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawlers.spiders.base import TargetState

    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"npi": "1234567893", "first_name": "Ann", "last_name": "Lee", "city": "Boston",
                                    "state": "MA"}]))
    crawler = get_crawler(HealthgradesSpider)
    crawler.stats.open_spider()
    spider = HealthgradesSpider.from_crawler(crawler, targets=str(targets))
    state = TargetState(key=0, target=spider.targets[0], query=spider.search_query(spider.targets[0]))
    response = HtmlResponse(url=USEARCH_2017_URL, body=USEARCH_2017.read_bytes())
    [record] = list(spider.on_search(response, state))
    assert (record["kind"], record["status"], record["results"]) == ("search", "error", [])


def test_a_reply_keeps_its_date_and_the_placeholder_of_no_reply_gives_none():
    comments = {"results": [
        {"commentId": "c-3", "overallScore": 2, "displayName": "Lee", "submittedDate": "2026-10-01T00:00:00",
         "commentText": "Slow.", "providerResponse": {"commentText": "Please call us.", "insertedOn": "October 4, 2026"}},
        {"commentId": "c-4", "overallScore": 5, "displayName": "Kim", "submittedDate": "2026-10-02T00:00:00",
         "commentText": "Great.", "providerResponse": {"commentText": None, "insertedOn": "January 1, 0001"}},
    ], "totalCount": 2}
    first, second = parse_comments_json(comments).reviews
    assert (first["response"], first["response_date"]) == ("Please call us.", "2026-10-04")
    assert (second["response"], second["response_date"]) == (None, None)
