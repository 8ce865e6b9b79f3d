"""``repmon listings import``: crawl output from elsewhere, stored like our own crawls' output."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from reputation.records import RecordError, read_jsonl
from reputation.store import StoreCounts, store_records

BATCH = 500


@dataclass
class ListingsImport:
    stored: int = 0
    counts: StoreCounts = field(default_factory=StoreCounts)
    errors: list[RecordError] = field(default_factory=list)


def import_listings(engine: Engine, path: Path) -> ListingsImport:
    """Store every good line (in batches, one transaction each); report every bad one by line number."""
    result = ListingsImport()
    batch = []
    for line in read_jsonl(path):
        if line.error:
            result.errors.append(line.error)
            continue
        batch.append(line.record)
        if len(batch) >= BATCH:
            _flush(engine, batch, result)
    _flush(engine, batch, result)
    return result


def _flush(engine: Engine, batch: list, result: ListingsImport) -> None:
    if not batch:
        return
    counts = store_records(engine, batch)
    for name in ("listings_new", "listings_updated", "snapshots", "reviews", "searches", "unchanged"):
        setattr(result.counts, name, getattr(result.counts, name) + getattr(counts, name))
    result.stored += len(batch)
    batch.clear()
