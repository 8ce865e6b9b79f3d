"""Sharecare in the sandbox: Healthgrades' listings syndicated at providers.sharecare.com.

The world keeps no Sharecare listings of its own: ``world.site_search("sharecare", ...)`` and
``world.site_listing("sharecare", pwid)`` give the Healthgrades listings, shown here.

- ``GET find-a-doctor/search?name=NAME&location=CITY, ST``: search by name (our design; same page as below);
- ``GET find-a-doctor/specialty/{slug}?location=CITY, ST``: the real site's specialty search pages;
- ``GET doctor/{slug}``: profile (404 once the listing is gone). ``{slug}`` is ``dr-first[-m]-last``; when
  two listings share it, all but the first (by pwid) end in ``-{pwid}``, as on the real site.
Search pages carry the 2025–26 result cards (``article.ProviderCardAlternative`` with ``data-pwid``), a JSON-LD
``SearchResultsPage`` (``provider[]`` Physicians) and the tealium data naming each result's ``hgProfileKey``;
profiles a JSON-LD ``Physician`` and the tealium ``hgProfileKey``.
Broken: search results become a ``CollectionPage``/``ItemList``, the cards ``ProviderTile`` with
``data-provider-id``, the profile a ``Person``, and the tealium key is renamed ``hgProviderId``.
"""

from __future__ import annotations

import json
import re
import weakref

from reputation.sandbox.sites import Reply, Request, e, html, not_found
from reputation.sandbox.world import SiteListing, World, slug

MAX_RESULTS = 28
REVIEWS_SHOWN = 10
_slugs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


SEARCH_PATHS = ("find-a-doctor/search",)  # the site's search: what mode "robots_search" disallows


def handle(world: World, request: Request) -> Reply:
    rest, query, broken = request.path, request.query, request.broken
    site = f"{request.origin}{request.prefix}"
    if request.method != "GET":
        return not_found()
    if rest == "find-a-doctor/search":
        what, where = query.get("name", ""), query.get("location", "")
        found = world.site_search("sharecare", what, where)[:MAX_RESULTS]
        return html(search_page(world, found, what, where, site=site, broken=broken))
    match = re.fullmatch(r"find-a-doctor/specialty/([a-z0-9-]+)", rest)
    if match:
        where = query.get("location", "")
        found = [l for l in world.site_listings("sharecare") if slug(l.specialty) == match.group(1)]
        found.sort(key=lambda l: (l.offices[0].city.lower() not in where.lower(), l.source_id))
        return html(search_page(world, found[:MAX_RESULTS], match.group(1).replace("-", " ").title(), where,
                                site=site, broken=broken))
    match = re.fullmatch(r"doctor/([a-z0-9-]+)", rest)
    if match:
        pwid = profile_slugs(world).get(match.group(1))
        listing = world.site_listing("sharecare", pwid) if pwid else None
        if listing is None:
            return Reply(404, "<!DOCTYPE html><html><head><title>Page Not Found | Sharecare</title></head>"
                              "<body><h1>Sorry, we can't find that page.</h1></body></html>")
        return html(profile_page(world, listing, site=site, broken=broken))
    if rest == "":
        return html("<!DOCTYPE html><html><head><title>Find a Doctor | Sharecare (sandbox)</title></head>"
                    "<body><h1>Find a doctor</h1></body></html>")
    return not_found()


def profile_slugs(world: World) -> dict[str, str]:
    """Profile slug -> pwid for every listing, gone ones included, so a slug never changes owner."""
    listings = world.healthgrades
    cached = _slugs.get(world)
    if cached is None or cached[0] != len(listings):
        by_slug: dict[str, str] = {}
        for listing in sorted(listings.values(), key=lambda l: l.source_id):
            name = base_slug(listing)
            by_slug[name if name not in by_slug else f"{name}-{listing.source_id}"] = listing.source_id
        cached = (len(listings), by_slug)
        _slugs[world] = cached
    return cached[1]


def profile_path(world: World, listing: SiteListing) -> str:
    pwid = listing.source_id
    return "doctor/" + next(s for s, p in profile_slugs(world).items() if p == pwid)


def base_slug(listing: SiteListing) -> str:
    middle = [listing.middle_name[:1]] if listing.middle_name else []
    return slug(" ".join(["dr", listing.first_name, *middle, listing.last_name]))


def _ld(data) -> str:
    # JSON inside <script>: "</" would end the script early, whatever the text says.
    text = json.dumps(data).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _address(office) -> dict:
    return {"@type": "PostalAddress", "streetAddress": office.street, "addressLocality": office.city,
            "addressRegion": office.state, "postalCode": office.zip}


def _tealium(channel: str, extra: str) -> str:
    data = (f"utag.schemaTypes=['healthgrades.PageMetaData.v4'];utag.SyndicatedSite=sharecare;"
            f"utag.Channel={channel};utag.siteSection={channel};{extra}")
    return f'<div class="tealium-info" data-tealium-data="{e(data)}" data-tealium-suppress-load=""></div>'


def _page(title: str, body: str, tealium: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{e(title)}</title><meta name="viewport" content="width=device-width, initial-scale=1">{head}</head>'
        f'<body class="Page-body">{tealium}'
        '<header class="Page-header"><nav class="Navigation"><a href="/">Sharecare</a> '
        '<a href="/find-a-doctor">Find a Doctor</a> <a href="/health">Health Topics</a></nav></header>'
        f'<main class="Page-main">{body}</main>'
        '<footer class="Page-footer">Provider data supplied by Healthgrades. &copy; 2026 Sharecare, Inc.</footer>'
        '</body></html>'
    )


def search_page(world: World, listings: list[SiteListing], what: str, where: str, *, site: str,
                broken: bool = False) -> str:
    people, items, cards = [], [], []
    key_name = "hgProviderId" if broken else "hgProfileKey"
    for position, listing in enumerate(listings):
        office = listing.offices[0]
        url = f"{site}/{profile_path(world, listing)}"
        people.append({"@context": "http://schema.org", "@type": "Physician", "address": _address(office),
                       "image": f"//photos.healthgrades.com/img/prov/{'/'.join(listing.source_id[:3].upper())}/"
                                f"{listing.source_id.upper()}_w90h120_v1.jpg",
                       "name": listing.display_name, "telephone": office.phone, "url": url})
        items.append(f"{{'{key_name}':'{listing.source_id.upper()}','position':{position}}}")
        card, pwid = ("ProviderTile", "data-provider-id") if broken else ("ProviderCardAlternative", "data-pwid")
        cards.append(f'<article class="{card}" {pwid}="{e(listing.source_id.upper())}" data-href="{e(url)}">'
                     f'<a class="{card}-header" href="{e(url)}"><h3 class="{card}-title">{e(listing.display_name)}</h3>'
                     f'<div class="{card}-meta"><span>{e(listing.specialty)}</span></div></a>'
                     f'<div class="{card}-location-button-content">{e(office.street)} {e(office.city)}, '
                     f'{e(office.state)} {e(office.zip)}</div><a href="tel:{e(office.phone)}">{e(office.phone)}</a>'
                     '</article>')
    if broken:
        data = {"@context": "http://schema.org", "@type": "CollectionPage",
                "mainEntity": {"@type": "ItemList", "itemListElement": people}}
    else:
        data = {"@context": "http://schema.org", "@type": "SearchResultsPage", "provider": people}
    tealium = _tealium("results", f"utag.ResultsWhat={what};utag.ResultsWhere={where};listItems=[{','.join(items)}];")
    if cards:
        body = f'<h1>{len(cards)} results for {e(what)} near {e(where)}</h1><section class="ResultsList">{"".join(cards)}</section>'
    elif broken:
        body = f"<h1>0 doctors match {e(what)}</h1>"
    else:
        body = (f'<div class="NoResults"><h1>No results found</h1><p>We couldn\'t find any providers named '
                f'"{e(what)}" near {e(where)}. Try another spelling.</p></div>')
    return _page(f"{what} near {where} | Find a Doctor | Sharecare", body + _ld(data), tealium)


def profile_page(world: World, listing: SiteListing, *, site: str, broken: bool = False) -> str:
    url = f"{site}/{profile_path(world, listing)}"
    data = {
        "@context": "http://schema.org", "@type": "Person" if broken else "Physician",
        "name": listing.display_name, "url": url, "medicalSpecialty": listing.specialty,
        "address": [_address(o) for o in listing.offices],
        "telephone": list(dict.fromkeys(o.phone for o in listing.offices)),
        "memberOf": {"@type": "MedicalOrganization", "name": listing.offices[0].practice_name},
        "isAcceptingNewPatients": listing.accepting_new_patients,
        "review": [{"@type": "Review", "identifier": r.review_id, "datePublished": r.date.isoformat(),
                    "reviewRating": {"@type": "Rating", "ratingValue": r.rating, "bestRating": 5},
                    "reviewBody": r.text, "author": {"@type": "Person", "name": r.author}}
                   for r in listing.newest_reviews()[:REVIEWS_SHOWN]],
    }
    if listing.rating_count:
        data["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": listing.rating,
                                   "ratingCount": listing.rating_count, "bestRating": 5}
    if broken:
        data = {"@context": "http://schema.org", "@type": "MedicalWebPage", "about": data}
    key_name = "hgProviderId" if broken else "hgProfileKey"
    ratings = (f"{listing.rating} ({listing.rating_count} ratings)" if listing.rating_count else "No ratings yet")
    offices = "".join(f'<li class="Office"><h3>{e(o.practice_name)}</h3><p>{e(o.street)}<br>{e(o.city)}, '
                      f'{e(o.state)} {e(o.zip)}</p><a href="tel:{e(o.phone)}">{e(o.phone)}</a></li>'
                      for o in listing.offices)
    body = (f'<h1 class="Profile-name">{e(listing.display_name)}</h1><p>{e(listing.specialty)}</p>'
            f'<p data-qa-target="rating-count">{e(ratings)}</p><ul class="Offices">{offices}</ul>')
    tealium = _tealium("profile", f"profileData={{'{key_name}':'{listing.source_id.upper()}'}};")
    return _page(f"{listing.display_name} | {listing.specialty} | Sharecare", body + _ld(data), tealium,
                 head=f'<link rel="canonical" href="{e(url)}">')
