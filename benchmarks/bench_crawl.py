"""Crawl benchmark: the full repmon crawl of a large sandbox world versus a bare Scrapy spider.

The full run is ``repmon crawl`` as users run it (targets from the database, spiders in a child process,
parsing, the pipeline storing every record in SQLite, the summary and coverage at the end). The sandbox
records every request it answered; a bare Scrapy spider then requests exactly those URLs (same methods,
bodies and headers) with the same settings (robots.txt, per-site download slots, concurrency, no delay)
and does nothing with the answers. Both are timed end to end, process start included, against the same
sandbox server. Target: full <= 1.5 x bare. It also times building a 5,000-physician sandbox world (the
tests use large worlds; target: under 15 s).

Usage: bash benchmarks/run.sh crawl   (or: python benchmarks/bench_crawl.py --size 400 --sources healthgrades nppes)
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reputation.crawl import CrawlOptions, available_sources, run_crawl  # noqa: E402
from reputation.db import get_engine  # noqa: E402
from reputation.roster import import_roster  # noqa: E402
from reputation.sandbox.server import SandboxServer  # noqa: E402
from reputation.sandbox.world import World  # noqa: E402

CONCURRENCY = 8
WORLD_BUILD_SIZE = 5000
WORLD_BUILD_TARGET = 15.0  # seconds

BARE_SPIDER = '''
import json, sys
import scrapy

class Bare(scrapy.Spider):
    name = "bare"
    custom_settings = {"ITEM_PIPELINES": {}, "DOWNLOADER_MIDDLEWARES": {}}

    def __init__(self, requests=None, base=None, **kwargs):
        super().__init__(**kwargs)
        self.requests_path, self.base = requests, base

    async def start(self):
        with open(self.requests_path) as handle:
            for method, path, body, headers in json.load(handle):
                source = path.lstrip("/").split("/", 1)[0]
                yield scrapy.Request(self.base + path, method=method, body=body.encode(), headers=headers,
                                     dont_filter=True, callback=self.done, errback=self.failed,
                                     meta={"download_slot": "sandbox/" + source,
                                           "handle_httpstatus_all": True})

    def done(self, response):
        self.crawler.stats.inc_value("bare/answered")

    def failed(self, failure):
        self.crawler.stats.inc_value("bare/failed")
'''


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=400, help="physicians in the sandbox world")
    parser.add_argument("--sources", nargs="*", default=None, help="default: every source")
    args = parser.parse_args()
    sources = args.sources or available_sources()

    started = time.perf_counter()
    World(size=WORLD_BUILD_SIZE)
    world_build = time.perf_counter() - started

    work = Path(tempfile.mkdtemp(prefix="repmon-bench-crawl-"))
    world = World(size=args.size)
    rows = world.roster_rows()
    with open(work / "roster.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    engine = get_engine(f"sqlite:///{work / 'bench.db'}")
    import_roster(engine, work / "roster.csv")

    with SandboxServer(world, record=True) as server:
        options = CrawlOptions(sources=sources, sandbox_url=server.url, delay=0,
                               crawl_time=datetime(2026, 11, 16, 9, tzinfo=UTC),
                               settings={"CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY, "LOG_LEVEL": "WARNING"})
        started = time.perf_counter()
        run = run_crawl(engine, options)
        full = time.perf_counter() - started
        recorded = [(m, p, b.decode("utf-8", "replace"), h) for m, p, b, h in server.recorded]
        (work / "requests.json").write_text(json.dumps(recorded))
        (work / "bare.py").write_text(BARE_SPIDER)

        command = [sys.executable, "-m", "scrapy", "runspider", str(work / "bare.py"),
                   "-a", f"requests={work / 'requests.json'}", "-a", f"base={server.url}",
                   "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                   "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}", "-s", "LOG_LEVEL=WARNING",
                   "-s", "ROBOTSTXT_OBEY=True", "-s", "RETRY_ENABLED=False"]
        started = time.perf_counter()
        bare_run = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                                  env={"SCRAPY_SETTINGS_MODULE": "crawlers.settings", "PATH": "/usr/bin:/bin",
                                       "PYTHONPATH": str(REPO)})
        bare = time.perf_counter() - started
        if bare_run.returncode != 0:
            sys.exit(f"bare spider failed:\n{bare_run.stderr[-3000:]}")

    summary = run.summary["sources"]
    result = {
        "world_physicians": args.size,
        "sources": sources,
        "requests": len(recorded),
        "searches": sum(s["searched"] for s in summary.values()),
        "profiles": sum(s["profiles"] for s in summary.values()),
        "full_seconds": round(full, 2),
        "bare_seconds": round(bare, 2),
        "ratio": round(full / bare, 2),
        "target_ratio": 1.5,
        "run_status": run.status,
        "world_build_physicians": WORLD_BUILD_SIZE,
        "world_build_seconds": round(world_build, 2),
        "world_build_target_seconds": WORLD_BUILD_TARGET,
    }
    print(f"{'':<18}{'seconds':>10}")
    print(f"{'full repmon crawl':<18}{full:>10.2f}   ({result['searches']} searches, {result['profiles']} profiles stored)")
    print(f"{'bare scrapy':<18}{bare:>10.2f}   ({len(recorded)} requests replayed)")
    print(f"ratio {result['ratio']} (target <= 1.5)")
    print(f"building a {WORLD_BUILD_SIZE:,}-physician sandbox world: {world_build:.1f} s (target < {WORLD_BUILD_TARGET:.0f} s)")
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "crawl.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
