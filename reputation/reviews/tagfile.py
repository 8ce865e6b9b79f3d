"""``repmon reviews tag FILE.jsonl``: tag any text, one JSON object a line with ``text`` and an optional
``rating``; a bad line is named by its line number, field and reason, and the good ones are tagged."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reputation.records import RecordError
from reputation.reviews.tagger import Tagger, Tagging

TEXT_LIMIT = 10_000  # characters tagged of a text, as a stored review keeps (reviews.N.text)


@dataclass
class TaggedLine:
    line: int
    record: dict | None = None
    tagging: Tagging | None = None
    error: RecordError | None = None

    def output(self) -> dict:
        """The line back, with its sentiment, its topics as {topic: polarity} and the phrases that decided them."""
        t = self.tagging
        return {**self.record, "sentiment": t.sentiment.label, "sentiment_score": t.sentiment.score,
                "topics": t.polarities(), "phrases": {topic: m.phrase for topic, m in t.topics.items()}}


def tag_file(path: Path, tagger: Tagger) -> Iterator[TaggedLine]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield TaggedLine(number, error=RecordError(f"not UTF-8 text (byte {exc.start + 1})", line=number, path=str(path)))
                continue
            if not text.strip():
                continue
            try:
                record = json.loads(text)
                review, rating = _check(record)
            except json.JSONDecodeError as exc:
                yield TaggedLine(number, error=RecordError(f"not valid JSON ({exc.msg})", line=number, path=str(path)))
            except RecordError as exc:
                exc.line, exc.path = number, str(path)
                yield TaggedLine(number, error=exc)
            else:
                yield TaggedLine(number, record, tagger.tag(review[:TEXT_LIMIT], rating))


def _check(record) -> tuple[str, float | None]:
    if not isinstance(record, dict):
        raise RecordError(f"a line must be a JSON object with a text, not {type(record).__name__}")
    if "text" not in record:
        raise RecordError("missing: every line needs the review's text", field="text")
    text = record["text"]
    if not isinstance(text, str):
        raise RecordError(f"must be a string, not {type(text).__name__}", field="text")
    rating = record.get("rating")
    if rating is not None:
        if isinstance(rating, bool) or not isinstance(rating, (int, float)) or not math.isfinite(rating):
            raise RecordError(f"must be a number from 0 to 5 or null, not {json.dumps(rating)[:50]}", field="rating")
        if not 0 <= rating <= 5:
            raise RecordError(f"must be from 0 to 5 (got {rating})", field="rating")
    return text, rating
