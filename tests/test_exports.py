"""Exports for the person who fixes listings: CSV and XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from reputation.exports import write_csv, write_rows

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1-800-555-0100", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1"]
ROWS = [
    {"npi": "1234567893", "source": "healthgrades", "kind": "outdated_phone", "shown": value, "expected": "(404) 555-0101",
     "url": "https://www.healthgrades.com/x", "first_seen": "2026-11-02"}
    for value in HOSTILE
] + [{"npi": "0012345678", "source": "vitals", "kind": "missing_listing", "shown": "no listing found\x07", "expected": "1e5",
      "url": None, "first_seen": "2026-11-02"}]


def test_csv_neutralizes_every_formula_start():
    handle = io.StringIO()
    write_csv(ROWS, handle)
    shown = [row["shown"] for row in csv.DictReader(io.StringIO(handle.getvalue()))]
    assert shown[: len(HOSTILE)] == ["'" + v for v in HOSTILE]


@pytest.fixture
def workbook(tmp_path):
    out = tmp_path / "flags.xlsx"
    write_rows(ROWS, "xlsx", out)
    return load_workbook(out)


def test_xlsx_neutralizes_formulas_and_stores_no_formula_cell(workbook):
    sheet = workbook["All"]
    header = [c.value for c in sheet[1]]
    shown = [row[header.index("shown")] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in shown[: len(HOSTILE)]] == ["'" + v for v in HOSTILE]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_keeps_text_as_text(workbook):
    rows = list(workbook["All"].iter_rows(min_row=2, values_only=True))
    assert rows[-1][0] == "0012345678"  # leading zeros kept: an NPI is text, not a number
    assert rows[-1][4] == "1e5" and rows[-1][3] == "no listing found"  # no number parsing; control characters dropped


def test_xlsx_has_one_sheet_per_source_to_hand_to_whoever_updates_that_site(workbook):
    assert workbook.sheetnames[:3] == ["All", "healthgrades", "vitals"]
    assert workbook["vitals"].max_row == 2 and workbook["healthgrades"].max_row == 1 + len(HOSTILE)
    assert workbook["All"].freeze_panes == "A2"


def test_xlsx_has_one_sheet_per_finding_kind_in_the_kinds_order(workbook):
    assert workbook.sheetnames[3:] == ["Missing listing", "Outdated phone"]
    assert workbook["Outdated phone"].max_row == 1 + len(HOSTILE) and workbook["Missing listing"].max_row == 2


def test_an_export_is_replaced_whole_never_half_written(tmp_path):
    out = tmp_path / "flags.xlsx"
    write_rows(ROWS, "xlsx", out)
    write_rows(ROWS[:1], "xlsx", out)
    assert load_workbook(out)["All"].max_row == 2
    assert [p.name for p in tmp_path.iterdir()] == ["flags.xlsx"]
