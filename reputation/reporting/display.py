"""How stored values are named on the reports: sites and finding kinds from their registries, physicians'
names, and scraped text clipped to a size a report can carry."""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

import pandas as pd

from crawlers.sources import labels, ordered
from reports.model import Kind, Site
from reputation.findings import ALL_SITES, BY_KEY

# Scraped text is shown clipped to these, whatever the database holds (older rows predate the record
# limits): ten 2 MB author names must not make a 20 MB overview, which is also the e-mail body.
REVIEW_TEXT_CHARS = 600  # review text, a response, a finding's "shows" and "roster says"
SHORT_TEXT_CHARS = 120  # an author, a review date, a listing name, a crawler's note on a coverage cell


@lru_cache(maxsize=None)
def site(key: str) -> Site:
    """A source with its label ("healthgrades" -> Healthgrades); a key no spider declares (old data) title-cased."""
    if key == ALL_SITES:
        return Site(key, "All sites")
    return Site(key, labels().get(key) or key.replace("_", " ").title())


def sites(keys) -> list[Site]:
    """The sources seen, in the sources' order."""
    return [site(key) for key in ordered(keys)]


@lru_cache(maxsize=None)
def kind(key: str) -> Kind:
    """A finding kind as its table declares it; a kind no longer declared (old data) reads as its key."""
    declared = BY_KEY.get(key)
    if declared is None:
        return Kind(key, key.replace("_", " ").capitalize(), "medium", False)
    return Kind(key, declared.label, declared.severity, declared.replaces_value)


def display_name(p) -> str:
    """"Jane A. Doe Jr., MD" from a roster row."""
    middle = p.middle_name if isinstance(p.middle_name, str) and p.middle_name else ""
    middle = f" {middle}." if len(middle) == 1 else (f" {middle}" if middle else "")
    name = f"{p.first_name}{middle} {p.last_name}"
    if isinstance(p.suffix, str) and p.suffix:
        name += f" {p.suffix}"
    return f"{name}, {p.credentials}" if isinstance(p.credentials, str) and p.credentials else name


def department(p) -> str:
    return p.department if isinstance(p.department, str) else ""


def text(value) -> str | None:
    """Text from a data frame cell: pandas fills missing text with NaN, the templates want None."""
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def clip(value, chars: int = REVIEW_TEXT_CHARS) -> str | None:
    value = text(value)
    if value is None or len(value) <= chars:
        return value
    return value[:chars].rsplit(" ", 1)[0] + " …"


def number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def count(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def rows(frame: pd.DataFrame):
    """The frame's rows as named tuples, like ``itertuples(index=False)`` but column by column (iterating
    pandas' text columns value by value is what costs: a 10,000-physician roster is read many times)."""
    row = namedtuple("Row", frame.columns, rename=True)
    return map(row._make, zip(*(frame[c].tolist() for c in frame.columns)))
