"""The HIPAA check of practice replies: what it catches, what it flags wrongly, and how fast it is.

Figures: on the labelled replies in tests/files/replies (paraphrases of the replies HHS fined practices
for, and ordinary safe replies), the share of disclosing replies caught and of safe replies flagged; and the
replies checked per second on one core, with the time a million replies would take and the peak memory (per second of CPU time, best of several rounds).

Each holdout file was written blind (by someone who had not read the rules) and scored once before the rules
were tuned on it; those first scores are the honest ones:

- holdout.jsonl, holdout2.jsonl: 7 of 10 and 5 of 10 disclosing replies caught, none of 26 safe ones flagged;
- holdout3.jsonl: 36 of 50 caught, 5 of 70 safe flagged;
- holdout4.jsonl: 34 of 50 caught, 7 of 70 safe flagged (after tuning on holdout3; 30 and 9 before it).
- holdout5.jsonl: 22 of 40 caught, 7 of 60 safe flagged (after tuning on holdout3 and 4; 16 and 9 before them).
- holdout6.jsonl: 21 of 40 caught, 1 of 60 safe flagged (after tuning on holdout3 to 5; 15 and 5 before them).
- holdout7.jsonl, a realistic mix (a third obvious, a third moderate, a third subtle): 30 of 40 caught, 2 of 60
  safe flagged (after tuning on holdout3 to 6; 19 and 3 before them).
- holdout8.jsonl, a realistic mix again: 27 of 40 caught, 2 of 60 safe flagged (after tuning on holdout3 to 7;
  21 and 3 before them).
- holdout9.jsonl, a realistic mix: 28 of 40 caught, 0 of 60 safe flagged (after tuning on holdout3 to 8).
- holdout10.jsonl, a realistic mix, written beside holdout9 and scored only after tuning on it: 23 of 40
  caught, 2 of 60 safe flagged (22 and 1 before that tuning). Kept untuned as a test set until the rules
  tuned on holdout11 and 12 and a look back over the known misses caught 11 of its 17 misses (34 of 40 now).
- holdout11.jsonl and holdout12.jsonl, realistic mixes over a hospital system's specialties and over outpatient
  ones (dermatology to med spa): 27 and 31 of 40 caught, 2 and 2 of 60 safe flagged (after tuning on
  holdout3 to 10).
- holdout13.jsonl, a realistic mix over a whole health system, written after that tuning and never tuned on:
  29 of 40 caught, 4 of 60 safe flagged (26 and 4 with the rules as they were before holdout11). Three of the
  four false alarms were words read as names ("Awesome!", "There's a", "I'm Laura"), one "the prep
  instructions"; fixed as bugs, so none now. Then tuned on, once holdout14 had been written.
- holdout14.jsonl, a realistic mix of private practices and hospital departments, with defensive replies, never
  tuned on: 34 of 40 caught, 3 of 60 safe flagged (31 and 3 with the rules as they were before holdout11). The
  three false alarms (a Medicaid network left, "the well-child side", "the ICU team") were fixed as bugs; its
  6 misses were then tuned on (4 caught), once holdout15 and 16 were being written.

No public set of real practice replies was found (the real review samples in ../shared/data/reviews carry
none), so false alarms are measured on the labelled safe replies only.

Usage: bash benchmarks/run.sh replies
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

from reputation.replies import check_reply  # noqa: E402

SECONDS = 3.0
FILES = REPO / "tests" / "files" / "replies"


def labelled(name: str) -> list[dict]:
    return [json.loads(line) for line in (FILES / name).read_text().splitlines() if line]


def accuracy(rows: list[dict]) -> dict:
    verdicts = [(row, check_reply(row["reply"], row["reviewer"])) for row in rows]
    disclosing = [v for row, v in verdicts if row["discloses"]]
    safe = [v for row, v in verdicts if not row["discloses"]]
    kinds_wanted = sum(len(row.get("kinds", [])) for row in rows)
    kinds_found = sum(len(set(row.get("kinds", [])) & set(v.kinds)) for row, v in verdicts)
    return {"disclosing": len(disclosing), "caught": sum(v.discloses for v in disclosing),
            "safe": len(safe), "flagged": sum(v.discloses for v in safe),
            "kind_recall": round(kinds_found / kinds_wanted, 3) if kinds_wanted else None}


def throughput(rows: list[dict]) -> dict:
    """Rounds over every labelled reply for SECONDS, each timed by the process's CPU time; the best round is
    the figure (a neighbour on a shared machine slows some rounds), the mean of all beside it."""
    replies = [(row["reply"], row["reviewer"]) for row in rows]
    rounds, started = [], time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        cpu = time.process_time()
        for reply, reviewer in replies:
            check_reply(reply, reviewer)
        rounds.append(time.process_time() - cpu)
    per_second = len(replies) / min(rounds)
    return {"replies_per_second": round(per_second), "mean_replies_per_second": round(len(replies) * len(rounds) / sum(rounds)),
            "seconds_per_million": round(1_000_000 / per_second),
            "mean_reply_chars": round(sum(len(r) for r, _ in replies) / len(replies)),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rows = labelled("labelled.jsonl")
    names = sorted((p.stem for p in FILES.glob("holdout*.jsonl")), key=lambda n: int(n[7:] or 1))
    held = {name: labelled(f"{name}.jsonl") for name in names}
    results = {"labelled": accuracy(rows), **{name: accuracy(part) for name, part in held.items()},
               "speed": throughput(rows + [row for part in held.values() for row in part])}
    for name, figures in results.items():
        print(f"  {name:<9} " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    (REPO / "benchmarks" / "results").mkdir(exist_ok=True)
    (REPO / "benchmarks" / "results" / "replies.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
