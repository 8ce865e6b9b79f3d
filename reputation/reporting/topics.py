"""What patients say: the care topics of matched listings' tagged reviews, system-wide, by department and
per physician (with the phrases that decided them). Pure functions of the loaded data."""

from __future__ import annotations

import pandas as pd

from reports.model import Chip, DepartmentTopics, PatientTopics, Quote, TopicCount
from reputation.reporting.display import SHORT_TEXT_CHARS, clip, rows
from reputation.reviews.vocabulary import TOPIC_LABELS, TOPICS

TOP = 3  # most praised and most complained-of topics shown per department


def topic_counts(counts: pd.DataFrame) -> list[TopicCount]:
    """Per topic (in the topics' order), how many reviews speak of it positively, negatively, neutrally."""
    if counts.empty:
        return []
    table = counts.groupby(["topic", "polarity"])["reviews"].sum()
    out = []
    for topic in TOPICS:
        values = {p: int(table.get((topic, p), 0)) for p in ("positive", "negative", "neutral")}
        if any(values.values()):
            out.append(TopicCount(topic, TOPIC_LABELS[topic], values["positive"], values["negative"], values["neutral"]))
    return out


def patient_topics(data, active: pd.DataFrame) -> PatientTopics | None:
    """System-wide and by department, over the active physicians; None when no review is tagged."""
    people = active[["id", "department"]].rename(columns={"id": "physician_id"})
    counts = data.topic_counts.merge(people, on="physician_id")
    tagged = data.tagged_reviews.merge(people, on="physician_id")
    if tagged.empty or int(tagged["reviews"].sum()) == 0:
        return None
    departments = []
    for name, group in counts.groupby(counts["department"].fillna(""), sort=True):
        topics = topic_counts(group)
        reviews = int(tagged.loc[tagged["department"].fillna("") == name, "reviews"].sum())
        departments.append(DepartmentTopics(
            name, reviews,
            sorted((t for t in topics if t.positive), key=lambda t: (-t.positive, t.topic))[:TOP],
            sorted((t for t in topics if t.negative), key=lambda t: (-t.negative, t.topic))[:TOP]))
    return PatientTopics(int(tagged["reviews"].sum()), topic_counts(counts), departments)


class PhysicianTopics:
    """Each physician's topics with up to two quotes (the newest praise and complaint, else neutral)."""

    def __init__(self, data):
        self.counts = {pid: group for pid, group in data.topic_counts.groupby("physician_id")} \
            if not data.topic_counts.empty else {}
        self.quotes: dict = {}
        for row in rows(data.topic_quotes):
            self.quotes.setdefault((row.physician_id, row.topic), []).append(row)

    def of(self, physician_id) -> list[TopicCount]:
        group = self.counts.get(physician_id)
        if group is None:
            return []
        topics = topic_counts(group)
        for t in topics:
            found = self.quotes.get((physician_id, t.topic), [])
            ordered = [q for q in found if q.polarity == "positive"][:1] + [q for q in found if q.polarity == "negative"][:1]
            ordered += [q for q in found if q not in ordered][:2 - len(ordered)]
            t.quotes = [Quote(q.polarity, clip(q.phrase, SHORT_TEXT_CHARS)) for q in ordered[:2]]
        return topics


def review_chips(recent_topics: pd.DataFrame) -> dict:
    """review id -> its topic chips, in the topics' order."""
    chips: dict = {}
    for row in rows(recent_topics):
        chips.setdefault(row.review_id, []).append(Chip(row.topic, TOPIC_LABELS.get(row.topic, row.topic), row.polarity))
    order = {t: i for i, t in enumerate(TOPICS)}
    return {k: sorted(v, key=lambda c: order.get(c.topic, len(order))) for k, v in chips.items()}
