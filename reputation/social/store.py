"""Storing social records: one snapshot per account and ISO week.

A week's snapshot is replaced by a later read of the same week only when that read is ok or the stored one is
not (a failed retry never wipes a good read); the replaced values are journaled, so undoing the later run
brings them back.
"""

from __future__ import annotations

from sqlmodel import Session, select

from reputation.models import SocialSnapshot
from reputation.records import SocialIn, iso_week
from reputation.runs import Journal

FIELDS = ("crawled_at", "status", "reason", "followers", "following", "posts", "created_at", "last_own_post_at",
          "own_posts_28d", "interactions_per_post", "engagement_rate", "bio", "follows_main", "followed_by_main")


def _values(record: SocialIn) -> dict:
    values = {name: getattr(record, name) for name in FIELDS}
    values["reason"] = values["reason"] or None
    return values


def store_social(session: Session, records: list[SocialIn], journal: Journal) -> int:
    """Store the snapshots of ``records``; returns how many were written (new or replaced)."""
    written = 0
    for record in records:
        week = iso_week(record.crawled_at)
        row = session.exec(select(SocialSnapshot).where(
            SocialSnapshot.network == record.source, SocialSnapshot.account == record.account,
            SocialSnapshot.week == week)).first()
        values = _values(record)
        if row is None:
            session.add(SocialSnapshot(network=record.source, account=record.account, week=week,
                                       run_id=journal.run_id, **values))
            session.flush()
            written += 1
            continue
        if row.status == "ok" and record.status != "ok":
            journal.changed(row, {})  # seen again this week, not replaced
            continue
        before = {name: getattr(row, name) for name, value in values.items() if getattr(row, name) != value}
        journal.changed(row, before)
        if before:
            for name in before:
                setattr(row, name, values[name])
            session.add(row)
            written += 1
    return written
