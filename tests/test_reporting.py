"""Report data gathered from the database: what each coverage cell says."""

from __future__ import annotations

from builders import add_physician, npi_with_check_digit, search, store, week
from reputation.reporting import ReportData

JANE = npi_with_check_digit("623456783")


def test_a_coverage_cell_describes_the_latest_search_alone(engine):
    add_physician(engine, JANE, "Jane", "Doe")
    store(engine, search(JANE, "blocked", reason="HTTP 403 challenge page", at=week(1)),
          search(JANE, "error", reason=None, at=week(2)))
    cell = ReportData(engine).coverage_now[(JANE, "healthgrades")]
    assert cell["state"] == "unknown"
    assert cell["note"] == "error:"  # not the older search's reason
