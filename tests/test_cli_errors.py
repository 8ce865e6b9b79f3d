"""A user's mistake about the database or an output path ends in one readable line and a non-zero exit, never a
traceback; commands that only read never create a database and never need to write to one.

Read-only databases are made read-only for real, not by file permissions (the tests run as root, which
ignores them): SQLite's own read-only mode (``file:PATH?mode=ro&uri=true``), a PostgreSQL session whose
transactions are read-only (``default_transaction_read_only``), and, where the kernel allows an unprivileged
mount namespace, a folder mounted read-only around the real ``repmon`` process.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import socket
import sqlite3
import subprocess
import sys

import pytest
from alembic import command
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import ROOT
from reputation.cli import app
from reputation.db import _engine, _normalize_url, alembic_config
from test_cli import RECORDS, ROSTER

runner = CliRunner()
READ_COMMANDS = [
    ["flags"], ["flags", "--format", "json"], ["report", "all"], ["report", "overview"],
    ["report", "physician", "1234567893"], ["export", "flags"], ["export", "matches"], ["export", "snapshots"],
    ["match", "review"], ["known-phones", "list"],
]


def run(*args, db=None):
    result = runner.invoke(app, [*(["--db", db] if db else []), *args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def read_only(url: str) -> str:
    """The same database, opened so that the database itself refuses every write."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    return url.replace("?options=", "?options=-cdefault_transaction_read_only%3Don%20", 1)


def with_findings(url, tmp_path) -> list:
    """A database as a user has it after a week: roster, crawl output, matches and two open findings."""
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    for args in (["roster", "import", str(roster)], ["listings", "import", str(jsonl)], ["match"]):
        assert run(*args, db=url).exit_code == 0
    flags = json.loads(run("flags", "--format", "json", db=url).stdout)
    assert len(flags) == 2
    return flags


def at_revision(url: str, revision: str) -> None:
    engine = _engine(_normalize_url(url))
    command.upgrade(alembic_config(engine), "head")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


# -- --db URL and path -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("url,message", [
    ("repmon.db", "--db 'repmon.db' is not a database URL: give sqlite:///PATH for a SQLite file or postgresql://"),
    ("nonsense://x/y", "--db 'nonsense://x/y': repmon works with sqlite:///PATH or postgresql://USER@HOST/NAME, not 'nonsense'"),
    pytest.param("mysql://me:s3cret@db/x", "the database driver is not installed", marks=pytest.mark.skipif(
        importlib.util.find_spec("MySQLdb") is not None, reason="a MySQL driver is installed here")),
])
def test_a_bad_db_url_is_named_and_nothing_is_created(url, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["flags"], ["known-phones", "add", "800-555-0199"]):
        result = run(*args, db=url)
        assert result.exit_code == 1 and message in result.stderr
        assert "s3cret" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_a_read_command_on_a_mistyped_path_says_there_is_no_database_and_creates_none(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    typo = tmp_path / "repmn.db"
    result = run(*args, db=f"sqlite:///{typo}")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"no repmon database at {typo} (check --db or REPMON_DB;")
    assert list(tmp_path.iterdir()) == []


def test_without_db_a_read_command_names_the_default_database_it_did_not_find(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REPMON_DB", raising=False)
    result = run("flags")
    assert result.exit_code == 1 and f"no repmon database at {tmp_path / 'repmon.db'}" in result.stderr
    assert not (tmp_path / "repmon.db").exists()


def test_a_writing_command_creates_the_database_but_not_its_folder(tmp_path):
    result = run("known-phones", "add", "800-555-0199", db=f"sqlite:///{tmp_path / 'nope' / 'repmon.db'}")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"cannot create the database {tmp_path / 'nope' / 'repmon.db'}: "
                                     f"the folder {tmp_path / 'nope'} does not exist")
    assert not (tmp_path / "nope").exists()
    assert run("known-phones", "add", "800-555-0199", db=f"sqlite:///{tmp_path / 'repmon.db'}").exit_code == 0
    assert "(800) 555-0199" in run("known-phones", "list", db=f"sqlite:///{tmp_path / 'repmon.db'}").stdout


def test_the_real_command_prints_one_line_when_it_cannot_create_the_database(tmp_path):
    """Through the real entry point, not the test runner: what a user's terminal shows."""
    result = subprocess.run([sys.executable, "-m", "reputation.cli", "--db", f"sqlite:///{tmp_path / 'x' / 'r.db'}",
                             "roster", "import", str(ROOT / "reputation" / "sandbox" / "data" / "sample_roster.csv")],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"cannot create the database {tmp_path / 'x' / 'r.db'}: the folder {tmp_path / 'x'} does not exist\n"


def test_a_folder_or_a_file_that_is_no_database_is_named(tmp_path):
    result = run("flags", db=f"sqlite:///{tmp_path}")
    assert result.exit_code == 1 and f"--db names a folder, not a database file: {tmp_path}" in result.stderr
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER * 20)
    for args in (["flags"], ["known-phones", "add", "800-555-0199"]):
        result = run(*args, db=f"sqlite:///{roster}")
        assert result.exit_code == 1
        assert result.stderr.strip() == f"cannot open the database {roster}: file is not a database"
    assert roster.read_text() == ROSTER * 20


def test_a_read_command_on_a_database_without_repmon_tables_says_so(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        sqlite3.connect(db_url.removeprefix("sqlite:///")).close()  # an empty SQLite file
    result = run("flags", db=db_url)
    assert result.exit_code == 1 and "no repmon database at " in result.stderr
    assert "it has no repmon tables" in result.stderr


def test_an_unreachable_postgresql_server_is_named_without_the_password():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run("flags", db=f"postgresql://repmon:s3cret@127.0.0.1:{port}/repmon")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"cannot open the database postgresql://repmon:***@127.0.0.1:{port}/repmon: ")
    assert "s3cret" not in result.output


# -- schema versions -------------------------------------------------------------------------------------------
def test_a_database_from_a_newer_repmon_is_refused_by_every_command(db_url):
    at_revision(db_url, "0099_from_the_future")
    for args in (["flags"], ["known-phones", "add", "800-555-0199"]):
        result = run(*args, db=db_url)
        assert result.exit_code == 1
        assert "was written by a newer repmon (schema revision 0099_from_the_future; this repmon knows up to" in result.stderr


def test_an_outdated_read_only_database_says_it_needs_an_upgrade_and_a_writable_one_gets_it(db_url):
    engine = _engine(_normalize_url(db_url))
    command.upgrade(alembic_config(engine), "0002")
    result = run("flags", db=read_only(db_url))
    assert result.exit_code == 1
    assert "needs a schema upgrade for this repmon (0002 → " in result.stderr and "but is read-only here" in result.stderr
    assert run("flags", db=db_url).exit_code == 0
    assert run("flags", db=read_only(db_url)).exit_code == 0


# -- read-only databases ---------------------------------------------------------------------------------------
def test_read_commands_work_on_a_read_only_database_showing_the_findings_as_stored(db_url, tmp_path):
    stored = with_findings(db_url, tmp_path)
    # A known call-center number resolves the phone finding at the next refresh, which a read-only database refuses.
    assert run("known-phones", "add", stored[0]["shown"] if stored[0]["kind"] == "outdated_phone" else stored[1]["shown"],
               db=db_url).exit_code == 0
    ro = read_only(db_url)

    result = run("flags", "--format", "json", db=ro)
    assert result.exit_code == 0 and json.loads(result.stdout) == stored
    assert result.stderr.strip() == "The database is read-only here: findings are shown as the last writing command stored them."
    result = run("report", "all", "--out", str(tmp_path / "site"), db=ro)
    assert result.exit_code == 0 and (tmp_path / "site" / "index.html").exists()
    assert "read-only here" in result.stderr
    assert run("export", "flags", "--out", str(tmp_path / "flags.csv"), db=ro).exit_code == 0
    for args in (["match", "review"], ["known-phones", "list"], ["export", "matches", "--out", str(tmp_path / "m.csv")]):
        result = run(*args, db=ro)
        assert result.exit_code == 0 and result.stderr == ""
    # Written to, the findings are refreshed: the phone finding is gone.
    assert len(json.loads(run("flags", "--format", "json", db=db_url).stdout)) == 1


def _read_only_mount_works(tmp_path) -> bool:
    folder = tmp_path / "probe"
    folder.mkdir()
    probe = subprocess.run(["unshare", "-Urm", "sh", "-c", 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1"',
                            "sh", str(folder)], capture_output=True)
    return probe.returncode == 0


def test_the_real_command_reads_a_database_in_a_read_only_folder(sqlite_url, tmp_path):
    """As a user meets it: a database on a read-only share (or another user's folder). SQLite cannot make the
    WAL index file there, so it cannot even open it the usual way; reads must work, writes must say why not."""
    if shutil.which("unshare") is None or not _read_only_mount_works(tmp_path):
        pytest.skip("no unprivileged mount namespace here to make a read-only folder")
    stored = with_findings(sqlite_url, tmp_path)
    share = tmp_path / "share"
    share.mkdir()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(sqlite_url.removeprefix("sqlite:///"), share / "repmon.db")  # alone, as a writer leaves it

    def repmon(*args):
        mount = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"'
        return subprocess.run(["unshare", "-Urm", "sh", "-c", mount, "sh", str(share), sys.executable, "-m",
                               "reputation.cli", "--db", f"sqlite:///{share / 'repmon.db'}", *args],
                              capture_output=True, text=True, cwd=ROOT)

    result = repmon("flags", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == stored
    result = repmon("known-phones", "add", "800-555-0188")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"the database {share / 'repmon.db'} is read-only here (unable to open database "
                                     "file) and this command writes to it")
    assert sorted(p.name for p in share.iterdir()) == ["repmon.db"]


# -- reports and output paths ----------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [["report", "all"], ["report", "overview"], ["report", "physician", "1234567893"]], ids=" ".join)
def test_a_report_with_nothing_crawled_yet_says_what_to_run(args, db_url, tmp_path):
    out = tmp_path / "site"
    assert run("known-phones", "add", "800-555-0199", db=db_url).exit_code == 0  # a database, and nothing else
    result = run(*args, "--out", str(out), db=db_url)
    assert result.exit_code == 1
    assert result.stderr.startswith("Nothing to report yet: no crawl is stored and the roster is empty. "
                                    "Import the roster with `repmon roster import FILE`, then run `repmon crawl`")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    assert run("roster", "import", str(roster), db=db_url).exit_code == 0
    result = run(*args, "--out", str(out), db=db_url)
    assert result.exit_code == 1
    assert result.stderr.startswith("Nothing to report yet: no crawl is stored. Run `repmon crawl`")
    assert not out.exists()


@pytest.mark.parametrize("args", [["report", "all"], ["report", "overview"], ["report", "physician", "1234567893"],
                                  ["weekly", "--sandbox", "http://127.0.0.1:9"], ["demo"]], ids=" ".join)
def test_out_naming_a_file_is_refused_before_anything_runs(args, sqlite_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short name: the usage error box wraps long ones
    (tmp_path / "notes.txt").write_text("mine")
    result = run(*args, "--out", "notes.txt", db=sqlite_url)
    assert result.exit_code == 2 and "Invalid value for '--out': dir 'notes.txt' is a file." in result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_export_out_naming_a_folder_is_refused(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site").mkdir()
    result = run("export", "flags", "--out", "site", db=sqlite_url)
    assert result.exit_code == 2 and "Invalid value for '--out': file 'site' is a directory." in result.output


# -- the last-resort guard -------------------------------------------------------------------------------------
def test_a_writing_command_on_a_read_only_database_is_one_line(db_url, tmp_path):
    with_findings(db_url, tmp_path)
    result = run("known-phones", "add", "800-555-0188", db=read_only(db_url))
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("repmon: database ")
    assert "readonly database" in line or "read-only transaction" in line


def test_a_report_folder_that_cannot_be_made_is_one_line_naming_it(sqlite_url, tmp_path):
    with_findings(sqlite_url, tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    result = run("report", "all", "--out", str(tmp_path / "notes.txt" / "site"), db=sqlite_url)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"repmon: {tmp_path / 'notes.txt' / 'site'}") and line.endswith(": Not a directory")


def test_a_programming_error_keeps_its_traceback(sqlite_url, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    import reputation.known_phones

    def broken(engine):
        raise IntegrityError("INSERT INTO known_phone ...", {}, Exception("UNIQUE constraint failed"))

    assert run("known-phones", "add", "800-555-0199", db=sqlite_url).exit_code == 0
    monkeypatch.setattr(reputation.known_phones, "list_known_phones", broken)
    with pytest.raises(IntegrityError):
        runner.invoke(app, ["--db", sqlite_url, "known-phones", "list"], catch_exceptions=False)


def test_the_real_command_prints_one_line_when_a_read_only_database_refuses_a_write(sqlite_url, tmp_path):
    with_findings(sqlite_url, tmp_path)
    result = subprocess.run([sys.executable, "-m", "reputation.cli", "--db", read_only(sqlite_url), "known-phones", "add",
                             "800-555-0188"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"repmon: database {tmp_path / 'repmon.db'}: attempt to write a readonly database\n"
