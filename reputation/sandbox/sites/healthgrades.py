"""Healthgrades in the sandbox: the 2025–26 ``data-qa-target`` markup the spider reads.

- ``GET usearch?what=NAME&where=CITY, ST``: search results page;
- ``GET physician/dr-first-last-PWID``: profile page (404 once the listing is gone), the practice name of each
  office under ``Practice-Name``; the namesake's profile (the listing without an NPI) is the second 2025–26
  template, whose only rating is "Likelihood of recommending … N out of 5" and which shows no rating count;
- ``POST api4/providerprofile/comments`` ``{"pwid", "currentPage", "perPage"}``: reviews JSON.
Broken: the test hooks are renamed (``data-testid="...-v2"``) and the comments move under ``data.items``.
"""

from __future__ import annotations

import json
import re

from reputation.sandbox.sites import Reply, Request, e, html, json_reply, not_found
from reputation.sandbox.world import SiteListing, World


SEARCH_PATHS = ("usearch",)  # the site's search: what mode "robots_search" disallows


def handle(world: World, request: Request) -> Reply:
    rest, query, broken = request.path, request.query, request.broken
    if request.method == "GET" and rest == "usearch":
        what, where = query.get("what", ""), query.get("where", "")
        return html(search_page(world.healthgrades_search(what, where), what, where, broken=broken, prefix=request.prefix))
    match = re.fullmatch(r"physician/[a-z0-9-]*?-([a-z0-9]{5,7})(?:/[a-z-]*)?", rest)
    if request.method == "GET" and match:
        listing = world.healthgrades_listing(match.group(1))
        if listing is None:
            return Reply(404, "<html><head><title>Page not found | Healthgrades</title></head>"
                              "<body><h1>We can't find that page</h1></body></html>")
        return html(profile_page(listing, broken=broken))
    if request.method == "POST" and rest == "api4/providerprofile/comments":
        try:
            body = json.loads(request.body or b"{}")
            page, per_page = max(1, int(body.get("currentPage", 1))), min(50, max(1, int(body.get("perPage", 10))))
        except (ValueError, TypeError, AttributeError):
            return json_reply({"error": "bad request"}, 400)
        listing = world.healthgrades_listing(str(body.get("pwid", "")))
        if listing is None:
            return json_reply({"error": "provider not found"}, 404)
        return json_reply(comments_json(listing, page, per_page, broken=broken))
    if request.method == "GET" and rest == "":
        return html("<html><head><title>Healthgrades (sandbox)</title></head><body>Find a doctor</body></html>")
    return not_found()


# ----- Healthgrades pages, in the markup the spider parses (or, broken, in one it does not) --------




def _qa(name: str, broken: bool) -> str:
    # The "broken" site renamed its test hooks: the markup change a real redesign brings.
    return f'data-testid="{name.lower()}-v2"' if broken else f'data-qa-target="{name}"'


def _page(title: str, main: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title></head>'
            f'<body><header class="h-3b1d">Healthgrades</header><main class="m-9c2a">{main}</main></body></html>')


def _ratings(listing: SiteListing, broken: bool) -> str:
    score = f'<span {_qa("rating-score", broken)}>{listing.rating}</span> ' if listing.rating is not None else ""
    return f'{score}<span {_qa("rating-count", broken)}>{listing.rating_count} ratings</span>'


def shows_only_recommending(listing: SiteListing) -> bool:
    """Whether the profile is the template with a "Likelihood of recommending" line and no rating count."""
    return listing.npi is None


def _recommending(listing: SiteListing, broken: bool) -> str:
    score = (f"<span>{listing.rating:.2f}</span> out of 5" if listing.rating is not None
             else "No survey responses yet")
    return (f'<section {_qa("patient-experience", broken)}><h2>Patient Experience</h2><p>Likelihood of recommending '
            f'{e(listing.display_name)} to family and friends</p><div>{score}</div></section>')


def search_page(listings: list[SiteListing], what: str, where: str, *, broken: bool = False,
                prefix: str = "/healthgrades") -> str:
    cards = []
    for l in listings:
        office = l.offices[0]
        cards.append(
            f'<li class="c-1f8e" {_qa("provider-card", broken)}>'
            f'<h3><a class="c-77a0" {_qa("provider-name-link", broken)} href="{prefix}/{e(l.path)}">{e(l.display_name)}</a></h3>'
            f'<p {_qa("provider-specialty", broken)}>{e(l.specialty)}</p><div>{_ratings(l, broken)}</div>'
            f'<address {_qa("location-info-address", broken)}>{e(office.street)}, {e(office.city)}, '
            f'{e(office.state)} {e(office.zip)}</address></li>'
        )
    if cards:
        body = f'<h1>{len(cards)} results for {e(what)} near {e(where)}</h1><ul class="r-0a4c">{"".join(cards)}</ul>'
    elif broken:
        body = f'<h1>0 providers for {e(what)}</h1>'
    else:
        body = (f'<div {_qa("no-results", broken)}><h1>No results found</h1>'
                f'<p>We couldn\'t find any matches for "{e(what)}" near {e(where)}.</p></div>')
    return _page(f"{what} near {where} | Find a Doctor | Healthgrades", body)


def profile_page(listing: SiteListing, *, broken: bool = False) -> str:
    offices = []
    for office in listing.offices:
        digits = re.sub(r"\D", "", office.phone)
        sponsor = (f'<span {_qa("sponsor-phone-label", broken)}>Phone number provided by Northwind Health</span>'
                   if office.sponsored else "")
        offices.append(
            f'<div class="o-2c1f"><h3 {_qa("Practice-Name", broken)}>{e(office.practice_name)}</h3>'
            f'<address><span {_qa("practice-address-street", broken)}>{e(office.street)}</span><br>'
            f'<span {_qa("practice-address-city", broken)}>{e(office.city)}</span>, '
            f'<span {_qa("practice-address-state", broken)}>{e(office.state)}</span> '
            f'<span {_qa("practice-address-postalCode", broken)}>{e(office.zip)}</span></address>'
            f'<a {_qa("visit-open-phone", broken)} href="tel:+1{digits[-10:]}">{e(office.phone)}</a>{sponsor}</div>'
        )
    reviews = "".join(
        f'<div class="v-5e0b" {_qa("comment", broken)}><span {_qa("comment-rating", broken)}>{r.rating}</span>'
        f'<p {_qa("comment-text", broken)}>{e(r.text)}</p><span {_qa("comment-author", broken)}>{e(r.author)}</span> '
        f'<time datetime="{r.date.isoformat()}">{r.date.strftime("%b %d, %Y")}</time></div>'
        for r in listing.newest_reviews()[:3]
    )
    accepting = "Accepting new patients" if listing.accepting_new_patients else "Not accepting new patients"
    main = (
        f'<h1 class="n-41d2" {_qa("ProviderDisplayName", broken)}>{e(listing.display_name)}</h1>'
        f'<span {_qa("ProviderDisplaySpeciality", broken)}>{e(listing.specialty)}</span>'
        + (_recommending(listing, broken) if shows_only_recommending(listing)
           else f'<div class="s-8d1e">{_ratings(listing, broken)}</div>') +
        f'<p {_qa("accepting-new-patients", broken)}>{accepting}</p>'
        f'<section {_qa("office-locations", broken)}><h2>Locations</h2>{"".join(offices)}</section>'
        f'<section {_qa("reviews", broken)}><h2>Patient reviews</h2>{reviews}</section>'
    )
    return _page(f"{listing.display_name} | {listing.specialty} | Healthgrades", main)


def comments_json(listing: SiteListing, page: int, per_page: int, *, broken: bool = False) -> dict:
    reviews = listing.newest_reviews()
    chunk = reviews[(page - 1) * per_page: page * per_page]
    results = [
        {
            "commentId": r.review_id,
            "overallScore": float(r.rating),
            "displayName": r.author,
            "submittedDate": r.date.strftime("%b %d, %Y"),
            "commentText": r.text,
            "providerResponse": {"commentText": r.response, "isFromProvider": r.response is not None,
                                 # the site's placeholder date when there is no reply
                                 "insertedOn": r.response_date.strftime("%B %d, %Y") if r.response_date else "January 1, 0001"},
        }
        for r in chunk
    ]
    if broken:
        return {"data": {"items": results, "total": len(reviews)}}
    return {"results": results, "totalCount": len(reviews), "currentPage": page, "perPage": per_page}
