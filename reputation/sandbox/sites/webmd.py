"""WebMD Care in the sandbox: results pages with the ``mapboxlocations`` GeoJSON, profiles and the reviews tab.

- ``GET results?q=NAME&city=CITY&state=ST&entity=provider&pagenumber=N``: results page, 10 providers a page
  (``q`` a specialty as WebMD names it, "Cardiology": every provider of it with an office in the city and state,
  the pages a walk reads),
  each provider-location a GeoJSON feature of ``mapboxlocations`` as in 2025–26 (``firstName``, ``lastName``,
  ``phone``, ``address`` and a relative ``profilelink``), and a result card (whose markup the spider does not
  rely on);
- ``GET doctor/{first}-{last}-{uuid}-overview``: profile (uuid with dashes; 404 once the listing is gone);
- ``GET doctor/{first}-{last}-{uuid}-reviews?pagenumber=N``: the reviews tab, newest first, 10 a page.
Broken: the map data moves to ``window.__providerMap = {"markers": [...]}`` and the class names get a
``-v2`` redesign (``h1.provider-name-v2``, ``.review-item-v2``, ...), so nothing the spider knows is left.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlencode, urlsplit

from reputation.sandbox.sites import Reply, Request, e, html, not_found
from reputation.sandbox.world import SiteListing, World, slug

PER_PAGE = 10
REVIEWS_PER_PAGE = 10
PROFILE = re.compile(r"doctor/[a-z0-9-]*?-([0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})-(overview|reviews)")
CITY_CENTRES = {"Portland": (-122.676, 45.523), "Beaverton": (-122.803, 45.487), "Gresham": (-122.431, 45.498),
                "Salem": (-123.035, 44.943), "Vancouver": (-122.661, 45.639), "Camas": (-122.399, 45.587)}


SEARCH_PATHS = ("results",)  # the site's search: what mode "robots_search" disallows


def handle(world: World, request: Request) -> Reply:
    rest, query, broken = request.path, request.query, request.broken
    if request.method != "GET":
        return not_found()
    if rest == "results":
        what = query.get("q", "")
        where = ", ".join(p for p in (query.get("city"), query.get("state")) if p)
        page = _page_number(query.get("pagenumber"))
        found = _specialty_in_city(world, what, query) if _is_specialty(world, what) else world.site_search("webmd", what, where)
        base = f"{request.origin}{request.prefix}"
        return html(results_page(found[(page - 1) * PER_PAGE: page * PER_PAGE], what, where, base=base,
                                 total=len(found), page=page, broken=broken, query=query))
    match = PROFILE.fullmatch(rest)
    if match:
        listing = world.site_listing("webmd", match.group(1).replace("-", ""))
        if listing is None:
            return Reply(404, "<!DOCTYPE html><html><head><title>Page Not Found | WebMD</title></head>"
                              "<body><h1>We're sorry, we can't find the page you requested.</h1></body></html>")
        base = f"{request.origin}{request.prefix}"
        if match.group(2) == "reviews":
            page = _page_number(query.get("pagenumber"))
            return html(reviews_page(listing, page, base=base, broken=broken))
        return html(profile_page(listing, base=base, broken=broken))
    if rest == "":
        return html(_page("Find a Doctor | WebMD Care", "<h1>Find a doctor</h1>", ""))
    return not_found()


def _is_specialty(world: World, what: str) -> bool:
    """Whether ``q`` names a specialty (as WebMD names them: "Cardiology") rather than a person."""
    return what.strip().lower() in {l.specialty.lower() for l in world.site_listings("webmd")}


def _specialty_in_city(world: World, what: str, query: dict) -> list[SiteListing]:
    """The providers of the specialty ``what`` with an office in the ``city`` and ``state`` asked."""
    city, state = (query.get("city") or "").strip().lower(), (query.get("state") or "").strip().lower()
    return [l for l in world.site_listings("webmd") if l.specialty.lower() == what.strip().lower()
            and any(o.city.lower() == city and (not state or o.state.lower() == state) for o in l.offices)]


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


# ----- WebMD pages, in the markup the spider parses (or, broken, in one it does not) ----------------------


def dashed(uuid_hex: str) -> str:
    h = uuid_hex.replace("-", "").lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def profile_path(listing: SiteListing, tab: str = "overview") -> str:
    return f"doctor/{slug(listing.first_name)}-{slug(listing.last_name)}-{dashed(listing.source_id)}-{tab}"


def _c(name: str, broken: bool) -> str:
    # The "broken" site went through a redesign: every class the spider reads got a new name.
    return f"{name}-v2" if broken else name


def _script_json(value) -> str:
    return json.dumps(value).replace("</", "<\\/")


def _page(title: str, main: str, scripts: str, canonical: str = "") -> str:
    link = f'<link rel="canonical" href="{e(canonical)}">' if canonical else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>{link}'
        f'<script>window.s_account="webmdcom";</script></head><body>'
        f'<header class="webmd-header"><a class="logo" href="/">WebMD</a><nav><a href="/">Find a Doctor</a>'
        f'<a href="/">Symptom Checker</a></nav></header><main>{main}</main>'
        f'<footer class="webmd-footer">&copy; WebMD LLC</footer>{scripts}</body></html>'
    )


def _coordinates(city: str, index: int) -> list[float]:
    lon, lat = CITY_CENTRES.get(city, (-122.68, 45.52))
    return [round(lon + 0.01 * math.sin(index), 5), round(lat + 0.01 * math.cos(index), 5)]


def results_page(listings: list[SiteListing], what: str, where: str, *, base: str = "https://doctor.webmd.com",
                 total: int | None = None, page: int = 1, broken: bool = False, query: dict | None = None) -> str:
    features, cards = [], []
    for number, listing in enumerate(listings):
        link = f"{urlsplit(base).path}/{profile_path(listing)}"  # relative to the site, as the real map data links
        for office_number, office in enumerate(listing.offices):
            properties = {
                "firstName": listing.first_name, "lastName": listing.last_name, "phone": office.phone,
                "address": f"{office.street}, {office.city}, {office.state} {office.zip}",
                "profilelink": f"{link}?lid={listing.source_id[:6].upper()}{office_number}",
            }
            features.append({"type": "Feature", "geometry": {"type": "Point",
                                                              "coordinates": _coordinates(office.city, len(features))},
                             "properties": properties})
        office = listing.offices[0]
        cards.append(
            f'<div class="{_c("results-card-wrap", broken)}" data-index="{number}">'
            f'<h2><a class="{_c("provider-card-name", broken)}" href="{e(link)}">{e(listing.display_name)}</a></h2>'
            f'<p class="{_c("prov-specialty", broken)}">{e(listing.specialty)}</p>'
            f'<span class="{_c("addr-text", broken)}">{e(office.street)}, {e(office.city)}, {e(office.state)} '
            f'{e(office.zip)}</span><a class="phone" href="tel:{re.sub(r"[^0-9]", "", office.phone)}">'
            f'{e(office.phone)}</a></div>'
        )
    total = len(listings) if total is None else total
    if cards:
        body = (f'<h1 class="results-title">{total} results for {e(what)} near {e(where)}</h1>'
                f'<div class="results-list" data-pagenumber="{page}">{"".join(cards)}</div>')
        if total > PER_PAGE:  # as 2025-26 pages: numbered pages, and "Next" while more follow
            link = lambda n, text: (f'<a href="{urlsplit(base).path}/results?'  # noqa: E731
                                    f'{e(urlencode({**(query or {}), "pagenumber": n}))}">{text}</a>')
            pages = -(-total // PER_PAGE)
            numbers = "".join(f"<span>{n}</span>" if n == page else link(n, n) for n in range(1, pages + 1))
            following = link(page + 1, "Next") if page < pages else ""
            body += f'<nav class="{_c("pagination", broken)}">{numbers}{following}</nav>'
    elif broken:
        body = f'<h1 class="results-title">0 providers matched {e(what)}</h1>'
    else:
        body = (f'<div class="no-results"><h2>No results found</h2><p>We couldn\'t find any matches for '
                f'"{e(what)}" near {e(where)}. Check the spelling or try a different location.</p></div>')
    collection = {"type": "FeatureCollection", "features": features}
    if broken:
        script = f'<script>window.__providerMap = {_script_json({"markers": [f["properties"] for f in features]})};</script>'
    else:
        script = (f'<script type="text/javascript">var mapboxaccesstoken = "pk.sandbox";\n'
                  f'var mapboxlocations = {_script_json(collection)};\n</script>')
    return _page(f"{what} near {where} | WebMD Care", body, script)


def _header(listing: SiteListing, broken: bool) -> str:
    rating = (f'<span class="{_c("avg-rating", broken)}">{listing.rating}</span> ' if listing.rating is not None else "")
    return (
        f'<div class="prov-header"><h1 class="{_c("provider-full-name", broken)} loc-co-fname">{e(listing.display_name)}</h1>'
        f'<div class="prov-specialty"><span class="{_c("prov-specialty-name", broken)}">{e(listing.specialty)}</span></div>'
        f'<div class="{_c("overall-rating", broken)}">{rating}'
        f'<span class="{_c("ratings-count", broken)}">{listing.rating_count} Ratings</span></div></div>'
    )


def _review_cards(reviews, broken: bool) -> str:
    cards = []
    for r in reviews:
        response = (f'<div class="{_c("provider-response", broken)}"><h4>Provider response</h4>'
                    f'<p class="{_c("response-text", broken)}">{e(r.response)}</p>'
                    f'<p class="{_c("response-date", broken)}">{r.response_date.strftime("%m/%d/%Y")}</p></div>' if r.response else "")
        cards.append(
            f'<div class="{_c("review-card", broken)}" data-review-id="{e(r.review_id)}">'
            f'<div class="{_c("review-stars", broken)}" data-rating="{r.rating}" aria-label="{r.rating} out of 5 stars"></div>'
            f'<span class="{_c("review-author", broken)}">{e(r.author)}</span> '
            f'<span class="{_c("review-date", broken)}">{r.date.strftime("%m/%d/%Y")}</span>'
            f'<p class="{_c("review-text", broken)}">{e(r.text)}</p>{response}</div>'
        )
    return "".join(cards)


def profile_page(listing: SiteListing, *, base: str = "https://doctor.webmd.com", broken: bool = False) -> str:
    locations = []
    for office in listing.offices:
        locations.append(
            f'<div class="{_c("location-line", broken)} webmd-row loc-coi-loc">'
            f'<h3 class="{_c("prov-location-name", broken)} loc-co-tplcnm">{e(office.practice_name)}</h3>'
            f'<div class="location-address loc-coi-locad"><span class="{_c("location-street", broken)}">{e(office.street)}</span><br>'
            f'<span class="{_c("location-city", broken)} loc-coi-loccty">{e(office.city)}</span>, '
            f'<span class="{_c("location-state", broken)} loc-coi-locsta">{e(office.state)}</span> '
            f'<span class="{_c("location-zipcode", broken)} loc-coi-loczip">{e(office.zip)}</span></div>'
            f'<a class="webmd-button phone-btn {_c("loc-co-tpphn", broken)}" href="tel:{re.sub(r"[^0-9]", "", office.phone)}">'
            f'{e(office.phone)}</a></div>'
        )
    accepting = "Accepting New Patients" if listing.accepting_new_patients else "Not Accepting New Patients"
    npi = (f'<div class="{_c("prov-npi", broken)}"><span class="npi-label">NPI</span> <span class="npi-number">'
           f'{e(listing.npi)}</span></div>' if listing.npi else "")
    newest = listing.newest_reviews()[:3]
    reviews = (f'<section class="reviews-preview"><h2>Patient Reviews</h2>'
               f'<div class="{_c("reviews-list", broken)}">{_review_cards(newest, broken)}</div>'
               f'<a href="{e(base)}/{profile_path(listing, "reviews")}">See all reviews</a></section>')
    main = (
        f'{_header(listing, broken)}<div class="{_c("accepting-new-patients", broken)}">{accepting}</div>{npi}'
        f'<section class="locations-section"><h2>Locations</h2>{"".join(locations)}</section>{reviews}'
    )
    return _page(f"{listing.display_name} | {listing.specialty} | WebMD Care", main,
                 '<script>window.dataLayer=[{"pageType":"provider-overview"}];</script>',
                 canonical=f"{base}/{profile_path(listing)}")


def reviews_page(listing: SiteListing, page: int, *, base: str = "https://doctor.webmd.com", broken: bool = False) -> str:
    reviews = listing.newest_reviews()
    chunk = reviews[(page - 1) * REVIEWS_PER_PAGE: page * REVIEWS_PER_PAGE]
    pages = max(1, -(-len(reviews) // REVIEWS_PER_PAGE))
    pager = "".join(
        f'<a href="{e(base)}/{profile_path(listing, "reviews")}?{urlencode({"pagenumber": n})}">{n}</a>'
        for n in range(1, pages + 1)
    )
    main = (
        f'{_header(listing, broken)}<section class="reviews-tab"><h2><span class="{_c("reviews-total-count", broken)}">'
        f'{len(reviews)}</span> Patient Reviews</h2><div class="{_c("reviews-list", broken)}">{_review_cards(chunk, broken)}'
        f'</div><nav class="reviews-pagination" data-pagenumber="{page}">{pager}</nav></section>'
    )
    return _page(f"Reviews of {listing.display_name} | WebMD Care", main, "",
                 canonical=f"{base}/{profile_path(listing, 'reviews')}")
