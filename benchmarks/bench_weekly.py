"""Weekly crawl benchmark: requests per physician per source, measured on the sandbox, and the week they take.

A sandbox world is crawled for several simulated weeks as ``repmon weekly`` does (crawl every source, match),
the world moving on a week between crawls. The sandbox counts the requests each site answered; before each
crawl ``repmon crawl --plan``'s estimate is taken too. The first week searches everybody; from the second on,
matched listings are revisited and physicians not found are searched on their rotation (one week in four).

From the measured requests per physician the weekly time at one request per second per site is extrapolated
to 1,000, 10,000 and 50,000 physicians (sites are crawled side by side: the slowest source is the week's
time). Target: 10,000 physicians fit a week (604,800 s) in the first week and the later ones.

Usage: bash benchmarks/run.sh weekly   (or: python benchmarks/bench_weekly.py --size 200 --weeks 5)
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reputation.crawl import CrawlOptions, available_sources, plan_crawl, run_crawl  # noqa: E402
from reputation.db import get_engine  # noqa: E402
from reputation.match import match_listings  # noqa: E402
from reputation.roster import import_roster  # noqa: E402
from reputation.sandbox.server import SandboxServer  # noqa: E402
from reputation.sandbox.world import World  # noqa: E402

WEEK = 7 * 24 * 3600
ROSTERS = (1_000, 10_000, 50_000)
START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200, help="physicians in the sandbox world")
    parser.add_argument("--weeks", type=int, default=5, help="simulated weekly crawls (the first and the later ones)")
    parser.add_argument("--sources", nargs="*", default=None, help="default: every source")
    args = parser.parse_args()
    sources = args.sources or available_sources()

    work = Path(tempfile.mkdtemp(prefix="repmon-bench-weekly-"))
    world = World(size=args.size)
    rows = world.roster_rows()
    with open(work / "roster.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    engine = get_engine(f"sqlite:///{work / 'bench.db'}")
    import_roster(engine, work / "roster.csv")
    physicians = len({row["npi"] for row in rows})  # the roster has a row per location

    weeks = []
    with SandboxServer(world) as server:
        for n in range(args.weeks):
            if n:
                server.advance()
            crawl_time = START + timedelta(weeks=n)
            planned = {p.source: p for p in plan_crawl(engine, sources, crawl_time=crawl_time, delay=1.0)}
            server.reset_counts()
            run = run_crawl(engine, CrawlOptions(sources=sources, sandbox_url=server.url, delay=0, crawl_time=crawl_time,
                                                 settings={"LOG_LEVEL": "WARNING"}))
            counts = server.request_counts
            match_listings(engine)
            weeks.append({
                "week": n + 1, "status": run.status,
                "sources": {s: {"requests": counts.get(s, 0), "planned": planned[s].requests - 1,  # robots.txt apart
                                "revisits": planned[s].revisits, "searches": planned[s].searches,
                                "later": planned[s].later} for s in sources},
            })
            print(f"week {n + 1}: {run.status}; requests " + ", ".join(f"{s} {counts.get(s, 0)}" for s in sources))

    def per_physician(selected: list[dict]) -> dict[str, float]:
        return {s: sum(w["sources"][s]["requests"] for w in selected) / len(selected) / physicians for s in sources}

    first, later = per_physician(weeks[:1]), per_physician(weeks[1:] or weeks[:1])
    table = []
    for roster in ROSTERS:
        row = {"physicians": roster}
        for label, rates in (("first_week", first), ("later_weeks", later)):
            slowest = max(sources, key=lambda s: rates[s])
            seconds = rates[slowest] * roster + 1  # robots.txt
            row[label] = {"seconds": round(seconds), "days": round(seconds / 86400, 2), "slowest_source": slowest,
                          "fits_a_week": seconds <= WEEK}
        table.append(row)
    result = {"world_physicians": physicians, "weeks": weeks, "requests_per_physician": {
        "first_week": {s: round(v, 2) for s, v in first.items()},
        "later_weeks": {s: round(v, 2) for s, v in later.items()}},
        "weekly_time_at_1_request_per_second_per_site": table,
        "planned_vs_measured_first_week": {s: [weeks[0]["sources"][s]["planned"], weeks[0]["sources"][s]["requests"]]
                                           for s in sources}}

    print(f"\nrequests per physician per source ({physicians} physicians; later = weeks 2-{args.weeks} averaged)")
    print(f"{'source':<14}{'first week':>12}{'later weeks':>13}{'planned 1st':>13}")
    for s in sources:
        print(f"{s:<14}{first[s]:>12.2f}{later[s]:>13.2f}{weeks[0]['sources'][s]['planned'] / physicians:>13.2f}")
    print(f"\nweekly time at 1 request/second/site (sites side by side; the slowest source)")
    for row in table:
        print(f"{row['physicians']:>7,} physicians: first week {row['first_week']['days']:.2f} days "
              f"({row['first_week']['slowest_source']}), later weeks {row['later_weeks']['days']:.2f} days "
              f"({row['later_weeks']['slowest_source']})")
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "weekly.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
