"""Database engine and schema migrations.

The database is chosen by ``--db URL`` or ``REPMON_DB``; the default is ``sqlite:///repmon.db`` in the
working directory. The schema is owned by Alembic migrations so a user's database survives upgrades.
Commands open it with ``open_database``, which turns what a user can get wrong about it (URL, path, a
read-only or outdated or newer database, an unreachable server) into a DatabaseProblem saying so.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import create_engine

DEFAULT_DB = "sqlite:///repmon.db"
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("REPMON_DB") or DEFAULT_DB


def _normalize_url(url: str) -> str:
    # psycopg 3 is the PostgreSQL driver we install; accept the plain scheme users paste.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def get_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine for ``url`` with the schema brought up to date."""
    engine = _engine(_normalize_url(database_url(url)))
    if migrate:
        upgrade(engine)
    return engine


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # the crawler process writes while the CLI reads
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


_migrated: set[str] = set()


def upgrade(engine: Engine) -> None:
    key = str(engine.url)
    if key in _migrated:
        return
    command.upgrade(alembic_config(engine), "head")
    _migrated.add(key)


# -- the database a command names -----------------------------------------------------------------------------
class DatabaseProblem(Exception):
    """The database a command names cannot be used as it is; the message says which one, why and what to do."""


def open_database(url: str | None = None, *, create: bool) -> Engine:
    """The engine for ``--db``/``REPMON_DB``, checked and with its schema brought up to date.

    ``create=False`` is for the commands that only read: the database must exist already and is not written to
    when its schema is current, so a read-only one works (a read-only SQLite file in a read-only folder is
    opened as immutable: SQLite cannot make the WAL index file next to it). ``create=True`` is for the commands
    that write: a new SQLite file is made, in a folder that must exist. Raises DatabaseProblem.
    """
    url = _parse(database_url(url))
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, create)
    engine = _engine(_normalize_url(url.render_as_string(hide_password=False)))
    try:
        try:
            current = _revision(engine)
        except DBAPIError as exc:
            if create or path is None or not _cannot_open_read_only(exc, path):
                raise
            engine = _engine(_immutable(url, path).render_as_string(hide_password=False))
            current = _revision(engine)
    except DBAPIError as exc:
        if create and path is not None and path.exists() and _cannot_open_read_only(exc, path):
            raise DatabaseProblem(f"the database {path} is read-only here ({reason(exc)}) and this command "
                                  "writes to it") from None
        raise DatabaseProblem(f"cannot open the database {describe(url)}: {reason(exc)}") from None
    script = ScriptDirectory.from_config(alembic_config(engine))
    head = script.get_current_head()
    if current == head:
        return engine
    if current is None and not create:
        raise DatabaseProblem(f"no repmon database at {describe(url)}: it has no repmon tables "
                              "(check --db or REPMON_DB; `repmon roster import FILE` sets one up)")
    if current is not None and current not in {r.revision for r in script.walk_revisions()}:
        raise DatabaseProblem(f"the database {describe(url)} was written by a newer repmon (schema revision "
                              f"{current}; this repmon knows up to {head}): upgrade repmon to use it")
    try:
        command.upgrade(alembic_config(engine), "head")
    except DBAPIError as exc:
        if not is_read_only(exc):
            raise
        raise DatabaseProblem(f"the database {describe(url)} needs a schema upgrade for this repmon ({current} → "
                              f"{head}) but is read-only here: run a writing command such as `repmon match` once "
                              "with write access") from None
    return engine


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (plain or ``file:`` URI form), None for in-memory and other databases."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = url.database
    if url.query.get("uri") == "true" and database.startswith("file:"):
        if url.query.get("mode") == "memory" or database.startswith("file::memory:"):
            return None
        database = unquote(re.sub(r"^file:(//[^/]*)?", "", database))
    return Path(database).absolute()


def describe(url: URL) -> str:
    """The database as a user would name it, without a password."""
    path = sqlite_path(url)
    return str(path) if path is not None else url.render_as_string(hide_password=True)


def reason(exc: DBAPIError) -> str:
    """The database's own words, first line (SQLAlchemy's adds the statement and a link)."""
    return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]


def is_read_only(exc: BaseException) -> bool:
    """Whether a database refused a write because it is read-only for us (file, folder, mode or role)."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == 8  # SQLITE_READONLY and its extended codes
    return getattr(orig, "sqlstate", None) in ("25006", "42501")  # read-only transaction, insufficient privilege


def _parse(text: str) -> URL:
    """The URL as the user gave it (the engine gets the driver we install), or DatabaseProblem."""
    shown = re.sub(r":[^:@/]*@", ":***@", text)
    try:
        url = make_url(text)
        dialect = make_url(_normalize_url(text)).get_dialect()
    except NoSuchModuleError:  # an ArgumentError too
        raise DatabaseProblem(f"--db {shown!r}: repmon works with sqlite:///PATH or postgresql://USER@HOST/NAME, "
                              f"not {text.split(':', 1)[0]!r}") from None
    except ArgumentError:
        raise DatabaseProblem(f"--db {shown!r} is not a database URL: give sqlite:///PATH for a SQLite file or "
                              "postgresql://USER@HOST/NAME") from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise DatabaseProblem(f"--db {shown!r}: the database driver is not installed ({exc})") from None
    return url


def _check_sqlite_file(path: Path, create: bool) -> None:
    if path.is_dir():
        raise DatabaseProblem(f"--db names a folder, not a database file: {path}")
    if not create and not path.exists():
        raise DatabaseProblem(f"no repmon database at {path} (check --db or REPMON_DB; "
                              "`repmon roster import FILE` creates one)")
    if create and not path.parent.is_dir():
        raise DatabaseProblem(f"cannot create the database {path}: the folder {path.parent} does not exist")


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _cannot_open_read_only(exc: DBAPIError, path: Path) -> bool:
    """SQLite refused to open a WAL database only because it may not make its index file next to it; reading
    it immutable is then safe unless the write-ahead log holds changes not yet in the file."""
    code = getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF
    wal = path.with_name(path.name + "-wal")
    return code in (8, 14) and not (wal.exists() and wal.stat().st_size)  # SQLITE_READONLY, SQLITE_CANTOPEN


def _immutable(url: URL, path: Path) -> URL:
    return url.set(database="file:" + quote(str(path)), query={**url.query, "immutable": "1", "uri": "true"})
