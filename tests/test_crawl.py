"""`repmon crawl` against the sandbox sites: stored searches, a blocked source, an interrupted crawl resumed."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from conftest import ROOT
from reputation.crawl import CrawlOptions, run_crawl
from reputation.db import get_engine
from reputation.findings import open_findings, refresh_findings
from reputation.match import match_listings
from reputation.models import Run, Listing, Search, Snapshot
from reputation.roster import import_roster
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.world import World

CRAWL_TIME = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def roster_file(world: World, path):
    rows = world.roster_rows()
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def setup(tmp_path):
    world = World(seed=7)
    engine = get_engine(f"sqlite:///{tmp_path / 'crawl.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    with SandboxServer(world) as server:
        yield world, server, engine


def npis(world):
    return {row["npi"] for row in world.roster_rows()}


def test_a_crawl_stores_one_search_per_physician_and_source_and_every_listing(setup):
    world, server, engine = setup
    run = run_crawl(engine, CrawlOptions(sources=["healthgrades", "nppes"], sandbox_url=server.url, delay=0, crawl_time=CRAWL_TIME))
    assert run.status == "finished"
    with Session(engine) as s:
        searches = s.exec(select(Search)).all()
        assert Counter(x.source for x in searches) == {"healthgrades": len(npis(world)), "nppes": len(npis(world))}
        assert {x.status for x in searches} == {"ok"}
        assert {x.npi for x in searches} == npis(world)
        listings = s.exec(select(Listing)).all()
        assert sum(1 for l in listings if l.source == "nppes") == len(npis(world))
        assert len(s.exec(select(Snapshot)).all()) == len(listings)
    summary = run.summary["sources"]["healthgrades"]
    assert summary["searched"] == len(npis(world)) and summary["blocked"] == 0 and summary["found"] > 0


def test_a_blocked_source_is_recorded_as_blocked_and_never_as_missing(setup):
    world, server, engine = setup
    server.set_mode("healthgrades", "block")
    run = run_crawl(engine, CrawlOptions(sources=["healthgrades"], sandbox_url=server.url, delay=0, crawl_time=CRAWL_TIME))
    with Session(engine) as s:
        assert {x.status for x in s.exec(select(Search))} == {"blocked"}
    assert run.summary["sources"]["healthgrades"]["blocked"] == len(npis(world))
    match_listings(engine)
    refresh_findings(engine)
    assert [f for f in open_findings(engine) if f["kind"] == "missing_listing"] == []


def test_a_second_crawl_in_the_same_week_completes_rather_than_repeats(setup):
    world, server, engine = setup
    options = CrawlOptions(sources=["nppes"], sandbox_url=server.url, delay=0, crawl_time=CRAWL_TIME)
    run_crawl(engine, options)
    again = run_crawl(engine, options)
    assert again.summary["sources"]["nppes"]["searched"] == 0
    with Session(engine) as s:
        assert len(s.exec(select(Search)).all()) == len(npis(world))


@pytest.mark.parametrize("mode, status, reason", [("outage", "errors", "connection"), ("block", "blocked", "Cloudflare")])
def test_a_refresh_that_fails_counts_its_own_failures_though_the_week_keeps_the_good_searches(setup, mode, status, reason):
    world, server, engine = setup
    options = CrawlOptions(sources=["nppes"], sandbox_url=server.url, delay=0, crawl_time=CRAWL_TIME)
    run_crawl(engine, options)
    server.set_mode("nppes", mode)
    options.refresh = True
    again = run_crawl(engine, options).summary["sources"]["nppes"]
    assert again["searched"] == len(npis(world)) and again[status] == len(npis(world)) and again["ok"] == 0
    assert again["found"] == 0
    assert again["reasons"] and all(reason in r for r in again["reasons"])
    with Session(engine) as s:  # what the week knows is still the good searches
        assert {x.status for x in s.exec(select(Search))} == {"ok"}


def test_a_crawl_killed_half_way_loses_nothing_and_completes_when_run_again(setup, tmp_path):
    world, server, engine = setup
    db = str(engine.url)
    command = [sys.executable, "-m", "reputation.cli", "--db", db, "crawl", "--source", "healthgrades",
               "--sandbox", server.url, "--delay", "0.05"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    crawl = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and stored < 10:
        time.sleep(0.3)
        with Session(engine) as s:
            stored = len(s.exec(select(Search)).all())
    assert stored >= 10, "the crawl stored nothing within a minute"
    os.killpg(crawl.pid, signal.SIGKILL)  # no chance to clean up
    crawl.wait()
    with Session(engine) as s:
        before = {(x.source, x.npi): x.status for x in s.exec(select(Search))}
    assert 0 < len(before) < len(npis(world))

    finished = subprocess.run(command[:-2] + ["--delay", "0"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    with Session(engine) as s:
        searches = s.exec(select(Search)).all()
        urls = [(l.source, l.url) for l in s.exec(select(Listing))]
    assert Counter((x.source, x.npi) for x in searches) == {("healthgrades", n): 1 for n in npis(world)}
    assert len(urls) == len(set(urls))
    assert all(before[k] == "ok" for k in before)  # what was stored before the kill is still there


# ----- a crawl killed, a crawl beside another -------------------------------------------------------------

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")


@pytest.fixture
def db_setup(db_url, tmp_path):
    """A roster in the database of ``db_url`` (SQLite and PostgreSQL) and the sandbox sites serving it."""
    world = World(seed=7)
    engine = get_engine(db_url)
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    with SandboxServer(world) as server:
        yield world, server, engine, db_url


def crawl_command(db_url: str, sandbox_url: str, delay: float) -> list[str]:
    return [sys.executable, "-m", "reputation.cli", "--db", db_url, "crawl", "--source", "healthgrades",
            "--sandbox", sandbox_url, "--delay", str(delay)]


def start_crawl(db_url, sandbox_url, cwd, delay=0.2) -> subprocess.Popen:
    return subprocess.Popen(crawl_command(db_url, sandbox_url, delay), cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def wait_for_searches(engine, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as s:
            if len(s.exec(select(Search)).all()) >= count:
                return
        time.sleep(0.2)
    raise AssertionError(f"the crawl stored fewer than {count} searches within {timeout} s")


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has stopped; nobody may be left to reap it in a container


def stop_group(leader: int) -> None:
    """Kill what is left of a crawl started with ``start_crawl`` (its own process group)."""
    try:
        os.killpg(leader, signal.SIGKILL)
    except ProcessLookupError:
        pass


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@linux_only
def test_kill_9_of_a_crawl_takes_its_crawler_child_with_it_and_the_next_crawl_completes(db_setup, tmp_path):
    world, server, engine, db_url = db_setup
    crawl = start_crawl(db_url, server.url, tmp_path)
    try:
        wait_for_searches(engine, 5)
        (crawler,) = children(crawl.pid)
        os.kill(crawl.pid, signal.SIGKILL)  # the parent alone, as `kill -9 PID` does: no chance to clean up
        crawl.wait()
        # Started at once: it must not crawl beside the dying crawler, only after it.
        rerun = subprocess.Popen(crawl_command(db_url, server.url, 0), cwd=tmp_path, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert gone_within(crawler, 10), "the crawler child outlived its parent by 10 s"
        out, errors = rerun.communicate(timeout=300)
    finally:
        stop_group(crawl.pid)
    assert rerun.returncode == 0, errors[-2000:]
    with Session(engine) as s:
        searches = s.exec(select(Search)).all()
        runs = {run.id: run.status for run in s.exec(select(Run).where(Run.kind == "crawl"))}
    assert Counter((x.source, x.npi) for x in searches) == {("healthgrades", n): 1 for n in npis(world)}
    assert {x.status for x in searches} == {"ok"}
    assert sorted(runs.values()) == ["finished", "interrupted"]


@linux_only
def test_a_second_crawl_of_the_same_database_is_refused_while_the_first_runs(db_setup, tmp_path):
    world, server, engine, db_url = db_setup
    first = start_crawl(db_url, server.url, tmp_path)
    try:
        wait_for_searches(engine, 1)
        second = subprocess.run(crawl_command(db_url, server.url, 0), cwd=tmp_path, capture_output=True, text=True,
                                timeout=120)
        still_running = alive(first.pid)
        with Session(engine) as s:
            runs = s.exec(select(Run).where(Run.kind == "crawl")).all()
    finally:
        stop_group(first.pid)
        first.wait()
    assert second.returncode == 1
    message = " ".join(second.stderr.split())
    assert "Another crawl of this database is running" in message and f"process {first.pid}" in message
    assert "Traceback" not in second.stderr
    assert still_running
    assert [run.status for run in runs] == ["running"]  # the refused crawl neither started nor touched the first


def test_a_crawler_whose_repmon_crawl_died_before_it_started_does_not_crawl(setup, tmp_path):
    world, server, engine = setup
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps(world.targets()))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    job = tmp_path / "job.json"
    job.write_text(json.dumps({
        "sources": ["healthgrades"], "targets": {"healthgrades": str(targets)}, "parent_pid": int(dead.stdout),
        "settings": {"REPMON_DB": str(engine.url), "REPMON_SANDBOX_URL": server.url, "DOWNLOAD_DELAY": 0,
                     "LOG_FILE": str(tmp_path / "scrapy.log")},
    }))
    server.reset_counts()
    crawler = subprocess.run([sys.executable, "-m", "reputation.crawl_child", str(job)], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert crawler.returncode == 1 and "not crawling" in crawler.stderr
    assert server.request_counts == {}
    with Session(engine) as s:
        assert s.exec(select(Search)).all() == []


# ----- answers too large to read -------------------------------------------------------------------------

# Runs a command and prints the peak memory (KiB on Linux) of the largest process it waited for, its own
# children included: for `repmon crawl`, the crawler child.
PEAK_MEMORY = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


@pytest.fixture
def few_setup(tmp_path):
    world = World(seed=7, size=5)
    engine = get_engine(f"sqlite:///{tmp_path / 'crawl.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    with SandboxServer(world) as server:
        yield world, server, engine


@linux_only
@pytest.mark.parametrize("mode", ["gzipbomb", "huge", "hugestream"])
def test_an_answer_beyond_the_download_limit_is_an_error_naming_the_limit_never_no_listing(few_setup, tmp_path, mode,
                                                                                          record_property):
    world, server, engine = few_setup
    server.set_mode("healthgrades", mode)
    # One request at a time (a delay above 0), as a real crawl asks: the peak is one answer's, not five.
    command = [sys.executable, "-c", PEAK_MEMORY, *crawl_command(str(engine.url), server.url, 0.01)]
    crawl = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    peak_mb = int(crawl.stdout.split()[-1]) / 1024
    record_property("crawler_peak_memory_mb", round(peak_mb))
    print(f"{mode}: peak memory of the crawl {peak_mb:.0f} MB")
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    with Session(engine) as s:
        searches = s.exec(select(Search)).all()
    assert {x.npi for x in searches} == npis(world)
    for search in searches:
        assert search.status == "error" and search.reason.startswith("answer larger than 10 MB (the download limit)")
