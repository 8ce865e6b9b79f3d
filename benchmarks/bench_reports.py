"""Benchmark: findings and reports for 10,000 physicians x 10 sources x 52 weekly crawls.

Builds (once, then reuses) a seeded SQLite database of that size with bulk inserts through SQLAlchemy
core: every physician searched on every source every week, listings with a weekly snapshot each, reviews
arriving over the year, and the usual faults (missing and duplicate listings, outdated phones and
addresses, blocked searches, rating drops). Then times, as ``repmon weekly`` runs them:

- computing the findings (``load_frames`` and ``refresh_findings``);
- the overview alone, as ``repmon report overview`` makes it: reading what it shows (sharing the findings'
  frames), building its model, rendering and writing ``index.html`` (target 10 s);
- everything, as ``repmon report all`` and ``repmon weekly`` make it: one read of what both reports show,
  the overview, the findings workbook beside it (``findings.xlsx``, every open finding) and all 10,000
  physician reports on every core (the pages: target 2 minutes);

and checks every report file is at most 500 KB. Prints a table and writes benchmarks/results/reports.json.

Usage: python benchmarks/bench_reports.py [--physicians 10000] [--sources 10] [--weeks 52] [--fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reputation.db import get_engine  # noqa: E402
from reputation.models import Listing, Location, Match, Physician, Review, Search, Snapshot  # noqa: E402
from reputation.normalize import npi_check_digit  # noqa: E402
from reputation.records import iso_week  # noqa: E402

SOURCES = ["nppes", "google", "healthgrades", "vitals", "webmd", "zocdoc", "yelp", "ratemds", "usnews", "sharecare", "website"]
DEPARTMENTS = ["Cardiology", "Dermatology", "Emergency Medicine", "Endocrinology", "Family Medicine", "Gastroenterology",
               "Neurology", "Obstetrics & Gynecology", "Oncology", "Ophthalmology", "Orthopedics", "Pediatrics",
               "Psychiatry", "Pulmonology", "Radiology", "Urology", "Internal Medicine", "Surgery"]
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "Wei",
         "Priya", "Carlos", "Fatima", "Olga", "Kenji", "Amara", "Lucas", "Sofia", "Omar"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Nguyen",
        "Patel", "Kim", "Chen", "Okafor", "Kowalski", "Haddad", "Larsen", "Moreau", "Tanaka", "Ueda", "Fong"]
CITIES = [("Portland", "OR", "97201"), ("Salem", "OR", "97301"), ("Eugene", "OR", "97401"), ("Bend", "OR", "97701"),
          ("Vancouver", "WA", "98660"), ("Seattle", "WA", "98101")]
TEXTS = {1: "Rude staff, long wait, and my questions went unanswered.", 2: "Waited over an hour and the visit felt rushed.",
         3: "Care was fine, the front desk less so.", 4: "Knowledgeable and friendly.", 5: "Excellent doctor, listened to everything."}
TARGETS = {"overview_s": 10.0, "physician_pages_s": 120.0, "max_file_bytes": 500_000}


def build_database(path: Path, physicians: int, sources: list[str], weeks: int, seed: int = 42) -> None:
    """A year of weekly crawls, written with SQLAlchemy core bulk inserts in a few large transactions."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    engine = get_engine(f"sqlite:///{path}")
    first_crawl = datetime(2025, 5, 19, 6, 0, tzinfo=UTC)  # a Monday
    crawl_times = [first_crawl + timedelta(weeks=w) for w in range(weeks)]
    week_names = [iso_week(t) for t in crawl_times]
    phys_rows, loc_rows = [], []
    for i in range(physicians):
        first9 = f"1{i:08d}"
        city, state, zip5 = CITIES[i % len(CITIES)]
        phys_rows.append({"id": i + 1, "npi": first9 + npi_check_digit(first9), "first_name": rng.choice(FIRST),
                          "middle_name": None, "last_name": rng.choice(LAST), "suffix": None, "credentials": "MD",
                          "specialty": None, "department": DEPARTMENTS[i % len(DEPARTMENTS)], "other_names": [],
                          "active": True, "updated_at": first_crawl})
        for k in range(1 + (i % 3 == 0)):
            loc_rows.append({"physician_id": i + 1, "practice_name": "Northwind Health", "street": f"{100 + i % 900 + k} Main Street",
                             "city": city, "state": state, "zip": zip5, "phone": f"503-555-{(i * 2 + k) % 10000:04d}"})
    for p in phys_rows:
        p["specialty"] = p["department"]

    # Listings: each physician on each source with probability 0.9 (NPPES always), a few twice.
    listing_rows, match_rows, plan = [], [], []  # plan: (listing_id, physician index, quality)
    missing: set[tuple[int, str]] = set()
    lid = 0
    for i, p in enumerate(phys_rows):
        quality = rng.uniform(3.4, 4.9)
        for source in sources:
            if source != "nppes" and rng.random() < 0.1:
                missing.add((i, source))
                continue
            for dup in range(2 if rng.random() < 0.01 else 1):
                lid += 1
                fault = rng.random()
                phone = f"503-555-{(i * 2) % 10000:04d}" if fault > 0.05 else f"971-555-{rng.randrange(10000):04d}"
                street = f"{100 + i % 900} Main St" if not (0.05 < fault < 0.10) else f"{rng.randrange(1, 99)} Old Mill Rd"
                city, state, zip5 = CITIES[i % len(CITIES)]
                rated = source != "nppes"
                listing_rows.append({
                    "id": lid, "source": source, "url": f"https://{source}.example.com/dr/{p['npi']}-{dup}",
                    "source_id": f"{p['npi']}-{dup}", "name": f"Dr. {p['first_name']} {p['last_name']}",
                    "specialty": p["specialty"], "practice_name": "Northwind Health",
                    "addresses": [{"street": street, "city": city, "state": state, "zip": zip5}],
                    "phones": [phone], "npi": p["npi"] if source == "nppes" else None,
                    "rating": None, "review_count": None, "accepting_new_patients": True,
                    "first_seen": crawl_times[0], "last_seen": crawl_times[-1], "gone_since": None,
                })
                status = "review" if rng.random() < 0.01 else "matched"
                match_rows.append({"listing_id": lid, "physician_id": i + 1, "score": 0.97, "status": status,
                                   "method": "score", "evidence": {}, "updated_at": crawl_times[0]})
                if rated:
                    plan.append((lid, i, quality))

    # Weekly ratings: a slow drift per listing, a few with a sharp fall over the last month.
    n = len(plan)
    base = np.clip(np.array([q for _, _, q in plan]) + nrng.normal(0, 0.25, n), 1.5, 5.0)
    start_count = nrng.integers(2, 120, n)
    weekly_new = nrng.poisson(0.6, (weeks, n)).cumsum(axis=0)
    drift = nrng.normal(0, 0.02, (weeks, n)).cumsum(axis=0)
    falling = nrng.random(n) < 0.01
    fall = np.zeros((weeks, n))
    fall[-4:, falling] = np.linspace(0.15, 0.8, 4)[:, None]
    ratings = np.clip(np.round(base + drift - fall, 1), 1.0, 5.0)
    counts = start_count + weekly_new
    final_rating = {lid: (float(ratings[-1, k]), int(counts[-1, k])) for k, (lid, _, _) in enumerate(plan)}
    for row in listing_rows:
        if row["id"] in final_rating:
            row["rating"], row["review_count"] = final_rating[row["id"]]

    by_physician_source: dict[tuple[int, str], list[str]] = {}
    for row, match in zip(listing_rows, match_rows):
        by_physician_source.setdefault((match["physician_id"] - 1, row["source"]), []).append(row["url"])

    with engine.begin() as conn:
        conn.execute(Physician.__table__.insert(), phys_rows)
        conn.execute(Location.__table__.insert(), loc_rows)
        conn.execute(Listing.__table__.insert(), listing_rows)
        conn.execute(Match.__table__.insert(), match_rows)
    print(f"  {len(phys_rows)} physicians, {len(listing_rows)} listings", flush=True)

    # Snapshots and searches, a week at a time.
    snapshot_id = search_id = 0
    nppes_ids = [row["id"] for row in listing_rows if row["source"] == "nppes"]
    for w, (at, name) in enumerate(zip(crawl_times, week_names)):
        snaps = [{"listing_id": lid, "week": name, "crawled_at": at, "rating": float(ratings[w, k]),
                  "review_count": int(counts[w, k])} for k, (lid, _, _) in enumerate(plan)]
        snaps += [{"listing_id": lid, "week": name, "crawled_at": at, "rating": None, "review_count": None} for lid in nppes_ids]
        searches = []
        block = nrng.random(physicians * len(sources)) < 0.02
        for i, p in enumerate(phys_rows):
            for s_index, source in enumerate(sources):
                results = by_physician_source.get((i, source), [])
                status = "blocked" if block[i * len(sources) + s_index] else "ok"
                searches.append({"source": source, "npi": p["npi"], "week": name, "query": f"{p['first_name']} {p['last_name']}",
                                 "status": status, "reason": "HTTP 403 challenge page" if status == "blocked" else None,
                                 "results": results if status == "ok" else [], "gone": [], "crawled_at": at, "run_id": None})
        with engine.begin() as conn:
            conn.execute(Snapshot.__table__.insert(), snaps)
            conn.execute(Search.__table__.insert(), searches)
        if w % 13 == 12:
            print(f"  week {w + 1}/{weeks}", flush=True)

    # Reviews: a handful per listing on the first crawl, then new ones through the year.
    reviews = []
    for k, (lid, i, quality) in enumerate(plan):
        total = 3 + int(weekly_new[-1, k] // 6)
        for r in range(total):
            w = 0 if r < 3 else rng.randrange(weeks)
            stars = max(1, min(5, round(rng.gauss(quality, 1.1))))
            day = crawl_times[w] - timedelta(days=rng.randrange(1, 7) if w else rng.randrange(30, 900))
            reviews.append({"listing_id": lid, "review_key": f"r{r}", "date": day.date().isoformat(), "rating": float(stars),
                            "text": TEXTS[stars], "author": f"Patient {r}", "first_seen": crawl_times[w],
                            "response": "Thank you for your feedback." if stars <= 2 and rng.random() < 0.4 else None})
    with engine.begin() as conn:
        for start in range(0, len(reviews), 100_000):
            conn.execute(Review.__table__.insert(), reviews[start:start + 100_000])
    print(f"  {len(reviews)} reviews", flush=True)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--physicians", type=int, default=10_000)
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--fresh", action="store_true", help="rebuild the database even if a cached one exists")
    args = parser.parse_args()
    sources = SOURCES[: args.sources]
    cache = Path(tempfile.gettempdir()) / "repmon-bench" / f"reports-{args.physicians}x{args.sources}x{args.weeks}.db"
    cache.parent.mkdir(parents=True, exist_ok=True)
    figures: dict = {"physicians": args.physicians, "sources": args.sources, "weeks": args.weeks,
                     "cpus": os.cpu_count(), "python": platform.python_version()}
    if args.fresh or not cache.exists():
        for stale in cache.parent.glob(cache.name + "*"):
            stale.unlink()
        print(f"building {cache} ...", flush=True)
        started = time.perf_counter()
        build_database(cache, args.physicians, sources, args.weeks)
        figures["build_s"] = round(time.perf_counter() - started, 1)
    work = Path(tempfile.mkdtemp(prefix="repmon-bench-"))
    db = work / "bench.db"
    shutil.copyfile(cache, db)  # findings are written: start from the same state every run

    from reputation.findings import load_frames, refresh_findings
    from reputation.reporting import (
        PhysicianPages,
        load_report_input,
        scope,
        write_findings_workbook,
        write_overview,
        write_physician_pages,
    )

    engine = get_engine(f"sqlite:///{db}")
    started = time.perf_counter()
    frames = load_frames(engine)  # as repmon weekly does: read once for the findings and the reports
    summary = refresh_findings(engine, frames)
    figures["findings_s"] = round(time.perf_counter() - started, 2)
    figures["open_findings"] = summary.open_by_kind

    # repmon report overview: what the overview shows, read once, built and written.
    started = time.perf_counter()
    data = load_report_input(engine, "Benchmark Health", frames, pages=False)
    index, _ = write_overview(data, work / "overview")
    figures["overview_s"] = round(time.perf_counter() - started, 2)
    figures["overview_bytes"] = index.stat().st_size

    # repmon report all (and weekly): everything both reports show, read once, then every file written.
    out = work / "reports"
    started = time.perf_counter()
    data = load_report_input(engine, "Benchmark Health", frames)
    figures["report_load_s"] = round(time.perf_counter() - started, 2)
    t = time.perf_counter()
    covered = scope(data)
    write_overview(data, out, covered)
    figures["overview_build_and_write_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    workbook = write_findings_workbook(engine, out)
    figures["findings_xlsx_s"] = round(time.perf_counter() - t, 2)
    figures["findings_xlsx_bytes"] = workbook.stat().st_size
    t = time.perf_counter()
    figures["physician_pages"] = write_physician_pages(PhysicianPages(data, covered), out)
    figures["physician_pages_s"] = round(time.perf_counter() - t, 2)
    figures["report_all_s"] = round(time.perf_counter() - started, 2)
    sizes = [p.stat().st_size for p in (out / "physicians").glob("*.html")]
    figures["physician_max_bytes"] = max(sizes)
    figures["physician_mean_bytes"] = round(sum(sizes) / len(sizes))
    figures["max_file_bytes"] = max(figures["physician_max_bytes"], figures["overview_bytes"])
    figures["targets"] = TARGETS
    figures["met"] = {k: figures[k] <= v for k, v in TARGETS.items()}

    print(f"\n{'figure':<26}{'value':>14}  target")
    for key in ("findings_s", "overview_s", "report_load_s", "overview_build_and_write_s", "findings_xlsx_s",
                "physician_pages_s", "report_all_s", "physician_pages", "overview_bytes", "physician_max_bytes",
                "max_file_bytes"):
        target = TARGETS.get(key)
        print(f"{key:<26}{figures[key]:>14}  {'≤ ' + str(target) if target else ''}")
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "reports.json").write_text(json.dumps(figures, indent=1) + "\n")
    shutil.rmtree(work)
    if not all(figures["met"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
