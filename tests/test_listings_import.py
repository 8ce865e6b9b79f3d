"""Crawl output from another tool: stored once, bad lines named, nothing lost."""

from __future__ import annotations

import json

from sqlmodel import Session, func, select

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
