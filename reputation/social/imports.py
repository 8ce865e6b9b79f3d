"""``repmon social import`` and ``repmon social channels import``: accounts from a CSV file, all or nothing.

Accounts file: ``npi, network, account`` and optional ``ambassador`` (yes/no). Channels file (the health
system's own accounts): ``network, account, label, department``. Each account is read into its network's
canonical id (``reputation.social.accounts``); a bad row is reported with file, line, column and reason, and
then nothing of the file is stored. An import adds accounts and updates what a file says of accounts already
stored (an ambassador flag, a channel's label); it removes none. Each import is a run: ``repmon runs undo``
takes it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reputation.models import Physician, SocialAccount, SocialChannel
from reputation.normalize import is_valid_npi
from reputation.roster_file import RosterError, RowError
from reputation.runs import Journal, finish_run, start_run
from reputation.social.account_forms import AccountError
from reputation.social.accounts import Account, network_key, normalize_account
from reputation.social.csv_rows import read_table

YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


@dataclass
class ImportResult:
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    run_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    def describe(self, what: str) -> str:
        lines = [f"{self.rows_read} row(s) read: {self.added} {what} added, {self.updated} updated, "
                 f"{self.unchanged} unchanged."]
        lines += [f"Warning: {w}" for w in self.warnings]
        if self.run_id is not None:
            lines.append(f"Stored as run {self.run_id}: `repmon runs undo {self.run_id}` takes this import back.")
        return "\n".join(lines)


def _account(row: dict, where) -> tuple[Account | None, list[RowError]]:
    try:
        network = network_key(row["network"])
    except AccountError as error:
        return None, [where("network", str(error), row["network"])]
    try:
        return normalize_account(network, row["account"]), []
    except AccountError as error:
        return None, [where("account", str(error), row["account"])]


def read_accounts(path: Path, known_npis: set[str]) -> tuple[dict[tuple, dict], list[str], int]:
    """(npi, network, account) -> {ambassador, line}; ``RosterError`` listing every bad cell."""
    rows, warnings = read_table(path, ("npi", "network", "account"), ("ambassador",))
    found: dict[tuple, dict] = {}
    errors: list[RowError] = []
    for line, row in rows:
        def where(column, reason, value=""):
            return RowError(path.name, line, column, reason, value)

        npi = row["npi"]
        bad = []
        if not npi:
            bad.append(where("npi", "is required"))
        elif not (npi.isdigit() and len(npi) == 10):
            bad.append(where("npi", "must be 10 digits", npi))
        elif not is_valid_npi(npi):
            bad.append(where("npi", "check digit is wrong", npi))
        elif npi not in known_npis:
            bad.append(where("npi", "is not on the roster (import the roster first)", npi))
        account, account_errors = _account(row, where)
        bad += account_errors
        flag = row.get("ambassador", "").lower()
        if flag not in YES | NO:
            bad.append(where("ambassador", "must be yes or no", row["ambassador"]))
        if bad:
            errors += bad
            continue
        key = (npi, account.network, account.id)
        ambassador = flag in YES
        if key in found and found[key]["ambassador"] != ambassador:
            errors.append(where("ambassador", f"says otherwise than line {found[key]['line']} for the same account",
                                row["ambassador"]))
            continue
        found.setdefault(key, {"ambassador": ambassador, "line": line})
    if errors:
        raise RosterError(f"{path.name}: {len({e.line for e in errors})} of {len(rows)} rows have errors, so nothing "
                          "was imported. Fix them and import the file again.", errors)
    return found, warnings, len(rows)


def read_channels(path: Path) -> tuple[dict[tuple, dict], list[str], int]:
    """(network, account) -> {label, department, line}; ``RosterError`` listing every bad cell."""
    rows, warnings = read_table(path, ("network", "account"), ("label", "department"))
    found: dict[tuple, dict] = {}
    errors: list[RowError] = []
    for line, row in rows:
        def where(column, reason, value=""):
            return RowError(path.name, line, column, reason, value)

        account, bad = _account(row, where)
        if bad:
            errors += bad
            continue
        key = (account.network, account.id)
        if key in found:
            errors.append(where("account", f"the same channel as line {found[key]['line']}", row["account"]))
            continue
        found[key] = {"label": row.get("label") or None, "department": row.get("department") or None, "line": line}
    if errors:
        raise RosterError(f"{path.name}: {len({e.line for e in errors})} of {len(rows)} rows have errors, so nothing "
                          "was imported. Fix them and import the file again.", errors)
    return found, warnings, len(rows)


def import_accounts(engine: Engine, path: Path, *, now: datetime | None = None) -> ImportResult:
    """Store the physicians' accounts of ``path`` (see the module's docstring)."""
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        known = set(session.execute(select(Physician.npi)).scalars())
    found, warnings, rows = read_accounts(path, known)
    return _store(engine, path, "social_import", "accounts", ImportResult(rows_read=rows, warnings=warnings), found,
                  SocialAccount, lambda a: (a.npi, a.network, a.account),
                  lambda values: {"ambassador": values["ambassador"], "added": "import", "decision": None},
                  lambda key, wanted, run_id: SocialAccount(npi=key[0], network=key[1], account=key[2],
                                                            ambassador=wanted["ambassador"], added="import",
                                                            added_at=now, run_id=run_id))


def import_channels(engine: Engine, path: Path, *, now: datetime | None = None) -> ImportResult:
    """Store the health system's own channels of ``path``."""
    now = now or datetime.now(UTC)
    found, warnings, rows = read_channels(path)
    return _store(engine, path, "channels_import", "channels", ImportResult(rows_read=rows, warnings=warnings), found,
                  SocialChannel, lambda c: (c.network, c.account),
                  lambda values: {"label": values["label"], "department": values["department"]},
                  lambda key, wanted, run_id: SocialChannel(network=key[0], account=key[1], **wanted, added_at=now,
                                                            run_id=run_id))


def _store(engine: Engine, path: Path, kind: str, what: str, result: ImportResult, found: dict[tuple, dict], model,
           key_of, wanted_of, new_row) -> ImportResult:
    """One undoable run that adds the rows ``found`` lacks and sets what differs on the others (journalled, so
    undoing the run puts them back); nothing stored when anything fails."""
    run = start_run(engine, kind, input=str(path))
    result.run_id = run.id
    try:
        with Session(engine) as session:
            journal = Journal(run.id)
            stored = {key_of(row): row for row in session.execute(select(model)).scalars()}
            for key, values in found.items():
                row, wanted = stored.get(key), wanted_of(values)
                if row is None:
                    session.add(new_row(key, wanted, run.id))
                    result.added += 1
                    continue
                before = {name: getattr(row, name) for name, value in wanted.items() if getattr(row, name) != value}
                journal.changed(row, before)
                if before:
                    for name in before:
                        setattr(row, name, wanted[name])
                    session.add(row)
                    result.updated += 1
                else:
                    result.unchanged += 1
            session.flush()
            journal.write(session)
            session.commit()
    except BaseException:
        finish_run(engine, run.id, "failed")
        raise
    finish_run(engine, run.id, "finished", {"rows_read": result.rows_read, f"{what}_added": result.added,
                                            f"{what}_updated": result.updated})
    return result
