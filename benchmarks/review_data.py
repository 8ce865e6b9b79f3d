"""The real patient reviews in ../shared/data/reviews (never committed), each with a stable id.

Ids: ``ratemds:N`` (the N-th data row of the RateMDs CSV), ``healthgrades:N`` (line N of the Healthgrades
JSON lines), ``yelp:N`` (the row number in the Yelp CSV's first column). Rows without text are left out.
The labelled sample (``review_labels.csv``, beside this file) holds only ids and labels, never review text.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REPMON_SHARED") or REPO.parent / "shared")
REVIEWS = SHARED / "data" / "reviews"
LABELS = Path(__file__).with_name("review_labels.csv")


@dataclass(frozen=True)
class RealReview:
    id: str
    text: str
    rating: float | None


def real_reviews(folder: Path = REVIEWS) -> dict[str, RealReview]:
    """Every review with text, by id; empty when the shared data is absent."""
    found: dict[str, RealReview] = {}
    ratemds = folder / "ratemds-1000-reviews-182-doctors-2015.csv"
    if ratemds.exists():
        with open(ratemds, encoding="cp1252", errors="replace", newline="") as handle:
            for n, row in enumerate(csv.DictReader(handle), start=1):
                if (row.get("review") or "").strip():
                    found[f"ratemds:{n}"] = RealReview(f"ratemds:{n}", row["review"], _number(row.get("rating")))
    healthgrades = folder / "healthgrades-nyc-family-medicine-2022-slice.jsonl"
    if healthgrades.exists():
        with open(healthgrades, encoding="utf-8") as handle:
            for n, line in enumerate(handle, start=1):
                row = json.loads(line)
                if (row.get("review") or "").strip():
                    found[f"healthgrades:{n}"] = RealReview(f"healthgrades:{n}", row["review"], _number(row.get("rating")))
    yelp = folder / "yelp-mayo-clinic-rochester-228-reviews-2025.csv"
    if yelp.exists():
        with open(yelp, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if (row.get("text") or "").strip():
                    key = f"yelp:{row['']}"
                    found[key] = RealReview(key, row["text"], _number(row.get("rating")))
    return found


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Label:
    id: str
    split: str  # dev (looked at while writing the vocabulary) | test (held out)
    sentiment: str  # positive | neutral | negative
    topics: dict[str, str]  # topic -> polarity


def labels(path: Path = LABELS) -> list[Label]:
    out = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            topics = {}
            for part in filter(None, (p.strip() for p in row["topics"].split(";"))):
                topic, polarity = part.split(":")
                topics[topic] = polarity
            out.append(Label(row["id"], row["split"], row["sentiment"], topics))
    return out
