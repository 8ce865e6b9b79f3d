"""Vitals in the sandbox: the 2025 Next.js pages, data in ``__NEXT_DATA__`` and a JSON-LD ``Physician``.

- ``GET search?q=NAME&location=CITY, ST``: name search (``props.pageProps.searchResults.providers[]``);
- ``GET {specialty-slug}/{st}/{city}?page=N``: the directory of a specialty in a city, 20 a page (Vitals'
  slug, ``cardiologists``): the pages a walk reads;
- ``GET doctors/{id}/{first-last}``: profile (``pageProps.provider`` + the newest 3 ``reviews``); a wrong
  name slug answers 301 to the right one; an unknown or gone id answers 404;
- ``GET doctors/{id}/{first-last}/reviews?page=N``: 12 reviews a page, newest first.
Broken: a redesign moves the data to ``pageProps.data.doctor`` / ``data.hits`` with renamed keys and drops
the JSON-LD, so the spider recognises nothing.
"""

from __future__ import annotations

import json
import re

from reputation.sandbox.sites import Reply, Request, e, html, not_found
from reputation.sandbox.world import SiteListing, World, slug

SOURCE = "vitals"
REVIEWS_PER_PAGE = 12
PROFILE_REVIEWS = 3
DIRECTORY_PAGE = 20
BUILD_ID = "vX7fK2pQ9sLmN4"


SEARCH_PATHS = ("search",)  # the site's search: what mode "robots_search" disallows


def handle(world: World, request: Request) -> Reply:
    rest, query, broken, prefix = request.path.rstrip("/"), request.query, request.broken, request.prefix
    if request.method != "GET":
        return not_found()
    if rest == "":
        return html(_page("Vitals: Find a Doctor (sandbox)", "<h1>Find a doctor</h1>", None, broken))
    if rest == "search":
        what, where = query.get("q", ""), query.get("location", "")
        found = world.site_search(SOURCE, what, where)
        return html(search_page(found, f"{what} near {where}".strip(), 1, len(found), broken=broken, prefix=prefix))
    match = re.fullmatch(r"doctors/([A-Za-z0-9]{6})/([a-z0-9-]+)(/reviews)?", rest)
    if match:
        listing = world.site_listing(SOURCE, match.group(1))
        if listing is None:
            return Reply(404, _page("Page Not Found | Vitals", "<h1>Sorry, we can't find that page.</h1>", None, False))
        if match.group(2) != profile_slug(listing):
            target = f"{prefix}/{profile_path(listing)}{match.group(3) or ''}"
            return Reply(301, "", headers={"Location": target})
        if match.group(3):
            return html(reviews_page(listing, _page_number(query), broken=broken, prefix=prefix, origin=request.origin))
        return html(profile_page(listing, broken=broken, prefix=prefix, origin=request.origin))
    match = re.fullmatch(r"([a-z0-9-]+)/([a-z]{2})/([a-z0-9-]+)", rest)
    if match:
        specialty, state, city = match.groups()
        found = [l for l in world.site_listings(SOURCE) if specialty in (specialty_slug(l.specialty), slug(l.specialty))
                 and any(o.state.lower() == state and slug(o.city) == city for o in l.offices)]
        page = _page_number(query)
        chunk = found[(page - 1) * DIRECTORY_PAGE: page * DIRECTORY_PAGE]
        title = f"{found[0].specialty if found else specialty} in {city}, {state.upper()}"
        return html(search_page(chunk, title, page, len(found), broken=broken, prefix=prefix))
    return not_found()


# Vitals' own names for specialties in its directory paths, for the specialties of the world.
SPECIALTY_SLUGS = {
    "Family Medicine": "family-practitioners", "Internal Medicine": "internists", "Pediatrics": "pediatricians",
    "Cardiology": "cardiologists", "Orthopedic Surgery": "orthopedic-surgeons",
    "Obstetrics & Gynecology": "obstetricians-gynecologists", "Dermatology": "dermatologists",
    "Neurology": "neurologists",
}


def specialty_slug(specialty: str) -> str:
    return SPECIALTY_SLUGS.get(specialty, slug(specialty))


def profile_slug(listing: SiteListing) -> str:
    return f"{slug(listing.first_name)}-{slug(listing.last_name)}"


def profile_path(listing: SiteListing) -> str:
    return f"doctors/{listing.source_id}/{profile_slug(listing)}"


def _page_number(query: dict) -> int:
    try:
        return max(1, int(query.get("page", 1)))
    except ValueError:
        return 1


# ----- the pages ----------------------------------------------------------------------------------


def _script_json(data) -> str:
    """JSON safe inside a <script> element: no "</" can close it early."""
    return json.dumps(data).replace("</", "<\\/")


def _page(title: str, main: str, data: dict | None, broken: bool, jsonld: dict | None = None) -> str:
    head = f'<meta charset="utf-8"><title>{e(title)}</title><meta name="viewport" content="width=device-width">'
    if jsonld is not None and not broken:
        head += f'<script type="application/ld+json">{_script_json(jsonld)}</script>'
    state = ""
    if data is not None:
        if broken:  # the redesign ships its state under another element id
            state = f'<script id="__APP_STATE__" type="application/json">{_script_json(data)}</script>'
        else:
            state = f'<script id="__NEXT_DATA__" type="application/json">{_script_json(data)}</script>'
    return (f'<!DOCTYPE html><html lang="en"><head>{head}</head><body><div id="__next">'
            f'<header class="Header_root__a81f2"><a href="/">Vitals</a></header>'
            f'<main class="Page_main__3c0d9">{main}</main></div>{state}</body></html>')


def _next(page: str, query: dict, page_props: dict) -> dict:
    return {"props": {"pageProps": page_props, "__N_SSP": True}, "page": page, "query": query,
            "buildId": BUILD_ID, "isFallback": False, "gssp": True, "scriptLoader": []}


def _result(listing: SiteListing, prefix: str, broken: bool) -> dict:
    office = listing.offices[0]
    if broken:
        return {"doctorId": listing.source_id, "title": listing.display_name, "profilePath": f"{prefix}/{profile_path(listing)}",
                "score": listing.rating, "ratingsTotal": listing.rating_count}
    return {"id": listing.source_id, "name": listing.display_name, "specialty": listing.specialty,
            "url": f"{prefix}/{profile_path(listing)}", "rating": listing.rating, "reviewCount": listing.rating_count,
            "location": {"city": office.city, "state": office.state}}


def search_page(listings: list[SiteListing], title: str, page: int, total: int, *, broken: bool = False,
                prefix: str = "/vitals") -> str:
    results = [_result(l, prefix, broken) for l in listings]
    if broken:
        props = {"data": {"hits": results, "hitCount": total}}
    else:
        props = {"searchResults": {"query": title, "total": total, "page": page, "perPage": DIRECTORY_PAGE,
                                   "providers": results}}
    cards = "".join(
        f'<li class="SearchCard_card__9f1b2"><a href="{prefix}/{e(profile_path(l))}">{e(l.display_name)}</a>'
        f'<span>{e(l.specialty)}</span><span>{e(l.offices[0].city)}, {e(l.offices[0].state)}</span></li>'
        for l in listings
    )
    main = (f'<h1>{total} doctors: {e(title)}</h1><ul>{cards}</ul>' if listings
            else f'<h1>No doctors found</h1><p>Try another name or location than {e(title)}.</p>')
    return _page(f"{title} | Vitals", main, _next("/search", {"q": title}, props), broken)


def _review_item(r) -> dict:
    return {"id": r.review_id, "date": r.date.isoformat(), "rating": r.rating, "title": None, "text": r.text,
            "author": r.author, "response": {"text": r.response, "date": r.response_date.isoformat()} if r.response else None}


def _provider(listing: SiteListing, prefix: str, broken: bool) -> dict:
    locations = []
    for office in listing.offices:
        line1, _, line2 = office.street.partition(", ")
        if broken:
            locations.append({"org": office.practice_name, "addr": f"{office.street}, {office.city}, {office.state} {office.zip}",
                              "tel": office.phone})
        else:
            locations.append({"practiceName": office.practice_name, "phone": office.phone,
                              "address": {"line1": line1, "line2": line2 or None, "city": office.city,
                                          "state": office.state, "zip": office.zip}})
    if broken:
        return {"doctorId": listing.source_id, "fullName": listing.display_name, "primarySpecialty": listing.specialty,
                "stars": listing.rating, "ratingsTotal": listing.rating_count, "offices": locations}
    return {"id": listing.source_id, "npi": listing.npi, "name": listing.display_name,
            "firstName": listing.first_name, "lastName": listing.last_name, "credentials": listing.credentials,
            "specialty": listing.specialty, "acceptingNewPatients": listing.accepting_new_patients,
            "rating": listing.rating, "reviewCount": listing.rating_count,
            "url": f"{prefix}/{profile_path(listing)}", "locations": locations}


def _jsonld(listing: SiteListing, root: str) -> dict:
    data = {
        "@context": "https://schema.org", "@type": "Physician", "name": listing.display_name,
        "url": f"{root}/{profile_path(listing)}", "medicalSpecialty": listing.specialty,
        "address": [{"@type": "PostalAddress", "streetAddress": o.street, "addressLocality": o.city,
                     "addressRegion": o.state, "postalCode": o.zip} for o in listing.offices],
        "telephone": list(dict.fromkeys(o.phone for o in listing.offices)),
    }
    if listing.rating_count:
        data["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": listing.rating,
                                   "reviewCount": listing.rating_count, "bestRating": 5}
    return data


def _reviews_block(listing: SiteListing, page: int, per_page: int, broken: bool) -> dict:
    reviews = listing.newest_reviews()
    chunk = [_review_item(r) for r in reviews[(page - 1) * per_page: page * per_page]]
    if broken:
        return {"entries": chunk, "count": len(reviews)}
    return {"items": chunk, "total": len(reviews), "page": page, "perPage": per_page}


def _profile_main(listing: SiteListing, reviews: list) -> str:
    offices = "".join(
        f'<div class="Location_card__1e2f"><h3>{e(o.practice_name)}</h3><p>{e(o.street)}<br>{e(o.city)}, '
        f'{e(o.state)} {e(o.zip)}</p><a href="tel:{e(re.sub(r"[^0-9]", "", o.phone))}">{e(o.phone)}</a></div>'
        for o in listing.offices
    )
    items = "".join(f'<article class="Review_item__77a1"><p>{e(r.text)}</p><span>{e(r.author)}</span> '
                    f'<time datetime="{r.date.isoformat()}">{r.date.strftime("%b %d, %Y")}</time></article>'
                    for r in reviews)
    rating = f"{listing.rating} ({listing.rating_count} ratings)" if listing.rating_count else "No ratings yet"
    return (f'<h1 class="Profile_name__2b9c">{e(listing.display_name)}</h1><p>{e(listing.specialty)}</p>'
            f'<p class="Profile_rating__0d3e">{e(rating)}</p><section>{offices}</section><section>{items}</section>')


def profile_page(listing: SiteListing, *, broken: bool = False, prefix: str = "/vitals", origin: str = "") -> str:
    query = {"id": listing.source_id, "slug": profile_slug(listing)}
    props = _profile_props(listing, 1, PROFILE_REVIEWS, broken, prefix)
    shown = listing.newest_reviews()[:PROFILE_REVIEWS]
    return _page(f"{listing.display_name}, {listing.specialty} | Vitals", _profile_main(listing, shown),
                 _next("/doctors/[id]/[slug]", query, props), broken, _jsonld(listing, origin + prefix))


def reviews_page(listing: SiteListing, page: int, *, broken: bool = False, prefix: str = "/vitals",
                 origin: str = "") -> str:
    query = {"id": listing.source_id, "slug": profile_slug(listing), "page": str(page)}
    props = _profile_props(listing, page, REVIEWS_PER_PAGE, broken, prefix)
    shown = listing.newest_reviews()[(page - 1) * REVIEWS_PER_PAGE: page * REVIEWS_PER_PAGE]
    return _page(f"Reviews of {listing.display_name} | Vitals", _profile_main(listing, shown),
                 _next("/doctors/[id]/[slug]/reviews", query, props), broken, _jsonld(listing, origin + prefix))


def _profile_props(listing: SiteListing, page: int, per_page: int, broken: bool, prefix: str) -> dict:
    provider = _provider(listing, prefix, broken)
    reviews = _reviews_block(listing, page, per_page, broken)
    return {"data": {"doctor": provider, "feedback": reviews}} if broken else {"provider": provider, "reviews": reviews}
