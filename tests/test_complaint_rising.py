"""complaint_rising: a care topic's complaints about a physician rising clearly; conservative, no false alarms."""

from __future__ import annotations

from datetime import timedelta

from builders import WEEK1, listing, store
from test_findings import GOOD_ADDR, JANE, URL, jane, kinds, link_to_jane  # noqa: F401
from reputation.findings import open_findings

SHARECARE = "https://www.sharecare.com/doctor/dr-jane-doe-xyz"
BASE = dict(phones=["404-555-0101"], addresses=[GOOD_ADDR], rating=4.0, review_count=40)


def day(days_before_crawl: int) -> str:
    return (WEEK1 - timedelta(days=days_before_crawl)).date().isoformat()


def reviews(prefix, n, text, rating, days_before, *, start=0):
    return [{"review_id": f"{prefix}{i}", "date": day(days_before + i), "rating": rating,
             "text": text.format(i=i + start), "author": f"{prefix}{i}"} for i in range(n)]


CALM = "Kind doctor, visit number {i}."
WAITED = "We waited two hours, visit number {i}."


def crawl(engine, *listings):
    store(engine, *listings)
    link_to_jane(engine)
    return {k for k in kinds(engine) if k[1] == "complaint_rising"}  # recent 1-star reviews are negative_review too


def test_a_topic_complained_of_much_more_often_lately_is_rising(jane):
    before = reviews("b", 9, CALM, 5, 120) + reviews("w", 1, WAITED, 2, 200)
    recent = reviews("r", 2, CALM, 5, 10) + reviews("n", 4, WAITED, 1, 20, start=50)
    assert crawl(jane, listing(URL, "Dr. Jane Doe", reviews=before + recent, **BASE)) == {("all", "complaint_rising")}
    shown = next(f["shown"] for f in open_findings(jane) if f["kind"] == "complaint_rising")
    assert shown.startswith("wait_time: 4 of 6 reviews in the last 90 days complain (67%; was 1 of 10, 10%), e.g. ")
    assert "We waited two hours" in shown


def test_few_complaints_or_few_reviews_are_no_alarm(jane):
    # two complaints only, however few reviews came before
    before = reviews("b", 10, CALM, 5, 120)
    recent = reviews("r", 4, CALM, 5, 10) + reviews("n", 2, WAITED, 1, 20, start=50)
    assert crawl(jane, listing(URL, "Dr. Jane Doe", reviews=before + recent, **BASE)) == set()


def test_no_year_before_to_compare_with_is_no_alarm(jane):
    before = reviews("b", 4, CALM, 5, 120)
    recent = reviews("r", 2, CALM, 5, 10) + reviews("n", 4, WAITED, 1, 20, start=50)
    assert crawl(jane, listing(URL, "Dr. Jane Doe", reviews=before + recent, **BASE)) == set()


def test_a_share_as_high_as_before_is_no_alarm(jane):
    before = reviews("b", 6, CALM, 5, 120) + reviews("w", 4, WAITED, 2, 200)
    recent = reviews("r", 2, CALM, 5, 10) + reviews("n", 4, WAITED, 1, 20, start=50)
    assert crawl(jane, listing(URL, "Dr. Jane Doe", reviews=before + recent, **BASE)) == set()


def test_reviews_of_unknown_date_seen_at_the_first_crawl_are_not_recent(jane):
    before = reviews("b", 10, CALM, 5, 120)
    undated = [{**r, "date": "a while ago"} for r in reviews("n", 4, WAITED, 1, 20, start=50)]
    recent = reviews("r", 2, CALM, 5, 10)
    assert crawl(jane, listing(URL, "Dr. Jane Doe", reviews=before + recent + undated, **BASE)) == set()


def test_a_review_syndicated_to_another_site_counts_once(jane):
    before = reviews("b", 10, CALM, 5, 120)
    recent = reviews("r", 3, CALM, 5, 10) + reviews("n", 2, WAITED, 1, 20, start=50)
    copies = [{**r, "review_id": "sc-" + r["review_id"]} for r in reviews("n", 2, WAITED, 1, 20, start=50)]
    found = crawl(jane, listing(URL, "Dr. Jane Doe", reviews=before + recent, **BASE),
                  listing(SHARECARE, "Dr. Jane Doe", source="sharecare", reviews=copies, **BASE))
    assert ("all", "complaint_rising") not in found


def test_rising_is_resolved_when_the_complaints_stop(jane):
    before = reviews("b", 9, CALM, 5, 120) + reviews("w", 1, WAITED, 2, 200)
    recent = reviews("r", 2, CALM, 5, 10) + reviews("n", 4, WAITED, 1, 20, start=50)
    assert crawl(jane, listing(URL, "Dr. Jane Doe", reviews=before + recent, **BASE)) == {("all", "complaint_rising")}
    later = listing(URL, "Dr. Jane Doe", reviews=before + recent, at=WEEK1 + timedelta(days=120), **BASE)
    assert crawl(jane, later) == set()
