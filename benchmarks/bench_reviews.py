"""Review topics and sentiment on real patient reviews: per-topic precision and recall, polarity and
sentiment agreement against hand-made labels, and tagging throughput on one core.

The reviews are the real ones in ../shared/data/reviews (REPMON_SHARED overrides the folder), never
committed; the labels (review_labels.csv) are ids and labels only. Figures are given for the held-out part
(split "test", never used to change the vocabulary) and for the part looked at while writing it ("dev").

- topic precision/recall: a topic counts as found when the tagger tags it at all (any polarity);
- polarity agreement: of the topics both the labels and the tagger have, the share with the same polarity;
- sentiment agreement: the share of reviews whose overall sentiment (positive, neutral, negative; VADER with
  the stars) is the label's;
- throughput: reviews tagged (topics and sentiment) per second of the process's own CPU time over every real
  review, on one core: the best of several rounds, and their mean; and the process's peak memory.

Usage: bash benchmarks/run.sh reviews
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from review_data import REVIEWS, labels, real_reviews  # noqa: E402
from reputation.reviews import TOPICS, Tagger, load_vocabulary  # noqa: E402

SECONDS = float(os.environ.get("REPMON_BENCH_SECONDS", 5))


def score(tagger: Tagger, reviews: dict, sample: list) -> dict:
    counts = {t: {"tp": 0, "fp": 0, "fn": 0} for t in TOPICS}
    polarity_same = polarity_both = sentiment_same = 0
    for label in sample:
        review = reviews[label.id]
        tagging = tagger.tag(review.text, review.rating)
        found = tagging.polarities()
        for topic in TOPICS:
            if topic in found and topic in label.topics:
                counts[topic]["tp"] += 1
                polarity_both += 1
                polarity_same += found[topic] == label.topics[topic]
            elif topic in found:
                counts[topic]["fp"] += 1
            elif topic in label.topics:
                counts[topic]["fn"] += 1
        sentiment_same += tagging.sentiment.label == label.sentiment
    per_topic = {}
    for topic, c in counts.items():
        per_topic[topic] = {"labelled": c["tp"] + c["fn"], "tagged": c["tp"] + c["fp"],
                            "precision": _ratio(c["tp"], c["tp"] + c["fp"]), "recall": _ratio(c["tp"], c["tp"] + c["fn"])}
    tp = sum(c["tp"] for c in counts.values())
    fp = sum(c["fp"] for c in counts.values())
    fn = sum(c["fn"] for c in counts.values())
    return {"reviews": len(sample), "topics": per_topic,
            "micro": {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn)},
            "polarity_agreement": _ratio(polarity_same, polarity_both),
            "sentiment_agreement": _ratio(sentiment_same, len(sample))}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def throughput(tagger: Tagger, reviews: dict) -> dict:
    """Rounds over every real review for SECONDS; each round timed by the process's CPU time. The best round
    is the figure (on a shared machine a neighbour slows some rounds: the best is what the code costs); the
    mean of all rounds is given beside it."""
    items = list(reviews.values())
    rounds, topic_rounds, started = [], [], time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        cpu = time.process_time()
        for review in items:
            tagger.tag(review.text, review.rating)
        rounds.append(time.process_time() - cpu)
        cpu = time.process_time()
        for review in items:
            tagger.mentions(review.text)
        topic_rounds.append(time.process_time() - cpu)
    per_second = len(items) / min(rounds)
    return {"reviews": len(items), "mean_chars": round(sum(len(r.text) for r in items) / len(items)),
            "rounds": len(rounds), "reviews_per_cpu_second": round(per_second),
            "mean_reviews_per_cpu_second": round(len(items) * len(rounds) / sum(rounds)),
            "topics_only_reviews_per_cpu_second": round(len(items) / min(topic_rounds)),
            "minutes_per_million": round(1_000_000 / per_second / 60, 1)}


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    reviews = real_reviews()
    if not reviews:
        print(f"no real reviews at {REVIEWS}: set REPMON_SHARED to the shared folder")
        return
    tagger = Tagger(load_vocabulary([]))
    sample = labels()
    missing = [label.id for label in sample if label.id not in reviews]
    if missing:
        raise SystemExit(f"labelled reviews not in {REVIEWS}: {', '.join(missing[:5])}")
    results = {split: score(tagger, reviews, [l for l in sample if l.split == split]) for split in ("test", "dev")}
    results["throughput"] = throughput(tagger, reviews)
    results["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    for split in ("test", "dev"):
        r = results[split]
        print(f"{split}: {r['reviews']} reviews ({'held out' if split == 'test' else 'looked at while writing the vocabulary'})")
        print(f"  {'topic':<15} {'labelled':>8} {'tagged':>7} {'precision':>9} {'recall':>7}")
        for topic, t in r["topics"].items():
            print(f"  {topic:<15} {t['labelled']:>8} {t['tagged']:>7} {_pct(t['precision']):>9} {_pct(t['recall']):>7}")
        print(f"  {'all (micro)':<15} {'':>8} {'':>7} {_pct(r['micro']['precision']):>9} {_pct(r['micro']['recall']):>7}")
        print(f"  polarity agreement {_pct(r['polarity_agreement'])}, sentiment agreement {_pct(r['sentiment_agreement'])}")
    t = results["throughput"]
    print(f"throughput: {t['reviews_per_cpu_second']} reviews per CPU second on one core, best of {t['rounds']} rounds "
          f"(mean {t['mean_reviews_per_cpu_second']}; topics alone {t['topics_only_reviews_per_cpu_second']}; "
          f"{t['reviews']} real reviews, {t['mean_chars']} characters on average): a million in {t['minutes_per_million']} min; "
          f"peak memory {results['peak_memory_mb']} MB")
    out = REPO / "benchmarks" / "results" / "reviews.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


def _pct(value) -> str:
    return "-" if value is None else f"{value:.0%}"


if __name__ == "__main__":
    main()
