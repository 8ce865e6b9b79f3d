"""Running a crawl of the roster: targets from the database, spiders in a child process, a summary.

The spiders store what they find through ``crawlers.pipelines.DatabasePipeline`` as they go, so a crawl
that is interrupted keeps everything stored so far; started again in the same ISO week it skips the
physician x source pairs already searched successfully that week and completes the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from crawlers.pipelines import PROGRESS_PREFIX
from reputation.coverage import record_coverage
from reputation.models import Run, Listing, Location, Match, Physician, Search
from reputation.records import iso_week
from reputation.runs import start_run



def available_sources() -> list[str]:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    return sorted(SpiderLoader.from_settings(get_project_settings()).list())


# Sources that need configuration of the user's own: the Scrapy setting and the environment variable.
NEEDS_SETTING = {
    "google": ("GOOGLE_PLACES_API_KEY", "REPMON_GOOGLE_API_KEY"),
    "yelp": ("YELP_API_KEY", "REPMON_YELP_API_KEY"),
    "website": ("WEBSITE_START_URL", "REPMON_WEBSITE_URL"),
}


def unconfigured(sources: list[str]) -> dict[str, str]:
    """Source -> the environment variable it still needs (its API key, the site's address)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    return {source: env for source, (name, env) in NEEDS_SETTING.items() if source in sources and not settings.get(name)}


@dataclass
class CrawlOptions:
    sources: list[str]
    crawl_time: datetime | None = None  # the demo simulates past weeks; otherwise now
    sandbox_url: str | None = None  # crawl the bundled sandbox sites instead of the real ones
    delay: float | None = None  # seconds between requests to one site (default: settings, 1 s)
    refresh: bool = False  # search again pairs already searched successfully this week
    settings: dict | None = None  # any other Scrapy setting


def build_targets(engine: Engine, source: str, week: str, refresh: bool) -> list[dict]:
    """The active roster physicians to look for on ``source``, with the listing URLs already known."""
    with Session(engine) as session:
        physicians = session.exec(select(Physician).where(Physician.active == True)).all()  # noqa: E712
        locations: dict[int, list[Location]] = {}
        for location in session.exec(select(Location).order_by(Location.id)).all():
            locations.setdefault(location.physician_id, []).append(location)
        known: dict[int, list[str]] = {}
        rows = session.exec(
            select(Match.physician_id, Listing.url)
            .join(Listing, Listing.id == Match.listing_id)
            .where(Listing.source == source, Listing.gone_since == None, Match.status == "matched")  # noqa: E711
            .order_by(Listing.url)
        ).all()
        for physician_id, url in rows:
            known.setdefault(physician_id, []).append(url)
        done = set()
        if not refresh:
            done = set(
                session.exec(
                    select(Search.npi).where(Search.source == source, Search.week == week, Search.status == "ok")
                ).all()
            )
    targets = []
    for physician in sorted(physicians, key=lambda p: p.npi):
        if physician.npi in done:
            continue
        places = locations.get(physician.id, [])
        first = places[0] if places else Location(physician_id=physician.id)
        targets.append(
            {
                "npi": physician.npi,
                "first_name": physician.first_name,
                "middle_name": physician.middle_name,
                "last_name": physician.last_name,
                "credentials": physician.credentials,
                "specialty": physician.specialty,
                "city": first.city,
                "state": first.state,
                "zip": first.zip,
                "locations": [
                    {"city": p.city, "state": p.state, "zip": p.zip, "phone": p.phone} for p in places
                ],
                "known_urls": known.get(physician.id, []),
            }
        )
    return targets


def run_crawl(
    engine: Engine,
    options: CrawlOptions,
    on_progress: Callable[[dict], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Run:
    """Crawl ``options.sources`` for the active roster; returns the finished run with its summary."""
    crawl_time = options.crawl_time or datetime.now(UTC)
    week = iso_week(crawl_time)
    run = start_run(engine, "crawl", sources=options.sources, crawl_time=crawl_time)
    workdir = Path(tempfile.mkdtemp(prefix=f"repmon-crawl-{run.id}-"))
    log_path = workdir / "scrapy.log"
    targets: dict[str, str] = {}
    total = 0
    for source in options.sources:
        source_targets = build_targets(engine, source, week, options.refresh)
        total += len(source_targets)
        path = workdir / f"{source}.json"
        path.write_text(json.dumps(source_targets), encoding="utf-8")
        targets[source] = str(path)
    if on_start:
        on_start(total)

    settings = {
        "REPMON_DB": engine.url.render_as_string(hide_password=False),
        "REPMON_RUN_ID": run.id,
        "REPMON_CRAWL_TIME": crawl_time.isoformat(),
        "LOG_FILE": str(log_path),
        **(options.settings or {}),
    }
    if options.sandbox_url:
        settings["REPMON_SANDBOX_URL"] = options.sandbox_url
        # The sandbox's APIs take any key, and its own find-a-doctor site is the "website" source.
        for key in ("GOOGLE_PLACES_API_KEY", "YELP_API_KEY"):
            settings.setdefault(key, "sandbox-key")
        settings.setdefault("WEBSITE_START_URL", f"{options.sandbox_url.rstrip('/')}/website/sitemap.xml")
    if options.delay is not None:
        settings["DOWNLOAD_DELAY"] = options.delay
        if options.delay == 0:
            settings["AUTOTHROTTLE_ENABLED"] = False
            settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = 8
    job = workdir / "job.json"
    job.write_text(json.dumps({"sources": options.sources, "targets": targets, "settings": settings}))

    status = "failed"
    try:
        if total:
            status = _run_child(job, on_progress)
        else:
            status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        with Session(engine) as session:
            run = session.get(Run, run.id)
            run.finished_at = datetime.now(UTC)
            run.status = status
            summary = summarize(engine, run.id, options.sources)
            for source, coverage in record_coverage(engine, week, options.sources, run.id).items():
                summary[source]["broken_fields"] = coverage.broken_fields
                summary[source]["broken_reason"] = coverage.reason
            run.summary = {"log": str(log_path), "sources": summary}
            session.add(run)
            session.commit()
            session.refresh(run)
    return run


def _run_child(job: Path, on_progress: Callable[[dict], None] | None) -> str:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawlers.settings", "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "crawlers.run", str(job)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith(PROGRESS_PREFIX) and on_progress:
                on_progress(json.loads(line[len(PROGRESS_PREFIX):]))
        code = child.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the child too (same process group): let Scrapy close and flush its batch.
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
        raise
    return "finished" if code == 0 else "failed"


def summarize(engine: Engine, run_id: int, sources: list[str]) -> dict:
    """Per source: searched, found, ok, blocked, errors, disallowed, and profiles missing each field."""
    summary = {}
    with Session(engine) as session:
        run = session.get(Run, run_id)
        for source in sources:
            by_status = dict(
                session.exec(
                    select(Search.status, func.count())
                    .where(Search.run_id == run_id, Search.source == source)
                    .group_by(Search.status)
                ).all()
            )
            searches = session.exec(select(Search).where(Search.run_id == run_id, Search.source == source)).all()
            listings = session.exec(
                select(Listing).where(Listing.source == source, Listing.last_seen == run.crawl_time)
            ).all()
            summary[source] = {
                "searched": sum(by_status.values()),
                "found": sum(1 for s in searches if s.results),
                "ok": by_status.get("ok", 0),
                "blocked": by_status.get("blocked", 0),
                "errors": by_status.get("error", 0),
                "disallowed": by_status.get("disallowed", 0),
                "profiles": len(listings),
                "fields_missing": _fields_missing(listings),
                "reasons": sorted({s.reason for s in searches if s.status != "ok" and s.reason})[:5],
            }
    return summary


def _fields_missing(listings: list[Listing]) -> dict[str, int]:
    checks = {
        "name": lambda l: bool(l.name),
        "rating": lambda l: l.rating is not None,
        "review_count": lambda l: l.review_count is not None,
        "phone": lambda l: bool(l.phones),
        "address": lambda l: bool(l.addresses),
    }
    return {field: sum(1 for l in listings if not check(l)) for field, check in checks.items()}
