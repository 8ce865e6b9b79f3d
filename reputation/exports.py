"""Exports for people and other tools: matches, findings, snapshots, reviews and social reads as CSV, XLSX or JSON.

Scraped text ends up in spreadsheets, so every text cell that a spreadsheet would read as a formula
(starting with = + - @, tab or carriage return) is neutralized with a leading apostrophe, in CSV and
XLSX alike; XLSX cells holding text stay text, never formulas or numbers.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crawlers.sources import syndication
from reputation.findings import KINDS, open_findings
from reputation.models import Listing, Match, Physician, Review, ReviewSentiment, ReviewTopic, Snapshot
from reputation.social.export import social_rows
from reputation.syndication import is_copy

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def match_rows(engine: Engine) -> list[dict]:
    with Session(engine) as session:
        rows = session.exec(
            select(Listing, Match, Physician.npi)
            .join(Match, Match.listing_id == Listing.id, isouter=True)
            .join(Physician, Physician.id == Match.physician_id, isouter=True)
            .order_by(Listing.source, Listing.url)
        ).all()
        return [
            {
                "source": listing.source,
                "url": listing.url,
                "name": listing.name,
                "npi": npi or "",
                "score": match.score if match else None,
                "status": match.status if match else "unmatched",
                "method": match.method if match else "",
                "evidence": match.evidence if match else {},
            }
            for listing, match, npi in rows
        ]


def snapshot_rows(engine: Engine) -> list[dict]:
    with Session(engine) as session:
        rows = session.exec(
            select(Snapshot, Listing, Physician.npi)
            .join(Listing, Listing.id == Snapshot.listing_id)
            .join(Match, Match.listing_id == Listing.id, isouter=True)
            .join(Physician, Physician.id == Match.physician_id, isouter=True)
            .order_by(Listing.source, Listing.url, Snapshot.week)
        ).all()
        return [
            {
                "source": listing.source,
                "url": listing.url,
                "npi": npi or "",
                "week": snap.week,
                "crawled_at": snap.crawled_at.isoformat(),
                "rating": snap.rating,
                "review_count": snap.review_count,
            }
            for snap, listing, npi in rows
        ]


def review_rows(engine: Engine) -> list[dict]:
    """Every stored review with its sentiment and care topics ({topic: polarity}; empty when not tagged yet,
    sentiment then null), and ``copy_of``: for a syndicated copy, the source it repeats (count those rows out:
    the review is counted on that source), else empty."""
    copies = syndication()
    with Session(engine) as session:
        rows = session.exec(
            select(Review, Listing.source, Listing.url, Physician.npi, ReviewSentiment.label, ReviewSentiment.score,
                   is_copy(Review).label("copy"))
            .join(Listing, Listing.id == Review.listing_id)
            .join(Match, (Match.listing_id == Listing.id) & (Match.status == "matched"), isouter=True)
            .join(Physician, Physician.id == Match.physician_id, isouter=True)
            .join(ReviewSentiment, ReviewSentiment.review_id == Review.id, isouter=True)
            .order_by(Listing.source, Listing.url, Review.date, Review.id)
        ).all()
        topics: dict[int, dict[str, str]] = {}
        for review_id, topic, polarity in session.exec(select(ReviewTopic.review_id, ReviewTopic.topic, ReviewTopic.polarity)
                                                       .order_by(ReviewTopic.review_id, ReviewTopic.id)):
            topics.setdefault(review_id, {})[topic] = polarity
        return [
            {
                "source": source,
                "url": url,
                "npi": npi or "",
                "date": review.date,
                "rating": review.rating,
                "author": review.author,
                "text": review.text,
                "response": review.response,
                "response_gone_since": review.response_gone_since.isoformat() if review.response_gone_since else None,
                "sentiment": label,
                "sentiment_score": score,
                "topics": topics.get(review.id, {}),
                "copy_of": copies.get(source, "") if copy else "",
            }
            for review, source, url, npi, label, score, copy in rows
        ]


EXPORTS = {"matches": match_rows, "flags": open_findings, "snapshots": snapshot_rows, "reviews": review_rows,
           "social": social_rows}


def write_rows(rows: list[dict], fmt: str, out: Path) -> None:
    """Write atomically: a reader never sees half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if fmt == "xlsx":
        write_xlsx(rows, tmp)
    else:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            if fmt == "json":
                json.dump(rows, handle, indent=1, default=str)
                handle.write("\n")
            else:
                write_csv(rows, handle)
    tmp.replace(out)


def write_csv(rows: list[dict], handle) -> None:
    """CSV with every text cell neutralized against formula injection."""
    writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralize(json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in row.items()})


# Control characters a worksheet cannot hold (openpyxl refuses them); scraped text sometimes has them.
_ILLEGAL_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE = re.compile(r"[\\/*?:\[\]]")


def write_xlsx(rows: list[dict], path: Path) -> None:
    """A workbook with every row on the first sheet; when rows have a source, one sheet per source (the
    list of fixes for whoever updates that site); when they have a finding kind, one sheet per kind (the
    to-do of whoever answers reviews or claims listings). Text is neutralized and stored as text."""
    book = Workbook(write_only=True)  # streamed: tens of thousands of rows in seconds
    _fill_sheet(book.create_sheet(), "All", rows)
    sources = sorted({str(r["source"]) for r in rows if r.get("source")})
    if len(sources) > 1:
        for source in sources:
            _fill_sheet(book.create_sheet(), source, [r for r in rows if r.get("source") == source])
    present = {r.get("kind") for r in rows}
    kinds = [k for k in KINDS if k.key in present]
    if len(kinds) > 1:
        for entry in kinds:
            _fill_sheet(book.create_sheet(), entry.label, [r for r in rows if r.get("kind") == entry.key])
    book.save(path)


def _fill_sheet(sheet, title: str, rows: list[dict]) -> None:
    sheet.title = _SHEET_TITLE.sub("_", title)[:31]
    columns = list(rows[0]) if rows else []
    for index, column in enumerate(columns, start=1):
        longest = max([len(column), *(len(str(r[column] or "")) for r in rows[:200])])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    sheet.append(columns)
    # openpyxl stores a str as text (never parsed as a number); only a leading "=" would make it a
    # formula, and neutralize() has prefixed that with an apostrophe.
    for row in rows:
        sheet.append([_xlsx_value(row[c]) for c in columns])


def _xlsx_value(value):
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    if isinstance(value, str):
        return neutralize(_ILLEGAL_IN_XLSX.sub("", value))
    return value
