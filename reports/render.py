"""Render the HTML reports from their page models (``reports.model``).

One Jinja environment, built once, with autoescape on for every template:
review text, listing names and URLs are scraped from the web and untrusted.
Each report is a single self-contained file (CSS, script and SVG charts inline)
so it opens offline and makes no network request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import math
import re
from dataclasses import fields
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from reports.charts import line_chart, sparkline
from reports.model import Overview, PhysicianPage, Trend

DASH = "–"  # shown where a value is unknown
MINUS = "−"  # a real minus sign lines up with "+" in tables

STATE_LABELS = {
    "listed": ("✓", "Listed"),
    "missing": ("✗", "Missing"),
    "unknown": ("?", "Unknown"),
    "review": ("!", "Needs review"),
    "not_crawled": (DASH, "Not crawled"),
}

_SAFE_FILE_NAME = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


def _missing(value: object) -> bool:
    """None, or a NaN that slipped through from a data frame."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _round(value: float, digits: int) -> Decimal:
    """Round half away from zero (4.25 -> 4.3), which float round() does not do."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def fmt_rating(value: float | None, digits: int = 1) -> str:
    """A star rating: 4.25 -> '4.3'; None -> '–'."""
    if _missing(value):
        return DASH
    return str(_round(value, digits))


def fmt_change(value: float | None, digits: int | None = None, percent: bool = False) -> str:
    """A signed change since last time: '+0.2', '−0.3', '+3', '+2.0 pts'; None -> '–'.

    Integers stay integers unless ``digits`` is given; floats default to one decimal.
    ``percent=True`` reads a share difference (0.02) as percentage points.
    A change that rounds to zero is shown unsigned.
    """
    if _missing(value):
        return DASH
    suffix = ""
    if percent:
        value, suffix = value * 100, " pts"
        digits = 1 if digits is None else digits
    if digits is None:
        digits = 0 if isinstance(value, int) else 1
    rounded = _round(value, digits)
    if rounded == 0:
        return f"{abs(rounded)}{suffix}"
    sign = "+" if rounded > 0 else MINUS
    return f"{sign}{abs(rounded)}{suffix}"


def fmt_percent(value: float | None, digits: int = 0) -> str:
    """A share as a percentage: 0.834 -> '83%'; None -> '–'."""
    if _missing(value):
        return DASH
    return f"{_round(value * 100, digits)}%"


def fmt_date(value: str | dt.date | None) -> str:
    """'2026-11-18' -> 'Nov 18, 2026'; text that is not an ISO date is shown as given."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value:%b} {value.day}, {value.year}"


def fmt_week(value: str | None) -> str:
    """'2026-W47' -> 'Week 47 (Nov 16–22, 2026)'; anything else is shown as given."""
    if not value:
        return DASH
    match = re.fullmatch(r"(\d{4})-W(\d{2})", value)
    if not match:
        return value
    year, week = int(match[1]), int(match[2])
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return value
    sunday = monday + dt.timedelta(days=6)
    if monday.month == sunday.month:
        days = f"{monday:%b} {monday.day}–{sunday.day}"
    else:
        days = f"{monday:%b} {monday.day} – {sunday:%b} {sunday.day}"
    return f"Week {week} ({days}, {sunday.year})"


def safe_url(value: str | None, allow_relative: bool = False) -> str:
    """The URL if it is http(s) (or, when allowed, a plain relative path); '#' otherwise.

    Scraped pages can carry ``javascript:`` or ``data:`` links; those must never become
    clickable. Relative paths are only for links between our own report files.
    """
    if not value or not isinstance(value, str):
        return "#"
    url = value.strip()
    if any(ord(char) < 32 or char.isspace() for char in url):
        return "#"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "#"
    if parts.scheme in ("http", "https") and parts.netloc:
        return url
    if allow_relative and not parts.scheme and not parts.netloc and not url.startswith(("/", "\\")):
        return url
    return "#"


def state_symbol(state: str) -> str:
    return STATE_LABELS.get(state, ("?", state))[0]


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, ("?", str(state).replace("_", " ").capitalize()))[1]


def rating_chart(trend: Trend, title: str = "Average rating by week", width: int = 720, height: int = 240) -> Markup:
    """The weekly rating chart: one line per series, averages (``emphasis``) drawn thicker."""
    values = [v for item in trend.series for v in item.values if v is not None]
    # Ratings cluster between 4 and 5; starting the axis half a star under the lowest value
    # keeps a weekly change visible, and the labelled axis says where it starts.
    y_min = max(1, math.floor((min(values) - 0.25) * 2) / 2) if values else 1
    series = [{"label": item.label, "values": item.values, "emphasis": item.emphasis} for item in trend.series]
    return line_chart(trend.weeks, series, y_min=y_min, y_max=5, title=title, width=width, height=height)


def content_security_policy(script: str = "") -> str:
    """A policy that lets the report load nothing and run only the given inline script.

    ``default-src 'none'`` stops any request for images, fonts, styles or fetches, so
    a reader opening a report leaks nothing. Scripts are allowed by the hash of their
    exact text: an injected script or event handler would not run even if it got in.
    """
    policy = ["default-src 'none'", "style-src 'unsafe-inline'", "base-uri 'none'", "form-action 'none'"]
    if script:
        digest = base64.b64encode(hashlib.sha256(str(script).encode("utf-8")).digest()).decode("ascii")
        policy.append(f"script-src 'sha256-{digest}'")
    return "; ".join(policy)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja environment for every report, with the formatting filters registered."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,  # for every template, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        fmt_rating=fmt_rating,
        fmt_change=fmt_change,
        fmt_percent=fmt_percent,
        fmt_date=fmt_date,
        fmt_week=fmt_week,
        safe_url=safe_url,
        state_symbol=state_symbol,
        state_label=state_label,
    )
    env.globals.update(
        line_chart=line_chart,
        sparkline=sparkline,
        rating_chart=rating_chart,
        content_security_policy=content_security_policy,
    )
    return env


def _context(model) -> dict:
    """A page model's fields as the template's names (not copied: a page is rendered as it was built)."""
    return {f.name: getattr(model, f.name) for f in fields(model)}


def render_overview(overview: Overview) -> str:
    return environment().get_template("overview.html").render(_context(overview))


def render_physician(page: PhysicianPage) -> str:
    return environment().get_template("physician.html").render(_context(page))


def write_reports(out_dir: Path, overview: Overview | None, physicians: list[PhysicianPage]) -> list[Path]:
    """Write ``index.html`` (when there is an overview) and ``physicians/{npi}.html``.

    Returns the written paths. Links between the files are relative, so the folder can
    be zipped, mailed or opened from a share as it is.
    """
    out_dir = Path(out_dir)
    written: list[Path] = []
    physician_dir = out_dir / "physicians"
    physician_dir.mkdir(parents=True, exist_ok=True)
    if overview is not None:
        index = out_dir / "index.html"
        index.write_text(render_overview(overview), encoding="utf-8")
        written.append(index)
    for page in physicians:
        npi = str(page.physician.npi)
        if not _SAFE_FILE_NAME.match(npi):
            raise ValueError(f"refusing to use {npi!r} as a report file name")
        path = physician_dir / f"{npi}.html"
        path.write_text(render_physician(page), encoding="utf-8")
        written.append(path)
    return written
