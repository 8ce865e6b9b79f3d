"""NPPES NPI Registry: the official record of each roster physician, from the public API v2.1.

By number first: ``GET {base}/api/?version=2.1&number=NPI``. The registry by NPI is authoritative for a
roster physician, so when it knows the number under the target's last name that one answer is the search.
By name and state only when the number does not lead to the physician:
- the registry does not know the NPI (``result_count: 0``; a typo in the roster, most likely), or the NPI
  is not ten digits at all (the registry would only answer an error);
- the registry knows the NPI under a name sharing no word with the target's last name (a typo that hits
  another provider's NPI).
Then ``GET {base}/api/?version=2.1&first_name=&last_name=&state=&use_first_name_alias=True&limit=200``
(the state of the target's practice; the alias flag makes "Bob" find "Robert" and the other way round),
``skip`` paging on while a page comes back full, up to the API's ~1,200 results. Every result becomes a
listing and the search's results (after the NPI's own listing, if any): the namesakes and a second
enumeration of the same person are all candidates, and the matcher decides. The search record's
``query`` names both searches when the second was made.

One result becomes one listing at ``{base}/provider-view/NPI`` (the registry's page for the NPI).
``result_count: 0`` is an ok search without results; an ``{"Errors": [...]}`` answer is an error with the
registry's own description. The API is the revisit: a known provider-view URL is checked by asking the
API again, so known URLs are not fetched.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import scrapy

from crawlers.blocking import block_reason
from crawlers.items import address, listing_record
from crawlers.spiders.base import RosterSpider, SearchOutcome, TargetState
from crawlers.text import name_words

SOURCE = "nppes"
NAME_LIMIT = 200  # the API's largest page
NAME_SKIP_MAX = 1000  # the API refuses to skip further


class NppesSpider(RosterSpider):
    name = "nppes"
    label = "NPPES"
    order = 10
    kind = "directory"
    site_url = "https://npiregistry.cms.hhs.gov"
    revisit_known_urls = False
    planned_profiles_per_search = 0  # the registry's answer is the listing
    quality_fields = ("specialty", "address", "phone")  # the registry has no ratings

    def search_query(self, target: dict) -> str:
        return f"number={target['npi']}"

    def search_request(self, state: TargetState, **kwargs) -> scrapy.Request:
        if not re.fullmatch(r"\d{10}", state.target["npi"]):
            state.query = name_query(state.target)
            return self._name_request(state, 0, errback=kwargs["errback"])
        query = urlencode({"version": "2.1", "number": state.target["npi"]})
        return scrapy.Request(f"{self.base_url}/api/?{query}", **{**kwargs, "callback": self._on_number_answer})

    def parse_search(self, response) -> SearchOutcome:
        return parse_api_response(response)

    def _on_number_answer(self, response, state: TargetState):
        outcome = None if block_reason(response) else parse_api_response(response)
        if outcome is None or outcome.error or not needs_name_search(state.target, outcome):
            yield from self.on_search(response, state)  # the base class's ordinary ending
            return
        for listing in outcome.listings:  # the NPI's own record, under another name: still a candidate
            state.results.append(listing["url"])
            yield self.count_listing(listing)
        state.query = f"{state.query}, then {name_query(state.target)}"
        self.inc_stat("name_searches")
        yield self._name_request(state, 0, errback=self.on_failure)

    def _name_request(self, state: TargetState, skip: int, errback) -> scrapy.Request:
        query = name_search_params(state.target, skip)
        return scrapy.Request(f"{self.base_url}/api/?{urlencode(query)}", callback=self._on_name_answer,
                              errback=errback, dont_filter=True, cb_kwargs={"state": state, "skip": skip})

    def _on_name_answer(self, response, state: TargetState, skip: int):
        blocked = block_reason(response)
        if blocked:
            yield self.finish(state, "blocked", blocked)
            return
        outcome = parse_api_response(response)
        if outcome.error:
            yield self.finish(state, "error", outcome.error, outcome.code)
            return
        for listing in outcome.listings:
            if listing["url"] not in state.results:
                state.results.append(listing["url"])
                yield self.count_listing(listing)
        if len(outcome.listings) >= NAME_LIMIT:
            if skip + NAME_LIMIT <= NAME_SKIP_MAX:
                yield self._name_request(state, skip + NAME_LIMIT, errback=self.on_failure)
                return
            self.inc_stat("name_results_capped")
        yield from self.next_step(state)  # searched, nothing queued: the ok search record


def name_query(target: dict) -> str:
    """The name search as the search record's query names it."""
    params = name_search_params(target, 0)
    return "&".join(f"{k}={params[k]}" for k in ("first_name", "last_name", "state") if k in params)


def name_search_params(target: dict, skip: int) -> dict:
    params = {"version": "2.1", "first_name": (target.get("first_name") or "").strip(),
              "last_name": (target.get("last_name") or "").strip()}
    if target.get("state"):
        params["state"] = str(target["state"]).strip().upper()
    params |= {"use_first_name_alias": "True", "limit": NAME_LIMIT}
    if skip:
        params["skip"] = skip
    return params


def needs_name_search(target: dict, outcome: SearchOutcome) -> bool:
    """Whether the answer by number misses the target: no result, or none sharing a word of the target's last
    name (so "Hiza-Ross" on the roster and "HIZA" in the registry are the same person; "Smith" is not)."""
    last = name_words(target.get("last_name"))
    if not last:
        return False
    return not any(last & name_words(listing["name"].split(",", 1)[0]) for listing in outcome.listings)


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
    """``https://npiregistry.cms.hhs.gov/api/?…`` → ``https://npiregistry.cms.hhs.gov/provider-view``; an answer
    read from a file links to the registry itself."""
    if not api_url.startswith(("http://", "https://")):
        return f"{NppesSpider.site_url}/provider-view"
    root = api_url.split("/api/", 1)[0] if "/api/" in api_url else api_url.split("?", 1)[0].rstrip("/")
    return f"{root}/provider-view"


def parse_api_json(data, view_base: str) -> SearchOutcome:
    if isinstance(data, dict) and data.get("Errors"):
        descriptions = [str(e.get("description") or e) for e in data["Errors"] if e]
        return SearchOutcome(error="NPI Registry error: " + "; ".join(descriptions), code="api_error")
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
