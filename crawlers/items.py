"""The two records every spider yields: the crawl output format.

These dicts are what ``scrapy crawl SITE -O out.jsonl`` writes, one JSON object per line, and what
``repmon listings import`` reads back (validated by ``reputation.records``). ``crawled_at`` is not set
here: parsing is pure, and the crawl time is stamped by ``crawlers.pipelines.StampPipeline``.

listing: kind, source, url, source_id, name, specialty, practice_name, addresses[{street, city, state,
         zip}], phones[], npi, rating, review_count, accepting_new_patients,
         reviews[{review_id, date, rating, text, author, response, response_date}], social_links[] (the profiles elsewhere the
         page names, as schema.org sameAs: suggestions of social accounts, never accounts), crawled_at
search:  kind, source, npi, query, status (ok|blocked|error|disallowed), reason_code, reason, results[],
         crawled_at
social:  kind, source (the network), account (canonical id), status (ok|not_found|suspended|blocked|error),
         reason, followers, following, posts, created_at, last_own_post_at, own_posts_28d,
         interactions_per_post, engagement_rate, bio, follows_main, followed_by_main, crawled_at:
         one account's weekly snapshot (crawlers.social.snapshot); not ok: no numbers, unknown this week
"""

from __future__ import annotations

from typing import NamedTuple

SEARCH_STATUSES = ("ok", "blocked", "error", "disallowed")

# Why a search did not end "ok": a code programs read (parser health, coverage, the crawl summary) beside
# the reason people read. Each code belongs to one status.
REASON_CODES = {
    "blocked": ("blocked", "a bot wall, captcha page or 401/403/429 answer"),
    "disallowed": ("disallowed", "robots.txt disallows the address"),
    "not_recognised": ("error", "an answer the parser does not know (the site may have changed its pages)"),
    "http_error": ("error", "an HTTP error answer (a 404 search page, a 5xx after the retries)"),
    "api_error": ("error", "the API's own error answer (a refused key, a quota, a bad request)"),
    "network_error": ("error", "no answer: DNS, timeout, refused or dropped connection"),
    "too_large": ("error", "an answer larger than the download limit"),
    "not_configured": ("error", "the source lacks a setting it needs (an API key, a start URL)"),
    "incomplete": ("error", "the search did not finish: pages left unread, a page cap reached, the crawl stopped"),
    "not_stored": ("error", "a result listing could not be stored"),
    "not_searched": ("error", "the site has no search for this physician: no name search, and no listing pages for "
                              "their specialty or place"),
    "error": ("error", "another error (records imported without a code)"),
}


class Failed(NamedTuple):
    """A search that did not end "ok": its status, the reason people read and the code programs read."""

    status: str
    reason: str
    code: str


def reason_code_for(status: str, code: str | None) -> str | None:
    """The reason code of a search: None for "ok"; ``code`` checked against ``status``; for "blocked" and
    "disallowed" the status itself when no code is given. An error must name its code."""
    if status == "ok":
        return None
    if code is None and status in ("blocked", "disallowed"):
        code = status
    if code not in REASON_CODES:
        raise ValueError(f"a {status!r} search needs a reason code, one of {', '.join(REASON_CODES)}; not {code!r}")
    if REASON_CODES[code][0] != status:
        raise ValueError(f"reason code {code!r} belongs to status {REASON_CODES[code][0]!r}, not {status!r}")
    return code


def address(street: str | None, city: str | None, state: str | None, zip: str | None) -> dict:
    return {"street": street, "city": city, "state": state, "zip": zip}


def review(
    review_id: str | None,
    date: str | None,
    rating: float | None,
    text: str | None,
    author: str | None = None,
    response: str | None = None,
    response_date: str | None = None,
) -> dict:
    """A review; ``response_date`` (the practice's reply's date, 'YYYY-MM-DD') only with a ``response``."""
    return {
        "review_id": review_id,
        "date": date,
        "rating": rating,
        "text": text,
        "author": author,
        "response": response,
        "response_date": response_date if response else None,
    }


def listing_record(
    *,
    source: str,
    url: str,
    name: str,
    source_id: str | None = None,
    specialty: str | None = None,
    practice_name: str | None = None,
    addresses: list[dict] | None = None,
    phones: list[str] | None = None,
    npi: str | None = None,
    rating: float | None = None,
    review_count: int | None = None,
    accepting_new_patients: bool | None = None,
    reviews: list[dict] | None = None,
    social_links: list[str] | None = None,
) -> dict:
    record = {
        "kind": "listing",
        "source": source,
        "url": url,
        "source_id": source_id,
        "name": name,
        "specialty": specialty,
        "practice_name": practice_name,
        "addresses": list(addresses or []),
        "phones": list(phones or []),
        "npi": npi,
        "rating": rating,
        "review_count": review_count,
        "accepting_new_patients": accepting_new_patients,
        "reviews": list(reviews or []),
    }
    if social_links:  # only when the page names some: older output stays as it was
        record["social_links"] = list(social_links)
    return record


def search_record(
    *,
    source: str,
    npi: str,
    query: str,
    status: str,
    reason: str = "",
    results: list[str] | None = None,
    reason_code: str | None = None,
) -> dict:
    if status not in SEARCH_STATUSES:
        raise ValueError(f"search status must be one of {SEARCH_STATUSES}, not {status!r}")
    return {
        "kind": "search",
        "source": source,
        "npi": npi,
        "query": query,
        "status": status,
        "reason_code": reason_code_for(status, reason_code),
        "reason": reason,
        "results": list(results or []),
    }


SOCIAL_STATUSES = ("ok", "not_found", "suspended", "blocked", "error")
SOCIAL_NUMBERS = ("followers", "following", "posts", "created_at", "last_own_post_at", "own_posts_28d",
                  "interactions_per_post", "engagement_rate")


def social_record(snapshot, *, bio: str | None = None, follows_main: bool | None = None,
                  followed_by_main: bool | None = None) -> dict:
    """The record of one account's weekly snapshot (a ``crawlers.social.snapshot.Snapshot``)."""
    if snapshot.status not in SOCIAL_STATUSES:
        raise ValueError(f"social status must be one of {SOCIAL_STATUSES}, not {snapshot.status!r}")
    ok = snapshot.status == "ok"
    record = {"kind": "social", "source": snapshot.network, "account": snapshot.account, "status": snapshot.status,
              "reason": snapshot.reason}
    for name in SOCIAL_NUMBERS:
        value = getattr(snapshot, name) if ok else None
        record[name] = value.isoformat() if hasattr(value, "isoformat") else value
    record.update(bio=bio if ok else None, follows_main=follows_main if ok else None,
                  followed_by_main=followed_by_main if ok else None)
    return record
