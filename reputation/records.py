"""Validation of crawl output records (the JSON-lines format of ``crawlers/items.py``).

Both the crawl pipeline and ``repmon listings import`` pass every record through here, so a record from
another tool is held to the same rules as our own spiders' output. Unknown keys are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SOURCE_KEY = r"^[a-z][a-z0-9_]*$"


def _no_nul(value):
    # PostgreSQL text cannot hold NUL characters; they carry no meaning in a listing.
    return value.replace("\x00", "") if isinstance(value, str) else value


class _Clean(BaseModel):
    """Scraped text: surrounding whitespace and NUL characters dropped, unknown keys ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strip_nul(cls, value):
        return _no_nul(value)


class _Record(_Clean):
    source: Annotated[str, Field(pattern=SOURCE_KEY, max_length=40)]
    crawled_at: datetime

    @field_validator("crawled_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        # A timestamp without offset is taken as UTC rather than refused: other tools often omit it.
        # Others are converted, so the same instant always falls in the same ISO week.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AddressIn(_Clean):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


class ReviewIn(_Clean):
    review_id: str | None = None
    date: str | None = None
    rating: Annotated[float, Field(ge=0, le=5)] | None = None
    text: str | None = None
    author: str | None = None
    response: str | None = None

    @field_validator("review_id", mode="before")
    @classmethod
    def _id_as_text(cls, value):
        return None if value is None else str(value)


class ListingIn(_Record):
    kind: Literal["listing"]
    url: str
    source_id: str | None = None
    name: Annotated[str, Field(min_length=1)]
    specialty: str | None = None
    practice_name: str | None = None
    addresses: list[AddressIn] = []
    phones: list[str] = []
    npi: str | None = None
    rating: Annotated[float, Field(ge=0, le=5)] | None = None
    review_count: Annotated[int, Field(ge=0)] | None = None
    accepting_new_patients: bool | None = None
    reviews: list[ReviewIn] = []

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://\S+$", value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("npi", "source_id", mode="before")
    @classmethod
    def _as_text(cls, value):
        if value is None or value == "":
            return None
        return str(value)

    @field_validator("npi")
    @classmethod
    def _npi_digits(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{10}", value):
            raise ValueError("must be 10 digits")
        return value

    @field_validator("phones", mode="before")
    @classmethod
    def _drop_empty_phones(cls, value):
        if not isinstance(value, list):
            return value
        return [_no_nul(p) for p in value if p not in (None, "")]


class SearchIn(_Record):
    kind: Literal["search"]
    npi: Annotated[str, Field(pattern=r"^\d{10}$")]
    query: str | None = None
    status: Literal["ok", "blocked", "error", "disallowed"]
    reason: str | None = None
    results: list[str] = []
    gone: list[str] = []

    @field_validator("npi", mode="before")
    @classmethod
    def _as_text(cls, value):
        return None if value is None else str(value)


Record = ListingIn | SearchIn


class RecordError(ValueError):
    """One record that cannot be stored, with where and why."""

    def __init__(self, reason: str, *, field: str | None = None, line: int | None = None, path: str | None = None):
        self.reason, self.field, self.line, self.path = reason, field, line, path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.path, self.line) if p is not None)
        what = f"{self.field}: {self.reason}" if self.field else self.reason
        return f"{where}: {what}" if where else what


def parse_record(data: object) -> Record:
    """A validated record, or RecordError naming the first bad field."""
    if not isinstance(data, dict):
        raise RecordError("a record must be a JSON object")
    kind = data.get("kind")
    model = {"listing": ListingIn, "search": SearchIn}.get(kind)  # type: ignore[arg-type]
    if model is None:
        raise RecordError(f"must be 'listing' or 'search', not {kind!r}", field="kind")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise RecordError(first["msg"], field=field) from None


@dataclass
class JsonlLine:
    line: int
    record: Record | None
    error: RecordError | None


def read_jsonl(path: Path) -> Iterator[JsonlLine]:
    """Every non-blank line of a JSON-lines file, validated; bad lines carry their error."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield JsonlLine(number, None, RecordError(f"not UTF-8 text (byte {exc.start + 1})", line=number, path=str(path)))
                continue
            if not text.strip():
                continue
            try:
                record = parse_record(json.loads(text))
            except json.JSONDecodeError as exc:
                yield JsonlLine(number, None, RecordError(f"not valid JSON ({exc.msg})", line=number, path=str(path)))
            except RecordError as exc:
                exc.line, exc.path = number, str(path)
                yield JsonlLine(number, None, exc)
            else:
                yield JsonlLine(number, record, None)


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"
