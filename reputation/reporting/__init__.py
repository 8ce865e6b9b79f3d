"""The reports, built rather than queried: ``load`` reads what they need from the database once, ``overview``
and ``physician`` build the page models (``reports.model``) from that as pure functions, ``write`` renders
them to files. ``reports/`` renders the models and never sees the database.
"""

from reputation.reporting.coverage import Scope, scope
from reputation.reporting.load import ReportInput, load_report_input
from reputation.reporting.overview import build_overview
from reputation.reporting.physician import PhysicianPages
from reputation.reporting.write import (
    FINDINGS_FILE,
    write_all_reports,
    write_findings_workbook,
    write_overview,
    write_physician_pages,
)

__all__ = [
    "FINDINGS_FILE", "PhysicianPages", "ReportInput", "Scope", "build_overview", "load_report_input", "scope",
    "write_all_reports", "write_findings_workbook", "write_overview", "write_physician_pages",
]
