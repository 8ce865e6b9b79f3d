"""Healthgrades: search by name near the practice city, then profiles and their reviews.

Markup (2025–26): CSS classes are hashed, so only ``data-qa-target`` attributes are used:
- search: result cards with ``provider-name-link`` (href ``/physician/dr-{first}-{last}-{pwid}``),
  ``provider-specialty``, ``rating-score``, ``rating-count``, ``location-info-address``; a page without
  results carries ``no-results`` (or says so in words);
- profile: ``ProviderDisplayName`` (h1), ``ProviderDisplaySpeciality`` (or ``provider-specialty``),
  ``rating-score``, ``rating-count``, ``accepting-new-patients``, and ``office-locations`` holding per office
  ``Practice-Name`` (the practice name; ``office-practice-name`` in our older reference pages),
  ``practice-address-street``, ``-city``, ``-state``, ``-postalCode`` and ``visit-open-phone``. A second
  profile template shows no ``rating-score``/``rating-count``, only a survey line "Likelihood of recommending
  Dr. X … 3.77 out of 5": that is the rating, and the number of ratings is then unknown (None), not 0.
Embedded data is preferred to the markup, most specific first:
- 2017–21 pages carry inline JS: ``profile.provider = {...};`` (the provider view model: ``id`` = pwid,
  ``providerUrl``, ``displayFullName``, ``primaryPracticingSpecialty``, ``practices[].offices[]`` with
  ``address`` {address1, address2, location {cityName, regionAbbreviation, region.zip}} and
  ``phoneNumbers[]`` {phoneType, number}, ``acceptsNewPatients``, ``surveyOverallRatingScore``,
  ``surveyUserCount``) and ``pageState.pes = {...};`` (patient experience: ``model.overall`` actualScore /
  responseCount, ``model.comments.results[]``); ``repmon parse`` also reads either object saved alone as JSON;
- schema.org data (JSON-LD or microdata ``Physician``, as in 2015 pages).
Reviews: ``POST /api4/providerprofile/comments`` with ``{"pwid", "currentPage", "perPage"}`` answering
``{"results": [comment...], "totalCount": N}``; ``pageState.pes`` has the same comment fields.

Phones of the view model: ``phoneType`` 1 is the office phone; other types (2 looks like the fax) are
used only when an office has no type-1 number.
The listing ``url`` is the profile URL asked for; for a page read from a file (``repmon parse``) it is the
page's own canonical URL (view model ``providerUrl``, ``og:url``, ``<link rel=canonical>``), on https.

``source_id`` is the pwid (the last part of the profile path, lower case, as in the URL).
Listings carry one key beyond ``crawlers.items``: ``sponsor_phones``, the shown phones the page marks as
a hospital sponsor's call center (``sponsor-phone-label`` in the office; ``"SponsorPhone"`` in 2015 pages).
``review_count`` is the number of ratings behind the score, which is more than the written reviews.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

import scrapy
from scrapy.http import JsonRequest

from crawlers import structured as sd
from crawlers.items import address, listing_record, review
from crawlers.spiders.base import ReviewsPage, RosterSpider, SearchOutcome, reviews_record, search_terms
from crawlers.text import clean, first_text, integer, iso_date, number, visible_text, without_query

SOURCE = "healthgrades"
SITE_ROOT = "https://www.healthgrades.com"  # where relative links of a saved page point
REVIEWS_PER_PAGE = 10
PROFILE_PATH = re.compile(r"^(.*?/physician/[^/?#]*?-([a-z0-9]{5,7}))(?:[/?#]|$)", re.IGNORECASE)
SPONSOR_PHONE_2015 = re.compile(r'"SponsorPhone":"([^"]+)"')  # 2015 pages' inline ad-targeting JSON
# The second profile template's survey line: "Likelihood of recommending Dr. X to family and friends 3.77 out of 5".
RECOMMENDING = re.compile(r"likelihood of recommending\b[^0-9]{0,200}?(\d(?:\.\d+)?)\s*out of\s*5\b", re.I)
NO_RESULTS_TEXT = re.compile(
    r"no (?:results|matches|providers|doctors)(?: were)? found|(?:couldn't|could not|did not|didn't) find any", re.I
)


def qa(name: str) -> str:
    return f'[data-qa-target="{name}"]'


class HealthgradesSpider(RosterSpider):
    name = "healthgrades"
    label = "Healthgrades"
    reads_responses = True
    order = 30
    kind = "review_site"
    site_url = "https://www.healthgrades.com"
    fetch_reviews = True

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

    def parse_saved(self, response) -> list[dict]:
        """Pages, and the 2017 JSON objects saved alone: a provider view model gives its listing, a
        ``pageState.pes`` object a reviews record with the rating and the number of ratings."""
        data = _json_of(response)
        if is_view_model(data):
            return [listing_from_view_model(data, response)]
        if is_pes(data):
            pes = parse_pes_json(data)
            url = listing_url(response, (data.get("model") or {}).get("providerUrl"))
            return [reviews_record(SOURCE, url, parse_comments_json(data), rating=pes["rating"],
                                   review_count=pes["review_count"])]
        return super().parse_saved(response)


def profile_url(url: str) -> str | None:
    """The canonical profile URL (no tab suffix, query or fragment), or None if not a profile URL."""
    match = PROFILE_PATH.match(url)
    if not match:
        return None
    return without_query(match.group(1))


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
    if response.css('[data-qa-target*="no-results"]') or NO_RESULTS_TEXT.search(visible_text(response)):
        return SearchOutcome()
    # Some versions embed the results as JSON-LD Physicians: use them rather than call the page broken.
    linked = [profile_url(response.urljoin(sd.text(o.get("url")) or "")) for o in
              sd.find_objects(sd.structured_objects(response), *sd.PHYSICIAN_TYPES)]
    linked = list(dict.fromkeys(u for u in linked if u))
    if linked:
        return SearchOutcome(profile_urls=linked)
    return SearchOutcome(error=f"search page not recognised (no result cards, no 'no results' notice) at {response.url}")


# ----- profile ------------------------------------------------------------------------------------


def parse_profile_page(response) -> dict | None:
    """The listing on a profile page, or None when no physician name can be found on it."""
    model = script_json(response.text, "profile.provider")
    pes = script_json(response.text, "pageState.pes")
    physician = sd.first_object(sd.structured_objects(response), *sd.PHYSICIAN_TYPES) or {}
    # Most specific first: the 2017 view model, then schema.org data, then the markup.
    layers = [view_model_fields(model) if model else {}, _schema_fields(physician), _profile_markup(response)]
    if pes:
        layers.insert(0, {k: v for k, v in parse_pes_json(pes).items() if k != "reviews"})

    def pick(field):
        return next((layer[field] for layer in layers if layer.get(field) not in (None, "", [])), None)

    name = pick("name")
    if not name:
        return None
    url = listing_url(response, (model or {}).get("providerUrl"), *_page_canonicals(response), sd.text(physician.get("url")))
    listing = listing_record(
        source=SOURCE,
        url=url,
        source_id=pwid_of(url) or _as_pwid((model or {}).get("id")),
        name=name,
        specialty=pick("specialty"),
        practice_name=pick("practice_name"),
        addresses=pick("addresses"),
        phones=pick("phones"),
        npi=pick("npi"),
        rating=pick("rating"),
        review_count=pick("review_count"),
        accepting_new_patients=pick("accepting_new_patients"),
        reviews=parse_comments_json(pes).reviews if pes else [],
    )
    # A hospital sponsor's call-center number is a known, legitimate difference from the practice phone.
    listing["sponsor_phones"] = layers[-1]["sponsor_phones"]
    return listing


def _schema_fields(physician: dict) -> dict:
    rating, count = sd.aggregate_rating(physician)
    return {
        "name": sd.text(physician.get("name")),
        "specialty": _specialty(physician),
        "practice_name": _practice_of(physician),
        "addresses": sd.postal_addresses(physician),
        "phones": sd.telephones(physician),
        "npi": sd.npi_of(physician),
        "rating": rating,
        "review_count": count,
    }


def listing_url(response, *candidates: str | None) -> str:
    """The profile URL asked for; for a page read from a file, the page's own canonical profile URL."""
    if response.url.startswith(("http://", "https://")):
        return profile_url(response.url) or response.url
    for candidate in candidates:
        if candidate:
            url = profile_url(_https(urljoin(SITE_ROOT + "/", candidate)))
            if url:
                return url
    return response.url


def _page_canonicals(response) -> list[str]:
    return response.xpath('//meta[@property="og:url"]/@content | //link[@rel="canonical"]/@href').getall()


def _https(url: str) -> str:
    # Saved pages name the site as it was (http:// in 2015, //www... in 2017); it is served on https now.
    return re.sub(r"^http://(www\.)?healthgrades\.com", r"https://\1healthgrades.com", url)


def _as_pwid(value) -> str | None:
    return str(value).lower() if value else None


def script_json(text: str, name: str):
    """The JSON object an inline script assigns to ``name`` (``pageState.pes = {...};``), or None."""
    match = re.search(re.escape(name) + r"\s*=\s*(?=[{\[])", text)
    if not match:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, match.end())
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# ----- the 2017 provider view model ---------------------------------------------------------------


def is_view_model(data) -> bool:
    return isinstance(data, dict) and bool(data.get("providerUrl")) and any(
        k in data for k in ("displayFullName", "practices", "primaryPractice"))


def view_model_fields(model: dict) -> dict:
    """The listing fields of a provider view model (``profile.provider``, 2017)."""
    offices = _view_model_offices(model)
    addresses, phones = [], []
    for office in offices:
        entry = _view_model_address(office.get("address") or {})
        if any(entry.values()) and entry not in addresses:
            addresses.append(entry)
        numbers = [p for p in office.get("phoneNumbers") or [] if isinstance(p, dict) and p.get("number")]
        main = [p["number"] for p in numbers if p.get("phoneType") == 1] or [p["number"] for p in numbers]
        phones += [n.strip() for n in main if n.strip() not in phones]
    specialty = (model.get("primaryPracticingSpecialty") or {}).get("practicingSpecialityName") \
        or (model.get("primarySpecialty") or {}).get("name") \
        or next((s.get("name") for s in model.get("specialties") or [] if isinstance(s, dict) and s.get("name")), None)
    practice = (model.get("primaryPractice") or {}).get("name") \
        or next((p.get("name") for p in model.get("practices") or [] if isinstance(p, dict) and p.get("name")), None)
    count = _as_int(model.get("surveyUserCount"))
    npi = re.sub(r"\D", "", str(model.get("npi") or ""))
    accepting = model.get("acceptsNewPatients")
    return {
        "name": clean(model.get("displayFullName")) or clean((model.get("microdata") or {}).get("name"))
        or _composed_name(model),
        "specialty": clean(specialty),
        "practice_name": clean(practice),
        "addresses": addresses,
        "phones": phones,
        "npi": npi if len(npi) == 10 else None,
        "rating": model.get("surveyOverallRatingScore") if count else None,
        "review_count": count,
        "accepting_new_patients": accepting if isinstance(accepting, bool) else None,
    }


def listing_from_view_model(model: dict, response) -> dict:
    fields = view_model_fields(model)
    url = listing_url(response, model.get("providerUrl"))
    listing = listing_record(source=SOURCE, url=url, source_id=pwid_of(url) or _as_pwid(model.get("id")), **fields)
    listing["sponsor_phones"] = []
    return listing


def _view_model_offices(model: dict) -> list[dict]:
    """The primary office first, then every practice's offices, each once."""
    offices, seen = [], set()
    candidates = [model.get("primaryOffice")] + [o for p in model.get("practices") or [] if isinstance(p, dict)
                                                 for o in p.get("offices") or []]
    for office in candidates:
        if not isinstance(office, dict):
            continue
        key = office.get("id") or office.get("officeGuid") or json.dumps(office.get("address"), sort_keys=True)
        if key not in seen:
            seen.add(key)
            offices.append(office)
    return offices


def _view_model_address(raw: dict) -> dict:
    location = raw.get("location") or {}
    region = location.get("region") or location.get("locRegion") or {}
    zip_code = region.get("zip")
    if not zip_code:
        found = re.search(r"\b(\d{5}(?:-\d{4})?)\s*$", location.get("cityStateZipBestMatch") or "")
        zip_code = found.group(1) if found else None
    street = " ".join(p.strip() for p in (raw.get("address1"), raw.get("address2")) if p and p.strip())
    return address(
        clean(street),
        clean(location.get("cityName")),
        clean(location.get("regionAbbreviation") or region.get("regionAbbreviation")),
        clean(str(zip_code)) if zip_code else None,
    )


def _composed_name(model: dict) -> str | None:
    parts = [model.get(k) for k in ("prefix", "firstName", "middleInitialWithPeriod", "lastName", "suffix")]
    name = clean(" ".join(p for p in parts if p))
    if not name or not (model.get("firstName") or model.get("lastName")):
        return None
    return f"{name}, {model['degree']}" if model.get("degree") else name


def _profile_markup(response) -> dict:
    """The profile's fields as the data-qa-target markup shows them (or the 2015 markup, as fallback)."""
    offices = _offices(response)
    accepting = clean(" ".join(response.css(f"{qa('accepting-new-patients')} ::text").getall()))
    score = number(first_text(response, qa("rating-score")))
    return {
        "name": first_text(response, qa("ProviderDisplayName")),
        # The specialty's own text: the 2025-26 heading appends a footnote asterisk in a child element.
        "specialty": clean(response.css(f"{qa('ProviderDisplaySpeciality')}::text").get())
        or first_text(response, qa("ProviderDisplaySpeciality")) or first_text(response, qa("provider-specialty"))
        or _legacy_specialty(response),
        "rating": score if score is not None else _recommending(response),
        "review_count": integer(first_text(response, qa("rating-count"))),
        "accepting_new_patients": None if not accepting else not re.search(r"\bnot\b", accepting, re.I),
        "addresses": [o["address"] for o in offices if any(o["address"].values())],
        "phones": list(dict.fromkeys(o["phone"] for o in offices if o["phone"])) or _legacy_phones(response),
        "practice_name": next((o["practice_name"] for o in offices if o["practice_name"]), None)
        or clean(response.xpath('//a[contains(@href, "/group-directory/")]//text()').get()),
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
        phone = first_text(block, qa("visit-open-phone"))
        if not phone:
            href = block.css(f"{qa('visit-open-phone')}::attr(href)").get() or ""
            phone = href[4:] if href.startswith("tel:") else None
        offices.append(
            {
                "practice_name": first_text(block, qa("Practice-Name")) or first_text(block, qa("office-practice-name")),
                "address": address(
                    clean(" ".join(street.css("::text").getall())),
                    first_text(block, qa("practice-address-city")),
                    first_text(block, qa("practice-address-state")),
                    first_text(block, qa("practice-address-postalCode")),
                ),
                "phone": phone,
                "sponsored": bool(block.css('[data-qa-target*="sponsor"]')),
            }
        )
    return offices


def _recommending(response) -> float | None:
    """The rating of the profile template that shows only "Likelihood of recommending … N out of 5"."""
    match = RECOMMENDING.search(" ".join(visible_text(response).split()))
    return float(match.group(1)) if match else None


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
    return clean(match.group(1)) if match else None


def _legacy_phones(response) -> list[str]:
    # 2015 pages show the appointment number in span.phoneNumber > span.number (classes were plain then).
    return list(dict.fromkeys(p for p in (clean(t) for t in response.css(".phoneNumber .number::text").getall()) if p))


# ----- reviews ------------------------------------------------------------------------------------


def _json_of(response):
    """The response body as JSON, or None when it is not JSON (an HTML page)."""
    if not response.text.lstrip()[:1] in ("{", "["):
        return None
    try:
        return json.loads(response.text)
    except ValueError:
        return None


def is_pes(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("model"), dict) and "overall" in data["model"]


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
    count = _as_int(overall.get("responseCount"))
    return {
        "rating": overall.get("actualScore") if count else None,
        "review_count": count,
        "reviews": parse_comments_json(data).reviews,
    }


def _comment(comment: dict) -> dict:
    response = comment.get("providerResponse")
    answered = None
    if isinstance(response, dict):
        inserted = response.get("insertedOn")
        response, answered = response.get("commentText"), iso_date(inserted if isinstance(inserted, str) else None)
        if answered and not answered[:4].isdigit() or answered and answered < "2000":
            answered = None  # "January 1, 0001": the placeholder of a comment without a reply
    score = comment.get("overallScore")
    return review(
        review_id=str(comment["commentId"]) if comment.get("commentId") is not None else None,
        date=iso_date(comment.get("submittedDate")),
        rating=float(score) if score is not None else None,
        text=comment.get("commentText"),
        author=comment.get("displayName"),
        response=response or None,
        response_date=answered,
    )


def _as_int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
