"""Database engine and schema migrations.

The database is chosen by ``--db URL`` or ``REPMON_DB``; the default is ``sqlite:///repmon.db`` in the
working directory. The schema is owned by Alembic migrations so a user's database survives upgrades.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
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
