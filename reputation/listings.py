"""``repmon listings import``: crawl output from elsewhere, stored like our own crawls' output."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from reputation.records import JsonlLine, RecordError, read_jsonl
from reputation.runs import finish_run, start_run
from reputation.store import StoreCounts, store_records

BATCH = 500


@dataclass
class ListingsImport:
    run_id: int | None = None
    stored: int = 0
    counts: StoreCounts = field(default_factory=StoreCounts)
    errors: list[RecordError] = field(default_factory=list)


def import_listings(engine: Engine, path: Path) -> ListingsImport:
    """Store every good line (in batches, one transaction each); report every bad one by line number.

    The import is a run (``repmon runs list``), so ``repmon runs undo`` can take back what it stored.
    """
    run = start_run(engine, "listings_import", input=str(path))
    result = ListingsImport(run_id=run.id)
    status = "failed"
    try:
        batch: list[JsonlLine] = []
        for line in read_jsonl(path):
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
        _add(result, store_records(engine, [line.record for line in batch], run_id=result.run_id), len(batch))
    except SQLAlchemyError:
        # The database refused something in the batch: store line by line so only the culprit is lost.
        for line in batch:
            try:
                _add(result, store_records(engine, [line.record], run_id=result.run_id), 1)
            except SQLAlchemyError as exc:
                reason = f"the database refused it ({type(getattr(exc, 'orig', exc)).__name__})"
                result.errors.append(RecordError(reason, line=line.line, path=str(path)))
    batch.clear()


def _add(result: ListingsImport, counts: StoreCounts, stored: int) -> None:
    for f in dataclasses.fields(StoreCounts):
        setattr(result.counts, f.name, getattr(result.counts, f.name) + getattr(counts, f.name))
    result.stored += stored
