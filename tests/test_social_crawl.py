"""A weekly crawl reads the stored accounts on Bluesky and stores one snapshot per account and week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from reputation.crawl import CrawlOptions, run_crawl
from reputation.db import get_engine
from reputation.models import SocialSnapshot
from reputation.roster import import_roster
from reputation.sandbox.server import SandboxServer
from reputation.sandbox.social_world import social_of, write_social_files
from reputation.sandbox.world import World
from reputation.social.imports import import_accounts, import_channels
from reputation.undo import undo_run
from test_crawl import roster_file

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def setup(tmp_path):
    world = World(seed=7, start=START.date())
    engine = get_engine(f"sqlite:///{tmp_path / 'crawl.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    accounts, channels = write_social_files(world, tmp_path)
    import_accounts(engine, accounts)
    import_channels(engine, channels)
    with SandboxServer(world) as server:
        yield world, server, engine


def snapshots(engine) -> dict[tuple[str, str], SocialSnapshot]:
    with Session(engine) as s:
        return {(r.account, r.week): r for r in s.execute(select(SocialSnapshot)).scalars()}


def test_a_crawl_reads_every_account_and_channel_once_a_week(setup):
    world, server, engine = setup
    social = social_of(world)
    options = CrawlOptions(sources=["bluesky"], sandbox_url=server.url, delay=0, crawl_time=START)
    run = run_crawl(engine, options)
    assert run.status == "finished"
    assert run.summary["sources"]["bluesky"]["searched"] == len(social.accounts)
    stored = snapshots(engine)
    assert {account for account, _ in stored} == set(social.accounts)
    assert {r.status for r in stored.values()} == {"ok"}
    again = run_crawl(engine, options)  # the same week: every account was read ok already
    assert again.summary["sources"]["bluesky"]["searched"] == 0
    undo_run(engine, run.id, rematch=False)
    assert snapshots(engine) == {}


def test_a_week_the_appview_was_down_leaves_the_accounts_unknown_and_the_deleted_one_is_not_found(setup):
    world, server, engine = setup
    social = social_of(world)
    [gone] = [h for h, role in social.roles.items() if role == "gone"]
    server.set_mode("bluesky", "503")
    world.advance()
    run_crawl(engine, CrawlOptions(sources=["bluesky"], sandbox_url=server.url, delay=0, crawl_time=START + timedelta(weeks=1),
                                   settings={"RETRY_TIMES": 0}))
    week = {r.status for (a, w), r in snapshots(engine).items()}
    assert week == {"error"}
    server.set_mode("bluesky", "ok")
    world.advance(), world.advance()
    run_crawl(engine, CrawlOptions(sources=["bluesky"], sandbox_url=server.url, delay=0, crawl_time=START + timedelta(weeks=3)))
    latest = {a: r for (a, w), r in snapshots(engine).items() if w == "2026-W48"}
    assert latest[gone].status == "not_found"
    assert {r.status for a, r in latest.items() if a != gone} == {"ok"}


def test_instagram_links_on_the_own_website_become_suggestions_for_a_person_to_confirm(tmp_path):
    from reputation.match import match_listings
    from reputation.social.suggestions import open_suggestions, refresh_suggestions

    world = World(seed=7, start=START.date())
    engine = get_engine(f"sqlite:///{tmp_path / 'suggest.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    with SandboxServer(world) as server:
        run_crawl(engine, CrawlOptions(sources=["website"], sandbox_url=server.url, delay=0, crawl_time=START))
    match_listings(engine)
    assert refresh_suggestions(engine) > 0
    rows = open_suggestions(engine)
    assert {r["network"] for r in rows} == {"instagram"}  # the page's share link is no account
    assert all(int(r["npi"]) % 4 == 0 and r["seen_on"].startswith(server.url) for r in rows)
    with Session(engine) as s:  # suggested, not read: no snapshot, and nothing counts as theirs yet
        assert s.execute(select(SocialSnapshot)).first() is None
