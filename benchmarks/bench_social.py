"""Social benchmark: what a week of reading 10,000 physicians' accounts on three networks and 200 system channels
costs, from measured figures.

1. Requests per account, measured: each network's spider reads a sandbox world's accounts (the sandbox counts the
   requests it answered), at the crawl time the sandbox world is in; scaled to the target population.
2. Crawl time at the default pace (one request a second per network, ``DOWNLOAD_DELAY``; AutoThrottle only slows
   it further), from those requests: each network is a site of its own, so the networks run side by side.
3. Database growth per year: a year of weekly snapshots is stored (bulk, SQLite) for a sample and measured per row.

Usage: bash benchmarks/run.sh social   (or: python benchmarks/bench_social.py --size 1000)
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reputation.sandbox.server import SandboxServer  # noqa: E402
from reputation.sandbox.social_world import MAIN, social_of  # noqa: E402
from reputation.sandbox.world import World  # noqa: E402

PHYSICIANS = 10_000
NETWORKS = ("bluesky", "x", "mastodon")  # the three networks of the physicians' accounts
CHANNELS = {"bluesky": 40, "x": 40, "youtube": 40, "facebook": 40, "instagram": 40}  # 200 system channels
KEYS = {"YOUTUBE_API_KEY": "k", "X_BEARER_TOKEN": "t", "FACEBOOK_PAGE_TOKEN": "t", "INSTAGRAM_ACCOUNT_ID": "1784"}
SAMPLE_ROWS = 30_200  # one week of snapshots of the target population, stored to measure a row's size


def measure_requests(size: int) -> dict[str, dict]:
    """Per network: accounts read, requests the sandbox answered, requests per account."""
    world = World(size=size)
    social = social_of(world)
    found = {}
    with SandboxServer(world) as server, tempfile.TemporaryDirectory() as tmp:
        for network in sorted(set(NETWORKS) | set(CHANNELS)):
            accounts = list(social.networks.get(network, {}))
            targets = Path(tmp) / f"{network}.json"
            main = MAIN if network == "bluesky" else None  # Bluesky tells who follows whom: one more call each
            targets.write_text(json.dumps([{"account": a, "main": main if a != main else None} for a in accounts]))
            server.reset_counts()
            settings = {"REPMON_SANDBOX_URL": server.url, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                        "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False,
                        "REPMON_CRAWL_TIME": social.today.isoformat(), **KEYS}
            command = [sys.executable, "-m", "scrapy", "crawl", network, "-a", f"targets={targets}",
                       "-O", str(Path(tmp) / f"{network}.jsonl")]
            for key, value in settings.items():
                command += ["-s", f"{key}={value}"]
            subprocess.run(command, cwd=REPO, check=True, capture_output=True)
            requests = server.request_counts.get(network, 0)
            found[network] = {"accounts": len(accounts), "requests": requests,
                              "per_account": round(requests / len(accounts), 3) if accounts else None}
    return found


def weekly_cost(measured: dict[str, dict]) -> dict[str, dict]:
    """Requests per week and hours at one request a second, per network, for the target population."""
    out = {}
    for network in sorted(set(NETWORKS) | set(CHANNELS)):
        accounts = (PHYSICIANS if network in NETWORKS else 0) + CHANNELS.get(network, 0)
        requests = round(accounts * (measured[network]["per_account"] or 0))
        out[network] = {"accounts": accounts, "requests_per_week": requests, "hours_at_1_per_second": round(requests / 3600, 2)}
    return out


def database_growth() -> dict:
    """Bytes per snapshot row in SQLite (indexes included), and a year of the target population's."""
    from sqlalchemy import insert

    from reputation.db import get_engine
    from reputation.models import SocialSnapshot

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "social.db"
        engine = get_engine(f"sqlite:///{path}")
        engine.dispose()
        before = path.stat().st_size
        now = datetime(2026, 12, 7, 9, tzinfo=UTC)
        rows = [{"network": "bluesky", "account": f"physician{i:05d}.bsky.social", "week": "2026-W50",
                 "crawled_at": now, "status": "ok", "reason": None, "followers": 1000 + i, "following": 300, "posts": 900,
                 "created_at": now - timedelta(days=700), "last_own_post_at": now - timedelta(days=2), "own_posts_28d": 9,
                 "interactions_per_post": 12.5, "engagement_rate": 0.0125,
                 "bio": "Cardiologist at Northwind Health. Heart health, prevention, research. Views my own.",
                 "follows_main": True, "followed_by_main": True, "run_id": None} for i in range(SAMPLE_ROWS)]
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(SocialSnapshot.__table__), rows)
        seconds = time.perf_counter() - started
        engine.dispose()
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("VACUUM")
        grown = path.stat().st_size - before
    per_row = grown / SAMPLE_ROWS
    accounts = PHYSICIANS * len(NETWORKS) + sum(CHANNELS.values())
    return {"bytes_per_snapshot": round(per_row), "snapshots_per_year": accounts * 52,
            "mb_per_year": round(per_row * accounts * 52 / 1e6, 1), "insert_seconds_per_week": round(seconds, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="physicians in the sandbox world measured")
    args = parser.parse_args()
    measured = measure_requests(args.size)
    cost = weekly_cost(measured)
    growth = database_growth()
    slowest = max(v["hours_at_1_per_second"] for v in cost.values())
    result = {"measured": measured, "target": {"physicians": PHYSICIANS, "networks": list(NETWORKS), "channels": CHANNELS},
              "weekly": cost, "crawl_hours_at_default_pace": slowest, "database": growth}
    print(json.dumps(result, indent=1))
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "social.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
