"""NPPES NPI Registry: the official record of each roster physician, by NPI, from the public API v2.1.

``GET {base}/api/?version=2.1&number=NPI``. One result becomes one listing at ``{base}/provider-view/NPI``
(the registry's page for the NPI). ``result_count: 0`` is an ok search without results; an
``{"Errors": [...]}`` answer is an error with the registry's own description. The API is the revisit:
a known provider-view URL is checked by asking the API again, so known URLs are not fetched.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import scrapy

from crawlers.items import address, listing_record
from crawlers.spiders.base import RosterSpider, SearchOutcome

SOURCE = "nppes"


class NppesSpider(RosterSpider):
    name = "nppes"
    revisit_known_urls = False
    quality_fields = ("specialty", "address", "phone")  # the registry has no ratings

    def search_query(self, target: dict) -> str:
        return f"number={target['npi']}"

    def search_request(self, state, **kwargs) -> scrapy.Request:
        query = urlencode({"version": "2.1", "number": state.target["npi"]})
        return scrapy.Request(f"{self.base_url}/api/?{query}", **kwargs)

    def parse_search(self, response) -> SearchOutcome:
        return parse_api_response(response)


def parse_api_response(response) -> SearchOutcome:
    try:
        data = json.loads(response.text)
    except ValueError:
        return SearchOutcome(error=f"NPI Registry answer is not JSON at {response.url}")
    outcome = parse_api_json(data, provider_view_base(response.url))
    if outcome.error:
        outcome.error = f"{outcome.error} at {response.url}"
    return outcome


def provider_view_base(api_url: str) -> str:
    """``https://npiregistry.cms.hhs.gov/api/?…`` → ``https://npiregistry.cms.hhs.gov/provider-view``."""
    root = api_url.split("/api/", 1)[0] if "/api/" in api_url else api_url.split("?", 1)[0].rstrip("/")
    return f"{root}/provider-view"


def parse_api_json(data, view_base: str) -> SearchOutcome:
    if isinstance(data, dict) and data.get("Errors"):
        descriptions = [str(e.get("description") or e) for e in data["Errors"] if e]
        return SearchOutcome(error="NPI Registry error: " + "; ".join(descriptions))
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        return SearchOutcome(error="NPI Registry answer not recognised (no 'results' list)")
    return SearchOutcome(listings=[listing_from_result(r, view_base) for r in results if isinstance(r, dict)])


def listing_from_result(result: dict, view_base: str) -> dict:
    number = str(result.get("number", "")).strip()
    basic = result.get("basic") or {}
    places = [a for a in result.get("addresses") or [] if a.get("address_purpose") == "LOCATION"]
    places += list(result.get("practiceLocations") or [])
    addresses, phones = [], []
    for place in places:
        entry = address(
            _join(place.get("address_1"), place.get("address_2")),
            place.get("city") or None,
            place.get("state") or None,
            zip_code(place.get("postal_code")),
        )
        if entry not in addresses:
            addresses.append(entry)
        phone = (place.get("telephone_number") or "").strip()
        if phone and phone not in phones:
            phones.append(phone)
    return listing_record(
        source=SOURCE,
        url=f"{view_base}/{number}",
        source_id=number or None,
        name=display_name(basic),
        specialty=primary_taxonomy(result.get("taxonomies") or []),
        practice_name=basic.get("organization_name") or None,
        addresses=addresses,
        phones=phones,
        npi=number if len(number) == 10 and number.isdigit() else None,
    )


def display_name(basic: dict) -> str:
    """'DR. AMIR S STEINBERG, M.D.' from the basic block; organizations by their name."""
    if basic.get("organization_name") and not basic.get("last_name"):
        return basic["organization_name"]
    parts = [basic.get(k) for k in ("name_prefix", "first_name", "middle_name", "last_name", "name_suffix")]
    name = " ".join(p.strip() for p in parts if p and p.strip() and p.strip() != "--")
    credential = (basic.get("credential") or "").strip()
    return f"{name}, {credential}" if credential else name


def primary_taxonomy(taxonomies: list[dict]) -> str | None:
    primary = next((t for t in taxonomies if t.get("primary")), taxonomies[0] if taxonomies else None)
    return (primary or {}).get("desc") or None


def zip_code(value: str | None) -> str | None:
    """The registry's 9-digit postal codes as ZIP+4 ('288014811' → '28801-4811')."""
    digits = (value or "").strip()
    if len(digits) == 9 and digits.isdigit():
        return f"{digits[:5]}-{digits[5:]}"
    return digits or None


def _join(*parts: str | None) -> str | None:
    joined = " ".join(p.strip() for p in parts if p and p.strip())
    return joined or None
