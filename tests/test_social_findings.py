"""Findings of physicians' social accounts: each on its documented threshold, never on a read that failed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from builders import CLOCK, WEEK1, add_physician, npi_with_check_digit, week
from reputation.findings import open_findings, refresh_findings
from reputation.models import SocialAccount, SocialChannel
from reputation.records import parse_record
from reputation.store import store_records

JANE = npi_with_check_digit("123456789")
HANDLE = "drjane.bsky.social"


@pytest.fixture
def jane(engine):
    add_physician(engine, JANE, "Jane", "Doe")
    with Session(engine) as s:
        s.add(SocialAccount(npi=JANE, network="bluesky", account=HANDLE, ambassador=True, added_at=WEEK1))
        s.add(SocialChannel(network="bluesky", account="northwind.bsky.social", label="Northwind Health", added_at=WEEK1))
        s.commit()
    return engine


def read(engine, n, status="ok", **values):
    record = {"kind": "social", "source": "bluesky", "account": HANDLE, "status": status,
              "reason": "" if status == "ok" else {"not_found": "Bluesky: InvalidRequest: Profile not found"}.get(status, "HTTP 502"),
              "crawled_at": week(n).isoformat()}
    if status == "ok":
        record.update({"followers": 500, "own_posts_28d": 3, "bio": "Cardiologist at Northwind Health",
                       "follows_main": True, "followed_by_main": True,
                       "last_own_post_at": (week(n) - timedelta(days=2)).isoformat(), **values})
    store_records(engine, [parse_record(record, now=CLOCK)])
    refresh_findings(engine)
    return {(f["kind"], f["source"]): f for f in open_findings(engine)}


def test_a_healthy_account_raises_nothing(jane):
    assert read(jane, 1) == {}


def test_an_account_is_gone_after_two_not_found_answers_in_a_row_and_failed_reads_do_not_count(jane):
    read(jane, 1)
    assert ("social_account_gone", "bluesky") not in read(jane, 2, "not_found")
    assert ("social_account_gone", "bluesky") not in read(jane, 3, "error")  # unknown, not gone
    found = read(jane, 4, "not_found")
    assert found[("social_account_gone", "bluesky")]["url"] == f"https://bsky.app/profile/{HANDLE}"
    still = read(jane, 5, "blocked")  # a blocked read neither confirms nor resolves
    assert ("social_account_gone", "bluesky") in still
    assert ("social_account_gone", "bluesky") not in read(jane, 6)


def test_an_ambassador_without_an_own_post_in_28_days_is_inactive_only_when_the_posts_read_covered_them(jane):
    assert ("ambassador_inactive", "bluesky") not in read(jane, 1, own_posts_28d=None)
    found = read(jane, 2, own_posts_28d=0, last_own_post_at=(week(2) - timedelta(days=40)).isoformat())
    assert found[("ambassador_inactive", "bluesky")]["shown"].startswith("last own post ")
    with Session(jane) as s:
        account = s.execute(select(SocialAccount)).scalar_one()
        account.ambassador = False
        s.add(account)
        s.commit()
    assert ("ambassador_inactive", "bluesky") not in read(jane, 3, own_posts_28d=0)


def test_not_following_each_other_is_found_where_the_api_told(jane):
    assert ("not_connected", "bluesky") not in read(jane, 1, follows_main=None, followed_by_main=None)
    found = read(jane, 2, follows_main=True, followed_by_main=False)
    assert "the system's main account does not follow it" in found[("not_connected", "bluesky")]["shown"]


def test_a_follower_drop_needs_ten_percent_from_at_least_a_hundred(jane):
    read(jane, 1, followers=1000)
    assert ("follower_drop", "bluesky") not in read(jane, 2, followers=920)
    found = read(jane, 3, followers=900)
    assert found[("follower_drop", "bluesky")]["expected"] == "1,000 followers in 2026-W45"
    assert ("follower_drop", "bluesky") in read(jane, 4, "error")  # held, not resolved


def test_a_small_account_losing_a_few_followers_is_no_drop(jane):
    read(jane, 1, followers=60)
    assert ("follower_drop", "bluesky") not in read(jane, 2, followers=40)


def test_a_bio_naming_none_of_the_systems_names(jane, monkeypatch):
    found = read(jane, 1, bio="Doctor, runner, dad.")
    assert found[("profile_without_affiliation", "bluesky")]["expected"] == "Northwind Health"
    monkeypatch.setenv("REPMON_SYSTEM_NAMES", "Northwind, NWH")
    assert ("profile_without_affiliation", "bluesky") not in read(jane, 2, bio="Cardiology @ NWH.")
    assert ("profile_without_affiliation", "bluesky") not in read(jane, 3, bio=None)  # unknown: held
