"""Syndicated copies (Sharecare shows Healthgrades' reviews again) count once in every figure, finding and
export: where the review was written. A copy whose original could not be read still counts."""

from __future__ import annotations

from datetime import timedelta

from builders import WEEK1, listing, store
from test_findings import GOOD_ADDR, JANE, URL, jane, kinds, link_to_jane  # noqa: F401
from crawlers.sources import syndication
from reputation.exports import review_rows
from reputation.reporting.load import load_report_input
from reputation.reporting.overview import build_overview
from reputation.records import iso_week

SHARECARE = "https://providers.sharecare.com/doctor/dr-jane-doe-abc12"
YELP = "https://www.yelp.com/biz/jane-doe-md-atlanta"
BASE = dict(phones=["404-555-0101"], addresses=[GOOD_ADDR])
WEEK2 = WEEK1 + timedelta(weeks=1)


def review(key, rating, text, date, author="Pat"):
    return {"review_id": key, "date": date, "rating": rating, "text": text, "author": author}


ANGRY = review("hg-1", 1, "Waited two hours and nobody said sorry.", WEEK2.date().isoformat())
KIND = review("hg-2", 5, "Great doctor!", "2026-10-01", author="Lee")


def copy(r):
    return {**r, "review_id": "sc-" + r["review_id"]}


def two_weeks(engine, hg_reviews, sc_reviews, *, hg=True, hg_rating=4.0, sc_rating=4.0):
    """Week 1: both listings without those reviews; week 2: the reviews arrive (so they are new)."""
    first = [listing(SHARECARE, "Dr. Jane Doe", source="sharecare", rating=sc_rating, review_count=10, **BASE)]
    second = [listing(SHARECARE, "Dr. Jane Doe", source="sharecare", rating=sc_rating, review_count=10,
                      reviews=sc_reviews, at=WEEK2, **BASE)]
    if hg:
        first.append(listing(URL, "Dr. Jane Doe", rating=hg_rating, review_count=10, **BASE))
        second.append(listing(URL, "Dr. Jane Doe", rating=hg_rating, review_count=10, reviews=hg_reviews, at=WEEK2, **BASE))
    store(engine, *first)
    link_to_jane(engine)
    store(engine, *second)
    link_to_jane(engine)


def test_sharecare_declares_it_shows_healthgrades_reviews():
    assert syndication() == {"sharecare": "healthgrades"}


def test_a_negative_review_and_its_copy_are_one_finding_on_the_site_it_was_written_on(jane):
    two_weeks(jane, [ANGRY], [copy(ANGRY)])
    found = {k for k in kinds(jane) if k[1] == "negative_review"}
    assert found == {("healthgrades", "negative_review")}


def test_a_copy_of_a_review_answered_on_the_original_site_needs_no_answer(jane):
    two_weeks(jane, [{**ANGRY, "response": "Thank you for the feedback; please call our patient relations line."}],
              [copy(ANGRY)])
    assert {k for k in kinds(jane) if k[1] == "negative_review"} == set()


def test_a_copy_whose_original_site_was_not_read_still_counts(jane):
    two_weeks(jane, [], [copy(ANGRY)], hg=False)
    assert {k for k in kinds(jane) if k[1] == "negative_review"} == {("sharecare", "negative_review")}


def test_new_reviews_topics_and_exports_count_a_copy_once(jane):
    two_weeks(jane, [ANGRY, KIND], [copy(ANGRY), copy(KIND)])
    data = load_report_input(jane)
    assert data.new_reviews[iso_week(WEEK2)] == 2
    assert build_overview(data).patient_topics.reviews == 2
    rows = review_rows(jane)
    assert sorted((r["source"], r["copy_of"]) for r in rows) == [
        ("healthgrades", ""), ("healthgrades", ""), ("sharecare", "healthgrades"), ("sharecare", "healthgrades")]


def test_the_same_words_on_two_unrelated_sites_are_two_reviews(jane):
    store(jane, listing(URL, "Dr. Jane Doe", reviews=[KIND], **BASE),
          listing(YELP, "Dr. Jane Doe", source="yelp", reviews=[{**KIND, "review_id": "y-1"}], **BASE))
    link_to_jane(jane)
    assert build_overview(load_report_input(jane)).patient_topics.reviews == 2
    assert all(r["copy_of"] == "" for r in review_rows(jane))


def test_averages_over_sites_leave_out_the_copy_s_rating_but_its_own_line_stays(jane):
    two_weeks(jane, [], [], hg_rating=3.0, sc_rating=5.0)
    overview = build_overview(load_report_input(jane))
    assert overview.headline.average_rating.value == 3.0  # Healthgrades' 10 reviews once, not 4.0 from both sites
    lines = {s.label: s.values[-1] for s in overview.rating_trend.series}
    assert lines["Sharecare"] == 5.0 and lines["Healthgrades"] == 3.0
