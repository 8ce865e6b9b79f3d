"""Yelp: the Fusion API (v3) with an API key; saved public business pages for ``repmon parse``.

1. Search: ``GET {base}/v3/businesses/search?term=First Last&location=City, ST&categories=physicians&limit=10``
   with ``Authorization: Bearer KEY``, answering ``{"businesses": [...], "total", "region"}`` (an empty list is an
   ok search without results). A business is a candidate when its ``name`` holds every word of the physician's last
   name (the search also answers with other physicians nearby) and it is not ``is_closed``.
2. Details: ``GET {base}/v3/businesses/{id}`` (the id, or the alias: the API takes both) for each candidate.
3. Reviews: ``GET {base}/v3/businesses/{id}/reviews``: ``{"reviews": [...], "total", "possible_languages"}``, at most
   3 excerpts (Yelp's limit, cut to about 160 characters), so a listing's reviews are always partial; its
   ``review_count`` is the business's own. One page only: the API offers no more to a standard key.

Listing fields (the business object of search and details): ``name``, ``categories[0].title`` (specialty,
"Cardiologists"), ``location`` (address1..3 joined by ", " as the street, city, state, zip_code; one address: a
business is one place; a further line naming a place rather than a unit, "Kelsey-Seybold Clinic" without a
number, is the practice name, not part of the street), ``display_phone`` (else the E.164 ``phone``), ``rating``
(Yelp rounds to half stars; 0 with no reviews, which we give as no rating), ``review_count``. Extra keys:
``alias`` and ``is_closed``.
Reviews: ``id``, ``rating``, ``text`` (an excerpt), ``time_created`` ("2016-08-29 00:41:13", Pacific time; its
day), ``user.name``. The API has no owner responses.

Listing URL (``url``): the business's public page without query, ``https://www.yelp.com/biz/{alias}`` (the API's
``url`` carries utm parameters); on the sandbox ``{sandbox}/yelp/biz/{alias}``, which the sandbox serves too.
``source_id`` is the business id (22 characters); the alias is in ``alias``. A revisit asks the API for the known
URL's alias (no search); ``404 BUSINESS_NOT_FOUND`` or ``is_closed: true`` (closed for good) puts the listing URL
into ``gone``: a closed practice no longer shows patients where the physician is. An answer under another alias (a
renamed business) is the listing at its new URL, the old one gone. In a search, closed businesses are no candidates.
When Yelp withholds a candidate's details (``BUSINESS_UNAVAILABLE``, "for example if they do not have any reviews
yet") the listing is the search answer's business, without reviews; a known business withheld is searched afresh.

Errors come as ``{"error": {"code", "description"}}``: the search record carries Yelp's code and description. HTTP
401/403 (TOKEN_MISSING, TOKEN_INVALID, UNAUTHORIZED_ACCESS_TOKEN...) and 429 (ACCESS_LIMIT_REACHED,
TOO_MANY_REQUESTS_PER_SECOND; retried first) are "blocked"; anything else (400 VALIDATION_ERROR,
LOCATION_NOT_FOUND, 5xx) "error"; ``403 BUSINESS_UNAVAILABLE`` on details is no refusal (above). Without a key
(setting ``YELP_API_KEY``, environment ``REPMON_YELP_API_KEY``) every physician gets an "error" search record naming
the missing key, and nothing is requested.

Public business pages (``/biz/{alias}``), parsed from saved copies only (the crawl uses the API, the official way
in): schema.org ``LocalBusiness`` (microdata in 2015, JSON-LD later) with ``aggregateRating`` (ratingValue,
reviewCount), ``address`` (a first street line without a house number, such as "Prestige Medical Center", is the
practice name), ``telephone`` and ``review[]`` (author, reviewRating, datePublished, description); review ids from
``data-review-id``; the specialty from the category links (``.category-str-list``, 2015) or the last step of the
JSON-LD ``BreadcrumbList``; the business id from ``<meta name="yelp-biz-id">`` or the page's ``biz_id=`` links; the
URL from ``<link rel=canonical>`` / ``og:url`` (made https, as Yelp's canonical addresses are now).

A search answer saved inside a JavaScript file (``let result=[...]``: the ``businesses`` array assigned to a
variable, or the whole answer) is read like the answer itself.

robots.txt is obeyed for the API like for any site; the sandbox's allows these paths.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, unquote, urlencode, urlsplit, urlunsplit

import scrapy

from crawlers import structured as sd
from crawlers.embedded import assignments
from crawlers.items import Failed, address, listing_record, review, search_record
from crawlers.spiders.api import ApiKeySpider
from crawlers.spiders.base import KNOWN_URL, ReviewsPage, SearchOutcome, reviews_record
from crawlers.text import collapse, name_words, quietly, response_json, response_meta
from crawlers.sources import Need

SOURCE = "yelp"
PUBLIC_SITE = "https://www.yelp.com"
SEARCH_LIMIT = 10
CATEGORY = "physicians"
BIZ_PATH = re.compile(r"^(.*?)/biz/([^/?#]+)")
# Error codes that mean "Yelp refuses this key", whatever the HTTP status says.
REFUSALS = {"TOKEN_MISSING", "TOKEN_INVALID", "UNAUTHORIZED_ACCESS_TOKEN", "ACCESS_LIMIT_REACHED",
            "TOO_MANY_REQUESTS_PER_SECOND", "AUTHORIZATION_ERROR"}
# Details Yelp withholds for one business ("for example if they do not have any reviews yet"): not a refusal.
UNAVAILABLE = "BUSINESS_UNAVAILABLE"
BLOCKING_HTTP = (401, 403, 429)
BIZ_TYPES = ("LocalBusiness", "MedicalBusiness", "MedicalClinic", "MedicalOrganization", "Physician",
             "IndividualPhysician", "Dentist", "Optician")
BIZ_ID = re.compile(r"biz_id[=:]([A-Za-z0-9_-]{16,})")
# An address line that is a unit of the street ("Ste F1500", "Suite B", "Bldg 2"), not the name of a place.
UNIT_LINE = re.compile(r"\d|^\s*(?:#|ste\b|suite|unit|apt|bldg|building|floor|fl\b|room|rm\b|dept|wing|level|"
                       r"lobby|ph\b|penthouse|basement|rear|front|lower|upper)", re.IGNORECASE)


class YelpSpider(ApiKeySpider):
    name = "yelp"
    label = "Yelp"
    order = 70
    kind = "api"
    site_url = "https://api.yelp.com"
    needs = (Need("YELP_API_KEY", "REPMON_YELP_API_KEY", "API key"),)
    fetch_reviews = True
    api_label = "Yelp Fusion API"
    quality_fields = ("specialty", "address", "phone", "rating", "review_count")

    def search_query(self, target: dict) -> str:
        term, location = search_terms(target)
        return f"{term} near {location}" if location else term

    def search_request(self, state, **kwargs) -> scrapy.Request:
        term, location = search_terms(state.target)
        query = urlencode({"term": term, "location": location, "categories": CATEGORY, "limit": SEARCH_LIMIT})
        return scrapy.Request(f"{self.base_url}/v3/businesses/search?{query}", headers=self.request_headers(),
                              meta={"last_name": state.target.get("last_name")}, **kwargs)

    def reviews_request(self, listing: dict, page: int, **kwargs) -> scrapy.Request | None:
        if page > 1 or not listing.get("source_id") or listing.get("review_count") == 0:
            return None  # three excerpts is all the API gives; nobody reviewed: nothing to ask
        url = f"{self.base_url}/v3/businesses/{quote(listing['source_id'], safe='')}/reviews"
        return scrapy.Request(url, headers=self.request_headers(), **kwargs)

    def request_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key or ''}", "Accept": "application/json"}

    def revisit_url(self, url: str) -> str | None:
        alias = alias_of(url)
        return f"{self.base_url}/v3/businesses/{quote(alias, safe='')}" if alias else None

    def api_error(self, response) -> Failed | None:
        return api_error(response)

    def is_closed(self, listing: dict) -> bool:
        return bool(listing.get("is_closed"))

    def parse_search(self, response) -> SearchOutcome:
        last_name = response_meta(response).get("last_name")
        outcome = parse_search_answer(response, last_name)
        if not outcome.error:
            # Kept in case Yelp withholds a candidate's details: the search answer has the same fields.
            found = self.__dict__.setdefault("_from_search", {})
            for url, business in search_candidates(response_json(response), api_root(response.url), last_name):
                found[url] = listing_from_business(business)
        return outcome

    def parse_profile(self, response) -> dict | None:
        if "/v3/businesses/" in response.url or _looks_like_json(response):
            return parse_business_answer(response)  # an API answer that is not JSON is no listing
        return parse_biz_page(response)

    def on_failure(self, failure):
        # Details withheld for one business are no refusal: a candidate's listing is the search answer's business
        # (without reviews); a known business withheld is searched afresh.
        request = failure.request
        response = getattr(failure.value, "response", None)
        candidates = self.__dict__.get("_from_search", {})
        details = request.url in candidates or KNOWN_URL in request.meta
        if not (details and response is not None and
                ((response_json(response) or {}).get("error") or {}).get("code") == UNAVAILABLE):
            yield from super().on_failure(failure)
            return
        state = request.cb_kwargs["state"]
        self.inc_stat("details_unavailable")
        listing = candidates.get(request.url)
        if listing:
            yield from self.listing_found(state, dict(listing, reviews=[]))
        else:
            yield from self.next_step(state)

    def parse_reviews(self, response) -> ReviewsPage:
        return parse_reviews_answer(response)

    def parse_saved(self, response) -> list[dict]:
        """A saved API answer or business page: details or a biz page → the listing; a search answer → its
        businesses (the crawl's choice, without the name test: there is no physician to compare with) and a search
        record; reviews → a reviews record; an error answer → a search record with Yelp's code and description."""
        if not _looks_like_json(response):
            listing = quietly(parse_biz_page, response)
            if listing:
                return [listing]
            data = _answer_in_script(response.text)
            if data is None:
                return []
        else:
            data = response_json(response)
        if not isinstance(data, dict):
            return []
        error = error_of(data, getattr(response, "status", 200))
        if error:
            return [search_record(source=SOURCE, npi="", query="", status=error.status, reason=error.reason, reason_code=error.code)]
        if isinstance(data.get("businesses"), list):
            listings = [listing_from_business(b) for b in physician_businesses(data["businesses"])]
            listings = [l for l in listings if l]
            record = search_record(source=SOURCE, npi="", query="", status="ok", results=[l["url"] for l in listings])
            return [*listings, record]
        if isinstance(data.get("reviews"), list):
            return [reviews_record(SOURCE, response.url, parse_reviews_json(data))]
        listing = listing_from_business(data)
        return [listing] if listing else []


def _answer_in_script(text: str) -> dict | None:
    """A search answer a JavaScript file assigns: the whole answer, or its ``businesses`` array alone."""
    for _, value in assignments(text):
        if isinstance(value, dict) and isinstance(value.get("businesses"), list):
            return value
        if isinstance(value, list) and value and all(isinstance(b, dict) and b.get("id") and "alias" in b
                                                     for b in value):
            return {"businesses": value}
    return None


def search_terms(target: dict) -> tuple[str, str]:
    term = " ".join(p for p in (target.get("first_name"), target.get("last_name")) if p)
    location = ", ".join(p for p in (target.get("city"), target.get("state")) if p) or (target.get("zip") or "")
    return term, location


def alias_of(url: str) -> str | None:
    """'https://www.yelp.com/biz/vlad-nusinovich-md-west-hollywood-2?osq=x' → 'vlad-nusinovich-md-west-hollywood-2'."""
    match = BIZ_PATH.match(url or "")
    return unquote(match.group(2)) if match else None


def biz_url(url: str) -> str:
    """A business page URL without query or fragment; Yelp's own host always https."""
    parts = urlsplit(url)
    scheme = "https" if parts.netloc.endswith("yelp.com") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, "", ""))


# ----- API answers --------------------------------------------------------------------------------------------


def api_error(response) -> Failed | None:
    data = response_json(response)
    return error_of(data, response.status) if isinstance(data, dict) else None


def error_of(data: dict, http_status: int = 200) -> Failed | None:
    """(status, reason, code) of ``{"error": {"code", "description"}}``, or None if ``data`` is no error answer."""
    error = data.get("error")
    if not isinstance(error, dict):
        return None
    code = str(error.get("code") or "UNKNOWN_ERROR")
    status = "blocked" if http_status in BLOCKING_HTTP or code in REFUSALS else "error"
    description = " ".join(str(error.get("description") or "no description").split())
    http = f" (HTTP {http_status})" if http_status >= 400 else ""  # a saved answer has lost its status
    return Failed(status, f"Yelp Fusion API error {code}{http}: {description}", "api_error" if status == "error" else status)


def parse_search_answer(response, last_name: str | None = None) -> SearchOutcome:
    """Business search: the details URLs of the physician's businesses; no businesses is an ok empty search."""
    data = response_json(response)
    if data is None:
        return SearchOutcome(error=f"Yelp answer is not JSON at {response.url}")
    if not isinstance(data, dict) or not isinstance(data.get("businesses"), list):
        keys = ", ".join(sorted(data)[:5]) if isinstance(data, dict) else type(data).__name__
        return SearchOutcome(error=f"Yelp search answer not recognised (no 'businesses': {keys}) at {response.url}")
    return SearchOutcome(profile_urls=[url for url, _ in search_candidates(data, api_root(response.url), last_name)])


def search_candidates(data: dict, root: str, last_name: str | None = None) -> list[tuple[str, dict]]:
    """(details URL, business) of each business of a search answer the crawl follows."""
    return [(f"{root}/v3/businesses/{quote(b['id'], safe='')}", b)
            for b in physician_businesses(data.get("businesses") or [], last_name)]


def api_root(url: str) -> str:
    """``https://api.yelp.com`` or ``http://127.0.0.1:8123/yelp``."""
    if url.startswith("file:") or "/v3/" not in url:
        return "https://api.yelp.com"
    return url.split("/v3/", 1)[0]


def physician_businesses(businesses: list, last_name: str | None = None) -> list[dict]:
    """Open businesses with every word of ``last_name`` in their name (when a name is given)."""
    wanted = name_words(last_name)
    return [b for b in businesses if isinstance(b, dict) and b.get("id") and not b.get("is_closed")
            and (not wanted or wanted <= name_words(b.get("name")))]


def parse_business_answer(response) -> dict | None:
    data = response_json(response)
    if not isinstance(data, dict) or "error" in data:
        return None
    return listing_from_business(data)


def listing_from_business(business: dict) -> dict | None:
    """The listing of a business object (search result or details), or None without id and name."""
    name = collapse(business.get("name"))
    if not business.get("id") or not name:
        return None
    alias = business.get("alias")
    url = biz_url(business["url"]) if business.get("url") else f"{PUBLIC_SITE}/biz/{quote(alias or business['id'])}"
    location = business.get("location") or {}
    first, *more = [collapse(location.get(k)) for k in ("address1", "address2", "address3")]
    named = [line for line in more if line and not UNIT_LINE.search(line)]
    street = ", ".join(line for line in (first, *more) if line and line not in named)
    place = address(street or None, collapse(location.get("city")), collapse(location.get("state")),
                    collapse(location.get("zip_code")))
    phone = collapse(business.get("display_phone")) or collapse(business.get("phone"))
    count = business.get("review_count")
    rating = business.get("rating")
    categories = [c for c in business.get("categories") or [] if isinstance(c, dict)]
    listing = listing_record(
        source=SOURCE,
        url=url,
        source_id=business["id"],
        name=name,
        specialty=collapse(categories[0].get("title")) if categories else None,
        practice_name=named[0] if named else None,
        addresses=[place] if any(place.values()) else [],
        phones=[phone] if phone else [],
        rating=float(rating) if rating and count else None,  # Yelp says 0 when nobody rated
        review_count=int(count) if count is not None else None,
    )
    listing["alias"] = alias
    listing["is_closed"] = business.get("is_closed")
    return listing


def parse_reviews_answer(response) -> ReviewsPage:
    data = response_json(response)
    return parse_reviews_json(data) if isinstance(data, dict) else ReviewsPage([], recognised=False)


def parse_reviews_json(data: dict) -> ReviewsPage:
    items = data.get("reviews")
    if not isinstance(items, list):
        return ReviewsPage([], recognised=False)
    reviews = []
    for item in items:
        if not isinstance(item, dict):
            continue
        created = str(item.get("time_created") or "")
        rating = item.get("rating")
        reviews.append(review(
            review_id=str(item["id"]) if item.get("id") else None,
            date=created[:10] if re.match(r"\d{4}-\d{2}-\d{2}", created) else (created or None),
            rating=float(rating) if rating is not None else None,
            text=item.get("text"),
            author=(item.get("user") or {}).get("name"),
        ))
    total = data.get("total")
    return ReviewsPage(reviews, total=total if isinstance(total, int) else None)


# ----- public business pages ----------------------------------------------------------------------------------


def parse_biz_page(response) -> dict | None:
    """The listing on a saved ``/biz/{alias}`` page, or None when it holds no schema.org business with a name."""
    objects = sd.structured_objects(response)
    business = sd.first_object(objects, *BIZ_TYPES)
    name = sd.text((business or {}).get("name"))
    if not name:
        return None
    rating, count = sd.aggregate_rating(business)
    practice, addresses = _biz_addresses(business)
    url = _page_url(response)
    listing = listing_record(
        source=SOURCE,
        url=url,
        source_id=_biz_id(response),
        name=name,
        specialty=_specialty(response, objects),
        practice_name=practice,
        addresses=addresses,
        phones=sd.telephones(business),
        rating=rating,
        review_count=count,
        reviews=_page_reviews(response, business),
    )
    listing["alias"] = alias_of(url)
    listing["is_closed"] = None
    return listing


def _page_url(response) -> str:
    for candidate in (response.css('link[rel="canonical"]::attr(href)').get(),
                      response.css('meta[property="og:url"]::attr(content)').get(), response.url):
        if candidate and alias_of(candidate):
            return biz_url(response.urljoin(candidate))
    return biz_url(response.url)


def _biz_id(response) -> str | None:
    meta = response.css('meta[name="yelp-biz-id"]::attr(content)').get()
    if meta and meta.strip():
        return meta.strip()
    match = BIZ_ID.search(response.text)
    return match.group(1) if match else None


def _biz_addresses(business: dict) -> tuple[str | None, list[dict]]:
    """(practice name, addresses). Street lines are joined by ", " as the API joins address1..3; 2015 pages put
    the practice's name on the first line: 'Prestige Medical Center<br>7855 Santa Monica Blvd'."""
    practice = None
    addresses = sd.postal_addresses(business)
    raw = business.get("address")
    raws = raw if isinstance(raw, list) else [raw]
    for entry, value in zip(addresses, raws, strict=False):
        street = value.get("streetAddress") if isinstance(value, dict) else None
        street = street[0] if isinstance(street, list) and street else street
        lines = [" ".join(l.split()) for l in str(street or "").splitlines() if l.strip()]
        if len(lines) > 1 and not re.match(r"\d", lines[0]):
            practice = practice or lines[0]
            lines = lines[1:]
        if lines:
            entry["street"] = ", ".join(lines)
    return practice, addresses


def _specialty(response, objects: list[dict]) -> str | None:
    """The first category: the 2015 category links, else the last step of the page's breadcrumbs."""
    listed = _page_text(response, ".category-str-list a::text")
    if listed:
        return listed
    for crumbs in sd.find_objects(objects, "BreadcrumbList"):
        items = crumbs.get("itemListElement")
        items = items if isinstance(items, list) else [items]
        last = items[-1] if items and isinstance(items[-1], dict) else {}
        name = sd.text(last.get("name")) or sd.text((last.get("item") or {}).get("name")
                                                    if isinstance(last.get("item"), dict) else None)
        if name:
            return html.unescape(name)
    return None


def _page_reviews(response, business: dict) -> list[dict]:
    items = business.get("review") or []
    items = items if isinstance(items, list) else [items]
    # Microdata reviews carry their id on the element: data-review-id, in the same order.
    ids = response.xpath('//*[@itemprop="review"]/@data-review-id').getall()
    ids = ids if len(ids) == len(items) else [None] * len(items)
    reviews = []
    for item, review_id in zip(items, ids, strict=True):
        if not isinstance(item, dict):
            continue
        score = sd.stars(item["reviewRating"]) if isinstance(item.get("reviewRating"), dict) else None
        reviews.append(review(
            review_id=review_id or sd.text(item.get("identifier")) or None,
            date=(sd.text(item.get("datePublished")) or "")[:10] or None,
            rating=score,
            text=_review_text(item),
            author=sd.text(item.get("author")),
        ))
    return reviews


def _review_text(item: dict) -> str | None:
    value = item.get("description") or item.get("reviewBody")
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    # Keep the reviewer's paragraphs; collapse the page's indentation within them. JSON-LD texts carry HTML
    # entities ("&#39;"), as Yelp writes them.
    paragraphs = [" ".join(p.split()) for p in html.unescape(str(value)).split("\n")]
    return "\n".join(p for p in paragraphs if p) or None


def _page_text(response, css: str) -> str | None:
    return collapse(response.css(css).get())


# ----- small helpers ------------------------------------------------------------------------------------------


def _looks_like_json(response) -> bool:
    return response.body.lstrip()[:1] in (b"{", b"[")
