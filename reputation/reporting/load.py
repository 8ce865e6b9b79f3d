"""Read what the reports need from the database, once: the frames the findings judge and what only reports
show (the roster's names, the findings kept, weekly ratings for the trends, the previous week's searches,
new and recent reviews). The builders (``overview``, ``physician``) are pure functions of the result.

Built for a health system's whole roster: a handful of queries over the last TREND_WEEKS weeks (a year of
weekly snapshots stays in the database), nothing per physician.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Engine

from crawlers.sources import reading_responses
from reputation.findings import Frames, latest_crawl_time, load_frames, read_frame
from reputation.findings.frames import shown_reply
from reputation.known_phones import known_phones
from reputation.models import Finding, Listing, Match, Physician, Review, ReviewSentiment, ReviewTopic, Search, Snapshot
from reputation.records import iso_week
from reputation.reporting.social import SocialInput, load_social
from reputation.syndication import is_copy

TREND_WEEKS = 12
REVIEWS_PER_PHYSICIAN = 20

ROSTER_COLUMNS = ["id", "npi", "first_name", "middle_name", "last_name", "suffix", "credentials", "specialty", "department",
                  "active"]
FINDING_COLUMNS = ["npi", "source", "kind", "url", "shown", "expected", "first_seen", "last_seen", "status", "resolved_at"]
MATCHED_COLUMNS = ["listing_id", "physician_id", "source"]
RATING_COLUMNS = ["listing_id", "week", "rating", "review_count"]
SEARCH_COLUMNS = ["npi", "source", "status", "reason"]
REVIEW_COLUMNS = ["physician_id", "source", "url", "date", "rating", "text", "author", "response", "review_id"]
TOPIC_COLUMNS = ["physician_id", "topic", "polarity", "reviews"]
TAGGED_COLUMNS = ["physician_id", "reviews"]
QUOTE_COLUMNS = ["physician_id", "topic", "polarity", "phrase"]
QUOTES_PER_TOPIC = 2  # per physician, topic and polarity, newest first
CHIP_COLUMNS = ["review_id", "topic", "polarity"]
RESPONSE_COLUMNS = ["physician_id", "source", "rating", "date", "first_seen", "answered", "response_date"]


def default_title() -> str:
    return os.environ.get("REPMON_TITLE", "Physician online reputation")


def _frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns}, columns=columns)


@dataclass
class ReportInput:
    """Everything the reports are built from, as plain data frames (tests construct one directly)."""

    frames: Frames  # what the findings judge: current listings of active physicians, latest searches, ...
    roster: pd.DataFrame = field(default_factory=lambda: _frame(ROSTER_COLUMNS))  # every physician, left ones too
    findings: pd.DataFrame = field(default_factory=lambda: _frame(FINDING_COLUMNS))  # every finding kept, resolved too
    matched: pd.DataFrame = field(default_factory=lambda: _frame(MATCHED_COLUMNS))  # every matched listing, gone too
    ratings: pd.DataFrame = field(default_factory=lambda: _frame(RATING_COLUMNS))  # their snapshots, the trend's weeks
    searches_before: pd.DataFrame = field(default_factory=lambda: _frame(SEARCH_COLUMNS))  # the previous week's searches
    new_reviews: dict[str, int] = field(default_factory=dict)  # week -> reviews first seen then (new_review_counts)
    recent_reviews: pd.DataFrame = field(default_factory=lambda: _frame(REVIEW_COLUMNS))  # per physician, newest first
    known_phones: set[str] = field(default_factory=set)  # call-center numbers, never an outdated phone
    title: str = field(default_factory=default_title)
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    # What patients say, of matched listings' tagged reviews: per physician, topic and polarity how many
    # reviews; per physician how many tagged reviews; and the newest phrases per physician, topic and polarity.
    topic_counts: pd.DataFrame = field(default_factory=lambda: _frame(TOPIC_COLUMNS))
    tagged_reviews: pd.DataFrame = field(default_factory=lambda: _frame(TAGGED_COLUMNS))
    topic_quotes: pd.DataFrame = field(default_factory=lambda: _frame(QUOTE_COLUMNS))
    recent_topics: pd.DataFrame = field(default_factory=lambda: _frame(CHIP_COLUMNS))  # of recent_reviews (review_id)
    # every review of current matched listings, narrow: whether and when it was answered (``responses``)
    responses: pd.DataFrame = field(default_factory=lambda: _frame(RESPONSE_COLUMNS))
    social: SocialInput = field(default_factory=SocialInput)  # accounts, channels and their weekly reads


def report_weeks(ratings: pd.DataFrame, searches: pd.DataFrame) -> list[str]:
    """The weeks the reports show: those with a rating or a search, the last TREND_WEEKS of them."""
    rated = ratings.loc[ratings["rating"].notna(), "week"].unique()
    return sorted(set(rated) | set(searches["week"].unique()))[-TREND_WEEKS:]


def week_start(week: str) -> datetime:
    year, number = week.split("-W")
    return datetime.combine(date.fromisocalendar(int(year), int(number), 1), time(), tzinfo=UTC)


def load_report_input(engine: Engine, title: str | None = None, frames: Frames | None = None,
                      pages: bool = True) -> ReportInput:
    """Read everything the reports show. ``frames``: the findings' frames, if already loaded for this data;
    ``pages=False``: for the overview alone, without what only the physician pages show (their recent reviews)."""
    frames = frames if frames is not None else load_frames(engine)
    latest = frames.latest_crawl or latest_crawl_time(engine)
    since = iso_week(latest - timedelta(weeks=TREND_WEEKS - 1)) if latest else ""
    matched_ids = select(Match.listing_id).where(Match.status == "matched")
    with engine.connect() as conn:
        roster = read_frame(conn, select(*(Physician.__table__.c[c] for c in ROSTER_COLUMNS)))
        findings = read_frame(conn, select(*(Finding.__table__.c[c] for c in FINDING_COLUMNS)))
        matched = read_plain(conn, select(Listing.id.label("listing_id"), Match.physician_id, Listing.source)
                             .join(Match, Match.listing_id == Listing.id).where(Match.status == "matched"))
        ratings = read_plain(conn, select(Snapshot.listing_id, Snapshot.week, Snapshot.rating, Snapshot.review_count)
                             .where(Snapshot.listing_id.in_(matched_ids), Snapshot.week >= since))
        weeks = report_weeks(ratings, frames.searches)
        previous = weeks[-2] if len(weeks) > 1 else None
        searches_before = _frame(SEARCH_COLUMNS)
        if previous:  # one search per physician, source and week
            searches_before = read_plain(conn, select(Search.npi, Search.source, Search.status, Search.reason)
                                         .where(Search.week == previous))
        new_reviews = new_review_counts(conn, weeks[-2:])
        recent_reviews = read_plain(conn, _recent_reviews_query()) if pages else _frame(REVIEW_COLUMNS)
        topic_counts = read_plain(conn, _topic_counts_query())
        tagged_reviews = read_plain(conn, _tagged_reviews_query())
        topic_quotes = read_plain(conn, _topic_quotes_query()) if pages else _frame(QUOTE_COLUMNS)
        recent_topics = read_plain(conn, _recent_topics_query()) if pages else _frame(CHIP_COLUMNS)
        responses = read_plain(conn, select(Match.physician_id, Listing.source, Review.rating, Review.date, Review.first_seen,
                                            shown_reply(Review).label("answered"), Review.response_date)
                               .join(Listing, Listing.id == Review.listing_id).join(Match, Match.listing_id == Listing.id)
                               .where(Match.status == "matched", Listing.gone_since.is_(None), ~is_copy(Review),
                                      Listing.source.in_(sorted(reading_responses()))))
        social = load_social(conn)
    roster["active"] = roster["active"].astype(bool)
    return ReportInput(frames, roster, findings, matched, ratings, searches_before, new_reviews, recent_reviews,
                       known_phones(engine), title or default_title(), topic_counts=topic_counts,
                       tagged_reviews=tagged_reviews, topic_quotes=topic_quotes, recent_topics=recent_topics,
                       responses=responses, social=social)


def _topic_counts_query():
    """Per physician, topic and polarity, how many of their matched listings' reviews (a syndicated copy not)."""
    return (select(Match.physician_id, ReviewTopic.topic, ReviewTopic.polarity,
                   func.count(func.distinct(ReviewTopic.review_id)).label("reviews"))
            .select_from(ReviewTopic).join(Review, Review.id == ReviewTopic.review_id)
            .join(Match, Match.listing_id == Review.listing_id).where(Match.status == "matched", ~is_copy(Review))
            .group_by(Match.physician_id, ReviewTopic.topic, ReviewTopic.polarity))


def _tagged_reviews_query():
    """Per physician, how many of their matched listings' reviews are tagged (a syndicated copy not)."""
    return (select(Match.physician_id, func.count().label("reviews")).select_from(ReviewSentiment)
            .join(Review, Review.id == ReviewSentiment.review_id)
            .join(Match, Match.listing_id == Review.listing_id).where(Match.status == "matched", ~is_copy(Review))
            .group_by(Match.physician_id))


def _topic_quotes_query():
    """The newest QUOTES_PER_TOPIC phrases per physician, topic and polarity."""
    rank = func.row_number().over(partition_by=(Match.physician_id, ReviewTopic.topic, ReviewTopic.polarity),
                                  order_by=(Review.first_seen.desc(), Review.date.desc(), Review.id.desc()))
    ranked = (select(ReviewTopic.id, Match.physician_id, rank.label("rank")).select_from(ReviewTopic)
              .join(Review, Review.id == ReviewTopic.review_id)
              .join(Match, Match.listing_id == Review.listing_id).where(Match.status == "matched", ~is_copy(Review)).subquery())
    return (select(ranked.c.physician_id, ReviewTopic.topic, ReviewTopic.polarity, ReviewTopic.phrase)
            .join(ReviewTopic, ReviewTopic.id == ranked.c.id).where(ranked.c.rank <= QUOTES_PER_TOPIC)
            .order_by(ranked.c.physician_id, ReviewTopic.topic, ReviewTopic.polarity, ranked.c.rank))


def new_review_counts(conn, weeks: list[str]) -> dict[str, int]:
    """Per week, the reviews first seen then on matched listings crawled before (a first crawl brings history);
    a syndicated copy not. One query for all the weeks."""
    if not weeks:
        return {}
    starts = {week: week_start(week) for week in weeks}
    which = case(*((and_(Review.first_seen >= start, Review.first_seen < start + timedelta(weeks=1)), week)
                   for week, start in starts.items()), else_=None).label("week")
    rows = conn.execute(
        select(which, func.count()).select_from(Review).join(Listing, Listing.id == Review.listing_id)
        .join(Match, Match.listing_id == Listing.id)
        .where(Match.status == "matched", Review.first_seen >= min(starts.values()),
               Review.first_seen < max(starts.values()) + timedelta(weeks=1),
               Review.first_seen > Listing.first_seen, ~is_copy(Review)).group_by(which)).all()
    counts = {week: 0 for week in weeks}
    counts.update({week: int(n) for week, n in rows if week is not None})
    return counts


def _recent_ranked():
    """Each physician's matched listings' reviews ranked newest first, REVIEWS_PER_PHYSICIAN kept (narrow rows)."""
    rank = func.row_number().over(partition_by=Match.physician_id,
                                  order_by=(Review.first_seen.desc(), Review.date.desc(), Review.id.desc()))
    return (select(Review.id, Match.physician_id, rank.label("rank")).join(Match, Match.listing_id == Review.listing_id)
            .where(Match.status == "matched", ~is_copy(Review)).subquery())


def _recent_reviews_query():
    """The most recent reviews of each physician's matched listings, newest first, REVIEWS_PER_PHYSICIAN each
    (ranked on narrow rows; the text joined to the ones kept)."""
    ranked = _recent_ranked()
    return (select(ranked.c.physician_id, Listing.source, Listing.url, Review.date, Review.rating, Review.text,
                   Review.author, case((shown_reply(Review), Review.response), else_=None).label("response"),
                   Review.id.label("review_id"))
            .join(Review, Review.id == ranked.c.id).join(Listing, Listing.id == Review.listing_id)
            .where(ranked.c.rank <= REVIEWS_PER_PHYSICIAN).order_by(ranked.c.physician_id, ranked.c.rank))


def _recent_topics_query():
    """The care topics of those recent reviews."""
    ranked = _recent_ranked()
    return (select(ReviewTopic.review_id, ReviewTopic.topic, ReviewTopic.polarity)
            .join(ranked, ranked.c.id == ReviewTopic.review_id).where(ranked.c.rank <= REVIEWS_PER_PHYSICIAN)
            .order_by(ReviewTopic.review_id, ReviewTopic.id))


def read_plain(conn, query) -> pd.DataFrame:
    """A query of plain numbers and text as a data frame, from the driver's rows as they come (``read_frame``
    makes a SQLAlchemy row of each first: for a million weekly ratings that is most of the time)."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return pd.DataFrame(dict(zip(columns, zip(*rows))) if rows else {c: [] for c in columns}, columns=columns)
