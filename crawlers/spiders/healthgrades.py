"""Healthgrades: search by name near the practice city, then profiles and their reviews.

Markup (2025–26): CSS classes are hashed, so only ``data-qa-target`` attributes are used:
- search: result cards with ``provider-name-link`` (href ``/physician/dr-{first}-{last}-{pwid}``),
  ``provider-specialty``, ``rating-score``, ``rating-count``, ``location-info-address``; a page without
  results carries ``no-results`` (or says so in words);
- profile: ``ProviderDisplayName`` (h1), ``provider-specialty``, ``rating-score``, ``rating-count``,
  ``accepting-new-patients``, and ``office-locations`` holding per office ``office-practice-name``
  (our choice of name for the practice name, the sandbox renders it), ``practice-address-street``,
  ``-city``, ``-state``, ``-postalCode`` and ``visit-open-phone``.
Embedded schema.org data (JSON-LD or microdata ``Physician``, as in 2015 pages) is preferred when present.
Reviews: ``POST /api4/providerprofile/comments`` with ``{"pwid", "currentPage", "perPage"}`` answering
``{"results": [comment...], "totalCount": N}``; the 2017 inline ``pageState.pes`` JSON has the same
comment fields (``parse_pes_json``).

``source_id`` is the pwid (the last part of the profile path, lower case, as in the URL).
Listings carry one key beyond ``crawlers.items``: ``sponsor_phones``, the shown phones the page marks as
a hospital sponsor's call center (``sponsor-phone-label`` in the office; ``"SponsorPhone"`` in 2015 pages).
``review_count`` is the number of ratings behind the score, which is more than the written reviews.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import JsonRequest

from crawlers import structured as sd
from crawlers.items import address, listing_record, review
from crawlers.spiders.base import ReviewsPage, RosterSpider, SearchOutcome

SOURCE = "healthgrades"
REVIEWS_PER_PAGE = 10
PROFILE_PATH = re.compile(r"^(.*?/physician/[^/?#]*?-([a-z0-9]{5,7}))(?:[/?#]|$)", re.IGNORECASE)
SPONSOR_PHONE_2015 = re.compile(r'"SponsorPhone":"([^"]+)"')  # 2015 pages' inline ad-targeting JSON
NO_RESULTS_TEXT = re.compile(
    r"no (?:results|matches|providers|doctors)(?: were)? found|(?:couldn't|could not|did not|didn't) find any", re.I
)


def qa(name: str) -> str:
    return f'[data-qa-target="{name}"]'


class HealthgradesSpider(RosterSpider):
    name = "healthgrades"
    fetch_reviews = True

    def search_query(self, target: dict) -> str:
        what, where = search_terms(target)
        return f"{what} near {where}" if where else what

    def search_request(self, state, **kwargs) -> scrapy.Request:
        what, where = search_terms(state.target)
        return scrapy.Request(f"{self.base_url}/usearch?{urlencode({'what': what, 'where': where})}", **kwargs)

    def parse_search(self, response) -> SearchOutcome:
        return parse_search_page(response)

    def parse_profile(self, response) -> dict | None:
        return parse_profile_page(response)

    def reviews_request(self, listing: dict, page: int, **kwargs) -> scrapy.Request | None:
        if not listing.get("source_id") or listing.get("review_count") == 0:
            return None  # nobody rated this physician: no comments to ask for
        body = {"pwid": listing["source_id"], "currentPage": page, "perPage": REVIEWS_PER_PAGE}
        return JsonRequest(f"{self.base_url}/api4/providerprofile/comments", data=body, **kwargs)

    def parse_reviews(self, response) -> ReviewsPage:
        return parse_comments_response(response)


def search_terms(target: dict) -> tuple[str, str]:
    what = " ".join(p for p in (target.get("first_name"), target.get("last_name")) if p)
    city, state = target.get("city"), target.get("state")
    where = f"{city}, {state}" if city and state else (city or state or "")
    return what, where


def profile_url(url: str) -> str | None:
    """The canonical profile URL (no tab suffix, query or fragment), or None if not a profile URL."""
    match = PROFILE_PATH.match(url)
    if not match:
        return None
    parts = urlsplit(match.group(1))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def pwid_of(url: str) -> str | None:
    match = PROFILE_PATH.match(url)
    return match.group(2).lower() if match else None


# ----- search -------------------------------------------------------------------------------------


def parse_search_page(response) -> SearchOutcome:
    hrefs = response.css(f"{qa('provider-name-link')}::attr(href)").getall()
    urls = [profile_url(response.urljoin(h)) for h in hrefs]
    urls = list(dict.fromkeys(u for u in urls if u))
    if hrefs:
        return SearchOutcome(profile_urls=urls)
    if response.css('[data-qa-target*="no-results"]') or NO_RESULTS_TEXT.search(_visible_text(response)):
        return SearchOutcome()
    # Some versions embed the results as JSON-LD Physicians: use them rather than call the page broken.
    linked = [profile_url(response.urljoin(sd.text(o.get("url")) or "")) for o in
              sd.find_objects(sd.structured_objects(response), *sd.PHYSICIAN_TYPES)]
    linked = list(dict.fromkeys(u for u in linked if u))
    if linked:
        return SearchOutcome(profile_urls=linked)
    return SearchOutcome(error=f"search page not recognised (no result cards, no 'no results' notice) at {response.url}")


def _visible_text(response) -> str:
    return " ".join(response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())


# ----- profile ------------------------------------------------------------------------------------


def parse_profile_page(response) -> dict | None:
    """The listing on a profile page, or None when no physician name can be found on it."""
    physician = sd.first_object(sd.structured_objects(response), *sd.PHYSICIAN_TYPES) or {}
    page = _profile_markup(response)

    name = sd.text(physician.get("name")) or page["name"]
    if not name:
        return None
    rating, count = sd.aggregate_rating(physician)
    url = profile_url(response.url) or response.url
    listing = listing_record(
        source=SOURCE,
        url=url,
        source_id=pwid_of(url),
        name=name,
        specialty=_specialty(physician) or page["specialty"],
        practice_name=_practice_of(physician) or page["practice_name"],
        addresses=sd.postal_addresses(physician) or page["addresses"],
        phones=sd.telephones(physician) or page["phones"],
        npi=sd.npi_of(physician),
        rating=rating if rating is not None else page["rating"],
        review_count=count if count is not None else page["review_count"],
        accepting_new_patients=page["accepting_new_patients"],
    )
    # A hospital sponsor's call-center number is a known, legitimate difference from the practice phone.
    listing["sponsor_phones"] = page["sponsor_phones"]
    return listing


def _profile_markup(response) -> dict:
    """The profile's fields as the data-qa-target markup shows them (or the 2015 markup, as fallback)."""
    offices = _offices(response)
    accepting = _clean(" ".join(response.css(f"{qa('accepting-new-patients')} ::text").getall()))
    return {
        "name": _first_text(response, qa("ProviderDisplayName")),
        "specialty": _first_text(response, qa("provider-specialty")) or _legacy_specialty(response),
        "rating": _number(_first_text(response, qa("rating-score"))),
        "review_count": _integer(_first_text(response, qa("rating-count"))),
        "accepting_new_patients": None if not accepting else not re.search(r"\bnot\b", accepting, re.I),
        "addresses": [o["address"] for o in offices if any(o["address"].values())],
        "phones": list(dict.fromkeys(o["phone"] for o in offices if o["phone"])) or _legacy_phones(response),
        "practice_name": next((o["practice_name"] for o in offices if o["practice_name"]), None)
        or _clean(response.xpath('//a[contains(@href, "/group-directory/")]//text()').get()),
        "sponsor_phones": list(dict.fromkeys(o["phone"] for o in offices if o["phone"] and o["sponsored"]))
        or list(dict.fromkeys(SPONSOR_PHONE_2015.findall(response.text))),
    }


def _offices(response) -> list[dict]:
    offices = []
    for street in response.css(qa("practice-address-street")):
        # The office block is the outermost element, inside office-locations, holding only this street:
        # that works whatever the per-office wrapper is called.
        block = street.xpath(
            './ancestor::*[ancestor::*[@data-qa-target="office-locations"]]'
            '[count(.//*[@data-qa-target="practice-address-street"]) = 1][last()]'
        ) or street.xpath("./..")
        block = block[0]
        phone = _first_text(block, qa("visit-open-phone"))
        if not phone:
            href = block.css(f"{qa('visit-open-phone')}::attr(href)").get() or ""
            phone = href[4:] if href.startswith("tel:") else None
        offices.append(
            {
                "practice_name": _first_text(block, qa("office-practice-name")),
                "address": address(
                    _clean(" ".join(street.css("::text").getall())),
                    _first_text(block, qa("practice-address-city")),
                    _first_text(block, qa("practice-address-state")),
                    _first_text(block, qa("practice-address-postalCode")),
                ),
                "phone": phone,
                "sponsored": bool(block.css('[data-qa-target*="sponsor"]')),
            }
        )
    return offices


def _specialty(physician: dict) -> str | None:
    value = sd.text(physician.get("medicalSpecialty"))
    return None if not value or value.startswith("http") else value


def _practice_of(physician: dict) -> str | None:
    for key in ("worksFor", "memberOf", "parentOrganization"):
        value = physician.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict) and sd.text(value.get("name")):
            return sd.text(value.get("name"))
    return None


def _legacy_specialty(response) -> str | None:
    # 2015 pages: <h2>Specializes in Internal Medicine &bull; Male</h2>
    heading = " ".join(response.xpath('//h2[contains(., "Specializes in")]//text()').getall())
    match = re.search(r"Specializes in\s+([^•\n]+)", heading)
    return _clean(match.group(1)) if match else None


def _legacy_phones(response) -> list[str]:
    # 2015 pages show the appointment number in span.phoneNumber > span.number (classes were plain then).
    return list(dict.fromkeys(p for p in (_clean(t) for t in response.css(".phoneNumber .number::text").getall()) if p))


def _first_text(selector, css: str) -> str | None:
    for element in selector.css(css):
        value = _clean(" ".join(element.css("::text").getall()))
        if value:
            return value
    return None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split()).strip(" ,")
    return cleaned or None


def _number(value: str | None) -> float | None:
    match = re.search(r"\d+(?:\.\d+)?", value or "")
    return float(match.group()) if match else None


def _integer(value: str | None) -> int | None:
    match = re.search(r"\d[\d,]*", value or "")
    return int(match.group().replace(",", "")) if match else None


# ----- reviews ------------------------------------------------------------------------------------


def parse_comments_response(response) -> ReviewsPage:
    try:
        data = json.loads(response.text)
    except ValueError:
        return ReviewsPage([], recognised=False)
    return parse_comments_json(data)


def parse_comments_json(data) -> ReviewsPage:
    """Reviews from the comments API answer, or from a ``pageState.pes`` object (2017)."""
    block = data if isinstance(data, dict) else {}
    if "results" not in block:
        block = block.get("comments") or (block.get("model") or {}).get("comments") or {}
    results = block.get("results") if isinstance(block, dict) else None
    if not isinstance(results, list):
        return ReviewsPage([], recognised=False)
    total = block.get("totalCount", block.get("totalCommentCount"))
    return ReviewsPage([_comment(c) for c in results if isinstance(c, dict)], total=_as_int(total))


def parse_pes_json(data: dict) -> dict:
    """Rating, rating count and reviews from a 2017 ``pageState.pes`` object."""
    overall = (data.get("model") or {}).get("overall") or {}
    return {
        "rating": overall.get("actualScore"),
        "review_count": _as_int(overall.get("responseCount")),
        "reviews": parse_comments_json(data).reviews,
    }


def _comment(comment: dict) -> dict:
    response = comment.get("providerResponse")
    if isinstance(response, dict):
        response = response.get("commentText")
    score = comment.get("overallScore")
    return review(
        review_id=str(comment["commentId"]) if comment.get("commentId") is not None else None,
        date=iso_date(comment.get("submittedDate")),
        rating=float(score) if score is not None else None,
        text=comment.get("commentText"),
        author=comment.get("displayName"),
        response=response or None,
    )


def iso_date(value: str | None) -> str | None:
    """'Jan 28, 2017' → '2017-01-28'; an unknown format is kept as the site wrote it."""
    if not value:
        return None
    value = value.strip()
    for pattern in ("%b %d, %Y", "%B %d, %Y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date().isoformat()
        except ValueError:
            pass
    match = re.match(r"\d{4}-\d{2}-\d{2}", value)
    return match.group() if match else value


def _as_int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
