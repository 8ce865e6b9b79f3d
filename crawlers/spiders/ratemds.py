"""RateMDs: search by specialty and place (a walk of the listing pages), then profiles and their reviews.

- search by specialty and place (the default, ``crawlers.spiders.walk``): the listing
  ``/best-doctors/?specialty=SLUG&location=CITY, ST&page=N`` (the slug from ``crawlers.specialties``), every
  page up to ``WALK_PAGES_MAX``, shared by all roster physicians of that specialty and city; the pages are
  complete when ``current_page`` reaches ``total_pages`` (or a page lists nobody);
- search by name (``SEARCH_BY={"ratemds": "name"}``, and for a specialty the map does not know):
  ``/best-doctors/?text=NAME&location=CITY, ST`` (the listing's ``text`` parameter narrows it to a name;
  the only evidence of it is from about 2016). 2025–26 pages embed the results as
  ``window.DATA.doctor_list_props = JSON.parse("…")`` (a JSON text in a JS string literal, decoded twice)
  with ``doctorPage`` {``results[]``, ``count``, ``total_pages``, ``current_page``}; older pages as
  ``window.DATA = {...}`` with the same keys at the top. A result has ``id``, ``full_name``,
  ``specialty_name``, ``url``, ``rating`` {``average``, ``count``} and ``location``; an empty ``results``
  list is a genuine "no results";
- profile ``/doctor-ratings/{id}/Dr-First-Last-City-ST.html`` (the numeric id is RateMDs' own and our
  ``source_id``): a JSON-LD ``Physician`` with ``aggregateRating`` (``ratingValue``, ``ratingCount``,
  ``bestRating``; normalised to 5 stars when ``bestRating`` is another scale), ``address`` (one or
  several ``PostalAddress``), ``telephone``, ``medicalSpecialty``; and ``window.DATA = {"doctor": {...}}``
  (``id``, ``full_name``, ``specialty_name``, ``rating``, ``is_accepting_new_patients``, ``locations[]`` of
  ``name``, ``address``, ``city`` {``name``, ``province_abbr``}, ``postal_code``, ``phone_number``), which
  fills what the JSON-LD lacks (practice name, accepting new patients, a rating count of 0) or stands in
  for it;
- reviews ``{profile}?json=true&page=N``: JSON ``{"results": [...], "count", "total_pages",
  "current_page"}``, 10 a page, newest first; a review has ``id``, ``created``, ``comment``, ``average``
  (of its staff/punctuality/helpfulness/knowledge ratings) and ``doctor_response``.

``review_count`` is the number of ratings behind the score. Cloudflare fronts the site: challenge pages
are told apart by the base class (``crawlers.blocking``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

import scrapy

from crawlers import structured as sd
from crawlers.embedded import assigned
from crawlers.items import address, listing_record, review
from crawlers.spiders.base import ReviewsPage, SearchOutcome, search_terms
from crawlers.spiders.walk import WalkEntry, WalkPage, WalkSpider
from crawlers.text import integer, number, to_five_stars, without_query

SOURCE = "ratemds"
REVIEWS_PER_PAGE = 10
PROFILE_PATH = re.compile(r"^(.*?/doctor-ratings/[^/?#]+(?:/[^/?#]+)?)/?(?:[?#]|$)")
PROFILE_ID = re.compile(r"/doctor-ratings/(\d+)(?:[/?#]|$)")


class RatemdsSpider(WalkSpider):
    name = "ratemds"
    label = "RateMDs"
    reads_responses = True
    order = 80
    kind = "review_site"
    site_url = "https://www.ratemds.com"
    fetch_reviews = True
    name_search = True

    def walk_request(self, specialty: str, city: str, state: str, page: int, **kwargs) -> scrapy.Request:
        return scrapy.Request(walk_url(self.base_url, specialty, city, state, page), **kwargs)

    def parse_walk_page(self, response) -> WalkPage:
        return parse_walk_page(response)

    def search_request(self, state, **kwargs) -> scrapy.Request:
        what, where = search_terms(state.target)
        params = {"text": what, "location": where} if where else {"text": what}
        return scrapy.Request(f"{self.base_url}/best-doctors/?{urlencode(params)}", **kwargs)

    def parse_search(self, response) -> SearchOutcome:
        return parse_search_page(response)

    def parse_profile(self, response) -> dict | None:
        return parse_profile_page(response)

    def reviews_request(self, listing: dict, page: int, **kwargs) -> scrapy.Request | None:
        if listing.get("review_count") == 0:
            return None  # nobody rated this physician: no reviews to ask for
        return scrapy.Request(reviews_url(listing["url"], page), **kwargs)

    def parse_reviews(self, response) -> ReviewsPage:
        return parse_reviews_response(response)


def profile_url(url: str) -> str | None:
    """The canonical profile URL (no query or fragment), or None if ``url`` is not a profile's."""
    match = PROFILE_PATH.match(url)
    if not match:
        return None
    return without_query(match.group(1))


def profile_id(url: str) -> str | None:
    match = PROFILE_ID.search(url)
    return match.group(1) if match else None


def reviews_url(profile: str, page: int) -> str:
    return f"{profile_url(profile) or profile}?{urlencode({'json': 'true', 'page': page})}"


def window_data(response) -> dict | None:
    """The ``window.DATA = {...}`` object a page embeds, or None."""
    return assigned(response.text, "window.DATA")


# ----- search -------------------------------------------------------------------------------------


def parse_search_page(response) -> SearchOutcome:
    props = assigned(response.text, "window.DATA.doctor_list_props") or {}
    page = props.get("doctorPage") if isinstance(props.get("doctorPage"), dict) else window_data(response) or {}
    results = page.get("results")
    if not isinstance(results, list):
        return SearchOutcome(error=f"search page not recognised (no doctor_list_props.doctorPage or window.DATA "
                                   f"results) at {response.url}")
    urls = [profile_url(_absolute(response, r.get("url"))) for r in results if isinstance(r, dict)]
    urls = list(dict.fromkeys(u for u in urls if u))
    if results and not urls:
        return SearchOutcome(error=f"search results without profile links at {response.url}")
    return SearchOutcome(profile_urls=urls)


def walk_url(base: str, specialty: str, city: str, state: str, page: int = 1) -> str:
    """The listing page of ``specialty`` (RateMDs' slug) in ``city, state``."""
    params = {"specialty": specialty, "location": f"{city}, {state}"}
    if page > 1:
        params["page"] = page
    return f"{base}/best-doctors/?{urlencode(params)}"


def parse_walk_page(response) -> WalkPage:
    """One listing page: its doctors, and whether another page follows (``current_page`` < ``total_pages``)."""
    props = assigned(response.text, "window.DATA.doctor_list_props") or {}
    page = props.get("doctorPage") if isinstance(props.get("doctorPage"), dict) else window_data(response) or {}
    results = page.get("results")
    if not isinstance(results, list):
        return WalkPage(error=f"listing page not recognised (no doctor_list_props.doctorPage or window.DATA "
                              f"results) at {response.url}")
    entries = []
    for result in results:
        if not isinstance(result, dict):
            continue
        url = profile_url(_absolute(response, result.get("url")))
        name = _text(result.get("full_name"))
        if url and name:
            entries.append(WalkEntry(name=name, url=url))
    if results and not entries:
        return WalkPage(error=f"listing page without doctors' names and profile links at {response.url}")
    current, pages = integer(page.get("current_page")), integer(page.get("total_pages"))
    more = current < pages if current is not None and pages is not None else None
    return WalkPage(entries=entries, more=more)


# ----- profile ------------------------------------------------------------------------------------


def parse_profile_page(response) -> dict | None:
    """The listing on a profile page, or None when neither JSON-LD nor ``window.DATA`` shows a doctor."""
    physician = sd.first_object(sd.structured_objects(response), *sd.PHYSICIAN_TYPES) or {}
    doctor = (window_data(response) or {}).get("doctor")
    doctor = _doctor_fields(doctor) if isinstance(doctor, dict) else {}
    name = sd.text(physician.get("name")) or doctor.get("name")
    if not name:
        return None
    rating, count = sd.aggregate_rating(physician)
    url = profile_url(response.url) or _canonical_from_page(response, physician, doctor) or without_query(response.url)
    specialty = sd.text(physician.get("medicalSpecialty"))
    return listing_record(
        source=SOURCE,
        url=url,
        source_id=profile_id(url) or doctor.get("id"),
        name=name,
        specialty=(None if specialty and specialty.startswith("http") else specialty) or doctor.get("specialty"),
        practice_name=doctor.get("practice_name"),
        # The JSON-LD often shows the primary office only; window.DATA lists every office.
        addresses=_union(sd.postal_addresses(physician), doctor.get("addresses")),
        phones=_union(sd.telephones(physician), doctor.get("phones")),
        rating=rating if rating is not None else doctor.get("rating"),
        review_count=count if count is not None else doctor.get("review_count"),
        accepting_new_patients=doctor.get("accepting_new_patients"),
    )


def _union(first: list | None, second: list | None) -> list:
    merged: list = []
    for value in [*(first or []), *(second or [])]:
        if value not in merged:
            merged.append(value)
    return merged


def _doctor_fields(doctor: dict) -> dict:
    offices = []
    for location in doctor.get("locations") or []:
        if not isinstance(location, dict):
            continue
        city = location.get("city") if isinstance(location.get("city"), dict) else {}
        offices.append({
            "practice_name": _text(location.get("name")),
            "address": address(_text(location.get("address")), _text(city.get("name")),
                               _text(city.get("province_abbr")), _text(location.get("postal_code"))),
            "phone": _text(location.get("phone_number")),
        })
    rating = doctor.get("rating") if isinstance(doctor.get("rating"), dict) else {}
    accepting = doctor.get("is_accepting_new_patients")
    return {
        "id": _text(doctor.get("id")),
        "name": _text(doctor.get("full_name")),
        "url": _text(doctor.get("url")),
        "specialty": _text(doctor.get("specialty_name")),
        "rating": to_five_stars(number(rating.get("average")), number(rating.get("best"))),
        "review_count": integer(rating.get("count")),
        "accepting_new_patients": accepting if isinstance(accepting, bool) else None,
        "practice_name": next((o["practice_name"] for o in offices if o["practice_name"]), None),
        "addresses": [o["address"] for o in offices if any(o["address"].values())],
        "phones": list(dict.fromkeys(o["phone"] for o in offices if o["phone"])),
    }


def _canonical_from_page(response, physician: dict, doctor: dict) -> str | None:
    """A saved page's own profile URL: JSON-LD ``url``, ``<link rel=canonical>``, og:url, ``window.DATA``."""
    candidates = [
        sd.text(physician.get("url")),
        response.xpath('//link[@rel="canonical"]/@href').get(),
        response.xpath('//meta[@property="og:url"]/@content').get(),
        doctor.get("url"),
    ]
    for candidate in candidates:
        url = profile_url(_absolute(response, candidate)) if candidate else None
        if url:
            return url
    return None


def _absolute(response, href) -> str:
    """``href`` made absolute; on a saved file (a file:// URL) relative to the real site, not the disk."""
    base = response.url if response.url.startswith("http") else "https://www.ratemds.com/"
    return urljoin(base, str(href or "").strip())


# ----- reviews ------------------------------------------------------------------------------------


def parse_reviews_response(response) -> ReviewsPage:
    """A ``?json=true&page=N`` answer; anything else (an HTML page, another shape) is not recognised."""
    try:
        data = json.loads(response.text)
    except ValueError:
        return ReviewsPage([], recognised=False)
    return parse_reviews_json(data)


def parse_reviews_json(data) -> ReviewsPage:
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        return ReviewsPage([], recognised=False)
    return ReviewsPage([_review(r) for r in results if isinstance(r, dict)], total=integer(data.get("count")))


def _review(item: dict) -> dict:
    answer = item.get("doctor_response")
    answered = None
    if isinstance(answer, dict):
        answer, answered = answer.get("comment"), _text(answer.get("created"))
        answered = answered[:10] if answered and re.match(r"\d{4}-\d{2}-\d{2}", answered) else None
    created = _text(item.get("created"))
    return review(
        review_id=_text(item.get("id")),
        date=created[:10] if created and re.match(r"\d{4}-\d{2}-\d{2}", created) else created,
        rating=number(item.get("average")),
        text=item.get("comment"),
        author=_text(item.get("author")),
        response=answer or None,
        response_date=answered,
    )


# ----- small helpers ------------------------------------------------------------------------------


def _text(value) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    cleaned = " ".join(str(value).split())
    return cleaned or None


