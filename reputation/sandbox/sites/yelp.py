"""Yelp in the sandbox: the Fusion API (v3) and the public business page its listing URLs point to.

- ``GET v3/businesses/search?term=&location=&categories=&limit=&offset=``: ``{"businesses", "total", "region"}``,
  the physicians named in ``term``, those in ``location``'s city first (``categories`` other than ``physicians`` or
  one of its children finds nobody);
- ``GET v3/businesses/{id or alias}``: business details (``404 BUSINESS_NOT_FOUND`` once the listing is gone);
- ``GET v3/businesses/{id or alias}/reviews``: ``{"reviews", "total", "possible_languages"}``, the 3 newest
  reviews as excerpts (cut at 160 characters, as Yelp's);
- ``GET biz/{alias}``: the public business page, with a JSON-LD ``LocalBusiness`` (aggregateRating, address,
  telephone, the 20 newest reviews), ``<link rel=canonical>`` and ``<meta name="yelp-biz-id">``.
The API wants ``Authorization: Bearer KEY`` (any non-empty key works but "invalid"; none → ``401 TOKEN_MISSING``, an
empty one or "invalid" → ``401 TOKEN_INVALID``) and answers errors as ``{"error": {"code", "description"}}``
(``400 VALIDATION_ERROR`` for a missing location or a limit over 50). A business shows its listing's first office
(a business is one place); ``rating`` is rounded to half stars, as Yelp's (``yelp_rating``), 0 when nobody rated;
``is_closed`` is true when the listing's ``extra["closed"]`` is set, and an alias in ``extra["previous_aliases"]``
still finds the business, as Yelp's renamed aliases do; with ``extra["unavailable"]`` details and reviews answer
``403 BUSINESS_UNAVAILABLE`` (Yelp withholds some businesses' details; tests set all three).
Broken: the same data under other names (``{"data": {"items"}}``, ``business_name``; reviews under ``items``; the
business page's data in a plain JSON blob instead of JSON-LD).
"""

from __future__ import annotations

import hashlib
import json
import math
import re

from reputation.sandbox.sites import Reply, Request, e, html, json_reply, not_found
from reputation.sandbox.world import SiteListing, World

LIMIT_MAX = 50
INVALID_KEY = "invalid"  # the one key the sandbox refuses, as Yelp refuses a revoked one
REVIEWS_MAX = 3
EXCERPT = 160
PAGE_REVIEWS = 20
# Healthgrades-style specialty -> Yelp category (alias, title); all are children of "physicians".
CATEGORIES = {
    "Family Medicine": ("familydr", "Family Practice"),
    "Internal Medicine": ("internalmed", "Internal Medicine"),
    "Pediatrics": ("pediatricians", "Pediatricians"),
    "Cardiology": ("cardiology", "Cardiologists"),
    "Orthopedic Surgery": ("orthopedists", "Orthopedists"),
    "Obstetrics & Gynecology": ("obgyn", "Obstetricians & Gynecologists"),
    "Dermatology": ("dermatology", "Dermatologists"),
    "Neurology": ("neurologist", "Neurologist"),
}
STATES = {"OR": "Oregon", "WA": "Washington"}


SEARCH_PATHS = ("v3/businesses/search",)  # the site's search: what mode "robots_search" disallows


def handle(world: World, request: Request) -> Reply:
    rest = request.path
    if request.method != "GET":
        return not_found()
    match = re.fullmatch(r"biz/([^/]+)", rest)
    if match:
        listing = find_business(world, match.group(1))
        if listing is None:
            return not_found("Yelp")
        return html(biz_page(listing, request))
    if not rest.startswith("v3/"):
        if rest == "":
            return html("<html><head><title>Yelp Fusion (sandbox)</title></head><body>Yelp Fusion API</body></html>")
        return not_found()
    refused = _check_token(request)
    if refused:
        return refused
    if rest == "v3/businesses/search":
        return _search(world, request)
    match = re.fullmatch(r"v3/businesses/([^/]+)(/reviews)?", rest)
    if match:
        listing = find_business(world, match.group(1))
        if listing is None:
            return _error(404, "BUSINESS_NOT_FOUND", "The requested business could not be found.")
        if listing.extra.get("unavailable"):
            return _error(403, "BUSINESS_UNAVAILABLE", "We may not be able to provide details for certain "
                                                       "businesses, for example if they do not have any reviews yet.")
        if match.group(2):
            return json_reply(reviews_json(listing, request))
        return json_reply(business_json(listing, request, details=True))
    return _error(404, "NOT_FOUND", "Resource could not be found.")


def find_business(world: World, id_or_alias: str) -> SiteListing | None:
    listing = world.site_listing("yelp", id_or_alias)
    if listing is None:
        listing = next((l for l in world.site_listings("yelp") if l.extra.get("alias") == id_or_alias
                        or id_or_alias in l.extra.get("previous_aliases", ())), None)
    return listing


def _check_token(request: Request) -> Reply | None:
    header = request.headers.get("authorization")
    if header is None:
        return _error(401, "TOKEN_MISSING", "An access token must be supplied in order to use this endpoint.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or token.strip() == INVALID_KEY:
        return _error(401, "TOKEN_INVALID", "Invalid access token or authorization header.")
    return None


def _error(status: int, code: str, description: str) -> Reply:
    return json_reply({"error": {"code": code, "description": description}}, status)


def _search(world: World, request: Request) -> Reply:
    query = request.query
    term, location = query.get("term", "").strip(), query.get("location", "").strip()
    if not location and not (query.get("latitude") and query.get("longitude")):
        return _error(400, "VALIDATION_ERROR", "Please specify a location or a latitude and longitude")
    try:
        limit, offset = int(query.get("limit") or 20), int(query.get("offset") or 0)
    except ValueError:
        return _error(400, "VALIDATION_ERROR", "limit and offset must be integers")
    if not 0 <= limit <= LIMIT_MAX:
        return _error(400, "VALIDATION_ERROR", f"The supplied limit: {limit} is invalid, the maximum is {LIMIT_MAX}.")
    if offset + limit > 1000:
        return _error(400, "VALIDATION_ERROR", "Too many results requested, limit+offset must be <= 1000.")
    wanted = {c.strip() for c in query.get("categories", "").split(",") if c.strip()}
    known = {"physicians"} | {alias for alias, _ in CATEGORIES.values()}
    found = world.site_search("yelp", term, location) if term and (not wanted or wanted & known) else []
    businesses = [business_json(l, request, distance=(i + 1) * 1609.3) for i, l in enumerate(found)]
    page = businesses[offset: offset + limit]
    if request.broken:
        return json_reply({"data": {"items": [_renamed(b) for b in page], "count": len(businesses)}})
    return json_reply({"businesses": page, "total": len(businesses),
                       "region": {"center": {"longitude": -122.6765, "latitude": 45.5231}}})


def _renamed(business: dict) -> dict:
    # The "broken" API: a redesign that renamed its fields.
    names = {"name": "business_name", "id": "biz_id", "location": "address", "review_count": "reviews_total"}
    return {names.get(k, k): v for k, v in business.items()}


def yelp_rating(listing: SiteListing) -> float:
    """The rating as Yelp shows it: rounded to half stars (0 when nobody rated)."""
    if not listing.rating_count:
        return 0.0
    return math.floor(listing.rating_sum / listing.rating_count * 2 + 0.5) / 2


def _alias(listing: SiteListing) -> str:
    return listing.extra.get("alias") or listing.source_id


def _tracking(listing: SiteListing) -> str:
    return (f"adjust_creative={listing.source_id}&utm_campaign=yelp_api_v3&utm_medium=api_v3_business_search"
            f"&utm_source={listing.source_id}")


def _location(office) -> dict:
    line1, _, line2 = office.street.partition(", ")
    return {
        "address1": line1, "address2": line2, "address3": "", "city": office.city, "zip_code": office.zip,
        "country": "US", "state": office.state,
        "display_address": [line1, *([line2] if line2 else []), f"{office.city}, {office.state} {office.zip}"],
    }


def business_json(listing: SiteListing, request: Request, *, details: bool = False, distance: float = 0.0) -> dict:
    office = listing.offices[0]
    digits = re.sub(r"\D", "", office.phone)[-10:]
    alias, title = CATEGORIES.get(listing.specialty, ("physicians", "Doctors"))
    photo = hashlib.sha1(listing.source_id.encode()).hexdigest()[:22]
    business = {
        "id": listing.source_id,
        "alias": _alias(listing),
        "name": listing.display_name,
        "image_url": f"https://s3-media2.fl.yelpcdn.com/bphoto/{photo}/o.jpg",
        "is_closed": bool(listing.extra.get("closed")),
        "url": f"{request.origin}{request.prefix}/biz/{_alias(listing)}?{_tracking(listing)}",
        "review_count": listing.rating_count,
        "categories": [{"alias": alias, "title": title}],
        "rating": yelp_rating(listing),
        "coordinates": {"latitude": 45.52 + int(photo[:4], 16) / 1e6, "longitude": -122.68 - int(photo[4:8], 16) / 1e6},
        "transactions": [],
        "location": _location(office),
        "phone": f"+1{digits}",
        "display_phone": office.phone,
    }
    if details:
        business.update({"is_claimed": listing.accepting_new_patients, "photos": [business["image_url"]],
                         "hours": [{"open": [{"is_overnight": False, "start": "0800", "end": "1700", "day": d}
                                             for d in range(5)], "hours_type": "REGULAR", "is_open_now": False}]})
    else:
        business["distance"] = round(distance, 2)
    if request.broken:
        business = _renamed(business)
    return business


def reviews_json(listing: SiteListing, request: Request) -> dict:
    reviews = []
    for r in listing.newest_reviews()[:REVIEWS_MAX]:
        text = r.text if len(r.text) <= EXCERPT else r.text[:EXCERPT].rsplit(" ", 1)[0] + "..."
        user = hashlib.sha1(r.author.encode()).hexdigest()[:22]
        reviews.append({
            "id": r.review_id,
            "url": f"{request.origin}{request.prefix}/biz/{_alias(listing)}?hrid={r.review_id}&{_tracking(listing)}",
            "text": text,
            "rating": r.rating,
            "time_created": f"{r.date.isoformat()} 10:{r.rating:02d}:07",
            "user": {"id": user, "profile_url": f"https://www.yelp.com/user_details?userid={user}",
                     "image_url": None, "name": r.author},
        })
    if request.broken:
        return {"items": reviews, "count": listing.rating_count}
    return {"reviews": reviews, "total": listing.rating_count, "possible_languages": ["en"]}


def biz_page(listing: SiteListing, request: Request) -> str:
    office = listing.offices[0]
    url = f"{request.origin}{request.prefix}/biz/{_alias(listing)}"
    _, title = CATEGORIES.get(listing.specialty, ("physicians", "Doctors"))
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": listing.display_name,
        "image": f"https://s3-media2.fl.yelpcdn.com/bphoto/{listing.source_id}/ls.jpg",
        "telephone": office.phone,
        "address": {"@type": "PostalAddress", "streetAddress": office.street, "addressLocality": office.city,
                    "addressRegion": office.state, "postalCode": office.zip, "addressCountry": "US"},
        "review": [
            {"@type": "Review", "author": {"@type": "Person", "name": r.author}, "datePublished": r.date.isoformat(),
             "reviewRating": {"@type": "Rating", "ratingValue": r.rating}, "description": r.text}
            for r in listing.newest_reviews()[:PAGE_REVIEWS]
        ],
    }
    if listing.rating_count:
        data["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": yelp_rating(listing),
                                   "reviewCount": listing.rating_count}
    blob = json.dumps(data).replace("</", "<\\/")
    script = (f'<script type="application/json" id="biz-data">{blob}</script>' if request.broken
              else f'<script type="application/ld+json">{blob}</script>')
    reviews = "".join(
        f'<li class="review__09f24"><p class="user-name">{e(r.author)}</p><span aria-label="{r.rating} star rating">'
        f'</span><span>{r.date.strftime("%b %d, %Y")}</span><p class="comment__09f24"><span lang="en">{e(r.text)}'
        f'</span></p></li>'
        for r in listing.newest_reviews()[:PAGE_REVIEWS]
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{e(listing.display_name)} - {e(office.city)}, {e(office.state)} - Yelp</title>'
        f'<link rel="canonical" href="{e(url)}"><meta property="og:url" content="{e(url)}">'
        f'<meta name="yelp-biz-id" content="{e(listing.source_id)}">{script}</head>'
        f'<body><header><nav><a href="/">Yelp</a> <a href="/writeareview">Write a Review</a></nav></header>'
        f'<main><h1 class="css-1se8maq">{e(listing.display_name)}</h1>'
        f'<p><a href="/search?cflt=physicians">{e(title)}</a></p>'
        f'<p>{e(office.street)}, {e(office.city)}, {e(office.state)} {e(office.zip)}</p><p>{e(office.phone)}</p>'
        f'<section aria-label="Recommended Reviews"><ul>{reviews}</ul></section></main></body></html>'
    )
