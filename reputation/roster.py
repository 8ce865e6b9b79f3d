"""Importing the physician roster from a CSV file into the database.

Three layouts are recognised from the header row: our own roster CSV (``ROSTER_COLUMNS``), the CMS Doctors and
Clinicians national downloadable file (DAC), and the NPPES monthly ``npidata_pfile`` (V2). Every row is
checked first; by default one bad row stops the import and every problem is reported with its line and column.
A file whose rows are not one line each (a stray quote) is refused whole (see ``roster_file``). The import then runs in one transaction: physicians are upserted by NPI, their locations brought in line with
the file, and physicians missing from the file are marked inactive (never deleted).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TextIO

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from reputation.runs import Journal, finish_run, journal_deleted, start_run
from reputation.models import Location, Physician
from reputation.roster_file import RosterError, RowError, numbered_rows, text_encodings, undecodable
from reputation.normalize import (
    GENERATIONAL_SUFFIXES,
    is_valid_npi,
    name_key,
    normalize_credentials,
    normalize_phone,
    normalize_state,
    normalize_street,
    normalize_zip,
    parse_person_name,
)

ROSTER_COLUMNS = (
    "npi", "first_name", "middle_name", "last_name", "suffix", "credentials", "specialty", "department",
    "practice_name", "street", "city", "state", "zip", "phone",
)
PHYSICIAN_FIELDS = (
    "npi", "first_name", "middle_name", "last_name", "suffix", "credentials", "specialty", "department",
    "other_names",
)
LOCATION_FIELDS = ("practice_name", "street", "city", "state", "zip", "phone")
BATCH = 500  # rows per executemany / IN (...) list; well under SQLite's bound-parameter limit


# -- results and errors -----------------------------------------------------------------------------


@dataclass
class RosterImportResult:
    format: str
    rows_read: int = 0
    physicians_added: int = 0
    physicians_updated: int = 0
    physicians_deactivated: int = 0
    physicians_unchanged: int = 0
    run_id: int | None = None  # the run that stored it: repmon runs undo RUN takes it back
    locations: int = 0
    locations_added: int = 0
    locations_removed: int = 0
    skipped: int = 0  # rows that are not individual clinicians (NPPES organisations, deactivated NPIs)
    rejected: int = 0
    rejects_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """A few lines for the person who ran the import."""
        lines = [
            f"Roster imported ({self.format} format): {self.rows_read} rows read.",
            f"Physicians: {self.physicians_added} added, {self.physicians_updated} updated, "
            f"{self.physicians_unchanged} unchanged, {self.physicians_deactivated} no longer on the roster "
            "(marked inactive).",
            f"Locations: {self.locations} ({self.locations_added} added, {self.locations_removed} removed).",
        ]
        if self.rejected:
            lines.append(f"Rejected: {self.rejected} rows, written with the reasons to {self.rejects_path}.")
        lines += [f"Warning: {warning}" for warning in self.warnings]
        if self.run_id is not None:
            lines.append(f"Stored as run {self.run_id}: `repmon runs undo {self.run_id}` takes this import back.")
        return "\n".join(lines)


# -- formats ----------------------------------------------------------------------------------------


class _Skip(Exception):
    """A row that is not a clinician's (an NPPES organisation, a deactivated NPI): counted, not an error."""


@dataclass(frozen=True)
class RosterFormat:
    """A roster layout: which header names feed each field, and how a row becomes field values."""

    name: str
    columns: dict[str, tuple[str, ...]]  # field -> accepted header names, lowercase
    required: tuple[str, ...]  # fields whose column must be in the header
    extract: Callable[[_Row], dict]
    phone_required: bool = False

    def resolve(self, header: list[str]) -> dict[str, str]:
        """field -> the header's own spelling of its column, for the fields this header has."""
        present = {name.strip().lower(): name.strip() for name in header}
        resolved = {}
        for name, aliases in self.columns.items():
            found = next((present[a] for a in aliases if a in present), None)
            if found:
                resolved[name] = found
        return resolved

    def missing(self, header: list[str]) -> list[str]:
        resolved = self.resolve(header)
        return [self.columns[name][0] for name in self.required if name not in resolved]


class _Row:
    """Cell access for one data row by field name or by header name."""

    def __init__(self, header: list[str], columns: dict[str, str]) -> None:
        self._index = {name.strip().lower(): i for i, name in reversed(list(enumerate(header)))}
        self.columns = columns
        self.cells: list[str] = []

    def __call__(self, name: str) -> str:
        """The trimmed value of field ``name``, or of the column so named; blank when absent."""
        column = self.columns.get(name, name)
        i = self._index.get(column.lower())
        if i is None or i >= len(self.cells):
            return ""
        return " ".join(self.cells[i].split())


def _canonical(row: _Row) -> dict:
    values = {name: row(name) for name in ROSTER_COLUMNS}
    values["other_names"] = [_other_name(text) for text in row("other_names").split(";") if text.strip()]
    return values


def _other_name(display: str) -> dict:
    parsed = parse_person_name(display)
    return {"first_name": parsed["first"], "middle_name": parsed["middle"], "last_name": parsed["last"],
            "kind": "other"}


def _dac(row: _Row) -> dict:
    specialty = _title(row("specialty"))
    return {
        "npi": row("npi"), "first_name": row("first_name"), "middle_name": row("middle_name"),
        "last_name": row("last_name"), "suffix": row("suffix"), "credentials": row("credentials"),
        "specialty": specialty, "department": specialty, "practice_name": row("practice_name"),
        "street": " ".join(filter(None, [row("street"), row("street_2")])),
        "city": row("city"), "state": row("state"), "zip": row("zip"), "phone": row("phone"),
        "other_names": [],
    }


_OTHER_NAME_KINDS = {"1": "former", "2": "professional", "5": "other"}


def _nppes(row: _Row) -> dict:
    entity_type = row("entity_type")
    if entity_type == "2":
        raise _Skip("organisation rows (entity type 2)")
    if entity_type != "1":
        raise _Skip("deactivated NPIs (no entity type)")
    specialty, department = _taxonomy(row)
    values = {
        "npi": row("npi"), "first_name": row("first_name"), "middle_name": row("middle_name"),
        "last_name": row("last_name"), "suffix": row("suffix"), "credentials": row("credentials"),
        "specialty": specialty, "department": department, "practice_name": "",
        "street": " ".join(filter(None, [row("street"), row("street_2")])),
        "city": row("city"), "state": row("state"), "zip": row("zip"), "phone": row("phone"),
        "country": row("country"), "other_names": [],
    }
    if row("other_last_name"):
        values["other_names"] = [{
            "first_name": row("other_first_name") or row("first_name"),
            "middle_name": row("other_middle_name"),
            "last_name": row("other_last_name"),
            "kind": _OTHER_NAME_KINDS.get(row("other_name_type"), "other"),
        }]
    return values


def _taxonomy(row: _Row) -> tuple[str, str]:
    """(specialty, department) from the primary taxonomy code (the first one when none is flagged)."""
    codes = [(row(f"healthcare provider taxonomy code_{i}"),
              row(f"healthcare provider primary taxonomy switch_{i}")) for i in range(1, 16)]
    primary = next((code for code, switch in codes if code and switch == "Y"), codes[0][0])
    if not primary:
        return "", ""
    return nucc_taxonomy().get(primary, (f"taxonomy {primary}", ""))


@lru_cache(maxsize=1)
def nucc_taxonomy() -> dict[str, tuple[str, str]]:
    """NUCC code -> (specialty, classification): 207RC0000X -> ("Cardiovascular Disease", "Internal Medicine")."""
    source = files("reputation").joinpath("data/nucc_taxonomy.csv")
    with source.open(encoding="utf-8") as handle:
        return {
            row["Code"]: (row["Display Name"].removesuffix(" Physician") or row["Classification"],
                          row["Classification"])
            for row in csv.DictReader(handle)
        }


_DAC_COLUMNS = {
    "npi": ("npi",),
    "last_name": ("provider last name", "lst_nm", "last name"),
    "first_name": ("provider first name", "frst_nm", "first name"),
    "middle_name": ("provider middle name", "mid_nm", "middle name"),
    "suffix": ("suff", "suffix"),
    "credentials": ("cred", "credential"),
    "specialty": ("pri_spec", "primary specialty"),
    "practice_name": ("facility name", "org_nm", "organization legal name"),
    "street": ("adr_ln_1", "full street address", "line 1 street address"),
    "street_2": ("adr_ln_2", "line 2 street address"),
    "city": ("city/town", "cty", "city"),
    "state": ("state", "st"),
    "zip": ("zip code", "zip"),
    "phone": ("telephone number", "phn_numbr", "phone number"),
}
_NPPES_PRACTICE = "provider business practice location address "
_NPPES_COLUMNS = {
    "npi": ("npi",),
    "entity_type": ("entity type code",),
    "last_name": ("provider last name (legal name)",),
    "first_name": ("provider first name",),
    "middle_name": ("provider middle name",),
    "suffix": ("provider name suffix text",),
    "credentials": ("provider credential text",),
    "other_last_name": ("provider other last name",),
    "other_first_name": ("provider other first name",),
    "other_middle_name": ("provider other middle name",),
    "other_name_type": ("provider other last name type code",),
    "street": ("provider first line business practice location address",),
    "street_2": ("provider second line business practice location address",),
    "city": (_NPPES_PRACTICE + "city name",),
    "state": (_NPPES_PRACTICE + "state name",),
    "zip": (_NPPES_PRACTICE + "postal code",),
    "country": (_NPPES_PRACTICE + "country code (if outside u.s.)",),
    "phone": (_NPPES_PRACTICE + "telephone number",),
}

FORMATS = (
    RosterFormat("nppes", _NPPES_COLUMNS, required=("npi", "entity_type", "last_name", "first_name",
                                                    "street", "city", "state", "zip"), extract=_nppes),
    RosterFormat("cms-dac", _DAC_COLUMNS, required=("npi", "last_name", "first_name", "specialty",
                                                    "street", "city", "state", "zip"), extract=_dac),
    RosterFormat("canonical", {name: (name,) for name in (*ROSTER_COLUMNS, "other_names")},
                 required=("npi", "first_name", "last_name", "street", "city", "state", "zip", "phone"),
                 extract=_canonical, phone_required=True),
)


def detect_format(header: list[str], filename: str) -> tuple[RosterFormat, dict[str, str]]:
    """The format whose required columns are all in ``header``, with the resolved column names."""
    for roster_format in FORMATS:
        if not roster_format.missing(header):
            return roster_format, roster_format.resolve(header)
    closest = min(FORMATS, key=lambda f: len(f.missing(header)) / len(f.required))
    raise RosterError(
        f"{filename}: the header row matches no roster layout. "
        f"Closest is {closest.name}, missing: {', '.join(closest.missing(header))}.\n"
        f"A roster CSV needs the columns: {', '.join(ROSTER_COLUMNS)} "
        "(middle_name, suffix, credentials, specialty, department and practice_name may be blank).\n"
        "A CMS Doctors & Clinicians file needs: NPI, Provider Last Name, Provider First Name, pri_spec, "
        "adr_ln_1, City/Town, State, ZIP Code.\n"
        "An NPPES npidata_pfile needs: NPI, Entity Type Code, Provider Last Name (Legal Name), "
        "Provider First Name and the Business Practice Location Address columns."
    )


# -- checking rows ----------------------------------------------------------------------------------


@dataclass
class _Entry:
    """One physician of the file: the physician's values and distinct locations, and where it came from."""

    line: int
    physician: dict
    locations: list[tuple] = field(default_factory=list)


def _check_row(values: dict, roster_format: RosterFormat, where: Callable[..., RowError]) -> list[RowError]:
    errors = []
    npi = values["npi"]
    if not npi:
        errors.append(where("npi", "is required"))
    elif "E+" in npi.upper():
        errors.append(where("npi", "was turned into a number by a spreadsheet: format the column as Text "
                                   "and re-enter it", npi))
    elif not (npi.isdigit() and len(npi) == 10):
        errors.append(where("npi", "must be 10 digits", npi))
    elif not is_valid_npi(npi):
        errors.append(where("npi", "check digit is wrong", npi))
    for name in ("last_name", "first_name"):
        if not values[name]:
            errors.append(where(name, "is required"))
    errors += [where(name, "holds a NUL character: is the file damaged?") for name, value in values.items()
               if isinstance(value, str) and "\0" in value]
    return errors + _check_location(values, roster_format, where)


def _check_location(values: dict, roster_format: RosterFormat, where: Callable[..., RowError]) -> list[RowError]:
    country = values.get("country", "")
    if country and country.upper() not in ("US", "USA"):
        return [where("country", f"practice location is outside the US (country code {country}), "
                                 "not a US address", country)]
    errors = []  # no street is allowed: a location known by its city, state and ZIP is a location
    if not values["city"]:
        errors.append(where("city", "is required"))
    if not values["state"]:
        errors.append(where("state", "is required"))
    elif not normalize_state(values["state"]):
        errors.append(where("state", "is not a US state code or state name (e.g. GA or Georgia)", values["state"]))
    errors += _check_zip(values["zip"], where)
    errors += _check_phone(values["phone"], roster_format.phone_required, where)
    return errors


def _check_zip(text: str, where: Callable[..., RowError]) -> list[RowError]:
    if not text:
        return [where("zip", "is required")]
    if normalize_zip(text):
        return []
    if re.fullmatch(r"\d{3,4}(-?\d{4})?", text):
        return [where("zip", "is missing its leading zero (a spreadsheet dropped it): format the column as "
                             "Text and write all 5 digits", text)]
    return [where("zip", "must be a 5-digit ZIP or ZIP+4 (30329 or 30329-2206)", text)]


def _check_phone(text: str, required: bool, where: Callable[..., RowError]) -> list[RowError]:
    if not text:
        return [where("phone", "is required")] if required else []
    phone = normalize_phone(text)
    if not phone or not phone.startswith("+1"):
        return [where("phone", "must be a 10-digit US phone number like (404) 555-0101", text)]
    return []


def _physician_values(values: dict) -> dict:
    return {
        "npi": values["npi"],
        "first_name": values["first_name"],
        "middle_name": values["middle_name"] or None,
        "last_name": values["last_name"],
        "suffix": _suffix(values["suffix"]),
        "credentials": normalize_credentials(values["credentials"]),
        "specialty": values["specialty"] or None,
        "department": values["department"] or None,
        "other_names": values["other_names"],
    }


def _location_values(values: dict) -> tuple:
    """The stored form of a location, in ``LOCATION_FIELDS`` order (normalized as normalize.py does)."""
    return (
        values["practice_name"] or None,
        normalize_street(values["street"]) or None,
        name_key(values["city"]) or None,
        normalize_state(values["state"]),
        normalize_zip(values["zip"]),
        normalize_phone(values["phone"]),
    )


def _suffix(text: str) -> str | None:
    compact = text.upper().replace(".", "").strip()
    return GENERATIONAL_SUFFIXES.get(compact, text) or None


_SMALL_WORDS = {"and", "or", "of", "the", "for", "in", "to"}


def _title(text: str) -> str:
    """Title case for CMS specialty names: "PHYSICAL MEDICINE AND REHABILITATION" -> "Physical Medicine and
    Rehabilitation"; a short acronym in brackets stays as it is ("(CRNA)")."""

    def word(match: re.Match) -> str:
        token = match.group(0)
        if match.start() > 0 and token.lower() in _SMALL_WORDS:
            return token.lower()
        bracketed = text[match.start() - 1: match.start()] == "(" and text[match.end(): match.end() + 1] == ")"
        if bracketed and len(token) <= 5:
            return token
        return token.capitalize()

    return re.sub(r"[A-Za-z]+", word, text)


# -- reading the file -------------------------------------------------------------------------------


@dataclass
class ParsedRoster:
    """Everything read from a roster file, checked, before anything is stored."""

    format: str
    header: list[str]
    rows_read: int = 0
    entries: dict[str, _Entry] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    rejected: list[tuple[int, list[str], list[RowError]]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    held: set[str] = field(default_factory=set)  # NPIs with a rejected row: not deactivated, locations kept
    unknown_taxonomies: int = 0


def read_roster(path: Path) -> tuple[ParsedRoster, list[str]]:
    """Parse and check every row of ``path``, streaming it; returns the result and warnings."""
    if not path.is_file():
        raise RosterError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise RosterError(f"{path.name}: this is a spreadsheet; save it as CSV (File > Save As > CSV UTF-8)")
    try:
        encodings = text_encodings(path)
        for n, (encoding, warning) in enumerate(encodings, start=1):
            try:
                with path.open(newline="", encoding=encoding) as handle:
                    return _parse(handle, path.name), [warning] if warning else []
            except UnicodeDecodeError:
                if n == len(encodings):
                    raise undecodable(path, encoding) from None
    except OSError as error:
        raise RosterError(f"{path.name} cannot be read: {error.strerror or error}") from None
    raise AssertionError("unreachable: the last encoding returns or raises")


def _parse(handle: TextIO, filename: str) -> ParsedRoster:
    rows = numbered_rows(handle, filename)
    first = next(rows, None)
    if first is None:
        raise RosterError(f"{filename} is empty: the first row must be the header "
                          f"({', '.join(ROSTER_COLUMNS)})")
    _, header, shape_errors = first
    if shape_errors:
        raise RosterError(f"{filename}: the header row is broken, so nothing was imported.", shape_errors)
    roster_format, columns = detect_format(header, filename)
    parsed = ParsedRoster(roster_format.name, header)
    row = _Row(header, columns)
    for line, cells, errors in rows:
        parsed.rows_read += 1
        if errors:
            shape_errors += errors  # a broken row's cells are not its own: not checked further
        else:
            _parse_row(parsed, roster_format, row, cells, filename, line)
    if shape_errors:
        raise RosterError(
            f"{filename}: {len(shape_errors)} row(s) are not one line of {len(header)} values each, so nothing was "
            "imported. A stray double quote swallows the rows after it, which --skip-invalid cannot skip: fix the "
            "file and import it again.", shape_errors + parsed.errors)
    if parsed.rows_read == 0:
        raise RosterError(f"{filename} has a header but no rows")
    return parsed


def _parse_row(parsed: ParsedRoster, roster_format: RosterFormat, row: _Row, cells: list[str],
               filename: str, line: int) -> None:
    def where(name: str, reason: str, value: str = "") -> RowError:
        return RowError(filename, line, row.columns.get(name, name), reason, value)

    row.cells = cells
    try:
        values = roster_format.extract(row)
    except _Skip as skip:
        parsed.skipped[str(skip)] += 1
        return
    errors = _check_row(values, roster_format, where)
    if not errors:
        errors = _add(parsed, values, line, where)
    if errors:
        parsed.errors += errors
        parsed.rejected.append((line, cells, errors))
        parsed.held.add(values["npi"])
    elif values["specialty"].startswith("taxonomy "):
        parsed.unknown_taxonomies += 1


def _add(parsed: ParsedRoster, values: dict, line: int, where: Callable[..., RowError]) -> list[RowError]:
    """Add a checked row to its physician; a different name for an NPI already seen is an error."""
    physician = _physician_values(values)
    entry = parsed.entries.get(physician["npi"])
    if entry is None:
        entry = parsed.entries[physician["npi"]] = _Entry(line, physician)
    else:
        for name in ("last_name", "first_name"):
            if name_key(physician[name]) != name_key(entry.physician[name]):
                first, last = entry.physician["first_name"], entry.physician["last_name"]
                return [where(name, f"NPI {physician['npi']} is {first} {last} on line {entry.line}: "
                                    "one NPI must have one name", physician[name])]
        for key, value in physician.items():  # later rows fill what earlier ones left blank
            entry.physician[key] = entry.physician[key] or value
    _add_location(entry.locations, _location_values(values))
    return []


def _add_location(locations: list[tuple], location: tuple) -> None:
    """A location once per address and phone: CMS repeats it for every group the clinician bills with."""
    for i, known in enumerate(locations):
        if known[1:] == location[1:]:
            if not known[0] and location[0]:
                locations[i] = location
            return
    locations.append(location)


# -- storing ----------------------------------------------------------------------------------------


def import_roster(engine: Engine, path: Path, *, skip_invalid: bool = False, rejects_path: Path | None = None,
                  now: datetime | None = None) -> RosterImportResult:
    """Import the roster at ``path``: all of it or (by default) nothing when a row is invalid.

    With ``skip_invalid`` the valid rows are imported and the others written to ``rejects_path``
    (default ``<name>.rejected.csv`` beside the file) with the line, column and reason added.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware, e.g. datetime.now(UTC)")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    parsed, warnings = read_roster(path)
    result = RosterImportResult(format=parsed.format, rows_read=parsed.rows_read, warnings=warnings,
                                skipped=sum(parsed.skipped.values()))
    result.warnings += [f"skipped {n} {what}" for what, n in parsed.skipped.items()]
    if parsed.unknown_taxonomies:
        result.warnings.append(f"{parsed.unknown_taxonomies} rows have a taxonomy code not in NUCC v25.1; "
                               "their specialty shows the code")
    if parsed.errors and not skip_invalid:
        raise RosterError(f"{path.name}: {len(parsed.rejected)} of {parsed.rows_read} rows have errors, so "
                          "nothing was imported. Fix them, or import the valid rows with --skip-invalid.",
                          parsed.errors)
    if not parsed.entries:
        raise RosterError(f"{path.name}: no valid physician rows, so nothing was imported "
                          "(the current roster was left as it is).", parsed.errors)
    if parsed.rejected:
        result.rejected = len(parsed.rejected)
        result.rejects_path = rejects_path or path.with_name(f"{path.stem}.rejected.csv")
        try:
            write_rejects(result.rejects_path, parsed.header, parsed.rejected)
        except OSError as error:
            raise RosterError(f"{path.name}: the rejected rows cannot be written to {result.rejects_path} "
                              f"({error.strerror or error}), so nothing was imported") from None
        result.warnings.append(f"{len(parsed.held)} physicians have rejected rows: they stay active and keep "
                               "their stored locations until the rows are fixed")
    run = start_run(engine, "roster_import", input=str(path))
    result.run_id = run.id
    try:
        with engine.begin() as connection:
            _store(connection, parsed.entries, parsed.held, now, result, Journal(run.id))
    except BaseException:
        finish_run(engine, run.id, "failed")
        raise
    finish_run(engine, run.id, "finished", {
        "physicians_added": result.physicians_added, "physicians_updated": result.physicians_updated,
        "physicians_deactivated": result.physicians_deactivated, "locations_added": result.locations_added,
        "locations_removed": result.locations_removed, "rows_read": result.rows_read, "rejected": result.rejected})
    return result


def write_rejects(path: Path, header: list[str], rejected: list[tuple[int, list[str], list[RowError]]]) -> None:
    """The rejected rows as they were, plus ``line``, ``column`` and ``reason``; fix and re-import it."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, "line", "column", "reason"])
        for line, cells, errors in rejected:
            padded = (cells + [""] * len(header))[: len(header)]
            writer.writerow([*padded, line, "; ".join(e.column for e in errors),
                             "; ".join(e.reason + (f" ({e.value})" if e.value else "") for e in errors)])


def _store(connection: Connection, entries: dict[str, _Entry], held: set[str], now: datetime,
           result: RosterImportResult, journal: Journal) -> None:
    """Upsert physicians and their locations, deactivate the absent ones.

    A physician with a rejected row (``held``) is still on the roster: never deactivated, and only the
    locations of its valid rows are added, none removed. What is inserted carries the run's id; what is
    changed or removed is journaled (``reputation.runs``), so the import can be undone.
    """
    physicians = Physician.__table__
    existing = {row.npi: row._mapping for row in connection.execute(select(physicians))}
    new = [{**entry.physician, "active": True, "updated_at": now, "run_id": journal.run_id}
           for npi, entry in entries.items() if npi not in existing]
    _insert(connection, physicians, new)
    ids = {npi: id_ for id_, npi in connection.execute(select(physicians.c.id, physicians.c.npi))}

    wanted = {ids[npi]: e.locations for npi, e in entries.items()}
    changed_locations = _store_locations(connection, wanted, {ids[n] for n in held if n in ids}, result, journal)
    updates = []
    for npi, entry in entries.items():
        old = existing.get(npi)
        if old is None:
            continue
        if old["active"] and ids[npi] not in changed_locations and _same(old, entry.physician):
            result.physicians_unchanged += 1
        else:
            updates.append({"b_id": ids[npi], **entry.physician, "active": True, "updated_at": now})
    existing_by_id = {row["id"]: row for row in existing.values()}
    gone = [{"b_id": row["id"], "active": False, "updated_at": now}
            for npi, row in existing.items() if npi not in entries and npi not in held and row["active"]]
    for row in updates + gone:
        old = existing_by_id[row["b_id"]]
        journal.record("physician", row["b_id"], {k: old[k] for k in row if k != "b_id" and old[k] != row[k]})
    journal.write(connection)
    _update(connection, updates, (*PHYSICIAN_FIELDS, "active", "updated_at"))
    _update(connection, gone, ("active", "updated_at"))
    result.physicians_added = len(new)
    result.physicians_updated = len(updates)
    result.physicians_deactivated = len(gone)
    result.locations = sum(len(e.locations) for e in entries.values())


def _same(old, physician: dict) -> bool:
    return all(old[name] == value for name, value in physician.items())


def _store_locations(connection: Connection, wanted: dict[int, list[tuple]], keep: set[int],
                     result: RosterImportResult, journal: Journal) -> set[int]:
    """Bring each physician's locations in line with ``wanted``; identical rows keep their ids.

    Returns the ids of physicians whose locations changed. Physicians not in ``wanted`` keep theirs, and those
    in ``keep`` lose none.
    """
    locations = Location.__table__
    current: dict[int, list[tuple[int, tuple]]] = defaultdict(list)
    rows_by_id = {}
    for row in connection.execute(select(locations)):
        current[row.physician_id].append((row.id, tuple(getattr(row, name) for name in LOCATION_FIELDS)))
        rows_by_id[row.id] = dict(row._mapping)
    stale: list[int] = []
    fresh: list[dict] = []
    for physician_id, want in wanted.items():
        remaining = list(want)
        for location_id, values in current.get(physician_id, []):
            if values in remaining:
                remaining.remove(values)
            elif physician_id not in keep:
                stale.append(location_id)
        fresh += [{"physician_id": physician_id, **dict(zip(LOCATION_FIELDS, values)), "run_id": journal.run_id}
                  for values in remaining]
    if journal.run_id is not None:
        journal_deleted(connection, journal.run_id, "location", [rows_by_id[i] for i in stale])
    for start in range(0, len(stale), BATCH):
        connection.execute(delete(locations).where(locations.c.id.in_(stale[start:start + BATCH])))
    _insert(connection, locations, fresh)
    result.locations_added, result.locations_removed = len(fresh), len(stale)
    stale_set = set(stale)
    return {row["physician_id"] for row in fresh} | {
        physician_id for physician_id, rows in current.items() if any(i in stale_set for i, _ in rows)
    }


def _insert(connection: Connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start:start + BATCH])


def _update(connection: Connection, rows: list[dict], names: tuple[str, ...]) -> None:
    """Executemany UPDATE by id: each row has ``b_id`` and a value for every name."""
    if not rows:
        return
    table = Physician.__table__
    statement = update(table).where(table.c.id == bindparam("b_id")).values(
        {name: bindparam(name) for name in names}
    )
    for start in range(0, len(rows), BATCH):
        connection.execute(statement, rows[start:start + BATCH])
