"""``repmon listings import``: crawl output from elsewhere, stored like our own crawls' output."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from reputation.records import Cut, JsonlLine, RecordError, read_jsonl
from reputation.runs import finish_run, start_run
from reputation.store import StoreCounts, store_records

BATCH = 500


@dataclass
class ListingsImport:
    run_id: int | None = None
    stored: int = 0
    counts: StoreCounts = field(default_factory=StoreCounts)
    errors: list[RecordError] = field(default_factory=list)
    cuts: list[Cut] = field(default_factory=list)  # values cut to their limit, on lines that were stored


def import_listings(engine: Engine, path: Path, *, now: datetime | None = None) -> ListingsImport:
    """Store every good line (in batches, one transaction each); report every bad one by line number,
    and every value cut to its limit. ``now``: the clock dates are checked against (default: the real one).

    The import is a run (``repmon runs list``), so ``repmon runs undo`` can take back what it stored.
    """
    run = start_run(engine, "listings_import", input=str(path))
    result = ListingsImport(run_id=run.id)
    status = "failed"
    try:
        batch: list[JsonlLine] = []
        for line in read_jsonl(path, now=now):
            if line.error:
                result.errors.append(line.error)
                continue
            batch.append(line)
            if len(batch) >= BATCH:
                _flush(engine, batch, result, path)
        _flush(engine, batch, result, path)
        status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        finish_run(engine, run.id, status, {"stored": result.stored, "bad_lines": len(result.errors),
                                             **dataclasses.asdict(result.counts)})
    result.errors.sort(key=lambda e: e.line or 0)
    return result


def _flush(engine: Engine, batch: list[JsonlLine], result: ListingsImport, path: Path) -> None:
    if not batch:
        return
    try:
        _add(result, store_records(engine, [line.record for line in batch], run_id=result.run_id), batch)
    except Exception:
        # The database refused something in the batch: store line by line so only the culprit is lost.
        # Not only SQLAlchemy's errors: a driver raises some of its own (sqlite3's OverflowError).
        for line in batch:
            try:
                _add(result, store_records(engine, [line.record], run_id=result.run_id), [line])
            except Exception as exc:
                result.errors.append(RecordError(_refusal(exc), line=line.line, path=str(path)))
    batch.clear()


def _refusal(exc: Exception) -> str:
    cause = exc.orig if isinstance(exc, SQLAlchemyError) and getattr(exc, "orig", None) is not None else exc
    detail = (str(cause).strip().splitlines() or [""])[0][:200]
    return f"the database refused it ({type(cause).__name__}{': ' + detail if detail else ''})"


def _add(result: ListingsImport, counts: StoreCounts, lines: list[JsonlLine]) -> None:
    for f in dataclasses.fields(StoreCounts):
        setattr(result.counts, f.name, getattr(result.counts, f.name) + getattr(counts, f.name))
    result.stored += len(lines)
    for line in lines:
        result.cuts.extend(line.cuts)
