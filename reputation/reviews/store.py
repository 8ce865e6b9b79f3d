"""Stored reviews' topics and sentiment: tagged as a review is stored, and re-tagged all at once after a
vocabulary change (``repmon reviews retag``), which changes nothing when run again."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from reputation.models import Review, ReviewSentiment, ReviewTopic
from reputation.reviews.tagger import Tagger, default_tagger
from reputation.reviews.vocabulary import VocabularyError

log = logging.getLogger(__name__)
CHUNK = 500


def store_tagger() -> Tagger | None:
    """The tagger for storing reviews; None (the reviews are stored untagged, for `repmon reviews retag`)
    when the user's vocabulary file cannot be read: a bad setting never loses a crawl."""
    try:
        return default_tagger()
    except (VocabularyError, OSError) as exc:
        log.warning("reviews stored untagged: the vocabulary cannot be read (%s); fix it and run `repmon reviews retag`", exc)
        return None


def tags_of(tagger: Tagger, review_id: int, text: str | None, rating: float | None) -> tuple[list[dict], dict]:
    """The review's topic rows and sentiment row."""
    tagging = tagger.tag(text, rating)
    topics = [{"review_id": review_id, "topic": topic, "polarity": m.polarity, "phrase": m.phrase}
              for topic, m in tagging.topics.items()]
    s = tagging.sentiment
    return topics, {"review_id": review_id, "label": s.label, "score": s.score, "compound": s.compound}


def tag_stored(session: Session, reviews: Iterable[tuple[int, str | None, float | None]], tagger: Tagger | None = None) -> int:
    """Tag reviews just stored (id, text, rating), in the session's transaction."""
    tagger = tagger or store_tagger()
    if tagger is None:
        return 0
    topics, sentiments = [], []
    for review_id, text, rating in reviews:
        t, s = tags_of(tagger, review_id, text, rating)
        topics += t
        sentiments.append(s)
    if sentiments:
        session.execute(insert(ReviewSentiment), sentiments)
    if topics:
        session.execute(insert(ReviewTopic), topics)
    return len(sentiments)


@dataclass
class Retagged:
    reviews: int = 0  # reviews read
    first: int = 0  # tagged for the first time
    changed: int = 0  # whose topics or sentiment changed

    def describe(self) -> str:
        return (f"{self.reviews} review(s) tagged: {self.changed} changed, {self.first} tagged for the first time, "
                f"{self.reviews - self.changed - self.first} unchanged")


def retag_reviews(engine: Engine, tagger: Tagger | None = None, *, only_untagged: bool = False) -> Retagged:
    """Tag every stored review again (``only_untagged``: those not tagged yet), writing only what changed,
    CHUNK reviews per transaction. Running it twice with the same vocabulary changes nothing."""
    tagger = tagger or default_tagger()
    summary = Retagged()
    last = 0
    while True:
        with engine.begin() as conn:
            query = select(Review.id, Review.text, Review.rating).where(Review.id > last)
            if only_untagged:
                query = query.where(~select(ReviewSentiment.review_id).where(
                    ReviewSentiment.review_id == Review.id).exists())
            rows = conn.execute(query.order_by(Review.id).limit(CHUNK)).all()
            if not rows:
                break
            last = rows[-1].id
            _retag_chunk(conn, tagger, rows, summary)
    return summary


def _retag_chunk(conn: Connection, tagger: Tagger, rows, summary: Retagged) -> None:
    ids = [r.id for r in rows]
    stored_topics: dict[int, set] = {}
    for review_id, topic, polarity, phrase in conn.execute(select(
            ReviewTopic.review_id, ReviewTopic.topic, ReviewTopic.polarity, ReviewTopic.phrase).where(ReviewTopic.review_id.in_(ids))):
        stored_topics.setdefault(review_id, set()).add((topic, polarity, phrase))
    stored_sentiment = {r.review_id: (r.label, r.score, r.compound) for r in conn.execute(
        select(ReviewSentiment.review_id, ReviewSentiment.label, ReviewSentiment.score, ReviewSentiment.compound)
        .where(ReviewSentiment.review_id.in_(ids)))}
    new_topics, new_sentiments, replace_topics = [], [], []
    for row in rows:
        summary.reviews += 1
        topics, sentiment = tags_of(tagger, row.id, row.text, row.rating)
        topic_set = {(t["topic"], t["polarity"], t["phrase"]) for t in topics}
        values = (sentiment["label"], sentiment["score"], sentiment["compound"])
        before = stored_sentiment.get(row.id)
        topics_changed = topic_set != stored_topics.get(row.id, set())
        if before is None:
            summary.first += 1
            new_sentiments.append(sentiment)
        elif before != values:
            conn.execute(update(ReviewSentiment).where(ReviewSentiment.review_id == row.id).values(
                label=values[0], score=values[1], compound=values[2]))
        if topics_changed:
            replace_topics.append(row.id)
            new_topics += topics
        if before is not None and (before != values or topics_changed):
            summary.changed += 1
    if replace_topics:
        conn.execute(delete(ReviewTopic).where(ReviewTopic.review_id.in_(replace_topics)))
    if new_topics:
        conn.execute(insert(ReviewTopic), new_topics)
    if new_sentiments:
        conn.execute(insert(ReviewSentiment), new_sentiments)


def untagged_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Review).where(
            ~select(ReviewSentiment.review_id).where(ReviewSentiment.review_id == Review.id).exists())).scalar()


def tag_untagged(engine: Engine) -> Retagged | None:
    """Tag the stored reviews not tagged yet; None when the vocabulary cannot be read (logged)."""
    tagger = store_tagger()
    return None if tagger is None else retag_reviews(engine, tagger, only_untagged=True)
