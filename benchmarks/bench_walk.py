"""Requests of a search by specialty and place (listing walks) against one name search per physician.

For each site that walks (RateMDs, WebMD, Vitals, Zocdoc) and each sandbox world size, the spider searches the
whole roster twice against the sandbox: walking the listing pages (``SEARCH_BY`` walk, the default) and by name
(``SEARCH_BY`` name; not for Vitals, which has no name search: its row says what one search per physician
would cost, ``null`` figures). The sandbox records every request it answered; they are counted by kind: search
requests (listing pages, or name searches), profiles and review pages. Targets are written as ``repmon
crawl`` writes them (specialty code and every location). A walk's search requests include the name searches
confirming the physicians complete walks did not list (``name_searches``: RateMDs, WebMD, Zocdoc). Figures:
requests per physician, and the share of physicians a walk finds listed against the name search.

Usage: bash benchmarks/run.sh walk   (or: python benchmarks/bench_walk.py --sizes 50 300 --sources ratemds)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawlers.sources import source as source_of  # noqa: E402
from reputation.normalize import specialty_code  # noqa: E402
from reputation.sandbox.server import SandboxServer  # noqa: E402
from reputation.sandbox.world import World  # noqa: E402

SOURCES = ("ratemds", "webmd", "vitals", "zocdoc")
SEARCH = {  # a search request: a listing page or a name search
    "ratemds": re.compile(r"^/ratemds/best-doctors/"),
    "webmd": re.compile(r"^/webmd/results\?"),
    "vitals": re.compile(r"^/vitals/(search\?|[a-z-]+/[a-z]{2}/[a-z0-9-]+(\?page=\d+)?$)"),
    "zocdoc": re.compile(r"^/zocdoc/search\?"),
}
REVIEWS = re.compile(r"json=true|-reviews\?|/reviews(\?|$)")


def targets(world: World) -> list[dict]:
    out = []
    for target in world.targets():
        physician = world.physician(target["npi"])
        out.append(target | {"specialty_code": specialty_code(physician.specialty),
                             "locations": [{"city": l.city, "state": l.state, "zip": l.zip} for l in physician.locations]})
    return out


def crawl(server: SandboxServer, source: str, mode: str, work: Path) -> dict:
    path = work / f"{source}-{mode}-targets.json"
    path.write_text(json.dumps(targets(server.world)))
    out = work / f"{source}-{mode}.jsonl"
    server.recorded.clear()
    command = [sys.executable, "-m", "scrapy", "crawl", source, "-a", f"targets={path}", "-O", str(out)]
    for key, value in {"REPMON_SANDBOX_URL": server.url, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                       "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "LOG_LEVEL": "WARNING",
                       "SEARCH_BY": json.dumps({source: mode})}.items():
        command += ["-s", f"{key}={value}"]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True)
    records = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    searches = [r for r in records if r["kind"] == "search"]
    kinds = Counter()
    names = {f"{t['first_name']} {t['last_name']}".lower() for t in targets(server.world)}
    for _, request_path, _, _ in server.recorded:
        kinds["search" if SEARCH[source].match(request_path) else "reviews" if REVIEWS.search(request_path)
              else "profile"] += 1
        asked = [v.lower() for values in parse_qs(urlsplit(request_path).query).values() for v in values]
        kinds["name_searches"] += SEARCH[source].match(request_path) is not None and any(v in names for v in asked)
    roster, total = len(searches), kinds["search"] + kinds["profile"] + kinds["reviews"]
    return {
        "physicians": roster,
        "search_requests": kinds["search"], "name_searches": kinds["name_searches"],
        "profile_requests": kinds["profile"], "review_requests": kinds["reviews"], "requests": total,
        "search_requests_per_physician": round(kinds["search"] / roster, 3),
        "requests_per_physician": round(total / roster, 3),
        "found": sum(1 for s in searches if s["results"]),
        "statuses": dict(Counter(s["status"] for s in searches)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 300])
    parser.add_argument("--sources", nargs="+", default=list(SOURCES))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            with SandboxServer(World(size=size), record=True) as server:
                for source in args.sources:
                    row = {"size": size, "source": source}
                    row["walk"] = crawl(server, source, "walk", Path(tmp))
                    has_name_search = source_of(source).spider.name_search
                    row["name"] = crawl(server, source, "name", Path(tmp)) if has_name_search else None
                    results.append(row)
                    w, n = row["walk"], row["name"] or {}
                    print(f"{source:8} {size:5} physicians: search requests walk {w['search_requests']:5} "
                          f"({w['name_searches']} by name) "
                          f"({w['search_requests_per_physician']:.2f}/physician) vs name {n.get('search_requests')}; "
                          f"all requests walk {w['requests']:5} vs name {n.get('requests')}; "
                          f"found walk {w['found']} vs name {n.get('found')}")
    out = REPO / "benchmarks" / "results" / "walk.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
