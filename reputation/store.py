"""Storing crawl records: listings with their weekly snapshot and reviews, search outcomes, social snapshots.

One call stores one batch in one transaction, so a record is stored completely or not at all. Every
write is keyed (listing by source+url, snapshot by listing+week, review by listing+review key, search by
source+npi+week), so storing the same records again changes nothing.

Stored for a run (``run_id``), every row it inserts carries the run's id and every row it changes that
another run stored has its former values journaled (``reputation.runs``), so the run can be undone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crawlers.sources import reading_responses
from reputation.models import KnownListing, Listing, Review, Search, Snapshot
from reputation.records import ListingIn, Record, SearchIn, SocialIn, iso_week, parse_record
from reputation.runs import Journal
from reputation.social.store import store_social


@dataclass
class StoreCounts:
    listings_new: int = 0
    listings_updated: int = 0
    snapshots: int = 0
    reviews: int = 0
    searches: int = 0
    unchanged: int = 0
    social: int = 0  # social snapshots written


def store_records(engine: Engine, records: Iterable[dict | Record], *, run_id: int | None = None) -> StoreCounts:
    """Validate and store a batch of records in one transaction.

    The batch is stored set-wise (one query per kind of row, not per record): what exists is read first,
    then the listings are written, then their snapshots and reviews, then the searches, which refer to
    the listings found with them. Records are applied in their order, so a batch holding the same
    listing twice is stored as if the records came one by one.
    """
    counts = StoreCounts()
    parsed = [r if isinstance(r, (ListingIn, SearchIn, SocialIn)) else parse_record(r) for r in records]
    listings_in = [r for r in parsed if isinstance(r, ListingIn)]
    searches_in = [r for r in parsed if isinstance(r, SearchIn)]
    journal = Journal(run_id)
    with Session(engine) as session, session.no_autoflush:
        current = _load_listings(session, {(r.source, r.url) for r in listings_in})
        applied = [(_store_listing(session, current, record, counts, journal), record) for record in listings_in]
        session.flush()  # the new listings get their ids
        _store_snapshots(session, applied, counts, journal)
        _store_reviews(session, applied, counts, journal)
        _store_searches(session, searches_in, current, journal, counts)
        _store_suggestions(session, searches_in, journal)
        counts.social += store_social(session, [r for r in parsed if isinstance(r, SocialIn)], journal)
        journal.write(session)
        session.commit()
    return counts


CHUNK = 500  # values per IN (...) list: well below every database's parameter limit


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _load_listings(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Listing]:
    found: dict[tuple[str, str], Listing] = {}
    by_source: dict[str, list[str]] = {}
    for source, url in keys:
        by_source.setdefault(source, []).append(url)
    for source, urls in by_source.items():
        for chunk in _chunks(sorted(urls)):
            for listing in session.exec(select(Listing).where(Listing.source == source, Listing.url.in_(chunk))):
                found[(listing.source, listing.url)] = listing
    return found


def _store_listing(session: Session, current: dict, record: ListingIn, counts: StoreCounts, journal: Journal) -> Listing:
    listing = current.get((record.source, record.url))
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
        "social_links": list(record.social_links),
    }
    if listing is None:
        listing = Listing(source=record.source, url=record.url, first_seen=at, last_seen=at, run_id=journal.run_id,
                          **fields)
        session.add(listing)
        current[(record.source, record.url)] = listing
        counts.listings_new += 1
    elif at >= listing.last_seen:
        # Only a crawl at least as recent as what we hold may change the listing's current state.
        before = {k: getattr(listing, k) for k, v in fields.items() if getattr(listing, k) != v}
        if listing.gone_since is not None:
            before["gone_since"] = listing.gone_since
        changed = bool(before)
        journal.changed(listing, before)
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
    return listing


def _store_snapshots(session: Session, applied: list[tuple[Listing, ListingIn]], counts: StoreCounts,
                     journal: Journal) -> None:
    """The week's first snapshot of each listing is kept (append-only); a later run that sees the listing
    again that week is journaled as having seen it (undoing the first run then leaves the snapshot)."""
    ids = sorted({listing.id for listing, _ in applied})
    taken: dict[tuple[int, str], tuple[int, int | None]] = {}
    for chunk in _chunks(ids):
        for snap_id, listing_id, week, run_id in session.exec(
                select(Snapshot.id, Snapshot.listing_id, Snapshot.week, Snapshot.run_id).where(Snapshot.listing_id.in_(chunk))):
            taken[(listing_id, week)] = (snap_id, run_id)
    rows = {}
    for listing, record in applied:
        key = (listing.id, iso_week(record.crawled_at))
        if key in taken:
            snap_id, run_id = taken[key]
            if run_id != journal.run_id:
                journal.record("snapshot", snap_id, {})
        elif key not in rows:
            rows[key] = {"listing_id": listing.id, "week": key[1], "crawled_at": record.crawled_at,
                         "rating": record.rating, "review_count": record.review_count, "run_id": journal.run_id}
    if rows:
        session.execute(insert(Snapshot), list(rows.values()))
        counts.snapshots += len(rows)


def _store_reviews(session: Session, applied: list[tuple[Listing, ListingIn]], counts: StoreCounts,
                   journal: Journal) -> None:
    """New reviews are added; a stored one gains only a later response (or an earlier first sighting), and
    its reply is marked taken down when the latest crawl of a site that shows replies read the review without
    one. Only when that crawl read some reply of the site: a batch without any reply of a site may be a parser
    that lost them, and a reply it did not see is unknown, not gone."""
    ids = sorted({listing.id for listing, record in applied if record.reviews})
    replies_read = reading_responses() & {listing.source for listing, record in applied
                                          if any(review.response for review in record.reviews)}
    known: dict[tuple[int, str], Review] = {}
    for chunk in _chunks(ids):
        for stored in session.exec(select(Review).where(Review.listing_id.in_(chunk))):
            known[(stored.listing_id, stored.review_key)] = stored
    rows: dict[tuple[int, str], dict] = {}
    for listing, record in applied:
        at = record.crawled_at
        for review in record.reviews:
            key = (listing.id, review_key(review.review_id, review.date, review.author, review.text))
            stored = known.get(key)
            if stored is None:
                row = rows.get(key)
                if row is None:
                    rows[key] = {"listing_id": listing.id, "review_key": key[1], "date": review.date,
                                 "rating": review.rating, "text": review.text, "author": review.author,
                                 "response": review.response, "response_date": review.response_date,
                                 "first_seen": at, "run_id": journal.run_id}
                elif at < row["first_seen"]:
                    row["first_seen"] = at
                continue
            # Append-only, except what a review gains later: the practice's response (and an earlier
            # first sighting when an older crawl is imported after a newer one).
            latest = at >= listing.last_seen
            if review.response and latest and (
                    review.response != stored.response or (review.response_date or stored.response_date) != stored.response_date
                    or stored.response_gone_since is not None):
                journal.changed(stored, {"response": stored.response, "response_date": stored.response_date,
                                         "response_gone_since": stored.response_gone_since})
                stored.response = review.response
                stored.response_date = review.response_date or stored.response_date
                stored.response_gone_since = None
                session.add(stored)
            elif (not review.response and latest and stored.response and stored.response_gone_since is None
                  and listing.source in replies_read):
                journal.changed(stored, {"response_gone_since": None})
                stored.response_gone_since = at
                session.add(stored)
            if at < stored.first_seen:
                journal.changed(stored, {"first_seen": stored.first_seen})
                stored.first_seen = at
                session.add(stored)
    if rows:
        session.execute(insert(Review), list(rows.values()))
        counts.reviews += len(rows)
        _tag_new(session, rows)


def _tag_new(session: Session, rows: dict[tuple[int, str], dict]) -> None:
    """A new review is tagged with its care topics and sentiment as it is stored (reputation.reviews)."""
    from reputation.reviews.store import tag_stored

    by_listing: dict[int, set[str]] = {}
    for listing_id, key in rows:
        by_listing.setdefault(listing_id, set()).add(key)
    stored = []
    for chunk in _chunks(sorted(by_listing)):
        for review_id, listing_id, key in session.exec(select(Review.id, Review.listing_id, Review.review_key)
                                                       .where(Review.listing_id.in_(chunk))):
            if key in by_listing[listing_id]:
                row = rows[(listing_id, key)]
                stored.append((review_id, row["text"], row["rating"]))
    tag_stored(session, stored)


def review_key(review_id: str | None, date: str | None, author: str | None, text: str | None) -> str:
    """The site's review id, or a hash of the review's content when the site gives none."""
    if review_id:
        return review_id[:200]
    digest = hashlib.sha1("\x1f".join(x or "" for x in (date, author, text)).encode()).hexdigest()
    return f"sha1:{digest[:24]}"


def _store_searches(session: Session, records: list[SearchIn], current: dict, journal: Journal,
                    counts: StoreCounts) -> None:
    if not records:
        return
    existing: dict[tuple[str, str, str], Search] = {}
    wanted: dict[tuple[str, str], set[str]] = {}
    for record in records:
        wanted.setdefault((record.source, iso_week(record.crawled_at)), set()).add(record.npi)
    for (source, week), npis in wanted.items():
        for chunk in _chunks(sorted(npis)):
            for search in session.exec(select(Search).where(Search.source == source, Search.week == week, Search.npi.in_(chunk))):
                existing[(search.source, search.npi, search.week)] = search
    stored_urls = _stored_urls(session, records, current)
    for record in records:
        week = iso_week(record.crawled_at)
        if record.status == "ok" and record.results:
            lost = [url for url in record.results if (record.source, url) not in stored_urls]
            if lost:
                # A result whose listing could not be stored was not seen: never let it read as "no listing".
                record = record.model_copy(update={"status": "error", "reason_code": "not_stored",
                                                    "reason": f"{len(lost)} result listing(s) could not be stored, e.g. {lost[0]}"})
        values = {
            "query": record.query,
            "status": record.status,
            "reason_code": record.reason_code,
            "reason": record.reason,
            "results": list(record.results),
            "gone": list(record.gone),
            "crawled_at": record.crawled_at,
        }
        search = existing.get((record.source, record.npi, week))
        if search is None:
            search = Search(source=record.source, npi=record.npi, week=week, run_id=journal.run_id, **values)
            existing[(record.source, record.npi, week)] = search
            session.add(search)
            counts.searches += 1
        elif _supersedes(record, search):
            before = {k: getattr(search, k) for k, v in values.items() if getattr(search, k) != v}
            if before:
                journal.changed(search, before)
                for key, value in values.items():
                    setattr(search, key, value)
                session.add(search)
                counts.searches += 1
            else:
                counts.unchanged += 1
        else:
            counts.unchanged += 1
        if record.gone:
            _mark_gone(session, record.source, record.gone, record.crawled_at, journal)


def _stored_urls(session: Session, records: list[SearchIn], current: dict) -> set[tuple[str, str]]:
    """(source, url) of the search results that are stored listings (this batch's included)."""
    stored = set(current)
    missing: dict[str, set[str]] = {}
    for record in records:
        for url in record.results:
            if (record.source, url) not in stored:
                missing.setdefault(record.source, set()).add(url)
    for source, urls in missing.items():
        for chunk in _chunks(sorted(urls)):
            stored |= {(source, url) for url in session.exec(select(Listing.url).where(Listing.source == source, Listing.url.in_(chunk)))}
    return stored


def _supersedes(record: SearchIn, search: Search) -> bool:
    """Within a week, a later answer replaces an earlier one, but a failed search never hides a good one."""
    if record.crawled_at < search.crawled_at:
        return False
    return record.status == "ok" or search.status != "ok"


def _mark_gone(session: Session, source: str, urls: list[str], at: datetime, journal: Journal) -> None:
    for listing in session.exec(select(Listing).where(Listing.source == source, Listing.url.in_(urls))).all():
        if listing.last_seen <= at and listing.gone_since is None:
            journal.changed(listing, {"gone_since": None})
            listing.gone_since = at
            session.add(listing)


def _store_suggestions(session: Session, records: list[SearchIn], journal: Journal) -> None:
    """Profile links the own website shows for a physician become suggested known listings, for a person to
    confirm or reject; a link known already for that physician (suggested, confirmed or rejected) is left as
    it is: a person's decision is never overwritten."""
    from reputation.known_listings import url_key

    wanted = [(record, s) for record in records for s in record.suggested]
    if not wanted:
        return
    npis = sorted({record.npi for record, _ in wanted})
    have: dict[tuple[str, str, str], KnownListing | None] = {}
    for chunk in _chunks(npis):
        for known in session.exec(select(KnownListing).where(KnownListing.npi.in_(chunk))):
            have[(known.npi, known.source, url_key(known.url))] = known
    for record, suggestion in wanted:
        key = (record.npi, suggestion.source, url_key(suggestion.url))
        if key in have:
            known = have[key]
            if known is not None and known.decision == "suggested":
                journal.changed(known, {})  # suggested again: undoing the crawl that suggested it first keeps it
            continue
        have[key] = None
        session.add(KnownListing(npi=record.npi, source=suggestion.source, url=suggestion.url, how="website",
                                 decision="suggested", found_on=suggestion.found_on, added_at=record.crawled_at,
                                 run_id=journal.run_id))
