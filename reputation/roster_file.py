"""Reading a roster file's rows: its text encoding, its delimiter, and the check that every row is one line.

A stray double quote is the dangerous mistake in a CSV file: it opens a quoted value that runs on over the
next lines and swallows their rows, and a reader that accepts it imports fewer rows without a word. So a
row must be one physical line of the file: a value holding a line break (the rows read then disagree with
the lines in the file) or a row with more values than the header is a *shape* error naming its line. Shape
errors refuse the whole file, even with ``--skip-invalid``: the rows a stray quote swallowed are not known,
so skipping "the bad row" would deactivate the physicians hidden in it.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

SHOWN_ERRORS = 20
SNIFFED_BYTES = 4096
_NOT_CSV = {  # magic bytes of files people save as .csv by mistake
    b"PK\x03\x04": "an Excel workbook (or a zip archive)",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook",
    b"%PDF": "a PDF document",
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: ``roster.csv:7: npi: check digit is wrong (1234567890)``."""

    file: str
    line: int
    column: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: {self.column}: {self.reason}"
        return f"{where} ({self.value})" if self.value else where


class RosterError(Exception):
    """The roster cannot be imported; ``errors`` lists every bad cell when rows were at fault."""

    def __init__(self, message: str, errors: Iterable[RowError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)

    def __str__(self) -> str:
        lines = [self.message, *(f"  {e}" for e in self.errors[:SHOWN_ERRORS])]
        if len(self.errors) > SHOWN_ERRORS:
            lines.append(f"  ... and {len(self.errors) - SHOWN_ERRORS} more")
        return "\n".join(lines)


# -- the text encoding ------------------------------------------------------------------------------


def text_encodings(path: Path) -> list[tuple[str, str | None]]:
    """The encodings to read ``path`` with, in turn, each with the warning reading it so gives.

    A byte order mark decides (Excel's "Unicode Text" export is UTF-16 with one); otherwise UTF-8, then
    Windows-1252 (Excel's plain "CSV"). A file that is not text at all, or UTF-16 without its mark (whose
    byte order is a guess), is refused with what it looks like.
    """
    with path.open("rb") as handle:
        start = handle.read(SNIFFED_BYTES)
    if start.startswith(codecs.BOM_UTF8):
        return [("utf-8-sig", None)]
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return [("utf-16", f"{path.name} is UTF-16 text (Excel's \"Unicode Text\"); read it as UTF-16")]
    what = next((what for magic, what in _NOT_CSV.items() if start.startswith(magic)), None)
    if what:
        raise RosterError(f"{path.name} is {what}, not a CSV file: open it and save it as CSV UTF-8")
    if b"\0" in start:
        if _looks_like_utf16(start):
            raise RosterError(f"{path.name}: the text looks like UTF-16 without a byte order mark, whose byte order "
                              "cannot be known for sure; save the file as CSV UTF-8 (or as Excel's \"Unicode Text\", "
                              "which has the mark)")
        raise RosterError(f"{path.name} is not a text file (it holds NUL bytes): save the roster as CSV UTF-8")
    return [("utf-8-sig", None), ("cp1252", f"{path.name} is not UTF-8; read it as Windows-1252 (check accented names)")]


def _looks_like_utf16(start: bytes) -> bool:
    """Mostly-ASCII UTF-16 has a NUL in every other byte, on the same side."""
    even, odd = start[0::2], start[1::2]
    return max(even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)) > 0.4


def undecodable(path: Path, encoding: str) -> RosterError:
    """The error for a file that ``encoding``, the last one tried, cannot read, with the line at fault."""
    if encoding != "cp1252":
        return RosterError(f"{path.name} is marked as {encoding.upper()} text but is not valid {encoding.upper()} "
                           "(is it cut short?); save the file as CSV UTF-8")
    line, offset = 1, 0
    with path.open("rb") as handle:  # a single-byte encoding: a byte's offset is its place in its chunk
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            try:
                chunk.decode(encoding)
            except UnicodeDecodeError as error:
                line += chunk[:error.start].count(b"\n")
                return RosterError(f"{path.name}:{line}: the text encoding is neither UTF-8 nor Windows-1252 "
                                   f"(byte 0x{chunk[error.start]:02X} at offset {offset + error.start}); "
                                   "save the file as CSV UTF-8")
            line += chunk.count(b"\n")
            offset += len(chunk)
    return RosterError(f"{path.name}: the text encoding is neither UTF-8 nor Windows-1252; save the file as CSV UTF-8")


# -- rows and their shape ---------------------------------------------------------------------------


def delimiter(handle: TextIO) -> str:
    """Comma, unless the header line clearly uses tabs, semicolons or pipes (spreadsheet exports do)."""
    first = handle.readline()
    handle.seek(0)
    return max([",", "\t", ";", "|"], key=first.count) if first.count(",") == 0 else ","


def numbered_rows(handle: TextIO, filename: str) -> Iterator[tuple[int, list[str], list[RowError]]]:
    """The non-blank rows, the first being the header, each with the physical line it starts on and its
    shape errors (see the module docstring)."""
    reader = csv.reader(handle, delimiter=delimiter(handle))
    header, previous = None, 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a value longer than the csv module allows: a quote that never closes
            raise RosterError(f"{filename}:{previous + 1}: the row that starts here cannot be read ({error}): a double "
                              "quote on this line opens a value that does not close (a stray quote?). Write a quote "
                              'inside a value as two ("").') from None
        line, previous = previous + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
        yield line, cells, _shape_errors(filename, line, cells, header, previous - line + 1)


def _shape_errors(filename: str, line: int, cells: list[str], header: list[str], lines: int) -> list[RowError]:
    broken = next((i for i, c in enumerate(cells) if _LINE_BREAK.search(c)), len(cells) - 1 if lines > 1 else None)
    if broken is not None:  # a runaway quote: the extra values that may follow are its doing, not reported
        opens = line + sum(len(_LINE_BREAK.findall(c)) for c in cells[:broken])
        last = line + lines - 1
        swallowed = (f"runs from this line on to line {last}, so the rows on lines {opens + 1}-{last} were read into it"
                     if last > opens else "does not close by the end of the file")
        column = header[broken] if broken < len(header) and header[broken] else f"column {broken + 1}"
        return [RowError(filename, opens, column, (
            f"a quoted value {swallowed}: a stray double quote? A value must fit on one line; write a quote inside "
            'a value as two ("")'), _shown(_LINE_BREAK.split(cells[broken])[0]))]
    extra = [c for c in cells[len(header):] if c.strip()]
    if extra:
        return [RowError(filename, line, "(row)", (
            f"has {len(cells)} values but the header has {len(header)} columns: a value containing a comma must be in "
            "double quotes"), _shown(",".join(extra)))]
    return []


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[:limit] + "..."
