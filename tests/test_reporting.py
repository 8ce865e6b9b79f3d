"""Report data gathered from the database: coverage cells, the capped matrix, trends, crawl health."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from builders import add_physician, listing, npi_with_check_digit, search, store, week
from reputation import reporting
from reputation.findings import refresh_findings
from reputation.models import Listing, Match, Physician
from reputation.reporting import ReportData

JANE = npi_with_check_digit("623456783")
ATL = {"street": "12 Main St", "city": "Atlanta", "state": "GA", "zip": "30303", "phone": "+14045550101"}
GOOD_ADDR = {"street": "12 Main Street", "city": "Atlanta", "state": "GA", "zip": "30303"}


def link(engine, url, npi, status="matched"):
    with Session(engine) as s:
        pid = s.exec(select(Physician.id).where(Physician.npi == npi)).one()
        lid = s.exec(select(Listing.id).where(Listing.url == url)).one()
        s.add(Match(listing_id=lid, physician_id=pid, score=1.0, status=status, method="npi", updated_at=datetime.now(UTC)))
        s.commit()


def cell(data, npi, source):
    return next(r for r in data.overview()["coverage"] if r["npi"] == npi)["cells"][source]


def test_a_coverage_cell_describes_the_latest_search_alone(engine):
    add_physician(engine, JANE, "Jane", "Doe")
    store(engine, search(JANE, "blocked", reason="HTTP 403 challenge page", at=week(1)),
          search(JANE, "error", reason=None, at=week(2)))
    c = cell(ReportData(engine), JANE, "healthgrades")
    assert c["state"] == "unknown"
    assert c["note"] == "error:"  # not the older search's reason


def _roster(engine, n):
    npis = [npi_with_check_digit(f"7234567{i:02d}") for i in range(n)]
    for i, npi in enumerate(npis):
        add_physician(engine, npi, "Pat", f"Lee{chr(65 + i)}", department=["Heart", "Skin"][i % 2], locations=[ATL])
    return npis


def test_coverage_by_site_counts_each_state_and_leaves_unknown_out_of_the_share(engine):
    npis = _roster(engine, 4)
    urls = [f"https://www.healthgrades.com/physician/dr-{i}" for i in range(2)]
    store(engine, *(listing(u, "Pat Lee", phones=["404-555-0101"], addresses=[GOOD_ADDR], rating=4.5, review_count=20) for u in urls),
          search(npis[0], results=[urls[0]]), search(npis[1], results=[urls[1]]), search(npis[2]), search(npis[3], "blocked"))
    link(engine, urls[0], npis[0])
    link(engine, urls[1], npis[1], status="review")
    site = ReportData(engine).overview()["coverage_by_source"][0]
    assert site == {"source": "healthgrades", "listed": 1, "review": 1, "missing": 1, "unknown": 1, "not_crawled": 0, "share": 0.5}


def test_a_large_roster_lists_the_physicians_with_the_most_gaps_and_counts_the_rest(engine, monkeypatch):
    npis = _roster(engine, 4)
    monkeypatch.setattr(reporting, "MATRIX_ROWS", 2)
    url = "https://www.healthgrades.com/physician/dr-0"
    store(engine, listing(url, "Pat Lee", phones=["404-555-0101"], addresses=[GOOD_ADDR]),
          search(npis[0], results=[url]), search(npis[1]), search(npis[2], "blocked"), search(npis[3]),
          search(npis[1], source="vitals"), search(npis[0], source="vitals", status="error"))
    link(engine, url, npis[0])
    overview = ReportData(engine).overview()
    assert {r["npi"] for r in overview["coverage"]} == {npis[1], npis[3]}  # two missing; one missing; then unknowns
    assert overview["coverage_note"] == {"shown": 2, "physicians": 4, "with_gaps": 4, "complete": 0}
    by_dept = {d["department"]: d for d in overview["coverage_by_department"]}
    assert by_dept["Skin"]["cells"]["healthgrades"] == {"listed": 0, "missing": 2, "review": 0, "unknown": 0, "share": 0.0}


def test_ratings_over_time_are_weighted_by_review_count_per_source_and_department(engine):
    npis = _roster(engine, 2)
    hg, vi = "https://www.healthgrades.com/physician/dr-0", "https://www.vitals.com/dr-1"
    for n, (a, b) in enumerate([(4.0, 5.0), (3.0, 5.0)], start=1):
        store(engine, listing(hg, "Pat Lee", rating=a, review_count=30, at=week(n)),
              listing(vi, "Pat Lee", source="vitals", rating=b, review_count=10, at=week(n)))
    link(engine, hg, npis[0])
    link(engine, vi, npis[1])
    overview = ReportData(engine).overview()
    trend = {s["label"]: s["values"] for s in overview["rating_trend"]["series"]}
    assert trend == {"All sources": [4.25, 3.5], "healthgrades": [4.0, 3.0], "vitals": [5.0, 5.0]}
    assert [(d["department"], d["values"], d["change"]) for d in overview["department_ratings"]] == [
        ("Heart", [4.0, 3.0], -1.0), ("Skin", [5.0, 5.0], 0.0)]
    assert overview["headline"]["average_rating"] == {"value": 3.5, "change": -0.75}


def test_the_physician_page_shows_each_listing_trend_and_the_weighted_average(engine):
    npis = _roster(engine, 1)
    hg, vi = "https://www.healthgrades.com/physician/dr-0", "https://www.vitals.com/dr-0"
    for n in (1, 2):
        store(engine, listing(hg, "Pat Lee", rating=4.0, review_count=30, at=week(n)),
              listing(vi, "Pat Lee", source="vitals", rating=5.0, review_count=10, at=week(n)))
    link(engine, hg, npis[0])
    link(engine, vi, npis[0])
    page = ReportData(engine).physician(npis[0])
    assert {s["label"]: s["values"] for s in page["trend"]["series"]} == {
        "healthgrades": [4.0, 4.0], "vitals": [5.0, 5.0], "Weighted average": [4.25, 4.25]}


def test_crawl_health_names_a_source_whose_parser_looks_broken(engine):
    npis = _roster(engine, 1)
    store(engine, search(npis[0], at=week(1)))
    data = ReportData(engine)
    data.broken = {("healthgrades", "2026-W45"): {"phone"}}
    data.broken_reasons = {("healthgrades", "2026-W45"): "phone missing on 92% of profiles"}
    row = data.overview()["crawl_health"][0]
    assert (row["parser_broken"], row["broken_fields"], row["parser_reason"]) == (True, ["phone"], "phone missing on 92% of profiles")


def test_an_average_drop_across_sites_reads_as_all_sites_on_the_checklist(engine):
    npis = _roster(engine, 1)
    hg, vi = "https://www.healthgrades.com/physician/dr-0", "https://www.vitals.com/dr-0"
    for n, (a, b) in enumerate([((4.8, 10), (4.0, 10)), ((4.6, 10), (3.8, 40))], start=1):
        store(engine, listing(hg, "Pat Lee", rating=a[0], review_count=a[1], at=week(n), phones=["404-555-0101"], addresses=[GOOD_ADDR]),
              listing(vi, "Pat Lee", source="vitals", rating=b[0], review_count=b[1], at=week(n), phones=["404-555-0101"], addresses=[GOOD_ADDR]))
        if n == 1:
            link(engine, hg, npis[0])
            link(engine, vi, npis[0])
    refresh_findings(engine)
    checklist = ReportData(engine).physician(npis[0])["checklist"]
    assert [(c["kind"], c["source"]) for c in checklist] == [("rating_drop", "all")]
    assert checklist[0]["text"].startswith("Look into the rating drop on all sites: 4.40 stars")


def test_an_overview_of_ten_reviews_with_2_mb_author_names_stays_under_500_kb(engine, tmp_path):
    from sqlalchemy import update

    from reports.render import write_reports
    from reputation.models import Review

    # What an older database may hold: rows stored before the record limits, so written here directly.
    npis = _roster(engine, 1)
    url = "https://www.healthgrades.com/physician/dr-0"
    reviews = [{"review_id": f"r{i}", "date": "2026-11-01", "rating": 1, "text": "rude", "author": "A"} for i in range(10)]
    store(engine, listing(url, "Pat Lee", phones=["404-555-0101"], addresses=[GOOD_ADDR], reviews=reviews),
          search(npis[0], results=[url]))
    link(engine, url, npis[0])
    huge = "Ann " + "N" * 2_000_000
    with Session(engine) as s:
        s.execute(update(Review).values(author=huge))
        s.commit()
    refresh_findings(engine)
    data = ReportData(engine)
    overview, page = data.overview(), data.physician(npis[0])
    assert len(overview["negative_reviews"]) == 10 and len(page["reviews"]) == 10
    index, physician_page = write_reports(tmp_path, overview, [page])
    assert index.stat().st_size < 500_000
    assert physician_page.stat().st_size < 500_000
    author = overview["negative_reviews"][0]["author"]
    assert author.startswith("Ann") and author.endswith("…") and len(author) <= reporting.SHORT_TEXT_CHARS + 2
