"""What patients say on the reports: topics system-wide and by department on the overview, each physician's
topics with quotes on their page; scraped phrases escaped."""

from __future__ import annotations

from builders import add_physician, listing, npi_with_check_digit, store
from test_findings import ATL, GOOD_ADDR, JANE, URL, jane, link_to_jane  # noqa: F401
from reputation.reporting import write_all_reports
from reputation.reporting.load import load_report_input
from reputation.reporting.overview import build_overview
from reputation.reporting.physician import PhysicianPages

REVIEWS = [
    {"review_id": "1", "date": "2026-10-01", "rating": 2, "text": "Nice doctor but the front desk was <b>rude</b>.", "author": "A"},
    {"review_id": "2", "date": "2026-10-02", "rating": 5, "text": "Never had to wait. The staff were lovely.", "author": "B"},
    {"review_id": "3", "date": "2026-10-03", "rating": 1, "text": "We waited two hours.", "author": "C"},
]


def test_the_overview_and_the_physician_page_say_what_patients_say(jane, tmp_path):
    store(jane, listing(URL, "Dr. Jane Doe", phones=["404-555-0101"], addresses=[GOOD_ADDR], reviews=REVIEWS))
    link_to_jane(jane)
    data = load_report_input(jane)
    overview = build_overview(data)
    said = overview.patient_topics
    assert said.reviews == 3
    by_topic = {t.topic: (t.positive, t.negative, t.neutral) for t in said.topics}
    assert by_topic == {"wait_time": (1, 1, 0), "bedside_manner": (1, 0, 0), "staff": (1, 1, 0)}
    assert [d.department for d in said.departments] == ["Heart"]
    assert [t.topic for t in said.departments[0].complained] == ["staff", "wait_time"]
    page = PhysicianPages(data).page(JANE)
    staff = next(t for t in page.topics if t.topic == "staff")
    assert [(q.polarity, q.phrase) for q in staff.quotes] == [("positive", "The staff were lovely"),
                                                              ("negative", "but the front desk was <b>rude</b")]
    chips = {r.text: [(c.topic, c.polarity) for c in r.topics] for r in page.reviews}
    assert chips["We waited two hours."] == [("wait_time", "negative")]
    assert chips["Never had to wait. The staff were lovely."] == [("wait_time", "positive"), ("staff", "positive")]
    out = tmp_path / "reports"
    write_all_reports(jane, out)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "What patients say" in html and 'data-topic="wait_time"' in html
    person = (out / "physicians" / f"{JANE}.html").read_text(encoding="utf-8")
    assert "but the front desk was &lt;b&gt;rude&lt;/b" in person and "<b>rude" not in person
    assert '<span class="chip chip-negative" title="negative">Wait time</span>' in person


def test_no_tagged_reviews_no_section(jane, tmp_path):
    store(jane, listing(URL, "Dr. Jane Doe", phones=["404-555-0101"], addresses=[GOOD_ADDR]))
    link_to_jane(jane)
    data = load_report_input(jane)
    assert build_overview(data).patient_topics is None
    assert PhysicianPages(data).page(JANE).topics == []
    out = tmp_path / "reports"
    write_all_reports(jane, out)
    assert "What patients say" not in (out / "index.html").read_text(encoding="utf-8")


def test_a_review_syndicated_to_another_site_counts_once(jane):
    copies = [{**r, "review_id": "sc-" + r["review_id"]} for r in REVIEWS]
    store(jane, listing(URL, "Dr. Jane Doe", phones=["404-555-0101"], addresses=[GOOD_ADDR], reviews=REVIEWS),
          listing("https://www.sharecare.com/doctor/dr-jane-doe-xyz", "Dr. Jane Doe", source="sharecare",
                  phones=["404-555-0101"], addresses=[GOOD_ADDR], reviews=copies + [
                      {"review_id": "own", "date": "2026-10-05", "rating": 5, "text": None, "author": "E"},
                      {"review_id": "own2", "date": "2026-10-06", "rating": 5, "text": None, "author": "F"}]))
    link_to_jane(jane)
    said = build_overview(load_report_input(jane)).patient_topics
    assert said.reviews == 5  # three reviews shown on both sites, and two without text
    assert {t.topic: (t.positive, t.negative) for t in said.topics}["wait_time"] == (1, 1)
