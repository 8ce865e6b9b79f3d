"""Item pipelines of the crawler: stamp the crawl context onto records, and announce each search.

Spiders parse without a clock or settings; the context of a run (when, which run) is added here, once.
Storing is not the crawler's business: ``repmon crawl`` hands a store pipeline in through ITEM_PIPELINES
(``reputation.crawl_store.DatabasePipeline``), so this package never imports the analysis package.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

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
