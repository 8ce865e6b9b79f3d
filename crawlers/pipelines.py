"""Item pipelines: stamp crawl context onto records, then store them in the repmon database.

Spiders parse without a clock or settings; the context of a run (when, which run) is added here, once.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

PROGRESS_PREFIX = "REPMON-PROGRESS "  # read by the parent `repmon crawl` process (reputation.crawl)


def crawl_time(value: str | datetime | None) -> datetime:
    """The crawl time as an aware UTC datetime: ``value`` (ISO 8601; naive means UTC) or now."""
    if value is None or value == "":
        return datetime.now(UTC)
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def run_id(value) -> int | None:
    if value is None or value == "" or value == "None":
        return None
    return int(value)


_ENGINES: dict = {}


def _engine(url: str):
    """One engine (and one schema check) per database for all the spiders of a process."""
    if url not in _ENGINES:
        # Imported here, not at module level: the crawler package must not need the database to load.
        from reputation.db import get_engine

        _ENGINES[url] = get_engine(url)
    return _ENGINES[url]


def announce(progress: dict) -> None:
    """One progress line for the parent process; once the parent is gone (a broken pipe), nothing more."""
    try:
        sys.stdout.write(PROGRESS_PREFIX + json.dumps(progress) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The crawl is being stopped (the child dies with its parent); the records are stored all the same.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class StampPipeline:
    """Sets ``crawled_at`` (REPMON_CRAWL_TIME or now, UTC) and ``run_id`` (REPMON_RUN_ID) on every record."""

    def __init__(self, crawled_at: datetime | None, run_id: int | None):
        # A fixed REPMON_CRAWL_TIME stamps the whole run alike (the demo replays past weeks);
        # without it each record gets the moment it was scraped.
        self.fixed_time = crawled_at
        self.run_id = run_id

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        fixed = settings.get("REPMON_CRAWL_TIME")
        return cls(crawl_time(fixed) if fixed else None, run_id(settings.get("REPMON_RUN_ID")))

    def process_item(self, item, spider=None):
        if not item.get("crawled_at"):
            item["crawled_at"] = (self.fixed_time or datetime.now(UTC)).isoformat()
        if item.get("run_id") is None:
            item["run_id"] = self.run_id
        return item


class DatabasePipeline:
    """Stores records in batches through ``reputation.store.store_records`` when REPMON_DB is set.

    Batches keep transactions short so an interrupted crawl keeps what it stored. Each search record
    is also announced on stdout (``REPMON-PROGRESS {json}``) for the parent process's progress bar.
    Each record is checked first (``reputation.records``): a refused one is logged and counted
    (``repmon/records/refused``), a value cut to its limit too (``repmon/records/cut/FIELD``).
    """

    BATCH_SIZE = 50

    def __init__(self, db_url: str, run_id: int | None, stats=None, clock=None):
        self.db_url = db_url
        self.run_id = run_id
        self.stats = stats
        self.clock = clock or (lambda: datetime.now(UTC))  # what a record's dates may not run ahead of
        self.buffer: list = []
        self.engine = None

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("REPMON_DB")
        if not url:
            raise NotConfigured("REPMON_DB is not set: records are only written to the feed")
        return cls(url, run_id(crawler.settings.get("REPMON_RUN_ID")), crawler.stats)

    def open_spider(self, spider=None):
        self.engine = _engine(self.db_url)

    def process_item(self, item, spider=None):
        from reputation.records import RecordError, check_record  # like the store: spiders load without it

        record = dict(item)
        if record.get("kind") == "search":
            progress = {"source": record.get("source"), "npi": record.get("npi"), "status": record.get("status"),
                        "reason": record.get("reason"), "results": len(record.get("results") or [])}
            announce(progress)
        try:
            checked, cuts = check_record(record, now=self.clock())
        except RecordError as exc:
            logger.error("record refused (%s): %s", _which(record), exc)
            self._inc("repmon/records/refused")
            return item
        for cut in cuts:
            logger.warning("record cut (%s): %s", _which(record), cut)
            self._inc("repmon/records/cut")
            self._inc(f"repmon/records/cut/{cut.key}")
        self.buffer.append(checked)
        if len(self.buffer) >= self.BATCH_SIZE:
            self.flush()
        return item

    def close_spider(self, spider=None):
        self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        from reputation.store import store_records

        batch, self.buffer = self.buffer, []
        try:
            store_records(self.engine, batch, run_id=self.run_id)
            self._inc("repmon/db/stored", len(batch))
        except Exception:
            # One bad record must not cost the other 49: retry them one by one and count the rejects.
            logger.exception("storing a batch of %d records failed; storing them one by one", len(batch))
            for record in batch:
                try:
                    store_records(self.engine, [record], run_id=self.run_id)
                    self._inc("repmon/db/stored")
                except Exception as exc:
                    logger.error("record rejected (%s): %s", _which(dict(record)), exc)
                    self._inc("repmon/db/rejected")

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)


def _which(record: dict) -> str:
    """A record's kind, source and URL or NPI, for the log; shortened, as they may be anything."""
    return " ".join(str(v)[:200] for v in (record.get("kind"), record.get("source"), record.get("url") or record.get("npi")))
