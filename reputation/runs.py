"""Runs: every crawl and import is one, and the journal of what each changed.

A run stamps the rows it inserts with its id (``run_id`` on listings, snapshots, reviews, searches,
physicians and locations) and journals the former values of rows it changes that another run stored
(``RunChange``: the fields it changed, as they were; the whole row for a row it deleted). That is what
``reputation.undo`` needs to take a run back exactly.
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select as sql_select

from reputation.models import Run, RunChange

KINDS = ("crawl", "listings_import", "roster_import", "known_listings", "social_import", "channels_import")
CHUNK = 500


# -- starting and finishing ------------------------------------------------------------------------------


def start_run(engine: Engine, kind: str, *, sources: list[str] | None = None, input: str | None = None,
              crawl_time: datetime | None = None) -> Run:
    """A new run of ``kind``, marked running by this process."""
    if kind not in KINDS:
        raise ValueError(f"run kind must be one of {KINDS}, not {kind!r}")
    mark_stale_runs(engine)
    with Session(engine, expire_on_commit=False) as session:
        run = Run(kind=kind, started_at=datetime.now(UTC), crawl_time=crawl_time, sources=list(sources or []),
                  input=input, pid=os.getpid(), host=socket.gethostname())
        session.add(run)
        session.commit()
        session.refresh(run)
        return run


def finish_run(engine: Engine, run_id: int, status: str, summary: dict | None = None) -> Run:
    with Session(engine, expire_on_commit=False) as session:
        run = session.get(Run, run_id)
        run.status, run.finished_at = status, datetime.now(UTC)
        if summary is not None:
            run.summary = summary
        session.add(run)
        session.commit()
        session.refresh(run)
        return run


def mark_stale_runs(engine: Engine) -> int:
    """Runs still marked running whose process on this machine is gone were killed without notice."""
    host = socket.gethostname()
    with Session(engine) as session:
        stale = [run for run in session.exec(sql_select(Run).where(Run.status == "running")).all()
                 if run.host in (None, host) and not _alive(run.pid)]
        for run in stale:
            run.status = "interrupted"
            session.add(run)
        session.commit()
        return len(stale)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_runs(engine: Engine, limit: int | None = None) -> list[Run]:
    """The runs, newest first."""
    mark_stale_runs(engine)
    query = sql_select(Run).order_by(Run.id.desc())
    with Session(engine) as session:
        return list(session.exec(query.limit(limit) if limit else query).all())


def encode(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def decode(value):
    if isinstance(value, dict) and len(value) == 1:
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


class Journal:
    """The former values of the rows one run changes, gathered during a transaction and written with it.

    Rows the run inserted itself (their ``run_id`` is the run's) are not journaled: undoing deletes them.
    ``changed(row, {})`` records that the run saw a row again without changing it, which keeps the row
    when an earlier run that stored it is undone.
    """

    def __init__(self, run_id: int | None):
        self.run_id = run_id
        self.rows: dict[tuple[str, int], dict] = {}

    def changed(self, row, before: dict) -> None:
        if self.run_id is None or row.id is None or getattr(row, "run_id", None) == self.run_id:
            return
        self.record(row.__tablename__, row.id, before)

    def record(self, table: str, row_id: int, before: dict) -> None:
        if self.run_id is None:
            return
        entry = self.rows.setdefault((table, row_id), {})
        for name, value in before.items():
            entry.setdefault(name, encode(value))

    def write(self, executor: Session | Connection) -> None:
        """Store the journal: an earlier entry of this run for the same row keeps its (older) values."""
        if not self.rows:
            return
        table = RunChange.__table__
        by_table: dict[str, list[int]] = defaultdict(list)
        for name, row_id in self.rows:
            by_table[name].append(row_id)
        existing: dict[tuple[str, int], tuple[int, dict]] = {}
        for name, row_ids in by_table.items():
            for start in range(0, len(row_ids), CHUNK):
                for entry in executor.execute(select(table.c.id, table.c.row_id, table.c.before).where(
                        table.c.run_id == self.run_id, table.c.table_name == name,
                        table.c.row_id.in_(row_ids[start:start + CHUNK]))):
                    existing[(name, entry.row_id)] = (entry.id, entry.before or {})
        new, merged = [], []
        for key, before in self.rows.items():
            if key in existing:
                entry_id, stored = existing[key]
                combined = {**before, **stored}
                if combined != stored:
                    merged.append({"b_id": entry_id, "before": combined})
            else:
                new.append({"run_id": self.run_id, "table_name": key[0], "row_id": key[1], "deleted": False,
                            "before": before})
        if new:
            executor.execute(insert(table), new)
        for row in merged:
            executor.execute(update(table).where(table.c.id == row["b_id"]).values(before=row["before"]))
        self.rows.clear()


def journal_deleted(executor: Session | Connection, run_id: int, table: str, rows: list[dict]) -> None:
    """Rows a run deleted, whole, so that undoing it puts them back."""
    if rows:
        executor.execute(insert(RunChange.__table__), [
            {"run_id": run_id, "table_name": table, "row_id": row["id"], "deleted": True,
             "before": {k: encode(v) for k, v in row.items()}} for row in rows])
