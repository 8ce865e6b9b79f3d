"""U.S. News Doctor Finder: search by name near the practice city through the site's JSON endpoint, then profiles.

Search: ``GET /health-care/doctors/search-data?name=NAME&location=CITY, ST&page_num=1`` answers JSON
``{"doctor_search": {"results": {"doctors": {"matches": [...], "totalMatches", "page_num", "hasNextPage"}}}}``;
a match holds ``npi``, ``name_prefix``, ``first_name``, ``last_name``, ``full_name``, ``title`` (credential),
``specialty``, ``location`` {street_address, city, state, zip_code}, ``phone``, ``url`` (``/doctors/first-last-ID``),
``affiliated_hospital``, ``patient_rating`` {score, count} (null when unrated). ``matches: []`` is an ok search
without results. Only the first page is read: a name search near the city ranks the physician first.
Profile ``/doctors/{first}-{last}-{id}``: a JSON-LD ``Physician`` (name, url, medicalSpecialty, address[],
telephone[], hospitalAffiliation, ``aggregateRating`` where the profile is rated), the NPI in
``data-tracking-npi`` (or ``doctor_npi``), and ``data-test-id`` markup: ``location-name`` (the practice of each
location card), ``accepting-new-patients``, ``PatientRatings`` ("No patient ratings yet" when unrated); the
hero's ``h1`` is the name when the JSON-LD is missing. U.S. News shows no written reviews.

``source_id`` is the numeric id ending the profile path.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

import scrapy

from crawlers import structured as sd
from crawlers.items import address, listing_record, search_record
from crawlers.spiders.base import RosterSpider, SearchOutcome, search_terms
from crawlers.text import collapse, without_query

SOURCE = "usnews"
SITE_ROOT = "https://health.usnews.com"
PROFILE_PATH = re.compile(r"^(.*?/doctors/[a-z0-9-]*?-(\d+))/?(?:[?#]|$)", re.IGNORECASE)
NO_RATINGS = re.compile(r"no (?:patient )?ratings", re.IGNORECASE)


def hook(name: str) -> str:
    return f'[data-test-id="{name}"]'


class UsnewsSpider(RosterSpider):
    name = "usnews"
    label = "U.S. News"
    order = 90
    kind = "review_site"
    site_url = "https://health.usnews.com"

    def search_request(self, state, **kwargs) -> scrapy.Request:
        what, where = search_terms(state.target)
        query = urlencode({"name": what, "location": where, "page_num": 1})
        return scrapy.Request(f"{self.base_url}/health-care/doctors/search-data?{query}",
                              headers={"Accept": "application/json"}, **kwargs)

    def parse_search(self, response) -> SearchOutcome:
        return parse_search_response(response)

    def parse_profile(self, response) -> dict | None:
        return parse_profile_page(response)

    def parse_saved(self, response) -> list[dict]:
        """A profile gives its listing; a search answer the listings its matches show and a search record."""
        if response.text.lstrip()[:1] != "{":
            return super().parse_saved(response)
        outcome = parse_search_response(response)
        if outcome.error:
            return []
        matches = search_matches(json.loads(response.text)) or []
        listings = [l for l in (match_listing(m, _base(response)) for m in matches) if l]
        return [*listings, search_record(source=SOURCE, npi="", query="", status="ok", results=outcome.profile_urls)]


def profile_url(url: str) -> str | None:
    """The profile URL without query or fragment, or None if ``url`` is no ``/doctors/{name}-{id}`` URL."""
    match = PROFILE_PATH.match(url)
    if not match:
        return None
    return without_query(match.group(1))


def doctor_id(url: str) -> str | None:
    match = PROFILE_PATH.match(url)
    return match.group(2) if match else None


def _base(response) -> str:
    # A page read from a file links relative to the real site.
    return response.url if response.url.startswith(("http://", "https://")) else SITE_ROOT + "/"


# ----- search -------------------------------------------------------------------------------------


def parse_search_response(response) -> SearchOutcome:
    try:
        data = json.loads(response.text)
    except ValueError:
        return SearchOutcome(error=f"search answer is not JSON at {response.url}")
    matches = search_matches(data)
    if matches is None:
        return SearchOutcome(error=f"search answer not recognised (no doctor_search.results.doctors.matches) at {response.url}")
    urls = [profile_url(urljoin(_base(response), m.get("url") or "")) for m in matches if isinstance(m, dict)]
    return SearchOutcome(profile_urls=list(dict.fromkeys(u for u in urls if u)))


def search_matches(data) -> list | None:
    """``doctor_search.results.doctors.matches``, or None when the answer has no such list."""
    node = data
    for key in ("doctor_search", "results", "doctors", "matches"):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, list) else None


def match_listing(match, base: str) -> dict | None:
    """What one search match shows: name, specialty, one location and phone, NPI, rating."""
    if not isinstance(match, dict):
        return None
    url = profile_url(urljoin(base, match.get("url") or ""))
    name = collapse(match.get("full_name")) or collapse(" ".join(
        str(match.get(k) or "") for k in ("name_prefix", "first_name", "last_name")))
    if not url or not name:
        return None
    place = match.get("location") if isinstance(match.get("location"), dict) else {}
    entry = address(collapse(place.get("street_address")), collapse(place.get("city")), collapse(place.get("state")),
                    collapse(place.get("zip_code")))
    rating = match.get("patient_rating") if isinstance(match.get("patient_rating"), dict) else {}
    npi = re.sub(r"\D", "", str(match.get("npi") or ""))
    return listing_record(
        source=SOURCE, url=url, source_id=doctor_id(url), name=name, specialty=collapse(match.get("specialty")),
        addresses=[entry] if any(entry.values()) else [], phones=[p for p in [collapse(match.get("phone"))] if p],
        npi=npi if len(npi) == 10 else None, rating=rating.get("score"), review_count=rating.get("count"),
    )


# ----- profile ------------------------------------------------------------------------------------


def parse_profile_page(response) -> dict | None:
    """The listing on a profile page, or None when no physician name can be found on it."""
    physician = sd.first_object(sd.structured_objects(response), *sd.PHYSICIAN_TYPES) or {}
    name = sd.text(physician.get("name")) or _first_text(response, f'{hook("HeroGraphic")} h1')
    if not name:
        return None
    url = _listing_url(response, physician)
    rating, count = sd.aggregate_rating(physician)
    if count is None and NO_RATINGS.search(" ".join(response.css(f"{hook('PatientRatings')} ::text").getall())):
        count = 0
    accepting = _first_text(response, hook("accepting-new-patients"))
    return listing_record(
        source=SOURCE,
        url=url,
        source_id=doctor_id(url),
        name=name,
        specialty=sd.text(physician.get("medicalSpecialty")) or _first_text(response, hook("specialty")),
        practice_name=_practice_of(physician) or _first_text(response, hook("location-name")),
        addresses=sd.postal_addresses(physician),
        phones=list(dict.fromkeys(sd.telephones(physician))),
        npi=sd.npi_of(physician) or _tracking_npi(response),
        rating=rating,
        review_count=count,
        accepting_new_patients=None if not accepting else not re.search(r"\bnot\b", accepting, re.I),
    )


def _listing_url(response, physician: dict) -> str:
    if response.url.startswith(("http://", "https://")):
        return profile_url(response.url) or response.url
    candidates = response.xpath('//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content').getall()
    for candidate in [*candidates, sd.text(physician.get("url"))]:
        url = profile_url(urljoin(SITE_ROOT + "/", candidate or ""))
        if url:
            return url
    return response.url


def _tracking_npi(response) -> str | None:
    for value in response.xpath("//@data-tracking-npi | //@doctor_npi").getall():
        digits = re.sub(r"\D", "", value)
        if len(digits) == 10:
            return digits
    return None


def _practice_of(physician: dict) -> str | None:
    for key in ("worksFor", "memberOf"):
        value = physician.get(key)
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, dict) and sd.text(value.get("name")):
            return sd.text(value.get("name"))
    return None


def _first_text(selector, css: str) -> str | None:
    for element in selector.css(css):
        value = " ".join(" ".join(element.css("::text").getall()).split())
        if value:
            return value
    return None
