"""Exports for people and other tools: matches, findings and snapshots as CSV or JSON.

Scraped text ends up in spreadsheets, so every text cell that a spreadsheet would read as a formula
(starting with = + - @, tab or carriage return) is neutralized with a leading apostrophe.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.findings import open_findings
from reputation.models import Listing, Match, Physician, Snapshot

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


EXPORTS = {"matches": match_rows, "flags": open_findings, "snapshots": snapshot_rows}


def write_rows(rows: list[dict], fmt: str, out: Path) -> None:
    """Write atomically: a reader never sees half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
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
