"""``repmon demo``: the whole weekly job on the bundled sandbox, four simulated weeks, no setup."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from reputation.crawl import CrawlOptions, available_sources, run_crawl
from reputation.db import get_engine
from reputation.findings import refresh_findings
from reputation.known_phones import add_known_phones
from reputation.match import match_listings
from reputation.roster import import_roster
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.world import SPONSOR_PHONE, World

SAMPLE_ROSTER = Path(__file__).parent / "sandbox" / "data" / "sample_roster.csv"
DEMO_TITLE = "Northwind Health (demo)"


def run_demo(out: Path, *, weeks: int = 4, console: Console | None = None, seed: int = 7) -> Path:
    """Write the demo database and reports into ``out``; return the overview report's path."""
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
    sources = available_sources()  # the sandbox plays every source, its APIs and find-a-doctor site included
    with SandboxServer(world) as server:
        for week in range(weeks):
            if week:
                world.advance()
            crawl_time = first_crawl + timedelta(weeks=week)
            run = run_crawl(engine, CrawlOptions(sources=sources, crawl_time=crawl_time, sandbox_url=server.url, delay=0))
            matched = match_listings(engine, now=crawl_time)
            findings = refresh_findings(engine)
            per_source = run.summary.get("sources", {}).values()
            console.print(
                f"Week {week + 1} ({crawl_time.date()}): crawl of {len(sources)} sources {run.status}, "
                f"{sum(v['searched'] for v in per_source)} searches, {sum(v['found'] for v in per_source)} found, "
                f"matched {matched.matched}, review {matched.review}, open findings {sum(findings.open_by_kind.values())}",
                highlight=False,
            )
    from reports.render import write_reports
    from reputation.reporting import PhysicianPages, build_overview, load_report_input

    data = load_report_input(engine, DEMO_TITLE)
    pages = PhysicianPages(data)
    paths = write_reports(out / "reports", build_overview(data, s=pages.scope), [pages.page(npi) for npi in pages.npis()])
    return paths[0]
