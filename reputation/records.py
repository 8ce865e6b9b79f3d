"""Validation of crawl output records (the JSON-lines format of ``crawlers/items.py``).

Both the crawl pipeline and ``repmon listings import`` pass every record through here, so a record from
another tool is held to the same rules as our own spiders' output. Unknown keys are ignored.

A value that cannot be right refuses its record, naming the field: a number out of its range, a date
before 2000 or more than a day ahead of the clock (one such record would make its week the latest, a
week in which nothing was searched, and missing listings would silently drop out of the findings), a
URL too long to be one. Text and lists longer than their limit below are cut,
and each cut is reported: an oversized value costs neither the record nor the run. The README's
"Record limits" table shows these same numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from crawlers.items import REASON_CODES, reason_code_for

SOURCE_KEY = r"^[a-z][a-z0-9_]*$"

# -- limits -------------------------------------------------------------------------------------------
# Characters kept of each text field (a list's key applies to each of its items). Real values are far
# shorter: the longest review in the real review samples we checked is under 5,000 characters.
TEXT_LIMITS = {
    "source_id": 200,
    "name": 300,
    "specialty": 300,
    "practice_name": 300,
    "addresses.street": 300,
    "addresses.city": 100,
    "addresses.state": 50,
    "addresses.zip": 20,
    "phones": 50,
    "reviews.review_id": 200,
    "reviews.date": 50,
    "reviews.text": 10_000,
    "reviews.author": 200,
    "reviews.response": 10_000,
    "reviews.response_date": 50,
    "query": 1_000,
    "reason": 2_000,
    "social_links": 2_048,
    "account": 300,
    "bio": 2_000,
}
# Items kept of each list. A search's results past the limit were not looked at, so an "ok" search
# whose results are cut counts as not seen (status "error"): unknown, never "missing".
LIST_LIMITS = {
    "addresses": 50,
    "phones": 50,
    "reviews": 1_000,
    "results": 200,
    "gone": 200,
    "suggested": 200,
    "social_links": 50,
}
# A URL is refused, not cut, when longer: a cut URL is another page. (url, results[], gone[], suggested[].url)
URL_CHARS = 2_048
RATING_MAX = 5  # listing and review ratings: 0 to 5 stars
REVIEW_COUNT_MAX = 10_000_000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # crawled_at and ISO review dates: none before 2000 ...
AHEAD = timedelta(days=1)  # ... and none more than a day ahead of the clock


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


def _utc(value: datetime) -> datetime:
    # A timestamp without offset is taken as UTC rather than refused: other tools often omit it.
    # Others are converted, so the same instant always falls in the same ISO week.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _check_date(moment: datetime, info: ValidationInfo) -> None:
    now = (info.context or {}).get("now") or datetime.now(UTC)
    if moment < EARLIEST:
        raise ValueError(f"{moment:%Y-%m-%d} is before {EARLIEST.year}")
    if moment > now + AHEAD:
        raise ValueError(f"{moment:%Y-%m-%d %H:%M} UTC is more than a day ahead of the clock ({now:%Y-%m-%d %H:%M} UTC)")


def _not_bool(value):
    # JSON true is not a number, though pydantic would read it as 1.
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not {str(value).lower()}")
    return value


def _url(value):
    if isinstance(value, str) and len(value) > URL_CHARS:
        raise ValueError(f"longer than {URL_CHARS:,} characters ({len(value):,}): refused, not cut, as a cut URL is another page")
    return value


Rating = Annotated[float, BeforeValidator(_not_bool), Field(ge=0, le=RATING_MAX)]
Url = Annotated[str, BeforeValidator(_url)]


class _Record(_Clean):
    source: Annotated[str, Field(pattern=SOURCE_KEY, max_length=40)]
    crawled_at: datetime

    @field_validator("crawled_at")
    @classmethod
    def _in_range(cls, value: datetime, info: ValidationInfo) -> datetime:
        value = _utc(value)
        _check_date(value, info)
        return value


class AddressIn(_Clean):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


class ReviewIn(_Clean):
    review_id: str | None = None
    date: str | None = None
    rating: Rating | None = None
    text: str | None = None
    author: str | None = None
    response: str | None = None
    response_date: str | None = None  # when the practice replied

    @field_validator("review_id", mode="before")
    @classmethod
    def _id_as_text(cls, value):
        return None if value is None else str(value)

    @field_validator("date", "response_date")
    @classmethod
    def _date_in_range(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Only an ISO date is a date to the findings (others are shown as written), so only it is checked.
        try:
            moment = datetime.fromisoformat(value) if value else None
        except ValueError:
            moment = None
        if moment is not None:
            _check_date(_utc(moment), info)
        return value


class ListingIn(_Record):
    kind: Literal["listing"]
    url: Url
    source_id: str | None = None
    name: Annotated[str, Field(min_length=1)]
    specialty: str | None = None
    practice_name: str | None = None
    addresses: list[AddressIn] = []
    phones: list[str] = []
    npi: str | None = None
    rating: Rating | None = None
    review_count: Annotated[int, BeforeValidator(_not_bool), Field(ge=0, le=REVIEW_COUNT_MAX)] | None = None
    accepting_new_patients: bool | None = None
    reviews: list[ReviewIn] = []
    social_links: list[str] = []  # links to social profiles the page carries: suggestions only

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


class SuggestionIn(_Clean):
    """A profile link the own website shows for the physician searched (a suggested known listing)."""

    source: Annotated[str, Field(pattern=SOURCE_KEY, max_length=40)]
    url: Url
    found_on: Url | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://\S+$", value):
            raise ValueError("must be an http(s) URL")
        return value


class SearchIn(_Record):
    kind: Literal["search"]
    npi: Annotated[str, Field(pattern=r"^\d{10}$")]
    query: str | None = None
    status: Literal["ok", "blocked", "error", "disallowed"]
    reason_code: Literal[tuple(REASON_CODES)] | None = None  # type: ignore[valid-type]
    reason: str | None = None
    results: list[Url] = []
    gone: list[Url] = []
    suggested: list[SuggestionIn] = []  # the own website's profile links for the physician (source "website")

    @model_validator(mode="after")
    def _code_fits_status(self):
        # A crawler names its code; a record written before codes existed (or by hand) gets the generic one.
        code = self.reason_code if self.reason_code is not None or self.status != "error" else "error"
        try:
            self.reason_code = reason_code_for(self.status, code)
        except ValueError as exc:
            raise ValueError(f"reason_code: {exc}") from None
        return self

    @field_validator("npi", mode="before")
    @classmethod
    def _as_text(cls, value):
        return None if value is None else str(value)


Count = Annotated[int, BeforeValidator(_not_bool), Field(ge=0, le=10_000_000_000)]


class SocialIn(_Record):
    """One social account's weekly snapshot; a status other than ok carries no numbers (unknown, not 0)."""

    kind: Literal["social"]
    account: Annotated[str, Field(min_length=1)]
    status: Literal["ok", "not_found", "suspended", "blocked", "error"]
    reason: str | None = None
    followers: Count | None = None
    following: Count | None = None
    posts: Count | None = None
    created_at: datetime | None = None
    last_own_post_at: datetime | None = None
    own_posts_28d: Count | None = None
    interactions_per_post: Annotated[float, BeforeValidator(_not_bool), Field(ge=0)] | None = None
    engagement_rate: Annotated[float, BeforeValidator(_not_bool), Field(ge=0)] | None = None
    bio: str | None = None
    follows_main: bool | None = None
    followed_by_main: bool | None = None

    @field_validator("created_at", "last_own_post_at")
    @classmethod
    def _moment(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _utc(value)

    @model_validator(mode="after")
    def _numbers_only_when_read(self):
        if self.status != "ok":
            held = [name for name in ("followers", "following", "posts", "own_posts_28d", "last_own_post_at")
                    if getattr(self, name) is not None]
            if held:
                raise ValueError(f"status: a {self.status!r} snapshot carries no numbers (it has {', '.join(held)})")
        return self


Record = ListingIn | SearchIn | SocialIn


class RecordError(ValueError):
    """One record that cannot be stored, with where and why."""

    def __init__(self, reason: str, *, field: str | None = None, line: int | None = None, path: str | None = None):
        self.reason, self.field, self.line, self.path = reason, field, line, path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.path, self.line) if p is not None)
        what = f"{self.field}: {self.reason}" if self.field else self.reason
        return f"{where}: {what}" if where else what


@dataclass(frozen=True)
class Cut:
    """A text or list longer than its limit, cut: where, and how much was kept of how much."""

    field: str  # with list positions: "reviews.3.author"
    kept: int
    had: int
    unit: str  # "characters" or "items"
    line: int | None = None
    path: str | None = None

    @property
    def key(self) -> str:
        """The field without list positions ("reviews.author"): a key of TEXT_LIMITS or LIST_LIMITS."""
        return re.sub(r"\.\d+", "", self.field)

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.path, self.line) if p is not None)
        what = f"{self.field}: cut to {self.kept:,} of {self.had:,} {self.unit}"
        return f"{where}: {what}" if where else what


def check_record(data: object, *, now: datetime | None = None) -> tuple[Record, list[Cut]]:
    """A validated record with its over-long values cut, and the cuts; or RecordError naming the first
    bad field. ``now``: the clock that dates may not run more than a day ahead of (default: the real one)."""
    if not isinstance(data, dict):
        raise RecordError("a record must be a JSON object")
    kind = data.get("kind")
    model = {"listing": ListingIn, "search": SearchIn, "social": SocialIn}.get(kind)  # type: ignore[arg-type]
    if model is None:
        raise RecordError(f"must be 'listing', 'search' or 'social', not {_shown(kind)}", field="kind")
    try:
        record = model.model_validate(data, context={"now": now})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise RecordError(_reason(first), field=field) from None
    cuts: list[Cut] = []
    _cut(record, "", "", cuts)
    if isinstance(record, SearchIn) and record.status == "ok" and any(c.key == "results" for c in cuts):
        record.status = "error"
        record.reason_code = "incomplete"
        record.reason = f"more results than the {LIST_LIMITS['results']:,} kept: not all of them were looked at"
    return record, cuts


def parse_record(data: object, *, now: datetime | None = None) -> Record:
    """A validated record (over-long values cut), or RecordError naming the first bad field."""
    return check_record(data, now=now)[0]


def _cut(value, key: str, where: str, cuts: list[Cut]):
    """``value`` with each text and list longer than its field's limit cut to it; the cuts go to ``cuts``.
    ``key`` is the field's name in the limits ("reviews.author"), ``where`` its place ("reviews.3.author")."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            inner = getattr(value, name)
            cut = _cut(inner, f"{key}.{name}".lstrip("."), f"{where}.{name}".lstrip("."), cuts)
            if cut is not inner:
                setattr(value, name, cut)
        return value
    if isinstance(value, list):
        limit = LIST_LIMITS.get(key)
        if limit is not None and len(value) > limit:
            cuts.append(Cut(where, limit, len(value), "items"))
            value = value[:limit]
        return [_cut(item, key, f"{where}.{i}", cuts) for i, item in enumerate(value)]
    limit = TEXT_LIMITS.get(key)
    if isinstance(value, str) and limit is not None and len(value) > limit:
        cuts.append(Cut(where, limit, len(value), "characters"))
        return value[:limit]
    return value


def _reason(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("value_error", "missing"):  # ours say what was wrong; a missing field has no value
        return message
    return f"{message} (got {_shown(error['input'])})"


def _shown(value: object, chars: int = 60) -> str:
    """A value as it was written in the JSON, shortened: an error message quotes what it refused.
    A lone surrogate (JSON allows "\\ud800") is escaped: no console or file can print it."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= chars else text[:chars] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass
class JsonlLine:
    line: int
    record: Record | None
    error: RecordError | None
    cuts: tuple[Cut, ...] = ()


def read_jsonl(path: Path, *, now: datetime | None = None) -> Iterator[JsonlLine]:
    """Every non-blank line of a JSON-lines file, validated; bad lines carry their error, cut ones their cuts."""
    now = now or datetime.now(UTC)
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
                record, cuts = check_record(json.loads(text), now=now)
            except json.JSONDecodeError as exc:
                yield JsonlLine(number, None, RecordError(f"not valid JSON ({exc.msg})", line=number, path=str(path)))
            except RecordError as exc:
                exc.line, exc.path = number, str(path)
                yield JsonlLine(number, None, exc)
            else:
                yield JsonlLine(number, record, None, tuple(replace(c, line=number, path=str(path)) for c in cuts))


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"
