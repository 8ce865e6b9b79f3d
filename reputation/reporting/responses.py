"""The practice's replies to reviews: how many reviews were answered and how fast, per physician and per site,
and how long the negative reviews without a reply have waited. A pure function of the loaded data.

Only sites whose reviews show the practice's replies count (``reads_responses`` on the spider): elsewhere a
review without a reply says nothing, so those sites are left out rather than shown as never answered. The
time to respond is measured on replies dated by the site, from the review's date; the age of a review
without a reply runs to the latest crawl (from when it was first seen when the site shows no date).
"""

from __future__ import annotations

import pandas as pd

from crawlers.sources import ordered, reading_responses
from reports.model import DepartmentResponses, ResponseStats
from reputation.findings import ALL_SITES, NEGATIVE_AT_OR_BELOW
from reputation.reporting.display import site

RESPONSE_COLUMNS = ["physician_id", "source", "rating", "date", "first_seen", "answered", "response_date"]


def _utc(values) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="ISO8601", utc=True)


def latest(now) -> pd.Timestamp | None:
    if now is None:
        return None
    moment = pd.Timestamp(now)
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment


def age_days(dates, first_seen, now) -> pd.Series:
    """Days from each review's date (or, undated, its first sighting) to ``now``; never negative."""
    since = _utc(pd.Series(list(dates), dtype=object)).fillna(_utc(pd.Series(list(first_seen), dtype=object)))
    now = latest(now) if now is not None else since.max()
    return (now - since).dt.days.clip(lower=0)


def prepare(reviews: pd.DataFrame) -> pd.DataFrame:
    """The reviews of sites that show replies, their dates read once: ``reviewed`` (the review's date),
    ``replied`` (the reply's) and ``since`` (the review's date, else when it was first seen)."""
    reviews = reviews[reviews["source"].isin(reading_responses())].copy()
    reviews["reviewed"] = _utc(reviews["date"])
    reviews["replied"] = _utc(reviews["response_date"])
    reviews["since"] = reviews["reviewed"].fillna(_utc(reviews["first_seen"]))
    return reviews


def _stats(key: str, part: pd.DataFrame, now) -> ResponseStats:
    answered = part["answered"].astype(bool)
    reviewed, replied = part["reviewed"], part["replied"]
    waits = (replied - reviewed).dt.days[answered & reviewed.notna() & replied.notna()].clip(lower=0)
    open_negative = part[~answered & (part["rating"] <= NEGATIVE_AT_OR_BELOW)]
    since = open_negative["since"]
    moment = latest(now) if now is not None else since.max()
    ages = (moment - since).dt.days.clip(lower=0) if len(open_negative) else pd.Series([], dtype=float)
    return ResponseStats(
        site=site(key), reviews=len(part), answered=int(answered.sum()),
        rate=float(answered.mean()) if len(part) else None,
        median_days=float(waits.median()) if len(waits) else None, timed=len(waits),
        unanswered_negative=len(open_negative),
        oldest_unanswered_days=int(ages.max()) if len(ages) and pd.notna(ages.max()) else None)


def response_stats(reviews: pd.DataFrame, now) -> list[ResponseStats]:
    """All sites that show replies first (as site ``all``), then each of them in the sources' order.
    ``reviews`` as loaded, or already through ``prepare`` (as the physician pages hand them in)."""
    if "since" not in reviews:
        reviews = prepare(reviews)
    if reviews.empty:
        return []
    parts = dict(tuple(reviews.groupby("source", sort=False)))
    return [_stats(ALL_SITES, reviews, now)] + [_stats(key, parts[key], now) for key in ordered(parts)]


def response_stats_by_department(reviews: pd.DataFrame, roster: pd.DataFrame, now) -> list[DepartmentResponses]:
    """Per department (the roster's; "" for none), its physicians' replies over every site that shows them,
    departments in name order."""
    reviews = prepare(reviews)
    if reviews.empty:
        return []
    departments = roster.set_index("id")["department"].fillna("")
    reviews = reviews.assign(department=reviews["physician_id"].map(departments).fillna(""))
    return [DepartmentResponses(name, _stats(ALL_SITES, part, now))
            for name, part in sorted(reviews.groupby("department", sort=False), key=lambda item: item[0])]


def response_stats_by_physician(reviews: pd.DataFrame, now) -> dict[int, list[ResponseStats]]:
    """``response_stats`` of every physician at once (physician_id -> stats), grouped once rather than per page."""
    reviews = prepare(reviews)
    if reviews.empty:
        return {}
    answered = reviews["answered"].astype(bool)
    timed = answered & reviews["reviewed"].notna() & reviews["replied"].notna()
    waits = (reviews["replied"] - reviews["reviewed"]).dt.days.clip(lower=0)
    open_negative = ~answered & (reviews["rating"] <= NEGATIVE_AT_OR_BELOW)
    moment = latest(now) if now is not None else reviews.loc[open_negative, "since"].max()
    ages = (moment - reviews["since"]).dt.days.clip(lower=0)
    frame = pd.DataFrame({"physician_id": reviews["physician_id"], "source": reviews["source"], "answered": answered,
                          "wait": waits.where(timed), "open_negative": open_negative, "age": ages.where(open_negative)})

    def summed(by: list[str]) -> pd.DataFrame:
        return frame.groupby(by, sort=False).agg(reviews=("answered", "size"), answered=("answered", "sum"),
                                                 median_days=("wait", "median"), timed=("wait", "count"),
                                                 unanswered_negative=("open_negative", "sum"), oldest=("age", "max"))

    def stats(key: str, row) -> ResponseStats:
        return ResponseStats(
            site=site(key), reviews=int(row.reviews), answered=int(row.answered), rate=row.answered / row.reviews,
            median_days=float(row.median_days) if row.timed else None, timed=int(row.timed),
            unanswered_negative=int(row.unanswered_negative),
            oldest_unanswered_days=int(row.oldest) if pd.notna(row.oldest) else None)

    out = {pid: [stats(ALL_SITES, row)] for pid, row in summed(["physician_id"]).iterrows()}
    rank = {key: i for i, key in enumerate(ordered(set(frame["source"])))}
    per_site = summed(["physician_id", "source"]).reset_index()
    per_site = per_site.assign(rank=per_site["source"].map(rank)).sort_values(["physician_id", "rank"])
    for row in per_site.itertuples(index=False):
        out[row.physician_id].append(stats(row.source, row))
    return out
