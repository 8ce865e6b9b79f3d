"""Per-source field coverage of each crawled week, and the rule that calls a source's parser broken.

Sites change their markup without notice. A parser that no longer finds the rating must not turn every
rating into a "drop", and one that no longer finds anything must not turn every physician "missing".
After each crawl, ``record_coverage`` stores per source and ISO week how many profiles were read and the
share of them showing each field, and compares with the source's previous crawled week:

- a field is **broken** when at least ``MOST`` of last week's profiles (``MIN_PROFILES`` or more) had it
  and this week at most ``NEARLY_GONE`` of that share do (e.g. 90% had a rating, now 5%);
- the whole source (``["all"]``) is broken when the spider yielded nothing it understood: no profile
  read while at least half of the searches that reached the site ended in a page not recognised (reason code
  ``not_recognised``), or
  while the site's searches were ok yet found nothing, where last week they found profiles.

Findings treat what a broken field or source shows that week as unknown, and the crawl summary and the
reports say the parser looks broken.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.models import Listing, Search, SourceCoverage
from reputation.records import iso_week

FIELDS = {
    "name": lambda l: bool(l.name),
    "rating": lambda l: l.rating is not None,
    "review_count": lambda l: l.review_count is not None,
    "phone": lambda l: bool(l.phones),
    "address": lambda l: bool(l.addresses),
}
MOST = 0.5
NEARLY_GONE = 0.2
MIN_PROFILES = 3
NOT_RECOGNISED = "not_recognised"  # the reason code of a search whose answer the parser did not know
ALL = "all"


def record_coverage(engine: Engine, week: str, sources: list[str], run_id: int | None = None) -> dict[str, SourceCoverage]:
    """Compute and store (replacing the week's earlier row) each source's coverage for ``week``."""
    stored = {}
    with Session(engine, expire_on_commit=False) as session:
        for source in sources:
            row = _measure(session, source, week)
            previous = session.exec(
                select(SourceCoverage)
                .where(SourceCoverage.source == source, SourceCoverage.week < week)
                .order_by(SourceCoverage.week.desc())
            ).first()
            row.broken_fields, row.reason = judge(row, previous)
            row.run_id, row.computed_at = run_id, datetime.now(UTC)
            existing = session.exec(
                select(SourceCoverage).where(SourceCoverage.source == source, SourceCoverage.week == week)
            ).first()
            if existing is not None:
                for name in ("run_id", "computed_at", "searched", "ok", "not_recognised", "profiles", "shares",
                             "broken_fields", "reason"):
                    setattr(existing, name, getattr(row, name))
                row = existing
            session.add(row)
            session.commit()
            session.refresh(row)
            stored[source] = row
    return stored


def _measure(session: Session, source: str, week: str) -> SourceCoverage:
    searches = session.exec(select(Search).where(Search.source == source, Search.week == week)).all()
    listings = [
        l for l in session.exec(select(Listing).where(Listing.source == source, Listing.gone_since == None)).all()  # noqa: E711
        if iso_week(l.last_seen) == week
    ]
    profiles = len(listings)
    shares = {name: (sum(1 for l in listings if check(l)) / profiles if profiles else 0.0) for name, check in FIELDS.items()}
    return SourceCoverage(
        source=source, week=week, computed_at=datetime.now(UTC),
        searched=len(searches),
        ok=sum(1 for s in searches if s.status == "ok"),
        not_recognised=sum(1 for s in searches if s.reason_code == NOT_RECOGNISED),
        profiles=profiles,
        shares={k: round(v, 4) for k, v in shares.items()},
    )


def judge(now: SourceCoverage, before: SourceCoverage | None) -> tuple[list[str], str | None]:
    """(broken fields, reason) of a source-week given the previous crawled week (None: first week)."""
    reached = now.ok + now.not_recognised  # searches that got an answer a parser had to read
    if now.profiles == 0 and now.not_recognised and now.not_recognised * 2 >= reached:
        return [ALL], f"{now.not_recognised} of {reached} answers not recognised by the parser; no profile read"
    if now.profiles == 0 and now.ok and before is not None and before.profiles >= MIN_PROFILES:
        return [ALL], (f"no profile found in {now.ok} successful searches, where the week of {before.week} "
                       f"read {before.profiles}")
    if before is None or before.profiles < MIN_PROFILES or now.profiles < MIN_PROFILES:
        return [], None
    broken, notes = [], []
    for name in FIELDS:
        was, share = before.shares.get(name, 0.0), now.shares.get(name, 0.0)
        if was >= MOST and share <= was * NEARLY_GONE:
            broken.append(name)
            notes.append(f"{name} on {share:.0%} of profiles (was {was:.0%})")
    return broken, ("; ".join(notes) or None)


def source_health(engine: Engine) -> pd.DataFrame:
    """One row per source x week: profiles, searched, ok, not_recognised, share_<field> columns,
    broken (bool), broken_fields (list), reason."""
    with Session(engine) as session:
        rows = session.exec(select(SourceCoverage).order_by(SourceCoverage.source, SourceCoverage.week)).all()
    records = [
        {
            "source": r.source, "week": r.week, "profiles": r.profiles, "searched": r.searched, "ok": r.ok,
            "not_recognised": r.not_recognised,
            **{f"share_{name}": r.shares.get(name, 0.0) for name in FIELDS},
            "broken": bool(r.broken_fields), "broken_fields": list(r.broken_fields), "reason": r.reason,
        }
        for r in rows
    ]
    columns = ["source", "week", "profiles", "searched", "ok", "not_recognised",
               *(f"share_{n}" for n in FIELDS), "broken", "broken_fields", "reason"]
    return pd.DataFrame(records, columns=columns)

