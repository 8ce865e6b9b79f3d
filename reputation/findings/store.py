"""Stage three of the findings: keep them in the database, one per physician x source x kind.

A finding keeps its first and last seen dates (crawl times, not the clock, so recomputing changes
nothing). It is resolved when a later crawl shows it fixed; a held key (see ``reputation.findings.rules``)
is neither confirmed nor resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.findings.frames import Frames, latest_crawl_time, load_frames
from reputation.findings.kinds import BY_KEY, current_findings, severity_rank
from reputation.known_phones import known_phones
from reputation.models import Finding, Physician


@dataclass
class FindingsSummary:
    opened: int = 0
    still_open: int = 0
    resolved: int = 0
    open_by_kind: dict[str, int] = field(default_factory=dict)


def refresh_findings(engine: Engine, frames: Frames | None = None) -> FindingsSummary:
    """Bring the kept findings in line with the data: open new ones, update, resolve fixed ones. ``frames``:
    the data as ``load_frames`` read it, when the caller has it already (the weekly run shares it with the reports)."""
    frames = frames if frames is not None else load_frames(engine)
    found, held = current_findings(frames, known_phones(engine))
    current = {(f["npi"], f["source"], f["kind"]): f for f in found}
    inactive = set(frames.physicians.loc[~frames.physicians["active"], "npi"])
    summary = FindingsSummary()
    with Session(engine) as session:
        kept = {(f.npi, f.source, f.kind): f for f in session.exec(select(Finding)).all()}
        _withdraw_unsupported(session, kept, latest_crawl_time(engine))
        for key, new in current.items():
            finding = kept.get(key)
            if finding is None:
                session.add(Finding(npi=new["npi"], source=new["source"], kind=new["kind"], url=new["url"],
                                    shown=new["shown"], expected=new["expected"],
                                    first_seen=new["seen"], last_seen=new["seen"]))
                summary.opened += 1
                continue
            if finding.status == "resolved" and new["seen"] >= (finding.resolved_at or finding.last_seen):
                finding.status, finding.resolved_at, finding.first_seen = "open", None, new["seen"]
                summary.opened += 1
            elif finding.status == "open":
                summary.still_open += 1
            else:
                continue  # resolved by a newer crawl than the data that shows it
            finding.url, finding.shown, finding.expected = new["url"], new["shown"], new["expected"]
            finding.last_seen = max(finding.last_seen, new["seen"])
            session.add(finding)
        latest = _latest_crawl(frames)
        for key, finding in kept.items():
            if finding.status != "open" or key in current:
                continue
            if key in held or key[0] in inactive:
                continue  # nothing says it was fixed: the evidence is uncertain, or the physician left the roster
            finding.status, finding.resolved_at = "resolved", latest.get(key[:2], latest.get(key[0], finding.last_seen))
            session.add(finding)
            summary.resolved += 1
        session.commit()
        for kind, count in session.exec(select(Finding.kind, func.count()).where(Finding.status == "open").group_by(Finding.kind)):
            summary.open_by_kind[kind] = count
    return summary


def _withdraw_unsupported(session: Session, kept: dict, latest: datetime | None) -> None:
    """Findings are dated by the crawls that showed them. What is dated after the latest crawl stored came
    from a crawl or import that was undone (``repmon runs undo``): a finding it opened is dropped, a
    resolution it brought is withdrawn, and its sighting no longer counts; the data decides again."""
    for key, finding in list(kept.items()):
        if latest is None or finding.first_seen > latest:
            session.delete(finding)
            del kept[key]
            continue
        if finding.status == "resolved" and finding.resolved_at is not None and finding.resolved_at > latest:
            finding.status, finding.resolved_at = "open", None
            session.add(finding)
        if finding.last_seen > latest:
            finding.last_seen = finding.first_seen
            session.add(finding)


def _latest_crawl(frames: Frames) -> dict:
    """When each (npi, source), and each npi across sources, was last crawled: when a fix was seen."""
    seen = pd.concat([frames.searches[["npi", "source", "crawled_at"]],
                      frames.listings[["npi", "source", "last_seen"]].rename(columns={"last_seen": "crawled_at"})])
    if seen.empty:
        return {}
    seen["crawled_at"] = pd.to_datetime(seen["crawled_at"])
    latest: dict = {(n, s): t.to_pydatetime() for (n, s), t in seen.groupby(["npi", "source"])["crawled_at"].max().items()}
    latest.update({n: t.to_pydatetime() for n, t in seen.groupby("npi")["crawled_at"].max().items()})
    return latest


def open_findings(engine: Engine) -> list[dict]:
    """The open findings, for ``repmon flags`` and exports: one dict per finding, with the physician's
    name and department so the list can be handed on as it is."""
    with Session(engine) as session:
        # A physician who left the roster keeps their findings in history, off the to-do list.
        rows = session.exec(
            select(Finding, Physician.first_name, Physician.last_name, Physician.department)
            .join(Physician, Physician.npi == Finding.npi)
            .where(Finding.status == "open", Physician.active == True)  # noqa: E712
            .order_by(Finding.kind, Finding.npi, Finding.source)
        ).all()
        found = [
            {"npi": f.npi, "name": f"{first} {last}", "department": department or "", "source": f.source,
             "kind": f.kind, "severity": BY_KEY[f.kind].severity if f.kind in BY_KEY else "",
             "url": f.url, "shown": f.shown, "expected": f.expected,
             "first_seen": f.first_seen.date().isoformat(), "last_seen": f.last_seen.date().isoformat(),
             "status": f.status}
            for f, first, last, department in rows
        ]
    return sorted(found, key=lambda f: severity_rank(f["severity"]))  # most urgent first, stable within
