"""`repmon demo`: the whole job on the sandbox, as a first-time user runs it."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from reputation.cli import app


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_the_demo_prints_the_overview_path_and_writes_a_report_per_physician(demo):
    out, output = demo
    assert str(out / "reports" / "index.html") in output.replace("\n", "")
    pages = list((out / "reports" / "physicians").glob("*.html"))
    assert len(pages) == 50
    assert all(p.stat().st_size < 500_000 for p in [out / "reports" / "index.html", *pages])


def test_the_overview_shows_missing_listings_outdated_contacts_and_four_weeks_of_trend(demo):
    out, _ = demo
    soup = BeautifulSoup((out / "reports" / "index.html").read_text(), "html.parser")
    text = soup.get_text(" ", strip=True)
    assert "missing" in text.lower()
    assert "Outdated phone" in text and "Outdated address" in text
    svg_text = " ".join(svg.get_text(" ") for svg in soup.find_all("svg"))
    weeks = {w.strip(":,") for w in svg_text.split() if "-W" in w}
    assert len(weeks) == 4, weeks


def test_the_demo_findings_are_the_worlds_discrepancies(demo):
    out, _ = demo
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{out / 'demo.db'}", "flags", "--format", "json"], catch_exceptions=False)
    kinds = {f["kind"] for f in json.loads(result.stdout)}
    assert {"missing_listing", "outdated_phone", "outdated_address", "duplicate_listing", "rating_drop", "negative_review",
            "phi_in_reply"} <= kinds
    [leak] = [f for f in json.loads(result.stdout) if f["kind"] == "phi_in_reply"]
    assert leak["severity"] == "critical" and "Whitfield" in leak["shown"] and leak["source"] == "healthgrades"
    # The sponsor's call-center number is configured as known: never an outdated phone.
    assert all("(800) 555-0199" not in (f["shown"] or "") for f in json.loads(result.stdout) if f["kind"] == "outdated_phone")


def test_review_text_is_escaped_in_the_physician_reports(demo):
    out, _ = demo
    pages = [(p, p.read_text()) for p in (out / "reports" / "physicians").glob("*.html")]
    hostile = [html for _, html in pages if "alert(1)" in html]
    assert hostile, "the sandbox's hostile review did not reach any report"
    for html in hostile:
        soup = BeautifulSoup(html, "html.parser")
        assert not any("alert(1)" in (s.string or "") for s in soup.find_all("script"))


def test_no_pandas_nan_leaks_into_the_reports(demo):
    out, _ = demo
    for page in [out / "reports" / "index.html", *(out / "reports" / "physicians").glob("*.html")]:
        text = BeautifulSoup(page.read_text(), "html.parser").get_text(" ")
        assert not re.search(r"\b(nan|NaN)\b", text), page.name


def test_the_demo_writes_the_findings_workbook_beside_its_overview_as_a_weekly_run_does(demo):
    from openpyxl import load_workbook

    out, _ = demo
    workbook = out / "reports" / "findings.xlsx"
    assert workbook.is_file()
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{out / 'demo.db'}", "flags", "--format", "json"], catch_exceptions=False)
    every = load_workbook(workbook).worksheets[0]
    assert every.max_row - 1 == len(json.loads(result.stdout))  # a header, then every open finding


def test_a_demo_of_no_weeks_is_refused_as_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--weeks", "0", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 2 and "--weeks" in result.output
    assert not (tmp_path / "demo").exists()
