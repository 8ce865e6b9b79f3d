"""Google: the Places API (New), with an API key; never Google's pages.

1. Text Search: ``POST {base}/v1/places:searchText`` with ``{"textQuery": "Dr First Last, City, ST", ...}`` and the
   headers ``X-Goog-Api-Key`` and ``X-Goog-FieldMask`` (``SEARCH_FIELDS``: id, displayName, formattedAddress,
   types, primaryType, businessStatus: the Pro fields needed to choose candidates, nothing billed higher).
   The answer is ``{"places": [...]}``, or ``{}`` when nothing matches (an ok search without results).
2. Place Details: ``GET {base}/v1/places/{id}`` with the field mask ``DETAILS_FIELDS`` for each candidate: a place
   is a candidate when its ``types``/``primaryType`` name a doctor or a medical business (``DOCTOR_TYPES``), its
   ``displayName`` holds every word of the physician's last name (Text Search also answers with the clinic, the
   pharmacy next door, other doctors), and it is not ``CLOSED_PERMANENTLY``.

Listing fields: ``displayName.text`` (name), ``formattedAddress`` + ``addressComponents`` (one address: the street
is the formatted address up to the locality, so the suite stays as Google writes it; an answer with neither gives
its ``postalAddress``: ``addressLines``, ``locality``, ``administrativeArea``, ``postalCode``),
``nationalPhoneNumber`` (else the international one), ``rating`` (1-5, one decimal), ``userRatingCount``: an
answer without it (a field mask leaving the ratings out, a place nobody rated: proto3 JSON leaves out zeros)
says nothing about the count, so it is unknown (None), never 0; ``primaryTypeDisplayName`` as specialty unless
the type is a generic one ("Doctor"), and
``reviews``: at most 5, chosen by Google's relevance, never a full history; ``review_id`` is the last part of the
review's resource ``name`` (``places/{id}/reviews/{review}``), the text its ``originalText`` (the reviewer's own
words; ``text`` may be a translation), the date ``publishTime``'s day. The API has no owner responses. Extra
keys: ``website`` (websiteUri), ``google_maps_uri`` and ``business_status``.

Listing URL (``url``): ``https://www.google.com/maps/place/?q=place_id:{id}``, the public address Google documents
for a place ID. It has a query, unlike other sources' URLs, because Google offers no path-only URL for a place ID;
it is built from the ID, so it is stable (``googleMapsUri`` holds a ``cid`` that may change and is kept as an extra).
On the sandbox the same URL lives under the sandbox prefix: ``{sandbox}/google/maps/place/?q=place_id:{id}``.
``source_id`` is the place ID. A revisit of a known listing asks Place Details for its ID (no Text Search); a
``404 NOT_FOUND`` answer or a permanently closed place puts the listing URL into ``gone``: a closed practice is no
longer where patients can find the physician. A temporarily closed place stays a listing (``business_status``).
An answer under another ID (Google refreshes old place IDs) is the listing at its new URL, the old one gone.

Errors come as ``{"error": {"code", "message", "status"}}``: the search record carries the API's own message.
HTTP 401/403 (PERMISSION_DENIED: a missing key, the API not enabled) and 429 (RESOURCE_EXHAUSTED: quota) are
"blocked", as the base class treats those codes on any site (429 is retried first); anything else (400
INVALID_ARGUMENT, which is also how Google answers an invalid key; 5xx after retries) is "error". Without a key
(setting ``GOOGLE_PLACES_API_KEY``, environment ``REPMON_GOOGLE_API_KEY``) every physician gets an "error" search
record naming the missing key and nothing is requested, robots.txt included.

robots.txt: Scrapy obeys it for every request, the API's too (ROBOTSTXT_OBEY stays on: one policy for every
source). places.googleapis.com is an API host, not a site for crawlers; should its robots.txt ever disallow these
paths, the searches show as "disallowed", never as missing listings. The sandbox's robots.txt allows them.

The chain of a keyed API (no-key records, the key on every request, known URLs revisited through the API, API
error messages kept) is ``crawlers.spiders.api.ApiKeySpider``, shared with the Yelp spider.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import JsonRequest

from crawlers.items import Failed, address, listing_record, review, search_record
from crawlers.spiders.api import ApiKeySpider
from crawlers.spiders.base import SearchOutcome
from crawlers.text import collapse, name_words, response_json, response_meta
from crawlers.sources import Need

SOURCE = "google"
PUBLIC_MAPS = "https://www.google.com/maps/place/"
SEARCH_FIELDS = ",".join(f"places.{f}" for f in ("id", "displayName", "formattedAddress", "types", "primaryType",
                                                  "businessStatus"))
DETAILS_FIELDS = ",".join((
    "id", "displayName", "formattedAddress", "addressComponents", "nationalPhoneNumber", "internationalPhoneNumber",
    "websiteUri", "rating", "userRatingCount", "reviews", "googleMapsUri", "primaryType", "primaryTypeDisplayName",
    "types", "businessStatus",
))
PAGE_SIZE = 10
# Place types (Places API (New), table A, Health and Wellness) a physician's own place carries.
DOCTOR_TYPES = frozenset({"doctor", "medical_clinic", "medical_center", "hospital", "general_hospital"})
# Types too broad to be a specialty: "Doctor" says nothing the roster does not.
GENERIC_TYPES = DOCTOR_TYPES | {"health", "point_of_interest", "establishment"}
PLACE_ID_IN_URL = re.compile(r"(?:place_id[:=]|query_place_id=|/v1/places/)([A-Za-z0-9_-]{10,})")
BLOCKING_HTTP = (401, 403, 429)


# ----- the Google spider ----------------------------------------------------------------------------------------


class GoogleSpider(ApiKeySpider):
    name = "google"
    label = "Google"
    order = 20
    kind = "api"
    site_url = "https://places.googleapis.com"
    listing_domains = ("google.com",)  # Google Maps' place-ID links
    needs = (Need("GOOGLE_PLACES_API_KEY", "REPMON_GOOGLE_API_KEY", "API key"),)
    api_label = "Google Places API"
    quality_fields = ("address", "phone", "rating", "review_count")  # a place has no specialty or practice name

    def search_query(self, target: dict) -> str:
        return text_query(target)

    def search_request(self, state, **kwargs) -> scrapy.Request:
        body = {"textQuery": text_query(state.target), "pageSize": PAGE_SIZE, "languageCode": "en", "regionCode": "us"}
        headers = {**self.request_headers(), "X-Goog-FieldMask": SEARCH_FIELDS}
        meta = {"last_name": state.target.get("last_name")}
        return JsonRequest(f"{self.base_url}/v1/places:searchText", data=body, headers=headers, meta=meta, **kwargs)

    def request_headers(self) -> dict[str, str]:
        # On every request of the chain; the search sets its own field mask, so this one is the details'.
        return {"X-Goog-Api-Key": self.api_key or "", "X-Goog-FieldMask": DETAILS_FIELDS}

    def revisit_url(self, url: str) -> str | None:
        match = PLACE_ID_IN_URL.search(url)
        return f"{self.base_url}/v1/places/{match.group(1)}" if match else None

    def api_error(self, response) -> Failed | None:
        return api_error(response)

    def is_closed(self, listing: dict) -> bool:
        return listing.get("business_status") == "CLOSED_PERMANENTLY"

    def parse_search(self, response) -> SearchOutcome:
        return parse_search_answer(response, response_meta(response).get("last_name"))

    def parse_profile(self, response) -> dict | None:
        return parse_details_answer(response)

    def parse_saved(self, response) -> list[dict]:
        """A saved API answer: Place Details → its listing; Text Search → its places and a search record (the
        same choice as a crawl, without the name test: there is no physician to compare with); an error answer →
        a search record with the API's message."""
        data = response_json(response)
        if not isinstance(data, dict):
            return []
        error = error_of(data, getattr(response, "status", 200))
        if error:
            return [search_record(source=SOURCE, npi="", query="", status=error.status, reason=error.reason, reason_code=error.code)]
        root = api_root(response.url)
        if _is_search_answer(data):
            listings = [listing_from_place(p, root) for p in physician_places(data.get("places") or [])]
            listings = [l for l in listings if l]
            record = search_record(source=SOURCE, npi="", query="", status="ok", results=[l["url"] for l in listings])
            return [*listings, record]
        listing = listing_from_place(data, root)
        return [listing] if listing else []


def text_query(target: dict) -> str:
    """'Dr Jane Doe, Portland, OR': the name as patients type it, with the practice city to rank nearby first."""
    name = " ".join(p for p in (target.get("first_name"), target.get("last_name")) if p)
    where = ", ".join(p for p in (target.get("city"), target.get("state")) if p)
    return f"Dr {name}, {where}" if where else f"Dr {name}"


# ----- answers ------------------------------------------------------------------------------------------------


def api_root(url: str) -> str:
    """Where the API lives: ``https://places.googleapis.com`` or ``http://127.0.0.1:8123/google`` (a saved file:
    the real API)."""
    if url.startswith("file:") or "/v1/" not in url:
        return "https://places.googleapis.com"
    return url.split("/v1/", 1)[0]


def listing_url(place_id: str, root: str) -> str:
    """The public, stable URL of a place: Google Maps' documented place-ID link (under the sandbox, its copy)."""
    host = urlsplit(root).netloc
    base = PUBLIC_MAPS if host.endswith("googleapis.com") else f"{root}/maps/place/"
    return f"{base}?q=place_id:{quote(place_id, safe='_-')}"


def api_error(response) -> Failed | None:
    """(status, reason, code) of an API error answer, or None if ``response`` is no error answer."""
    data = response_json(response)
    return error_of(data, response.status) if isinstance(data, dict) else None


def error_of(data: dict, http_status: int = 200) -> Failed | None:
    error = data.get("error")
    if not isinstance(error, dict):
        return None
    code = error.get("code") if isinstance(error.get("code"), int) else http_status
    status = "blocked" if code in BLOCKING_HTTP or error.get("status") in ("PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
                                                                           "UNAUTHENTICATED") else "error"
    message = " ".join(str(error.get("message") or "no message").split())
    label = " ".join(str(p) for p in (code, error.get("status")) if p)
    return Failed(status, f"Google Places API error {label}: {message}", "api_error" if status == "error" else status)


def parse_search_answer(response, last_name: str | None = None) -> SearchOutcome:
    """Text Search: the Place Details URLs of the physician's places; ``{}`` is an ok search without results."""
    data = response_json(response)
    if data is None:
        return SearchOutcome(error=f"Google Places answer is not JSON at {response.url}")
    if not isinstance(data, dict) or not _is_search_answer(data):
        keys = ", ".join(sorted(data)[:5]) if isinstance(data, dict) else type(data).__name__
        return SearchOutcome(error=f"Google Places search answer not recognised (no 'places': {keys}) "
                                   f"at {response.url}")
    root = api_root(response.url)
    places = physician_places(data.get("places") or [], last_name)
    return SearchOutcome(profile_urls=[f"{root}/v1/places/{quote(p['id'], safe='_-')}" for p in places])


def _is_search_answer(data: dict) -> bool:
    # The API leaves out empty lists: a search without results answers {} (and maybe a nextPageToken-free rest).
    return isinstance(data.get("places"), list) or not data


def physician_places(places: list, last_name: str | None = None) -> list[dict]:
    """The places that can be a physician's: a doctor's or medical type, open (or only temporarily closed), and
    with every word of ``last_name`` in the name (when a name is given)."""
    wanted = name_words(last_name)
    chosen = []
    for place in places:
        if not isinstance(place, dict) or not place.get("id"):
            continue
        types = set(place.get("types") or []) | {place.get("primaryType")}
        name = _display_name(place)
        if not types & DOCTOR_TYPES or place.get("businessStatus") == "CLOSED_PERMANENTLY":
            continue
        if wanted and not wanted <= name_words(name):
            continue
        chosen.append(place)
    return chosen


def parse_details_answer(response) -> dict | None:
    """Place Details: the listing, or None when the answer is not a place (no id or no display name)."""
    data = response_json(response)
    if not isinstance(data, dict) or "error" in data:
        return None
    return listing_from_place(data, api_root(response.url))


def listing_from_place(place: dict, root: str) -> dict | None:
    """A listing of one place. What the answer leaves out (the ratings, under a field mask without them) is
    unknown, never 0."""
    place_id = place.get("id") or str(place.get("name") or "").removeprefix("places/")
    name = _display_name(place)
    if not place_id or not name:
        return None
    rating = place.get("rating")
    count = place.get("userRatingCount")
    phone = place.get("nationalPhoneNumber") or place.get("internationalPhoneNumber")
    primary = place.get("primaryType")
    specialty = _text(place.get("primaryTypeDisplayName")) if primary and primary not in GENERIC_TYPES else None
    listing = listing_record(
        source=SOURCE,
        url=listing_url(place_id, root),
        source_id=place_id,
        name=name,
        specialty=specialty,
        addresses=[a for a in [place_address(place)] if a],
        phones=[phone] if phone else [],
        rating=float(rating) if rating is not None and count != 0 else None,  # 0 ratings: no rating to show
        review_count=int(count) if count is not None else None,
        reviews=[r for r in (_review(r) for r in place.get("reviews") or [] if isinstance(r, dict)) if r],
    )
    listing["website"] = place.get("websiteUri")
    listing["google_maps_uri"] = place.get("googleMapsUri")
    listing["business_status"] = place.get("businessStatus")
    return listing


def place_address(place: dict) -> dict | None:
    """The place's address: city, state and ZIP from ``addressComponents``; the street as ``formattedAddress``
    writes it before the city ("1200 NW Everett St Suite 300, Portland, OR 97209, USA")."""
    components = {}
    for component in place.get("addressComponents") or []:
        for kind in component.get("types") or []:
            components.setdefault(kind, component)
    city_part = components.get("locality") or components.get("postal_town") or components.get("sublocality")
    city = (city_part or {}).get("longText")
    state = (components.get("administrative_area_level_1") or {}).get("shortText")
    zip_code = (components.get("postal_code") or {}).get("longText")
    formatted = " ".join(str(place.get("formattedAddress") or "").split())
    street = None
    if formatted and city and f", {city}," in formatted:
        street = formatted.split(f", {city},", 1)[0]
    elif formatted and not components:
        parts = [p.strip() for p in formatted.split(",")]
        if len(parts) >= 4:  # street[, more], city, ST zip, country
            street, city = ", ".join(parts[:-3]), parts[-3]
            state_zip = parts[-2].split()
            state, zip_code = (state_zip + [None, None])[:2]
    if street is None and components:
        number, route = (components.get(k, {}).get("longText") for k in ("street_number", "route"))
        street = " ".join(p for p in (number, route) if p) or None
        suite = components.get("subpremise", {}).get("longText")
        if street and suite:
            street = f"{street} #{suite}"
    if not (street or city or state or zip_code):
        return _postal_address(place.get("postalAddress"))
    return address(street, city, state, zip_code)


def _postal_address(postal) -> dict | None:
    """A ``postalAddress`` (google.type.PostalAddress): what an answer without formattedAddress may still carry."""
    if not isinstance(postal, dict):
        return None
    lines = [collapse(l) for l in postal.get("addressLines") or [] if collapse(l)]
    parts = (", ".join(lines) or None, collapse(postal.get("locality")), collapse(postal.get("administrativeArea")),
             collapse(postal.get("postalCode")))
    return address(*parts) if any(parts) else None


def _review(item: dict) -> dict | None:
    text = _text(item.get("originalText")) or _text(item.get("text"))
    rating = item.get("rating")
    if text is None and rating is None:
        return None
    published = str(item.get("publishTime") or "")
    return review(
        review_id=str(item.get("name") or "").rstrip("/").rsplit("/", 1)[-1] or None,
        date=published[:10] if re.match(r"\d{4}-\d{2}-\d{2}", published) else (published or None),
        rating=float(rating) if rating is not None else None,
        text=text,
        author=_text(item.get("authorAttribution"), key="displayName"),
    )


# ----- small helpers ------------------------------------------------------------------------------------------


def _display_name(place: dict) -> str | None:
    return _text(place.get("displayName"))


def _text(value, key: str = "text") -> str | None:
    """The text of a LocalizedText (``{"text", "languageCode"}``) or a plain string, whitespace collapsed."""
    return collapse(value.get(key) if isinstance(value, dict) else value)
