"""Reviews are tagged as they are stored; `repmon reviews retag` re-tags them all, idempotently; undoing a
run takes their tags with them. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from builders import listing, store
from reputation.cli import app
from reputation.models import Review, ReviewSentiment, ReviewTopic
from reputation.reviews import Tagger, load_vocabulary
from reputation.reviews.store import retag_reviews, tag_untagged

URL = "https://www.healthgrades.com/physician/dr-jane-doe-x1"
REVIEWS = [
    {"review_id": "r1", "date": "2026-10-01", "rating": 2, "text": "Nice doctor but the front desk was rude.", "author": "A"},
    {"review_id": "r2", "date": "2026-10-02", "rating": 5, "text": "Never had to wait. She explained everything.", "author": "B"},
    {"review_id": "r3", "date": "2026-10-03", "rating": 4, "text": None, "author": "C"},
]


def tags(engine):
    with Session(engine) as s:
        topics = {(r.review_key, t.topic, t.polarity, t.phrase) for t, r in s.exec(
            select(ReviewTopic, Review).join(Review, Review.id == ReviewTopic.review_id)).all()}
        sentiments = {r.review_key: (v.label, v.score) for v, r in s.exec(
            select(ReviewSentiment, Review).join(Review, Review.id == ReviewSentiment.review_id)).all()}
    return topics, sentiments


def test_a_new_review_is_tagged_when_it_is_stored(engine):
    store(engine, listing(URL, "Jane Doe", reviews=REVIEWS))
    topics, sentiments = tags(engine)
    assert topics == {
        ("r1", "bedside_manner", "positive", "Nice doctor"),
        ("r1", "staff", "negative", "but the front desk was rude"),
        ("r2", "wait_time", "positive", "Never had to wait"),
        ("r2", "communication", "positive", "She explained everything"),
    }
    assert sentiments["r2"][0] == "positive" and sentiments["r1"][0] == "negative"
    assert sentiments["r3"] == ("positive", pytest.approx(0.375, abs=1e-3))  # no text: the stars alone
    store(engine, listing(URL, "Jane Doe", reviews=REVIEWS))  # stored again: nothing new, nothing tagged twice
    assert tags(engine) == (topics, sentiments)


def test_retag_after_a_vocabulary_change_and_again_changes_nothing(engine, tmp_path):
    store(engine, listing(URL, "Jane Doe", reviews=REVIEWS))
    before = tags(engine)
    assert retag_reviews(engine, Tagger(load_vocabulary([]))).describe() == \
        "3 review(s) tagged: 0 changed, 0 tagged for the first time, 3 unchanged"
    assert tags(engine) == before
    mine = tmp_path / "mine.txt"
    mine.write_text("[bedside_manner]\n! nice\n[billing]\n- front desk\n", encoding="utf-8")
    changed = retag_reviews(engine, Tagger(load_vocabulary([mine])))
    assert (changed.reviews, changed.changed, changed.first) == (3, 1, 0)
    topics, _ = tags(engine)
    # "rude" is no longer said of staff (the front desk is billing now): it is the doctor's
    assert {(k, t, p) for k, t, p, _ in topics if k == "r1"} == {("r1", "billing", "negative"),
                                                                 ("r1", "bedside_manner", "negative")}
    again = retag_reviews(engine, Tagger(load_vocabulary([mine])))
    assert again.changed == 0 and tags(engine)[0] == topics


def test_reviews_stored_untagged_are_tagged_later(engine):
    store(engine, listing(URL, "Jane Doe", reviews=REVIEWS))
    with Session(engine) as s:
        for table in (ReviewTopic, ReviewSentiment):
            s.exec(table.__table__.delete())
        s.commit()
    assert tag_untagged(engine).first == 3
    assert len(tags(engine)[0]) == 4
    assert tag_untagged(engine).reviews == 0


def test_undoing_a_run_takes_the_tags_of_its_reviews(db_url, tmp_path):
    from reputation.db import get_engine
    from reputation.listings import import_listings
    from reputation.undo import undo_run
    import json

    engine = get_engine(db_url)
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps(listing(URL, "Jane Doe", reviews=REVIEWS)) + "\n", encoding="utf-8")
    run = import_listings(engine, path).run_id
    assert len(tags(engine)[0]) == 4
    undo_run(engine, run, rematch=False)
    assert tags(engine) == (set(), {})


def test_retag_command(db_url, tmp_path):
    engine_url = db_url
    from reputation.db import get_engine

    store(get_engine(engine_url), listing(URL, "Jane Doe", reviews=REVIEWS))
    result = CliRunner().invoke(app, ["--db", engine_url, "reviews", "retag"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.strip() == "3 review(s) tagged: 0 changed, 0 tagged for the first time, 3 unchanged"


def test_export_reviews_carries_sentiment_and_topics(db_url, tmp_path):
    import csv
    import json

    from reputation.db import get_engine

    store(get_engine(db_url), listing(URL, "Jane Doe", reviews=REVIEWS + [
        {"review_id": "r4", "date": "2026-10-04", "rating": 1, "text": "=HYPERLINK(\"x\") rude doctor", "author": "D"}]))
    out = tmp_path / "reviews.json"
    result = CliRunner().invoke(app, ["--db", db_url, "export", "reviews", "--format", "json", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0 and " ".join(result.output.split()).startswith("4 row(s) written to")
    rows = {r["author"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert rows["A"]["topics"] == {"bedside_manner": "positive", "staff": "negative"}
    assert rows["B"]["sentiment"] == "positive" and rows["C"]["topics"] == {}
    as_csv = tmp_path / "reviews.csv"
    CliRunner().invoke(app, ["--db", db_url, "export", "reviews", "--out", str(as_csv)], catch_exceptions=False)
    by_author = {r["author"]: r for r in csv.DictReader(as_csv.open(encoding="utf-8"))}
    assert json.loads(by_author["A"]["topics"]) == {"bedside_manner": "positive", "staff": "negative"}
    assert by_author["D"]["text"].startswith("'=HYPERLINK")
