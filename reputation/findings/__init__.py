"""Findings: what a marketer should act on, computed from the stored data with pandas.

Three stages, each a module: ``frames`` loads what the rules judge (once, the recent weeks only),
``rules`` holds one rule per finding kind, ``store`` keeps the findings in the database. The kinds
themselves, with their labels, severities and checklist wording, are declared once in ``kinds``.

What the data cannot judge is *held*: neither confirmed nor resolved. A ``missing_listing`` needs a
*successful* search: when the latest search of a source was blocked, failed or never ran, that physician
is unknown there. Likewise a listing that shows no phone, no address or no rating this week (or a source
whose parser looked broken that week, per ``reputation.coverage.source_health``) says nothing about
whether an outdated phone, address or rating drop was fixed.
"""

from reputation.findings.frames import (
    Frames,
    latest_crawl_time,
    latest_searches_query,
    load_frames,
    parser_breaks,
    read_frame,
    roster_contacts,
)
from reputation.findings.kinds import BY_KEY, KINDS, SEVERITIES, FindingKind, current_findings, kind, severity_rank
from reputation.findings.rules import address_known, new_negative_reviews, rating_windows, week_number
from reputation.findings.store import FindingsSummary, open_findings, refresh_findings
from reputation.findings.thresholds import (
    ALL_SITES,
    MIN_REVIEWS,
    NEGATIVE_AT_OR_BELOW,
    RATING_DROP,
    RATING_WEEKS,
    RATING_WINDOW,
)

__all__ = [
    "ALL_SITES", "BY_KEY", "KINDS", "MIN_REVIEWS", "NEGATIVE_AT_OR_BELOW", "RATING_DROP", "RATING_WEEKS", "RATING_WINDOW",
    "SEVERITIES", "severity_rank", "FindingKind", "FindingsSummary", "Frames", "address_known", "current_findings", "kind", "latest_crawl_time",
    "latest_searches_query", "load_frames", "new_negative_reviews", "open_findings", "parser_breaks", "rating_windows",
    "read_frame", "refresh_findings", "roster_contacts", "week_number",
]
