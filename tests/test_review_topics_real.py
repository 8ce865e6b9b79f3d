"""The tagger on real patient reviews (../shared/data/reviews, never committed) against hand-made labels
(benchmarks/review_labels.csv: ids and labels only). Skips when the shared data is absent."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from review_data import labels, real_reviews  # noqa: E402

from bench_reviews import score  # noqa: E402
from reputation.reviews import Tagger, load_vocabulary  # noqa: E402

FOLDER = Path(os.environ.get("REPMON_SHARED") or ROOT.parent / "shared") / "data" / "reviews"


@pytest.fixture(scope="module")
def reviews():
    found = real_reviews(FOLDER)
    if not found:
        pytest.skip(f"no real reviews at {FOLDER}")
    return found


def test_the_labels_hold_ids_and_labels_only_and_every_id_is_a_real_review(reviews):
    sample = labels()
    assert len(sample) >= 80 and {l.split for l in sample} == {"dev", "test"}
    assert all(l.id in reviews for l in sample)
    text = (ROOT / "benchmarks" / "review_labels.csv").read_text(encoding="utf-8")
    assert not any(reviews[l.id].text[:40] in text for l in sample)


def test_held_out_reviews_are_tagged_well_enough(reviews):
    held_out = [l for l in labels() if l.split == "test"]
    result = score(Tagger(load_vocabulary([])), reviews, held_out)
    assert result["micro"]["precision"] >= 0.75
    assert result["micro"]["recall"] >= 0.65
    assert result["polarity_agreement"] >= 0.7
    assert result["sentiment_agreement"] >= 0.8


def test_every_real_review_is_tagged_without_error(reviews):
    tagger = Tagger(load_vocabulary([]))
    for review in reviews.values():
        tagging = tagger.tag(review.text, review.rating)
        assert all(len(m.phrase) <= 122 for m in tagging.topics.values())
