"""Listings a person already knows: ``repmon listings add`` and ``repmon listings import-urls``.

A health system knows many of its physicians' profiles (it claimed them, or found them by hand). Each is
stored as a ``KnownListing`` with the person's word, ``confirmed``: the crawl revisits it every week,
fetching the profile directly (so also where the site's search is disallowed by robots.txt, blocked or
changed), and the matcher ties the listing to that NPI (method ``known``). A matcher never overrides a
person; a person's own ``repmon match confirm|reject`` of the listing stands over this one too.

Profile links the own website shows for a physician are stored as ``suggested``: nothing is assumed of
them until a person confirms (``repmon listings confirm``) or rejects (``repmon listings reject``) them.
A rejected suggestion is never suggested again.

Adding and importing are runs (``repmon runs list``), so ``repmon runs undo`` takes an import back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crawlers.sources import Source, keys, sources
from reputation.models import KnownListing, Physician
from reputation.normalize import is_valid_npi
from reputation.roster_file import RosterError, RowError, numbered_rows, text_encodings, undecodable
from reputation.runs import Journal, finish_run, start_run

COLUMNS = ("npi", "source", "url")
RUN_KIND = "known_listings"
HOW = ("user", "import", "website")
DECISIONS = ("confirmed", "suggested", "rejected")


class KnownListingError(ValueError):
    """A listing that cannot be added (or decided on), with the reason in words."""


def url_key(url: str) -> str:
    """The form two addresses of one profile share: no fragment, no trailing slash, host in lower case
    without "www.", http and https alike."""
    parts = urlsplit(url.strip())
    host = (parts.netloc or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return urlunsplit(("https", host, parts.path.rstrip("/"), parts.query, ""))


def _sandbox_prefix(sandbox_url: str | None, source: str) -> str | None:
    return f"{sandbox_url.rstrip('/')}/{source}/" if sandbox_url else None


def url_problem(source: Source, url: str, sandbox_url: str | None = None) -> str | None:
    """Why ``url`` is not a profile address of ``source`` (None when it is)."""
    prefix = _sandbox_prefix(sandbox_url, source.key)
    if prefix and url.startswith(prefix):
        return None
    if not urlsplit(url).scheme:
        return "not a web address (it must start with https://)"
    if source.is_listing_url(url):
        return None
    if not source.listing_domains:
        return f"{source.key} has no fixed site (its address is a setting of yours): known listings are not kept for it"
    return f"not an address on {source.label}'s site ({', '.join(source.listing_domains)})"


@dataclass
class KnownImport:
    run_id: int | None = None
    added: int = 0
    confirmed: int = 0  # suggestions a person's import confirmed
    already: int = 0  # lines naming a listing already known for that physician

    def describe(self) -> str:
        parts = [f"{self.added} known listing(s) added"]
        if self.confirmed:
            parts.append(f"{self.confirmed} suggestion(s) confirmed")
        if self.already:
            parts.append(f"{self.already} already known")
        return "; ".join(parts) + (f"; stored as run {self.run_id} (`repmon runs undo {self.run_id}` takes it back)"
                                   if self.run_id else "")


@dataclass
class _Wanted:
    line: int
    npi: str
    source: str
    url: str


@dataclass
class _Checked:
    rows: list[_Wanted] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def add_known_listing(engine: Engine, source: str, url: str, npi: str, *, sandbox_url: str | None = None,
                      now: datetime | None = None) -> KnownImport:
    """``repmon listings add``: one listing, by a person's word. Raises ``KnownListingError`` saying why not."""
    checked = _Checked()
    _check(engine, [(0, {"npi": npi, "source": source, "url": url})], "listing", checked, sandbox_url)
    if checked.errors:
        raise KnownListingError("; ".join(f"{e.column}: {e.reason}" + (f" ({e.value})" if e.value else "")
                                          for e in checked.errors))
    return _store(engine, checked.rows, "user", "repmon listings add", now)


def import_known_urls(engine: Engine, path: Path, *, sandbox_url: str | None = None,
                      now: datetime | None = None) -> KnownImport:
    """``repmon listings import-urls FILE.csv`` (columns npi, source, url): every line is checked first and
    any bad line stores nothing (``RosterError`` names each by file, line, column and reason)."""
    if not path.is_file():
        raise RosterError(f"{path}: no such file")
    encodings = text_encodings(path)
    for n, (encoding, _warning) in enumerate(encodings, start=1):
        try:
            with path.open(newline="", encoding=encoding) as handle:
                rows = _read(handle, path.name)
            break
        except UnicodeDecodeError:
            if n == len(encodings):
                raise undecodable(path, encoding) from None
    checked = _Checked()
    _check(engine, rows, path.name, checked, sandbox_url)
    if checked.errors:
        raise RosterError(f"{path.name}: {len(checked.errors)} problem(s), so nothing was imported.", checked.errors)
    if not checked.rows and not rows:
        raise RosterError(f"{path.name} has a header but no rows")
    return _store(engine, checked.rows, "import", str(path), now)


def _read(handle: TextIO, filename: str) -> list[tuple[int, dict]]:
    rows = numbered_rows(handle, filename)
    first = next(rows, None)
    if first is None:
        raise RosterError(f"{filename} is empty: the first row must be the header ({', '.join(COLUMNS)})")
    _, header, shape = first
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if shape or missing:
        raise RosterError(f"{filename}: the header must name the columns {', '.join(COLUMNS)}"
                          + (f" (missing: {', '.join(missing)})" if missing else ""), shape)
    found, errors = [], []
    for line, cells, shape_errors in rows:
        if shape_errors:
            errors += shape_errors
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names)}
        found.append((line, values))
    if errors:
        raise RosterError(f"{filename}: {len(errors)} row(s) are not one line of {len(header)} values each, so nothing "
                          "was imported.", errors)
    return found


def _check(engine: Engine, rows: list[tuple[int, dict]], filename: str, checked: _Checked,
           sandbox_url: str | None) -> None:
    by_key = {s.key: s for s in sources()}
    with Session(engine) as session:
        roster = set(session.exec(select(Physician.npi)).all())
        known = session.exec(select(KnownListing)).all()
    confirmed_by_url = {(k.source, url_key(k.url)): k for k in known if k.decision == "confirmed"}
    rejected = {(k.source, url_key(k.url), k.npi): k for k in known if k.decision == "rejected"}
    seen: dict[tuple[str, str], int] = {}
    for line, values in rows:
        npi, source, url = values.get("npi", ""), values.get("source", "").lower(), values.get("url", "")

        def bad(column: str, reason: str, value: str = "") -> None:
            checked.errors.append(RowError(filename, line, column, reason, value))

        before = len(checked.errors)
        if not npi:
            bad("npi", "is empty")
        elif not is_valid_npi(npi):
            bad("npi", "not a valid NPI (10 digits with the right check digit)", npi)
        elif npi not in roster:
            bad("npi", "not on the roster (import the roster first)", npi)
        if source not in by_key:
            bad("source", f"unknown source; sources: {', '.join(keys())}", values.get("source", ""))
        if not url:
            bad("url", "is empty")
        elif source in by_key:
            problem = url_problem(by_key[source], url, sandbox_url)
            if problem:
                bad("url", problem, url)
        if len(checked.errors) > before:
            continue
        key = (source, url_key(url))
        if key in seen:
            bad("url", f"duplicate of line {seen[key]}", url)
            continue
        seen[key] = line
        other = confirmed_by_url.get(key)
        if other is not None and other.npi != npi:
            bad("url", f"already known as the listing of NPI {other.npi}", url)
            continue
        if (*key, npi) in rejected:
            when = rejected[(*key, npi)].decided_at
            bad("url", f"a person rejected it for this physician{' on ' + when.date().isoformat() if when else ''}; "
                       "`repmon listings confirm` changes that", url)
            continue
        checked.rows.append(_Wanted(line, npi, source, url.strip()))


def _store(engine: Engine, rows: list[_Wanted], how: str, input: str, now: datetime | None) -> KnownImport:
    """All rows in one transaction, as one run: nothing half-stored."""
    now = now or datetime.now(UTC)
    run = start_run(engine, RUN_KIND, input=input, sources=sorted({r.source for r in rows}))
    result = KnownImport(run_id=run.id)
    status = "failed"
    try:
        journal = Journal(run.id)
        with Session(engine) as session:
            existing = {(k.source, url_key(k.url), k.npi): k for k in session.exec(select(KnownListing)).all()}
            for row in rows:
                current = existing.get((row.source, url_key(row.url), row.npi))
                if current is None:
                    session.add(KnownListing(npi=row.npi, source=row.source, url=row.url, how=how, decision="confirmed",
                                             added_at=now, decided_at=now, run_id=run.id))
                    result.added += 1
                elif current.decision == "confirmed":
                    result.already += 1
                else:  # a suggestion of the own website: the person's word confirms it
                    journal.changed(current, {"decision": current.decision, "decided_at": current.decided_at,
                                              "how": current.how})
                    current.decision, current.decided_at, current.how = "confirmed", now, how
                    session.add(current)
                    result.confirmed += 1
            session.flush()
            journal.write(session)
            session.commit()
        status = "finished"
    finally:
        finish_run(engine, run.id, status, {"added": result.added, "confirmed": result.confirmed,
                                             "already": result.already})
    return result


# -- what the crawl and the matcher read -------------------------------------------------------------------


def confirmed_urls(engine: Engine, source: str) -> dict[str, list[str]]:
    """NPI -> the confirmed known listing URLs on ``source``, to revisit every week."""
    with Session(engine) as session:
        rows = session.exec(select(KnownListing.npi, KnownListing.url).where(
            KnownListing.source == source, KnownListing.decision == "confirmed").order_by(KnownListing.url)).all()
    found: dict[str, list[str]] = {}
    for npi, url in rows:
        found.setdefault(npi, []).append(url)
    return found


def confirmed_by_url(engine_or_connection) -> dict[tuple[str, str], KnownListing]:
    """(source, url_key) -> the confirmed known listing: the person's word the matcher takes."""
    table = KnownListing.__table__
    query = select(table).where(table.c.decision == "confirmed")
    if isinstance(engine_or_connection, Engine):
        with engine_or_connection.connect() as connection:
            rows = connection.execute(query).all()
    else:
        rows = engine_or_connection.execute(query).all()
    return {(r.source, url_key(r.url)): KnownListing(**r._mapping) for r in rows}


# -- suggestions of the own website: a person decides ------------------------------------------------------


def suggestions(engine: Engine) -> list[dict]:
    """The suggested known listings waiting for a person, by physician and source."""
    with Session(engine) as session:
        rows = session.exec(select(KnownListing, Physician).join(Physician, Physician.npi == KnownListing.npi)
                            .where(KnownListing.decision == "suggested")
                            .order_by(KnownListing.npi, KnownListing.source, KnownListing.url)).all()
        return [{"npi": k.npi, "physician": f"{p.first_name} {p.last_name}", "source": k.source, "url": k.url,
                 "found_on": k.found_on or "", "suggested_on": k.added_at.date().isoformat()} for k, p in rows]


def decide_suggestion(engine: Engine, url: str, npi: str, confirm: bool, *, now: datetime | None = None) -> KnownListing:
    """A person confirms (revisited weekly and matched to ``npi`` from now on) or rejects (never suggested
    again) the listing at ``url`` for ``npi``. The decision is theirs: it carries no run, so undoing the crawl
    that suggested it keeps it. Raises ``KnownListingError`` when there is no such known listing."""
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        rows = [k for k in session.exec(select(KnownListing).where(KnownListing.npi == npi)).all()
                if url_key(k.url) == url_key(url)]
        if not rows:
            raise KnownListingError(f"no known or suggested listing {url} for NPI {npi} (see `repmon listings review`; "
                                    "`repmon listings add` adds one)")
        if confirm:
            other = [k for k in session.exec(select(KnownListing).where(
                KnownListing.source == rows[0].source, KnownListing.decision == "confirmed", KnownListing.npi != npi)).all()
                     if url_key(k.url) == url_key(url)]
            if other:
                raise KnownListingError(f"{url} is already known as the listing of NPI {other[0].npi}")
        for row in rows:
            row.decision, row.decided_at, row.run_id = ("confirmed" if confirm else "rejected"), now, None
            session.add(row)
        session.commit()
        session.refresh(rows[0])
        return rows[0]
