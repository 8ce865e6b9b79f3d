"""The commands as a user runs them: a roster and a JSONL file made by another tool, end to end."""

from __future__ import annotations

import csv
import json

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from builders import npi_with_check_digit
from reputation.cli import app
from reputation.db import get_engine
from reputation.models import Physician

runner = CliRunner()
JANE = npi_with_check_digit("423456781")
OMAR = npi_with_check_digit("523456782")
HEADER = "npi,first_name,middle_name,last_name,suffix,credentials,specialty,department,practice_name,street,city,state,zip,phone"
ROSTER = "\n".join([
    HEADER,
    f"{JANE},Jane,A,Doe,,MD,Cardiology,Heart Institute,Heart Care,12 Main St Ste 4,Atlanta,GA,30303,404-555-0101",
    f"{JANE},Jane,A,Doe,,MD,Cardiology,Heart Institute,Heart Care North,77 Oak Rd,Marietta,GA,30060,770-555-0102",
    f"{OMAR},Omar,,Haddad,,DO,Family Medicine,Primary Care,Family Clinic,5 Elm Ave,Decatur,GA,30030,(404) 555-0303",
]) + "\n"
HG = "https://www.healthgrades.com/physician/dr-jane-doe-xy1z2"
OTHER = "https://www.healthgrades.com/physician/dr-jane-doe-qq9w8"
RECORDS = [
    {"kind": "listing", "source": "healthgrades", "url": HG, "name": "Dr. Jane A. Doe, MD", "specialty": "Cardiology",
     "addresses": [{"street": "12 Main Street, Suite 4", "city": "Atlanta", "state": "GA", "zip": "30303"}],
     "phones": ["(404) 555-0199"], "rating": 4.4, "review_count": 31, "reviews": [], "crawled_at": "2026-11-16T08:00:00Z"},
    {"kind": "listing", "source": "healthgrades", "url": OTHER, "name": "Dr. Jane Doe, MD", "specialty": "Cardiology",
     "addresses": [{"street": "1 Bay St", "city": "Savannah", "state": "GA", "zip": "31401"}],
     "phones": ["(912) 555-0100"], "rating": 2.1, "review_count": 8, "reviews": [], "crawled_at": "2026-11-16T08:00:00Z"},
    {"kind": "search", "source": "healthgrades", "npi": JANE, "query": "Jane Doe", "status": "ok", "results": [HG, OTHER],
     "crawled_at": "2026-11-16T08:00:01Z"},
    {"kind": "search", "source": "healthgrades", "npi": OMAR, "query": "Omar Haddad", "status": "ok", "results": [],
     "crawled_at": "2026-11-16T08:00:02Z"},
    {"kind": "search", "source": "vitals", "npi": OMAR, "query": "Omar Haddad", "status": "blocked",
     "reason": "HTTP 403 challenge page", "crawled_at": "2026-11-16T08:00:03Z"},
]


def run(db, *args):
    result = runner.invoke(app, ["--db", db, *args], catch_exceptions=False)
    return result


def test_a_roster_and_a_jsonl_file_go_through_import_match_export_and_flags(db_url, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    jsonl = tmp_path / "other-tool.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")

    assert run(db_url, "roster", "import", str(roster)).exit_code == 0
    assert run(db_url, "listings", "import", str(jsonl)).exit_code == 0
    assert run(db_url, "match").exit_code == 0

    out = tmp_path / "matches.csv"
    assert run(db_url, "export", "matches", "--format", "csv", "--out", str(out)).exit_code == 0
    matches = {row["url"]: row for row in csv.DictReader(out.open())}
    assert matches[HG]["npi"] == JANE and matches[HG]["status"] == "matched"
    assert matches[OTHER]["npi"] == "" and matches[OTHER]["status"] == "unmatched"  # the namesake in Savannah
    assert {"source", "url", "npi", "score", "status"} <= set(matches[HG])

    result = run(db_url, "flags", "--format", "json")
    assert result.exit_code == 0
    flags = json.loads(result.stdout)
    got = {(f["npi"], f["source"], f["kind"]) for f in flags}
    assert got == {(JANE, "healthgrades", "outdated_phone"), (OMAR, "healthgrades", "missing_listing")}
    phone = next(f for f in flags if f["kind"] == "outdated_phone")
    assert phone["shown"] == "(404) 555-0199" and "(404) 555-0101" in phone["expected"] and phone["url"] == HG
    assert {"npi", "source", "kind", "url", "shown", "expected", "first_seen", "last_seen"} <= set(phone)

    # Importing the same file again changes nothing.
    assert run(db_url, "listings", "import", str(jsonl)).exit_code == 0
    assert run(db_url, "match").stdout.strip().endswith("(0 changed)")
    assert json.loads(run(db_url, "flags", "--format", "json").stdout) == flags


def test_a_roster_with_a_bad_npi_is_refused_with_its_line_and_nothing_is_stored(sqlite_url, tmp_path):
    bad = ROSTER.replace(f"{OMAR},Omar", f"{OMAR[:-1]}{(int(OMAR[-1]) + 1) % 10},Omar")
    roster = tmp_path / "bad.csv"
    roster.write_text(bad)
    result = run(sqlite_url, "roster", "import", str(roster))
    assert result.exit_code != 0
    message = result.stderr
    assert "bad.csv" in message and ":4" in message and "npi" in message.lower()
    with Session(get_engine(sqlite_url)) as s:
        assert s.exec(select(func.count()).select_from(Physician)).one() == 0


def test_a_jsonl_file_with_a_bad_line_stores_the_rest_and_exits_non_zero(sqlite_url, tmp_path):
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_text(json.dumps(RECORDS[0]) + "\n{\"kind\": \"listing\"}\n")
    result = run(sqlite_url, "listings", "import", str(jsonl))
    assert result.exit_code == 1
    assert "mixed.jsonl:2" in result.stderr
    assert "1 record(s) read and stored" in result.stdout


def test_weekly_crawls_matches_and_writes_the_reports(sqlite_url, tmp_path):
    from reputation.sandbox.server import SandboxServer
    from reputation.sandbox.world import World

    world = World(seed=7)
    rows = world.roster_rows()
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert run(sqlite_url, "roster", "import", str(roster)).exit_code == 0
    with SandboxServer(world) as server:
        result = run(sqlite_url, "weekly", "--sandbox", server.url, "--delay", "0", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "index.html").exists()
    assert len(list((tmp_path / "site" / "physicians").glob("*.html"))) == len({r["npi"] for r in rows})


def test_csv_exports_neutralize_formulas_in_scraped_text(sqlite_url, tmp_path):
    hostile = {**RECORDS[0], "name": '=HYPERLINK("http://evil.example","Dr. Jane Doe")'}
    jsonl = tmp_path / "hostile.jsonl"
    jsonl.write_text(json.dumps(hostile) + "\n")
    assert run(sqlite_url, "listings", "import", str(jsonl)).exit_code == 0
    out = tmp_path / "matches.csv"
    assert run(sqlite_url, "export", "matches", "--format", "csv", "--out", str(out)).exit_code == 0
    row = next(csv.DictReader(out.open()))
    assert row["name"].startswith("'=HYPERLINK")


def test_weekly_mails_the_overview_through_the_configured_smtp_server(sqlite_url, tmp_path, monkeypatch):
    import email
    import email.policy
    import socket

    import pytest

    pytest.importorskip("aiosmtpd")
    from aiosmtpd.controller import Controller

    from reputation.sandbox.server import SandboxServer
    from reputation.sandbox.world import World

    class Inbox:
        messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    world = World(seed=7, size=12)
    rows = world.roster_rows()
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert run(sqlite_url, "roster", "import", str(roster)).exit_code == 0
    for name, value in {"REPMON_SMTP_HOST": "127.0.0.1", "REPMON_SMTP_PORT": str(port), "REPMON_SMTP_SECURITY": "none",
                        "REPMON_SMTP_FROM": "repmon@northwind.example"}.items():
        monkeypatch.setenv(name, value)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with SandboxServer(world) as server:
            result = run(sqlite_url, "weekly", "--sandbox", server.url, "--delay", "0", "--out", str(tmp_path / "site"),
                         "--source", "healthgrades", "--email-to", "web@northwind.example")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    [message] = inbox.messages
    assert message["To"] == "web@northwind.example"
    sent = message.get_body(("html",)).get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends
    assert sent.strip() == (tmp_path / "site" / "index.html").read_text().strip()
    assert [a.get_filename() for a in message.iter_attachments()] == ["findings.xlsx"]


def test_weekly_with_an_empty_roster_says_to_import_it_before_crawling(sqlite_url, tmp_path):
    from reputation.models import Run

    result = run(sqlite_url, "weekly", "--sandbox", "http://127.0.0.1:9", "--out", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert result.stderr.startswith("The roster is empty: import it with `repmon roster import FILE`")
    assert not (tmp_path / "site").exists()
    with Session(get_engine(sqlite_url)) as session:
        assert session.exec(select(func.count()).select_from(Run)).one() == 0  # no crawl of nobody


def test_weekly_with_email_but_no_smtp_server_configured_stops_before_crawling(sqlite_url, monkeypatch):
    monkeypatch.delenv("REPMON_SMTP_HOST", raising=False)
    result = run(sqlite_url, "weekly", "--email", "--sandbox", "http://127.0.0.1:9", "--out", "unused")
    assert result.exit_code == 2 and "REPMON_SMTP_HOST" in result.output


def test_findings_export_as_xlsx_has_a_sheet_per_site(db_url, tmp_path):
    from openpyxl import load_workbook

    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    assert run(db_url, "roster", "import", str(roster)).exit_code == 0
    assert run(db_url, "listings", "import", str(jsonl)).exit_code == 0
    out = tmp_path / "flags.xlsx"
    assert run(db_url, "export", "flags", "--format", "xlsx", "--out", str(out)).exit_code == 0
    book = load_workbook(out)
    header = [c.value for c in book["All"][1]]
    assert header[:5] == ["npi", "name", "department", "source", "kind"]
    assert {row[header.index("npi")] for row in book["All"].iter_rows(min_row=2, values_only=True)} == {OMAR}


def test_sources_lists_every_source_in_report_order_with_the_settings_it_needs(monkeypatch):
    from crawlers.sources import sources

    monkeypatch.setenv("REPMON_GOOGLE_API_KEY", "a-key")
    monkeypatch.delenv("REPMON_YELP_API_KEY", raising=False)
    result = runner.invoke(app, ["sources"], terminal_width=200)
    assert result.exit_code == 0, result.output
    # a row's first line starts with its key; a long "needs" cell wraps onto indented lines
    keys = [line.split()[0] for line in result.output.splitlines()[1:] if line.strip() and not line.startswith(" ")]
    assert keys == [source.key for source in sources()]
    assert "REPMON_GOOGLE_API_KEY (set)" in result.output
    assert "REPMON_YELP_API_KEY (not set)" in result.output
