"""Realistic sample data for the HTML reports, in the reports' data contract.

``build_sample(n_physicians)`` returns ``(overview, physicians)``: the dicts the
reputation layer hands to ``reports.render``. The physician pages are built first
and the overview is aggregated from them, so the numbers agree across files.
Deterministic for a given seed.

Some values are hostile on purpose, as scraped text can be:
- the first physician's newest review contains ``<script>alert(1)</script>`` and its
  author an ``<img onerror>`` tag (see ``HOSTILE_REVIEW_TEXT``);
- the second physician's first listing links to ``javascript:alert(1)``
  (see ``HOSTILE_URL``);
- one department name contains an ampersand.
"""

from __future__ import annotations

import datetime as dt
import random

from reputation.normalize import npi_check_digit

TITLE = "Northwind Health"
GENERATED_AT = "2026-11-21 09:00 UTC"
WEEKS = ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
SOURCES = ["healthgrades", "vitals", "webmd", "zocdoc"]
SOURCE_NAMES = {"healthgrades": "Healthgrades", "vitals": "Vitals", "webmd": "WebMD", "zocdoc": "Zocdoc"}
SOURCE_HOSTS = {
    "healthgrades": "https://www.healthgrades.com/physician/dr-{slug}-{code}",
    "vitals": "https://www.vitals.com/doctors/Dr_{slug_}.html",
    "webmd": "https://doctor.webmd.com/doctor/{slug}-{code}-overview",
    "zocdoc": "https://www.zocdoc.com/doctor/{slug}-md-{code}",
}

HOSTILE_REVIEW_TEXT = "<script>alert(1)</script> Waited two hours and nobody told us why."
HOSTILE_AUTHOR = '<img src=x onerror="alert(2)">'
HOSTILE_URL = "javascript:alert(1)"

DEPARTMENTS = {
    "Cardiology": ["Cardiology", "Interventional Cardiology"],
    "Family Medicine": ["Family Medicine"],
    "Internal Medicine": ["Internal Medicine", "Hospital Medicine"],
    "Obstetrics & Gynecology": ["Obstetrics & Gynecology"],
    "Orthopedics": ["Orthopaedic Surgery", "Sports Medicine"],
    "Pediatrics": ["Pediatrics"],
    "Dermatology": ["Dermatology"],
}
FIRST_NAMES = [
    "Jane", "Michael", "Priya", "David", "Maria", "James", "Aisha", "Robert", "Elena", "William",
    "Grace", "Daniel", "Sofia", "Thomas", "Nadia", "Kevin", "Laura", "Samuel", "Hannah", "Omar",
    "Rachel", "Andrew", "Mei", "Carlos", "Olivia", "Benjamin", "Fatima", "Jonathan", "Chloe", "Victor",
]
LAST_NAMES = [
    "Doe", "Patel", "Nguyen", "Okafor", "Hernandez", "Kim", "Johnson", "Schmidt", "Rossi", "Cohen",
    "Williams", "Chen", "Garcia", "Brown", "Haddad", "Murphy", "Singh", "Anderson", "Lopez", "Walker",
    "O'Brien", "Kowalski", "Tanaka", "Ibrahim", "Fischer", "Reyes", "Campbell", "Novak", "Bennett", "Adeyemi",
]
LOCATIONS = [
    ("Northwind Heart Center", "1200 Peachtree St NE", "Atlanta", "GA", "30309"),
    ("Northwind Family Practice - Decatur", "315 W Ponce de Leon Ave", "Decatur", "GA", "30030"),
    ("Northwind Medical Plaza", "5670 Peachtree Dunwoody Rd", "Atlanta", "GA", "30342"),
    ("Northwind Women's Health", "980 Johnson Ferry Rd", "Atlanta", "GA", "30342"),
    ("Northwind Orthopedics & Sports", "3200 Downwood Cir NW", "Atlanta", "GA", "30327"),
    ("Northwind Children's Clinic", "2015 Uppergate Dr", "Atlanta", "GA", "30307"),
    ("Northwind Skin Institute", "4500 N Shallowford Rd", "Dunwoody", "GA", "30338"),
]
GOOD_REVIEWS = [
    "Dr. {last} listened carefully and explained every option. The front desk was friendly too.",
    "Very thorough and kind. I never felt rushed, and the follow-up call came the next day.",
    "Easy to book, short wait, clear answers. Would recommend to family.",
    "Took the time to go over my results line by line. Great bedside manner.",
]
MIXED_REVIEWS = [
    "Good doctor but the office is hard to reach by phone; it took three tries to get an appointment.",
    "Knowledgeable, though the visit felt a bit short. Parking was a hassle.",
]
BAD_REVIEWS = [
    "Waited over an hour past my appointment time and the doctor seemed distracted.",
    "The phone number on this site is wrong, and nobody returned my messages.",
    "Billing charged me twice and the office would not help sort it out.",
    "Felt dismissed. I had to ask three times before anyone would order the test.",
]
AUTHORS = ["Verified patient", "M. R.", "Anonymous", "Kathy L.", "John D.", "A reviewer", "S. P."]


def _npi(rng: random.Random) -> str:
    first9 = "1" + "".join(str(rng.randrange(10)) for _ in range(8))
    return first9 + npi_check_digit(first9)


def _phone(rng: random.Random) -> str:
    return f"(404) 555-{rng.randrange(100, 9999):04d}"


def _address(location: tuple) -> str:
    _, street, city, state, zip_code = location
    return f"{street}, {city}, {state} {zip_code}"


def _week_dates(week: str) -> tuple[dt.date, dt.date]:
    year, number = int(week[:4]), int(week[6:])
    monday = dt.date.fromisocalendar(year, number, 1)
    return monday, monday + dt.timedelta(days=6)


def _weighted(pairs: list[tuple[float | None, int]]) -> float | None:
    known = [(rating, count) for rating, count in pairs if rating is not None and count]
    total = sum(count for _, count in known)
    if not total:
        return None
    return round(sum(rating * count for rating, count in known) / total, 2)


def _physician(rng: random.Random, index: int, sources: list[str], weeks: list[str]) -> dict:
    department = list(DEPARTMENTS)[index % len(DEPARTMENTS)]
    specialty = rng.choice(DEPARTMENTS[department])
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7 + index // len(LAST_NAMES)) % len(LAST_NAMES)]
    middle = chr(ord("A") + rng.randrange(26))
    suffix = "DO" if index % 9 == 4 else "MD"
    name = f"{first} {middle}. {last}, {suffix}"
    npi = _npi(rng)
    location = LOCATIONS[list(DEPARTMENTS).index(department)]
    roster_phone = _phone(rng)
    roster_address = _address(location)
    week_start, week_end = _week_dates(weeks[-1])
    first_week_start, _ = _week_dates(weeks[0])

    slug = f"{first}-{last}".lower().replace("'", "")
    code = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(5))
    base_rating = min(5.0, max(2.4, rng.gauss(4.3, 0.45)))

    listings, coverage, findings, checklist, reviews = [], [], [], [], []
    trend_series = []
    for number, source in enumerate(sources):
        roll = rng.random()
        if source == "zocdoc" and index % 5 == 3:
            state, note = "not_crawled", "not in this week's crawl plan"
        elif roll < 0.08:
            state, note = "unknown", rng.choice(["blocked: HTTP 403", "timeout after 3 retries", "disallowed by robots.txt"])
        elif roll < 0.18:
            state, note = "missing", "no profile found by name + NPI search"
        elif roll < 0.23:
            state, note = "review", "name matches, NPI not shown on profile"
        else:
            state, note = "listed", ""
        url = None
        rating = None
        if state in ("listed", "review"):
            url = SOURCE_HOSTS[source].format(slug=slug, slug_=slug.replace("-", "_").title(), code=code)
            if index == 1 and number == 0:
                url = HOSTILE_URL
            rating = round(min(5.0, max(1.0, base_rating + rng.gauss(0, 0.25))), 1)
            review_count = rng.randrange(3, 160)
            drop = rng.random() < 0.12
            values: list[float | None]
            if drop:  # a steady slide of a quarter star a week
                rating = min(rating, 4.2)
                values = [round(min(5.0, rating + 0.25 * (len(weeks) - 1 - w)), 2) for w in range(len(weeks))]
            else:
                values = [round(min(5.0, max(1.0, rating + rng.gauss(0, 0.05))), 2) for _ in weeks]
            if len(weeks) > 2 and rng.random() < 0.1:  # a week the page could not be read
                values[rng.randrange(1, len(weeks) - 1)] = None
            values[-1] = rating
            trend_series.append({"label": source, "values": values, "_count": review_count})

            phone_ok: bool | None = True
            phones = [roster_phone]
            if rng.random() < 0.15:
                phones, phone_ok = [_phone(rng)], False
            elif rng.random() < 0.05:
                phones, phone_ok = [], None
            address_ok: bool | None = True
            addresses = [roster_address]
            if rng.random() < 0.12:
                old = rng.choice([loc for loc in LOCATIONS if loc != location])
                addresses, address_ok = [_address(old)], False
            first_seen = (first_week_start + dt.timedelta(days=rng.randrange(0, 4))).isoformat()
            listings.append(
                {
                    "source": source,
                    "url": url,
                    "name": f"Dr. {first} {last}" if rng.random() < 0.7 else f"{first} {middle} {last} {suffix}",
                    "rating": rating,
                    "review_count": review_count,
                    "match_status": "matched" if state == "listed" else "review",
                    "score": round(rng.uniform(0.9, 0.99) if state == "listed" else rng.uniform(0.7, 0.85), 2),
                    "phones": phones,
                    "addresses": addresses,
                    "phone_ok": phone_ok,
                    "address_ok": address_ok,
                    "first_seen": first_seen,
                    "last_seen": "2026-11-21",
                }
            )
            label = SOURCE_NAMES[source]
            if phone_ok is False:
                findings.append(
                    {"kind": "outdated_phone", "source": source, "url": url, "shown": phones[0],
                     "expected": roster_phone, "first_seen": first_seen, "last_seen": "2026-11-21"}
                )
                checklist.append(
                    {"kind": "outdated_phone", "source": source, "url": url,
                     "text": f"Update phone on {label} to {roster_phone}"}
                )
            if address_ok is False:
                findings.append(
                    {"kind": "outdated_address", "source": source, "url": url, "shown": addresses[0],
                     "expected": roster_address, "first_seen": first_seen, "last_seen": "2026-11-21"}
                )
                checklist.append(
                    {"kind": "outdated_address", "source": source, "url": url,
                     "text": f"Update address on {label} to {roster_address}"}
                )
            if drop:
                findings.append(
                    {"kind": "rating_drop", "source": source, "url": url, "shown": f"{rating:.1f}",
                     "expected": f"{values[0]:.1f}", "first_seen": week_start.isoformat(), "last_seen": "2026-11-21"}
                )
                checklist.append(
                    {"kind": "rating_drop", "source": source, "url": url,
                     "text": f"Rating on {label} fell from {values[0]:.1f} to {rating:.1f}: read the recent reviews"}
                )
            for _ in range(rng.randrange(0, 3)):
                stars = rng.choices([5.0, 4.0, 3.0, 2.0, 1.0], weights=[45, 25, 10, 8, 12])[0]
                pool = GOOD_REVIEWS if stars >= 4 else MIXED_REVIEWS if stars == 3 else BAD_REVIEWS
                date = week_end - dt.timedelta(days=rng.randrange(0, 24))
                reviews.append(
                    {
                        "source": source,
                        "url": url,
                        "date": date.isoformat(),
                        "rating": stars,
                        "text": rng.choice(pool).format(last=last),
                        "author": rng.choice(AUTHORS),
                        "response": (
                            "Thank you for your feedback. Please call our patient relations team at (404) 555-0100."
                            if stars <= 2 and rng.random() < 0.3
                            else None
                        ),
                    }
                )
        elif state == "missing":
            findings.append(
                {"kind": "missing_listing", "source": source, "url": None, "shown": None,
                 "expected": name, "first_seen": "2026-10-31", "last_seen": "2026-11-21"}
            )
            checklist.append(
                {"kind": "missing_listing", "source": source, "url": None,
                 "text": f"Claim or create a profile on {SOURCE_NAMES[source]}"}
            )
        coverage.append({"source": source, "state": state, "note": note, "url": url, "rating": rating})

    if index == 0:
        reviews.append(
            {"source": sources[0], "url": SOURCE_HOSTS[sources[0]].format(slug=slug, slug_=slug, code=code),
             "date": (week_end - dt.timedelta(days=3)).isoformat(), "rating": 1.0,
             "text": HOSTILE_REVIEW_TEXT, "author": HOSTILE_AUTHOR, "response": None}
        )
    reviews.sort(key=lambda review: review["date"], reverse=True)
    for review in reviews:
        if review["rating"] <= 2 and review["date"] >= week_start.isoformat() and review["response"] is None:
            findings.append(
                {"kind": "negative_review", "source": review["source"], "url": review["url"],
                 "shown": f"{review['rating']:.0f}★ on {review['date']}", "expected": None,
                 "first_seen": review["date"], "last_seen": "2026-11-21"}
            )
            checklist.append(
                {"kind": "negative_review", "source": review["source"], "url": review["url"],
                 "text": f"Respond to the {review['rating']:.0f}★ review on {SOURCE_NAMES[review['source']]} "
                         f"from {review['date']} (no health details, don't confirm they are a patient)"}
            )

    weighted = [
        _weighted([(s["values"][w], s["_count"]) for s in trend_series]) for w in range(len(weeks))
    ]
    series = [{"label": s["label"], "values": s["values"]} for s in trend_series]
    if series:
        series.append({"label": "Weighted average", "values": weighted})

    locations = [
        {"practice_name": location[0], "street": location[1], "city": location[2], "state": location[3],
         "zip": location[4], "phone": roster_phone}
    ]
    if index % 6 == 0:
        extra = LOCATIONS[(list(DEPARTMENTS).index(department) + 2) % len(LOCATIONS)]
        locations.append(
            {"practice_name": extra[0], "street": extra[1], "city": extra[2], "state": extra[3],
             "zip": extra[4], "phone": None}
        )
    return {
        "title": TITLE,
        "generated_at": GENERATED_AT,
        "week": weeks[-1],
        "overview_href": "../index.html",
        "physician": {
            "npi": npi, "name": name, "specialty": specialty, "department": department,
            "active": True, "locations": locations,
        },
        "listings": listings,
        "coverage": [{"source": c["source"], "state": c["state"], "note": c["note"]} for c in coverage],
        "trend": {"weeks": list(weeks), "series": series},
        "reviews": reviews,
        "checklist": checklist,
        "findings": findings,
        # Used to aggregate the overview; not part of the physician contract.
        "_coverage_cells": coverage,
        "_trend_counts": {s["label"]: s["_count"] for s in trend_series},
    }


def _overview(rng: random.Random, pages: list[dict], sources: list[str], weeks: list[str]) -> dict:
    week_start, _ = _week_dates(weeks[-1])
    kinds = ["missing_listing", "outdated_phone", "outdated_address", "duplicate_listing", "rating_drop", "negative_review"]
    findings = [f for page in pages for f in page["findings"]]
    coverage_rows = []
    for page in pages:
        doc = page["physician"]
        coverage_rows.append(
            {
                "npi": doc["npi"], "name": doc["name"], "department": doc["department"],
                "report_href": f"physicians/{doc['npi']}.html",
                "cells": {
                    cell["source"]: {"state": cell["state"], "note": cell["note"], "url": cell["url"], "rating": cell["rating"]}
                    for cell in page["_coverage_cells"]
                },
            }
        )
    states = [cell["state"] for row in coverage_rows for cell in row["cells"].values()]
    known = [s for s in states if s in ("listed", "missing", "review")]

    contact_fixes = []
    for source in sources:
        items = []
        for page in pages:
            doc = page["physician"]
            for finding in page["findings"]:
                if finding["source"] == source and finding["kind"] in ("outdated_phone", "outdated_address"):
                    items.append(
                        {"npi": doc["npi"], "name": doc["name"], "department": doc["department"],
                         "kind": finding["kind"], "url": finding["url"], "shown": finding["shown"],
                         "expected": finding["expected"], "first_seen": finding["first_seen"]}
                    )
        if items:
            contact_fixes.append({"source": source, "total": len(items), "items": items})

    by_source: dict[str, list] = {source: [] for source in sources}
    for page in pages:
        for item in page["trend"]["series"]:
            if item["label"] in by_source:
                by_source[item["label"]].append((item["values"], page["_trend_counts"][item["label"]]))
    source_series = []
    for source in sources:
        values = [_weighted([(v[w], c) for v, c in by_source[source]]) for w in range(len(weeks))]
        source_series.append({"label": source, "values": values})
    all_values = [
        _weighted([(v[w], c) for source in sources for v, c in by_source[source]]) for w in range(len(weeks))
    ]

    movers = []
    for page in pages:
        doc = page["physician"]
        for listing in page["listings"]:
            values = next(s["values"] for s in page["trend"]["series"] if s["label"] == listing["source"])
            start = next((v for v in values if v is not None), None)
            if start is None or listing["rating"] is None:
                continue
            change = round(listing["rating"] - start, 2)
            if abs(change) >= 0.3:
                movers.append(
                    {"npi": doc["npi"], "name": doc["name"], "department": doc["department"],
                     "source": listing["source"], "url": listing["url"], "from": start, "to": listing["rating"],
                     "change": change, "review_count": listing["review_count"], "values": values}
                )
    movers.sort(key=lambda m: (m["change"] > 0, -abs(m["change"])))
    movers = movers[:12]

    negative = []
    for page in pages:
        doc = page["physician"]
        for review in page["reviews"]:
            if review["rating"] <= 2 and review["date"] >= week_start.isoformat():
                negative.append(
                    {"npi": doc["npi"], "name": doc["name"], "department": doc["department"],
                     "source": review["source"], "url": review["url"], "date": review["date"],
                     "rating": review["rating"], "text": review["text"], "author": review["author"]}
                )
    negative.sort(key=lambda r: r["date"], reverse=True)

    crawl_health = []
    for source in sources:
        cells = [row["cells"][source] for row in coverage_rows]
        crawled = [c for c in cells if c["state"] != "not_crawled"]
        blocked = sum(1 for c in crawled if c["state"] == "unknown" and "403" in c["note"])
        errors = sum(1 for c in crawled if c["state"] == "unknown" and "timeout" in c["note"])
        disallowed = sum(1 for c in crawled if c["state"] == "unknown" and "robots" in c["note"])
        note = ""
        if source == "zocdoc":
            note = f"{len(cells) - len(crawled)} physicians not in this week's crawl plan"
        crawl_health.append(
            {"source": source, "searched": len(crawled), "ok": len(crawled) - blocked - errors - disallowed,
             "blocked": blocked, "errors": errors, "disallowed": disallowed, "note": note,
             "parser_broken": source == "vitals", "broken_fields": ["rating"] if source == "vitals" else [],
             "parser_reason": "rating missing on 95% of profiles" if source == "vitals" else ""}
        )

    departments = sorted({page["physician"]["department"] for page in pages})
    by_department = []
    department_ratings = []
    for department in departments:
        rows = [row for row in coverage_rows if row["department"] == department]
        cells = {}
        for source in sources:
            states = [row["cells"][source]["state"] for row in rows if source in row["cells"]]
            listed, missing = states.count("listed"), states.count("missing")
            cells[source] = {"listed": listed, "missing": missing, "review": states.count("review"),
                             "unknown": states.count("unknown"), "share": listed / (listed + missing) if listed + missing else None}
        by_department.append({"department": department, "physicians": len(rows), "cells": cells})
        series = [page["trend"]["series"][-1]["values"] for page in pages
                  if page["physician"]["department"] == department and page["trend"]["series"]]
        values = [_weighted([(v[w], 1) for v in series]) for w in range(len(weeks))]
        known = [v for v in values if v is not None]
        department_ratings.append({"department": department, "values": values, "now": values[-1],
                                   "change": round(values[-1] - known[0], 3) if values[-1] is not None and len(known) > 1 else None,
                                   "reviews": 10 * len(series)})
    by_source = []
    for source in sources:
        states = [row["cells"].get(source, {"state": "not_crawled"})["state"] for row in coverage_rows]
        listed, missing = states.count("listed"), states.count("missing")
        by_source.append({"source": source, **{k: states.count(k) for k in ("listed", "missing", "review", "unknown", "not_crawled")},
                          "share": listed / (listed + missing) if listed + missing else None})
    with_gaps = sum(any(c["state"] in ("missing", "review", "unknown") for c in row["cells"].values()) for row in coverage_rows)

    total_reviews = [(l["rating"], l["review_count"]) for page in pages for l in page["listings"]]
    return {
        "title": TITLE,
        "generated_at": GENERATED_AT,
        "week": weeks[-1],
        "previous_week": weeks[-2] if len(weeks) > 1 else None,
        "headline": {
            "physicians": len(pages),
            "coverage": {"value": round(states.count("listed") / len(known), 4) if known else None, "change": 0.02},
            "open_findings": {"value": len(findings), "change": -3},
            "average_rating": {"value": _weighted(total_reviews), "change": -0.05},
            "new_reviews": {
                "value": sum(1 for page in pages for r in page["reviews"] if r["date"] >= week_start.isoformat()),
                "change": None,
            },
        },
        "findings_by_kind": [
            {"kind": kind, "count": sum(1 for f in findings if f["kind"] == kind), "change": rng.choice([-2, -1, 0, 1, 2, None])}
            for kind in kinds
        ],
        "sources": list(sources),
        "departments": sorted({page["physician"]["department"] for page in pages}),
        "findings_file": "findings.xlsx",
        "coverage_by_source": by_source,
        "coverage_by_department": by_department,
        "coverage": coverage_rows,
        "coverage_note": {"shown": len(coverage_rows), "physicians": len(coverage_rows), "with_gaps": with_gaps,
                          "complete": len(coverage_rows) - with_gaps},
        "contact_fixes": contact_fixes,
        "department_ratings": department_ratings,
        "rating_trend": {"weeks": list(weeks), "series": [{"label": "All sources", "values": all_values}, *source_series]},
        "movers": movers,
        "negative_reviews": negative,
        "negative_reviews_total": len(negative),
        "crawl_health": crawl_health,
    }


def build_sample(
    n_physicians: int = 30, sources: list[str] | None = None, weeks: list[str] | None = None, seed: int = 47
) -> tuple[dict, list[dict]]:
    """``(overview, physician pages)`` for ``n_physicians`` across 2–4 sources and some weeks."""
    sources = list(sources or SOURCES)
    weeks = list(weeks or WEEKS)
    rng = random.Random(seed)
    pages = [_physician(rng, index, sources, weeks) for index in range(n_physicians)]
    overview = _overview(rng, pages, sources, weeks)
    for page in pages:
        del page["_coverage_cells"], page["_trend_counts"]
    return overview, pages
