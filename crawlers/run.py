"""Run several spiders in one Scrapy process: ``crawl(job)``, or ``python -m crawlers.run JOB.json``.

``repmon crawl`` runs this in a child process (``reputation.crawl_child``: Twisted's reactor cannot be
restarted, and a crawl must not take the CLI down with it), handing in its store pipeline and its lock
through ``prepare``. JOB.json: ``{"sources": [...], "targets": {source: path}, "settings": {...},
"parent_pid": N}``.

The child dies with its parent: a crawler nobody watches would go on crawling beside the next run. With
``parent_pid`` set, Linux sends it SIGTERM the moment the parent dies (``PR_SET_PDEATHSIG``), and on every
system a watchdog stops it within a second of noticing its parent changed. Either way it stops as after
Ctrl-C: the records of the current batch are stored, nothing is half-written. While it runs it holds the
database's crawler lock (taken by ``prepare``), so the next crawl waits for it to finish storing.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import sys
from collections.abc import Callable

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
WATCH_EVERY = 1.0  # seconds between two looks at the parent


def main(job_path: str, prepare: Callable | None = None) -> int:
    with open(job_path, encoding="utf-8") as handle:
        return crawl(json.load(handle), prepare)


def crawl(job: dict, prepare: Callable | None = None) -> int:
    """Crawl ``job``'s sources; ``prepare(settings)`` completes the settings first (a store pipeline) and
    what it returns (a lock) is held until the crawl ends."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    parent_pid = job.get("parent_pid")
    if parent_pid:
        # Set here rather than in a preexec function: the parent has threads (a progress bar), and a
        # preexec function runs between fork and exec, where a thread's lock can deadlock the child.
        die_with_parent()
        if os.getppid() != parent_pid:  # the parent died before that took effect
            print(f"repmon crawl (process {parent_pid}) is gone; not crawling", file=sys.stderr)
            return 1
    settings = get_project_settings()
    settings.setdict(job.get("settings", {}), priority="cmdline")
    held = prepare(settings) if prepare else None  # noqa: F841 - held until the process ends
    process = CrawlerProcess(settings)
    for source in job["sources"]:
        process.crawl(source, targets=job["targets"][source])
    if parent_pid:
        watch_parent(process, parent_pid)
    process.start()
    return 0


def die_with_parent() -> None:
    """Have the kernel send this process SIGTERM when its parent dies (Linux; elsewhere the watchdog does)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        logger.warning("could not ask to die with the parent process; the watchdog will stop the crawl")


def watch_parent(process, parent_pid: int) -> None:
    """Stop the crawl (cleanly: the batch in hand is stored) as soon as ``parent_pid`` is no longer our parent."""
    from twisted.internet import task

    def look() -> None:
        if os.getppid() != parent_pid:
            logger.warning("repmon crawl (process %s) is gone: stopping the crawl", parent_pid)
            watchdog.stop()
            process.stop()

    watchdog = task.LoopingCall(look)
    watchdog.start(WATCH_EVERY, now=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
