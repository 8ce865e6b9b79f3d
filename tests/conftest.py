"""Shared fixtures: a fresh database per test, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PG_SERVER = os.environ.get("REPMON_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        with create_engine(PG_SERVER).connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:
        return False


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'repmon.db'}"


@pytest.fixture
def pg_url():
    """A schema of its own on the real server, dropped afterwards."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_SERVER}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER}")
    schema = f"repmon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The same test on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'repmon.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url):
    from reputation.db import get_engine

    return get_engine(db_url)


@pytest.fixture(scope="module")
def server(world):
    """The sandbox sites serving the test module's ``world`` (a module without one defines its own server)."""
    from reputation.sandbox.server import SandboxServer

    with SandboxServer(world) as running:
        yield running
