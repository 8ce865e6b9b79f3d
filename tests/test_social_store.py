"""Social snapshots stored week by week, and accounts suggested from listings' links."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from builders import CLOCK, WEEK1, add_physician, listing, npi_with_check_digit, store
from reputation.cli import app
from reputation.match import confirm_match
from reputation.models import SocialAccount, SocialSnapshot
from reputation.records import parse_record
from reputation.runs import finish_run, start_run
from reputation.social.suggestions import decide, open_suggestions, refresh_suggestions
from reputation.store import store_records
from reputation.undo import undo_run

JANE = npi_with_check_digit("123456789")


def social(status="ok", followers=None, at=WEEK1, account="drjane.bsky.social", **more):
    return {"kind": "social", "source": "bluesky", "account": account, "status": status, "followers": followers,
            "reason": "" if status == "ok" else "HTTP 502", "crawled_at": at.isoformat(), **more}


def snapshots(engine) -> list[tuple]:
    with Session(engine) as s:
        return [(r.week, r.status, r.followers, r.own_posts_28d) for r in s.execute(select(SocialSnapshot)).scalars()]


def crawl(engine, *records):
    run = start_run(engine, "crawl", sources=["bluesky"])
    store_records(engine, [parse_record(r, now=CLOCK) for r in records], run_id=run.id)
    finish_run(engine, run.id, "finished")
    return run.id


def test_a_failed_retry_never_wipes_the_weeks_good_read_and_a_good_one_replaces_a_failed_one(engine):
    first = crawl(engine, social("error"))
    assert snapshots(engine) == [("2026-W45", "error", None, None)]
    second = crawl(engine, social("ok", 120, own_posts_28d=3))
    assert snapshots(engine) == [("2026-W45", "ok", 120, 3)]
    third = crawl(engine, social("error"))
    assert snapshots(engine) == [("2026-W45", "ok", 120, 3)]
    undo_run(engine, second, rematch=False)
    assert snapshots(engine) == [("2026-W45", "error", None, None)]
    undo_run(engine, first, rematch=False)  # the third run read the account that week too: it keeps the row
    assert snapshots(engine) == [("2026-W45", "error", None, None)]
    undo_run(engine, third, rematch=False)
    assert snapshots(engine) == []


def test_accounts_linked_from_a_matched_listing_are_suggested_never_taken(engine):
    add_physician(engine, JANE, "Jane", "Doe")
    url = "https://www.example-health.org/doctors/jane-doe"
    store(engine, {**listing(url, "Jane Doe, MD", source="website"),
                   "social_links": ["https://twitter.com/DrJane", "https://www.facebook.com/sharer.php?u=x",
                                    "https://bsky.app/profile/drjane.bsky.social"]})
    assert refresh_suggestions(engine) == 0  # not matched to anybody yet
    confirm_match(engine, url, JANE)
    assert refresh_suggestions(engine) == 2
    assert refresh_suggestions(engine) == 0
    rows = open_suggestions(engine)
    assert [(r["npi"], r["network"], r["account"], r["seen_on"]) for r in rows] == [
        (JANE, "bluesky", "drjane.bsky.social", url), (JANE, "x", "drjane", url)]
    decide(engine, JANE, "x", "@DrJane", "confirmed")
    decide(engine, JANE, "bluesky", "drjane.bsky.social", "rejected")
    assert open_suggestions(engine) == []
    assert refresh_suggestions(engine) == 0  # a rejected account is not suggested again
    with Session(engine) as s:
        rows = sorted((a.network, a.added, a.decision) for a in s.execute(select(SocialAccount)).scalars())
    assert rows == [("bluesky", "suggested", "rejected"), ("x", "suggested", "confirmed")]


def test_review_confirm_and_reject_from_the_command_line(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    from reputation.db import get_engine
    engine = get_engine(db)
    add_physician(engine, JANE, "Jane", "Doe")
    url = "https://www.example-health.org/doctors/jane-doe"
    store(engine, {**listing(url, "Jane Doe, MD", source="website"), "social_links": ["https://x.com/[drjane]", "https://x.com/drjane"]})
    confirm_match(engine, url, JANE)
    result = CliRunner().invoke(app, ["--db", db, "social", "review", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"account": "drjane"' in result.output
    result = CliRunner().invoke(app, ["--db", db, "social", "reject", JANE, "x", "nobody"])
    assert result.exit_code == 1 and "no suggestion of x account nobody" in result.output
    result = CliRunner().invoke(app, ["--db", db, "social", "confirm", JANE, "x", "https://x.com/drjane"])
    assert result.exit_code == 0 and "confirmed" in result.output
