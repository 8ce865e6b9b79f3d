"""Mastodon, YouTube, X, Facebook and Instagram end to end: each spider against its sandbox API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reputation.sandbox.server import SandboxServer
from reputation.sandbox.social_world import social_of
from reputation.sandbox.world import World
from test_spider_base import run_spider

KEYS = {"YOUTUBE_API_KEY": "k", "X_BEARER_TOKEN": "t", "FACEBOOK_PAGE_TOKEN": "t", "INSTAGRAM_ACCOUNT_ID": "1784"}
NETWORKS = ("mastodon", "youtube", "x", "facebook", "instagram")


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World()) as running:
        yield running


@pytest.fixture(autouse=True)
def modes_back_to_ok(server):
    yield
    for network in NETWORKS:
        server.set_mode(network, "ok")


def crawl(server, network, tmp_path, extra=(), **settings):
    social = social_of(server.world)
    targets = [{"account": key, "main": None} for key in (*social.networks[network], *extra)]
    return {r["account"]: r for r in run_spider(network, targets, server.url, tmp_path,
                                                  REPMON_CRAWL_TIME=social.today.isoformat(), **{**KEYS, **settings})}


UNKNOWN = {"mastodon": "nobody@mastodon.social", "youtube": "UCnobody000000000000000000"[:24], "x": "nobody_here",
           "facebook": "nobodyspage", "instagram": "nobody_here"}


@pytest.mark.parametrize("network", NETWORKS)
def test_every_account_is_read_with_its_followers_and_own_posts_and_an_unknown_one_is_not_found(server, tmp_path, network):
    social = social_of(server.world)
    records = crawl(server, network, tmp_path, [UNKNOWN[network]])
    assert set(records) == {*social.networks[network], UNKNOWN[network]}
    for key, account in social.networks[network].items():
        record = records[key]
        assert record["status"] == "ok", record
        assert record["followers"] == social.followers(account)
        own = [at for at, is_own, _ in social.posts(account) if is_own]
        assert record["last_own_post_at"] == max(own).isoformat(), key
        start = social.today - timedelta(days=28)
        assert record["own_posts_28d"] == sum(1 for at in own if at >= start), key
    assert records[UNKNOWN[network]]["status"] == "not_found", records[UNKNOWN[network]]


@pytest.mark.parametrize("network", ["youtube", "x", "facebook", "instagram"])
def test_without_its_key_every_account_is_an_error_never_a_gap(server, tmp_path, network):
    social = social_of(server.world)
    records = crawl(server, network, tmp_path, **{k: "" for k in KEYS})
    assert set(records) == set(social.networks[network])
    assert {r["status"] for r in records.values()} == {"error"}
    assert all("configured" in r["reason"] for r in records.values())


@pytest.mark.parametrize("network", NETWORKS)
def test_a_rate_limited_api_leaves_every_account_unknown(server, tmp_path, network):
    server.set_mode(network, "429")
    records = crawl(server, network, tmp_path, RETRY_TIMES=0)
    assert {r["status"] for r in records.values()} == {"blocked"}
    assert all(r["followers"] is None for r in records.values())
