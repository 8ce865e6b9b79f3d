"""The overview's social section and the physician page's accounts, from a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session

from builders import CLOCK, WEEK1, add_physician, npi_with_check_digit, week
from reports.render import render_overview, render_physician
from reputation.models import SocialAccount, SocialChannel
from reputation.records import parse_record
from reputation.reporting import PhysicianPages, build_overview, load_report_input
from reputation.store import store_records

JANE, JOHN, ANN = (npi_with_check_digit(n) for n in ("123456789", "987654321", "111111111"))


def snap(account, n, status="ok", followers=None, **more):
    record = {"kind": "social", "source": "bluesky", "account": account, "status": status,
              "reason": "" if status == "ok" else "<b>HTTP 502</b>", "crawled_at": week(n).isoformat()}
    if status == "ok":
        record.update(followers=followers, own_posts_28d=4, engagement_rate=0.02, **more)
    return record


@pytest.fixture
def world(engine):
    add_physician(engine, JANE, "Jane", "Doe", department="Heart")
    add_physician(engine, JOHN, "John", "Roe", department="Heart")
    add_physician(engine, ANN, "Ann", "Poe", department="Brain")
    with Session(engine) as s:
        s.add(SocialAccount(npi=JANE, network="bluesky", account="drjane.bsky.social", ambassador=True, added_at=WEEK1))
        s.add(SocialAccount(npi=JOHN, network="bluesky", account="drjohn.bsky.social", added_at=WEEK1))
        s.add(SocialAccount(npi=JOHN, network="linkedin", account="in/john-roe", added_at=WEEK1))
        s.add(SocialAccount(npi=JOHN, network="facebook", account="drjohnroe", added_at=WEEK1))
        s.add(SocialAccount(npi=ANN, network="bluesky", account="drann.bsky.social", added="suggested", added_at=WEEK1))
        s.add(SocialChannel(network="bluesky", account="northwind.bsky.social", label="Northwind Health", added_at=WEEK1))
        s.commit()
    store_records(engine, [parse_record(r, now=CLOCK) for r in (
        snap("drjane.bsky.social", 1, followers=1000), snap("drjane.bsky.social", 2, followers=1100),
        snap("drjohn.bsky.social", 1, followers=50), snap("drjohn.bsky.social", 2, "error"),
        snap("northwind.bsky.social", 1, followers=20000), snap("northwind.bsky.social", 2, followers=20100))])
    return engine


def test_the_overview_shows_the_share_per_network_and_department_ambassadors_and_channels(world):
    overview = build_overview(load_report_input(world))
    social = overview.social
    assert (social.week, social.previous_week) == ("2026-W46", "2026-W45")
    shares = {n.site.key: (n.physicians, n.share, n.change, n.by_department) for n in social.networks}
    # Ann's account is only suggested: not hers until a person confirms it. John's read failed: still on record.
    assert shares == {"bluesky": (2, 0.6667, 0.0, {"Brain": 0.0, "Heart": 1.0}),
                      "linkedin": (1, 0.3333, 0.0, {"Brain": 0.0, "Heart": 0.5}),
                      "facebook": (1, 0.3333, 0.0, {"Brain": 0.0, "Heart": 0.5})}
    [jane] = social.ambassadors
    assert (jane.name, jane.followers, jane.change, jane.own_posts_28d, jane.values) == (
        "Jane Doe, MD", 1100, 100, 4, [1000.0, 1100.0])
    [channel] = social.channels
    assert (channel.name, channel.followers, channel.change) == ("Northwind Health", 20100, 100)
    assert social.channel_followers == 20100 and social.unknown == 1
    html = BeautifulSoup(render_overview(overview), "html.parser")
    section = html.find(id="social")
    assert "66.7%" in section.get_text() or "67%" in section.get_text()
    assert section.find(id="ambassadors") and "drjane.bsky.social" in section.get_text()


def test_the_physician_page_lists_their_accounts_with_the_follower_trend_and_unknown_reads(world):
    data = load_report_input(world)
    page = PhysicianPages(data).page(JOHN)
    rows = {(r.site.key, r.account): (r.status, r.followers, r.values) for r in page.social}
    assert rows == {("bluesky", "drjohn.bsky.social"): ("error", None, [50.0, None]),
                    ("linkedin", "in/john-roe"): ("not_checked", None, [None, None]),
                    # Facebook's API reads the organization's own Pages only: a physician's is on record, not checked
                    ("facebook", "drjohnroe"): ("not_checked", None, [None, None])}
    html = render_physician(page)
    soup = BeautifulSoup(html, "html.parser").find(id="social")
    assert "read failed: unknown" in soup.get_text() and "on record, not checked" in soup.get_text()
    assert "<b>HTTP 502</b>" not in html  # the reason is escaped


def test_no_social_section_without_accounts(engine):
    add_physician(engine, JANE, "Jane", "Doe")
    assert build_overview(load_report_input(engine)).social is None


def test_the_social_export_has_every_read_and_the_accounts_on_record_without_numbers(world, tmp_path):
    import csv

    from reputation.exports import EXPORTS, write_rows

    rows = EXPORTS["social"](world)
    by = {(r["account"], r["week"]): r for r in rows}
    assert by[("drjane.bsky.social", "2026-W46")]["followers"] == 1100
    assert by[("drjohn.bsky.social", "2026-W46")]["status"] == "error"
    assert by[("drjohn.bsky.social", "2026-W46")]["followers"] is None
    assert by[("in/john-roe", "")]["status"] == "not_checked"
    assert by[("northwind.bsky.social", "2026-W46")]["channel"] == "yes"
    assert "drann.bsky.social" not in {r["account"] for r in rows}  # a suggestion is not theirs yet
    out = tmp_path / "social.csv"
    write_rows(rows, "csv", out)
    assert len(list(csv.DictReader(out.open()))) == len(rows)


def test_the_overview_says_how_many_suggestions_wait_for_a_person(world):
    overview = build_overview(load_report_input(world))
    assert overview.social.suggested == 1  # Ann's
    html = BeautifulSoup(render_overview(overview), "html.parser")
    assert "repmon social review" in html.find(id="social-suggested").get_text()


def test_the_digest_text_sums_up_the_social_presence(world):
    from reputation.digest import summary_text

    lines = summary_text(build_overview(load_report_input(world))).splitlines()
    assert "Social presence:" in lines
    assert "  Bluesky: 2 physicians, 67%" in lines
    assert "  Ambassadors: 1" in lines
    assert "  System channels: 20,100 followers (+100 since last week)" in lines
    assert "  Accounts that could not be read this week (unknown): 1" in lines
    assert any(line.startswith("  LinkedIn: 1 physicians, 33% (on record, not checked)") for line in lines)
