"""Running a crawl of the roster: targets from the database, spiders in a child process, a summary.

The spiders store what they find through ``reputation.crawl_store.DatabasePipeline`` as they go, so a crawl
that is interrupted keeps everything stored so far; started again in the same ISO week it skips the
physician x source pairs already searched successfully that week and completes the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crawlers.pipelines import PROGRESS_PREFIX
from crawlers.sources import keys, source as declared, sources
from reputation.coverage import record_coverage
from reputation.crawl_lock import CRAWL, CRAWLER, DatabaseLock
from reputation.findings.thresholds import SEARCH_WEEKS
from reputation.known_listings import confirmed_urls, url_key
from reputation.models import Listing, Location, Match, Physician, Run, Search
from reputation.normalize import specialty_code
from reputation.records import iso_week
from reputation.runs import start_run
from reputation.social.targets import social_targets

# How long a new crawl waits for the crawler of a killed one to store its last batch and stop (it is told
# to stop the moment its parent dies; a download under way may take up to DOWNLOAD_TIMEOUT).
ORPHAN_GRACE = 60.0


class CrawlAlreadyRunning(Exception):
    """Another crawl of the same database is running; the message says which and what to do."""


def available_sources() -> list[str]:
    return keys()


def unconfigured(wanted: list[str]) -> dict[str, str]:
    """Source -> the environment variable it still needs (its API key, the site's address)."""
    return {s.key: s.missing()[0].env for s in sources() if s.key in wanted and s.missing()}


@dataclass
class CrawlOptions:
    sources: list[str]
    crawl_time: datetime | None = None  # the demo simulates past weeks; otherwise now
    sandbox_url: str | None = None  # crawl the bundled sandbox sites instead of the real ones
    delay: float | None = None  # seconds between requests to one site (default: settings, 1 s)
    refresh: bool = False  # search again pairs already searched successfully this week
    settings: dict | None = None  # any other Scrapy setting


def week_index(week: str) -> int:
    """Weeks since year 1: consecutive across years (ISO years have 52 or 53 weeks)."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1).toordinal() // 7


def window_start(week: str) -> str:
    """The first ISO week of the SEARCH_WEEKS ending with ``week``."""
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1) - timedelta(weeks=SEARCH_WEEKS - 1)
    return iso_week(datetime(monday.year, monday.month, monday.day, tzinfo=UTC))


def rotation_slot(npi: str) -> int:
    """The week of the rotation (0 .. SEARCH_WEEKS-1) a physician not found is searched in: a stable hash of
    the NPI (CRC-32), so the roster is spread evenly over the weeks and each keeps its week."""
    return zlib.crc32(npi.encode()) % SEARCH_WEEKS


def search_due(npi: str, week: str, earlier: list[tuple[str, str]]) -> bool:
    """Whether a physician without a known or matched listing on a source is searched there in ``week``.

    ``earlier``: (week, status) of their searches there in the SEARCH_WEEKS - 1 weeks before. Searched on
    their rotation week (one week in SEARCH_WEEKS, ``rotation_slot``); and also when none of those weeks has
    a successful search (the first crawl, a skipped crawl) or the latest one did not end ok (blocked, failed:
    what is unknown is asked again next week). So a missing listing always rests on a search of the last
    SEARCH_WEEKS weeks, the window ``missing_listing`` allows.
    """
    if rotation_slot(npi) == week_index(week) % SEARCH_WEEKS:
        return True
    if not any(status == "ok" for _, status in earlier):
        return True
    return max(earlier)[1] != "ok"


def build_targets(engine: Engine, source: str, week: str, refresh: bool) -> list[dict]:
    """The active roster physicians to look for on ``source`` in ``week``, with the listing URLs already known.

    Every physician with a known or matched listing there is revisited (weekly); the others are searched on
    their rotation (``search_due``); ``refresh`` searches everyone again. Pairs searched ok this week are done. For a social
    network, the accounts to read (``reputation.social.targets``).
    """
    if declared(source).kind == "social":
        return social_targets(engine, source, week, refresh, getattr(declared(source).spider, "own_pages_only", False))
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
        # The listings a person already knows: revisited every week, whatever the site's search does.
        by_npi = confirmed_urls(engine, source)
        for physician in physicians:
            urls = known.setdefault(physician.id, [])
            have = {url_key(u) for u in urls}
            for url in by_npi.get(physician.npi, []):
                if url_key(url) not in have:
                    urls.append(url)
                    have.add(url_key(url))
        done = set()
        history: dict[str, list[tuple[str, str]]] = {}
        if not refresh:
            done = set(
                session.exec(
                    select(Search.npi).where(Search.source == source, Search.week == week, Search.status == "ok")
                ).all()
            )
            for npi, searched_week, status in session.exec(
                    select(Search.npi, Search.week, Search.status).where(
                        Search.source == source, Search.week >= window_start(week), Search.week < week)).all():
                history.setdefault(npi, []).append((searched_week, status))
    targets = []
    for physician in sorted(physicians, key=lambda p: p.npi):
        if physician.npi in done:
            continue
        if not refresh and not known.get(physician.id) and not search_due(physician.npi, week, history.get(physician.npi, [])):
            continue  # not found before: searched again on its rotation week
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
                "specialty_code": specialty_code(physician.specialty),
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
    """Crawl ``options.sources`` for the active roster; returns the finished run with its summary.

    Raises ``CrawlAlreadyRunning`` while another crawl of the same database runs: two crawls side by side
    would search everybody twice and race each other's records.
    """
    lock = DatabaseLock(engine, CRAWL)
    if not lock.acquire():
        raise CrawlAlreadyRunning(_running_crawl(engine))
    try:
        with DatabaseLock(engine, CRAWLER) as crawler:
            if not crawler.acquire(wait=ORPHAN_GRACE):
                raise CrawlAlreadyRunning(
                    "The crawler process of an earlier, stopped crawl of this database is still storing its last "
                    f"records after {ORPHAN_GRACE:.0f} s; try again in a minute."
                )
        return _run_locked(engine, options, on_progress, on_start)
    finally:
        lock.release()


def _running_crawl(engine: Engine) -> str:
    with Session(engine) as session:
        run = session.exec(select(Run).where(Run.kind == "crawl", Run.status == "running").order_by(Run.id.desc())).first()
    if run is None:
        return "Another crawl of this database is running (it is just starting). Run this one when it has finished."
    return (f"Another crawl of this database is running: crawl {run.id}, started {run.started_at:%Y-%m-%d %H:%M} UTC "
            f"by process {run.pid or '?'} on {run.host or '?'}. Run this one when it has finished; "
            "a crawl that was stopped or killed leaves nothing to clean up.")


def _run_locked(engine: Engine, options: CrawlOptions, on_progress, on_start) -> Run:
    crawl_time = options.crawl_time or datetime.now(UTC)
    week = iso_week(crawl_time)
    with Session(engine) as session:
        # We hold the lock, so a crawl still marked running was killed without a chance to say so.
        for stale in session.exec(select(Run).where(Run.kind == "crawl", Run.status == "running")).all():
            stale.status = "interrupted"
            session.add(stale)
        session.commit()
    run = start_run(engine, "crawl", sources=options.sources, crawl_time=crawl_time)  # records who holds the lock
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
        for key in ("GOOGLE_PLACES_API_KEY", "YELP_API_KEY", "YOUTUBE_API_KEY", "X_BEARER_TOKEN", "FACEBOOK_PAGE_TOKEN"):
            settings.setdefault(key, "sandbox-key")
        settings.setdefault("INSTAGRAM_ACCOUNT_ID", "17841400000000000")
        settings.setdefault("WEBSITE_START_URL", f"{options.sandbox_url.rstrip('/')}/website/sitemap.xml")
    if options.delay is not None:
        settings["DOWNLOAD_DELAY"] = options.delay
        if options.delay == 0:
            settings["AUTOTHROTTLE_ENABLED"] = False
            settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = 8
    job = workdir / "job.json"
    job.write_text(json.dumps({"sources": options.sources, "targets": targets, "settings": settings,
                               "parent_pid": os.getpid()}))

    # What the crawler reports of each search: a failed search never replaces the week's good one in the
    # database, so only the reports tell what this run saw.
    reported: list[dict] = []

    def progressed(event: dict) -> None:
        reported.append(event)
        if on_progress:
            on_progress(event)

    status = "failed"
    try:
        if total:
            status = _run_child(job, progressed)
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
            summary = summarize(engine, run.id, options.sources, reported)
            listing_sources = [s for s in options.sources if declared(s).kind != "social"]  # no parser coverage
            for source, coverage in record_coverage(engine, week, listing_sources, run.id).items():
                summary[source]["broken_fields"] = coverage.broken_fields
                summary[source]["broken_reason"] = coverage.reason
            run.summary = {"log": str(log_path), "sources": summary}
            session.add(run)
            session.commit()
            session.refresh(run)
    return run


def _run_child(job: Path, on_progress: Callable[[dict], None]) -> str:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawlers.settings", "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "reputation.crawl_child", str(job)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith(PROGRESS_PREFIX):
                try:
                    event = json.loads(line[len(PROGRESS_PREFIX):])
                except ValueError:  # a line garbled by other output: the database still has the record
                    continue
                on_progress(event)
        code = child.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the child too (same process group): let Scrapy close and flush its batch.
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
        raise
    return "finished" if code == 0 else "failed"


def summarize(engine: Engine, run_id: int, sources: list[str], reported: list[dict]) -> dict:
    """Per source: what this run's crawler reported (searched, found, ok, blocked, errors, disallowed, the
    commonest reasons) and the profiles it read, with how many miss each field."""
    summary = {}
    with Session(engine) as session:
        run = session.get(Run, run_id)
        for source in sources:
            searches = [event for event in reported if event.get("source") == source]
            statuses = Counter(event.get("status") for event in searches)
            reasons = Counter(event["reason"] for event in searches if event.get("status") != "ok" and event.get("reason"))
            listings = session.exec(
                select(Listing).where(Listing.source == source, Listing.last_seen == run.crawl_time)
            ).all()
            summary[source] = {
                "searched": len(searches),
                "found": sum(1 for event in searches if event.get("results")),
                "ok": statuses["ok"],
                "blocked": statuses["blocked"],
                "errors": statuses["error"],
                "disallowed": statuses["disallowed"],
                "profiles": len(listings),
                "fields_missing": _fields_missing(listings),
                "reasons": [reason for reason, _ in sorted(reasons.items(), key=lambda r: (-r[1], r[0]))[:5]],
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


# -- the plan: what a crawl will ask, before it runs ----------------------------------------------------------


@dataclass
class SourcePlan:
    source: str
    physicians: int  # active roster physicians
    revisits: int  # physicians whose known or matched listings are revisited
    known_urls: int  # the listing URLs revisited
    searches: int  # physicians searched this week (first searches, the rotation, unknowns asked again)
    later: int  # physicians not found before, whose rotation week is another one
    done: int  # searched ok already this week
    requests: int  # expected requests, robots.txt included
    seconds: float  # at the delay: the least time the source takes


def plan_crawl(engine: Engine, sources: list[str], *, crawl_time: datetime | None = None, delay: float | None = None,
               refresh: bool = False) -> list[SourcePlan]:
    """Per source, the requests a crawl would make now and the time they take at ``delay`` seconds per
    request to one site (default: the DOWNLOAD_DELAY setting, 1 s); nothing is crawled."""
    from crawlers.settings import DOWNLOAD_DELAY
    from crawlers.sources import source as source_of

    week = iso_week(crawl_time or datetime.now(UTC))
    delay = DOWNLOAD_DELAY if delay is None else delay
    with Session(engine) as session:
        active = set(session.exec(select(Physician.npi).where(Physician.active == True)).all())  # noqa: E712
    plans = []
    for source in sources:
        spider = source_of(source).spider
        targets = build_targets(engine, source, week, refresh)
        with Session(engine) as session:
            done = 0 if refresh else len(set(session.exec(select(Search.npi).where(
                Search.source == source, Search.week == week, Search.status == "ok")).all()) & active)
        revisiting = [t for t in targets if t["known_urls"] and spider.revisit_known_urls]
        requests = (1 if targets else 0) + sum(spider.planned_requests(t) for t in targets)  # robots.txt first
        plans.append(SourcePlan(source, len(active), len(revisiting), sum(len(t["known_urls"]) for t in revisiting),
                                len(targets) - len(revisiting), len(active) - done - len(targets), done, requests,
                                requests * delay))
    return plans
