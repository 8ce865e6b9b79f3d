"""Undoing a run: ``undo_run`` removes exactly what one crawl or import stored (see ``reputation.runs``):

- rows it inserted are deleted, unless a later run changed them or saw them again (a later crawl took the
  same week's snapshot): they then become that later run's, as if it had stored them first;
- fields it changed get their former values back, unless a later run changed the same field again: the
  later value stands, and undoing that later run restores the value from before both;
- a listing a person decided on (``repmon match confirm|reject``) is never deleted: the decision stays;
  known listings an import added go with it, a suggestion a person confirmed or rejected stays (it is theirs);
- a social accounts or channels import: the accounts it added go,
  what it changed of earlier ones comes back;
- a roster import is undone only if no later roster import stands (undo that one first): a roster
  replaces what the one before it said, so the order matters.

Afterwards the listings' first and last sightings and the coverage of the weeks concerned are computed
again from what is left, listings are matched again and findings recomputed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from reputation.coverage import record_coverage
from reputation.crawl_lock import CRAWL, DatabaseLock
from reputation.findings import refresh_findings
from reputation.match import match_listings
from reputation.models import (KnownListing, Listing, Location, Match, Physician, Review, Run, RunChange, Search,
                               Snapshot, SocialAccount, SocialChannel, SocialSnapshot)
from reputation.runs import CHUNK, decode, mark_stale_runs

TABLES = {t.__tablename__: t.__table__ for t in (Listing, Review, Snapshot, Search, Physician, Location, KnownListing,
                                                 SocialAccount, SocialChannel, SocialSnapshot)}
SOCIAL_IMPORTS = {"social_import": "socialaccount", "channels_import": "socialchannel"}


class RunError(ValueError):
    """A run that cannot be undone (or does not exist), with the reason in words."""


# -- undoing ------------------------------------------------------------------------------------------------


@dataclass
class UndoSummary:
    run: Run
    deleted: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    restored: dict[str, int] = field(default_factory=dict)  # table -> rows given former values back
    handed_on: dict[str, int] = field(default_factory=dict)  # table -> rows a later run keeps
    kept_for_person: int = 0  # listings kept because a person decided on them
    weeks: set[tuple[str, str]] = field(default_factory=set)  # (source, ISO week) whose coverage was recomputed

    def describe(self) -> str:
        def part(counts: dict[str, int]) -> str:
            return ", ".join(f"{n} {table}{'s' if n != 1 else ''}" for table, n in sorted(counts.items()) if n) or "nothing"

        lines = [f"run {self.run.id} ({self.run.kind}) undone: removed {part(self.deleted)}; "
                 f"restored {part(self.restored)} to their former values"]
        if any(self.handed_on.values()):
            lines.append(f"kept {part(self.handed_on)} that later runs stored again")
        if self.kept_for_person:
            lines.append(f"kept {self.kept_for_person} listing(s) a person decided on (repmon match confirm/reject)")
        return "\n".join(lines)


def undo_run(engine: Engine, run_id: int, *, rematch: bool = True) -> UndoSummary:
    """Take back what run ``run_id`` stored (see the module's docstring); then match and find again.

    Not while a crawl of the database runs: it would store on top of what is being taken back.
    """
    with DatabaseLock(engine, CRAWL) as lock:
        if not lock.acquire():
            raise RunError("a crawl of this database is running; undo when it has finished")
        return _undo(engine, run_id, rematch)


def _undo(engine: Engine, run_id: int, rematch: bool) -> UndoSummary:
    mark_stale_runs(engine)
    with engine.begin() as conn:
        run = _undoable(conn, run_id)
        summary = UndoSummary(run)
        summary.weeks = _weeks_touched(conn, run_id)
        if run.kind == "roster_import":
            _undo_roster(conn, run_id, summary)
        elif run.kind in SOCIAL_IMPORTS:  # the accounts or channels it added go, what it changed comes back
            _undo_inserts(conn, SOCIAL_IMPORTS[run.kind], run_id, summary)
            _undo_changes(conn, run_id, summary)
        else:
            for name in ("snapshot", "review", "search"):
                _undo_inserts(conn, name, run_id, summary)
            if conn.execute(select(KnownListing.id).where(KnownListing.run_id == run_id).limit(1)).first():
                _undo_inserts(conn, "knownlisting", run_id, summary)
            _undo_social_inserts(conn, run_id, summary)
            listing_ids = _touched_listings(conn, run_id)
            _undo_listing_inserts(conn, run_id, summary)
            _undo_changes(conn, run_id, summary)
            _recompute_sightings(conn, listing_ids)
        conn.execute(delete(RunChange.__table__).where(RunChange.run_id == run_id))
        conn.execute(update(Run.__table__).where(Run.id == run_id).values(status="undone", undone_at=datetime.now(UTC)))
    summary.run = _get_run(engine, run_id)
    _recompute(engine, summary, rematch)
    return summary


def _get_run(engine: Engine, run_id: int) -> Run:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Run, run_id)


def _undoable(conn: Connection, run_id: int) -> Run:
    row = conn.execute(select(Run.__table__).where(Run.id == run_id)).first()
    if row is None:
        raise RunError(f"there is no run {run_id} (see repmon runs list)")
    run = Run(**row._mapping)
    if run.status == "undone":
        raise RunError(f"run {run_id} was undone already, on {run.undone_at:%Y-%m-%d %H:%M} UTC")
    if run.status == "running":
        where = f"process {run.pid} on {run.host}" if run.pid else "another process"
        raise RunError(f"run {run_id} is still running ({where}); wait for it to end or stop it first")
    if run.kind == "roster_import":
        later = conn.execute(select(Run.id).where(Run.kind == "roster_import", Run.id > run_id,
                                                  Run.status != "undone").order_by(Run.id)).scalars().all()
        if later:
            raise RunError(f"run {run_id} is a roster import and later roster imports stand ({', '.join(map(str, later))}): "
                           f"each replaced the roster before it, so undo those first, newest first")
    return run


def _weeks_touched(conn: Connection, run_id: int) -> set[tuple[str, str]]:
    searches = conn.execute(select(Search.source, Search.week).where(Search.run_id == run_id).distinct()).all()
    changed = conn.execute(select(Search.source, Search.week).join(
        RunChange, and_(RunChange.table_name == "search", RunChange.row_id == Search.id)).where(
        RunChange.run_id == run_id).distinct()).all()
    snapshots = conn.execute(select(Listing.source, Snapshot.week).join(Listing, Listing.id == Snapshot.listing_id)
                             .where(Snapshot.run_id == run_id).distinct()).all()
    return {tuple(r) for r in (*searches, *changed, *snapshots)}


def _touched_listings(conn: Connection, run_id: int) -> set[int]:
    ids = set(conn.execute(select(Listing.id).where(Listing.run_id == run_id)).scalars())
    ids |= set(conn.execute(select(RunChange.row_id).where(RunChange.run_id == run_id,
                                                           RunChange.table_name == "listing")).scalars())
    # Snapshots were undone first; the listings they belonged to are told by the journal or by the run's
    # own listings, and by any snapshot still carrying the run's id (none after _undo_inserts).
    return ids


def _later_entries(conn: Connection, name: str, row_ids: list[int], run_id: int) -> dict[int, tuple[int, int, dict]]:
    """row id -> (entry id, run id, before) of the first later run that journaled the row."""
    table = RunChange.__table__
    found: dict[int, tuple[int, int, dict]] = {}
    for start in range(0, len(row_ids), CHUNK):
        for entry in conn.execute(select(table.c.id, table.c.run_id, table.c.row_id, table.c.before).where(
                table.c.table_name == name, table.c.row_id.in_(row_ids[start:start + CHUNK]),
                table.c.run_id > run_id).order_by(table.c.run_id.desc())):
            found[entry.row_id] = (entry.id, entry.run_id, entry.before or {})  # the earliest wins (last written)
    return found


def _hand_on(conn: Connection, name: str, row_ids: list[int], run_id: int, summary: UndoSummary) -> list[int]:
    """Rows the run inserted that a later run journaled become that later run's; returns the others."""
    later = _later_entries(conn, name, row_ids, run_id)
    table = TABLES[name]
    for row_id, (entry_id, later_run, _) in later.items():
        conn.execute(update(table).where(table.c.id == row_id).values(run_id=later_run))
        conn.execute(delete(RunChange.__table__).where(RunChange.id == entry_id))
    summary.handed_on[name] = summary.handed_on.get(name, 0) + len(later)
    return [i for i in row_ids if i not in later]


def _undo_inserts(conn: Connection, name: str, run_id: int, summary: UndoSummary) -> None:
    table = TABLES[name]
    ids = list(conn.execute(select(table.c.id).where(table.c.run_id == run_id)).scalars())
    doomed = _hand_on(conn, name, ids, run_id, summary)
    _delete(conn, table, doomed)
    summary.deleted[name] = summary.deleted.get(name, 0) + len(doomed)


def _undo_social_inserts(conn: Connection, run_id: int, summary: UndoSummary) -> None:
    """A crawl's social snapshots, counted only when it stored some (a listings crawl stores none)."""
    _undo_inserts(conn, "socialsnapshot", run_id, summary)
    for counts in (summary.deleted, summary.handed_on):
        if not counts.get("socialsnapshot"):
            counts.pop("socialsnapshot", None)


def _undo_listing_inserts(conn: Connection, run_id: int, summary: UndoSummary) -> None:
    table = Listing.__table__
    ids = list(conn.execute(select(table.c.id).where(table.c.run_id == run_id)).scalars())
    ids = _hand_on(conn, "listing", ids, run_id, summary)
    # Seen by another run (its snapshot or review): that run keeps it.
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        keepers = dict(conn.execute(select(Snapshot.listing_id, func.min(Snapshot.run_id)).where(
            Snapshot.listing_id.in_(chunk)).group_by(Snapshot.listing_id)).all())
        for listing_id, keeper in keepers.items():
            conn.execute(update(table).where(table.c.id == listing_id).values(run_id=keeper))
        summary.handed_on["listing"] = summary.handed_on.get("listing", 0) + len(keepers)
        ids = [i for i in ids if i not in keepers]
    decided = set(conn.execute(select(Match.listing_id).where(Match.method == "person", Match.listing_id.in_(ids))).scalars()) if ids else set()
    if decided:
        conn.execute(update(table).where(table.c.id.in_(decided)).values(run_id=None))
        summary.kept_for_person += len(decided)
    doomed = [i for i in ids if i not in decided]
    for start in range(0, len(doomed), CHUNK):
        chunk = doomed[start:start + CHUNK]
        for child in (Match, Review, Snapshot):
            conn.execute(delete(child.__table__).where(child.__table__.c.listing_id.in_(chunk)))
        conn.execute(delete(table).where(table.c.id.in_(chunk)))
    summary.deleted["listing"] = summary.deleted.get("listing", 0) + len(doomed)


def _undo_changes(conn: Connection, run_id: int, summary: UndoSummary) -> None:
    """Journaled changes: give each field its former value back, or hand it to the later run that changed it too."""
    journal = RunChange.__table__
    entries = conn.execute(select(journal).where(journal.c.run_id == run_id, journal.c.deleted == False)).all()  # noqa: E712
    by_table: dict[str, list] = defaultdict(list)
    for entry in entries:
        by_table[entry.table_name].append(entry)
    for name, rows in by_table.items():
        table = TABLES[name]
        later = _all_later_entries(conn, name, [r.row_id for r in rows], run_id)
        restored = 0
        for entry in rows:
            values = {}
            for column, value in (entry.before or {}).items():
                successor = next((e for e in later.get(entry.row_id, []) if column in e[1]), None)
                if successor is not None:
                    successor[1][column] = value  # the later run's former value is now this run's former value
                    successor[2] = True
                else:
                    values[column] = decode(value)
            if values:
                conn.execute(update(table).where(table.c.id == entry.row_id).values(**values))
                restored += 1
        for entries_of_row in later.values():
            for entry_id, before, dirty in entries_of_row:
                if dirty:
                    conn.execute(update(journal).where(journal.c.id == entry_id).values(before=before))
        summary.restored[name] = summary.restored.get(name, 0) + restored


def _all_later_entries(conn: Connection, name: str, row_ids: list[int], run_id: int) -> dict[int, list[list]]:
    """row id -> [[entry id, before, dirty], ...] of the later runs that journaled it, oldest run first."""
    journal = RunChange.__table__
    found: dict[int, list[list]] = defaultdict(list)
    for start in range(0, len(row_ids), CHUNK):
        for entry in conn.execute(select(journal.c.id, journal.c.row_id, journal.c.before).where(
                journal.c.table_name == name, journal.c.row_id.in_(row_ids[start:start + CHUNK]),
                journal.c.run_id > run_id, journal.c.deleted == False).order_by(journal.c.run_id)):  # noqa: E712
            found[entry.row_id].append([entry.id, dict(entry.before or {}), False])
    return found


def _recompute_sightings(conn: Connection, listing_ids: set[int]) -> None:
    """A listing's first and last sighting, from its weekly snapshots that are left."""
    ids = sorted(listing_ids)
    table = Listing.__table__
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        spans = conn.execute(select(Snapshot.listing_id, func.min(Snapshot.crawled_at), func.max(Snapshot.crawled_at))
                             .where(Snapshot.listing_id.in_(chunk)).group_by(Snapshot.listing_id)).all()
        for listing_id, first, last in spans:
            conn.execute(update(table).where(table.c.id == listing_id).values(first_seen=first, last_seen=last))


def _undo_roster(conn: Connection, run_id: int, summary: UndoSummary) -> None:
    """A roster import: the locations and physicians it added go, what it changed or removed comes back."""
    locations, physicians = Location.__table__, Physician.__table__
    added = list(conn.execute(select(physicians.c.id).where(physicians.c.run_id == run_id)).scalars())
    decided = set(conn.execute(select(Match.physician_id).where(Match.method == "person", Match.physician_id.in_(added))).scalars()) if added else set()
    doomed = [i for i in added if i not in decided]
    for start in range(0, len(doomed), CHUNK):
        chunk = doomed[start:start + CHUNK]
        conn.execute(delete(Match.__table__).where(Match.__table__.c.physician_id.in_(chunk)))
        conn.execute(delete(locations).where(locations.c.physician_id.in_(chunk)))
    if decided:  # a person tied a listing to them: keep them, off the roster
        conn.execute(update(physicians).where(physicians.c.id.in_(decided)).values(active=False, run_id=None))
        summary.kept_for_person += len(decided)
    _undo_inserts(conn, "location", run_id, summary)
    _delete(conn, physicians, doomed)
    summary.deleted["physician"] = len(doomed)
    journal = RunChange.__table__
    gone = conn.execute(select(journal.c.table_name, journal.c.before).where(
        journal.c.run_id == run_id, journal.c.deleted == True)).all()  # noqa: E712
    for name, before in gone:
        table = TABLES[name]
        conn.execute(insert(table).values(**{k: decode(v) for k, v in before.items()}))
        summary.restored[name] = summary.restored.get(name, 0) + 1
    _undo_changes(conn, run_id, summary)


def _delete(conn: Connection, table, ids: list[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        conn.execute(delete(table).where(table.c.id.in_(ids[start:start + CHUNK])))


def _recompute(engine: Engine, summary: UndoSummary, rematch: bool) -> None:
    """What is derived from the stored data: parser coverage of the weeks concerned, matches, findings."""
    by_week: dict[str, list[str]] = defaultdict(list)
    for source, week in summary.weeks:
        by_week[week].append(source)
    for week, sources in sorted(by_week.items()):
        record_coverage(engine, week, sorted(sources))
    if rematch:
        match_listings(engine)
    refresh_findings(engine)
