"""Every crawl and import is a run; `repmon runs undo RUN` takes back exactly what it stored."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from builders import WEEK1, add_physician, listing, npi_with_check_digit, search, week
from reputation.cli import app
from reputation.findings import open_findings, refresh_findings
from reputation.listings import import_listings
from reputation.match import confirm_match, match_listings
from reputation.models import Finding, Listing, Location, Match, Physician, Review, Run, Search, Snapshot
from reputation.roster import import_roster
from reputation.runs import list_runs
from reputation.undo import RunError, undo_run

NPI = npi_with_check_digit("123456789")
OTHER = npi_with_check_digit("987654321")
HOME = {"street": "1 Main St", "city": "Portland", "state": "OR", "zip": "97201"}
URL = "https://www.healthgrades.com/physician/dr-jane-doe-abc12"


def write_jsonl(path, *records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def stored(engine) -> dict:
    """Everything crawls and imports store, as comparable values (ids left out where a re-insert renumbers)."""
    with Session(engine) as s:
        return {
            "listings": sorted((l.source, l.url, l.name, tuple(l.phones), json.dumps(l.addresses, sort_keys=True),
                                l.rating, l.review_count, l.first_seen, l.last_seen, l.gone_since)
                               for l in s.exec(select(Listing)).scalars()),
            "snapshots": sorted((x.listing_id, x.week, x.rating, x.review_count) for x in s.exec(select(Snapshot)).scalars()),
            "reviews": sorted((r.listing_id, r.review_key, r.response, r.first_seen) for r in s.exec(select(Review)).scalars()),
            "searches": sorted((x.source, x.npi, x.week, x.status, tuple(x.results)) for x in s.exec(select(Search)).scalars()),
        }


def roster_state(engine) -> dict:
    with Session(engine) as s:
        physicians = sorted((p.npi, p.first_name, p.last_name, p.specialty, p.active) for p in s.exec(select(Physician)).scalars())
        locations = sorted((l.physician_id, l.street, l.city, l.phone) for l in s.exec(select(Location)).scalars())
    return {"physicians": physicians, "locations": locations}


@pytest.fixture
def jane(engine):
    add_physician(engine, NPI, "Jane", "Doe", locations=[{**HOME, "phone": "503-555-0100"}])
    return engine


def test_an_import_is_a_run_and_undoing_it_removes_exactly_what_it_stored(jane, tmp_path):
    engine = jane
    first = import_listings(engine, write_jsonl(tmp_path / "a.jsonl",
        listing(URL, "Dr. Jane Doe", phones=["503-555-0100"], addresses=[HOME], rating=4.5, review_count=12,
                reviews=[{"review_id": "r1", "rating": 5, "text": "great", "date": "2026-10-01"}]),
        search(NPI, results=[URL])))
    before = stored(engine)
    second = import_listings(engine, write_jsonl(tmp_path / "b.jsonl",
        listing(URL, "Dr. Jane Doe", phones=["503-555-0199"], addresses=[HOME], rating=3.9, review_count=20, at=week(2),
                reviews=[{"review_id": "r2", "rating": 1, "text": "awful", "date": "2026-11-08"},
                         {"review_id": "r1", "rating": 5, "text": "great", "date": "2026-10-01", "response": "Thank you"}]),
        listing("https://www.healthgrades.com/physician/dr-jane-doe-zzz99", "Jane Doe", at=week(2)),
        search(NPI, results=[URL, "https://www.healthgrades.com/physician/dr-jane-doe-zzz99"], at=week(2)),
        search(NPI, at=week(1), status="blocked", reason="HTTP 403")))
    assert [r.id for r in list_runs(engine)] == [second.run_id, first.run_id]
    assert stored(engine) != before

    summary = undo_run(engine, second.run_id)

    assert stored(engine) == before
    assert summary.deleted == {"snapshot": 2, "review": 1, "search": 1, "listing": 1}
    assert summary.restored == {"listing": 1, "review": 1}
    assert [(r.id, r.status) for r in list_runs(engine)] == [(second.run_id, "undone"), (first.run_id, "finished")]


def test_a_field_changed_again_later_keeps_the_later_value_until_that_run_is_undone_too(jane, tmp_path):
    engine = jane
    import_listings(engine, write_jsonl(tmp_path / "a.jsonl", listing(URL, "Dr. Jane Doe", phones=["503-555-0100"])))
    original = stored(engine)
    b = import_listings(engine, write_jsonl(tmp_path / "b.jsonl", listing(URL, "Dr. Jane Doe", phones=["503-555-0111"], at=week(2))))
    c = import_listings(engine, write_jsonl(tmp_path / "c.jsonl", listing(URL, "Dr. Jane Doe", phones=["503-555-0122"], at=week(3))))

    undo_run(engine, b.run_id)
    with Session(engine) as s:
        assert s.exec(select(Listing.phones)).scalars().one() == ["503-555-0122"]  # the later crawl's value stands
    undo_run(engine, c.run_id)
    assert stored(engine) == original  # and undoing the later one brings back what was there before both


def test_a_listing_found_first_by_an_undone_run_stays_when_a_later_run_saw_it(jane, tmp_path):
    engine = jane
    a = import_listings(engine, write_jsonl(tmp_path / "a.jsonl", listing(URL, "Dr. Jane Doe", rating=4.0)))
    b = import_listings(engine, write_jsonl(tmp_path / "b.jsonl", listing(URL, "Dr. Jane Doe", rating=4.0, at=week(2))))

    undo_run(engine, a.run_id)
    with Session(engine) as s:
        kept = s.exec(select(Listing)).scalars().one()
        assert (kept.run_id, kept.first_seen, kept.last_seen) == (b.run_id, week(2), week(2))
        assert s.exec(select(Snapshot.week)).scalars().all() == ["2026-W46"]
    undo_run(engine, b.run_id)
    assert stored(engine)["listings"] == []


def test_a_second_crawl_of_the_same_week_keeps_the_weeks_snapshot_when_the_first_is_undone(jane, tmp_path):
    engine = jane
    a = import_listings(engine, write_jsonl(tmp_path / "a.jsonl", listing(URL, "Dr. Jane Doe", rating=4.0)))
    import_listings(engine, write_jsonl(tmp_path / "b.jsonl", listing(URL, "Dr. Jane Doe", rating=4.0, at=WEEK1 + timedelta(hours=2))))

    undo_run(engine, a.run_id)

    with Session(engine) as s:
        assert s.exec(select(Snapshot.week, Snapshot.rating)).all() == [("2026-W45", 4.0)]


def test_a_listing_a_person_decided_on_is_kept(jane, tmp_path):
    engine = jane
    a = import_listings(engine, write_jsonl(tmp_path / "a.jsonl", listing(URL, "J. Doe")))
    confirm_match(engine, URL, NPI)

    summary = undo_run(engine, a.run_id)

    assert summary.kept_for_person == 1
    with Session(engine) as s:
        assert s.exec(select(Match.method, Match.status)).all() == [("person", "matched")]


def test_findings_are_computed_again_after_an_undo(jane, tmp_path):
    engine = jane
    import_listings(engine, write_jsonl(tmp_path / "a.jsonl", search(NPI)))
    refresh_findings(engine)
    assert [f["kind"] for f in open_findings(engine)] == ["missing_listing"]
    bad = import_listings(engine, write_jsonl(tmp_path / "b.jsonl",
        listing(URL, "Dr. Jane Doe", phones=["503-555-0100"], addresses=[HOME], at=week(2)),
        search(NPI, results=[URL], at=week(2))))
    match_listings(engine)
    refresh_findings(engine)
    assert open_findings(engine) == []

    undo_run(engine, bad.run_id)

    assert [f["kind"] for f in open_findings(engine)] == ["missing_listing"]
    with Session(engine) as s:
        finding = s.exec(select(Finding)).scalars().one()
        assert (finding.status, finding.resolved_at, finding.first_seen) == ("open", None, WEEK1)


def test_a_roster_import_undone_brings_the_former_roster_back(engine, tmp_path):
    header = "npi,first_name,middle_name,last_name,suffix,credentials,specialty,department,practice_name,street,city,state,zip,phone\n"
    jane_row = f"{NPI},Jane,,Doe,,MD,Cardiology,Heart,,1 Main St,Portland,OR,97201,503-555-0100\n"
    john_row = f"{OTHER},John,,Roe,,MD,Oncology,Cancer,,9 Elm St,Salem,OR,97301,503-555-0900\n"
    (tmp_path / "one.csv").write_text(header + jane_row + john_row)
    import_roster(engine, tmp_path / "one.csv")
    before = roster_state(engine)
    moved = jane_row.replace("1 Main St", "2 Oak Ave").replace("Cardiology", "Internal Medicine")
    newcomer = f"{npi_with_check_digit('111222333')},Ann,,Poe,,MD,Surgery,Surgery,,3 Pine St,Bend,OR,97701,541-555-0100\n"
    (tmp_path / "two.csv").write_text(header + moved + newcomer)  # John left, Jane moved, Ann joined
    second = import_roster(engine, tmp_path / "two.csv")
    assert roster_state(engine) != before

    undo_run(engine, second.run_id)

    assert roster_state(engine) == before


def test_a_roster_import_is_undone_newest_first(engine, tmp_path):
    header = "npi,first_name,middle_name,last_name,suffix,credentials,specialty,department,practice_name,street,city,state,zip,phone\n"
    (tmp_path / "r.csv").write_text(header + f"{NPI},Jane,,Doe,,MD,Cardiology,Heart,,1 Main St,Portland,OR,97201,503-555-0100\n")
    first = import_roster(engine, tmp_path / "r.csv")
    second = import_roster(engine, tmp_path / "r.csv")
    with pytest.raises(RunError, match=f"later roster imports stand \\({second.run_id}\\)"):
        undo_run(engine, first.run_id)
    undo_run(engine, second.run_id)
    undo_run(engine, first.run_id)
    assert roster_state(engine) == {"physicians": [], "locations": []}


def test_a_run_cannot_be_undone_twice_or_while_it_runs(jane, tmp_path):
    engine = jane
    a = import_listings(engine, write_jsonl(tmp_path / "a.jsonl", listing(URL, "Dr. Jane Doe")))
    undo_run(engine, a.run_id)
    with pytest.raises(RunError, match="undone already"):
        undo_run(engine, a.run_id)
    with pytest.raises(RunError, match="there is no run 999"):
        undo_run(engine, 999)
    with Session(engine) as s:
        running = Run(kind="crawl", started_at=WEEK1, status="running", pid=1, host=__import__("socket").gethostname())
        s.add(running)
        s.commit()
        s.refresh(running)
    with pytest.raises(RunError, match="still running"):
        undo_run(engine, running.id)


def test_runs_list_and_undo_from_the_command_line(jane, tmp_path, db_url):
    engine = jane
    path = write_jsonl(tmp_path / "out.jsonl", listing(URL, "Dr. Jane Doe [/x] [bold]"))
    runner = CliRunner()
    result = runner.invoke(app, ["--db", db_url, "listings", "import", str(path)])
    assert result.exit_code == 0, result.output
    run_id = list_runs(engine)[0].id

    listed = runner.invoke(app, ["--db", db_url, "runs", "list"], env={"COLUMNS": "300"})
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if line.startswith(f"│ {run_id} "))
    assert "listings import" in row and "finished" in row and str(path) in row and "listings new 1" in row

    declined = runner.invoke(app, ["--db", db_url, "runs", "undo", str(run_id)], input="n\n")
    assert declined.exit_code == 1
    assert len(stored(engine)["listings"]) == 1

    undone = runner.invoke(app, ["--db", db_url, "runs", "undo", str(run_id), "--yes"])
    assert undone.exit_code == 0, undone.output
    assert f"run {run_id} (listings_import) undone" in undone.output
    assert stored(engine)["listings"] == []

    again = runner.invoke(app, ["--db", db_url, "runs", "undo", str(run_id), "--yes"])
    assert again.exit_code == 1
    assert "undone already" in again.output
    assert "Traceback" not in again.output


def test_undoing_a_weeks_crawl_leaves_the_database_as_the_week_before_left_it(tmp_path):
    from datetime import UTC, datetime

    from reputation.crawl import CrawlOptions, run_crawl
    from reputation.db import get_engine
    from reputation.sandbox.server import SandboxServer
    from reputation.sandbox.world import World
    from test_crawl import roster_file

    world = World(seed=7)
    engine = get_engine(f"sqlite:///{tmp_path / 'crawl.db'}")
    import_roster(engine, roster_file(world, tmp_path / "roster.csv"))
    first_week = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    with SandboxServer(world) as server:
        options = CrawlOptions(sources=["healthgrades", "nppes"], sandbox_url=server.url, delay=0, crawl_time=first_week)
        run_crawl(engine, options)
        match_listings(engine)
        refresh_findings(engine)
        after_first = stored(engine), sorted((f["npi"], f["source"], f["kind"]) for f in open_findings(engine))
        world.advance()  # a phone changes, a listing goes, ratings move
        options.crawl_time = first_week + timedelta(weeks=1)
        second = run_crawl(engine, options)
        match_listings(engine)
        refresh_findings(engine)
        assert stored(engine) != after_first[0]

    undo_run(engine, second.id)

    assert (stored(engine), sorted((f["npi"], f["source"], f["kind"]) for f in open_findings(engine))) == after_first


def test_a_database_of_the_former_schema_keeps_its_crawl_runs(db_url):
    from alembic import command
    from sqlalchemy import create_engine, text

    from reputation.db import _migrated, alembic_config, get_engine

    url = db_url
    old = create_engine(url)
    command.upgrade(alembic_config(old), "0003")
    with old.begin() as conn:
        conn.execute(text("INSERT INTO crawlrun (id, started_at, crawl_time, sources, status, summary) "
                          "VALUES (7, '2026-11-02 09:00:00', '2026-11-02 09:00:00', '[\"nppes\"]', 'finished', '{}')"))
        conn.execute(text("INSERT INTO search (source, npi, week, status, results, gone, crawled_at, run_id) "
                          f"VALUES ('nppes', '{NPI}', '2026-W45', 'ok', '[]', '[]', '2026-11-02 09:00:00', 7)"))
    old.dispose()
    _migrated.clear()
    engine = get_engine(url)
    assert [(r.id, r.kind, r.status) for r in list_runs(engine)] == [(7, "crawl", "finished")]
    undo_run(engine, 7)
    assert stored(engine)["searches"] == []


def test_no_undo_while_a_crawl_of_the_database_runs(jane, tmp_path):
    from reputation.crawl_lock import CRAWL, DatabaseLock

    engine = jane
    a = import_listings(engine, write_jsonl(tmp_path / "a.jsonl", listing(URL, "Dr. Jane Doe")))
    with DatabaseLock(engine, CRAWL) as crawl:
        assert crawl.acquire()
        with pytest.raises(RunError, match="a crawl of this database is running"):
            undo_run(engine, a.run_id)
    undo_run(engine, a.run_id)
