"""Crawl output from another tool: stored once, bad lines named, nothing lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from builders import npi_with_check_digit
from reputation.cli import app
from reputation.db import get_engine
from reputation.listings import import_listings
from reputation.models import Listing, Review, Search, Snapshot
from reputation.records import RecordError, parse_record

LISTING = {
    "kind": "listing", "source": "healthgrades", "url": "https://www.healthgrades.com/physician/dr-jane-doe-x1y2z",
    "source_id": "x1y2z", "name": "Dr. Jane A. Doe, MD", "specialty": "Cardiology", "practice_name": "Heart Care",
    "addresses": [{"street": "12 Main St Ste 4", "city": "Atlanta", "state": "GA", "zip": "30303"}],
    "phones": ["(404) 555-0101"], "npi": None, "rating": 4.5, "review_count": 12, "accepting_new_patients": True,
    "reviews": [
        {"review_id": "c1", "date": "2026-11-01", "rating": 1, "text": "<script>alert(1)</script> rude", "author": "A", "response": None},
        {"review_id": None, "date": "2026-10-01", "rating": 5, "text": "great", "author": "B", "response": None},
    ],
    "crawled_at": "2026-11-16T09:00:00+00:00",
    "some_other_tool_key": {"kept": "or ignored"},
}
SEARCH = {"kind": "search", "source": "healthgrades", "npi": "1234567893", "query": "Jane Doe, Atlanta GA",
          "status": "ok", "reason": "", "results": [LISTING["url"]], "crawled_at": "2026-11-16T09:00:05Z"}


def write_jsonl(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def counts(engine):
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one() for t in (Listing, Snapshot, Review, Search))


def test_good_lines_are_stored_with_snapshot_reviews_and_search(engine, tmp_path):
    result = import_listings(engine, write_jsonl(tmp_path / "out.jsonl", [LISTING, SEARCH]))
    assert result.errors == []
    assert counts(engine) == (1, 1, 2, 1)
    with Session(engine) as s:
        listing = s.exec(select(Listing)).one()
        assert listing.rating == 4.5 and listing.phones == ["(404) 555-0101"]
        assert s.exec(select(Snapshot)).one().week == "2026-W47"


def test_importing_the_same_file_twice_changes_nothing(engine, tmp_path):
    path = write_jsonl(tmp_path / "out.jsonl", [LISTING, SEARCH])
    import_listings(engine, path)
    before = counts(engine)
    second = import_listings(engine, path)
    assert counts(engine) == before
    assert second.counts.listings_new == 0 and second.counts.reviews == 0 and second.counts.snapshots == 0


def test_bad_lines_are_skipped_and_named_by_line_number(engine, tmp_path):
    bad_rating = {**LISTING, "url": "https://example.org/p/2", "rating": 7}
    no_url = {k: v for k, v in LISTING.items() if k != "url"}
    bad_status = {**SEARCH, "status": "maybe"}
    path = write_jsonl(tmp_path / "mixed.jsonl", [LISTING, "{not json", bad_rating, no_url, bad_status, SEARCH])
    result = import_listings(engine, path)
    lines = {e.line: str(e) for e in result.errors}
    assert sorted(lines) == [2, 3, 4, 5]
    assert "not valid JSON" in lines[2]
    assert "rating" in lines[3] and "mixed.jsonl:3" in lines[3]
    assert "url" in lines[4]
    assert "status" in lines[5]
    assert counts(engine)[0] == 1 and counts(engine)[3] == 1


def test_a_later_week_adds_a_snapshot_and_only_new_reviews(engine, tmp_path):
    import_listings(engine, write_jsonl(tmp_path / "w1.jsonl", [LISTING]))
    week2 = {**LISTING, "rating": 4.0, "crawled_at": "2026-11-23T09:00:00+00:00",
             "reviews": LISTING["reviews"] + [{"review_id": "c9", "date": "2026-11-20", "rating": 2, "text": "late", "author": "C"}]}
    import_listings(engine, write_jsonl(tmp_path / "w2.jsonl", [week2]))
    with Session(engine) as s:
        assert [x.week for x in s.exec(select(Snapshot).order_by(Snapshot.week))] == ["2026-W47", "2026-W48"]
        assert s.exec(select(Listing)).one().rating == 4.0
        assert len(s.exec(select(Review)).all()) == 3


def test_an_older_crawl_never_overwrites_a_newer_listing(engine, tmp_path):
    newer = {**LISTING, "rating": 3.9, "crawled_at": "2026-11-23T09:00:00+00:00"}
    import_listings(engine, write_jsonl(tmp_path / "new.jsonl", [newer]))
    import_listings(engine, write_jsonl(tmp_path / "old.jsonl", [LISTING]))
    with Session(engine) as s:
        assert s.exec(select(Listing)).one().rating == 3.9


def test_a_blocked_search_does_not_hide_a_successful_one_in_the_same_week(engine, tmp_path):
    blocked = {**SEARCH, "status": "blocked", "reason": "HTTP 403", "results": [], "crawled_at": "2026-11-17T09:00:00Z"}
    import_listings(engine, write_jsonl(tmp_path / "a.jsonl", [LISTING, SEARCH, blocked]))
    with Session(engine) as s:
        assert s.exec(select(Search)).one().status == "ok"


def test_record_errors_name_the_field():
    try:
        parse_record({**SEARCH, "npi": "12345"})
    except RecordError as exc:
        assert exc.field == "npi"
    else:
        raise AssertionError("a 5-digit NPI was accepted")


def test_a_line_that_is_not_utf8_is_named_and_the_rest_stored(engine, tmp_path):
    path = tmp_path / "latin1.jsonl"
    good = json.dumps(LISTING).encode()
    bad = json.dumps({**LISTING, "url": "https://example.org/p/9", "name": "Dr. Jos\u00e9 X"}, ensure_ascii=False).encode("latin-1")
    path.write_bytes(good + b"\n" + bad + b"\n" + json.dumps(SEARCH).encode() + b"\n")
    result = import_listings(engine, path)
    assert [(e.line, "UTF-8" in str(e)) for e in result.errors] == [(2, True)]
    assert counts(engine)[0] == 1 and counts(engine)[3] == 1


def test_nul_characters_are_dropped_not_fatal(engine, tmp_path):
    result = import_listings(engine, write_jsonl(tmp_path / "nul.jsonl", [{**LISTING, "name": "Dr. Jane\u0000 Doe"}]))
    assert result.errors == []
    with Session(engine) as s:
        assert s.exec(select(Listing.name)).one() == "Dr. Jane Doe"


def test_the_same_instant_in_another_offset_is_the_same_week(engine, tmp_path):
    late_evening = {**LISTING, "crawled_at": "2026-11-22T23:30:00-05:00"}  # Monday 04:30 UTC: ISO week 48
    import_listings(engine, write_jsonl(tmp_path / "tz.jsonl", [late_evening]))
    with Session(engine) as s:
        assert s.exec(select(Snapshot.week)).one() == "2026-W48"


def test_an_ok_search_whose_listing_was_not_stored_is_not_a_clean_search(engine, tmp_path):
    lost = {**SEARCH, "results": ["https://www.healthgrades.com/physician/dr-never-stored-q1w2e"]}
    import_listings(engine, write_jsonl(tmp_path / "lost.jsonl", [lost]))
    with Session(engine) as s:
        search = s.exec(select(Search)).one()
    assert search.status == "error" and "could not be stored" in search.reason


def test_a_response_posted_later_is_recorded_on_the_review(engine, tmp_path):
    import_listings(engine, write_jsonl(tmp_path / "w1.jsonl", [LISTING]))
    answered = [dict(r) for r in LISTING["reviews"]]
    answered[0]["response"] = "Thank you, please call our patient relations office."
    week2 = {**LISTING, "reviews": answered, "crawled_at": "2026-11-23T09:00:00+00:00"}
    import_listings(engine, write_jsonl(tmp_path / "w2.jsonl", [week2]))
    with Session(engine) as s:
        review = s.exec(select(Review).where(Review.review_key == "c1")).one()
    assert review.response.startswith("Thank you") and review.first_seen.isoformat().startswith("2026-11-16")


# ----- out of range, over the limit, nothing else lost -----------------------------------------------

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the clock the imports below are checked against


def numbered_listings(n: int, **changes_on: dict) -> list[dict]:
    """``n`` listings of their own URLs; ``changes_on={"line700": {...}}`` changes that line."""
    out = []
    for i in range(1, n + 1):
        record = {**LISTING, "url": f"https://example.org/p/{i}", "reviews": [], "review_count": 5}
        out.append({**record, **changes_on.get(f"line{i}", {})})
    return out


def test_an_oversized_number_costs_only_its_line_named_with_its_field(engine, tmp_path):
    path = write_jsonl(tmp_path / "big.jsonl", numbered_listings(1200, line700={"review_count": 10**20}))
    result = import_listings(engine, path, now=NOW)
    assert [(e.line, e.field) for e in result.errors] == [(700, "review_count")]
    assert result.stored == 1199 and counts(engine)[0] == 1199


def test_what_the_database_driver_raises_for_a_line_costs_only_that_line(engine, tmp_path, monkeypatch):
    # Checking the records bounds review_count; this is the store's own net for what slips past a check
    # (SQLite's driver raises OverflowError, which is not one of SQLAlchemy's errors).
    from reputation import listings

    checked = listings.read_jsonl

    def slipping_past(path, **kwargs):
        for line in checked(path, **kwargs):
            if line.line == 700:
                line.record.review_count = 10**20
            yield line

    monkeypatch.setattr(listings, "read_jsonl", slipping_past)
    result = import_listings(engine, write_jsonl(tmp_path / "big.jsonl", numbered_listings(1200)), now=NOW)
    assert [e.line for e in result.errors] == [700] and "the database refused it" in result.errors[0].reason
    assert counts(engine)[0] == 1199


def test_a_future_dated_listing_is_refused_and_later_real_data_for_it_is_stored(engine, tmp_path):
    future = {**LISTING, "rating": 1.0, "crawled_at": "2099-01-07T09:00:00Z"}
    first = import_listings(engine, write_jsonl(tmp_path / "2099.jsonl", [future]), now=NOW)
    assert [(e.line, e.field) for e in first.errors] == [(1, "crawled_at")]
    import_listings(engine, write_jsonl(tmp_path / "real.jsonl", [LISTING]), now=NOW)
    with Session(engine) as s:
        listing = s.exec(select(Listing)).one()
        assert (listing.rating, listing.last_seen.year) == (4.5, 2026)
        assert s.exec(select(Snapshot.week)).all() == ["2026-W47"]


def test_a_review_dated_ahead_of_the_clock_is_named_by_its_place(engine, tmp_path):
    reviews = LISTING["reviews"] + [{"review_id": "c3", "date": "2026-11-21", "rating": 2, "text": "x"},
                                    {"review_id": "c4", "date": "2026-11-25", "rating": 2, "text": "y"}]
    result = import_listings(engine, write_jsonl(tmp_path / "r.jsonl", [{**LISTING, "reviews": reviews}]), now=NOW)
    assert [str(e) for e in result.errors] == [f"{tmp_path / 'r.jsonl'}:1: reviews.3.date: 2026-11-25 00:00 UTC is more than "
                                               "a day ahead of the clock (2026-11-20 12:00 UTC)"]
    assert counts(engine) == (0, 0, 0, 0)


def test_a_rating_of_true_is_refused_not_stored_as_one_star(engine, tmp_path):
    result = import_listings(engine, write_jsonl(tmp_path / "t.jsonl", [{**LISTING, "rating": True}, SEARCH]), now=NOW)
    assert [(e.line, e.field) for e in result.errors] == [(1, "rating")]
    assert counts(engine)[0] == 0


def test_values_over_their_limit_are_cut_reported_by_line_and_the_line_stored(engine, tmp_path):
    reviews = [{"review_id": f"r{i}", "date": "2026-11-01", "rating": 1, "text": "rude", "author": "A" * 2_000_000}
               for i in range(10)]
    path = write_jsonl(tmp_path / "huge.jsonl", [SEARCH, {**LISTING, "name": "Dr. Jane Doe " + "x" * 50_000_000, "reviews": reviews}])
    result = import_listings(engine, path, now=NOW)
    assert result.errors == []
    assert [str(c) for c in result.cuts][:2] == [f"{path}:2: name: cut to 300 of 50,000,013 characters",
                                                 f"{path}:2: reviews.0.author: cut to 200 of 2,000,000 characters"]
    assert len(result.cuts) == 11
    with Session(engine) as s:
        assert len(s.exec(select(Listing.name)).one()) == 300
        assert {len(a) for a in s.exec(select(Review.author))} == {200}


def test_a_markup_looking_reason_is_stored_as_it_was_written(engine, tmp_path):
    blocked = {**SEARCH, "status": "blocked", "reason": "[/x] [bold red]HTTP 403[/]", "results": []}
    import_listings(engine, write_jsonl(tmp_path / "m.jsonl", [blocked]), now=NOW)
    with Session(engine) as s:
        assert s.exec(select(Search.reason)).one() == "[/x] [bold red]HTTP 403[/]"


# ----- the whole command, as a user runs it ----------------------------------------------------------

def test_a_future_date_an_overflowing_number_and_markup_are_refused_by_line_and_no_finding_disappears(db_url, tmp_path):
    def repmon(*args):
        return CliRunner().invoke(app, ["--db", db_url, *args], catch_exceptions=False)

    def open_findings():
        result = repmon("flags", "--format", "json")
        assert result.exit_code == 0, result.output
        return sorted((f["kind"], f["npi"], f["source"], f["shown"]) for f in json.loads(result.stdout))

    jane, omar, stranger = (npi_with_check_digit(n) for n in ("423456781", "523456782", "623456783"))
    roster = tmp_path / "roster.csv"
    roster.write_text("npi,first_name,middle_name,last_name,suffix,credentials,specialty,department,practice_name,street,city,state,zip,phone\n"
                      f"{jane},Jane,A,Doe,,MD,Cardiology,Heart,Heart Care,12 Main St Ste 4,Atlanta,GA,30303,404-555-0101\n"
                      f"{omar},Omar,,Haddad,,DO,Family Medicine,Primary Care,Family Clinic,5 Elm Ave,Decatur,GA,30030,404-555-0303\n")
    janes = {**LISTING, "phones": ["(404) 555-0199"], "reviews": [], "crawled_at": "2026-11-16T09:00:00Z"}  # an outdated phone
    searches = [{**SEARCH, "npi": jane, "results": [janes["url"]]},
                {**SEARCH, "npi": omar, "query": "Omar Haddad", "results": []}]  # a missing listing
    week = write_jsonl(tmp_path / "week.jsonl", [janes, *searches])
    assert repmon("roster", "import", str(roster)).exit_code == 0
    assert repmon("listings", "import", str(week)).exit_code == 0
    assert repmon("match").exit_code == 0
    before = open_findings()
    assert {kind for kind, *_ in before} == {"missing_listing", "outdated_phone"}

    other = {**LISTING, "url": "https://www.healthgrades.com/physician/dr-zed-quux-q9", "name": "Dr. Zed Quux", "npi": None,
             "reviews": [{"review_id": "z1", "date": "2026-11-10", "rating": 5, "text": "fine", "author": "Z" * 5_000}]}
    marked = {**SEARCH, "npi": stranger, "status": "blocked", "reason": "[/x] [bold]HTTP 403[/bold]", "results": []}
    lines = [
        janes, searches[0],                                         # 1-2 good, as stored already
        {**janes, "crawled_at": "2099-01-07T09:00:00Z"},            # 3 dated 2099: the false all-clear
        searches[1],                                                # 4 good
        {**other, "url": other["url"] + "-b", "review_count": 10**20},  # 5 an overflowing number
        other,                                                      # 6 good, an author cut to its limit
        {**marked, "status": "[/x]"},                               # 7 a markup-looking value refused
        marked,                                                     # 8 good: a markup-looking reason, as written
    ]
    (tmp_path / "[bold]").mkdir()  # Rich would read the path as markup too
    mixed = write_jsonl(tmp_path / "[bold]" / "mixed.jsonl", lines)
    result = repmon("listings", "import", str(mixed))

    assert result.exit_code == 1
    where = f"{mixed}:"
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{where}3: crawled_at: 2099-01-07 09:00 UTC is more than a day ahead of the clock (")
    assert errors[1:] == [
        f"{where}5: review_count: Input should be less than or equal to 10000000 (got 100000000000000000000)",
        f"warning: {where}6: reviews.0.author: cut to 200 of 5,000 characters",
        f"{where}7: status: Input should be 'ok', 'blocked', 'error' or 'disallowed' (got \"[/x]\")",
    ]
    assert "5 record(s) read and stored" in result.stdout and "3 bad line(s) skipped, 1 value(s) cut" in result.stdout
    with Session(get_engine(db_url)) as s:
        assert s.exec(select(Search.reason).where(Search.npi == stranger)).one() == "[/x] [bold]HTTP 403[/bold]"
        assert len(s.exec(select(Review.author).where(Review.review_key == "z1")).one()) == 200
        assert s.exec(select(func.max(Listing.last_seen))).one().year == 2026
    assert repmon("match").exit_code == 0
    assert open_findings() == before
