"""``repmon demo``: the whole weekly job on the bundled sandbox, four simulated weeks, no setup."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from reputation.crawl import CrawlOptions, available_sources
from reputation.db import get_engine
from reputation.known_phones import add_known_phones
from reputation.roster import import_roster
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.social_world import write_social_files
from reputation.sandbox.world import SPONSOR_PHONE, World
from reputation.social.imports import import_accounts, import_channels
from reputation.weekly import run_week

SAMPLE_ROSTER = Path(__file__).parent / "sandbox" / "data" / "sample_roster.csv"
DEMO_TITLE = "Northwind Health (demo)"


def run_demo(out: Path, *, weeks: int = 4, console: Console | None = None, seed: int = 7) -> Path:
    """Write the demo database and reports into ``out`` (``reports/``, as ``repmon weekly`` writes them);
    return the overview report's path."""
    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "demo.db"
    for stale in (db_path, out / "demo.db-wal", out / "demo.db-shm", out / "reports"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    engine = get_engine(f"sqlite:///{db_path.resolve()}")
    # As a user would configure it: the sponsor call-center number the sandbox's Healthgrades shows.
    add_known_phones(engine, [SPONSOR_PHONE], label="sponsor call center")
    console.print(f"Known call-center number: {SPONSOR_PHONE} (repmon known-phones add)", highlight=False)
    # The simulated weeks end with this week's crawl; earlier ones are stamped 7, 14, 21 days ago.
    today = datetime.now(UTC).replace(microsecond=0)
    first_crawl = today - timedelta(weeks=weeks - 1)
    world = World(seed=seed, start=first_crawl.date())
    roster = out / "sample_roster.csv"
    shutil.copyfile(SAMPLE_ROSTER, roster)
    result = import_roster(engine, roster)
    console.print(f"Imported the sample roster: {getattr(result, 'physicians_added', '?')} physicians ({roster})", highlight=False)
    accounts_file, channels_file = write_social_files(world, out)
    # As if on record since before the first simulated week.
    on_record = first_crawl - timedelta(days=1)
    accounts = import_accounts(engine, accounts_file, now=on_record)
    channels = import_channels(engine, channels_file, now=on_record)
    console.print(f"Imported {accounts.added} physicians' social accounts ({accounts_file}) and {channels.added} of the "
                  f"system's channels ({channels_file})", highlight=False)
    sources = available_sources()  # the sandbox plays every source, its APIs and find-a-doctor site included
    with SandboxServer(world) as server:
        for number in range(weeks):
            if number:
                world.advance()
            crawl_time = first_crawl + timedelta(weeks=number)
            options = CrawlOptions(sources=sources, crawl_time=crawl_time, sandbox_url=server.url, delay=0)
            # As a user's Monday run: crawl, match, findings and every report, the findings workbook included.
            week = run_week(engine, options, out / "reports", title=DEMO_TITLE)
            per_source = week.crawl.summary.get("sources", {}).values()
            console.print(
                f"Week {number + 1} ({crawl_time.date()}): crawl of {len(sources)} sources {week.crawl.status}, "
                f"{sum(v['searched'] for v in per_source)} searches, {sum(v['found'] for v in per_source)} found, "
                f"matched {week.matched.matched}, review {week.matched.review}, "
                f"open findings {sum(week.findings.open_by_kind.values())}",
                highlight=False,
            )
    return week.overview_path
