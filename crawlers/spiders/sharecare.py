"""Sharecare: Healthgrades' profiles syndicated at providers.sharecare.com, searched by name near the city.

Search pages (``/find-a-doctor/specialty/{slug}`` on the real site; the roster search uses
``/find-a-doctor/search?name=NAME&location=CITY, ST``, our design of a name search with the same page shape):
- a JSON-LD ``SearchResultsPage`` whose ``provider[]`` are ``Physician`` objects (name, address, telephone,
  image, url ``/doctor/{slug}``), in result order; an empty ``provider`` list is an ok search without results
  (as is a page without the JSON-LD that says "no results found" in words);
- 2025–26 result cards ``article.ProviderCardAlternative`` carrying the Healthgrades pwid in ``data-pwid``, the
  profile link (``a[href*="/doctor/"]``, else ``data-href``) and the specialty (``.ProviderCardAlternative-meta``);
  a card's pwid is the result's, whatever else the page says. Without the JSON-LD, the cards are the results;
- the Healthgrades-syndication tealium data (``div.tealium-info[data-tealium-data]``), whose
  ``listItems=[{'hgProfileKey':'YJNDQ','position':0}, ...]`` name the Healthgrades pwid of each result
  position. Result photos often carry the pwid too (``/img/prov/3/K/C/3KC6S_w90h120...``): when a photo's
  pwid disagrees with the position's, the photo wins.
Profile pages ``/doctor/{slug}``: a JSON-LD ``Physician`` (name, medicalSpecialty, address[], telephone[],
``memberOf`` the practice, ``isAcceptingNewPatients``, ``aggregateRating`` when rated, ``review[]`` the newest
reviews with ``identifier``, ``datePublished``, ``reviewRating``, ``reviewBody``, ``author``), and the tealium
data with the profile's ``hgProfileKey``; unrated profiles say "No ratings yet" in ``[data-qa-target=rating-count]``.
Sharecare shows Healthgrades' reviews, so no further review pages are fetched: the Healthgrades spider has them all.

``source_id`` is the Healthgrades pwid (lower case, as in Healthgrades URLs): the same physician's Sharecare and
Healthgrades listings share it. ``url`` is the Sharecare profile URL.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin

import scrapy

from crawlers import structured as sd
from crawlers.items import listing_record, review, search_record
from crawlers.spiders.base import RosterSpider, SearchOutcome, search_terms
from crawlers.spiders.healthgrades import NO_RESULTS_TEXT
from crawlers.text import clean, iso_date, visible_text, without_query

SOURCE = "sharecare"
SITE_ROOT = "https://providers.sharecare.com"
PROFILE_PATH = re.compile(r"^(.*?/doctor/[a-z0-9-]+)/?(?:[?#]|$)", re.IGNORECASE)
TEALIUM_KEY = re.compile(r"""hgProfileKey['"]?\s*[:=]\s*['"]?([A-Za-z0-9]{5,7})\b""")
LIST_ITEM = re.compile(r"""\{[^{}]*?hgProfileKey['"]?\s*:\s*['"]([A-Za-z0-9]{5,7})['"][^{}]*?\}""")
POSITION = re.compile(r"""position['"]?\s*:\s*(\d+)""")
PHOTO_KEY = re.compile(r"/img/prov/\w/\w/\w/([A-Za-z0-9]{5,7})_|%2F([a-z0-9]{5,7})-[^/%]*$")
NO_RATINGS = re.compile(r"no (?:patient )?ratings", re.IGNORECASE)


class SharecareSpider(RosterSpider):
    name = "sharecare"
    label = "Sharecare"
    copies_reviews_of = "healthgrades"  # its profiles show Healthgrades' reviews: counted once, on Healthgrades
    order = 100
    kind = "review_site"
    site_url = "https://providers.sharecare.com"

    def search_request(self, state, **kwargs) -> scrapy.Request:
        what, where = search_terms(state.target)
        query = urlencode({"name": what, "location": where})
        return scrapy.Request(f"{self.base_url}/find-a-doctor/search?{query}", **kwargs)

    def parse_search(self, response) -> SearchOutcome:
        return parse_search_page(response)

    def parse_profile(self, response) -> dict | None:
        return parse_profile_page(response)

    def parse_saved(self, response) -> list[dict]:
        """A profile gives its listing; a search page the listings its results show (name, address, phone,
        pwid) and a search record."""
        listing = parse_profile_page(response)
        if listing:
            return [listing]
        outcome = parse_search_page(response)
        if outcome.error:
            return []
        results = search_results(response)
        record = search_record(source=SOURCE, npi="", query="", status="ok", results=outcome.profile_urls)
        return [*results, record]


def profile_url(url: str) -> str | None:
    """The profile URL without query or fragment, or None if ``url`` is no ``/doctor/{slug}`` URL."""
    match = PROFILE_PATH.match(url)
    if not match:
        return None
    return without_query(match.group(1))


def _base(response) -> str:
    # A page read from a file links relative to the real site.
    return response.url if response.url.startswith(("http://", "https://")) else SITE_ROOT + "/"


# ----- search -------------------------------------------------------------------------------------


def _results_page(response) -> dict | None:
    for obj in sd.find_objects(sd.structured_objects(response), "SearchResultsPage"):
        if "provider" in obj:
            return obj
    return None


def result_cards(response) -> dict[str, dict]:
    """Profile URL → ``{"pwid", "specialty"}`` of each 2025–26 result card, in page order."""
    cards: dict[str, dict] = {}
    for card in response.css("article.ProviderCardAlternative"):
        href = card.css('a[href*="/doctor/"]::attr(href)').get() or card.attrib.get("data-href")
        url = profile_url(urljoin(_base(response), href or ""))
        if url and url not in cards:
            cards[url] = {"pwid": (card.attrib.get("data-pwid") or "").strip().lower() or None,
                          "specialty": clean(" ".join(card.css(".ProviderCardAlternative-meta ::text").getall()))}
    return cards


def parse_search_page(response) -> SearchOutcome:
    page = _results_page(response)
    if page is not None:
        urls = [profile_url(urljoin(_base(response), sd.text(p.get("url")) or "")) for p in _providers(page)]
        return SearchOutcome(profile_urls=list(dict.fromkeys(u for u in urls if u)))
    cards = result_cards(response)
    if cards:
        return SearchOutcome(profile_urls=list(cards))
    if response.css('[data-qa-target*="no-results"]') or NO_RESULTS_TEXT.search(visible_text(response)):
        return SearchOutcome()
    return SearchOutcome(error=f"search page not recognised (no SearchResultsPage, no 'no results' notice) at {response.url}")


def _providers(page: dict) -> list[dict]:
    providers = page.get("provider")
    providers = providers if isinstance(providers, list) else [providers] if providers else []
    return [p for p in providers if isinstance(p, dict) and sd.types_of(p) & set(sd.PHYSICIAN_TYPES)]


def search_results(response) -> list[dict]:
    """The listings a search page shows: name, address, phone, url and the Healthgrades pwid."""
    page = _results_page(response)
    if page is None:
        return []
    providers = _providers(page)
    keys = result_keys(response, providers)
    cards = result_cards(response)
    listings = []
    for provider, key in zip(providers, keys):
        url = profile_url(urljoin(_base(response), sd.text(provider.get("url")) or ""))
        if not url or not sd.text(provider.get("name")):
            continue
        listings.append(listing_record(
            source=SOURCE, url=url, source_id=key, name=sd.text(provider.get("name")),
            specialty=cards.get(url, {}).get("specialty"),
            addresses=sd.postal_addresses(provider), phones=sd.telephones(provider),
        ))
    return listings


def result_keys(response, providers: list[dict]) -> list[str | None]:
    """The Healthgrades pwid of each result, lower case (None where the page does not say): its card's
    ``data-pwid``, else its photo's or its position's in the tealium data."""
    cards = result_cards(response)
    by_position = {}
    for item in LIST_ITEM.finditer(_tealium(response)):
        position = POSITION.search(item.group(0))
        if position:
            by_position[int(position.group(1))] = item.group(1).lower()
    keys = []
    for index, provider in enumerate(providers):
        card = cards.get(profile_url(urljoin(_base(response), sd.text(provider.get("url")) or "")) or "", {})
        if card.get("pwid"):
            keys.append(card["pwid"])
            continue
        photo = PHOTO_KEY.search(sd.text(provider.get("image")) or "")
        from_photo = next((g for g in photo.groups() if g), "").lower() if photo else ""
        keys.append(from_photo if from_photo in by_position.values() else by_position.get(index))
    return keys


def _tealium(response) -> str:
    return " ".join(response.css("[data-tealium-data]::attr(data-tealium-data)").getall())


# ----- profile ------------------------------------------------------------------------------------


def parse_profile_page(response) -> dict | None:
    """The listing on a profile page, or None when the page has no ``Physician`` with a name."""
    objects = sd.structured_objects(response)
    if sd.find_objects(objects, "SearchResultsPage"):
        return None  # a search page's Physicians are results, not this page's physician
    physician = sd.first_object(objects, *sd.PHYSICIAN_TYPES)
    if not physician or not sd.text(physician.get("name")):
        return None
    rating, count = sd.aggregate_rating(physician)
    if count is None and NO_RATINGS.search(" ".join(response.css('[data-qa-target="rating-count"] ::text').getall())):
        count = 0
    key = TEALIUM_KEY.search(_tealium(response))
    accepting = physician.get("isAcceptingNewPatients")
    return listing_record(
        source=SOURCE,
        url=_listing_url(response, physician),
        source_id=key.group(1).lower() if key else None,
        name=sd.text(physician.get("name")),
        specialty=sd.text(physician.get("medicalSpecialty")),
        practice_name=_practice_of(physician),
        addresses=sd.postal_addresses(physician),
        phones=list(dict.fromkeys(sd.telephones(physician))),
        npi=sd.npi_of(physician),
        rating=rating,
        review_count=count,
        accepting_new_patients=_boolean(accepting),
        reviews=[r for r in (_review(v) for v in _list(physician.get("review"))) if r],
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


def _practice_of(physician: dict) -> str | None:
    for key in ("memberOf", "worksFor", "parentOrganization"):
        for value in _list(physician.get(key)):
            if isinstance(value, dict) and sd.text(value.get("name")):
                return sd.text(value.get("name"))
    return None


def _review(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    score = sd.stars(value["reviewRating"]) if isinstance(value.get("reviewRating"), dict) else None
    return review(
        review_id=sd.text(value.get("identifier")) or sd.text(value.get("@id")),
        date=iso_date(sd.text(value.get("datePublished"))),
        rating=score,
        text=value.get("reviewBody") if isinstance(value.get("reviewBody"), str) else sd.text(value.get("reviewBody")),
        author=sd.text(value.get("author")),
    )


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = (sd.text(value) or "").lower()
    return {"true": True, "false": False}.get(text.rsplit("/", 1)[-1])


def _list(value) -> list:
    return value if isinstance(value, list) else [value] if value not in (None, "") else []
