"""Stage one of the findings: load what the rules judge, once, as data frames.

Only the recent past is read (``history``, four weeks for the findings): a search or a rating older than
that says nothing about today, and a year of weekly snapshots stays in the database, not in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from reputation.coverage import source_health
from reputation.findings.thresholds import COMPLAINT_BASELINE, COMPLAINT_RECENT, NEGATIVE_AT_OR_BELOW, RATING_WINDOW, SEARCH_WINDOW
from reputation.models import (Listing, Location, Match, Physician, Review, ReviewSentiment, ReviewTopic, Search, Snapshot,
                               SocialAccount, SocialChannel, SocialSnapshot)
from reputation.normalize import format_address, format_phone, normalize_phone
from reputation.records import iso_week
from reputation.syndication import is_copy

ALL_FIELDS = "all"  # a parser break that lost everything, not one field


@dataclass
class Frames:
    physicians: pd.DataFrame  # physician_id, npi, active, department
    locations: pd.DataFrame
    listings: pd.DataFrame  # matched or in-review, current (not gone) listings of active physicians, with npi
    searches: pd.DataFrame  # the latest search per npi x source within the history
    snapshots: pd.DataFrame  # of those listings, within the history
    reviews: pd.DataFrame  # unanswered reviews of NEGATIVE_AT_OR_BELOW stars or less on those listings
    undecided: set[tuple[str, str]]  # (source, url) of listings no match decision covers yet
    broken: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (source, week) -> fields lost
    broken_reasons: dict[tuple[str, str], str] = field(default_factory=dict)  # (source, week) -> why it looks broken
    latest_crawl: datetime | None = None  # of the data read (``latest_crawl_time``)
    # Tagged reviews of matched or in-review listings dated (or first seen, when new) within the complaint
    # windows: review_id, listing_id, date, first_seen, rating, listing_first_seen, and per topic
    # mention topic, polarity, phrase (a review without topics has one row with topic None).
    review_topics: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Reviews showing the practice's public reply (not taken down since), on those listings: listing_id,
    # review_key, date, rating, author, response
    replies: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["listing_id", "review_key", "date", "rating", "author", "response"]))
    # The physicians' accounts (imported or confirmed) with their snapshots in the history: npi, network, account,
    # ambassador, week, crawled_at, status, reason, followers, own_posts_28d, last_own_post_at, bio, follows_main,
    # followed_by_main
    social: pd.DataFrame = field(default_factory=pd.DataFrame)
    system_names: tuple[str, ...] = ()  # the labels of the system's main channels (its channels without department)

    @cached_property
    def matched(self) -> pd.DataFrame:
        return self.listings[self.listings["match_status"] == "matched"]

    @cached_property
    def in_review(self) -> pd.DataFrame:
        return self.listings[self.listings["match_status"] == "review"]

    @cached_property
    def active_npis(self) -> set[str]:
        return set(self.physicians.loc[self.physicians["active"], "npi"])

    @cached_property
    def contacts(self) -> dict[int, dict]:
        return roster_contacts(self.locations)

    def unreadable(self, source: str, week: str, name: str) -> bool:
        """Whether the parser of ``source`` looked broken for the field ``name`` in ``week``."""
        lost = self.broken.get((source, week), ())
        return name in lost or ALL_FIELDS in lost


def read_frame(conn, query) -> pd.DataFrame:
    """A query's rows as a DataFrame, built column by column (much faster than row by row)."""
    result = conn.execute(query)
    columns = list(result.keys())
    rows = result.all()
    return pd.DataFrame(dict(zip(columns, zip(*rows))) if rows else {c: [] for c in columns}, columns=columns)


def latest_crawl_time(engine: Engine) -> datetime | None:
    """The latest crawl stored: of a search, of a listing (a listing's last sighting is its latest snapshot), or
    of a social account."""
    with engine.connect() as conn:
        latest = [conn.execute(select(func.max(column))).scalar()
                  for column in (Search.crawled_at, Listing.last_seen, SocialSnapshot.crawled_at)]
    latest = [t for t in latest if t is not None]
    return max(latest) if latest else None


def latest_searches_query(since_week: str | None, until_week: str | None = None):
    """The latest search per (npi, source) in a range of weeks, each a whole row, picked by the database
    (grouped on the (source, npi, week) index, so a year of weekly searches is never read row by row)."""
    s = Search.__table__
    latest = select(s.c.source, s.c.npi, func.max(s.c.week).label("week")).group_by(s.c.source, s.c.npi)
    if since_week:
        latest = latest.where(s.c.week >= since_week)
    if until_week:
        latest = latest.where(s.c.week <= until_week)
    latest = latest.subquery()
    return select(*s.c).join(latest, and_(s.c.source == latest.c.source, s.c.npi == latest.c.npi, s.c.week == latest.c.week))


def load_frames(engine: Engine, history: timedelta = RATING_WINDOW) -> Frames:
    latest = latest_crawl_time(engine)
    since = iso_week(latest - history) if latest else None
    decided = select(Match.listing_id).where(Match.status.in_(["matched", "review"]))
    with engine.connect() as conn:
        physicians = read_frame(conn, select(Physician.id.label("physician_id"), Physician.npi, Physician.active,
                                             Physician.department))
        physicians["active"] = physicians["active"].astype(bool)
        locations = read_frame(conn, select(*Location.__table__.c))
        listings = read_frame(conn, select(*Listing.__table__.c, Match.physician_id, Match.status.label("match_status"))
                              .join(Match, Match.listing_id == Listing.id)
                              .where(Match.status.in_(["matched", "review"]), Listing.gone_since.is_(None)))
        searches = read_frame(conn, latest_searches_query(iso_week(latest - SEARCH_WINDOW) if latest else None))
        snap_query = select(Snapshot.listing_id, Snapshot.week, Snapshot.rating, Snapshot.review_count).where(
            Snapshot.listing_id.in_(decided))
        if since:
            snap_query = snap_query.where(Snapshot.week >= since)
        snapshots = read_frame(conn, snap_query)
        reviews = read_frame(conn, select(*Review.__table__.c).where(
            Review.listing_id.in_(decided), Review.rating <= NEGATIVE_AT_OR_BELOW, ~shown_reply(Review),
            ~is_copy(Review)))  # a syndicated copy is answered, and counted, where it was written
        review_topics = _review_topics(conn, decided, latest)
        replies = read_frame(conn, select(Review.listing_id, Review.review_key, Review.date, Review.rating, Review.author,
                                          Review.response).where(Review.listing_id.in_(decided), shown_reply(Review)))
        undecided = set(conn.execute(
            select(Listing.source, Listing.url).join(Match, Match.listing_id == Listing.id, isouter=True)
            .where(Match.id.is_(None))).all())
        social = read_frame(conn, social_query(since))
        names = tuple(n for n in conn.execute(select(SocialChannel.label).where(
            SocialChannel.department.is_(None), SocialChannel.label.is_not(None)).distinct()).scalars())
    listings = listings.merge(physicians[["physician_id", "npi", "active"]], on="physician_id", suffixes=("_shown", ""))
    listings = listings[listings["active"]].reset_index(drop=True)
    social = social[social["npi"].isin(set(physicians.loc[physicians["active"], "npi"]))].reset_index(drop=True)
    return Frames(physicians, locations, listings, searches, snapshots, reviews, undecided, *parser_breaks(engine),
                  latest_crawl=latest, review_topics=review_topics, replies=replies, social=social, system_names=names)


def shown_reply(review=Review):
    """SQL: the review shows the practice's reply (it has one, not taken down since)."""
    return and_(review.response.is_not(None), review.response_gone_since.is_(None))


def _review_topics(conn, decided, latest: datetime | None) -> pd.DataFrame:
    """The tagged reviews the complaint windows may hold, with their topics (see ``Frames.review_topics``).
    Read generously (an ISO date string from the cutoff on, or first seen since it); the rule decides."""
    columns = ["review_id", "listing_id", "date", "first_seen", "rating", "listing_first_seen",
               "topic", "polarity", "phrase"]
    if latest is None:
        return pd.DataFrame(columns=columns)
    cutoff = latest - COMPLAINT_RECENT - COMPLAINT_BASELINE
    query = (select(Review.id.label("review_id"), Review.listing_id, Review.date, Review.first_seen, Review.rating,
                    Listing.first_seen.label("listing_first_seen"),
                    ReviewTopic.topic, ReviewTopic.polarity, ReviewTopic.phrase)
             .join(ReviewSentiment, ReviewSentiment.review_id == Review.id)
             .join(Listing, Listing.id == Review.listing_id)
             .join(ReviewTopic, ReviewTopic.review_id == Review.id, isouter=True)
             .where(Review.listing_id.in_(decided), ~is_copy(Review),
                    (Review.date >= cutoff.date().isoformat()) | (Review.first_seen >= cutoff)))
    return read_frame(conn, query)


def social_query(since_week: str | None):
    """The physicians' own accounts (imported, or suggestions a person confirmed) with their snapshots since a week."""
    query = (select(SocialAccount.npi, SocialAccount.network, SocialAccount.account, SocialAccount.ambassador,
                    SocialSnapshot.week, SocialSnapshot.crawled_at, SocialSnapshot.status, SocialSnapshot.reason,
                    SocialSnapshot.followers, SocialSnapshot.own_posts_28d, SocialSnapshot.last_own_post_at,
                    SocialSnapshot.bio, SocialSnapshot.follows_main, SocialSnapshot.followed_by_main)
             .join(SocialSnapshot, and_(SocialSnapshot.network == SocialAccount.network,
                                        SocialSnapshot.account == SocialAccount.account))
             .where((SocialAccount.added == "import") | (SocialAccount.decision == "confirmed")))
    return query.where(SocialSnapshot.week >= since_week) if since_week else query


def parser_breaks(engine: Engine) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], str]]:
    """Per (source, ISO week) the parser looked broken: the fields it lost ("all": it yielded nothing), and why."""
    health = source_health(engine)
    if health.empty:
        return {}, {}
    broken = health[health["broken"].astype(bool)]
    return ({(r.source, r.week): set(r.broken_fields or [ALL_FIELDS]) for r in broken.itertuples()},
            {(r.source, r.week): str(r.reason or "") for r in broken.itertuples()})


def roster_contacts(locations: pd.DataFrame) -> dict[int, dict]:
    """Per physician id: the roster's phones (E.164), locations (address dicts) and both as text."""
    contacts: dict[int, dict] = {}
    for loc in locations.itertuples():
        entry = contacts.setdefault(loc.physician_id, {"phones": set(), "addresses": [], "phone_text": [], "address_text": []})
        phone = normalize_phone(loc.phone)
        if phone and phone not in entry["phones"]:
            entry["phones"].add(phone)
            entry["phone_text"].append(format_phone(phone))
        address = {"street": loc.street, "city": loc.city, "state": loc.state, "zip": loc.zip}
        entry["addresses"].append(address)
        text = format_address(address)
        if text not in entry["address_text"]:
            entry["address_text"].append(text)
    return contacts
