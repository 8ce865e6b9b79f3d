"""schema.org objects from JSON-LD and microdata, flattened, with short @type names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawlers import structured as sd
from crawlers.parse import parse_saved_page
from test_spider_base import FILES, SHARED, file_response, needs_shared

SEARCH_PAGE = {
    "@context": "https://schema.org",
    "@type": "SearchResultsPage",
    "provider": [
        {"@type": "Physician", "name": "Dr. A", "url": "/doctor/a", "telephone": "(212) 555-0101",
         "address": {"@type": "PostalAddress", "streetAddress": "1 Main St", "addressLocality": "New York",
                     "addressRegion": "NY", "postalCode": "10001"}},
        {"@type": "http://schema.org/IndividualPhysician", "name": "Dr. B", "usNPI": "1720377294",
         "aggregateRating": {"@type": "AggregateRating", "ratingValue": "4.5", "reviewCount": "12"}},
    ],
}


def html_with(*blocks: dict) -> HtmlResponse:
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(b)}</script>' for b in blocks)
    return HtmlResponse(url="https://example.org/p", body=f"<html><head>{scripts}</head><body></body></html>".encode(),
                        encoding="utf-8")


def test_nested_objects_are_listed_with_short_types():
    objects = sd.structured_objects(html_with(SEARCH_PAGE))
    assert [sd.types_of(o) for o in objects] == [{"SearchResultsPage"}, {"Physician"}, {"PostalAddress"},
                                                 {"IndividualPhysician"}, {"AggregateRating"}]


def test_find_objects_by_any_of_several_types():
    objects = sd.structured_objects(html_with(SEARCH_PAGE))
    assert [o["name"] for o in sd.find_objects(objects, "Physician", "IndividualPhysician")] == ["Dr. A", "Dr. B"]
    assert sd.first_object(objects, "IndividualPhysician", "Physician")["name"] == "Dr. B"
    assert sd.first_object(objects, "MedicalBusiness") is None


def test_graph_and_type_lists_are_read():
    objects = sd.structured_objects(file_response(FILES / "healthgrades" / "profile-jsonld.html", "https://example.org/"))
    [physician] = sd.find_objects(objects, "Physician")
    assert sd.types_of(physician) == {"Physician", "Person"}
    assert sd.npi_of(physician) == "1720377294"
    assert sd.telephones(physician) == ["(503) 555-0142"]


def test_ratings_addresses_and_npi_helpers():
    objects = sd.structured_objects(html_with(SEARCH_PAGE))
    a, b = sd.find_objects(objects, "Physician", "IndividualPhysician")
    assert sd.postal_addresses(a) == [{"street": "1 Main St", "city": "New York", "state": "NY", "zip": "10001"}]
    assert sd.aggregate_rating(b) == (4.5, 12)
    assert sd.aggregate_rating(a) == (None, None)
    assert sd.npi_of(b) == "1720377294" and sd.npi_of(a) is None


def test_a_page_without_structured_data_gives_nothing():
    assert sd.structured_objects(html_with()) == []


@needs_shared
def test_microdata_physician_of_the_real_2015_healthgrades_page():
    path = SHARED / "fixtures/real/healthgrades/profile-patient-ratings-2015.html"
    objects = sd.structured_objects(file_response(path, "https://www.healthgrades.com/physician/dr-vinay-aggarwal-3xm3y"))
    physician = sd.first_object(objects, "Physician")
    assert physician["name"] == "Dr. Vinay Aggarwal, MD"
    assert sd.aggregate_rating(physician) == (4.2, 5)


# ----- a script that cannot be read hides no other ----------------------------------------------------

PHYSICIAN = {"@context": "https://schema.org", "@type": "Physician", "name": "Dr. C", "usNPI": "1720377294"}
TOO_DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON, nested deeper than Python's parser goes
DEEP = json.dumps(json.loads("[" * 500 + json.dumps(SEARCH_PAGE) + "]" * 500))  # parsed, but 500 levels down


def html_with_scripts(*scripts: str) -> HtmlResponse:
    body = "".join(f'<script type="application/ld+json">{script}</script>' for script in scripts)
    return HtmlResponse(url="https://example.org/p", body=f"<html><head>{body}</head><body></body></html>".encode(),
                        encoding="utf-8")


@pytest.mark.parametrize("bad", [TOO_DEEP, DEEP, '{"@type": "Physician", "name": "Dr. X",,}'])
@pytest.mark.parametrize("bad_first", [True, False])
def test_a_script_nested_too_deep_or_broken_hides_none_of_the_others(bad, bad_first):
    good = json.dumps(PHYSICIAN)
    objects = sd.structured_objects(html_with_scripts(*([bad, good] if bad_first else [good, bad])))
    assert [o["name"] for o in sd.find_objects(objects, "Physician")] == ["Dr. C"]


def test_objects_nested_deeper_than_any_description_of_a_physician_are_not_read():
    assert sd.find_objects(sd.structured_objects(html_with_scripts(DEEP)), "Physician", "IndividualPhysician") == []


def test_repmon_parse_of_a_profile_with_a_deeply_nested_script_still_gives_the_listing(tmp_path):
    page = (FILES / "healthgrades" / "profile-jsonld.html").read_text()
    saved = tmp_path / "profile.html"
    saved.write_text(page.replace("<head>", f'<head><script type="application/ld+json">{TOO_DEEP}</script>', 1))
    url = "https://www.healthgrades.com/physician/dr-ada-lovelace-x2y4z"
    [listing] = [r for r in parse_saved_page("healthgrades", saved, url) if r["kind"] == "listing"]
    [expected] = [r for r in parse_saved_page("healthgrades", FILES / "healthgrades" / "profile-jsonld.html", url)
                  if r["kind"] == "listing"]
    assert listing == expected and listing["rating"] == 4.7


# ----- ratings on other scales -------------------------------------------------------------------------


def rating(value, best=None, worst=None) -> dict:
    block = {"@type": "AggregateRating", "ratingValue": value, "ratingCount": "12"}
    block |= {"bestRating": best} if best is not None else {}
    block |= {"worstRating": worst} if worst is not None else {}
    return {"@type": "Physician", "aggregateRating": block}


@pytest.mark.parametrize("value, best, worst, stars", [
    ("4.5", "5", None, 4.5),
    ("4.5", "5", "1", 4.5),
    ("4.5", None, None, 4.5),  # schema.org's default scale is 5
    ("9", "10", None, 4.5),
    ("9", "10", "1", 4.5),  # the share of full marks, as '9 of 10' reads
    (90, 100, 0, 4.5),
    ("87", "1e2", None, 4.35),
    ("4.5", "1", None, None),  # the value lies outside its own scale: no rating, never 22.5
    ("90", None, None, None),  # a percentage on a page declaring no scale
    ("0", "5", "1", None),  # below the scale's floor: "no ratings yet", not zero stars
    ("3", "5", "5", None),  # no scale at all
    ("NaN", "5", None, None),
])
def test_aggregate_rating_is_stars_out_of_five_on_the_scale_the_page_declares(value, best, worst, stars):
    assert sd.aggregate_rating(rating(value, best, worst)) == (stars, 12)


def test_a_review_rating_is_scaled_too():
    assert sd.stars({"@type": "Rating", "ratingValue": "8", "bestRating": "10"}) == 4.0
    assert sd.stars([{"@type": "Rating", "ratingValue": 4}]) == 4.0
    assert sd.stars("4") == 4.0 and sd.stars("40") is None


# Saved profiles of each spider reading schema.org ratings, their rating put on a 100-point scale.
PROFILES = [
    ("healthgrades", "healthgrades/profile-jsonld.html", "https://www.healthgrades.com/physician/dr-ada-lovelace-x2y4z"),
    ("sharecare", "sharecare/profile.html", None),
    ("usnews", "usnews/profile.html", None),
    ("vitals", "vitals/profile-jsonld.html", None),
    ("website", "website/provider-jsonld.html", None),
]


def on_a_100_point_scale(page: str) -> tuple[str, float]:
    """The page with its aggregateRating on a 100-point scale, and the stars out of 5 it shows."""
    block = re.search(r'"aggregateRating"\s*:\s*\{[^}]*\}', page).group()
    stars = float(re.search(r'"ratingValue"\s*:\s*"?([\d.]+)', block).group(1))
    scaled = re.sub(r'("ratingValue"\s*:\s*"?)[\d.]+', lambda m: f"{m.group(1)}{stars * 20:g}", block)
    scaled = re.sub(r'("bestRating"\s*:\s*"?)5', r"\g<1>100", scaled)
    if "bestRating" not in scaled:
        scaled = scaled.replace('"ratingValue"', '"bestRating": 100, "ratingValue"', 1)
    assert f"{stars * 20:g}" in scaled and re.search(r'"bestRating"\s*:\s*"?100', scaled), scaled
    return page.replace(block, scaled), stars


@pytest.mark.parametrize("source, name, url", PROFILES)
def test_each_spider_reports_a_rating_out_of_100_as_stars_out_of_five(source, name, url, tmp_path):
    page, stars = on_a_100_point_scale((FILES / name).read_text())
    saved = tmp_path / Path(name).name
    saved.write_text(page)
    if url is None:
        expected = FILES / name.replace(".html", ".expected.json")
        url = json.loads(expected.read_text())["url"] if expected.exists() else None
    listings = [r for r in parse_saved_page(source, saved, url) if r["kind"] == "listing"]
    assert listings and listings[0]["rating"] == stars
