"""Bluesky end to end: scrapy crawl bluesky against the sandbox AppView, and repmon parse of its answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from reputation.sandbox.server import SandboxServer
from reputation.sandbox.social_world import MAIN, social_of
from reputation.sandbox.world import World
from test_spider_base import run_spider


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World()) as running:
        yield running


@pytest.fixture(autouse=True)
def modes_back_to_ok(server):
    yield
    server.set_mode("bluesky", "ok")


def targets(server, *extra):
    social = social_of(server.world)
    handles = [a.handle for a in social.accounts.values()]
    return [{"account": h, "main": None if h == MAIN else MAIN} for h in (*handles, *extra)]


def crawl_time(server) -> str:
    return social_of(server.world).today.isoformat()


@pytest.fixture(scope="module")
def records(server, tmp_path_factory):
    found = run_spider("bluesky", targets(server, "nobody.bsky.social"), server.url, tmp_path_factory.mktemp("bsky"),
                       REPMON_CRAWL_TIME=crawl_time(server))
    return {r["account"]: r for r in found}


def test_every_account_gets_one_record_with_what_its_profile_and_feed_show(server, records):
    social = social_of(server.world)
    assert set(records) == {*social.accounts, "nobody.bsky.social"}
    for handle, account in social.accounts.items():
        record = records[handle]
        assert record["kind"] == "social" and record["status"] == "ok", record
        assert record["followers"] == social.followers(account)
        own = [at for at, is_own, _ in social.posts(account) if is_own]
        assert record["last_own_post_at"] == max(own).isoformat()
        start = social.today - timedelta(days=28)
        assert record["own_posts_28d"] == sum(1 for at in own if at >= start), handle
        assert record["bio"] == account.bio


def test_an_account_the_appview_does_not_know_is_not_found(records):
    record = records["nobody.bsky.social"]
    assert record["status"] == "not_found" and record["followers"] is None
    assert "Profile not found" in record["reason"]


def test_the_inactive_ambassador_has_no_own_post_in_28_days_though_it_reposts(server, records):
    social = social_of(server.world)
    [inactive] = [h for h, role in social.roles.items() if role == "inactive"]
    assert records[inactive]["own_posts_28d"] == 0
    assert datetime.fromisoformat(records[inactive]["last_own_post_at"]) < social.today - timedelta(days=28)


def test_following_each_other_with_the_main_account_is_told(server, records):
    social = social_of(server.world)
    [loner] = [h for h, role in social.roles.items() if role == "not_following"]
    assert (records[loner]["follows_main"], records[loner]["followed_by_main"]) == (False, False)
    others = [h for h in social.accounts if h not in (loner, MAIN)]
    assert all(records[h]["follows_main"] is True and records[h]["followed_by_main"] is True for h in others)
    assert records[MAIN]["follows_main"] is None  # the main account itself: nothing to ask


@pytest.mark.parametrize("mode, status", [("429", "blocked"), ("503", "error"), ("outage", "error")])
def test_an_appview_that_does_not_answer_leaves_every_account_unknown_never_gone(server, tmp_path, mode, status):
    server.set_mode("bluesky", mode)
    found = run_spider("bluesky", targets(server), server.url, tmp_path, REPMON_CRAWL_TIME=crawl_time(server),
                       RETRY_TIMES=0)
    assert len(found) == len(social_of(server.world).accounts)
    assert {r["status"] for r in found} == {status}
    assert all(r["followers"] is None and r["own_posts_28d"] is None for r in found)


def test_answers_in_a_changed_shape_give_unknown_numbers_never_zero(server, tmp_path):
    server.set_mode("bluesky", "broken")
    found = run_spider("bluesky", targets(server), server.url, tmp_path, REPMON_CRAWL_TIME=crawl_time(server))
    assert all(r["followers"] is None and r["posts"] is None and r["own_posts_28d"] is None for r in found)
    assert all("not recognised" in r["reason"] for r in found)


# ----- repmon parse on real recorded answers (skipped without the shared data) --------------------------------

RECORDED = Path(__file__).resolve().parents[2] / "shared" / "data" / "social_api" / "bluesky"  # as the other tests
BSKY = "https://public.api.bsky.app/xrpc"


def test_repmon_parse_prints_what_a_real_profile_and_feed_answer_hold():
    import json

    from typer.testing import CliRunner

    from reputation.cli import app

    folder = RECORDED
    if not folder.is_dir():
        pytest.skip("the shared recorded answers are not here")
    runner = CliRunner()
    profile = runner.invoke(app, ["parse", "bluesky", str(folder / "getProfile-dril-2025-02.json"),
                                  "--url", f"{BSKY}/app.bsky.actor.getProfile?actor=dril.bsky.social"])
    assert profile.exit_code == 0, profile.output
    shown = json.loads(profile.output)
    raw = json.loads((folder / "getProfile-dril-2025-02.json").read_text())
    assert (shown["followers"], shown["following"], shown["posts"]) == (raw["followersCount"], raw["followsCount"],
                                                                       raw["postsCount"])
    feed = runner.invoke(app, ["parse", "bluesky", str(folder / "getAuthorFeed-dril-2025-02.json"),
                               "--url", f"{BSKY}/app.bsky.feed.getAuthorFeed?actor=dril.bsky.social"])
    assert feed.exit_code == 0, feed.output
    page = json.loads(feed.output)
    raw = json.loads((folder / "getAuthorFeed-dril-2025-02.json").read_text())
    own = [item["post"]["record"]["createdAt"] for item in raw["feed"] if "reason" not in item]
    assert page["kind"] == "posts" and page["own_posts"] == len(own)
    assert datetime.fromisoformat(page["last_own_post_at"]) == max(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in own)
