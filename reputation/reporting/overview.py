"""The overview's model, built from the loaded data: a pure function, no database.

The overview stays one small file however large the roster: it lists individually only what someone has to
act on, up to the limits below, and says how many more there are (each physician's report and the findings
workbook have all of them).
"""

from __future__ import annotations

import pandas as pd

from crawlers.sources import reading_responses
from reports.model import ContactFixes, CrawlHealth, Figure, Finding, Headline, KindCount, Overview, Review, Reviewed
from reputation.findings import KINDS, new_negative_reviews
from reputation.reporting import coverage
from reputation.reporting.coverage import Scope, scope
from reputation.reporting.display import SHORT_TEXT_CHARS, clip, department, display_name, kind, rows, site, sites
from reputation.reporting.load import ReportInput, week_start
from reputation.reporting.ratings import Ratings
from reputation.reporting.topics import patient_topics
from reputation.reporting.responses import age_days, response_stats, response_stats_by_department
from reputation.reporting.social import build_social

FIXES_PER_SOURCE = 25  # outdated contact details listed per site
NEGATIVE_REVIEWS_SHOWN = 50


def build_overview(data: ReportInput, findings_file: str | None = None, s: Scope | None = None) -> Overview:
    """The overview. ``findings_file``: the workbook of every open finding beside it, if written;
    ``s``: the scope, when the physician pages share it."""
    s = s or scope(data)
    ratings = Ratings(s)
    open_now, before = open_findings(s)
    has_before = s.previous_week is not None
    cov_now, cov_before = coverage.coverage_share(s.coverage), coverage.coverage_share(coverage.coverage_before(s))
    avg_now, avg_before = ratings.average(s.week), ratings.average(s.previous_week)
    new_now, new_before = data.new_reviews.get(s.week, 0), data.new_reviews.get(s.previous_week, 0)
    negative = negative_reviews(s)
    matrix, matrix_note = coverage.matrix(s)
    return Overview(
        title=data.title,
        generated_at=data.generated_at,
        week=s.week,
        previous_week=s.previous_week,
        findings_file=findings_file,
        headline=Headline(
            physicians=len(s.active),
            coverage=Figure(cov_now, _diff(cov_now, cov_before)),
            open_findings=Figure(len(open_now), len(open_now) - len(before) if has_before else None),
            average_rating=Figure(avg_now, _diff(avg_now, avg_before)),
            new_reviews=Figure(new_now, new_now - new_before if has_before else None),
        ),
        findings_by_kind=[KindCount(kind(k.key), int((open_now["kind"] == k.key).sum()),
                                    int((open_now["kind"] == k.key).sum() - (before["kind"] == k.key).sum()) if has_before else None)
                          for k in KINDS],
        sites=sites(s.sources),
        departments=sorted({d for d in s.active["department"] if isinstance(d, str) and d}),
        coverage_by_source=coverage.by_source(s),
        coverage_by_department=coverage.by_department(s),
        coverage=matrix,
        coverage_note=matrix_note,
        contact_fixes=contact_fixes(s, open_now),
        take_down=findings_of(rows(_urgent(open_now)), s.people),
        rating_trend=ratings.trend(),
        department_ratings=ratings.departments(),
        movers=ratings.movers(),
        patient_topics=patient_topics(data, s.active),
        responses=response_stats(_current(data.responses, s), data.frames.latest_crawl),
        responses_by_department=response_stats_by_department(_current(data.responses, s), s.active, data.frames.latest_crawl),
        negative_reviews=negative[:NEGATIVE_REVIEWS_SHOWN],
        negative_reviews_total=len(negative),
        crawl_health=crawl_health(s),
        social=build_social(data.social, s.active, s.people),
    )


def open_findings(s: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The active physicians' findings open now, and those open when this week's crawl began."""
    findings = s.input.findings
    findings = findings[findings["npi"].isin(set(s.active["npi"]))]
    open_now = findings[findings["status"] == "open"]
    if s.previous_week is None:
        return open_now, findings.iloc[0:0]
    moment = week_start(s.week)
    first = pd.to_datetime(findings["first_seen"], utc=True)
    resolved = pd.to_datetime(findings["resolved_at"], utc=True)
    return open_now, findings[(first < moment) & (resolved.isna() | (resolved >= moment))]


def findings_of(stored, people: dict) -> list[Finding]:
    """Stored findings (rows with the Finding table's columns) as the reports show them, with the physician's
    name and department from ``people`` (npi -> roster row)."""
    out = []
    for f in stored:
        p = people.get(f.npi)
        out.append(Finding(f.npi, display_name(p) if p else f.npi, department(p) if p else "", kind(f.kind), site(f.source),
                           f.url if isinstance(f.url, str) else None, clip(f.shown), clip(f.expected),
                           _date(f.first_seen), _date(f.last_seen)))
    return out


def _date(moment) -> str:
    return pd.Timestamp(moment).date().isoformat()


def contact_fixes(s: Scope, open_now: pd.DataFrame) -> list[ContactFixes]:
    """The contact details to correct, grouped by site (what a listing shows in place of the roster's value)."""
    fixes = open_now[open_now["kind"].map(lambda k: kind(k).replaces_value).astype(bool)]
    fixes = fixes.sort_values(["source", "kind", "npi"])
    groups = []
    for key in (x.key for x in sites(set(fixes["source"]))):
        part = fixes[fixes["source"] == key]
        groups.append(ContactFixes(site(key), len(part), findings_of(rows(part.head(FIXES_PER_SOURCE)), s.people)))
    return groups



def negative_reviews(s: Scope) -> list[Review]:
    """New negative reviews without a response on matched listings, newest first."""
    frames = s.input.frames
    out = []
    new, shown = new_negative_reviews(frames.matched, frames.reviews), reading_responses()
    new = new.assign(age=age_days(new["date"], new["first_seen"], frames.latest_crawl) if len(new) else [])
    for r in rows(new):
        p = s.people.get(r.npi)
        about = Reviewed(r.npi, display_name(p) if p else r.npi, department(p) if p else "")
        out.append(Review(site(r.source), r.url, clip(r.date, SHORT_TEXT_CHARS), float(r.rating), clip(r.text),
                          clip(r.author, SHORT_TEXT_CHARS), physician=about,
                          age_days=None if pd.isna(r.age) else int(r.age), replies_shown=r.source in shown))
    return out


def _urgent(open_now: pd.DataFrame) -> pd.DataFrame:
    """Open findings of the critical kinds (a reply disclosing patient information), by physician and site."""
    critical = open_now["kind"].map(lambda k: kind(k).severity == "critical").astype(bool)
    return open_now[critical].sort_values(["npi", "source"])


def _current(responses: pd.DataFrame, s: Scope) -> pd.DataFrame:
    """The reviews of active physicians (those the overview is about)."""
    return responses[responses["physician_id"].isin(set(s.active["id"]))]


def crawl_health(s: Scope) -> list[CrawlHealth]:
    """Per site, this week's searches by outcome and whether its parser looked broken."""
    if s.week is None:
        return []
    frames = s.input.frames
    this_week = frames.searches[frames.searches["week"] == s.week]
    counts = this_week.groupby(["source", "status"]).size()
    rows = []
    for source in s.sources:
        c = {status: int(n) for (src, status), n in counts.items() if src == source}
        searched = sum(c.values())
        not_seen = searched - c.get("ok", 0)
        note = f"{not_seen} physician(s) could not be checked: unknown on this source, not missing" if not_seen else ""
        broken = sorted(frames.broken.get((source, s.week), ()))
        rows.append(CrawlHealth(site(source), searched, c.get("ok", 0), c.get("blocked", 0), c.get("error", 0),
                                c.get("disallowed", 0), note, bool(broken), broken,
                                frames.broken_reasons.get((source, s.week), "")))
    return rows


def _diff(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 4)
