"""Vitals: search by specialty and place, then profiles and their review pages.

Search by specialty and place (the default, ``crawlers.spiders.walk``): the directory of the specialty in the
city, ``/{specialty-slug}/{st}/{city}?page=N`` (``cardiologists/or/portland``; the slug from
``crawlers.specialties``), every page up to ``WALK_PAGES_MAX``, shared by all roster physicians of that
specialty and city. ``searchResults`` says ``total``, ``page`` and ``perPage``: the pages are complete when
``page`` × ``perPage`` reaches ``total`` (without them, a page listing nobody ends the walk). Vitals has no
usable name search (nothing of 2019–26 supports ``/search?q=``, and its robots.txt disallowed ``/search?``):
a physician whose specialty the map does not know is "not searched" (``not_searched``), never missing. The
name-search code below reads saved search pages (``repmon parse``) and is used by no crawl.

Pages, newest first (each version is still read, so a saved page of any age parses):

- 2025 (Next.js): the data sits in ``<script id="__NEXT_DATA__" type="application/json">`` under
  ``props.pageProps``:
  - search ``/search?q=NAME&location=CITY, ST`` and the directory ``/{specialty-slug}/{st}/{city}?page=N``:
    ``searchResults.providers[]`` (``id``, ``name``, ``specialty``, ``url``, ``rating``, ``reviewCount``,
    ``location``) with ``total``; an empty ``providers`` list is a genuine "no results";
  - profile ``/doctors/{6-char-id}/{first-last}``: ``provider`` (``id``, ``npi``, ``name``, ``specialty``,
    ``acceptingNewPatients``, ``rating``, ``reviewCount``, ``locations[]`` of ``practiceName``,
    ``address`` {``line1``, ``line2``, ``city``, ``state``, ``zip``} and ``phone``) and ``reviews``
    (``items[]`` of ``id``, ``date``, ``rating``, ``title``, ``text``, ``author``, ``response``; ``total``,
    ``page``, ``perPage``): the newest few;
  - reviews ``/doctors/{id}/{first-last}/reviews?page=N``: the same ``provider`` and 12 ``reviews`` a page.
  A JSON-LD ``Physician`` (name, medicalSpecialty, address, telephone, aggregateRating) is the fallback.
- 2020–21: ``window.__INITIAL_STATE__ = {...}`` holding the provider (``provider_id``, ``npi``,
  ``fullname``, ``specialty``, ``acceptsnewpatients``, ``number_of_ratings``, ``rating_score``,
  ``locations[]``, ``recent_reviews[]``); profile URLs ``/doctors/Dr_First_Last.html``.
- 2015: schema.org microdata ``Physician`` (address only) on the body; name in the header ``h1``
  (``span.degree`` for the credential), specialty in ``.provider-details strong``, rating in
  ``.rating-overview .overview-number``, the number of ratings in ``#overall_total_ratings``, reviews in
  ``#reviewspane .review[data-review-id]``; the provider's numeric id in the ``dataLayer``. The phone is
  only on the "office-locations" tab, so a 2015 listing has none.

The search URL is our choice: Vitals' own search box sends ``/search?q=&location=``-style queries, and a
name search is one request per physician where the directory (``/{specialty}/{st}/{city}``) would need
every page of a city. Vitals' robots.txt (2015 copy in the saved page) disallowed ``/search?``; the crawl
obeys robots.txt, so if the live file still does, searches end "disallowed" (reported, never "no
listing") while known profile URLs are still revisited.

``source_id`` is the 6-character id of the profile URL (2025), else the provider's numeric id (2015–21).
``review_count`` is the number of ratings behind the score (Vitals counts star-only ratings as reviews).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

import scrapy

from crawlers import structured as sd
from crawlers.items import address, listing_record, review
from crawlers.spiders.base import ReviewsPage, SearchOutcome, search_terms
from crawlers.spiders.walk import WalkEntry, WalkPage, WalkSpider
from crawlers.text import clean, integer, iso_date, number, without_query

SOURCE = "vitals"
REVIEWS_PER_PAGE = 12
PROFILE_2025 = re.compile(r"^(.*?/doctors/([A-Za-z0-9]{6})/([A-Za-z0-9-]+))(?:[/?#]|$)")
PROFILE_LEGACY = re.compile(r"^(.*?/doctors/(Dr_[^/?#.]+))(?:\.html)?(?:[/?#]|$)")
INITIAL_STATE = re.compile(r"__INITIAL_STATE__\s*=\s*")
DATA_LAYER_ID = re.compile(r'"provider\.id"\s*:\s*"?(\d+)')
WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


class VitalsSpider(WalkSpider):
    name = "vitals"
    label = "Vitals"
    reads_responses = True
    order = 40
    kind = "review_site"
    site_url = "https://www.vitals.com"
    fetch_reviews = True
    name_search = False  # nothing supports /search?q= (see below): an unmapped specialty is not searched

    def walk_request(self, specialty: str, city: str, state: str, page: int, **kwargs) -> scrapy.Request:
        return scrapy.Request(walk_url(self.base_url, specialty, city, state, page), **kwargs)

    def parse_walk_page(self, response) -> WalkPage:
        return parse_walk_page(response)

    def search_request(self, state, **kwargs) -> scrapy.Request:
        what, where = search_terms(state.target)
        params = {"q": what, "location": where} if where else {"q": what}
        return scrapy.Request(f"{self.base_url}/search?{urlencode(params)}", **kwargs)

    def parse_search(self, response) -> SearchOutcome:
        return parse_search_page(response)

    def parse_profile(self, response) -> dict | None:
        return parse_profile_page(response)

    def reviews_request(self, listing: dict, page: int, **kwargs) -> scrapy.Request | None:
        url = reviews_url(listing["url"], page)
        if url is None or listing.get("review_count") == 0:
            return None  # nobody rated this physician: no review pages
        return scrapy.Request(url, **kwargs)

    def parse_reviews(self, response) -> ReviewsPage:
        return parse_reviews_page(response)


def profile_url(url: str) -> str | None:
    """The canonical profile URL (no tab, query or fragment), or None if ``url`` is not a profile's.

    2025: ``…/doctors/k3x9qp/jane-doe``; 2015–21: ``…/doctors/Dr_Jane_Doe.html`` (also from its tabs,
    ``…/doctors/Dr_Jane_Doe/reviews``).
    """
    match = PROFILE_2025.match(url)
    if match:
        return without_query(match.group(1))
    match = PROFILE_LEGACY.match(url)
    if match:
        return without_query(match.group(1)) + ".html"
    return None


def profile_id(url: str) -> str | None:
    """The 6-character id of a 2025 profile URL."""
    match = PROFILE_2025.match(url)
    return match.group(2) if match else None


def reviews_url(profile: str, page: int) -> str | None:
    """``…/doctors/k3x9qp/jane-doe/reviews?page=2`` (2015–21: ``…/doctors/Dr_Jane_Doe/reviews?page=2``)."""
    canonical = profile_url(profile)
    if canonical is None:
        return None
    root = canonical[: -len(".html")] if canonical.endswith(".html") else canonical
    return f"{root}/reviews?page={page}"


def _absolute(response, href) -> str:
    """``href`` made absolute; on a saved file (a file:// URL) relative to the real site, not the disk."""
    base = response.url if response.url.startswith("http") else "https://www.vitals.com/"
    return urljoin(base, str(href or "").strip())


# ----- embedded state ------------------------------------------------------------------------------


def next_data(response) -> dict | None:
    """The ``__NEXT_DATA__`` JSON of a 2025 page, or None."""
    raw = response.xpath('//script[@id="__NEXT_DATA__"]/text()').get()
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _page_props(response) -> dict:
    data = next_data(response) or {}
    props = data.get("props") if isinstance(data.get("props"), dict) else {}
    page_props = props.get("pageProps")
    return page_props if isinstance(page_props, dict) else {}


def initial_state(response) -> dict | None:
    """The ``window.__INITIAL_STATE__`` object of a 2020–21 page, or None."""
    for script in response.xpath("//script[not(@src)]/text()").getall():
        match = INITIAL_STATE.search(script)
        if not match:
            continue
        try:
            data, _ = json.JSONDecoder().raw_decode(script, match.end())
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _find_dict(value, key: str) -> dict | None:
    """The first dict (depth first) inside ``value`` having ``key``."""
    if isinstance(value, dict):
        if key in value:
            return value
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = _find_dict(child, key)
        if found is not None:
            return found
    return None


# ----- search -------------------------------------------------------------------------------------


def parse_search_page(response) -> SearchOutcome:
    results = _page_props(response).get("searchResults")
    providers = results.get("providers") if isinstance(results, dict) else None
    if not isinstance(providers, list):
        return SearchOutcome(error=f"search page not recognised (no __NEXT_DATA__ searchResults) at {response.url}")
    urls = [profile_url(_absolute(response, p.get("url"))) for p in providers if isinstance(p, dict)]
    urls = list(dict.fromkeys(u for u in urls if u))
    if providers and not urls:
        return SearchOutcome(error=f"search results without profile links at {response.url}")
    return SearchOutcome(profile_urls=urls)


def walk_url(base: str, specialty: str, city: str, state: str, page: int = 1) -> str:
    """The directory page of ``specialty`` (Vitals' slug) in ``city, state``: ``/cardiologists/or/portland``."""
    place = re.sub(r"[^a-z0-9]+", "-", city.lower()).strip("-")
    url = f"{base}/{specialty}/{state.lower()}/{place}"
    return f"{url}?{urlencode({'page': page})}" if page > 1 else url


def parse_walk_page(response) -> WalkPage:
    """A directory page: each provider's name and profile, and whether another page follows."""
    results = _page_props(response).get("searchResults")
    providers = results.get("providers") if isinstance(results, dict) else None
    if not isinstance(providers, list):
        return WalkPage(error=f"listing page not recognised (no __NEXT_DATA__ searchResults) at {response.url}")
    entries = []
    for provider in providers:
        if not isinstance(provider, dict):
            continue
        url, name = profile_url(_absolute(response, provider.get("url"))), _text(provider.get("name"))
        if url and name:
            entries.append(WalkEntry(name=name, url=url))
    if providers and not entries:
        return WalkPage(error=f"listing page without providers' names and profile links at {response.url}")
    total, page, per_page = (integer(results.get(k)) for k in ("total", "page", "perPage"))
    more = page * per_page < total if None not in (total, page, per_page) else None
    return WalkPage(entries=entries, more=more)


# ----- profile ------------------------------------------------------------------------------------


def parse_profile_page(response) -> dict | None:
    """The listing on a profile (or reviews) page of any version, or None when no physician is found."""
    state = _from_next_data(response) or _from_initial_state(response)
    schema_org = _from_schema_org(response) if state is None or _gaps(state) else None
    fields = _merged(state or {}, schema_org or {})
    if not fields.get("name"):
        return None
    url = (profile_url(response.url) or _canonical_from_page(response, fields.get("url")) or without_query(response.url))
    page = parse_reviews_page(response)
    return listing_record(
        source=SOURCE,
        url=url,
        source_id=profile_id(url) or fields.get("source_id"),
        name=fields["name"],
        specialty=fields.get("specialty"),
        practice_name=fields.get("practice_name"),
        addresses=fields.get("addresses"),
        phones=fields.get("phones"),
        npi=fields.get("npi"),
        rating=fields.get("rating"),
        review_count=fields.get("review_count"),
        accepting_new_patients=fields.get("accepting_new_patients"),
        reviews=page.reviews if page.recognised else [],
    )


def _gaps(fields: dict) -> list[str]:
    return [k for k, v in fields.items() if v is None or v == []]


def _merged(first: dict, second: dict) -> dict:
    """``first``'s fields, its gaps filled from ``second`` (the embedded state wins over JSON-LD)."""
    merged = dict(second)
    merged.update({k: v for k, v in first.items() if v is not None and v != []})
    return merged


def _canonical_from_page(response, data_url: str | None) -> str | None:
    """A saved page's own profile URL: the embedded data's, else ``<link rel=canonical>``, else og:url."""
    candidates = [
        data_url,
        response.xpath('//link[@rel="canonical"]/@href').get(),
        response.xpath('//meta[@property="og:url"]/@content').get(),
    ]
    for candidate in candidates:
        url = profile_url(_absolute(response, candidate)) if candidate else None
        if url:
            return url
    return None


def _from_next_data(response) -> dict | None:
    provider = _page_props(response).get("provider")
    if not isinstance(provider, dict) or not _text(provider.get("name")):
        return None
    offices = [_office_2025(l) for l in provider.get("locations") or [] if isinstance(l, dict)]
    specialty = provider.get("specialty")
    rating = provider.get("rating")
    return {
        "name": _text(provider.get("name")),
        "url": _text(provider.get("url")),
        "source_id": _text(provider.get("id")),
        "npi": _npi(provider.get("npi")),
        "specialty": _text(specialty.get("name") if isinstance(specialty, dict) else specialty),
        "rating": number(rating.get("average") if isinstance(rating, dict) else rating),
        "review_count": integer(provider.get("reviewCount")),
        "accepting_new_patients": _bool(provider.get("acceptingNewPatients")),
        **_offices_fields(offices),
    }


def _office_2025(location: dict) -> dict:
    place = location.get("address") if isinstance(location.get("address"), dict) else {}
    street = ", ".join(p for p in (_text(place.get("line1")), _text(place.get("line2"))) if p) or None
    return {
        "practice_name": _text(location.get("practiceName")),
        "address": address(street, _text(place.get("city")), _text(place.get("state")), _text(place.get("zip"))),
        "phone": _text(location.get("phone")),
    }


def _from_initial_state(response) -> dict | None:
    provider = _find_dict(initial_state(response), "fullname")
    if not provider or not _text(provider.get("fullname")):
        return None
    offices = []
    for location in provider.get("locations") or []:
        if not isinstance(location, dict):
            continue
        street = ", ".join(p for p in (_text(location.get("address_1")), _text(location.get("address_2"))) if p) or None
        offices.append({
            "practice_name": _text(location.get("practice_name")),
            "address": address(street, _text(location.get("city")), _text(location.get("state")),
                               _text(location.get("zip_code") or location.get("zip"))),
            "phone": _text(location.get("phone")),
        })
    specialty = provider.get("specialty")
    return {
        "name": _text(provider.get("fullname")),
        "url": _text(provider.get("url")),
        "source_id": _text(provider.get("provider_id") or provider.get("id")),
        "npi": _npi(provider.get("npi")),
        "specialty": _text(specialty.get("name") if isinstance(specialty, dict) else specialty),
        "rating": number(provider.get("rating_score")),
        "review_count": integer(provider.get("number_of_ratings")),
        "accepting_new_patients": _bool(provider.get("acceptsnewpatients")),
        **_offices_fields(offices),
    }


def _offices_fields(offices: list[dict]) -> dict:
    return {
        "practice_name": next((o["practice_name"] for o in offices if o["practice_name"]), None),
        "addresses": [o["address"] for o in offices if any(o["address"].values())],
        "phones": list(dict.fromkeys(o["phone"] for o in offices if o["phone"])),
    }


def _from_schema_org(response) -> dict | None:
    """JSON-LD (2025 fallback) or microdata (2015) ``Physician``, completed from the 2015 markup."""
    physician = sd.first_object(sd.structured_objects(response), *sd.PHYSICIAN_TYPES)
    if physician is None:
        return None  # a page that does not declare a physician is no profile, whatever its h1 says
    rating, count = sd.aggregate_rating(physician)
    specialty = sd.text(physician.get("medicalSpecialty"))
    markup = _markup_2015(response)
    return {
        "name": sd.text(physician.get("name")) or markup["name"],
        "url": sd.text(physician.get("url")),
        "source_id": _data_layer_id(response),
        "npi": sd.npi_of(physician),
        "specialty": (None if specialty and specialty.startswith("http") else specialty) or markup["specialty"],
        "practice_name": _practice_of(physician),
        "addresses": sd.postal_addresses(physician),
        "phones": sd.telephones(physician) or markup["phones"],
        "rating": rating if rating is not None else markup["rating"],
        "review_count": count if count is not None else markup["review_count"],
        "accepting_new_patients": _accepting(physician.get("isAcceptingNewPatients"), markup["accepting_new_patients"]),
    }


def _accepting(declared, shown: bool | None) -> bool | None:
    """schema.org ``isAcceptingNewPatients`` (a boolean, or "true"/"false" text), else what the markup says."""
    if isinstance(declared, bool):
        return declared
    if str(declared).strip().lower() in ("true", "false"):
        return str(declared).strip().lower() == "true"
    return shown


def _markup_2015(response) -> dict:
    header = response.css(".mobile-header-content h1, .info-header h1")
    name = None
    if header:
        degree = clean(" ".join(header[0].css(".degree ::text").getall()))
        words = clean(" ".join(header[0].xpath(".//text()[not(ancestor::*[contains(@class, 'degree')])]").getall()))
        name = f"{words}, {degree}" if words and degree else words
    details = clean(" ".join(response.css(".provider-details ::text").getall())) or ""
    specialty = clean((response.css(".provider-details strong::text").get() or "").split(",")[0])
    total_ratings = integer(clean(response.css("#overall_total_ratings h3::text").get()))
    return {
        "name": name,
        "specialty": specialty,
        "rating": number(response.css(".rating-overview .overview-number::text").get()
                          or response.css("#overall_rating span::text").get()),
        "review_count": total_ratings if total_ratings is not None else _data_layer_count(response),
        "accepting_new_patients": (False if re.search(r"not accepting new patients", details, re.I)
                                   else True if re.search(r"accepting new patients", details, re.I) else None),
        "phones": [p for p in (clean(t) for t in response.css('a[href^="tel:"]::text').getall()) if p],
    }


def _data_layer_id(response) -> str | None:
    match = DATA_LAYER_ID.search(response.text)
    return match.group(1) if match else None


def _data_layer_count(response) -> int | None:
    match = re.search(r'"provider\.ratings_count"\s*:\s*"?(\d+)', response.text)
    return int(match.group(1)) if match else None


def _practice_of(physician: dict) -> str | None:
    for key in ("worksFor", "memberOf", "parentOrganization"):
        value = physician.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict) and sd.text(value.get("name")):
            return sd.text(value.get("name"))
    return None


# ----- reviews ------------------------------------------------------------------------------------


def parse_reviews_page(response) -> ReviewsPage:
    """The reviews a page shows: ``__NEXT_DATA__`` (2025), ``recent_reviews`` (2020–21) or markup (2015)."""
    block = _page_props(response).get("reviews")
    if isinstance(block, dict) and isinstance(block.get("items"), list):
        return ReviewsPage([_review_2025(r) for r in block["items"] if isinstance(r, dict)],
                           total=integer(block.get("total")))
    provider = _find_dict(initial_state(response), "recent_reviews")
    if provider is not None and isinstance(provider["recent_reviews"], list):
        return ReviewsPage([_review_2020(r) for r in provider["recent_reviews"] if isinstance(r, dict)])
    pane = response.css("#reviewspane")
    if pane:
        total = integer(clean(response.css("#overall_total_reviews h3::text").get()))
        return ReviewsPage([_review_2015(r) for r in pane.css(".review[data-review-id]")], total=total)
    return ReviewsPage([], recognised=False)


def _review_2025(item: dict) -> dict:
    response = item.get("response")
    answered = None
    if isinstance(response, dict):
        response, answered = response.get("text"), iso_date(_text(response.get("date")))
    author = item.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    return review(
        review_id=_text(item.get("id")),
        date=iso_date(_text(item.get("date"))),
        rating=number(item.get("rating")),
        text=item.get("text"),
        author=_text(author),
        response=response or None,
        response_date=answered,
    )


def _review_2020(item: dict) -> dict:
    return review(
        review_id=_text(item.get("review_id") or item.get("id")),
        date=iso_date(_text(item.get("created_date") or item.get("date"))),
        rating=number(item.get("rating")),
        text=item.get("comment") or item.get("text"),
        author=_text(item.get("reviewer") or item.get("author")),
        response=item.get("response") or None,
    )


def _review_2015(block) -> dict:
    stars = block.css(".rating ul.score li.current::attr(class)").get() or ""
    word = next((w for w in stars.split() if w in WORD_NUMBERS), None)
    date = block.css(".dtreviewed .value-title::attr(title)").get() or clean(block.css(".dtreviewed::text").get())
    return review(
        review_id=block.attrib.get("data-review-id"),
        date=iso_date(date),
        rating=float(WORD_NUMBERS[word]) if word else None,
        text=clean(" ".join(block.css("p.description ::text").getall())),
        author=clean(block.css(".reviewer ::text").get()),
    )


# ----- small helpers ------------------------------------------------------------------------------


def _text(value) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return clean(str(value))


def _bool(value) -> bool | None:
    return value if isinstance(value, bool) else None


def _npi(value) -> str | None:
    digits = re.sub(r"\D", "", str(value or ""))
    return digits if len(digits) == 10 else None
