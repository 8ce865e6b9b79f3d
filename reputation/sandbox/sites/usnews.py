"""U.S. News Doctor Finder in the sandbox, from ``world.sites["usnews"]``.

- ``GET health-care/doctors/search-data?name=NAME&location=CITY, ST&page_num=N``: the JSON search answer
  ``{"doctor_search": {"results": {"doctors": {"matches": [...], "totalMatches", "page_num", "totalPages",
  "hasNextPage"}}}}``, 20 matches a page;
- ``GET doctors/{first}-{last}-{id}``: profile page (404 for an unknown id or a gone listing): JSON-LD
  ``Physician``, ``data-tracking-npi``, ``data-test-id`` markup.
Broken: the answer moves to ``{"doctorSearch": {"data": {"providers": [...]}}}``; the profile's JSON-LD
becomes a ``Person`` and its hooks are renamed (``data-testid``, ``data-track-npi``).
"""

from __future__ import annotations

import json
import re

from reputation.sandbox.sites import Reply, Request, e, html, json_reply, not_found
from reputation.sandbox.world import SiteListing, World, slug

PER_PAGE = 20
HOSPITAL = "Northwind Health Medical Center"


SEARCH_PATHS = ("health-care/doctors/search-data",)  # the site's search: what mode "robots_search" disallows


def handle(world: World, request: Request) -> Reply:
    rest, query, broken = request.path, request.query, request.broken
    if request.method != "GET":
        return not_found()
    if rest == "health-care/doctors/search-data":
        try:
            page = max(1, int(query.get("page_num") or 1))
        except ValueError:
            return json_reply({"error": "invalid page_num"}, 400)
        found = world.site_search("usnews", query.get("name", ""), query.get("location", ""))
        return json_reply(search_json(found, page, prefix=request.prefix, broken=broken))
    match = re.fullmatch(r"doctors/[a-z0-9-]*?-(\d+)", rest)
    if match:
        listing = world.site_listing("usnews", match.group(1))
        if listing is None:
            return Reply(404, "<!DOCTYPE html><html><head><title>Page Not Found | US News Health</title></head>"
                              "<body><h1>We couldn't find that page</h1></body></html>")
        return html(profile_page(listing, site=f"{request.origin}{request.prefix}", broken=broken))
    if rest == "":
        return html("<!DOCTYPE html><html><head><title>Find a Doctor | US News Health (sandbox)</title></head>"
                    "<body><h1>Doctor Finder</h1></body></html>")
    return not_found()


def profile_path(listing: SiteListing) -> str:
    return f"doctors/{slug(listing.first_name)}-{slug(listing.last_name)}-{listing.source_id}"


def match_json(listing: SiteListing, prefix: str) -> dict:
    office = listing.offices[0]
    return {
        "npi": int(listing.npi) if listing.npi else None,
        "name_prefix": "Dr.",
        "first_name": listing.first_name,
        "middle_name": listing.middle_name or None,
        "last_name": listing.last_name,
        "full_name": listing.display_name,
        "title": listing.credentials,
        "doctor_type": "Doctor",
        "specialty": listing.specialty,
        "subspecialties": [],
        "blurb": f"{listing.display_name} is a {listing.specialty.lower()} doctor in {office.city}, {office.state}.",
        "location": {"street_address": office.street, "city": office.city, "state": office.state,
                     "zip_code": office.zip},
        "phone": office.phone,
        "url": f"{prefix}/{profile_path(listing)}",
        "affiliated_hospital": HOSPITAL,
        "appointment_booking": False,
        "patient_rating": {"score": listing.rating, "count": listing.rating_count} if listing.rating_count else None,
    }


def search_json(listings: list[SiteListing], page: int, *, prefix: str = "/usnews", broken: bool = False) -> dict:
    chunk = listings[(page - 1) * PER_PAGE: page * PER_PAGE]
    matches = [match_json(l, prefix) for l in chunk]
    pages = max(1, -(-len(listings) // PER_PAGE))
    if broken:
        return {"doctorSearch": {"data": {"providers": matches, "total": len(listings), "page": page}}}
    return {"doctor_search": {"results": {"doctors": {
        "matches": matches, "totalMatches": len(listings), "page_num": page, "totalPages": pages,
        "hasNextPage": page < pages}}}}


def _hook(name: str, broken: bool) -> str:
    return f'data-testid="{name.lower()}"' if broken else f'data-test-id="{name}"'


def profile_page(listing: SiteListing, *, site: str, broken: bool = False) -> str:
    url = f"{site}/{profile_path(listing)}"
    data = {
        "@context": "http://schema.org", "@type": "Person" if broken else "Physician",
        "name": listing.display_name, "url": url,
        "medicalSpecialty": {"@type": "MedicalSpecialty", "name": listing.specialty},
        "address": [{"@type": "PostalAddress", "streetAddress": o.street, "addressLocality": o.city,
                     "addressRegion": o.state, "postalCode": o.zip} for o in listing.offices],
        "telephone": list(dict.fromkeys(o.phone for o in listing.offices)),
        "hospitalAffiliation": {"@type": "Hospital", "name": HOSPITAL},
    }
    if listing.rating_count:
        data["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": listing.rating,
                                   "ratingCount": listing.rating_count, "bestRating": 5}
    ld = json.dumps(data).replace("</", "<\\/")
    npi_attr = "data-track-npi" if broken else "data-tracking-npi"
    npi = f'<button {npi_attr}="{e(listing.npi)}">Save</button>' if listing.npi else ""
    accepting = "Accepting new patients" if listing.accepting_new_patients else "Not accepting new patients"
    ratings = (f"{listing.rating} out of 5 ({listing.rating_count} patient ratings)" if listing.rating_count
               else "No patient ratings yet")
    locations = "".join(
        f'<div {_hook("LocationCard", broken)}><h3 {_hook("location-name", broken)}>{e(o.practice_name)}</h3>'
        f'<p>{e(o.street)}<br>{e(o.city)}, {e(o.state)} {e(o.zip)}</p><a href="tel:{e(o.phone)}">{e(o.phone)}</a></div>'
        for o in listing.offices
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{e(listing.display_name)} - {e(listing.specialty)} | US News Doctors</title>'
        f'<link rel="canonical" href="{e(url)}"><script type="application/ld+json">{ld}</script></head>'
        '<body><header><nav><a href="/">U.S. News Health</a> <a href="/doctors">Find a Doctor</a></nav></header>'
        f'<main><div {_hook("HeroGraphic", broken)}><h1>{e(listing.display_name)}</h1>'
        f'<p {_hook("specialty", broken)}>{e(listing.specialty)}</p>{npi}'
        f'<span {_hook("accepting-new-patients", broken)}>{accepting}</span></div>'
        f'<section id="ratings" {_hook("PatientRatings", broken)}><h2>Patient Ratings</h2><p>{e(ratings)}</p></section>'
        f'<section id="locations"><h2>Locations</h2>{locations}</section></main>'
        '<footer>&copy; 2026 U.S. News &amp; World Report L.P.</footer></body></html>'
    )
