"""The crawler process of ``repmon crawl``: ``python -m reputation.crawl_child JOB.json``.

It runs the crawler (``crawlers.run``) with what the analysis side hands in: the store pipeline
(``reputation.crawl_store``) and the database's crawler lock, held while records may still be stored.
"""

from __future__ import annotations

import sys

from crawlers.run import main as run_crawler
from reputation.crawl_lock import CRAWLER, DatabaseLock
from reputation.crawl_store import ORDER, PIPELINE
from reputation.db import get_engine

LOCK_WAIT = 30.0  # seconds to wait for the crawler of an earlier, stopped crawl to store its last batch


def prepare(settings) -> DatabaseLock | None:
    """Hand the store in (when the job names a database) and take the crawler lock; the lock is returned
    so that the crawl holds it until the process ends."""
    url = settings.get("REPMON_DB")
    if not url:
        return None
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines[PIPELINE] = ORDER
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    lock = DatabaseLock(get_engine(url), CRAWLER)
    if not lock.acquire(wait=LOCK_WAIT):
        raise SystemExit("another crawler is storing into this database; not crawling beside it")
    return lock


if __name__ == "__main__":
    sys.exit(run_crawler(sys.argv[1], prepare))
