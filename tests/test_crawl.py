"""`repmon crawl` against the sandbox sites: stored searches, a blocked source, an interrupted crawl resumed."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from conftest import ROOT
from reputation.crawl import CrawlOptions, run_crawl
from reputation.db import get_engine
from reputation.findings import open_findings, refresh_findings
from reputation.match import match_listings
from reputation.models import Listing, Search, Snapshot
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
