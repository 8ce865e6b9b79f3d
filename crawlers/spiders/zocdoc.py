"""Zocdoc: search by specialty and place, then profiles (Redux state) and the reviews API.

Search by specialty and place (the default, ``crawlers.spiders.walk``): the public search for the specialty
in the city, ``GET /search?address=CITY, ST&search_query=SPECIALTY&offset=N`` (``search_query`` the term of
the site's search box, ``crawlers.specialties``: "Cardiologist"; ``offset`` pages by 10), every page up to
``WALK_PAGES_MAX``, shared by all roster physicians of that specialty and city; the results are the same
state as below, complete when ``offset`` plus the page's results reach ``totalCount``. A result's name is
the provider's ``approvedFullName``. In 2025–26 the bot wall (DataDome) answers plain HTTP clients with 403:
the walk ends "blocked", its physicians unknown, never missing. The name search below is used with
``SEARCH_BY={"zocdoc": "name"}`` and for a specialty the map does not know.

Every page embeds the app's state as ``window.__REDUX_STATE__ = JSON.parse("…")``: the JSON text is itself a
JavaScript string literal (double-encoded; slashes and angle brackets written ``\\u002F``, ``\\u003C``), so
it is decoded twice: the JS string first, then the JSON (``crawlers.embedded``).

Search: ``GET /search?address=CITY, ST&searchQuery=FIRST LAST&searchType=name&offset=0``. ``address`` is the
place as the site's location box takes it, ``searchQuery`` the name typed in its search box, ``searchType=name``
asks for providers by name rather than by specialty or visit reason (those searches carry ``dr_specialty``
and a ``searchQueryGuid`` instead), ``offset`` pages by 10 (one page is enough for a name near a city). The
results are in the state at ``search.data.providerLocations[]`` (``{id, provider, location}``, provider:
``monolithId``, ``npi``, ``approvedFullName``, ``profileUrl``, ``averageRating``, ``reviewCount``...) with
``search.data.totalCount``; the directory pages ``/{specialty}/{location}-{id}pm`` carry the same list at
``listing.providerLocations``. An empty list with ``totalCount`` 0 is a search without results. Fallback:
the result cards' ``a[data-test="doctor-card-info-name"]`` links, and a ``data-test="no-results"`` notice.

Profile: ``/doctor/{first}-{last}-{cred}-{id}`` (``id`` is the numeric ``monolithId``, our ``source_id``); the
state's ``profile.data.provider`` holds ``approvedFullName``, ``npi``, ``specialties[].name``,
``acceptsNewPatients``, ``averageRating`` (5 stars), ``reviewCount`` (ratings), ``approvedLocations[]``
(``practiceName``, ``address1``, ``address2``, ``city``, ``state``, ``zipCode``, ``phone``) and ``reviews[]``,
the newest 10 (``reviewId``, ``overallRating``, ``comment``, ``submittedAt``, ``patientName``,
``providerResponse.comment``). The page's schema.org microdata (``Physician`` with ``Review``s marked
``itemprop="reviewBody"``/``"datePublished"``) is the fallback when the state is missing.

More reviews: ``GET /api/provider/{id}/reviews?page=N&pageSize=10`` answers ``{"reviews": [...],
"totalCount": K}`` (K written reviews), page 1 being the profile's own ten. The spider asks for the page after
the reviews it holds, up to REVIEW_PAGES_MAX pages beyond the profile's.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

import scrapy

from crawlers import structured as sd
from crawlers.embedded import assigned
from crawlers.items import address, listing_record, review
from crawlers.spiders.base import ReviewsPage, SearchOutcome
from crawlers.spiders.walk import WalkEntry, WalkPage, WalkSpider
from crawlers.text import collapse, iso_date, without_query

SOURCE = "zocdoc"
REVIEWS_PER_PAGE = 10
WALK_PER_PAGE = 10  # search results a page (``offset`` steps)
PROFILE_PATH = re.compile(r"^(.*?/doctor/[a-z0-9-]*?-?(\d+))/?(?:[?#]|$)", re.IGNORECASE)



class ZocdocSpider(WalkSpider):
    name = "zocdoc"
    label = "Zocdoc"
    reads_responses = True
    order = 60
    kind = "review_site"
    site_url = "https://www.zocdoc.com"
    fetch_reviews = True
    name_search = True

    def walk_request(self, specialty: str, city: str, state: str, page: int, **kwargs) -> scrapy.Request:
        return scrapy.Request(walk_url(self.base_url, specialty, city, state, page), **kwargs)

    def parse_walk_page(self, response) -> WalkPage:
        return parse_walk_page(response)

    def name_query(self, target: dict) -> str:
        params = search_params(target)
        return f"{params['searchQuery']} near {params['address']}" if params.get("address") else params["searchQuery"]

    def search_request(self, state, **kwargs) -> scrapy.Request:
        return scrapy.Request(f"{self.base_url}/search?{urlencode(search_params(state.target))}", **kwargs)

    def parse_search(self, response) -> SearchOutcome:
        return parse_search_page(response)

    def parse_profile(self, response) -> dict | None:
        return parse_profile_page(response)

    def reviews_request(self, listing: dict, page: int, **kwargs) -> scrapy.Request | None:
        url = reviews_url(self.base_url, listing)
        return scrapy.Request(url, **kwargs) if url else None

    def parse_reviews(self, response) -> ReviewsPage:
        return parse_reviews_response(response)


def search_params(target: dict, offset: int = 0) -> dict:
    """The query of a name search near the target's first practice place."""
    name = " ".join(p for p in (target.get("first_name"), target.get("last_name")) if p)
    city, state = target.get("city"), target.get("state")
    params = {}
    where = f"{city}, {state}" if city and state else (city or state or target.get("zip") or "")
    if where:
        params["address"] = where
    params.update({"searchQuery": name, "searchType": "name", "offset": str(offset)})
    return params


def walk_url(base: str, specialty: str, city: str, state: str, page: int = 1) -> str:
    """The search results page ``page`` for ``specialty`` (Zocdoc's search term) in ``city, state``."""
    params = {"address": f"{city}, {state}", "search_query": specialty, "offset": str((page - 1) * WALK_PER_PAGE)}
    return f"{base}/search?{urlencode(params)}"


def reviews_url(base: str, listing: dict) -> str | None:
    """The reviews API page after the reviews ``listing`` holds, or None when it holds them all.

    The profile itself holds the first page, and pages are full until the last one: a listing holding a
    positive multiple of ten reviews may have more, any other number is all there is.
    """
    held = len(listing.get("reviews") or [])
    if not listing.get("source_id") or not held or held % REVIEWS_PER_PAGE:
        return None
    query = urlencode({"page": held // REVIEWS_PER_PAGE + 1, "pageSize": REVIEWS_PER_PAGE})
    return f"{base}/api/provider/{listing['source_id']}/reviews?{query}"


def profile_url(url: str) -> str | None:
    """The canonical profile URL (no query or fragment), or None if ``url`` is no profile URL."""
    match = PROFILE_PATH.match(url or "")
    if not match:
        return None
    return without_query(match.group(1))


def provider_id(url: str) -> str | None:
    match = PROFILE_PATH.match(url or "")
    return match.group(2) if match else None


# ----- the Redux state ----------------------------------------------------------------------------


def redux_state(text: str) -> dict | None:
    """``window.__REDUX_STATE__`` of a page: ``JSON.parse("…")`` (decoded twice) or an object literal."""
    return assigned(text, "window.__REDUX_STATE__")


def _path(data, *keys):
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


# ----- search -------------------------------------------------------------------------------------


def parse_search_page(response) -> SearchOutcome:
    state = redux_state(response.text) or {}
    base = page_base(response)
    for block in (_path(state, "search", "data"), _path(state, "listing")):
        if not isinstance(block, dict) or not isinstance(block.get("providerLocations"), list):
            continue
        urls = []
        for entry in block["providerLocations"]:
            provider = entry.get("provider") if isinstance(entry, dict) else None
            link = (provider or {}).get("profileUrl")
            url = profile_url(urljoin(base, str(link))) if link else None
            if url:
                urls.append(url)
        urls = list(dict.fromkeys(urls))
        if urls:
            return SearchOutcome(profile_urls=urls)
        if not block["providerLocations"] and block.get("totalCount") == 0:
            return SearchOutcome()
    hrefs = response.css('a[data-test="doctor-card-info-name"]::attr(href)').getall()
    urls = list(dict.fromkeys(u for u in (profile_url(urljoin(base, h)) for h in hrefs) if u))
    if urls:
        return SearchOutcome(profile_urls=urls)
    if response.css('[data-test="no-results"]'):
        return SearchOutcome()
    return SearchOutcome(error=f"search page not recognised (no providerLocations in __REDUX_STATE__, no result "
                               f"cards, no 'no results' notice) at {response.url}")


def parse_walk_page(response) -> WalkPage:
    """A search results page of a walk: each provider's name and profile, and whether more follow."""
    block = _path(redux_state(response.text) or {}, "search", "data")
    if not isinstance(block, dict) or not isinstance(block.get("providerLocations"), list):
        if response.css('[data-test="no-results"]'):
            return WalkPage(more=False)
        return WalkPage(error=f"listing page not recognised (no search.data.providerLocations in __REDUX_STATE__) "
                              f"at {response.url}")
    base = page_base(response)
    entries: dict[str, WalkEntry] = {}
    for item in block["providerLocations"]:
        provider = item.get("provider") if isinstance(item, dict) else None
        provider = provider if isinstance(provider, dict) else {}
        link, name = provider.get("profileUrl"), collapse(str(provider.get("approvedFullName") or "")) or None
        url = profile_url(urljoin(base, str(link))) if link else None
        if url and name:
            entries.setdefault(url, WalkEntry(name=name, url=url))
    if block["providerLocations"] and not entries:
        return WalkPage(error=f"listing page without providers' names and profile links at {response.url}")
    total = block.get("totalCount") if isinstance(block.get("totalCount"), int) else None
    offset = re.search(r"[?&]offset=(\d+)", response.url)
    seen = (int(offset.group(1)) if offset else 0) + len(block["providerLocations"])
    return WalkPage(entries=list(entries.values()), more=None if total is None else seen < total)


# ----- profile ------------------------------------------------------------------------------------


def parse_profile_page(response) -> dict | None:
    """The listing on a profile page, or None when neither the state nor the microdata name a physician."""
    provider = _path(redux_state(response.text), "profile", "data", "provider")
    if isinstance(provider, dict) and (provider.get("approvedFullName") or provider.get("lastName")):
        return listing_from_provider(provider, _page_url(response, provider.get("profileUrl")))
    objects = sd.structured_objects(response)
    physician = sd.first_object(objects, *sd.PHYSICIAN_TYPES)
    if not physician or not sd.text(physician.get("name")):
        return None
    return _listing_from_microdata(physician, sd.find_objects(objects, "Review"), _page_url(response, None))


def page_base(response) -> str:
    """What relative links on the page are relative to: its address, or for a saved file its canonical URL."""
    if response.url.startswith(("http://", "https://")):
        return response.url
    canonical = (response.css('link[rel="canonical"]::attr(href)').get() or "").strip()
    return canonical if canonical.startswith(("http://", "https://")) else response.url


def _page_url(response, state_url: str | None) -> str:
    base = page_base(response)
    for candidate in (state_url, response.css('link[rel="canonical"]::attr(href)').get(), response.url):
        url = profile_url(urljoin(base, candidate.strip())) if candidate else None
        if url and url.startswith(("http://", "https://")):
            return url
    return profile_url(response.url) or response.url


def listing_from_provider(provider: dict, url: str) -> dict:
    """A listing from the state's ``profile.data.provider`` object."""
    addresses, phones, practices = [], [], []
    for location in provider.get("approvedLocations") or []:
        if not isinstance(location, dict):
            continue
        entry = address(
            _join(location.get("address1"), location.get("address2")),
            collapse(location.get("city")), collapse(location.get("state")), collapse(location.get("zipCode")),
        )
        if any(entry.values()) and entry not in addresses:
            addresses.append(entry)
        phone = collapse(location.get("phone"))
        if phone and phone not in phones:
            phones.append(phone)
        practice = collapse(location.get("practiceName"))
        if practice:
            practices.append(practice)
    specialties = [collapse(s.get("name") if isinstance(s, dict) else s) for s in provider.get("specialties") or []]
    number = re.sub(r"\D", "", str(provider.get("npi") or ""))
    monolith = provider.get("monolithId")
    rating = provider.get("averageRating")
    count = provider.get("reviewCount")
    accepting = provider.get("acceptsNewPatients")
    return listing_record(
        source=SOURCE,
        url=url,
        source_id=str(monolith) if monolith not in (None, "") else provider_id(url),
        name=collapse(provider.get("approvedFullName")) or _assembled_name(provider),
        specialty=next((s for s in specialties if s), None),
        practice_name=practices[0] if practices else None,
        addresses=addresses,
        phones=phones,
        npi=number if len(number) == 10 else None,
        rating=float(rating) if isinstance(rating, (int, float)) and count != 0 else None,  # 0 = not rated
        review_count=int(count) if isinstance(count, (int, float)) else None,
        accepting_new_patients=accepting if isinstance(accepting, bool) else None,
        reviews=[_review(r) for r in provider.get("reviews") or [] if isinstance(r, dict)],
    )


def _assembled_name(provider: dict) -> str:
    name = " ".join(p for p in (collapse(provider.get(k)) for k in ("prenominal", "firstName", "lastName")) if p)
    suffix = collapse(provider.get("postnominal"))
    return f"{name}, {suffix}" if suffix else name


def _listing_from_microdata(physician: dict, reviews: list[dict], url: str) -> dict:
    rating, count = sd.aggregate_rating(physician)
    return listing_record(
        source=SOURCE,
        url=url,
        source_id=provider_id(url),
        name=sd.text(physician.get("name")),
        specialty=sd.text(physician.get("medicalSpecialty")),
        addresses=sd.postal_addresses(physician),
        phones=list(dict.fromkeys(p.removeprefix("tel:") for p in sd.telephones(physician))),
        npi=sd.npi_of(physician),
        rating=rating,
        review_count=count,
        reviews=[review(
            review_id=None,
            date=iso_date(sd.text(r.get("datePublished"))),
            rating=sd.stars(r.get("reviewRating")),
            text=sd.text(r.get("reviewBody")),
            author=sd.text(r.get("author")),
        ) for r in reviews],
    )


def _review(data: dict) -> dict:
    response = data.get("providerResponse")
    answered = None
    if isinstance(response, dict):
        when = response.get("submittedAt") or response.get("createdAt")
        response, answered = response.get("comment"), iso_date(when if isinstance(when, str) else None)
    score = data.get("overallRating")
    return review(
        review_id=str(data["reviewId"]) if data.get("reviewId") is not None else None,
        date=iso_date(data.get("submittedAt")),
        rating=float(score) if isinstance(score, (int, float)) else None,
        text=data.get("comment"),
        author=collapse(data.get("patientName")),
        response=response or None,
        response_date=answered,
    )


def _join(*parts) -> str | None:
    joined = ", ".join(p for p in (collapse(x) for x in parts) if p)
    return joined or None


# ----- reviews API --------------------------------------------------------------------------------


def parse_reviews_response(response) -> ReviewsPage:
    """A reviews API answer; anything else (an HTML page included) is not recognised."""
    try:
        data = json.loads(response.text)
    except ValueError:
        return ReviewsPage([], recognised=False)
    return parse_reviews_json(data)


def parse_reviews_json(data) -> ReviewsPage:
    reviews = data.get("reviews") if isinstance(data, dict) else None
    if not isinstance(reviews, list):
        return ReviewsPage([], recognised=False)
    total = data.get("totalCount")
    return ReviewsPage([_review(r) for r in reviews if isinstance(r, dict)],
                       total=int(total) if isinstance(total, (int, float)) else None)
