"""The plain data the reports show, gathered from the database (reports/ never queries it).

Built for a health system's whole roster: everything is read in a few queries over the last
TREND_WEEKS weeks (a year of weekly snapshots stays in the database) and computed with pandas, once;
``physician(npi)`` then only looks things up. The overview stays one small file however large the
roster: it lists individually only what someone has to act on, up to the limits below, and says how
many more there are (each physician's report and ``repmon export flags`` have all of them).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from reputation.findings import (
    ALL_SITES,
    KINDS,
    MIN_REVIEWS,
    NEGATIVE_AT_OR_BELOW,
    RATING_WINDOW,
    Frames,
    address_known,
    kind,
    latest_crawl_time,
    latest_searches_query,
    load_frames,
    new_negative_reviews,
    parser_breaks,
    read_frame,
    roster_contacts,
)
from crawlers.sources import ordered
from reputation.known_phones import known_phones
from reputation.models import Finding, Listing, Match, Physician, Review, Snapshot
from reputation.normalize import SAME, format_address, format_phone, normalize_phone
from reputation.records import iso_week

TREND_WEEKS = 12
MATRIX_ROWS = 300  # physicians in the overview's coverage matrix; a larger roster shows those with gaps first
FIXES_PER_SOURCE = 25  # outdated contact details listed per site in the overview
NEGATIVE_REVIEWS_SHOWN = 50
MOVERS_SHOWN = 12
# Scraped text is shown clipped to these, whatever the database holds (older rows predate the record
# limits): ten 2 MB author names must not make a 20 MB overview, which is also the e-mail body.
REVIEW_TEXT_CHARS = 600  # review text, a response, a finding's "shows" and "roster says"
SHORT_TEXT_CHARS = 120  # an author, a review date, a listing name, a crawler's note on a coverage cell
REVIEWS_PER_PHYSICIAN = 20
GAPS = ("missing", "review", "unknown")


def default_title() -> str:
    return os.environ.get("REPMON_TITLE", "Physician online reputation")


def display_name(p) -> str:
    middle = f" {p.middle_name[0]}." if p.middle_name and len(p.middle_name) == 1 else (f" {p.middle_name}" if p.middle_name else "")
    name = f"{p.first_name}{middle} {p.last_name}"
    if p.suffix:
        name += f" {p.suffix}"
    return f"{name}, {p.credentials}" if p.credentials else name


def ordered_sources(keys) -> list[str]:
    return ordered(keys)


def week_start(week: str) -> datetime:
    year, number = week.split("-W")
    return datetime.combine(date.fromisocalendar(int(year), int(number), 1), time(), tzinfo=UTC)


def weighted_ratings(sums: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Review-weighted average rating per group (e.g. ["week", "source"]): sum(rating x reviews) /
    sum(reviews); a group whose listings give no review count gets the plain mean. ``sums`` holds
    partial sums (num, w, total, n: see RATING_SUMS), summed again here, so any grouping can be read
    from one aggregate query."""
    grouped = sums.groupby(by)[["num", "w", "total", "n"]].sum()
    grouped = grouped[grouped["n"] > 0]
    rating = (grouped["num"] / grouped["w"]).where(grouped["w"] > 0, grouped["total"] / grouped["n"]).round(3)
    return pd.DataFrame({"rating": rating, "reviews": grouped["w"]})


def rating_sums(keys: list, since: str | None):
    """Weekly sums of matched listings' ratings grouped by ``keys`` (columns), computed by the database."""
    weight = func.coalesce(Snapshot.review_count, 0)
    return (select(*keys, Snapshot.week, func.sum(Snapshot.rating * weight).label("num"), func.sum(weight).label("w"),
                   func.sum(Snapshot.rating).label("total"), func.count(Snapshot.rating).label("n"))
            .join(Listing, Listing.id == Snapshot.listing_id).join(Match, Match.listing_id == Listing.id)
            .join(Physician, Physician.id == Match.physician_id)
            .where(Match.status == "matched", Snapshot.rating.is_not(None), Snapshot.week >= (since or ""))
            .group_by(*keys, Snapshot.week))


def _weekly(table: pd.DataFrame, weeks: list[str]) -> pd.DataFrame:
    """A (week, key) table of ratings as key x week, every week present."""
    if table.empty:
        return pd.DataFrame(columns=weeks, dtype=float)
    return table["rating"].unstack("week").reindex(columns=weeks)


def _values(row) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in row]


class ReportData:
    """Everything loaded once; overview() and physician(npi) build the template data from it."""

    def __init__(self, engine: Engine, title: str | None = None):
        self.engine = engine
        self.title = title or default_title()
        self.generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        latest = latest_crawl_time(engine)
        since = iso_week(latest - timedelta(weeks=TREND_WEEKS - 1)) if latest else None
        self.since = since
        active = Physician.active == True  # noqa: E712
        with engine.connect() as conn:
            self.physicians = {p.npi: p for p in conn.execute(select(*Physician.__table__.c)).all()}
            self.findings = conn.execute(select(*Finding.__table__.c)).all()
            # The current listings, as the findings see them (matched or in review, not gone).
            self.listings = read_frame(conn, select(Listing.id, Listing.source, Listing.url, Listing.rating, Listing.review_count,
                                                Listing.first_seen, Listing.last_seen, Match.physician_id,
                                                Match.status.label("match_status"), Physician.npi)
                                   .join(Match, Match.listing_id == Listing.id).join(Physician, Physician.id == Match.physician_id)
                                   .where(Match.status.in_(["matched", "review"]), Listing.gone_since.is_(None), active))
            searches = latest_searches_query(iso_week(latest - RATING_WINDOW) if latest else None).subquery()
            self.searches = read_frame(conn, select(searches.c.npi, searches.c.source, searches.c.week, searches.c.status, searches.c.reason))
            self.sums = read_frame(conn, rating_sums([Listing.source, Physician.department], since))
            self.unanswered = read_frame(conn, select(*Review.__table__.c).join(Listing, Listing.id == Review.listing_id)
                                     .join(Match, Match.listing_id == Listing.id).where(
                Match.status == "matched", Listing.gone_since.is_(None), Review.rating <= NEGATIVE_AT_OR_BELOW, Review.response.is_(None)))
        self.sums["department"] = self.sums["department"].fillna("")
        weeks = sorted(set(self.sums["week"]) | set(self.searches["week"]))
        self.weeks = weeks[-TREND_WEEKS:]
        self.week = weeks[-1] if weeks else None
        self.previous_week = weeks[-2] if len(weeks) > 1 else None
        self.by_id = {p.id: p for p in self.physicians.values()}
        self.active = sorted((p for p in self.physicians.values() if p.active), key=lambda p: (p.last_name, p.first_name, p.npi))
        self.sources = ordered_sources(set(self.searches["source"]) | set(self.listings["source"]))
        self.broken, self.broken_reasons = parser_breaks(engine)
        self.coverage_now = self._coverage(self.searches, self._listed_now())
        self.coverage_before = self._coverage_before()

    # -- coverage -------------------------------------------------------------------------------
    def _listed_now(self) -> pd.DataFrame:
        listings = self.listings.assign(state=self.listings["match_status"].map({"matched": "listed", "review": "review"}))
        return listings[["npi", "source", "state", "url", "rating"]]

    def _coverage(self, searches: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
        """One row per active physician x source: state (listed, review, missing, unknown, not_crawled),
        the crawler's note, the listing's url and rating. A listing wins over a search; a matched one
        over one in review."""
        grid = pd.MultiIndex.from_product([[p.npi for p in self.active], self.sources], names=["npi", "source"]).to_frame(index=False)
        searched = searches[["npi", "source", "status", "reason"]]
        searched = searched.assign(state=searched["status"].map(lambda s: "missing" if s == "ok" else "unknown"),
                                   note=[("searched, no listing found" if s == "ok" else f"{s}: {r or ''}".strip())
                                         for s, r in zip(searched["status"], searched["reason"])], url=None, rating=None)
        listed = listed.assign(note=listed["state"].map({"listed": "matched", "review": "match needs review"}))
        listed = listed.sort_values("state").drop_duplicates(["npi", "source"])  # "listed" sorts before "review"
        cells = pd.concat([listed, searched[listed.columns]]).drop_duplicates(["npi", "source"])
        out = grid.merge(cells, on=["npi", "source"], how="left")
        out["state"] = out["state"].fillna("not_crawled")
        out["note"] = out["note"].fillna("not crawled yet")
        return out

    def _coverage_before(self) -> pd.DataFrame | None:
        """Coverage as the previous week's crawl saw it: its searches and the listings it read."""
        if self.previous_week is None:
            return None
        with self.engine.connect() as conn:
            searches = latest_searches_query(self.previous_week, self.previous_week).subquery()
            searches = read_frame(conn, select(searches.c.npi, searches.c.source, searches.c.status, searches.c.reason))
            listed = read_frame(conn, select(Physician.npi, Listing.source, Listing.url, Snapshot.rating)
                            .join(Listing, Listing.id == Snapshot.listing_id).join(Match, Match.listing_id == Listing.id)
                            .join(Physician, Physician.id == Match.physician_id)
                            .where(Snapshot.listing_id.in_(select(Match.listing_id).where(Match.status == "matched")),
                                   Snapshot.week == self.previous_week))
        return self._coverage(searches, listed.assign(state="listed")[["npi", "source", "state", "url", "rating"]])

    @staticmethod
    def _coverage_share(states: pd.DataFrame | None) -> float | None:
        if states is None:
            return None
        known = states["state"].isin(["listed", "missing"]).sum()
        return round(float((states["state"] == "listed").sum() / known), 4) if known else None

    def _coverage_by_source(self) -> list[dict]:
        counts = self.coverage_now.groupby(["source", "state"]).size().unstack(fill_value=0)
        rows = []
        for source in self.sources:
            c = {state: int(counts.at[source, state]) if source in counts.index and state in counts.columns else 0
                 for state in ("listed", "missing", "review", "unknown", "not_crawled")}
            known = c["listed"] + c["missing"]
            rows.append({"source": source, **c, "share": c["listed"] / known if known else None})
        return rows

    def _coverage_by_department(self) -> list[dict]:
        department = {p.npi: p.department or "" for p in self.active}
        states = self.coverage_now.assign(department=self.coverage_now["npi"].map(department))
        counts = states.groupby(["department", "source", "state"]).size().unstack(fill_value=0)
        physicians = states.groupby("department")["npi"].nunique()
        rows = []
        for name, part in counts.groupby(level="department"):
            cells = {}
            for (_, source), c in part.iterrows():
                listed, missing = int(c.get("listed", 0)), int(c.get("missing", 0))
                cells[source] = {"listed": listed, "missing": missing, "review": int(c.get("review", 0)),
                                 "unknown": int(c.get("unknown", 0)), "share": listed / (listed + missing) if listed + missing else None}
            rows.append({"department": name, "physicians": int(physicians[name]), "cells": cells})
        return rows

    def _matrix(self) -> tuple[list[dict], dict]:
        """The coverage matrix rows: every physician when the roster fits, else those with the most gaps."""
        cov = self.coverage_now
        gaps = cov[cov["state"].isin(GAPS)]
        to_act = gaps["state"].isin(["missing", "review"]).groupby(gaps["npi"]).sum()
        unknown = (gaps["state"] == "unknown").groupby(gaps["npi"]).sum()
        rows = self.active
        if len(rows) > MATRIX_ROWS:
            rows = sorted((p for p in rows if p.npi in to_act.index), key=lambda p: (-to_act[p.npi], -unknown[p.npi]))
            rows = sorted(rows[:MATRIX_ROWS], key=lambda p: (p.last_name, p.first_name, p.npi))
        shown = cov[cov["npi"].isin({p.npi for p in rows})]
        cells: dict[str, dict] = defaultdict(dict)
        for row in shown.itertuples():
            # Only a cell that needs explaining carries the crawler's note (why unknown, what to review).
            cells[row.npi][row.source] = {"state": row.state, "note": _clip(row.note, SHORT_TEXT_CHARS) if row.state in ("unknown", "review") else "",
                                          "url": row.url if isinstance(row.url, str) else None,
                                          "rating": None if pd.isna(row.rating) else float(row.rating)}
        note = {"shown": len(rows), "physicians": len(self.active), "with_gaps": int(len(to_act)),
                "complete": len(self.active) - int(len(to_act))}
        return [{"npi": p.npi, "name": display_name(p), "department": p.department or "",
                 "report_href": f"physicians/{p.npi}.html", "cells": cells[p.npi]} for p in rows], note

    # -- ratings ----------------------------------------------------------------------------------
    def _trend_by(self, key: str, label_all: str = "All sources") -> dict:
        overall = weighted_ratings(self.sums, ["week"])["rating"].reindex(self.weeks)
        series = [{"label": label_all, "values": _values(overall)}] if overall.notna().any() else []
        for name, row in _weekly(weighted_ratings(self.sums, [key, "week"]), self.weeks).iterrows():
            if row.notna().any():
                series.append({"label": name, "values": _values(row)})
        return {"weeks": self.weeks, "series": series}

    @cached_property
    def _listing_weeks(self) -> pd.DataFrame:
        """Each matched listing's rating per week shown, for the physician pages' charts."""
        with self.engine.connect() as conn:
            snaps = read_frame(conn, select(Snapshot.listing_id, Snapshot.week, Snapshot.rating)
                           .where(Snapshot.listing_id.in_(select(Match.listing_id).where(Match.status == "matched")),
                                  Snapshot.week >= (self.since or "")))
        return _weekly(snaps.set_index(["listing_id", "week"])[["rating"]], self.weeks)

    @cached_property
    def _physician_weeks(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            sums = read_frame(conn, rating_sums([Match.physician_id], self.since))
        return _weekly(weighted_ratings(sums, ["physician_id", "week"]), self.weeks)

    def _department_ratings(self) -> list[dict]:
        table = weighted_ratings(self.sums, ["department", "week"])
        weekly = _weekly(table, self.weeks)
        reviews = table["reviews"].unstack("week").reindex(columns=self.weeks)
        rows = []
        for department, row in weekly.iterrows():
            values = _values(row)
            known = [v for v in values if v is not None]
            latest = reviews.loc[department].iloc[-1]
            rows.append({"department": department or "", "values": values, "now": values[-1],
                         "change": round(values[-1] - known[0], 3) if values[-1] is not None and len(known) > 1 else None,
                         "reviews": int(latest) if pd.notna(latest) else None})
        return rows

    def _movers(self) -> list[dict]:
        """The listings whose rating moved most over the weeks shown (drops first), with enough reviews:
        this week's rating against the first week shown."""
        if not self.weeks:
            return []
        now = self.listings[(self.listings["match_status"] == "matched") & (self.listings["review_count"] >= MIN_REVIEWS)]
        with self.engine.connect() as conn:
            first = read_frame(conn, select(Snapshot.listing_id, Snapshot.rating.label("start"))
                           .where(Snapshot.listing_id.in_(select(Match.listing_id).where(Match.status == "matched")),
                                  Snapshot.week == self.weeks[0], Snapshot.rating.is_not(None)))
        moved = now.merge(first, left_on="id", right_on="listing_id").dropna(subset=["rating"])
        moved = moved.assign(change=(moved["rating"] - moved["start"]).round(2))
        moved = moved[moved["change"] != 0]
        moved = moved.assign(drop=moved["change"] > 0, size=-moved["change"].abs()).sort_values(["drop", "size"]).head(MOVERS_SHOWN)
        with self.engine.connect() as conn:
            snaps = read_frame(conn, select(Snapshot.listing_id, Snapshot.week, Snapshot.rating)
                           .where(Snapshot.listing_id.in_([int(i) for i in moved["id"]]), Snapshot.week >= self.weeks[0]))
        weekly = _weekly(snaps.set_index(["listing_id", "week"])[["rating"]], self.weeks)
        out = []
        for m in moved.itertuples():
            p = self.by_id[m.physician_id]
            out.append({"npi": p.npi, "name": display_name(p), "department": p.department or "", "source": m.source,
                        "url": m.url, "from": float(m.start), "to": float(m.rating), "change": float(m.change),
                        "values": _values(weekly.loc[m.id]) if m.id in weekly.index else [], "review_count": int(m.review_count)})
        return out

    # -- findings ---------------------------------------------------------------------------------
    def _open_at(self, moment: datetime | None) -> list:
        if moment is None:
            return []
        return [f for f in self.findings if f.first_seen < moment and (f.resolved_at is None or f.resolved_at >= moment)]

    def _finding_dict(self, f) -> dict:
        p = self.physicians.get(f.npi)
        return {"npi": f.npi, "name": display_name(p) if p else f.npi, "department": (p.department if p else "") or "",
                "kind": f.kind, "source": f.source, "url": f.url, "shown": _clip(f.shown), "expected": _clip(f.expected),
                "first_seen": f.first_seen.date().isoformat(), "last_seen": f.last_seen.date().isoformat()}

    # -- the two reports ----------------------------------------------------------------------------
    def overview(self, findings_file: str | None = None) -> dict:
        """The overview's data. ``findings_file``: the full findings export beside the report, if written."""
        active_npis = {p.npi for p in self.active}
        open_now = [f for f in self.findings if f.status == "open" and f.npi in active_npis]
        has_before = self.previous_week is not None
        before = [f for f in self._open_at(week_start(self.week) if has_before else None) if f.npi in active_npis]
        by_week = weighted_ratings(self.sums, ["week"])["rating"]
        avg_now = float(by_week[self.week]) if self.week in by_week.index else None
        avg_before = float(by_week[self.previous_week]) if has_before and self.previous_week in by_week.index else None
        cov_now, cov_before = self._coverage_share(self.coverage_now), self._coverage_share(self.coverage_before)
        new_reviews = self._new_reviews(self.week)
        fixes: dict[str, list] = defaultdict(list)
        for f in sorted(open_now, key=lambda f: (f.source, f.kind, f.npi)):
            if f.kind in ("outdated_phone", "outdated_address"):
                fixes[f.source].append(f)
        matrix, matrix_note = self._matrix()
        negative = self._negative_review_rows()
        return {
            "title": self.title,
            "generated_at": self.generated_at,
            "week": self.week or "no crawl yet",
            "previous_week": self.previous_week,
            "findings_file": findings_file,
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
                for k in (entry.key for entry in KINDS)
            ],
            "sources": self.sources,
            "departments": sorted({p.department for p in self.active if p.department}),
            "coverage_by_source": self._coverage_by_source(),
            "coverage_by_department": self._coverage_by_department(),
            "coverage": matrix,
            "coverage_note": matrix_note,
            "contact_fixes": [{"source": s, "total": len(items), "items": [self._finding_dict(f) for f in items[:FIXES_PER_SOURCE]]}
                              for s, items in sorted(fixes.items(), key=lambda kv: ordered_sources(fixes).index(kv[0]))],
            "rating_trend": self._trend_by("source"),
            "department_ratings": self._department_ratings(),
            "movers": self._movers(),
            "negative_reviews": negative[:NEGATIVE_REVIEWS_SHOWN],
            "negative_reviews_total": len(negative),
            "crawl_health": self._crawl_health(),
        }

    def _new_reviews(self, week: str | None) -> int:
        """Reviews first seen in ``week`` on matched listings crawled before (a first crawl brings history)."""
        if week is None:
            return 0
        start = week_start(week)
        with self.engine.connect() as conn:
            return int(conn.execute(
                select(func.count()).select_from(Review).join(Listing, Listing.id == Review.listing_id)
                .join(Match, Match.listing_id == Listing.id)
                .where(Match.status == "matched", Review.first_seen >= start, Review.first_seen < start + timedelta(weeks=1),
                       Review.first_seen > Listing.first_seen)).scalar())

    def _negative_review_rows(self) -> list[dict]:
        matched = self.listings[self.listings["match_status"] == "matched"]
        rows = []
        for r in new_negative_reviews(matched, self.unanswered).itertuples():
            p = self.physicians.get(r.npi)
            rows.append({"npi": r.npi, "name": display_name(p) if p else r.npi, "department": (p.department if p else "") or "",
                         "source": r.source, "url": r.url, "date": _clip(_text(r.date), SHORT_TEXT_CHARS), "rating": float(r.rating),
                         "text": _clip(_text(r.text)), "author": _clip(_text(r.author), SHORT_TEXT_CHARS)})
        return rows

    def _crawl_health(self) -> list[dict]:
        if self.week is None:
            return []
        this_week = self.searches[self.searches["week"] == self.week]
        by_source: dict[str, dict] = defaultdict(dict)
        for (source, status), count in this_week.groupby(["source", "status"]).size().items():
            by_source[source][status] = int(count)
        parser = {source: fields for (source, week), fields in self.broken.items() if week == self.week}
        reasons = {source: reason for (source, week), reason in self.broken_reasons.items() if week == self.week}
        rows = []
        for source in self.sources:
            c = by_source.get(source, {})
            searched = sum(c.values())
            not_seen = searched - c.get("ok", 0)
            note = f"{not_seen} physician(s) could not be checked: unknown on this source, not missing" if not_seen else ""
            broken = sorted(parser.get(source, ()))
            rows.append({"source": source, "searched": searched, "ok": c.get("ok", 0), "blocked": c.get("blocked", 0),
                         "errors": c.get("error", 0), "disallowed": c.get("disallowed", 0), "note": note,
                         "parser_broken": bool(broken), "broken_fields": broken, "parser_reason": reasons.get(source, "")})
        return rows

    # -- one physician ------------------------------------------------------------------------------
    @cached_property
    def frames(self) -> Frames:
        """What the findings see, with the listings' phones and addresses: read for the physician pages only."""
        return load_frames(self.engine)

    @cached_property
    def contacts(self) -> dict[int, dict]:
        return roster_contacts(self.frames.locations)

    @cached_property
    def ignore(self) -> set[str]:
        return known_phones(self.engine)

    @cached_property
    def _by_physician(self) -> dict:
        """Listings, coverage, findings and locations per physician, grouped once for every page."""
        groups: dict = {"listings": defaultdict(list), "coverage": defaultdict(dict), "findings": defaultdict(list),
                        "locations": defaultdict(list)}
        for row in self.frames.listings.sort_values(["source", "url"]).to_dict("records"):
            groups["listings"][row["physician_id"]].append(row)
        for row in self.coverage_now[["npi", "source", "state", "note"]].itertuples(index=False):
            groups["coverage"][row.npi][row.source] = {"state": row.state, "note": _clip(row.note, SHORT_TEXT_CHARS)}
        for f in self.findings:
            if f.status == "open":
                groups["findings"][f.npi].append(f)
        for loc in self.frames.locations.sort_values("id").itertuples():
            groups["locations"][loc.physician_id].append(loc)
        return groups

    @cached_property
    def _recent_reviews(self) -> dict[int, list]:
        """The most recent reviews of each physician's matched listings, newest first."""
        rank = func.row_number().over(partition_by=Match.physician_id,
                                      order_by=(Review.first_seen.desc(), Review.date.desc(), Review.id.desc()))
        inner = (select(Review.rating, Review.date, Review.text, Review.author, Review.response, Listing.source, Listing.url,
                        Match.physician_id, rank.label("rank"))
                 .join(Listing, Listing.id == Review.listing_id).join(Match, Match.listing_id == Listing.id)
                 .where(Match.status == "matched").subquery())
        with self.engine.connect() as conn:
            rows = conn.execute(select(inner).where(inner.c.rank <= REVIEWS_PER_PHYSICIAN).order_by(inner.c.physician_id, inner.c.rank)).all()
        out: dict[int, list] = defaultdict(list)
        for r in rows:
            out[r.physician_id].append({"source": r.source, "url": r.url, "date": _clip(r.date, SHORT_TEXT_CHARS), "rating": r.rating,
                                        "text": _clip(r.text), "author": _clip(r.author, SHORT_TEXT_CHARS),
                                        "response": _clip(r.response)})
        return out

    def physician(self, npi: str) -> dict:
        p = self.physicians[npi]
        groups = self._by_physician
        roster = self.contacts.get(p.id, {"phones": set(), "addresses": []})
        listings = []
        for l in groups["listings"].get(p.id, []):
            phones = [normalize_phone(x) for x in l["phones"] or []]
            listings.append({
                "source": l["source"], "url": l["url"], "name": _clip(l["name"], SHORT_TEXT_CHARS),
                "rating": None if pd.isna(l["rating"]) else float(l["rating"]),
                "review_count": None if pd.isna(l["review_count"]) else int(l["review_count"]),
                "match_status": l["match_status"],
                "score": None,
                "phones": [format_phone(x) if x else "" for x in phones],
                "addresses": [format_address(a) for a in l["addresses"] or []],
                "phone_ok": None if not phones else all((x in roster["phones"] or x in self.ignore) for x in phones if x),
                "address_ok": None if not l["addresses"] else all(address_known(a, roster["addresses"]) == SAME for a in l["addresses"]),
                "first_seen": pd.Timestamp(l["first_seen"]).date().isoformat(),
                "last_seen": pd.Timestamp(l["last_seen"]).date().isoformat(),
            })
        findings = sorted(groups["findings"].get(npi, []), key=lambda f: (f.kind, f.source))
        coverage = groups["coverage"].get(npi, {})
        return {
            "title": self.title, "generated_at": self.generated_at, "week": self.week or "no crawl yet",
            "overview_href": "../index.html",
            "physician": {
                "npi": p.npi, "name": display_name(p), "specialty": p.specialty or "", "department": p.department or "",
                "active": p.active,
                "locations": [{"practice_name": l.practice_name or "", "street": l.street or "", "city": l.city or "",
                               "state": l.state or "", "zip": l.zip or "", "phone": format_phone(normalize_phone(l.phone)) if l.phone else ""}
                              for l in groups["locations"].get(p.id, [])],
            },
            "listings": listings,
            "coverage": [{"source": s, **coverage.get(s, {"state": "not_crawled", "note": ""})} for s in self.sources],
            "trend": {"weeks": self.weeks, "series": self._physician_series(p.id, [l for l in groups["listings"].get(p.id, []) if l["match_status"] == "matched"])},
            "reviews": self._recent_reviews.get(p.id, []),
            "checklist": [_checklist_item(f) for f in findings],
            "findings": [self._finding_dict(f) for f in findings],
        }

    def _physician_series(self, physician_id: int, listings: list[dict]) -> list[dict]:
        """One weekly line per listing (labelled by site), and the review-weighted average when several."""
        series = []
        counts: dict[str, int] = defaultdict(int)
        weekly = self._listing_weeks
        for l in listings:
            counts[l["source"]] += 1
            if l["id"] not in weekly.index:
                continue
            values = _values(weekly.loc[l["id"]])
            if any(v is not None for v in values):
                label = l["source"] if counts[l["source"]] == 1 else f"{l['source']} ({counts[l['source']]})"
                series.append({"label": label, "values": values})
        if len(series) > 1 and physician_id in self._physician_weeks.index:
            series.append({"label": "Weighted average", "values": _values(self._physician_weeks.loc[physician_id])})
        return series


FINDINGS_FILE = "findings.xlsx"
_PAGES_DATA: ReportData | None = None  # what forked page writers read (copy-on-write, never pickled)


def write_overview(data: ReportData, out: Path) -> tuple[Path, dict]:
    """``index.html``, linking to the findings workbook beside it. Returns the overview's path and data."""
    from reports.render import write_reports

    overview = data.overview(findings_file=FINDINGS_FILE)
    return write_reports(out, overview, [])[0], overview


def write_findings_workbook(engine: Engine, out: Path) -> Path:
    """Every open finding in ``findings.xlsx`` beside the overview, one sheet per site too."""
    from reputation.exports import write_rows
    from reputation.findings import open_findings

    path = Path(out) / FINDINGS_FILE
    write_rows(open_findings(engine), "xlsx", path)
    return path


def write_physician_pages(data: ReportData, out: Path, workers: int | None = None) -> int:
    """``physicians/NPI.html`` for every active physician, on every core for a large roster."""
    global _PAGES_DATA
    npis = [p.npi for p in data.active]
    workers = min(workers or os.cpu_count() or 1, max(1, len(npis) // 200))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        _write_pages(data, out, npis)
        return len(npis)
    data._by_physician, data._recent_reviews, data._listing_weeks, data._physician_weeks  # noqa: B018 - load before forking
    _PAGES_DATA = data
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.starmap(_write_pages_forked, [(out, npis[k::workers * 4]) for k in range(workers * 4)])
    finally:
        _PAGES_DATA = None
    return len(npis)


def _write_pages(data: ReportData, out: Path, npis: list[str]) -> None:
    from reports.render import write_reports

    for start in range(0, len(npis), 100):
        write_reports(out, None, [data.physician(npi) for npi in npis[start:start + 100]])


def _write_pages_forked(out: Path, npis: list[str]) -> None:
    _write_pages(_PAGES_DATA, out, npis)


def write_all_reports(engine: Engine, out: Path, title: str | None = None) -> tuple[Path, dict]:
    """The overview, the findings workbook and every physician's page; returns the overview's path and data."""
    data = ReportData(engine, title)
    written = write_overview(data, out)
    write_findings_workbook(engine, out)
    write_physician_pages(data, out)
    return written




def _checklist_item(f) -> dict:
    source = "all sites" if f.source == ALL_SITES else f.source
    return {"kind": f.kind, "source": f.source, "url": f.url,
            "text": kind(f.kind).checklist.format(source=source, shown=_clip(f.shown), expected=_clip(f.expected))}


def _text(value) -> str | None:
    """Text from a DataFrame cell: pandas fills missing text with NaN, the templates want None."""
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _clip(text: str | None, chars: int = REVIEW_TEXT_CHARS) -> str | None:
    if text is None or len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0] + " …"


def _diff(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 4)
