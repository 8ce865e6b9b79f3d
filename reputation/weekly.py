"""The weekly run: crawl, match (and suggest the social accounts matched listings link to), findings, reports and,
if asked, the e-mail digest.

``repmon weekly`` runs it once a week; ``repmon demo`` runs it for each simulated week, so the demo's
reports are exactly what a user's Monday run writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.model import Overview
from reputation.crawl import CrawlOptions, run_crawl
from reputation.digest import DigestError, SmtpSettings, digest_message, send_digest
from reputation.findings import FindingsSummary, load_frames, refresh_findings
from reputation.match import MatchSummary, match_listings
from reputation.models import Run
from reputation.reporting import FINDINGS_FILE, write_all_reports
from reputation.reviews.store import tag_untagged
from reputation.social.suggestions import refresh_suggestions


@dataclass
class Week:
    crawl: Run
    matched: MatchSummary
    findings: FindingsSummary
    overview_path: Path
    overview: Overview
    digest_error: str | None = None  # the digest was asked for and could not be sent (the reports are written)

    @property
    def workbook_path(self) -> Path:
        return self.overview_path.parent / FINDINGS_FILE


def run_week(engine: Engine, options: CrawlOptions, out: Path, *, title: str | None = None,
             digest: SmtpSettings | None = None,
             crawl: Callable[[Engine, CrawlOptions], Run] = run_crawl) -> Week:
    """Crawl with ``options``, match (as of the crawl's time), bring the findings up to date, write every report
    into ``out`` and, with ``digest`` settings, mail the overview. ``crawl``: how the crawl runs (the command
    line shows its progress)."""
    run = crawl(engine, options)
    tag_untagged(engine)  # reviews stored before repmon tagged them, or while the vocabulary could not be read
    matched = match_listings(engine, now=options.crawl_time)
    refresh_suggestions(engine, now=options.crawl_time)  # accounts the matched listings link to, for a person
    frames = load_frames(engine)  # what the findings judge, read once for the findings and the reports
    findings = refresh_findings(engine, frames)
    path, overview = write_all_reports(engine, out, title, frames)
    week = Week(run, matched, findings, path, overview)
    if digest is not None:
        try:
            html = path.read_text(encoding="utf-8")
            send_digest(digest, digest_message(digest, overview, html, week.workbook_path))
        except DigestError as exc:
            week.digest_error = str(exc)
    return week
