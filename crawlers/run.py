"""Run several spiders in one Scrapy process: ``python -m crawlers.run JOB.json``.

``repmon crawl`` starts this in a child process (Twisted's reactor cannot be restarted, and a crawl must
not take the CLI down with it). JOB.json: ``{"sources": [...], "targets": {source: path}, "settings": {...}}``.
"""

from __future__ import annotations

import json
import os
import sys


def main(job_path: str) -> int:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    settings = get_project_settings()
    settings.setdict(job.get("settings", {}), priority="cmdline")
    process = CrawlerProcess(settings)
    for source in job["sources"]:
        process.crawl(source, targets=job["targets"][source])
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
