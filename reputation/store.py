"""Storing crawl records: listings with their weekly snapshot and reviews, and search outcomes.

One call stores one batch in one transaction, so a record is stored completely or not at all. Every
write is keyed (listing by source+url, snapshot by listing+week, review by listing+review key, search by
source+npi+week), so storing the same records again changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.models import Listing, Review, Search, Snapshot
from reputation.records import ListingIn, Record, SearchIn, iso_week, parse_record


@dataclass
class StoreCounts:
    listings_new: int = 0
    listings_updated: int = 0
    snapshots: int = 0
    reviews: int = 0
    searches: int = 0
    unchanged: int = 0


def store_records(engine: Engine, records: Iterable[dict | Record], *, run_id: int | None = None) -> StoreCounts:
    """Validate and store a batch of records in one transaction."""
    counts = StoreCounts()
    parsed = [r if isinstance(r, (ListingIn, SearchIn)) else parse_record(r) for r in records]
    with Session(engine) as session:
        # Listings first: a search record's results refer to the listings found with it.
        for record in sorted(parsed, key=lambda r: isinstance(r, SearchIn)):
            if isinstance(record, ListingIn):
                _store_listing(session, record, counts)
            else:
                _store_search(session, record, run_id, counts)
        session.commit()
    return counts


def _store_listing(session: Session, record: ListingIn, counts: StoreCounts) -> None:
    listing = session.exec(
        select(Listing).where(Listing.source == record.source, Listing.url == record.url)
    ).first()
    at = record.crawled_at
    fields = {
        "source_id": record.source_id,
        "name": record.name,
        "specialty": record.specialty,
        "practice_name": record.practice_name,
        "addresses": [a.model_dump() for a in record.addresses],
        "phones": list(record.phones),
        "npi": record.npi,
        "rating": record.rating,
        "review_count": record.review_count,
        "accepting_new_patients": record.accepting_new_patients,
    }
    if listing is None:
        listing = Listing(source=record.source, url=record.url, first_seen=at, last_seen=at, **fields)
        session.add(listing)
        session.flush()
        counts.listings_new += 1
    elif at >= listing.last_seen:
        # Only a crawl at least as recent as what we hold may change the listing's current state.
        changed = any(getattr(listing, k) != v for k, v in fields.items()) or listing.gone_since is not None
        for key, value in fields.items():
            setattr(listing, key, value)
        if at > listing.last_seen or changed:
            listing.last_seen = at
            listing.gone_since = None
            session.add(listing)
            counts.listings_updated += 1
        else:
            counts.unchanged += 1
    else:
        counts.unchanged += 1
    if at < listing.first_seen:
        listing.first_seen = at
        session.add(listing)

    week = iso_week(at)
    snapshot = session.exec(
        select(Snapshot).where(Snapshot.listing_id == listing.id, Snapshot.week == week)
    ).first()
    if snapshot is None:
        session.add(
            Snapshot(
                listing_id=listing.id, week=week, crawled_at=at,
                rating=record.rating, review_count=record.review_count,
            )
        )
        counts.snapshots += 1

    if record.reviews:
        known = {r.review_key: r for r in session.exec(select(Review).where(Review.listing_id == listing.id)).all()}
        for review in record.reviews:
            key = review_key(review.review_id, review.date, review.author, review.text)
            stored = known.get(key)
            if stored is None:
                stored = Review(
                    listing_id=listing.id, review_key=key, date=review.date, rating=review.rating,
                    text=review.text, author=review.author, response=review.response, first_seen=at,
                )
                known[key] = stored
                session.add(stored)
                counts.reviews += 1
                continue
            # Append-only, except what a review gains later: the practice's response (and an earlier
            # first sighting when an older crawl is imported after a newer one).
            if review.response and review.response != stored.response and at >= listing.last_seen:
                stored.response = review.response
                session.add(stored)
            if at < stored.first_seen:
                stored.first_seen = at
                session.add(stored)


def review_key(review_id: str | None, date: str | None, author: str | None, text: str | None) -> str:
    """The site's review id, or a hash of the review's content when the site gives none."""
    if review_id:
        return review_id[:200]
    digest = hashlib.sha1("\x1f".join(x or "" for x in (date, author, text)).encode()).hexdigest()
    return f"sha1:{digest[:24]}"


def _store_search(session: Session, record: SearchIn, run_id: int | None, counts: StoreCounts) -> None:
    week = iso_week(record.crawled_at)
    if record.status == "ok" and record.results:
        stored = set(session.exec(select(Listing.url).where(Listing.source == record.source, Listing.url.in_(record.results))).all())
        lost = [url for url in record.results if url not in stored]
        if lost:
            # A result whose listing could not be stored was not seen: never let it read as "no listing".
            record = record.model_copy(update={"status": "error", "reason": f"{len(lost)} result listing(s) could not be stored, e.g. {lost[0]}"})
    search = session.exec(
        select(Search).where(Search.source == record.source, Search.npi == record.npi, Search.week == week)
    ).first()
    values = {
        "query": record.query,
        "status": record.status,
        "reason": record.reason,
        "results": list(record.results),
        "gone": list(record.gone),
        "crawled_at": record.crawled_at,
    }
    if search is None:
        session.add(Search(source=record.source, npi=record.npi, week=week, run_id=run_id, **values))
        counts.searches += 1
    elif _supersedes(record, search):
        if any(getattr(search, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(search, key, value)
            search.run_id = run_id if run_id is not None else search.run_id
            session.add(search)
            counts.searches += 1
        else:
            counts.unchanged += 1
    else:
        counts.unchanged += 1
    if record.gone:
        _mark_gone(session, record.source, record.gone, record.crawled_at)


def _supersedes(record: SearchIn, search: Search) -> bool:
    """Within a week, a later answer replaces an earlier one, but a failed search never hides a good one."""
    if record.crawled_at < search.crawled_at:
        return False
    return record.status == "ok" or search.status != "ok"


def _mark_gone(session: Session, source: str, urls: list[str], at: datetime) -> None:
    for listing in session.exec(select(Listing).where(Listing.source == source, Listing.url.in_(urls))).all():
        if listing.last_seen <= at and listing.gone_since is None:
            listing.gone_since = at
            session.add(listing)
