"""Parse throughput per spider on saved pages: pages per second on one core.

Every saved page of a source (tests/files/SOURCE/*.html|*.json, and the real pages under
../shared/fixtures/real/SOURCE when present) is parsed the way a crawl does it, through the spider's
``parse_saved`` (profile, else search, else reviews), repeatedly for about a second per page. Reported per
source: pages, records made, and pages/s over all its pages (each page parsed for about a second).

Usage: bash benchmarks/run.sh parse
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("REPMON_SHARED") or REPO.parent / "shared")

from reputation.crawl import available_sources  # noqa: E402
from crawlers.parse import saved_response, spider_class  # noqa: E402

SECONDS_PER_PAGE = 1.0


def pages_of(source: str) -> list[Path]:
    found = []
    for folder in (REPO / "tests" / "files" / source, SHARED / "fixtures" / "real" / source):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir()
                            if p.suffix in (".html", ".json") and not p.name.endswith(".expected.json"))
    return found


def measure(source: str) -> dict:
    spider = spider_class(source).for_parsing()
    pages, records, seconds = 0, 0, 0.0
    for path in pages_of(source):
        body = path.read_bytes()
        made = len(spider.parse_saved(saved_response(path)))
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < SECONDS_PER_PAGE:
            response = saved_response(path)  # a fresh response each time: no cached selector
            spider.parse_saved(response)
            count += 1
        elapsed = time.perf_counter() - started
        pages += count
        seconds += elapsed
        records += made
        print(f"  {source:<13} {path.name:<45} {len(body) / 1024:>7.0f} KB {count / elapsed:>9.1f} pages/s  {made} records")
    return {"source": source, "saved_pages": len(pages_of(source)), "records": records,
            "pages_per_second": round(pages / seconds, 1) if seconds else None}


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    results = [measure(source) for source in available_sources()]
    print(f"\n{'source':<14}{'saved pages':>12}{'pages/s':>10}")
    for r in results:
        print(f"{r['source']:<14}{r['saved_pages']:>12}{r['pages_per_second'] or '-':>10}")
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "parse.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
