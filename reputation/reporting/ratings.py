"""Ratings over the weeks shown: review-weighted averages by site, department and physician, each listing's
weekly line, and the listings that moved most."""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from reports.model import DepartmentRating, Mover, Series, Trend
from reputation.findings import MIN_REVIEWS
from reputation.reporting.coverage import Scope
from reputation.reporting.display import department, display_name, site
from reputation.syndication import copied_rows

MOVERS_SHOWN = 12


def weighted_ratings(rated: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Review-weighted average rating per group (e.g. ["week", "source"]): sum(rating x reviews) /
    sum(reviews); a group whose listings give no review count gets the plain mean."""
    grouped = rated.groupby(by, observed=True)[["num", "w", "total", "n"]].sum()
    grouped = grouped[grouped["n"] > 0]
    rating = (grouped["num"] / grouped["w"]).where(grouped["w"] > 0, grouped["total"] / grouped["n"]).round(3)
    return pd.DataFrame({"rating": rating, "reviews": grouped["w"]})


def values(row) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in row]


class Ratings:
    """The weekly ratings of matched listings (gone ones and those of physicians who left included, as
    history), summed once for every grouping the reports show."""

    def __init__(self, s: Scope):
        self.scope, self.weeks = s, s.weeks
        data = s.input
        rated = data.ratings[data.ratings["rating"].notna()]
        rated = rated.merge(data.matched[["listing_id", "physician_id", "source"]], on="listing_id")
        rated = rated.merge(data.roster[["id", "department"]].rename(columns={"id": "physician_id"}), on="physician_id")
        weight = rated["review_count"].fillna(0).astype(float)
        self.by_site = rated.assign(department=rated["department"].fillna(""), num=rated["rating"].astype(float) * weight,
                                    w=weight, total=rated["rating"].astype(float), n=1)
        # Averages over sites leave out a syndicated copy's rating (its reviews are the original site's again).
        self.rated = self.by_site[~copied_rows(self.by_site, ["physician_id", "week"])]

    def _weekly(self, table: pd.DataFrame) -> pd.DataFrame:
        """A (key, week) table of ratings as key x week, every week shown present."""
        if table.empty:
            return pd.DataFrame(columns=self.weeks, dtype=float)
        return table["rating"].unstack("week").reindex(columns=self.weeks)

    @cached_property
    def by_week(self) -> pd.Series:
        return weighted_ratings(self.rated, ["week"])["rating"]

    def average(self, week: str | None) -> float | None:
        return float(self.by_week[week]) if week in self.by_week.index else None

    def trend(self) -> Trend:
        """All sources, then one line per site."""
        overall = self.by_week.reindex(self.weeks)
        series = [Series("All sources", values(overall), emphasis=True)] if overall.notna().any() else []
        for source, row in self._weekly(weighted_ratings(self.by_site, ["source", "week"])).iterrows():
            if row.notna().any():
                series.append(Series(site(source).label, values(row)))
        return Trend(self.weeks, series)

    def departments(self) -> list[DepartmentRating]:
        table = weighted_ratings(self.rated, ["department", "week"])
        if table.empty:
            return []
        weekly = self._weekly(table)
        reviews = table["reviews"].unstack("week").reindex(columns=self.weeks)
        rows = []
        for name, row in weekly.iterrows():
            line = values(row)
            known = [v for v in line if v is not None]
            latest = reviews.loc[name].iloc[-1]
            rows.append(DepartmentRating(name or "", line, line[-1],
                                         round(line[-1] - known[0], 3) if line[-1] is not None and len(known) > 1 else None,
                                         int(latest) if pd.notna(latest) else None))
        return rows

    @cached_property
    def listing_weeks(self) -> pd.DataFrame:
        """Each matched listing's rating per week shown (listing id x week)."""
        snaps = self.scope.input.ratings
        return self._weekly(snaps.set_index(["listing_id", "week"])[["rating"]].astype(float))

    @cached_property
    def physician_weeks(self) -> pd.DataFrame:
        """Each physician's review-weighted average per week shown (physician id x week)."""
        return self._weekly(weighted_ratings(self.rated, ["physician_id", "week"]))

    def movers(self) -> list[Mover]:
        """The listings whose rating moved most over the weeks shown (drops first), with enough reviews:
        this week's rating against the first week shown."""
        if not self.weeks:
            return []
        listings = self.scope.input.frames.listings
        now = listings[(listings["match_status"] == "matched") & (listings["review_count"] >= MIN_REVIEWS)]
        first = self.by_site.loc[self.by_site["week"] == self.weeks[0], ["listing_id", "rating"]].rename(columns={"rating": "start"})
        moved = now.merge(first, left_on="id", right_on="listing_id").dropna(subset=["rating"])
        moved = moved.assign(change=(moved["rating"].astype(float) - moved["start"].astype(float)).round(2))
        moved = moved[moved["change"] != 0]
        moved = moved.assign(drop=moved["change"] > 0, size=-moved["change"].abs()).sort_values(["drop", "size", "id"]).head(MOVERS_SHOWN)
        roster = self.scope.input.roster.set_index("id")
        out = []
        for m in moved.itertuples():
            p = roster.loc[m.physician_id]
            out.append(Mover(p.npi, display_name(p), department(p), site(m.source), m.url, float(m.start), float(m.rating),
                             float(m.change), values(self.listing_weeks.loc[m.id]) if m.id in self.listing_weeks.index else [],
                             int(m.review_count)))
        return out
