"""schema.org objects from JSON-LD and microdata, flattened, with short @type names."""

from __future__ import annotations

import json

from scrapy.http import HtmlResponse

from crawlers import structured as sd
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
