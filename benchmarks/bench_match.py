"""Matching benchmark: precision, recall, review share, F1, time and peak memory of `repmon match`, next to
Splink on the same data.

Data sets (benchmarks/match_data.py): the real NPPES x CMS linked sample from ../shared (skipped with a note
when absent; REPMON_SHARED overrides the path), the same with documented, seeded noise (match_data.NOISE:
nicknames, typos, missing streets, outdated phones, former surnames...), a generated 5,000 x 25,000 set, and
the generated 50,000 x 250,000 speed run. Each goes through the real code path: the roster file through `import_roster`,
listings stored in the database, `reputation.match.match_listings` over it, and the outcome read back with
the `repmon export matches` rows. Matching and Splink each run in a child process so that the time and
peak RSS are theirs alone.

Precision and recall count the listings matched automatically ("matched"); "review" is reported apart, with
the recall a person would reach by confirming the correct ones.

Usage: python benchmarks/bench_match.py [--only real,real+noise,generated,50k] [--no-splink]
Writes benchmarks/results/match.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results" / "match.json"


class PeakMemory:
    """The highest resident memory of this process and its children *together*, sampled every 20 ms (the
    matcher starts a helper process to parse listings on the second core, so the peak is of the two at the
    same moment, not the sum of two peaks reached at different times)."""

    def __init__(self, interval: float = 0.02):
        import psutil

        self.process, self.interval, self.peak = psutil.Process(), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for p in [self.process, *self.process.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:  # a child that just ended
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        return self.peak / 2**20


def child(what: str, db_url: str) -> None:
    """Run one matcher over the database and print its figures as JSON (in a fresh process)."""
    from reputation.db import get_engine

    engine = get_engine(db_url)
    with PeakMemory() as memory:
        time.sleep(0.05)
        base = memory.mb
        out = _run_matcher(what, engine)
    out["peak_rss_mb"] = memory.mb
    out["rss_before_mb"] = base
    # The kernel's exact peak of the main process alone, as a check on the sampled figure.
    out["main_max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def _run_matcher(what: str, engine) -> dict:
    if what == "repmon":
        from reputation.match import match_listings

        started = time.perf_counter()
        summary = match_listings(engine)
        return {"seconds": time.perf_counter() - started, "matched": summary.matched, "review": summary.review}
    from match_splink import THRESHOLD, run_splink

    result = run_splink(engine)
    best = result.pop("best")
    return {"seconds": result["seconds"], "prepare_seconds": result["prepare_seconds"],
            "pairs": {str(l): [int(p), float(pr)] for l, p, pr in zip(best["listing"], best["physician"], best["p"])},
            "threshold": THRESHOLD}


def _run_child(what: str, db_url: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", what, db_url], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "benchmarks")})
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{what} failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


def _load(folder: Path, roster_path: Path, records: list[dict]):
    from sqlalchemy import insert

    from reputation.db import get_engine
    from reputation.listings import import_listings
    from reputation.models import Listing
    from reputation.roster import import_roster
    from match_data import write_jsonl

    db_url = f"sqlite:///{folder / 'bench.db'}"
    engine = get_engine(db_url)
    # skip_invalid: a row the roster import refuses is reported and left out, as a user would do.
    imported = import_roster(engine, roster_path, skip_invalid=True, rejects_path=folder / "rejected.csv")
    if imported.rejected:
        print(f"  roster: {imported.rejected} row(s) rejected by the import", flush=True)
    if len(records) <= 30_000:  # the real path: `repmon listings import`
        jsonl = folder / "listings.jsonl"
        write_jsonl(jsonl, records)
        import_listings(engine, jsonl)
    else:  # the same rows, inserted in bulk to keep the set-up short
        now = datetime(2026, 11, 16, 8, tzinfo=UTC)
        rows = [{"source": r["source"], "url": r["url"], "name": r["name"], "specialty": r["specialty"] or None,
                 "addresses": r["addresses"], "phones": r["phones"], "npi": None, "first_seen": now, "last_seen": now}
                for r in records]
        with engine.begin() as c:
            for start in range(0, len(rows), 10_000):
                c.execute(insert(Listing.__table__), rows[start:start + 10_000])
    return db_url, engine


def _scores(predicted: dict[str, str], review: dict[str, str], truth: dict[str, str | None]) -> dict:
    positives = sum(1 for npi in truth.values() if npi)
    tp = sum(1 for url, npi in predicted.items() if truth.get(url) == npi)
    fp = len(predicted) - tp
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / positives if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    review_right = sum(1 for url, npi in review.items() if truth.get(url) == npi)
    return {"listings": len(truth), "positives": positives, "matched": len(predicted), "true_positives": tp,
            "false_positives": fp, "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "review": len(review), "review_share": round(len(review) / len(truth), 4),
            "recall_after_review": round((tp + review_right) / positives, 4) if positives else 1.0}


def _by_noise(labels: dict[str, list[str]], predicted: dict, review: dict, truth: dict) -> dict:
    """Recall and review share of the listings of roster physicians that each kind of noise touched."""
    kinds = sorted({k for ks in labels.values() for k in ks})
    out = {}
    for kind in ["none", *kinds]:
        urls = [u for u, npi in truth.items() if npi and (kind in labels.get(u, []) or kind == "none" and not labels.get(u))]
        if urls:
            out[kind] = {"listings": len(urls),
                         "recall": round(sum(predicted.get(u) == truth[u] for u in urls) / len(urls), 4),
                         "review": round(sum(u in review for u in urls) / len(urls), 4)}
    return out


def bench(name: str, folder: Path, roster_path: Path, records: list[dict], truth: dict, splink: bool,
          labels: dict | None = None) -> dict:
    from reputation.exports import match_rows

    started = time.perf_counter()
    db_url, engine = _load(folder, roster_path, records)
    print(f"  {name}: loaded {len(records):,} listings in {time.perf_counter() - started:.0f} s", flush=True)
    repmon = _run_child("repmon", db_url)
    rows = match_rows(engine)
    predicted = {r["url"]: r["npi"] for r in rows if r["status"] == "matched"}
    review = {r["url"]: r["npi"] for r in rows if r["status"] == "review"}
    result = {"repmon": {**_scores(predicted, review, truth), "seconds": round(repmon["seconds"], 2),
                         "peak_rss_mb": round(repmon["peak_rss_mb"]),
                         "main_max_rss_mb": round(repmon["main_max_rss_mb"])}}
    if labels:
        result["repmon"]["by_noise"] = _by_noise(labels, predicted, review, truth)
    print(f"  {name}: repmon {result['repmon']}", flush=True)
    if splink:
        from sqlalchemy import select

        from reputation.models import Listing, Physician

        out = _run_child("splink", db_url)
        with engine.connect() as c:
            urls = dict(c.execute(select(Listing.id, Listing.url)).all())
            npis = dict(c.execute(select(Physician.id, Physician.npi)).all())
        chosen = {urls[int(l)]: npis[p] for l, (p, prob) in out["pairs"].items() if prob >= out["threshold"]}
        best_f1 = max((_scores({urls[int(l)]: npis[p] for l, (p, prob) in out["pairs"].items() if prob >= t}, {}, truth)
                       | {"threshold": t} for t in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)), key=lambda s: s["f1"])
        result["splink"] = {**_scores(chosen, {}, truth), "threshold": out["threshold"], "seconds": round(out["seconds"], 2),
                            "prepare_seconds": round(out["prepare_seconds"], 2), "peak_rss_mb": round(out["peak_rss_mb"]),
                            "best_threshold_in_hindsight": {k: best_f1[k] for k in ("threshold", "precision", "recall", "f1")}}
        print(f"  {name}: splink {result['splink']}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="real,real+noise,generated,50k")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    from match_data import NOISE, generated, real_sample, real_sample_with_noise

    wanted = set(args.only.split(","))
    shared = Path(os.environ.get("REPMON_SHARED", ROOT.parent / "shared"))
    results: dict = {"cores": os.cpu_count(), "when": datetime.now(UTC).isoformat(timespec="seconds"),
                     "noise": NOISE}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for key, sample, title in (("real", real_sample, "real NPPES x CMS linked sample"),
                                   ("real+noise", real_sample_with_noise, "the same with noise (match_data.NOISE)")):
            if key not in wanted:
                continue
            print(f"== {title}", flush=True)
            labels: dict = {}
            try:
                folder = tmp / key
                folder.mkdir()
                roster_path, records, truth = (sample(shared, folder, labels=labels) if sample is real_sample_with_noise
                                               else sample(shared, folder))
            except FileNotFoundError:
                print(f"  skipped: the linked sample is not in {shared}/data/nppes_cms_linked_sample "
                      "(set REPMON_SHARED to the folder holding data/)")
                results[key] = {"skipped": f"no linked sample under {shared}"}
            else:
                results[key] = bench(key, folder, roster_path, records, truth, not args.no_splink, labels)
        for key, physicians, listings in (("generated", 5_000, 25_000), ("50k", 50_000, 250_000)):
            if key not in wanted:
                continue
            print(f"== generated {physicians:,} physicians x {listings:,} listings", flush=True)
            folder = tmp / key
            folder.mkdir()
            roster_path, records, truth = generated(folder, physicians=physicians, listings=listings)
            results[key] = bench(key, folder, roster_path, records, truth, not args.no_splink)
    _print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"written to {RESULTS}")


def _print_table(results: dict) -> None:
    print(f"\n{'data set':<12} {'matcher':<8} {'precision':>9} {'recall':>7} {'F1':>6} {'review':>7} "
          f"{'rec+rev':>7} {'seconds':>8} {'peak MB':>8}")
    for name, result in results.items():
        if name == "noise" or not isinstance(result, dict) or "skipped" in result:
            if name != "noise" and isinstance(result, dict):
                print(f"{name:<12} skipped")
            continue
        for matcher, s in result.items():
            print(f"{name:<12} {matcher:<8} {s['precision']:>9.4f} {s['recall']:>7.4f} {s['f1']:>6.4f} "
                  f"{s['review_share']:>7.2%} {s['recall_after_review']:>7.4f} {s['seconds']:>8.1f} {s['peak_rss_mb']:>8}")
            for kind, k in s.get("by_noise", {}).items():
                print(f"{'':<12} {'':<8}   {kind + ':':<24} recall {k['recall']:.4f}, review {k['review']:.2%} "
                      f"of {k['listings']} listings")


if __name__ == "__main__":
    main()
