"""Where each active physician stands on each site: listed, in review, missing, unknown or not crawled.

A listing wins over a search (a matched one over one in review); a search that succeeded and found none is
*missing*; one that was blocked, failed or disallowed is *unknown*, never missing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from reports.model import Cell, CoverageCounts, DepartmentCoverage, MatrixNote, MatrixRow, SiteCoverage
from reputation.reporting.display import SHORT_TEXT_CHARS, clip, department, display_name, number, site, sites
from reputation.reporting.display import rows as display_rows
from reputation.reporting.load import ReportInput, report_weeks

STATES = ("listed", "missing", "review", "unknown", "not_crawled")
GAPS = ("missing", "review", "unknown")
MATRIX_ROWS = 300  # physicians in the overview's coverage matrix; a larger roster shows those with gaps first
CELL_COLUMNS = ["npi", "source", "state", "note", "url", "rating"]


@dataclass
class Scope:
    """What both reports cover, derived once from the input: the active physicians, the sites seen, the weeks
    shown, and each physician's state on each site."""

    input: ReportInput
    active: pd.DataFrame  # the active physicians' roster rows, by name
    sources: list[str]  # the site keys seen, in the sources' order
    weeks: list[str]
    coverage: pd.DataFrame  # one row per active physician x source: CELL_COLUMNS

    @cached_property
    def people(self) -> dict:
        """Every physician's roster row (those who left too) by NPI."""
        return {p.npi: p for p in display_rows(self.input.roster)}

    @property
    def week(self) -> str | None:
        return self.weeks[-1] if self.weeks else None

    @property
    def previous_week(self) -> str | None:
        return self.weeks[-2] if len(self.weeks) > 1 else None


def scope(data: ReportInput) -> Scope:
    """What the reports cover: the active physicians by name, the sites searched or listed on, the weeks shown."""
    roster = data.roster
    active = roster[roster["active"].astype(bool)].sort_values(["last_name", "first_name", "npi"])
    listings, searches = data.frames.listings, data.frames.searches
    sources = [s.key for s in sites(set(searches["source"]) | set(listings["source"]))]
    npis = list(active["npi"])
    return Scope(data, active, sources, report_weeks(data.ratings, searches),
                 coverage_cells(npis, sources, searches, listed_now(listings)))


def listed_now(listings: pd.DataFrame) -> pd.DataFrame:
    """The current listings as coverage: matched ones "listed", those waiting for a person "review"."""
    state = listings["match_status"].map({"matched": "listed", "review": "review"})
    return pd.DataFrame({"npi": listings["npi"], "source": listings["source"], "state": state,
                         "url": listings["url"], "rating": listings["rating"]})


def listed_before(data: ReportInput, week: str) -> pd.DataFrame:
    """The matched listings the crawl of ``week`` read (a snapshot that week), as coverage (for the share
    listed then: no link)."""
    snaps = data.ratings.loc[data.ratings["week"] == week, ["listing_id", "rating"]]
    rows = snaps.merge(data.matched, on="listing_id").merge(data.roster[["id", "npi"]], left_on="physician_id", right_on="id")
    return pd.DataFrame({"npi": rows["npi"], "source": rows["source"], "state": "listed", "url": None,
                         "rating": rows["rating"]})


def _dates(searches: pd.DataFrame) -> np.ndarray:
    """The day each search was made (a physician not found is searched one week in four): " on 2026-11-16"."""
    if "crawled_at" not in searches or searches.empty:
        return np.full(len(searches), "", dtype=object)
    days = pd.to_datetime(searches["crawled_at"], utc=True).dt.strftime("%Y-%m-%d")
    return (" on " + days.fillna("")).str.replace(r"^ on $", "", regex=True).to_numpy(dtype=object)


def coverage_cells(npis: list[str], sources: list[str], searches: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """One row per physician x source (CELL_COLUMNS), from the latest searches and the listings seen."""
    grid = pd.MultiIndex.from_product([npis, sources], names=["npi", "source"]).to_frame(index=False)
    ok = (searches["status"] == "ok").to_numpy(dtype=bool)
    why = (searches["status"].astype(str) + ": " + searches["reason"].fillna("").astype(str)).str.strip()
    searched = pd.DataFrame({
        "npi": searches["npi"], "source": searches["source"], "state": np.where(ok, "missing", "unknown"),
        "note": np.where(ok, "searched" + _dates(searches) + ", no listing found", why.to_numpy(dtype=object)),
        "url": None, "rating": None}, columns=CELL_COLUMNS)
    listed = listed.assign(note=listed["state"].map({"listed": "matched", "review": "match needs review"}))
    listed = listed.sort_values("state", kind="stable").drop_duplicates(["npi", "source"])  # "listed" before "review"
    cells = pd.concat([listed[CELL_COLUMNS], searched]).drop_duplicates(["npi", "source"])
    out = grid.merge(cells.astype({"npi": object, "source": object}), on=["npi", "source"], how="left")
    out["state"] = out["state"].fillna("not_crawled")
    out["note"] = out["note"].fillna("not crawled yet")
    return out


def coverage_share(cells: pd.DataFrame | None) -> float | None:
    """Listed / (listed + missing): what could not be seen counts neither way."""
    if cells is None:
        return None
    known = cells["state"].isin(["listed", "missing"]).sum()
    return round(float((cells["state"] == "listed").sum() / known), 4) if known else None


def coverage_before(s: Scope) -> pd.DataFrame | None:
    """Coverage as the previous week's crawl saw it: its searches and the listings it read."""
    if s.previous_week is None:
        return None
    return coverage_cells(list(s.active["npi"]), s.sources, s.input.searches_before, listed_before(s.input, s.previous_week))


def by_source(s: Scope) -> list[SiteCoverage]:
    counts = s.coverage.groupby(["source", "state"]).size().unstack(fill_value=0)
    rows = []
    for source in s.sources:
        c = {state: int(counts.at[source, state]) if source in counts.index and state in counts.columns else 0
             for state in STATES}
        known = c["listed"] + c["missing"]
        rows.append(SiteCoverage(site(source), **c, share=c["listed"] / known if known else None))
    return rows


def by_department(s: Scope) -> list[DepartmentCoverage]:
    department = dict(zip(s.active["npi"], s.active["department"].fillna("")))
    cells = s.coverage.assign(department=s.coverage["npi"].map(department))
    counts = cells.groupby(["department", "source", "state"]).size().unstack(fill_value=0)
    physicians = cells.groupby("department")["npi"].nunique()
    rows = []
    for name, part in counts.groupby(level="department"):
        by_site = {}
        for (_, source), c in part.iterrows():
            listed, missing = int(c.get("listed", 0)), int(c.get("missing", 0))
            by_site[source] = CoverageCounts(listed, missing, int(c.get("review", 0)), int(c.get("unknown", 0)),
                                             listed / (listed + missing) if listed + missing else None)
        rows.append(DepartmentCoverage(name, int(physicians[name]), by_site))
    return rows


def matrix(s: Scope) -> tuple[list[MatrixRow], MatrixNote]:
    """The coverage matrix rows: every physician when the roster fits, else those with the most gaps."""
    cov = s.coverage
    gaps = cov[cov["state"].isin(GAPS)]
    to_act = gaps["state"].isin(["missing", "review"]).groupby(gaps["npi"]).sum()
    unknown = (gaps["state"] == "unknown").groupby(gaps["npi"]).sum()
    rows = list(display_rows(s.active))
    if len(rows) > MATRIX_ROWS:
        rows = sorted((p for p in rows if p.npi in to_act.index), key=lambda p: (-to_act[p.npi], -unknown[p.npi]))
        rows = sorted(rows[:MATRIX_ROWS], key=lambda p: (p.last_name, p.first_name, p.npi))
    shown = cov[cov["npi"].isin({p.npi for p in rows})]
    cells: dict[str, dict] = defaultdict(dict)
    for row in display_rows(shown):
        # Only a cell that needs explaining carries the crawler's note (why unknown, what to review).
        note = clip(row.note, SHORT_TEXT_CHARS) if row.state in ("unknown", "review") else ""
        cells[row.npi][row.source] = Cell(row.state, note, row.url if isinstance(row.url, str) else None, number(row.rating))
    note = MatrixNote(shown=len(rows), physicians=len(s.active), with_gaps=int(len(to_act)),
                      complete=len(s.active) - int(len(to_act)))
    return [MatrixRow(p.npi, display_name(p), department(p), f"physicians/{p.npi}.html", cells[p.npi]) for p in rows], note
