"""Google Places API (New) in the sandbox, and the public place page its listing URLs point to.

- ``POST v1/places:searchText`` ``{"textQuery", "pageSize"?}``: ``{"places": [...]}`` (the physicians named in the
  query, those in the query's city first, then the practice's own place, a clinic the spider must not take), or
  ``{}`` when nothing matches, as the real API answers;
- ``GET v1/places/{id}``: Place Details (``404 NOT_FOUND`` once the listing is gone);
- ``GET maps/place/?q=place_id:{id}``: the place's public page (the listing URL), a small HTML page.
The API checks what the real one does: a key (header ``X-Goog-Api-Key`` or ``?key=``; any non-empty key works but
"invalid", refused as a revoked key is: ``400 INVALID_ARGUMENT``; none → ``403 PERMISSION_DENIED``), a field mask
(header ``X-Goog-FieldMask`` or ``?fields=``; none → ``400 INVALID_ARGUMENT``, an unknown field → ``400``), and
answers with the masked fields only. Errors are
``{"error": {"code", "message", "status"}}``. A place shows its listing's first office (a place has one address),
the 5 newest reviews (Google picks 5 by relevance; the sandbox's choice is simply the newest), no owner responses;
``businessStatus`` is ``CLOSED_PERMANENTLY`` when the listing's ``extra["closed"]`` is set, and Place Details
answers for an ID in ``extra["previous_ids"]`` with the current one, as Google refreshes old IDs (tests set both).
Broken: the same data under other names (``{"results": [...]}`` with ``title`` for ``displayName``; details under
``"result"``).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

from reputation.sandbox.sites import Reply, Request, e, html, json_reply, not_found
from reputation.sandbox.world import SiteListing, World

REVIEWS_MAX = 5
INVALID_KEY = "invalid"  # the one key the sandbox refuses, as Google refuses a revoked key
PAGE_SIZE_MAX = 20
DOCTOR_TYPES = ["doctor", "health", "point_of_interest", "establishment"]
CLINIC_TYPES = ["medical_clinic", "health", "point_of_interest", "establishment"]
# Place fields the real API knows (a field mask naming anything else is refused), rendered or not.
PLACE_FIELDS = {
    "name", "id", "displayName", "types", "primaryType", "primaryTypeDisplayName", "nationalPhoneNumber",
    "internationalPhoneNumber", "formattedAddress", "shortFormattedAddress", "addressComponents", "plusCode",
    "location", "viewport", "rating", "googleMapsUri", "websiteUri", "reviews", "regularOpeningHours",
    "utcOffsetMinutes", "photos", "adrFormatAddress", "businessStatus", "iconMaskBaseUri", "iconBackgroundColor",
    "userRatingCount", "currentOpeningHours", "editorialSummary", "accessibilityOptions", "googleMapsLinks",
    "postalAddress", "pureServiceAreaBusiness", "timeZone",
}
FIELD_MASK_HELP = ("FieldMask is a required parameter. See https://cloud.google.com/apis/docs/system-parameters on "
                   "how to provide it. As an example, you can set the header 'X-Goog-FieldMask' to value "
                   "'places.displayName', 'places.id' to ask for the display name and the place id of a place.")


SEARCH_PATHS = ("v1/places:searchText",)  # the site's search: what mode "robots_search" disallows


def handle(world: World, request: Request) -> Reply:
    rest = request.path
    if rest == "v1/places:searchText":
        if request.method != "POST":
            return _error(404, "NOT_FOUND", "Method not found.")
        return _api(request, "places.", lambda mask: _search(world, request, mask))
    match = re.fullmatch(r"v1/places/([^/]+)", rest)
    if match and request.method == "GET":
        return _api(request, "", lambda mask: _details(world, request, match.group(1), mask))
    if rest == "maps/place/" and request.method == "GET":
        found = re.fullmatch(r"place_id:([A-Za-z0-9_-]+)", request.query.get("q", ""))
        listing = world.site_listing("google", found.group(1)) if found else None
        if listing is None:
            return not_found("Google Maps")
        return html(place_page(listing))
    if rest == "" and request.method == "GET":
        return html("<html><head><title>Google Places API (sandbox)</title></head><body>Places API (New)</body></html>")
    return not_found()


# ----- the API's checks ---------------------------------------------------------------------------------------


def _api(request: Request, prefix: str, answer) -> Reply:
    key = (request.headers.get("x-goog-api-key") or request.query.get("key") or "").strip()
    if not key:
        return _error(403, "PERMISSION_DENIED", "The request is missing a valid API key.")
    if key == INVALID_KEY:
        reply = _error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
        data = json.loads(reply.body)
        data["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                                     "domain": "googleapis.com", "metadata": {"service": "places.googleapis.com"}}]
        return json_reply(data, 400)
    mask = (request.headers.get("x-goog-fieldmask") or request.query.get("fields") or request.query.get("$fields")
            or "").strip()
    if not mask:
        return _error(400, "INVALID_ARGUMENT", FIELD_MASK_HELP)
    paths = [p.strip() for p in mask.split(",") if p.strip()]
    for path in paths:
        if path == "*":
            continue
        if prefix and not path.startswith(prefix):
            if path != "nextPageToken":
                return _error(400, "INVALID_ARGUMENT", f"Error expanding 'fields' parameter. Cannot find matching "
                                                       f"fields for path '{path}'.")
            continue
        if path.removeprefix(prefix).split(".")[0] not in PLACE_FIELDS:
            return _error(400, "INVALID_ARGUMENT", f"Error expanding 'fields' parameter. Cannot find matching "
                                                   f"fields for path '{path}'.")
    wanted = None if "*" in paths else [p.removeprefix(prefix) for p in paths if p.startswith(prefix) or not prefix]
    return answer(wanted)


def _error(code: int, status: str, message: str) -> Reply:
    return json_reply({"error": {"code": code, "message": message, "status": status}}, code)


def masked(place: dict, paths: list[str] | None) -> dict:
    """``place`` with only the fields the mask names (``None``: all), nested paths ("displayName.text") too."""
    if paths is None:
        return place
    out: dict = {}
    for path in paths:
        head, _, tail = path.partition(".")
        if head not in place:
            continue
        if tail and isinstance(place[head], dict):
            out.setdefault(head, {}).update(masked(place[head], [tail]))
        else:
            out[head] = place[head]
    return out


# ----- answers ------------------------------------------------------------------------------------------------


def _search(world: World, request: Request, paths: list[str] | None) -> Reply:
    try:
        body = json.loads(request.body or b"{}")
        query = str(body.get("textQuery") or "").strip()
        size = int(body.get("pageSize") or body.get("maxResultCount") or PAGE_SIZE_MAX)
    except (ValueError, TypeError, AttributeError):
        return _error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
    if not query:
        return _error(400, "INVALID_ARGUMENT", "Empty text_query.")
    if not 1 <= size <= PAGE_SIZE_MAX:
        return _error(400, "INVALID_ARGUMENT", f"page_size must be between 1 and {PAGE_SIZE_MAX}.")
    found = world.site_search("google", query, query)
    places = [place_json(world, l, request) for l in found]
    if found:  # Text Search answers with the practice too: a clinic without the physician's name
        places.append(clinic_json(found[0], request))
    places = [masked(p, paths) for p in places[:size]]
    if request.broken:
        return json_reply({"results": [_renamed(p) for p in places]})
    return json_reply({"places": places} if places else {})


def _details(world: World, request: Request, place_id: str, paths: list[str] | None) -> Reply:
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", place_id):
        return _error(400, "INVALID_ARGUMENT", f"Not a valid Place ID: {place_id}")
    listing = world.site_listing("google", place_id) or next(
        (l for l in world.site_listings("google") if place_id in l.extra.get("previous_ids", ())), None)
    if listing is None:
        return _error(404, "NOT_FOUND", "Requested entity was not found.")
    place = masked(place_json(world, listing, request), paths)
    if request.broken:
        return json_reply({"result": _renamed(place)})
    return json_reply(place)


def _renamed(place: dict) -> dict:
    # The "broken" API: a redesign that renamed its fields.
    return {("title" if k == "displayName" else "placeId" if k == "id" else k): v for k, v in place.items()}


def place_json(world: World, listing: SiteListing, request: Request) -> dict:
    """A listing as Place Details shows it, every field (the mask is applied after)."""
    office = listing.offices[0]
    digits = re.sub(r"\D", "", office.phone)[-10:]
    today = world.start + timedelta(weeks=world.week)
    place = {
        "name": f"places/{listing.source_id}",
        "id": listing.source_id,
        "types": DOCTOR_TYPES,
        "nationalPhoneNumber": office.phone,
        "internationalPhoneNumber": f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}",
        **_address_fields(office),
        "googleMapsUri": f"{request.origin}{request.prefix}/maps?cid={_cid(listing.source_id)}",
        "websiteUri": f"https://www.northwindhealth.example/find-a-doctor/{listing.first_name.lower()}-"
                      f"{listing.last_name.lower()}",
        "businessStatus": "CLOSED_PERMANENTLY" if listing.extra.get("closed") else "OPERATIONAL",
        "displayName": {"text": listing.display_name, "languageCode": "en"},
        "primaryTypeDisplayName": {"text": "Doctor", "languageCode": "en-US"},
        "primaryType": "doctor",
    }
    if listing.rating_count:  # proto3 JSON leaves out what is zero or empty
        place["rating"] = listing.rating
        place["userRatingCount"] = listing.rating_count
    reviews = [_review_json(listing, r, today, request) for r in listing.newest_reviews()[:REVIEWS_MAX]]
    if reviews:
        place["reviews"] = reviews
    return place


def clinic_json(listing: SiteListing, request: Request) -> dict:
    office = listing.offices[0]
    place_id = "ChIJ" + hashlib.sha1(office.practice_name.encode()).hexdigest()[:23]
    return {
        "name": f"places/{place_id}", "id": place_id, "types": CLINIC_TYPES, "nationalPhoneNumber": office.phone,
        **_address_fields(office), "businessStatus": "OPERATIONAL",
        "googleMapsUri": f"{request.origin}{request.prefix}/maps?cid={_cid(place_id)}",
        "displayName": {"text": office.practice_name, "languageCode": "en"},
        "primaryTypeDisplayName": {"text": "Medical Clinic", "languageCode": "en-US"}, "primaryType": "medical_clinic",
    }


def _address_fields(office) -> dict:
    line1, _, suite = office.street.partition(", ")
    number, _, route = line1.partition(" ")
    components = [
        {"longText": number, "shortText": number, "types": ["street_number"], "languageCode": "en-US"},
        {"longText": route, "shortText": route, "types": ["route"], "languageCode": "en"},
    ]
    if suite:
        unit = suite.split()[-1]
        components.insert(0, {"longText": unit, "shortText": unit, "types": ["subpremise"], "languageCode": "en-US"})
    components += [
        {"longText": office.city, "shortText": office.city, "types": ["locality", "political"], "languageCode": "en"},
        {"longText": {"OR": "Oregon", "WA": "Washington"}.get(office.state, office.state), "shortText": office.state,
         "types": ["administrative_area_level_1", "political"], "languageCode": "en"},
        {"longText": "United States", "shortText": "US", "types": ["country", "political"], "languageCode": "en"},
        {"longText": office.zip, "shortText": office.zip, "types": ["postal_code"], "languageCode": "en-US"},
    ]
    return {"formattedAddress": f"{office.street}, {office.city}, {office.state} {office.zip}, USA",
            "shortFormattedAddress": f"{office.street}, {office.city}", "addressComponents": components}


def _review_json(listing: SiteListing, r, today, request: Request) -> dict:
    days = (today - r.date).days
    ago = ("a week ago" if days < 14 else f"{days // 7} weeks ago" if days < 31 else
           "a month ago" if days < 62 else f"{days // 30} months ago" if days < 365 else
           "a year ago" if days < 730 else f"{days // 365} years ago")
    text = {"text": r.text, "languageCode": "en"}
    return {
        "name": f"places/{listing.source_id}/reviews/{r.review_id}",
        "relativePublishTimeDescription": ago,
        "rating": r.rating,
        "text": text,
        "originalText": text,
        "authorAttribution": {"displayName": r.author,
                              "uri": f"https://www.google.com/maps/contrib/{_cid(r.author)}/reviews",
                              "photoUri": "https://lh3.googleusercontent.com/a/default-user=s128-c0x00000000-cc-rp-mo"},
        "publishTime": f"{r.date.isoformat()}T17:{r.rating:02d}:31.204518Z",
        "flagContentUri": f"https://www.google.com/local/review/rap/report?postId={r.review_id}",
        "googleMapsUri": f"{request.origin}{request.prefix}/maps/reviews/data={r.review_id}",
    }


def _cid(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:15], 16)


def place_page(listing: SiteListing) -> str:
    office = listing.offices[0]
    rating = f"{listing.rating} ({listing.rating_count})" if listing.rating_count else "No reviews"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(listing.display_name)} - Google Maps'
            f'</title></head><body><div role="main"><h1>{e(listing.display_name)}</h1><div>{e(rating)}</div>'
            f'<div>Doctor</div><div>{e(office.street)}, {e(office.city)}, {e(office.state)} {e(office.zip)}</div>'
            f'<div>{e(office.phone)}</div></div></body></html>')
