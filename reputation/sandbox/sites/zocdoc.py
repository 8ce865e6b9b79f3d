"""Zocdoc in the sandbox: pages carrying ``window.__REDUX_STATE__ = JSON.parse("…")``, and the reviews API.

- ``GET search?address=CITY, ST&searchQuery=NAME&searchType=name&offset=N``: search results, 10 a page, in
  the state at ``search.data.providerLocations`` (and as result cards); with ``search_query=TERM`` instead
  (Zocdoc's term for a specialty, "Cardiologist"), every provider of it with an office in the city and state:
  the pages a walk reads;
- ``GET {specialty}/{city}-{st}-{id}pm``: directory page of a specialty in a city (state ``listing.providerLocations``);
- ``GET doctor/{first}-{last}-{cred}-{id}``: profile, state ``profile.data.provider`` plus schema.org microdata
  (404 once the listing is gone);
- ``GET api/provider/{id}/reviews?page=N&pageSize=M``: ``{"reviews": [...], "totalCount": K}``, newest first;
  page 1 is the ten the profile already holds.
The state is double-encoded as on the real site: JSON text in a JS string literal, ``/``, ``<`` and ``>``
written ``\\u002F``, ``\\u003C``, ``\\u003E``. Broken: the state's keys move (``search.results.items[].doctor``,
``profilePage.provider``, the API's ``data.items``), the microdata goes and ``data-test`` becomes ``data-qa``.
Blocked: the site's bot wall, DataDome, answers 403 with its captcha page (``block_page``), as it answers plain
HTTP clients in 2025–26.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timezone

from reputation.sandbox.sites import Reply, Request, e, html, json_reply, not_found
from reputation.sandbox.world import SiteListing, World, slug

PER_PAGE = 10
REVIEWS_PER_PAGE = 10


SEARCH_PATHS = ("search",)  # the site's search: what mode "robots_search" disallows


def handle(world: World, request: Request) -> Reply:
    rest, query, broken = request.path, request.query, request.broken
    base = f"{request.origin}{request.prefix}"
    if request.method != "GET":
        return not_found()
    if rest == "search":
        what, where = query.get("searchQuery", ""), query.get("address", "")
        offset = _int(query.get("offset"), 0)
        if query.get("search_query"):  # the search box's term: a specialty in the place
            what = query["search_query"]
            found = _specialty_in_place(world, what, where)
        else:
            found = world.site_search("zocdoc", what, where)
        return html(search_page(found[offset: offset + PER_PAGE], what, where, base=base, total=len(found),
                                broken=broken))
    match = re.fullmatch(r"doctor/[a-z0-9-]*?-?(\d+)", rest)
    if match:
        listing = world.site_listing("zocdoc", match.group(1))
        if listing is None:
            return Reply(404, "<!DOCTYPE html><html><head><title>Page not found | Zocdoc</title></head>"
                              "<body><h1>Sorry, we couldn't find that page.</h1></body></html>")
        return html(profile_page(listing, base=base, broken=broken))
    match = re.fullmatch(r"api/provider/(\d+)/reviews", rest)
    if match:
        listing = world.site_listing("zocdoc", match.group(1))
        if listing is None:
            return json_reply({"error": "provider not found"}, 404)
        page, size = max(1, _int(query.get("page"), 1)), min(50, max(1, _int(query.get("pageSize"), REVIEWS_PER_PAGE)))
        return json_reply(reviews_json(listing, page, size, broken=broken))
    match = re.fullmatch(r"([a-z0-9-]+)/([a-z0-9-]+)-([a-z]{2})-(\d+)pm", rest)
    if match:
        specialty, city, state = match.group(1), match.group(2), match.group(3)
        found = [l for l in world.site_listings("zocdoc")
                 if slug(l.specialty) == specialty and slug(l.offices[0].city) == city and l.offices[0].state.lower() == state]
        return html(directory_page(found, base=base, broken=broken))
    if rest == "":
        return html(_page("Zocdoc | Find a Doctor", "<h1>Find local doctors who take your insurance</h1>", {}))
    return not_found()


# The terms of Zocdoc's search box for the specialties of the world.
SPECIALTY_TERMS = {
    "Family Medicine": "Family Physician", "Internal Medicine": "Internist", "Pediatrics": "Pediatrician",
    "Cardiology": "Cardiologist", "Orthopedic Surgery": "Orthopedic Surgeon", "Obstetrics & Gynecology": "OB-GYN",
    "Dermatology": "Dermatologist", "Neurology": "Neurologist",
}


def _specialty_in_place(world: World, term: str, where: str) -> list[SiteListing]:
    """The providers whose specialty the term names, with an office in the city and state of ``where``."""
    city, _, state = (part.strip().lower() for part in where.partition(","))
    return [l for l in world.site_listings("zocdoc")
            if SPECIALTY_TERMS.get(l.specialty, l.specialty).lower() == term.strip().lower()
            and any(o.city.lower() == city and (not state or o.state.lower() == state) for o in l.offices)]


def block_page() -> Reply:
    """DataDome's answer to a client it takes for a bot: 403, a small page loading its captcha."""
    body = ('<html lang="en"><head><title>zocdoc.com</title></head><body style="margin:0">'
            '<p id="cmsg">Please enable JS and disable any ad blocker</p><script data-cfasync="false">'
            "var dd={'rt':'c','cid':'AHrlqAAAAAMAsandbox==','hsh':'0000SANDBOX','t':'bv','s':40000,"
            "'e':'sandbox','host':'geo.captcha-delivery.com'}</script>"
            '<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script></body></html>')
    return Reply(403, body, headers={"X-DataDome": "protected", "Set-Cookie": "datadome=sandbox; Path=/"})


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


# ----- the state, double-encoded ------------------------------------------------------------------------


def redux_script(state: dict) -> str:
    """``window.__REDUX_STATE__ = JSON.parse("…")`` as Zocdoc writes it: safe inside ``<script>``."""
    literal = json.dumps(json.dumps(state, separators=(",", ":")))
    literal = literal.replace("/", "\\u002F").replace("<", "\\u003C").replace(">", "\\u003E")
    return f'<script>window.__REDUX_STATE__ = JSON.parse({literal});</script>'


def profile_path(listing: SiteListing) -> str:
    return f"doctor/{slug(listing.first_name)}-{slug(listing.last_name)}-{slug(listing.credentials)}-{listing.source_id}"


def _address_lines(street: str) -> tuple[str, str | None]:
    line1, _, line2 = street.partition(", ")
    return line1, line2 or None


def _location(listing: SiteListing, number: int, office) -> dict:
    line1, line2 = _address_lines(office.street)
    return {"id": f"lo_{int(listing.source_id) % 100000}{number}", "practiceName": office.practice_name,
            "address1": line1, "address2": line2, "city": office.city, "state": office.state, "zipCode": office.zip,
            "phone": office.phone, "isVirtual": False}


def _review(r) -> dict:
    submitted = datetime.combine(r.date, time(15, 30), tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")
    return {"reviewId": r.review_id, "overallRating": r.rating, "bedsideRating": r.rating, "waitTimeRating": r.rating,
            "comment": r.text, "submittedAt": submitted, "patientName": r.author, "isVerified": True,
            "providerResponse": {"comment": r.response, "submittedAt": f"{r.response_date.isoformat()}T12:00:00Z"} if r.response else None}


def provider_json(listing: SiteListing, base: str, *, full: bool = True) -> dict:
    provider = {
        "id": f"pr_{int(listing.source_id):x}", "monolithId": int(listing.source_id), "npi": listing.npi,
        "profileUrl": f"{base}/{profile_path(listing)}", "prenominal": "Dr.", "firstName": listing.first_name,
        "lastName": listing.last_name, "postnominal": listing.credentials, "approvedFullName": listing.display_name,
        "averageRating": listing.rating or 0, "reviewCount": listing.rating_count,
        "acceptsNewPatients": listing.accepting_new_patients, "isBookable": True,
        "specialties": [{"id": f"sp_{len(listing.specialty)}", "name": listing.specialty}],
    }
    if full:
        provider["approvedLocations"] = [_location(listing, n, o) for n, o in enumerate(listing.offices)]
        provider["reviews"] = [_review(r) for r in listing.newest_reviews()[:REVIEWS_PER_PAGE]]
        provider["statement"] = f"{listing.display_name} sees patients at {listing.offices[0].practice_name}."
    return provider


def _page(title: str, main: str, state: dict, canonical: str = "") -> str:
    link = f'<link rel="canonical" href="{e(canonical)}">' if canonical else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>{link}'
        f'<script>window.__ENV__ = {{"appName":"patient-web"}};</script></head><body>'
        f'<header data-test="header"><a href="/">Zocdoc</a><a href="/">Browse</a><a href="/">Log in</a></header>'
        f'<div id="main">{main}</div><footer>&copy; Zocdoc, Inc.</footer>{redux_script(state)}'
        f'<script src="/static/bundle.js" defer></script></body></html>'
    )


# ----- pages --------------------------------------------------------------------------------------------


def _cards(listings: list[SiteListing], base: str, broken: bool) -> str:
    test = "data-qa" if broken else "data-test"
    cards = []
    for l in listings:
        office = l.offices[0]
        cards.append(
            f'<article {test}="search-result-item"><a {test}="doctor-card-info-name" href="{e(base)}/{profile_path(l)}">'
            f'{e(l.display_name)}</a><div {test}="doctor-card-info-specialty">{e(l.specialty)}</div>'
            f'<div {test}="doctor-card-info-location">{e(office.street)}, {e(office.city)}, {e(office.state)} '
            f'{e(office.zip)}</div></article>'
        )
    return "".join(cards)


def _provider_locations(listings: list[SiteListing], base: str) -> list[dict]:
    return [{"id": f"{provider_json(l, base, full=False)['id']}|{loc['id']}", "provider": provider_json(l, base, full=False),
             "location": loc} for l in listings for loc in [_location(l, 0, l.offices[0])]]


def search_page(listings: list[SiteListing], what: str, where: str, *, base: str = "https://www.zocdoc.com",
                total: int | None = None, broken: bool = False) -> str:
    total = len(listings) if total is None else total
    entries = _provider_locations(listings, base)
    if broken:
        state = {"search": {"results": {"items": [{"doctor": x["provider"], "place": x["location"]} for x in entries],
                                        "count": total}}}
    else:
        state = {"search": {"query": {"searchQuery": what, "address": where},
                            "data": {"totalCount": total, "providerLocations": entries}}}
    return _page(f"{what} near {where} | Zocdoc", _results_body(listings, what, where, base, broken), state)


def directory_page(listings: list[SiteListing], *, base: str = "https://www.zocdoc.com", broken: bool = False) -> str:
    entries = _provider_locations(listings, base)
    state = ({"directory": {"items": entries}} if broken
             else {"listing": {"totalCount": len(entries), "providerLocations": entries}})
    return _page("Doctors near you | Zocdoc", _results_body(listings, "doctors", "", base, broken), state)


def _results_body(listings: list[SiteListing], what: str, where: str, base: str, broken: bool) -> str:
    if listings:
        return f'<h1>{e(what)} near {e(where)}</h1><div>{_cards(listings, base, broken)}</div>'
    if broken:
        return f'<h1>0 providers for {e(what)}</h1>'
    return (f'<div data-test="no-results"><h2>No results found</h2><p>We couldn\'t find "{e(what)}" near {e(where)}. '
            f'Try searching by specialty instead.</p></div>')


def profile_page(listing: SiteListing, *, base: str = "https://www.zocdoc.com", broken: bool = False) -> str:
    provider = provider_json(listing, base)
    state = {"profile": {"providerId": provider["id"], "data": {"provider": provider}}}
    if broken:
        state = {"profilePage": {"provider": provider}}
    test = "data-qa" if broken else "data-test"

    def md(prop: str | None = None, kind: str | None = None) -> str:
        # schema.org microdata attributes; the redesigned ("broken") page has none
        if broken:
            return ""
        attrs = f' itemprop="{prop}"' if prop else ""
        return attrs + (f' itemscope itemtype="https://schema.org/{kind}"' if kind else "")

    locations = "".join(
        f'<div {test}="location-card"{md("address", "PostalAddress")}><h3>{e(o.practice_name)}</h3>'
        f'<span{md("streetAddress")}>{e(o.street)}</span><br><span{md("addressLocality")}>{e(o.city)}</span>, '
        f'<span{md("addressRegion")}>{e(o.state)}</span> <span{md("postalCode")}>{e(o.zip)}</span></div>'
        f'<a {test}="location-phone" href="tel:{re.sub(r"[^0-9]", "", o.phone)}"><span{md("telephone")}>{e(o.phone)}</span></a>'
        for o in listing.offices
    )
    rating = ""
    if listing.rating_count:
        rating = (f'<div {test}="rating-summary"{md("aggregateRating", "AggregateRating")}>'
                  f'<span{md("ratingValue")}>{listing.rating}</span> '
                  f'(<span{md("reviewCount")}>{listing.rating_count}</span> reviews)</div>')
    reviews = "".join(
        f'<div{md("reviews", "Review")} {test}="review">'
        f'<div {test}="stars-svg-wrapper"{md("reviewRating", "Rating")}>'
        f'<meta{md("ratingValue")} content="{r.rating}"><svg data-rating="{r.rating}"></svg></div>'
        f'<span{md("author")}>{e(r.author)}</span> '
        f'<span{md("datePublished")}>{r.date.strftime("%B %d, %Y").replace(" 0", " ")}</span>'
        f'<p{md("reviewBody")}><span>{e(r.text)}</span></p></div>'
        for r in listing.newest_reviews()[:REVIEWS_PER_PAGE]
    )
    main = (
        f'<div{md(None, "Physician")}>'
        f'<h1 {test}="doctor-name"><span{md("name")}>{e(listing.display_name)}</span></h1>'
        f'<div {test}="doctor-specialty"{md("medicalSpecialty")}>{e(listing.specialty)}</div>{rating}'
        f'<section {test}="locations">{locations}</section><section {test}="reviews">{reviews}</section></div>'
    )
    return _page(f"{listing.display_name}, {listing.specialty} | Zocdoc", main, state,
                 canonical=f"{base}/{profile_path(listing)}")


def reviews_json(listing: SiteListing, page: int, size: int = REVIEWS_PER_PAGE, *, broken: bool = False) -> dict:
    reviews = listing.newest_reviews()
    chunk = [_review(r) for r in reviews[(page - 1) * size: page * size]]
    if broken:
        return {"data": {"items": chunk, "total": len(reviews)}}
    return {"providerId": int(listing.source_id), "page": page, "pageSize": size, "totalCount": len(reviews),
            "reviews": chunk}
