"""The report models built from the database: coverage cells, the capped matrix, trends, crawl health."""

from __future__ import annotations

from datetime import UTC, datetime

from bs4 import BeautifulSoup
from sqlmodel import Session, select

from builders import add_physician, listing, npi_with_check_digit, search, store, week
from reports.model import CoverageCounts, Figure, MatrixNote, SiteCoverage
from reports.render import render_overview, render_physician
from reputation.findings import refresh_findings
from reputation.models import Listing, Match, Physician
from reputation.reporting import PhysicianPages, build_overview, load_report_input
from reputation.reporting import coverage as report_coverage
from reputation.reporting.display import SHORT_TEXT_CHARS, site

JANE = npi_with_check_digit("623456783")
ATL = {"street": "12 Main St", "city": "Atlanta", "state": "GA", "zip": "30303", "phone": "+14045550101"}
GOOD_ADDR = {"street": "12 Main Street", "city": "Atlanta", "state": "GA", "zip": "30303"}


def link(engine, url, npi, status="matched"):
    with Session(engine) as s:
        pid = s.exec(select(Physician.id).where(Physician.npi == npi)).one()
        lid = s.exec(select(Listing.id).where(Listing.url == url)).one()
        s.add(Match(listing_id=lid, physician_id=pid, score=1.0, status=status, method="npi", updated_at=datetime.now(UTC)))
        s.commit()


def overview_of(engine):
    return build_overview(load_report_input(engine))


def page_of(engine, npi):
    return PhysicianPages(load_report_input(engine)).page(npi)


def cell(overview, npi, source):
    return next(r for r in overview.coverage if r.npi == npi).cells[source]


def test_a_coverage_cell_describes_the_latest_search_alone(engine):
    add_physician(engine, JANE, "Jane", "Doe")
    store(engine, search(JANE, "blocked", reason="HTTP 403 challenge page", at=week(1)),
          search(JANE, "error", reason=None, at=week(2)))
    c = cell(overview_of(engine), JANE, "healthgrades")
    assert c.state == "unknown"
    assert c.note == "error:"  # not the older search's reason


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
    by_site = overview_of(engine).coverage_by_source[0]
    assert by_site == SiteCoverage(site("healthgrades"), listed=1, review=1, missing=1, unknown=1, not_crawled=0, share=0.5)


def test_a_large_roster_lists_the_physicians_with_the_most_gaps_and_counts_the_rest(engine, monkeypatch):
    npis = _roster(engine, 4)
    monkeypatch.setattr(report_coverage, "MATRIX_ROWS", 2)
    url = "https://www.healthgrades.com/physician/dr-0"
    store(engine, listing(url, "Pat Lee", phones=["404-555-0101"], addresses=[GOOD_ADDR]),
          search(npis[0], results=[url]), search(npis[1]), search(npis[2], "blocked"), search(npis[3]),
          search(npis[1], source="vitals"), search(npis[0], source="vitals", status="error"))
    link(engine, url, npis[0])
    overview = overview_of(engine)
    assert {r.npi for r in overview.coverage} == {npis[1], npis[3]}  # two missing; one missing; then unknowns
    assert overview.coverage_note == MatrixNote(shown=2, physicians=4, with_gaps=4, complete=0)
    by_dept = {d.department: d for d in overview.coverage_by_department}
    assert by_dept["Skin"].cells["healthgrades"] == CoverageCounts(listed=0, missing=2, review=0, unknown=0, share=0.0)


def test_ratings_over_time_are_weighted_by_review_count_per_source_and_department(engine):
    npis = _roster(engine, 2)
    hg, vi = "https://www.healthgrades.com/physician/dr-0", "https://www.vitals.com/dr-1"
    for n, (a, b) in enumerate([(4.0, 5.0), (3.0, 5.0)], start=1):
        store(engine, listing(hg, "Pat Lee", rating=a, review_count=30, at=week(n)),
              listing(vi, "Pat Lee", source="vitals", rating=b, review_count=10, at=week(n)))
    link(engine, hg, npis[0])
    link(engine, vi, npis[1])
    overview = overview_of(engine)
    trend = {s.label: s.values for s in overview.rating_trend.series}
    assert trend == {"All sources": [4.25, 3.5], "Healthgrades": [4.0, 3.0], "Vitals": [5.0, 5.0]}
    assert [(d.department, d.values, d.change) for d in overview.department_ratings] == [
        ("Heart", [4.0, 3.0], -1.0), ("Skin", [5.0, 5.0], 0.0)]
    assert overview.headline.average_rating == Figure(3.5, -0.75)


def test_the_physician_page_shows_each_listing_trend_and_the_weighted_average(engine):
    npis = _roster(engine, 1)
    hg, vi = "https://www.healthgrades.com/physician/dr-0", "https://www.vitals.com/dr-0"
    for n in (1, 2):
        store(engine, listing(hg, "Pat Lee", rating=4.0, review_count=30, at=week(n)),
              listing(vi, "Pat Lee", source="vitals", rating=5.0, review_count=10, at=week(n)))
    link(engine, hg, npis[0])
    link(engine, vi, npis[0])
    page = page_of(engine, npis[0])
    assert {s.label: s.values for s in page.trend.series} == {
        "Healthgrades": [4.0, 4.0], "Vitals": [5.0, 5.0], "Weighted average": [4.25, 4.25]}


def test_crawl_health_names_a_source_whose_parser_looks_broken(engine):
    npis = _roster(engine, 1)
    store(engine, search(npis[0], at=week(1)))
    data = load_report_input(engine)
    data.frames.broken = {("healthgrades", "2026-W45"): {"phone"}}
    data.frames.broken_reasons = {("healthgrades", "2026-W45"): "phone missing on 92% of profiles"}
    row = build_overview(data).crawl_health[0]
    assert (row.parser_broken, row.broken_fields, row.parser_reason) == (True, ["phone"], "phone missing on 92% of profiles")


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
    checklist = page_of(engine, npis[0]).checklist
    assert [(c.kind.key, c.site.key) for c in checklist] == [("rating_drop", "all")]
    assert checklist[0].text.startswith("Look into the rating drop on all sites: 4.40 stars")


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
    data = load_report_input(engine)
    overview, page = build_overview(data), PhysicianPages(data).page(npis[0])
    assert len(overview.negative_reviews) == 10 and len(page.reviews) == 10
    index, physician_page = write_reports(tmp_path, overview, [page])
    assert index.stat().st_size < 500_000
    assert physician_page.stat().st_size < 500_000
    author = overview.negative_reviews[0].author
    assert author.startswith("Ann") and author.endswith("…") and len(author) <= SHORT_TEXT_CHARS + 2


def test_a_roster_with_nothing_crawled_yet_renders_a_report_saying_so(engine, tmp_path):
    from reports.render import write_reports

    npis = _roster(engine, 2)
    data = load_report_input(engine)
    overview, page = build_overview(data), PhysicianPages(data).page(npis[0])
    assert (overview.week, overview.headline.physicians, overview.headline.coverage) == (None, 2, Figure(None, None))
    index, physician_page = write_reports(tmp_path, overview, [page])
    text = BeautifulSoup(index.read_text(), "html.parser").get_text(" ", strip=True)
    assert "No crawl yet" in text and "Nothing has been crawled yet" in text
    assert "No crawl yet" in BeautifulSoup(physician_page.read_text(), "html.parser").get_text(" ", strip=True)


def test_each_listing_shows_its_own_weekly_ratings_and_a_second_one_is_not_drawn_as_an_average(engine, tmp_path):
    from reports.render import write_reports

    npis = _roster(engine, 1)
    first, second, candidate = (f"https://www.healthgrades.com/physician/dr-{n}" for n in ("a", "b", "c"))
    for n, (a, b) in enumerate([(4.8, 3.1), (4.7, 3.0)], start=1):
        store(engine, listing(first, "Pat Lee", rating=a, review_count=30, at=week(n)),
              listing(second, "Pat Lee", rating=b, review_count=12, at=week(n)),
              listing(candidate, "Pat Lee", rating=2.0, review_count=5, at=week(n)))
    link(engine, first, npis[0])
    link(engine, second, npis[0])
    link(engine, candidate, npis[0], status="review")
    page = page_of(engine, npis[0])
    assert [(l.url, l.values) for l in page.listings] == [(first, [4.8, 4.7]), (second, [3.1, 3.0]), (candidate, None)]
    assert [(s.label, s.emphasis) for s in page.trend.series] == [
        ("Healthgrades", False), ("Healthgrades (2)", False), ("Weighted average", True)]
    [path] = write_reports(tmp_path, None, [page])
    soup = BeautifulSoup(path.read_text(), "html.parser")
    sparks = [(row.select_one("svg.spark title").get_text() if row.select_one("svg.spark") else None)
              for row in soup.select("#listings tbody tr")]
    assert sparks == ["Healthgrades: 4.80 → 4.70", "Healthgrades: 3.10 → 3.00", None]
    widths = {g.get_text(): g.line["stroke-width"] for g in soup.select("#trend g.legend")}
    assert widths == {"Healthgrades": "2", "Healthgrades (2)": "2", "Weighted average": "3"}


def test_response_rate_and_time_count_only_sites_that_show_replies_and_age_the_unanswered(engine):
    add_physician(engine, JANE, "Jane", "Doe", locations=[ATL])
    hg = "https://www.healthgrades.com/physician/dr-jane-doe-x1"
    gl = "https://maps.google.com/?cid=1"
    at = week(3)  # 2026-11-16 or so: the latest crawl
    reviews = [
        {"review_id": "a", "date": "2026-10-01", "rating": 5, "text": "great", "author": "A",
         "response": "Thank you!", "response_date": "2026-10-03"},
        {"review_id": "b", "date": "2026-10-10", "rating": 1, "text": "slow", "author": "B",
         "response": "Please call us.", "response_date": "2026-10-16"},
        {"review_id": "c", "date": "2026-10-20", "rating": 2, "text": "rude", "author": "C"},
        {"review_id": "d", "date": "2026-10-21", "rating": 4, "text": "fine", "author": "D",
         "response": "Thanks."},  # an undated reply: answered, not timed
    ]
    store(engine, listing(hg, "Dr. Jane Doe", reviews=reviews, at=at, rating=4.0, review_count=4),
          listing(gl, "Jane Doe MD", source="google", at=at, rating=3.0, review_count=1,
                  reviews=[{"review_id": "g", "date": "2026-10-05", "rating": 1, "text": "bad", "author": "G"}]))
    link(engine, hg, JANE)
    link(engine, gl, JANE)
    data = load_report_input(engine)
    for stats in (build_overview(data).responses, PhysicianPages(data).page(JANE).responses):
        assert [s.site.key for s in stats] == ["all", "healthgrades"]  # Google shows no replies: left out, not 0%
        every = stats[0]
        assert (every.reviews, every.answered, every.rate) == (4, 3, 0.75)
        assert (every.median_days, every.timed) == (4.0, 2)  # 2 and 6 days
        age = (at.date() - datetime(2026, 10, 20).date()).days
        assert (every.unanswered_negative, every.oldest_unanswered_days) == (1, age)
    page = PhysicianPages(data).page(JANE)
    assert [(r.text, r.age_days, r.replies_shown) for r in page.unanswered] == [("rude", age, True), ("bad", age + 15, False)]
    # among recent reviews too, a negative review on a site that shows no replies is not "unanswered"
    assert {r.text: r.replies_shown for r in page.reviews}["bad"] is False
    html = render_physician(page)
    assert html.count("No response yet") == 2  # Healthgrades' "rude" (to answer, recent), never Google's "bad"


def test_response_figures_by_department_on_the_overview(engine, tmp_path):
    cardio, derm = npi_with_check_digit("410000001"), npi_with_check_digit("410000002")
    add_physician(engine, cardio, "Ann", "Heart", department="Cardiology", locations=[ATL])
    add_physician(engine, derm, "Bo", "Skin", department="Dermatology", locations=[ATL])
    at = week(3)
    answered = {"rating": 5, "text": "great", "author": "A", "response": "Thank you!"}
    one = "https://www.healthgrades.com/physician/dr-ann-heart-x1"
    two = "https://www.healthgrades.com/physician/dr-bo-skin-x2"
    store(engine, listing(one, "Dr. Ann Heart", at=at, reviews=[
              {**answered, "review_id": "1", "date": "2026-10-01", "response_date": "2026-10-02"},
              {**answered, "review_id": "2", "date": "2026-10-05", "response_date": "2026-10-09"}]),
          listing(two, "Dr. Bo Skin", at=at, reviews=[
              {"review_id": "3", "date": "2026-10-20", "rating": 1, "text": "rude", "author": "C"},
              {**answered, "review_id": "4", "date": "2026-10-21"}]))
    link(engine, one, cardio)
    link(engine, two, derm)
    overview = build_overview(load_report_input(engine))
    rows = {d.department: d.stats for d in overview.responses_by_department}
    assert list(rows) == ["Cardiology", "Dermatology"]
    assert (rows["Cardiology"].rate, rows["Cardiology"].median_days, rows["Cardiology"].unanswered_negative) == (1.0, 2.5, 0)
    assert (rows["Dermatology"].rate, rows["Dermatology"].timed, rows["Dermatology"].unanswered_negative) == (0.5, 0, 1)
    soup = BeautifulSoup(render_overview(overview), "html.parser")
    table = soup.select("#responses-by-department tbody tr")
    assert [(tr["data-department"], tr.th.get_text()) for tr in table] == [("Cardiology", "Cardiology"),
                                                                          ("Dermatology", "Dermatology")]
