"""Real answers recorded by people outside this project (../shared/fixtures/real, see its SOURCES.md) parse as a
person reads them: ``repmon parse SOURCE FILE --url URL`` prints the name, rating, review count, address, phone and
reviews the answer shows, and nothing where the answer is silent. Expected values were read off the raw answers
by hand; where an answer holds many entries, each is also compared with its raw fields. Skipped without ../shared.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from reputation.cli import app
from test_spider_base import SHARED, needs_shared

pytestmark = needs_shared
REAL = SHARED / "fixtures/real"
GOOGLEPLEX = "https://places.googleapis.com/v1/places/ChIJj61dQgK6j4AR4GeTYWZsKWw"


def parse(source: str, path: str, url: str | None = None) -> list[dict]:
    """What ``repmon parse`` prints for the real answer at ``path`` (under fixtures/real)."""
    args = ["parse", source, str(REAL / path)] + (["--url", url] if url else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def kinds(records: list[dict]) -> list[str]:
    return [r["kind"] for r in records]


def raw_json(path: str):
    text = (REAL / path).read_text(encoding="utf-8")
    return json.loads(text[text.index("["):] if path.endswith(".js") else text)


# ----- Google Places (New) ----------------------------------------------------------------------------------------


def test_google_full_details_googleplex():
    [place] = parse("google", "google/places-new-details-googleplex-full-2026.json", GOOGLEPLEX)
    assert place["name"] == "Googleplex"
    assert place["addresses"] == [{"street": "1600 Amphitheatre Pkwy", "city": "Mountain View", "state": "CA",
                                   "zip": "94043"}]
    assert place["phones"] == ["(650) 253-0000"]
    assert (place["rating"], place["review_count"]) == (4.2, 9606)
    assert place["website"] == "https://about.google/locations/?region=north-america"
    assert place["business_status"] == "OPERATIONAL"
    # The five reviews Google chose, as they appear: stars, day, author, the reviewer's own words.
    assert [(r["rating"], r["date"], r["author"]) for r in place["reviews"]] == [
        (1.0, "2025-12-28", "Mitch Calvert"), (5.0, "2025-09-13", "Roger Hall"), (5.0, "2025-12-04", "William Bell"),
        (1.0, "2025-12-07", "Amber Allen (SurgeonDiva)"), (3.0, "2025-10-15", "Ali Alizadeh")]
    assert place["reviews"][0]["text"].startswith("In my opinion Google Maps is not a reliable source")
    assert place["reviews"][4]["text"].startswith("Visiting Google Headquarters in California")
    assert all(r["response"] is None for r in place["reviews"])  # the API has no owner responses


def test_google_field_masked_details_say_nothing_of_ratings():
    [place] = parse("google", "google/places-new-details-googleplex-fieldmask-2026.json", GOOGLEPLEX)
    assert place["name"] == "Googleplex" and place["phones"] == ["(650) 253-0000"]
    # Only postalAddress carries the address in this answer.
    assert place["addresses"] == [{"street": "1600 Amphitheatre Pkwy", "city": "Mountain View",
                                   "state": "California", "zip": "94043-1351"}]
    # No rating, no userRatingCount: unknown, never 0.
    assert (place["rating"], place["review_count"], place["reviews"]) == (None, None, [])


def test_google_text_search_of_two_bars_finds_no_physician_place():
    records = parse("google", "google/places-new-textsearch-bulldog-mpls-2026.json",
                    "https://places.googleapis.com/v1/places:searchText")
    # Two bars and grills ("The Bulldog Uptown", "The Bulldog Downtown"): no doctor's place, nothing invented.
    assert records == [{"kind": "search", "source": "google", "npi": "", "query": "", "status": "ok", "reason_code": None, "reason": "",
                        "results": []}]


# ----- Yelp Fusion ------------------------------------------------------------------------------------------------


def test_yelp_details_yelp_hq():
    [business] = parse("yelp", "yelp/fusion-business-details-yelp-hq-sf-2018.json",
                       "https://api.yelp.com/v3/businesses/4kMBvIEWPxWkWKFN__8SxQ")
    assert (business["name"], business["url"]) == ("Yelp", "https://www.yelp.com/biz/yelp-san-francisco")
    assert business["addresses"] == [{"street": "140 New Montgomery St", "city": "San Francisco", "state": "CA",
                                      "zip": "94105"}]
    assert business["phones"] == ["(415) 908-3801"]
    assert (business["rating"], business["review_count"]) == (2.0, 8422)
    assert business["specialty"] == "Mass Media" and business["practice_name"] is None
    assert business["reviews"] == [] and business["is_closed"] is False


def test_yelp_details_in_french():
    [business] = parse("yelp", "yelp/fusion-business-details-sacre-coeur-paris-2018.json",
                       "https://api.yelp.com/v3/businesses/spIGAtquYQ0S7xai5eJSuA")
    assert business["name"] == "Basilique du Sacré-Cœur de Montmartre"
    assert business["addresses"] == [{"street": "35 rue du Chevalier de la Barre", "city": "Paris", "state": "75",
                                      "zip": "75018"}]
    assert business["phones"] == ["01 53 41 89 00"]
    assert (business["rating"], business["review_count"], business["specialty"]) == (4.5, 538, "Église")


def test_yelp_search_of_twenty_obgyn_businesses_kept_in_a_script():
    path = "yelp/fusion-search-businesses-obgyn-houston-2020.js"
    records = parse("yelp", path, "https://api.yelp.com/v3/businesses/search?term=obgyn&location=Houston%2C+TX")
    assert kinds(records) == ["listing"] * 20 + ["search"]
    listings, search = records[:20], records[20]
    assert search["status"] == "ok" and search["results"] == [l["url"] for l in listings]
    first, nguyen, last = listings[0], listings[2], listings[19]
    assert (first["name"], first["rating"], first["review_count"], first["phones"]) == (
        "Complete Women's Care Center", 3.5, 29, ["(713) 791-9100"])
    assert first["addresses"] == [{"street": "5757 Woodway Ave, Ste 101", "city": "Houston", "state": "TX",
                                   "zip": "77057"}]
    assert first["url"] == "https://www.yelp.com/biz/complete-womens-care-center-houston-3"  # without utm_*
    # address3 names the clinic: the practice, not part of the street.
    assert (nguyen["name"], nguyen["practice_name"], nguyen["addresses"][0]["street"]) == (
        "Vian H Nguyen, MD", "Legacy Community Health Services", "6550 Mapleridge St")
    assert (last["name"], last["rating"], last["review_count"]) == ("Kelsey-Seybold Clinic - Tanglewood", 2.5, 66)
    for listing, raw in zip(listings, raw_json(path), strict=True):
        assert (listing["source_id"], listing["name"]) == (raw["id"], raw["name"])
        assert (listing["rating"], listing["review_count"]) == (raw["rating"], raw["review_count"])
        assert listing["phones"] == [raw["display_phone"]]
        place = listing["addresses"][0]
        assert (place["city"], place["state"], place["zip"]) == (raw["location"]["city"], "TX", raw["location"]["zip_code"])
        assert place["street"].startswith(raw["location"]["address1"])
        assert listing["reviews"] == []  # a search answer carries no reviews


# ----- NPI Registry -----------------------------------------------------------------------------------------------


def test_npi_registry_five_individuals():
    path = "nppes/npi-registry-api-f62abe-2019.json"
    records = parse("nppes", path, "https://npiregistry.cms.hhs.gov/api/?version=2.1&city=New+York+City&limit=5")
    assert kinds(records) == ["listing"] * 5 + ["search"]
    assert [r["npi"] for r in records[:5]] == ["1396949913", "1336333764", "1154556637", "1366785115", "1972910164"]
    steinberg = records[0]
    assert steinberg["name"] == "DR. AMIR S STEINBERG, M.D."
    assert steinberg["specialty"] == "Internal Medicine Medical Oncology"
    assert steinberg["url"] == "https://npiregistry.cms.hhs.gov/provider-view/1396949913"
    # The practice address and the practice location, with their phones; never the mailing address.
    assert steinberg["addresses"] == [
        {"street": "10 E 102ND ST", "city": "NEW YORK", "state": "NY", "zip": "10029-6030"},
        {"street": "1 GUSTAVE LEVY PLACE MOUNT SINAI HOSPITAL", "city": "NEW YORK CITY", "state": "NY", "zip": "10029"}]
    assert steinberg["phones"] == ["212-241-6756", "212-241-6021"]
    assert all("LARCHMONT" not in a["city"] for a in steinberg["addresses"])
    # A registry has no ratings: unknown, not 0.
    assert all(r["rating"] is None and r["review_count"] is None and r["reviews"] == [] for r in records[:5])
    for listing, raw in zip(records[:5], raw_json(path)["results"], strict=True):
        location = next(a for a in raw["addresses"] if a["address_purpose"] == "LOCATION")
        assert listing["addresses"][0]["street"] == location["address_1"]
        assert listing["phones"][0] == location["telephone_number"]


def test_npi_registry_organization():
    records = parse("nppes", "nppes/npi-registry-api-8bdc8b-2019.json",
                    "https://npiregistry.cms.hhs.gov/api/?version=2.1&number=1568946812")
    [org, search] = records
    assert (org["name"], org["practice_name"], org["npi"]) == ("CSP ANESTHESIA LLC", "CSP ANESTHESIA LLC", "1568946812")
    assert org["specialty"] == "Anesthesiology"
    assert org["addresses"] == [
        {"street": "403 PERMIAN WAY STE D", "city": "VILLA RICA", "state": "GA", "zip": "30180-3226"},
        {"street": "5505 ROSWELL RD STE 350B", "city": "ATLANTA", "state": "GA", "zip": "30342-1985"}]
    assert org["phones"] == ["888-408-0200"]  # one number for both places; the PO box (mailing) is no place
    assert search["results"] == [org["url"]]


# ----- the 2017 Healthgrades search page whose results area is a skeleton -----------------------------------------


def test_healthgrades_2017_skeleton_search_page_is_not_read_as_no_results():
    url = "https://www.healthgrades.com/usearch?where=Boston%2C%20MA%2002127&what=Orthopaedics"
    result = CliRunner().invoke(app, ["parse", "healthgrades", str(REAL / "healthgrades/usearch-empty-query-2017.html"),
                                      "--url", url])
    assert result.exit_code == 1  # not recognised: never an "ok" search without results
    assert "recognises no profile, search results or reviews" in result.output
    assert not re.search(r'"status": "ok"', result.output)
