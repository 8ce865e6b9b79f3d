"""The crawler's store: the item pipeline ``repmon crawl`` hands to the spiders (ITEM_PIPELINES).

Records are checked (``reputation.records``) and stored in batches (``reputation.store``) as the spiders
yield them, so an interrupted crawl keeps what it stored; each search is announced to the parent process.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy.exceptions import NotConfigured

from crawlers.pipelines import announce, run_id
from reputation.db import get_engine
from reputation.records import RecordError, check_record
from reputation.store import store_records

logger = logging.getLogger(__name__)

PIPELINE = "reputation.crawl_store.DatabasePipeline"  # its place in ITEM_PIPELINES: after the stamp (100)
ORDER = 800

_ENGINES: dict = {}


def _engine(url: str):
    """One engine (and one schema check) per database for all the spiders of a process."""
    if url not in _ENGINES:
        _ENGINES[url] = get_engine(url)
    return _ENGINES[url]


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
        record = dict(item)
        if record.get("kind") == "search":
            progress = {"source": record.get("source"), "npi": record.get("npi"), "status": record.get("status"),
                        "reason_code": record.get("reason_code"), "reason": record.get("reason"),
                        "results": len(record.get("results") or [])}
            announce(progress)
        elif record.get("kind") == "social":  # one account read: "found" when read ok
            announce({"source": record.get("source"), "npi": record.get("account"), "status": record.get("status"),
                      "reason": record.get("reason"), "results": int(record.get("status") == "ok")})
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
