"""The plain data the reports show, gathered from the database (reports/ never queries it)."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.findings import (
    KINDS,
    address_known,
    format_address,
    format_phone,
    latest_searches,
    load_frames,
    new_negative_reviews,
    roster_contacts,
)
from reputation.known_phones import known_phones
from reputation.models import Finding, Listing, Location, Match, Physician, Review, Search, Snapshot
from reputation.normalize import normalize_phone
from reputation.records import iso_week

TREND_WEEKS = 12


def default_title() -> str:
    return os.environ.get("REPMON_TITLE", "Physician online reputation")


def display_name(p: Physician) -> str:
    middle = f" {p.middle_name[0]}." if p.middle_name and len(p.middle_name) == 1 else (f" {p.middle_name}" if p.middle_name else "")
    name = f"{p.first_name}{middle} {p.last_name}"
    if p.suffix:
        name += f" {p.suffix}"
    return f"{name}, {p.credentials}" if p.credentials else name


class ReportData:
    """Everything loaded once; overview() and physician(npi) build the template data from it."""

    def __init__(self, engine: Engine, title: str | None = None):
        self.title = title or default_title()
        self.generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        frames = load_frames(engine)
        self.frames = frames
        with Session(engine) as session:
            self.physicians = {p.npi: p for p in session.exec(select(Physician)).all()}
            self.by_id = {p.id: p for p in self.physicians.values()}
            self.locations: dict[int, list[Location]] = defaultdict(list)
            for loc in session.exec(select(Location).order_by(Location.id)).all():
                self.locations[loc.physician_id].append(loc)
            self.findings = session.exec(select(Finding)).all()
            self.searches = pd.DataFrame([s.model_dump() for s in session.exec(select(Search))],
                                         columns=list(Search.model_fields))
            self.all_snapshots = pd.DataFrame(
                [{**s.model_dump(), "source": l.source, "physician_id": m.physician_id, "match_status": m.status}
                 for s, l, m in session.exec(
                     select(Snapshot, Listing, Match).join(Listing, Listing.id == Snapshot.listing_id)
                     .join(Match, Match.listing_id == Listing.id))],
                columns=[*Snapshot.model_fields, "source", "physician_id", "match_status"],
            )
            self.reviews = pd.DataFrame(
                [{**r.model_dump(), "source": l.source, "url": l.url, "physician_id": m.physician_id,
                  "listing_first_seen": l.first_seen}
                 for r, l, m in session.exec(
                     select(Review, Listing, Match).join(Listing, Listing.id == Review.listing_id)
                     .join(Match, Match.listing_id == Listing.id).where(Match.status == "matched"))],
                columns=[*Review.model_fields, "source", "url", "physician_id", "listing_first_seen"],
            )
        weeks = sorted(set(self.searches["week"]) | set(self.all_snapshots["week"]))
        self.weeks = weeks[-TREND_WEEKS:]
        self.week = weeks[-1] if weeks else None
        self.previous_week = weeks[-2] if len(weeks) > 1 else None
        self.sources = sorted(set(self.searches["source"]) | set(frames.listings["source"]))
        self.active = sorted((p for p in self.physicians.values() if p.active), key=lambda p: (p.last_name, p.first_name, p.npi))
        self.contacts = roster_contacts(frames.locations)
        self.ignore = known_phones(engine)
        self.coverage_now = self._coverage(self.week)
        self.coverage_before = self._coverage(self.previous_week)

    # -- coverage -------------------------------------------------------------------------------
    def _coverage(self, week: str | None) -> dict[tuple[str, str], dict]:
        """State per (npi, source) as of ``week``: listed, review, missing, unknown, not_crawled."""
        states: dict[tuple[str, str], dict] = {}
        if week is None:
            return states
        snaps = self.all_snapshots[(self.all_snapshots["week"] <= week) & self.all_snapshots["physician_id"].notna()]
        seen_listings = snaps[snaps["week"] == snaps.groupby("listing_id")["week"].transform("max")]
        searches = latest_searches(self.searches[self.searches["week"] <= week])
        current_ids = set(self.frames.listings["id"])
        for p in self.active:
            for source in self.sources:
                states[(p.npi, source)] = {"state": "not_crawled", "note": "not crawled yet", "url": None, "rating": None}
        for s in searches.itertuples():
            if (s.npi, s.source) not in states:
                continue
            if s.status == "ok":
                states[(s.npi, s.source)] = {"state": "missing", "note": "searched, no listing found", "url": None, "rating": None}
            else:
                states[(s.npi, s.source)] = {"state": "unknown", "note": f"{s.status}: {_text(s.reason) or ''}".strip(), "url": None, "rating": None}
        listings = self.frames.listings.set_index("id")
        for row in seen_listings.itertuples():
            p = self.by_id.get(int(row.physician_id))
            if p is None or (p.npi, row.source) not in states:
                continue
            if week == self.week and row.listing_id not in current_ids:
                continue  # gone since
            url = listings.loc[row.listing_id, "url"] if row.listing_id in listings.index else None
            state = "listed" if row.match_status == "matched" else "review"
            previous = states[(p.npi, row.source)]
            if previous["state"] == "listed" or (previous["state"] == "review" and state == "review"):
                continue
            states[(p.npi, row.source)] = {"state": state, "note": "matched" if state == "listed" else "match needs review",
                                           "url": url, "rating": None if pd.isna(row.rating) else float(row.rating)}
        return states

    @staticmethod
    def _coverage_share(states: dict) -> float | None:
        known = [s["state"] for s in states.values() if s["state"] in ("listed", "missing")]
        return round(known.count("listed") / len(known), 4) if known else None

    # -- ratings ----------------------------------------------------------------------------------
    def _weighted(self, snaps: pd.DataFrame) -> float | None:
        snaps = snaps.dropna(subset=["rating"])
        if snaps.empty:
            return None
        weights = snaps["review_count"].fillna(0).clip(lower=0)
        if weights.sum() == 0:
            return round(float(snaps["rating"].mean()), 3)
        return round(float((snaps["rating"] * weights).sum() / weights.sum()), 3)

    def _trend(self, snaps: pd.DataFrame, by: str | None) -> list[dict]:
        series = [{"label": "All sources" if by else "Weighted average",
                   "values": [self._weighted(snaps[snaps["week"] == w]) for w in self.weeks]}]
        if by:
            for key in sorted(set(snaps[by])):
                part = snaps[snaps[by] == key]
                values = [self._weighted(part[part["week"] == w]) for w in self.weeks]
                if any(v is not None for v in values):
                    series.append({"label": key, "values": values})
        return series

    # -- findings ---------------------------------------------------------------------------------
    def _open_at(self, moment: datetime | None) -> list[Finding]:
        if moment is None:
            return []
        return [f for f in self.findings if f.first_seen <= moment and (f.resolved_at is None or f.resolved_at > moment)]

    def _week_end(self, week: str | None) -> datetime | None:
        if week is None:
            return None
        moments = list(self.searches.loc[self.searches["week"] == week, "crawled_at"]) + list(
            self.all_snapshots.loc[self.all_snapshots["week"] == week, "crawled_at"])
        return max(pd.Timestamp(m).to_pydatetime() for m in moments) if moments else None

    def _finding_dict(self, f: Finding) -> dict:
        p = self.physicians.get(f.npi)
        return {"npi": f.npi, "name": display_name(p) if p else f.npi, "department": (p.department if p else "") or "",
                "kind": f.kind, "source": f.source, "url": f.url, "shown": f.shown, "expected": f.expected,
                "first_seen": f.first_seen.date().isoformat(), "last_seen": f.last_seen.date().isoformat()}

    # -- the two reports ----------------------------------------------------------------------------
    def overview(self) -> dict:
        active_npis = {p.npi for p in self.active}
        open_now = [f for f in self.findings if f.status == "open" and f.npi in active_npis]
        before = [f for f in self._open_at(self._week_end(self.previous_week)) if f.npi in active_npis]
        has_before = self.previous_week is not None
        matched = self.all_snapshots[self.all_snapshots["match_status"] == "matched"]
        avg_now = self._weighted(matched[matched["week"] == self.week]) if self.week else None
        avg_before = self._weighted(matched[matched["week"] == self.previous_week]) if has_before else None
        cov_now, cov_before = self._coverage_share(self.coverage_now), self._coverage_share(self.coverage_before)
        new_reviews = self._new_reviews(self.week)
        fixes: dict[str, list] = defaultdict(list)
        for f in sorted(open_now, key=lambda f: (f.source, f.kind, f.npi)):
            if f.kind in ("outdated_phone", "outdated_address"):
                fixes[f.source].append(self._finding_dict(f))
        return {
            "title": self.title,
            "generated_at": self.generated_at,
            "week": self.week or "no crawl yet",
            "previous_week": self.previous_week,
            "headline": {
                "physicians": len(self.active),
                "coverage": {"value": cov_now, "change": _diff(cov_now, cov_before)},
                "open_findings": {"value": len(open_now), "change": len(open_now) - len(before) if has_before else None},
                "average_rating": {"value": avg_now, "change": _diff(avg_now, avg_before)},
                "new_reviews": {"value": new_reviews, "change": (new_reviews - self._new_reviews(self.previous_week)) if has_before else None},
            },
            "findings_by_kind": [
                {"kind": k, "count": sum(f.kind == k for f in open_now),
                 "change": (sum(f.kind == k for f in open_now) - sum(f.kind == k for f in before)) if has_before else None}
                for k in KINDS
            ],
            "sources": self.sources,
            "departments": sorted({p.department for p in self.active if p.department}),
            "coverage": [
                {"npi": p.npi, "name": display_name(p), "department": p.department or "",
                 "report_href": f"physicians/{p.npi}.html",
                 "cells": {s: self.coverage_now.get((p.npi, s), {"state": "not_crawled", "note": "", "url": None, "rating": None}) for s in self.sources}}
                for p in self.active
            ],
            "contact_fixes": [{"source": s, "items": items} for s, items in sorted(fixes.items())],
            "rating_trend": {"weeks": self.weeks, "series": self._trend(matched, "source")},
            "movers": self._movers(matched),
            "negative_reviews": self._negative_review_rows(),
            "crawl_health": self._crawl_health(),
        }

    def _new_reviews(self, week: str | None) -> int:
        """Reviews first seen in ``week`` on listings crawled before (a first crawl brings history)."""
        if week is None or self.reviews.empty:
            return 0
        first_weeks = self.reviews["first_seen"].map(iso_week)
        return int(((first_weeks == week) & (self.reviews["first_seen"] > self.reviews["listing_first_seen"])).sum())

    def _movers(self, matched: pd.DataFrame, limit: int = 10) -> list[dict]:
        window = matched[matched["week"].isin(self.weeks)].dropna(subset=["rating"]).sort_values("week")
        listings = self.frames.listings.set_index("id")
        movers = []
        for listing_id, group in window.groupby("listing_id"):
            if len(group) < 2 or listing_id not in listings.index:
                continue
            first, last = group.iloc[0], group.iloc[-1]
            by_week = {w: float(r) for w, r in zip(group["week"], group["rating"])}
            change = round(float(last["rating"]) - float(first["rating"]), 2)
            if change == 0:
                continue
            p = self.by_id.get(int(last["physician_id"]))
            if p is None or not p.active:
                continue
            movers.append({"npi": p.npi, "name": display_name(p), "department": p.department or "",
                           "source": last["source"], "url": listings.loc[listing_id, "url"],
                           "from": float(first["rating"]), "to": float(last["rating"]), "change": change,
                           "values": [by_week.get(w) for w in self.weeks],
                           "review_count": int(last["review_count"]) if pd.notna(last["review_count"]) else None})
        movers.sort(key=lambda m: (m["change"] > 0, -abs(m["change"])))
        return movers[:limit]

    def _negative_review_rows(self) -> list[dict]:
        matched = self.frames.listings[self.frames.listings["match_status"] == "matched"]
        rows = []
        for r in new_negative_reviews(matched, self.frames.reviews).itertuples():
            p = self.physicians.get(r.npi)
            rows.append({"npi": r.npi, "name": display_name(p) if p else r.npi, "department": (p.department if p else "") or "",
                         "source": r.source, "url": r.url, "date": _text(r.date), "rating": float(r.rating),
                         "text": _text(r.text), "author": _text(r.author)})
        return rows

    def _crawl_health(self) -> list[dict]:
        if self.week is None:
            return []
        latest = self.searches[self.searches["week"] == self.week]
        rows = []
        for source in self.sources:
            part = latest[latest["source"] == source]
            counts = part["status"].value_counts().to_dict()
            not_seen = len(part) - counts.get("ok", 0)
            note = f"{not_seen} physician(s) could not be checked: unknown on this source, not missing" if not_seen else ""
            rows.append({"source": source, "searched": len(part), "ok": counts.get("ok", 0),
                         "blocked": counts.get("blocked", 0), "errors": counts.get("error", 0),
                         "disallowed": counts.get("disallowed", 0), "note": note})
        return rows

    def physician(self, npi: str) -> dict:
        p = self.physicians[npi]
        roster = self.contacts.get(p.id, {"phones": set(), "addresses": []})
        mine = self.frames.listings[self.frames.listings["physician_id"] == p.id].sort_values(["source", "url"])
        listings = []
        for l in mine.itertuples():
            phones = [normalize_phone(x) for x in l.phones or []]
            listings.append({
                "source": l.source, "url": l.url, "name": l.name,
                "rating": None if pd.isna(l.rating) else float(l.rating),
                "review_count": None if pd.isna(l.review_count) else int(l.review_count),
                "match_status": l.match_status,
                "score": None,
                "phones": [format_phone(x) if x else "" for x in phones],
                "addresses": [format_address(a) for a in l.addresses or []],
                "phone_ok": None if not phones else all((x in roster["phones"] or x in self.ignore) for x in phones if x),
                "address_ok": None if not l.addresses else all(address_known(a, roster["addresses"]) for a in l.addresses),
                "first_seen": pd.Timestamp(l.first_seen).date().isoformat(),
                "last_seen": pd.Timestamp(l.last_seen).date().isoformat(),
            })
        snaps = self.all_snapshots[(self.all_snapshots["physician_id"] == p.id) & (self.all_snapshots["match_status"] == "matched")]
        reviews = self.reviews[self.reviews["physician_id"] == p.id].sort_values(["date", "first_seen"], ascending=False).head(20)
        findings = sorted((f for f in self.findings if f.npi == npi and f.status == "open"), key=lambda f: (f.kind, f.source))
        return {
            "title": self.title, "generated_at": self.generated_at, "week": self.week or "no crawl yet",
            "overview_href": "../index.html",
            "physician": {
                "npi": p.npi, "name": display_name(p), "specialty": p.specialty or "", "department": p.department or "",
                "active": p.active,
                "locations": [{"practice_name": l.practice_name or "", "street": l.street or "", "city": l.city or "",
                               "state": l.state or "", "zip": l.zip or "", "phone": format_phone(normalize_phone(l.phone)) if l.phone else ""}
                              for l in self.locations.get(p.id, [])],
            },
            "listings": listings,
            "coverage": [{"source": s, **{k: v for k, v in self.coverage_now.get((npi, s), {"state": "not_crawled", "note": ""}).items() if k in ("state", "note")}}
                         for s in self.sources],
            "trend": {"weeks": self.weeks, "series": _per_listing_series(self, snaps)},
            "reviews": [{"source": r.source, "url": r.url, "date": _text(r.date), "rating": None if pd.isna(r.rating) else float(r.rating),
                         "text": _text(r.text), "author": _text(r.author), "response": _text(r.response)} for r in reviews.itertuples()],
            "checklist": [_checklist_item(f) for f in findings],
            "findings": [self._finding_dict(f) for f in findings],
        }


def _per_listing_series(data: ReportData, snaps: pd.DataFrame) -> list[dict]:
    series = []
    counts: dict[str, int] = defaultdict(int)
    for listing_id, group in snaps.groupby("listing_id"):
        source = group["source"].iloc[0]
        counts[source] += 1
        label = source if counts[source] == 1 else f"{source} ({counts[source]})"
        by_week = dict(zip(group["week"], group["rating"]))
        values = [None if pd.isna(by_week.get(w)) else float(by_week[w]) for w in data.weeks]
        if any(v is not None for v in values):
            series.append({"label": label, "values": values})
    if len(series) > 1:
        series.append({"label": "Weighted average", "values": [data._weighted(snaps[snaps["week"] == w]) for w in data.weeks]})
    return series


CHECKLIST = {
    "missing_listing": "Claim or create a listing on {source}",
    "outdated_phone": "Update the phone on {source}: it shows {shown}; the roster says {expected}",
    "outdated_address": "Update the address on {source}: it shows {shown}; the roster says {expected}",
    "duplicate_listing": "Ask {source} to merge duplicate listings: {shown}",
    "rating_drop": "Look into the rating drop on {source}: {expected} → {shown}",
    "negative_review": "Respond to the negative review on {source} (do not confirm the reviewer is a patient)",
}


def _checklist_item(f: Finding) -> dict:
    return {"kind": f.kind, "source": f.source, "url": f.url,
            "text": CHECKLIST[f.kind].format(source=f.source, shown=f.shown, expected=f.expected)}


def _text(value) -> str | None:
    """Text from a DataFrame cell: pandas fills missing text with NaN, the templates want None."""
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _diff(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 4)
