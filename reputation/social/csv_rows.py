"""Reading a social accounts or channels file: the roster file's encodings and shape checks, by column name.

``read_table(path, required, optional)`` gives the rows (line number and a dict of the named columns) or raises
``RosterError`` naming the file, the line and the reason: a missing column, a broken row (a stray quote), an
empty file. Header names are matched case-insensitively, spaces and underscores alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from reputation.roster_file import RosterError, numbered_rows, text_encodings, undecodable


def _key(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def read_table(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> tuple[list[tuple[int, dict]], list[str]]:
    """The rows of ``path`` (line, {column: value}) and warnings (the encoding read)."""
    if not path.is_file():
        raise RosterError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise RosterError(f"{path.name}: this is a spreadsheet; save it as CSV (File > Save As > CSV UTF-8)")
    try:
        encodings = text_encodings(path)
        for n, (encoding, warning) in enumerate(encodings, start=1):
            try:
                with path.open(newline="", encoding=encoding) as handle:
                    return _rows(handle, path.name, required, optional), [warning] if warning else []
            except UnicodeDecodeError:
                if n == len(encodings):
                    raise undecodable(path, encoding) from None
    except OSError as error:
        raise RosterError(f"{path.name} cannot be read: {error.strerror or error}") from None
    raise AssertionError("unreachable: the last encoding returns or raises")


def _rows(handle: TextIO, filename: str, required: tuple[str, ...], optional: tuple[str, ...]) -> list[tuple[int, dict]]:
    rows = numbered_rows(handle, filename)
    first = next(rows, None)
    if first is None:
        raise RosterError(f"{filename} is empty: the first row must be the header ({', '.join(required + optional)})")
    _, header, shape_errors = first
    if shape_errors:
        raise RosterError(f"{filename}: the header row is broken, so nothing was imported.", shape_errors)
    where = {_key(name): i for i, name in reversed(list(enumerate(header)))}
    missing = [name for name in required if name not in where]
    if missing:
        raise RosterError(f"{filename}: the header lacks the column(s) {', '.join(missing)} (it has "
                          f"{', '.join(h for h in header if h) or 'none'}), so nothing was imported")
    columns = {name: where[name] for name in required + optional if name in where}
    found, broken = [], []
    for line, cells, errors in rows:
        if errors:
            broken += errors
            continue
        found.append((line, {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}))
    if broken:
        raise RosterError(f"{filename}: {len(broken)} row(s) are not one line of {len(header)} values each, so "
                          "nothing was imported", broken)
    if not found:
        raise RosterError(f"{filename} has a header but no rows")
    return found
