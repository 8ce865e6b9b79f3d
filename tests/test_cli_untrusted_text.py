"""Text from sites, files and people reaches the console verbatim: nothing in it is read as Rich markup.

Each test feeds text that looks like console markup through one thing `repmon` prints and checks that it comes
out character for character and that nothing raises (a stray ``[/x]`` used to end the command in MarkupError).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from builders import add_physician, listing, npi_with_check_digit, search, store
from reputation.cli import app
from reputation.db import get_engine

runner = CliRunner()
MARKUP = ["[/x]", "[bold]", "[a-z]", "[link=javascript:alert(1)]x[/link]", ":thumbs_up:"]
HOSTILE = " ".join(MARKUP)
JANE = npi_with_check_digit("723456781")
ATL = {"street": "12 Main St", "city": "Atlanta", "state": "GA", "zip": "30303", "phone": "+14045550101"}
HEADER = "npi,first_name,middle_name,last_name,suffix,credentials,specialty,department,practice_name,street,city,state,zip,phone"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    # Wide enough that no table cell folds a marker across lines: the check is for the exact characters.
    monkeypatch.setenv("COLUMNS", "400")


def run(db, *args):
    result = runner.invoke(app, ["--db", db, *args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def assert_verbatim(text: str) -> None:
    for marker in MARKUP:
        assert marker in text, f"{marker!r} is not shown as it was: {text!r}"


class _YelpApiSaysHostileThings(BaseHTTPRequestHandler):
    """A Yelp Fusion API whose every answer is an error with a description that looks like console markup."""

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.endswith("robots.txt"):
            body, status = b"User-agent: *\nAllow: /\n", 200
        else:
            body = json.dumps({"error": {"code": "VALIDATION_ERROR", "description": HOSTILE}}).encode()
            status = 400
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_api_error_description_that_looks_like_markup_is_shown_verbatim_in_the_crawl_summary(sqlite_url):
    add_physician(get_engine(sqlite_url), JANE, "Jane", "Doe", locations=[ATL])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _YelpApiSaysHostileThings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run(sqlite_url, "crawl", "--source", "yelp", "--sandbox", f"http://127.0.0.1:{server.server_port}",
                     "--delay", "0")
    finally:
        server.shutdown()
    assert f"yelp: Yelp Fusion API error VALIDATION_ERROR (HTTP 400): {HOSTILE}" in result.stdout


def test_a_broken_parser_reason_and_search_reasons_are_shown_verbatim(capsys):
    from reputation.cli import print_crawl_summary
    from reputation.models import Run

    summary = {"searched": 1, "found": 0, "blocked": 0, "errors": 1, "disallowed": 0, "profiles": 0,
               "fields_missing": {"name": 0}, "reasons": [HOSTILE], "broken_fields": ["rating"], "broken_reason": HOSTILE}
    run_ = Run(id=1, started_at=datetime.now(UTC), crawl_time=datetime.now(UTC), sources=[HOSTILE],
                    status=HOSTILE, summary={"log": HOSTILE, "sources": {HOSTILE: summary}})
    print_crawl_summary(run_)
    out = capsys.readouterr().out
    assert f"the parser looks broken (rating): {HOSTILE}." in out
    assert f"{HOSTILE}: {HOSTILE}" in out  # a search reason
    assert f"Crawl 1: {HOSTILE}" in out and f"Crawl log: {HOSTILE}" in out


def test_listings_import_errors_show_the_bad_value_verbatim(sqlite_url, tmp_path):
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_text(json.dumps({"kind": HOSTILE}) + "\n")
    result = run(sqlite_url, "listings", "import", str(jsonl))
    assert result.exit_code == 1
    # The value is quoted shortened (records.py), but what is shown of it is shown as written.
    assert f"out.jsonl:1: kind: must be 'listing', 'search' or 'social', not \"{HOSTILE[:55]}" in result.stderr


def test_roster_import_errors_show_the_bad_cell_verbatim(sqlite_url, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(f"{HEADER}\n{HOSTILE},Jane,,Doe,,MD,Cardiology,Heart,Heart Care,12 Main St,Atlanta,GA,30303,404-555-0101\n")
    result = run(sqlite_url, "roster", "import", str(roster))
    assert result.exit_code == 1
    assert result.stderr.startswith("Roster not imported:")
    assert f"({HOSTILE})" in result.stderr


def test_the_match_review_table_shows_listing_text_verbatim(sqlite_url):
    engine = get_engine(sqlite_url)
    add_physician(engine, JANE, "Jane", "Doe", locations=[ATL])
    url = "https://www.healthgrades.com/physician/dr-jane-doe-" + "".join(MARKUP)  # a name like that would not match
    store(engine, listing(url, "Dr. J. Doe", phones=["404-555-0999"],
                          addresses=[{"street": "900 Peachtree St", "city": "Atlanta", "state": "GA", "zip": "30309"}]))
    assert "needs review 1" in run(sqlite_url, "match").stdout
    table = run(sqlite_url, "match", "review").stdout
    assert url in table


def test_a_match_decision_on_an_unknown_url_names_it_verbatim(sqlite_url):
    add_physician(get_engine(sqlite_url), JANE, "Jane", "Doe", locations=[ATL])
    result = run(sqlite_url, "match", "reject", f"https://nowhere.example/{HOSTILE}")
    assert result.exit_code == 1 and f"https://nowhere.example/{HOSTILE}" in result.stderr


def test_the_flags_table_shows_what_a_listing_says_verbatim(sqlite_url):
    engine = get_engine(sqlite_url)
    add_physician(engine, JANE, "Jane", "Doe", locations=[ATL])
    url = "https://www.healthgrades.com/physician/dr-jane-doe-xy1z2"
    street = f"12 Main St {HOSTILE}"
    store(engine, listing(url, "Dr. Jane Doe, MD", phones=["404-555-0101"],
                          addresses=[{"street": street, "city": "Atlanta", "state": "GA", "zip": "30303"}]),
          search(JANE, results=[url]))
    assert run(sqlite_url, "match").exit_code == 0
    flags = json.loads(run(sqlite_url, "flags", "--format", "json").stdout)
    shown = [f["shown"] for f in flags if f["kind"] == "outdated_address"]
    assert shown and HOSTILE in shown[0]  # the finding exists, so the table below has it to show
    assert shown[0] in run(sqlite_url, "flags").stdout


def test_a_known_phone_label_is_listed_verbatim(sqlite_url):
    assert run(sqlite_url, "known-phones", "add", "800-555-0199", "--label", HOSTILE).exit_code == 0
    assert f"(800) 555-0199  {HOSTILE}" in run(sqlite_url, "known-phones", "list").stdout


def test_parse_errors_name_the_file_verbatim(tmp_path):
    page = tmp_path / f"{HOSTILE}.html"  # the "/" in "[/x]" makes a folder "[" too
    page.parent.mkdir(parents=True)
    page.write_text("<html><body>nothing here</body></html>")
    result = runner.invoke(app, ["parse", "healthgrades", str(page)], catch_exceptions=False)
    assert result.exit_code == 1 and f"{page}: the healthgrades spider recognises no profile" in result.stderr
    result = runner.invoke(app, ["parse", "healthgrades", str(page.with_name("missing.html"))], catch_exceptions=False)
    assert result.exit_code == 2 and str(page.with_name("missing.html")) in result.stderr


def test_table_cells_are_not_read_as_markup_by_the_command_consoles():
    """The consoles' setting alone keeps a plain string in a Table cell literal (Rich parses cells with the
    printing console's markup setting): no call site has to remember to escape."""
    from rich.table import Table

    from reputation.cli import console, err

    for printer in (console, err):
        table = Table(title=HOSTILE)
        table.add_column(HOSTILE)
        table.add_row(HOSTILE)
        with printer.capture() as captured:
            printer.print(table, width=400)
        assert captured.get().count(HOSTILE) == 3
