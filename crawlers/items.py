"""The two records every spider yields: the crawl output format.

These dicts are what ``scrapy crawl SITE -O out.jsonl`` writes, one JSON object per line, and what
``repmon listings import`` reads back (validated by ``reputation.records``). ``crawled_at`` is not set
here: parsing is pure, and the crawl time is stamped by ``crawlers.pipelines.StampPipeline``.

listing: kind, source, url, source_id, name, specialty, practice_name, addresses[{street, city, state,
         zip}], phones[], npi, rating, review_count, accepting_new_patients,
         reviews[{review_id, date, rating, text, author, response}], crawled_at
search:  kind, source, npi, query, status (ok|blocked|error|disallowed), reason, results[], crawled_at
"""

from __future__ import annotations

SEARCH_STATUSES = ("ok", "blocked", "error", "disallowed")


def address(street: str | None, city: str | None, state: str | None, zip: str | None) -> dict:
    return {"street": street, "city": city, "state": state, "zip": zip}


def review(
    review_id: str | None,
    date: str | None,
    rating: float | None,
    text: str | None,
    author: str | None = None,
    response: str | None = None,
) -> dict:
    return {
        "review_id": review_id,
        "date": date,
        "rating": rating,
        "text": text,
        "author": author,
        "response": response,
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
) -> dict:
    return {
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


def search_record(
    *,
    source: str,
    npi: str,
    query: str,
    status: str,
    reason: str = "",
    results: list[str] | None = None,
) -> dict:
    if status not in SEARCH_STATUSES:
        raise ValueError(f"search status must be one of {SEARCH_STATUSES}, not {status!r}")
    return {
        "kind": "search",
        "source": source,
        "npi": npi,
        "query": query,
        "status": status,
        "reason": reason,
        "results": list(results or []),
    }
