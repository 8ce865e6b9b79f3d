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
from reports.model import ResponseStats
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


def _stats(key: str, part: pd.DataFrame, now) -> ResponseStats:
    answered = part["answered"].astype(bool)
    reviewed, replied = _utc(part["date"]), _utc(part["response_date"])
    waits = (replied - reviewed).dt.days[answered & reviewed.notna() & replied.notna()].clip(lower=0)
    open_negative = part[~answered & (part["rating"] <= NEGATIVE_AT_OR_BELOW)]
    ages = age_days(open_negative["date"], open_negative["first_seen"], now) if len(open_negative) else pd.Series([], dtype=float)
    return ResponseStats(
        site=site(key), reviews=len(part), answered=int(answered.sum()),
        rate=float(answered.mean()) if len(part) else None,
        median_days=float(waits.median()) if len(waits) else None, timed=len(waits),
        unanswered_negative=len(open_negative),
        oldest_unanswered_days=int(ages.max()) if len(ages) and pd.notna(ages.max()) else None)


def response_stats(reviews: pd.DataFrame, now) -> list[ResponseStats]:
    """All sites that show replies first (as site ``all``), then each of them in the sources' order."""
    reviews = reviews[reviews["source"].isin(reading_responses())]
    if reviews.empty:
        return []
    out = [_stats(ALL_SITES, reviews, now)]
    for key in ordered(set(reviews["source"])):
        out.append(_stats(key, reviews[reviews["source"] == key], now))
    return out
