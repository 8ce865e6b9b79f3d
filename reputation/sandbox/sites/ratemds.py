"""RateMDs in the sandbox: ``window.DATA`` search pages, JSON-LD profiles and JSON review pages.

- ``GET best-doctors/?text=NAME&location=CITY, ST&specialty=&page=N``: search results, 10 a page, as the
  2025–26 site embeds them: ``window.DATA.doctor_list_props = JSON.parse("…")`` (the JSON escaped the way
  Django's ``escapejs`` writes it) with ``doctorPage`` {``results``, ``count``, ``total_pages``,
  ``current_page``} (without ``text``: every listing of the specialty, RateMDs' slug such as ``cardiologist``,
  in the location's city and state: the listing pages a walk reads);
- ``GET doctor-ratings/{id}/Dr-First-Last-City-ST.html``: profile, JSON-LD ``Physician`` with
  ``aggregateRating`` and ``window.DATA = {"doctor": {...}}``; a wrong slug answers 301 to the right
  one, an unknown or gone id 404;
- ``GET doctor-ratings/{id}/Dr-First-Last-City-ST.html?json=true&page=N``: reviews JSON, 10 a page,
  newest first.
Broken: a redesign drops the JSON-LD, renames ``window.DATA`` to ``window.__RMD__`` with other keys, and
the reviews JSON moves to ``{"data": {"ratings": [...]}}``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from reputation.sandbox.sites import Reply, Request, e, html, json_reply, not_found
from reputation.sandbox.world import SiteListing, World, slug

SOURCE = "ratemds"
PER_PAGE = 10


def handle(world: World, request: Request) -> Reply:
    rest, query, broken, prefix = request.path, request.query, request.broken, request.prefix
    if request.method != "GET":
        return not_found()
    if rest == "":
        return html(_page("RateMDs (sandbox)", "<h1>Find a doctor</h1>", None, broken))
    if rest.rstrip("/") == "best-doctors":
        return html(search_page(_search(world, query), query, _page_number(query), broken=broken, prefix=prefix))
    match = re.fullmatch(r"doctor-ratings/(\d+)(?:/([^/]*))?/?", rest)
    if match:
        listing = world.site_listing(SOURCE, match.group(1))
        if listing is None:
            if query.get("json") == "true":
                return json_reply({"detail": "Not found."}, 404)
            return Reply(404, _page("Page not found - RateMDs", "<h1>Sorry, this page does not exist.</h1>", None, False))
        canonical = profile_path(listing)
        if rest != canonical:
            suffix = f"?json=true&page={_page_number(query)}" if query.get("json") == "true" else ""
            return Reply(301, "", headers={"Location": f"{prefix}/{canonical}{suffix}"})
        if query.get("json") == "true":
            return json_reply(reviews_json(listing, _page_number(query), broken=broken))
        return html(profile_page(listing, broken=broken, root=request.origin + prefix))
    return not_found()


def _search(world: World, query: dict) -> list[SiteListing]:
    text, where, specialty = query.get("text", ""), query.get("location", ""), query.get("specialty", "")
    if text:
        found = world.site_search(SOURCE, text, where)
    else:
        city, _, state = (part.strip().lower() for part in where.partition(","))
        found = [l for l in world.site_listings(SOURCE)
                 if any(o.city.lower() == city and (not state or o.state.lower() == state) for o in l.offices)]
    return [l for l in found if not specialty or specialty in (specialty_slug(l.specialty), slug(l.specialty))]


# RateMDs' own names for specialties in its listing URLs (``?specialty=``), for the specialties of the world.
SPECIALTY_SLUGS = {
    "Family Medicine": "family-gp", "Internal Medicine": "internist-geriatrician", "Pediatrics": "pediatrician",
    "Cardiology": "cardiologist", "Orthopedic Surgery": "orthopedics-orthopedic-surgeon",
    "Obstetrics & Gynecology": "gynecologist-obgyn", "Dermatology": "dermatologist", "Neurology": "neurologist",
}


def specialty_slug(specialty: str) -> str:
    return SPECIALTY_SLUGS.get(specialty, slug(specialty))


def profile_path(listing: SiteListing) -> str:
    office = listing.offices[0]
    words = ["Dr", listing.first_name, listing.last_name, office.city, office.state]
    name = "-".join(quote(w.replace(" ", "+"), safe="+.") for w in words)
    return f"doctor-ratings/{listing.source_id}/{name}.html"


def _page_number(query: dict) -> int:
    try:
        return max(1, int(query.get("page", 1)))
    except ValueError:
        return 1


# ----- the pages ----------------------------------------------------------------------------------


def _script_json(data) -> str:
    """JSON safe inside a <script> element: no "</" can close it early."""
    return json.dumps(data).replace("</", "<\\/")


# What Django's ``escapejs`` escapes: the JSON text becomes a JS string literal no page text can break out of.
ESCAPEJS = {**{ord(c): f"\\u{ord(c):04X}" for c in "\\'\"<>&=-;`"}, 0x2028: "\\u2028", 0x2029: "\\u2029",
            **{c: f"\\u{c:04X}" for c in range(32)}}


def json_parse_literal(data) -> str:
    """``JSON.parse("…")`` of ``data``, as the 2025–26 pages write their props."""
    return f'JSON.parse("{json.dumps(data, ensure_ascii=False).translate(ESCAPEJS)}")'


def _page(title: str, main: str, data: dict | None, broken: bool, jsonld: dict | None = None,
          list_props: dict | None = None) -> str:
    head = f'<meta charset="utf-8"><title>{e(title)}</title>'
    if jsonld is not None and not broken:
        head += f'<script type="application/ld+json">{_script_json(jsonld)}</script>'
    state = ""
    if data is not None:
        name = "window.__RMD__" if broken else "window.DATA"
        state = f"<script>{name} = {_script_json(data)};</script>"
    if list_props is not None:
        state = ("<script>window.DATA = window.DATA || {};\n"
                 f"window.DATA.doctor_list_props = {json_parse_literal(list_props)};</script>")
    return (f'<!DOCTYPE html><html lang="en"><head>{head}</head><body><nav class="navbar"><a href="/">RateMDs</a>'
            f'</nav><div class="container">{main}</div>{state}</body></html>')


def _rating(listing: SiteListing) -> dict:
    return {"average": listing.rating, "count": listing.rating_count, "best": 5}


def _result(listing: SiteListing, prefix: str, broken: bool) -> dict:
    office = listing.offices[0]
    if broken:
        return {"pk": listing.source_id, "displayName": listing.display_name, "link": f"{prefix}/{profile_path(listing)}",
                "stars": listing.rating}
    return {"id": int(listing.source_id), "full_name": listing.display_name, "specialty_name": listing.specialty,
            "specialty": specialty_slug(listing.specialty), "url": f"{prefix}/{profile_path(listing)}", "rating": _rating(listing),
            "location": {"name": office.practice_name, "address": office.street, "postal_code": office.zip,
                         "phone_number": office.phone,
                         "city": {"name": office.city, "province_slug": office.state.lower(), "country_slug": "us"}}}


def search_page(listings: list[SiteListing], query: dict, page: int, *, broken: bool = False,
                prefix: str = "/ratemds") -> str:
    chunk = listings[(page - 1) * PER_PAGE: page * PER_PAGE]
    results = [_result(l, prefix, broken) for l in chunk]
    pages = max(1, -(-len(listings) // PER_PAGE))
    data = props = None
    if broken:
        data = {"listing": {"doctors": results, "total": len(listings)}}
    else:
        props = {"doctorPage": {"results": results, "count": len(listings), "total_pages": pages, "current_page": page},
                 "filters": {"text": query.get("text"), "location": query.get("location"),
                             "specialty": query.get("specialty") or None}}
    cards = "".join(f'<div class="search-item doctor-profile"><h2 class="search-item-doctor-name">'
                    f'<a href="{prefix}/{e(profile_path(l))}">{e(l.display_name)}</a></h2>'
                    f'<div class="search-item-specialty">{e(l.specialty)}</div></div>' for l in chunk)
    what = " ".join(v for v in (query.get("text"), query.get("location")) if v)
    main = cards or f"<h1>No doctors found</h1><p>We couldn't find a doctor matching {e(what)}.</p>"
    return _page(f"Best doctors: {what} - RateMDs", main, data, broken, list_props=props)


def _doctor(listing: SiteListing, root: str, broken: bool) -> dict:
    if broken:
        return {"pk": listing.source_id, "displayName": listing.display_name,
                "offices": [{"label": o.practice_name, "line": f"{o.street}, {o.city}, {o.state} {o.zip}", "tel": o.phone}
                            for o in listing.offices]}
    return {
        "id": int(listing.source_id), "full_name": listing.display_name, "specialty_name": listing.specialty,
        "url": f"{root}/{profile_path(listing)}", "rating": _rating(listing),
        "is_accepting_new_patients": listing.accepting_new_patients,
        "locations": [{"name": o.practice_name, "address": o.street, "city": {"name": o.city, "province_abbr": o.state},
                       "postal_code": o.zip, "phone_number": o.phone} for o in listing.offices],
    }


def _jsonld(listing: SiteListing, root: str) -> dict:
    data = {
        "@context": "http://schema.org", "@type": "Physician", "name": listing.display_name,
        "url": f"{root}/{profile_path(listing)}", "medicalSpecialty": listing.specialty,
        "address": [{"@type": "PostalAddress", "streetAddress": o.street, "addressLocality": o.city,
                     "addressRegion": o.state, "postalCode": o.zip, "addressCountry": "US"} for o in listing.offices],
        "telephone": list(dict.fromkeys(o.phone for o in listing.offices)),
    }
    if listing.rating_count:
        data["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": str(listing.rating),
                                   "ratingCount": str(listing.rating_count), "bestRating": "5", "worstRating": "1"}
    return data


def profile_page(listing: SiteListing, *, broken: bool = False, root: str = "/ratemds") -> str:
    offices = "".join(f'<div class="doctor-location"><h3>{e(o.practice_name)}</h3><p>{e(o.street)}, {e(o.city)}, '
                      f'{e(o.state)} {e(o.zip)}</p><p>{e(o.phone)}</p></div>' for o in listing.offices)
    rating = f"{listing.rating} / 5 ({listing.rating_count} ratings)" if listing.rating_count else "No ratings yet"
    main = (f'<h1>{e(listing.display_name)}</h1><div class="search-item-specialty">{e(listing.specialty)}</div>'
            f'<div class="star-rating">{e(rating)}</div>{offices}<div id="doctor-ratings"></div>')
    title = f"{listing.display_name} - {listing.specialty} - {listing.offices[0].city}, {listing.offices[0].state} - RateMDs"
    return _page(title, main, {"doctor": _doctor(listing, root, broken)}, broken, _jsonld(listing, root))


def reviews_json(listing: SiteListing, page: int, *, broken: bool = False) -> dict:
    reviews = listing.newest_reviews()
    chunk = reviews[(page - 1) * PER_PAGE: page * PER_PAGE]
    results = [
        {"id": r.review_id, "created": f"{r.date.isoformat()}T12:00:00Z", "comment": r.text, "average": float(r.rating),
         "staffRating": r.rating, "punctualityRating": r.rating, "helpfulnessRating": r.rating,
         "knowledgeRating": r.rating,
         "doctor_response": {"comment": r.response, "created": f"{r.response_date.isoformat()}T12:00:00Z"} if r.response else None}
        for r in chunk
    ]
    if broken:
        return {"data": {"ratings": results, "total": len(reviews)}}
    return {"results": results, "count": len(reviews), "total_pages": max(1, -(-len(reviews) // PER_PAGE)),
            "current_page": page}
