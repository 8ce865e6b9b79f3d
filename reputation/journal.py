"""The journal of a run's changes: the former values of rows it changed that another run stored.

Rows a run inserts carry its id (``run_id``); rows it changes are journaled here, once per run and row
(``RunChange``), so that ``reputation.runs.undo_run`` can give them their former values back.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from reputation.models import RunChange

CHUNK = 500


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
