"""`repmon match review / confirm / reject` as a person uses them."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from builders import add_physician, listing, npi_with_check_digit, store
from reputation.cli import app
from reputation.db import get_engine

runner = CliRunner()
JANE = npi_with_check_digit("623456789")
ATL = {"street": "12 Main St", "city": "Atlanta", "state": "GA", "zip": "30303", "phone": "+14045550101"}
MOVED = "https://www.healthgrades.com/physician/dr-jane-doe-old"


def run(db, *args):
    return runner.invoke(app, ["--db", db, *args], catch_exceptions=False)


def test_review_confirm_and_reject_from_the_command_line(sqlite_url, tmp_path):
    engine = get_engine(sqlite_url)
    add_physician(engine, JANE, "Jane", "Doe", locations=[ATL])
    store(engine, listing(MOVED, "Dr. J. Doe", phones=["404-555-0999"],
                          addresses=[{"street": "900 Peachtree St", "city": "Atlanta", "state": "GA", "zip": "30309"}]))
    assert "needs review 1" in run(sqlite_url, "match").stdout

    review = json.loads(run(sqlite_url, "match", "review", "--format", "json").stdout)
    assert [(r["url"], r["npi"]) for r in review] == [(MOVED, JANE)] and "moved" in review[0]["summary"]
    table = run(sqlite_url, "match", "review").stdout
    assert "need review" in table and JANE in table and "moved?" in table

    assert run(sqlite_url, "match", "confirm", MOVED, JANE).exit_code == 0
    assert run(sqlite_url, "match").exit_code == 0  # a re-match keeps the person's word
    out = tmp_path / "m.csv"
    run(sqlite_url, "export", "matches", "--out", str(out))
    row = next(csv.DictReader(out.open()))
    assert (row["npi"], row["status"], row["method"]) == (JANE, "matched", "person")
    assert json.loads(run(sqlite_url, "match", "review", "--format", "json").stdout) == []

    assert run(sqlite_url, "match", "reject", MOVED).exit_code == 0
    run(sqlite_url, "export", "matches", "--out", str(out))
    row = next(csv.DictReader(out.open()))
    assert (row["npi"], row["status"], row["method"]) == ("", "unmatched", "person")


def test_a_decision_on_an_unknown_url_or_npi_is_refused_naming_it(sqlite_url):
    engine = get_engine(sqlite_url)
    add_physician(engine, JANE, "Jane", "Doe", locations=[ATL])
    store(engine, listing(MOVED, "Dr. Jane Doe"))
    result = run(sqlite_url, "match", "confirm", "https://nowhere.example/x", JANE)
    assert result.exit_code == 1 and "https://nowhere.example/x" in result.stderr
    result = run(sqlite_url, "match", "confirm", MOVED, "1234567893")
    assert result.exit_code == 1 and "NPI 1234567893 is not on the roster" in result.stderr
    result = run(sqlite_url, "match", "reject")
    assert result.exit_code == 2 and "repmon match reject URL" in result.stderr
