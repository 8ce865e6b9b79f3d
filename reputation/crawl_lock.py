"""One crawl of a database at a time, with locks the operating system releases when their holder dies.

A crawl that is killed (``kill -9``, a closed terminal, a reboot) never leaves a stale lock behind:

- PostgreSQL: a session advisory lock held on a connection of its own; the server drops it with the
  connection. Keyed by the schema the tables live in, so two repmon databases on one server do not meet.
- SQLite: an exclusive ``flock`` on a file beside the database file (``repmon.db.crawl.lock``); the kernel
  drops it with the process. The file itself stays and is harmless.

A database the lock cannot name (SQLite in memory) is one no other process can open: nothing to lock.
"""

from __future__ import annotations

import fcntl
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# The parent `repmon crawl` holds CRAWL for the whole run; its crawler child holds CRAWLER while it stores.
CRAWL = "crawl"
CRAWLER = "crawler"


class DatabaseLock:
    """An exclusive lock named ``name`` on the database of ``engine``: ``if lock.acquire(): ... lock.release()``."""

    def __init__(self, engine: Engine, name: str):
        self.engine = engine
        self.name = name
        self._file = None
        self._connection: Connection | None = None

    def acquire(self, wait: float = 0) -> bool:
        """Take the lock, trying for up to ``wait`` seconds; False when another process holds it."""
        deadline = time.monotonic() + wait
        while not self._try():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file drops the flock
            self._file = None
        if self._connection is not None:
            # Unlock first: the server ends a closed connection's session (and drops its locks) a moment
            # after the close, and a lock taken again at once would still find it held. Closing the
            # connection itself (not returning it to the pool) then ends the session.
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            except Exception:  # noqa: BLE001 - a broken connection: its session's end drops the lock
                pass
            self._connection.invalidate()
            self._connection.close()
            self._connection = None

    def __enter__(self) -> DatabaseLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def _try(self) -> bool:
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            return self._try_file()
        if dialect == "postgresql":
            return self._try_advisory()
        return True

    def _try_file(self) -> bool:
        path = lock_file(self.engine, self.name)
        if path is None:
            return True
        handle = open(path, "a+b")  # noqa: SIM115 - held open for as long as the lock is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def _try_advisory(self) -> bool:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(hashtextextended(:key || current_schema(), 0))"),
            {"key": f"repmon {self.name} "},
        ).scalar()
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True


def lock_file(engine: Engine, name: str) -> Path | None:
    """The lock file beside an SQLite database file, or None for a database in memory."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).resolve()
    return path.with_name(f"{path.name}.{name}.lock")
