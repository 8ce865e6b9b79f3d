"""The report files: ``index.html``, ``findings.xlsx`` beside it and ``physicians/NPI.html`` for every active
physician, built from one load of the database."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.model import Overview
from reports.render import write_reports
from reputation.findings import Frames
from reputation.reporting.coverage import Scope, scope
from reputation.reporting.load import ReportInput, load_report_input
from reputation.reporting.overview import build_overview
from reputation.reporting.physician import PhysicianPages

FINDINGS_FILE = "findings.xlsx"
PAGES_PER_WORKER = 200  # fewer pages than this per core and forking costs more than it saves
_PAGES: PhysicianPages | None = None  # what forked page writers read (copy-on-write, never pickled)


def write_overview(data: ReportInput, out: Path, s: Scope | None = None) -> tuple[Path, Overview]:
    """``index.html``, linking to the findings workbook beside it. Returns its path and its model."""
    overview = build_overview(data, findings_file=FINDINGS_FILE, s=s)
    return write_reports(out, overview, [])[0], overview


def write_findings_workbook(engine: Engine, out: Path) -> Path:
    """Every open finding in ``findings.xlsx`` beside the overview, one sheet per site too."""
    from reputation.exports import write_rows
    from reputation.findings import open_findings

    path = Path(out) / FINDINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_rows(open_findings(engine), "xlsx", path)
    return path


def write_physician_pages(pages: PhysicianPages, out: Path, workers: int | None = None) -> int:
    """``physicians/NPI.html`` for every active physician, on every core for a large roster."""
    global _PAGES
    npis = pages.npis()
    workers = min(workers or os.cpu_count() or 1, max(1, len(npis) // PAGES_PER_WORKER))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        _write_pages(pages, out, npis)
        return len(npis)
    _PAGES = pages
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.starmap(_write_pages_forked, [(out, npis[k::workers * 4]) for k in range(workers * 4)])
    finally:
        _PAGES = None
    return len(npis)


def _write_pages(pages: PhysicianPages, out: Path, npis: list[str]) -> None:
    for start in range(0, len(npis), 100):
        write_reports(out, None, [pages.page(npi) for npi in npis[start:start + 100]])


def _write_pages_forked(out: Path, npis: list[str]) -> None:
    _write_pages(_PAGES, out, npis)


def write_all_reports(engine: Engine, out: Path, title: str | None = None,
                      frames: Frames | None = None) -> tuple[Path, Overview]:
    """The overview, the findings workbook and every physician's page; returns the overview's path and model.
    ``frames``: the findings' frames, when the caller loaded them already for this data."""
    data = load_report_input(engine, title, frames)
    s = scope(data)
    written = write_overview(data, out, s)
    write_findings_workbook(engine, out)
    write_physician_pages(PhysicianPages(data, s), out)
    return written
