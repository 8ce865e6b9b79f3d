"""WebMD Care (doctor.webmd.com): search by specialty and place, then profiles and their reviews tab.

The site sits behind Cloudflare: a challenge page is a block (the base class checks every response).

Search by specialty and place (the default, ``crawlers.spiders.walk``): the results pages of the specialty
in the city, ``GET /results?q=SPECIALTY&city=CITY&state=ST&entity=provider&pagenumber=N`` (``q`` the
specialty as the site names it, ``crawlers.specialties``: "Cardiology"), every page up to
``WALK_PAGES_MAX``, shared by all roster physicians of that specialty and city. 2025–26 pages have a
pagination with a "Next" link while more pages follow; pages with a count in the heading ("23 results for
Cardiology near Portland, OR"), 10 a page, are complete when the page number times 10 reaches it; a page
saying neither goes on to the next, and a page without results ends the walk. A result's
name is the feature's ``firstName`` and ``lastName`` (older: ``name``), else the card's link text.
The name search below is used with ``SEARCH_BY={"webmd": "name"}`` and for a specialty the map does not
know (2025–26 public scrapers show no name-search parameter; older ones used ``q=First Last``).

Search: ``GET /results?q=FIRST+LAST&city=CITY&state=ST&entity=provider&pagenumber=1``. ``q`` is the name
as typed in the site's search box, ``city``/``state`` the practice place (the site geocodes them),
``entity=provider`` keeps practices and hospitals out, ``pagenumber`` pages the results (10 a page; one
page is enough for a name near a city, and the base class keeps at most ``MAX_CANDIDATES`` anyway). The
results page carries the map's data as a JS assignment ``mapboxlocations = {GeoJSON FeatureCollection};``:
one ``Feature`` per provider-location. 2025–26 features carry ``firstName``, ``lastName``, ``phone``,
``address`` and the profile as a relative ``profilelink`` (``/doctor/…-overview?lid=…``); older ones held
``providerid``, ``name``, ``specialty``, ``locationname``, ``address``, ``city``, ``state``, ``zipcode``,
``phone`` and an absolute ``profileurl``. The feature list is what the parser reads; the result cards
(``a.prov-name``) are the fallback. Relative links of a page read from a file are relative to the site. A page without results
says so (``.no-results``, "No results found"); a page with neither results nor that notice is an error.

Profile: ``/doctor/{first}-{last}-{uuid}-overview`` (uuid with dashes, as the site writes it):
``h1.provider-full-name``, ``span.prov-specialty-name``, ``.accepting-new-patients``, the overall rating
``.overall-rating .avg-rating`` and ``.overall-rating .ratings-count`` ("12 Ratings"), the NPI in
``.prov-npi``, and per location (``.location-line``) ``.prov-location-name`` (practice), ``.location-street``,
``.location-city``, ``.location-state``, ``.location-zipcode`` and the phone ``.loc-co-tpphn``. A schema.org
``Physician`` (JSON-LD or microdata), when a page has one, wins over the markup field by field.

Reviews: the profile's reviews tab ``/doctor/{first}-{last}-{uuid}-reviews?pagenumber=N``, newest first,
10 a page: ``.reviews-list`` holding ``.review-card[data-review-id]`` with ``.review-stars[data-rating]``,
``.review-date`` (MM/DD/YYYY), ``.review-author``, ``.review-text`` and ``.provider-response .response-text``;
``.reviews-total-count`` is the number of written reviews. The overview shows the newest three in the same
markup. ``review_count`` is the number of ratings behind the score (more than the written reviews).

``source_id`` is the provider uuid as 32 lower-case hex digits without dashes.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import scrapy

from crawlers import structured as sd
from crawlers.items import address, listing_record, review
from crawlers.spiders.base import ReviewsPage, SearchOutcome, reviews_record
from crawlers.spiders.walk import WalkEntry, WalkPage, WalkSpider
from crawlers.text import clean, first_text, integer, iso_date, number, visible_text

SOURCE = "webmd"
UUID = r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"
PROFILE_PATH = re.compile(rf"^(.*?/doctor/(?:[a-z0-9-]*?-)?({UUID}))(?:-([a-z]+))?/?(?:[?#]|$)", re.IGNORECASE)
MAPBOX = re.compile(r"\bmapboxlocations\s*=\s*")
NO_RESULTS_TEXT = re.compile(
    r"no (?:results|matches|doctors|providers)(?: were)? found|(?:couldn't|could not) find any", re.I
)
NPI_TEXT = re.compile(r"\bNPI\b\D{0,20}(\d{10})\b")
SITE_ROOT = "https://doctor.webmd.com/"  # what relative links of a saved page point to
PROFILE_LINK_KEYS = ("profilelink", "profileLink", "profileurl", "profileUrl")
RESULTS_PER_PAGE = 10


class WebmdSpider(WalkSpider):
    name = "webmd"
    label = "WebMD"
    reads_responses = True
    order = 50
    kind = "review_site"
    site_url = "https://doctor.webmd.com"
    fetch_reviews = True
    name_search = True

    def walk_request(self, specialty: str, city: str, state: str, page: int, **kwargs) -> scrapy.Request:
        return scrapy.Request(walk_url(self.base_url, specialty, city, state, page), **kwargs)

    def parse_walk_page(self, response) -> WalkPage:
        return parse_walk_page(response)

    def name_query(self, target: dict) -> str:
        params = search_params(target)
        where = ", ".join(p for p in (params.get("city"), params.get("state")) if p)
        return f"{params['q']} near {where}" if where else params["q"]

    def search_request(self, state, **kwargs) -> scrapy.Request:
        return scrapy.Request(f"{self.base_url}/results?{urlencode(search_params(state.target))}", **kwargs)

    def parse_search(self, response) -> SearchOutcome:
        return parse_search_page(response)

    def parse_profile(self, response) -> dict | None:
        return parse_profile_page(response)

    def reviews_request(self, listing: dict, page: int, **kwargs) -> scrapy.Request | None:
        if listing.get("review_count") == 0:
            return None  # nobody rated this physician: the tab is empty
        url = reviews_url(listing["url"], page)
        return scrapy.Request(url, **kwargs) if url else None

    def parse_reviews(self, response) -> ReviewsPage:
        return parse_reviews_page(response)

    def parse_saved(self, response) -> list[dict]:
        # The reviews tab repeats the profile's header (name, rating) but not its locations: it is a page
        # of reviews, not a listing.
        if page_kind(response) == "reviews":
            page = parse_reviews_page(response)
            if not page.recognised:
                return []
            header = _rating_summary(response)
            return [reviews_record(SOURCE, canonical_url(response) or response.url, page, *header)]
        return super().parse_saved(response)


def search_params(target: dict, page: int = 1) -> dict:
    """The query of a name search near the target's first practice place."""
    name = " ".join(p for p in (target.get("first_name"), target.get("last_name")) if p)
    params = {"q": name}
    if target.get("city"):
        params["city"] = target["city"]
    if target.get("state"):
        params["state"] = target["state"]
    params["entity"] = "provider"
    params["pagenumber"] = str(page)
    return params


def walk_url(base: str, specialty: str, city: str, state: str, page: int = 1) -> str:
    """The results page ``page`` of ``specialty`` (as WebMD names it) in ``city, state``."""
    params = {"q": specialty, "city": city, "state": state, "entity": "provider", "pagenumber": str(page)}
    return f"{base}/results?{urlencode(params)}"


def provider_id(url: str) -> str | None:
    """The provider uuid of a profile URL, 32 lower-case hex digits (the listing's ``source_id``)."""
    match = PROFILE_PATH.match(url or "")
    return match.group(2).replace("-", "").lower() if match else None


def profile_url(url: str) -> str | None:
    """The canonical overview URL of any profile tab URL (no query or fragment), or None."""
    match = PROFILE_PATH.match(url or "")
    if not match:
        return None
    parts = urlsplit(match.group(1))
    return urlunsplit((parts.scheme, parts.netloc, f"{parts.path}-overview", "", ""))


def reviews_url(url: str, page: int) -> str | None:
    overview = profile_url(url)
    if not overview:
        return None
    return f"{overview[: -len('-overview')]}-reviews?{urlencode({'pagenumber': page})}"


def canonical_url(response) -> str | None:
    """The page's own address: ``<link rel=canonical>``, else og:url."""
    for css in ('link[rel="canonical"]::attr(href)', 'meta[property="og:url"]::attr(content)'):
        value = (response.css(css).get() or "").strip()
        if value:
            return response.urljoin(value)
    return None


def page_base(response) -> str:
    """What relative links on the page are relative to: its address, or for a saved file its canonical URL
    (else the site's root)."""
    if response.url.startswith(("http://", "https://")):
        return response.url
    canonical = canonical_url(response)
    return canonical if canonical and canonical.startswith(("http://", "https://")) else SITE_ROOT


def page_kind(response) -> str | None:
    """"overview", "reviews" (or another tab) for a profile page, from its canonical or own URL."""
    for url in (canonical_url(response), response.url):
        match = PROFILE_PATH.match(url or "")
        if match:
            return (match.group(3) or "overview").lower()
    return None


# ----- search -------------------------------------------------------------------------------------


def mapbox_locations(text: str) -> dict | None:
    """The ``mapboxlocations = {...}`` FeatureCollection of a results page, or None if there is none."""
    for match in MAPBOX.finditer(text):
        start = text.find("{", match.end(), match.end() + 10)
        if start < 0:
            continue
        try:
            value, _ = json.JSONDecoder().raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("features"), list):
            return value
    return None


def parse_search_page(response) -> SearchOutcome:
    collection = mapbox_locations(response.text)
    base = page_base(response)
    if collection is not None:
        urls = []
        for feature in collection["features"]:
            props = feature.get("properties") if isinstance(feature, dict) else None
            props = props if isinstance(props, dict) else {}
            link = next((props[k] for k in PROFILE_LINK_KEYS if props.get(k)), None)
            url = profile_url(urljoin(base, str(link))) if link else None
            if url:
                urls.append(url)
        urls = list(dict.fromkeys(urls))
        if urls:
            return SearchOutcome(profile_urls=urls)
        if collection["features"]:
            return SearchOutcome(
                error=f"search page not recognised (map features without profile links) at {response.url}"
            )
    hrefs = response.css("a.prov-name::attr(href)").getall()
    urls = list(dict.fromkeys(u for u in (profile_url(urljoin(base, h)) for h in hrefs) if u))
    if urls:
        return SearchOutcome(profile_urls=urls)
    if response.css(".no-results") or NO_RESULTS_TEXT.search(visible_text(response)):
        return SearchOutcome()
    return SearchOutcome(error=f"search page not recognised (no mapboxlocations, no result cards, no 'no results' "
                               f"notice) at {response.url}")


def parse_walk_page(response) -> WalkPage:
    """A results page of a walk: each provider's name and profile, and whether another page follows."""
    collection = mapbox_locations(response.text)
    base = page_base(response)
    entries: dict[str, WalkEntry] = {}
    if collection is not None:
        for feature in collection["features"]:
            props = feature.get("properties") if isinstance(feature, dict) else None
            props = props if isinstance(props, dict) else {}
            link = next((props[k] for k in PROFILE_LINK_KEYS if props.get(k)), None)
            url = profile_url(urljoin(base, str(link))) if link else None
            name = clean(" ".join(str(props.get(k) or "") for k in ("firstName", "lastName"))) or clean(
                str(props.get("name") or ""))
            if url and name:
                entries.setdefault(url, WalkEntry(name=name, url=url))
        if collection["features"] and not entries:
            return WalkPage(error=f"listing page not recognised (map features without names and profile links) "
                                  f"at {response.url}")
    if not entries:
        for link in response.css("a.prov-name, a.provider-card-name"):
            url = profile_url(urljoin(base, link.attrib.get("href", "")))
            name = clean(" ".join(link.css("::text").getall()))
            if url and name:
                entries.setdefault(url, WalkEntry(name=name, url=url))
    if not entries and not (response.css(".no-results") or NO_RESULTS_TEXT.search(visible_text(response))):
        return WalkPage(error=f"listing page not recognised (no mapboxlocations, no result cards, no 'no results' "
                              f"notice) at {response.url}")
    return WalkPage(entries=list(entries.values()), more=_more_pages(response) if entries else False)


def _more_pages(response) -> bool | None:
    """Whether a results page has a next one: a "Next" link in its pagination; else the count in the heading
    against the page number (10 a page); None when the page says neither."""
    pagination = response.css("nav.pagination, .pagination")
    if pagination:
        return any(_is_next(link) for link in pagination.css("a"))
    total = _results_count(first_text(response, "h1.results-title, .results-title"))
    page = integer(response.css("[data-pagenumber]::attr(data-pagenumber)").get()) or _page_asked(response.url)
    return None if total is None or page is None else page * RESULTS_PER_PAGE < total


def _is_next(link) -> bool:
    text = clean(" ".join(link.css("::text").getall())) or ""
    return link.attrib.get("rel") == "next" or text.lower().startswith("next") or "next" in (link.attrib.get("class") or "")


def _results_count(heading: str | None) -> int | None:
    """How many results a heading counts: "23 results for …", "Showing 1-10 of 23 providers" (None if it does not)."""
    match = re.search(r"(\d[\d,]*)\s+(?:results?|providers?|doctors?|matches)\b", heading or "", re.I)
    return int(match.group(1).replace(",", "")) if match else None


def _page_asked(url: str) -> int | None:
    match = re.search(r"[?&]pagenumber=(\d+)", url)
    return int(match.group(1)) if match else None


# ----- profile ------------------------------------------------------------------------------------


def parse_profile_page(response) -> dict | None:
    """The listing on a profile page (any tab), or None when no physician name can be found on it."""
    physician = sd.first_object(sd.structured_objects(response), *sd.PHYSICIAN_TYPES) or {}
    name = sd.text(physician.get("name")) or first_text(response, "h1.provider-full-name")
    if not name:
        return None
    url = profile_url(canonical_url(response) or "") or profile_url(response.url) or response.url
    offices = _offices(response)
    rating, count = sd.aggregate_rating(physician)
    page_rating, page_count = _rating_summary(response)
    specialty = sd.text(physician.get("medicalSpecialty"))
    if specialty and specialty.startswith("http"):
        specialty = None
    return listing_record(
        source=SOURCE,
        url=url,
        source_id=provider_id(url),
        name=name,
        specialty=specialty or first_text(response, "span.prov-specialty-name"),
        practice_name=next((o["practice_name"] for o in offices if o["practice_name"]), None),
        addresses=sd.postal_addresses(physician) or [o["address"] for o in offices if any(o["address"].values())],
        phones=sd.telephones(physician) or list(dict.fromkeys(o["phone"] for o in offices if o["phone"])),
        npi=sd.npi_of(physician) or _npi(response),
        rating=rating if rating is not None else page_rating,
        review_count=count if count is not None else page_count,
        accepting_new_patients=_accepting(response),
    )


def _offices(response) -> list[dict]:
    offices = []
    for city in response.css(".location-city"):
        # The location block: the outermost ancestor holding only this one city.
        block = city.xpath('./ancestor::*[contains(concat(" ", normalize-space(@class), " "), " location-line ")][1]')
        if not block:  # another wrapper: the outermost ancestor holding only this one city
            block = city.xpath(
                './ancestor::*[count(.//*[contains(concat(" ", normalize-space(@class), " "), " location-city ")]) = 1]'
                '[not(self::body) and not(self::html)][last()]'
            ) or city.xpath("./..")
        block = block[0]
        phone = first_text(block, ".loc-co-tpphn")
        if not phone:
            href = block.css(".loc-co-tpphn::attr(href)").get() or ""
            phone = href[4:] if href.startswith("tel:") else None
        offices.append({
            "practice_name": first_text(block, ".prov-location-name"),
            "address": address(
                first_text(block, ".location-street"),
                clean(" ".join(city.css("::text").getall())),
                first_text(block, ".location-state"),
                first_text(block, ".location-zipcode"),
            ),
            "phone": phone,
        })
    return offices


def _rating_summary(response) -> tuple[float | None, int | None]:
    """(overall rating, number of ratings) from the profile header; (None, 0) when nobody rated."""
    summary = response.css(".overall-rating")
    if not summary:
        return None, None
    return number(first_text(summary[0], ".avg-rating")), integer(first_text(summary[0], ".ratings-count"))


def _npi(response) -> str | None:
    value = re.sub(r"\D", "", " ".join(response.css(".prov-npi ::text").getall()))
    if len(value) == 10:
        return value
    match = NPI_TEXT.search(visible_text(response))
    return match.group(1) if match else None


def _accepting(response) -> bool | None:
    text = clean(" ".join(response.css(".accepting-new-patients ::text").getall()))
    if not text:
        return None
    return not re.search(r"\bnot\b", text, re.I)


# ----- reviews ------------------------------------------------------------------------------------


def parse_reviews_page(response) -> ReviewsPage:
    """The reviews a profile tab shows; not recognised when the page has no reviews list."""
    lists = response.css(".reviews-list")
    if not lists:
        return ReviewsPage([], recognised=False)
    reviews = []
    for card in lists.css(".review-card"):
        stars = card.css(".review-stars::attr(data-rating)").get()
        reviews.append(review(
            review_id=(card.attrib.get("data-review-id") or "").strip() or None,
            date=iso_date(first_text(card, ".review-date")),
            rating=number(stars),
            text=clean(" ".join(card.css(".review-text ::text").getall())),
            author=first_text(card, ".review-author"),
            response=clean(" ".join(card.css(".provider-response .response-text ::text").getall())),
            response_date=iso_date(first_text(card, ".provider-response .response-date")),
        ))
    return ReviewsPage(reviews, total=integer(first_text(response, ".reviews-total-count")))


