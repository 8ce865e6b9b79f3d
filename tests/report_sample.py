"""Sample reports for the rendering tests, built as a user's reports are: the stored data is constructed
here (a roster, four weekly crawls of four sites, listings, ratings, reviews), the findings come from the
real rules, and the page models from the real builders. Deterministic for a given seed.

``build_input(n)`` returns the loaded data (``ReportInput``); ``build_sample(n)`` returns ``(overview,
physician pages)`` built from it.

Some values are hostile on purpose, as scraped text can be:
- the first physician's newest review contains ``<script>alert(1)</script>`` and its author an
  ``<img onerror>`` tag (see ``HOSTILE_REVIEW_TEXT``);
- the second physician's first listing links to ``javascript:alert(1)`` (see ``HOSTILE_URL``);
- one department name contains an ampersand.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd

from reputation.findings import Frames, current_findings
from reputation.normalize import npi_check_digit, normalize_phone
from reputation.reporting import PhysicianPages, ReportInput, build_overview, scope

TITLE = "Northwind Health"
GENERATED_AT = "2026-11-21 09:00 UTC"
WEEKS = ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
CRAWLS = [datetime(2026, 10, 26, 6, 0, tzinfo=UTC) + timedelta(weeks=n) for n in range(4)]  # the Monday of each
SOURCES = ["healthgrades", "vitals", "webmd", "zocdoc"]
SOURCE_HOSTS = {
    "healthgrades": "https://www.healthgrades.com/physician/dr-{slug}-{code}",
    "vitals": "https://www.vitals.com/doctors/Dr_{slug}.html",
    "webmd": "https://doctor.webmd.com/doctor/{slug}-{code}-overview",
    "zocdoc": "https://www.zocdoc.com/doctor/{slug}-md-{code}",
}
BROKEN_PARSER = ("vitals", "2026-W47", "rating missing on 95% of profiles")  # no rating read that week

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
FIRST_NAMES = ["Jane", "Michael", "Priya", "David", "Maria", "James", "Aisha", "Robert", "Elena", "William", "Grace",
               "Daniel", "Sofia", "Thomas", "Nadia", "Kevin", "Laura", "Samuel", "Hannah", "Omar"]
LAST_NAMES = ["Doe", "Patel", "Nguyen", "Okafor", "Hernandez", "Kim", "Johnson", "Schmidt", "Rossi", "Cohen", "Williams",
              "Chen", "Garcia", "Brown", "Haddad", "Murphy", "Singh", "O'Brien", "Kowalski", "Tanaka", "Ibrahim", "Novak"]
LOCATIONS = [
    ("Northwind Heart Center", "1200 Peachtree St NE", "Atlanta", "GA", "30309"),
    ("Northwind Family Practice - Decatur", "315 W Ponce de Leon Ave", "Decatur", "GA", "30030"),
    ("Northwind Medical Plaza", "5670 Peachtree Dunwoody Rd", "Atlanta", "GA", "30342"),
    ("Northwind Women's Health", "980 Johnson Ferry Rd", "Atlanta", "GA", "30342"),
    ("Northwind Orthopedics & Sports", "3200 Downwood Cir NW", "Atlanta", "GA", "30327"),
    ("Northwind Children's Clinic", "2015 Uppergate Dr", "Atlanta", "GA", "30307"),
    ("Northwind Skin Institute", "4500 N Shallowford Rd", "Dunwoody", "GA", "30338"),
]
REVIEWS = {
    5: "Dr. {last} listened carefully and explained every option.", 4: "Easy to book, short wait, clear answers.",
    3: "Good doctor but the office is hard to reach by phone.", 2: "Waited over an hour past my appointment time.",
    1: "The phone number on this site is wrong, and nobody returned my messages.",
}
AUTHORS = ["Verified patient", "M. R.", "Anonymous", "Kathy L.", "John D."]
RESPONSE = "Thank you for your feedback. Please call our patient relations team at (404) 555-0100."


class _Store:
    """The rows of the tables, as a crawl would have stored them."""

    def __init__(self):
        self.physicians, self.locations, self.listings, self.snapshots = [], [], [], []
        self.searches, self.searches_before, self.reviews = [], [], []


def _npi(rng: random.Random) -> str:
    first9 = "1" + "".join(str(rng.randrange(10)) for _ in range(8))
    return first9 + npi_check_digit(first9)


def _phone(rng: random.Random) -> str:
    return f"(404) 555-{rng.randrange(100, 9999):04d}"


def _address(location: tuple) -> dict:
    _, street, city, state, zip_code = location
    return {"street": street, "city": city, "state": state, "zip": zip_code}


def _physician(rng: random.Random, store: _Store, index: int) -> None:
    department = list(DEPARTMENTS)[index % len(DEPARTMENTS)]
    first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index * 7 + index // 20) % len(LAST_NAMES)]
    npi, pid = _npi(rng), index + 1
    location = LOCATIONS[list(DEPARTMENTS).index(department)]
    phone = _phone(rng)
    store.physicians.append({"id": pid, "npi": npi, "first_name": first, "middle_name": chr(65 + rng.randrange(26)),
                             "last_name": last, "suffix": None, "credentials": "DO" if index % 9 == 4 else "MD",
                             "specialty": rng.choice(DEPARTMENTS[department]), "department": department, "active": True})
    store.locations.append({"id": len(store.locations) + 1, "physician_id": pid, "practice_name": location[0],
                            **_address(location), "phone": phone})
    if index % 6 == 0:
        extra = LOCATIONS[(list(DEPARTMENTS).index(department) + 2) % len(LOCATIONS)]
        store.locations.append({"id": len(store.locations) + 1, "physician_id": pid, "practice_name": extra[0],
                                **_address(extra), "phone": None})
    slug = f"{first}-{last}".lower().replace("'", "")
    base = min(4.9, max(2.6, rng.gauss(4.3, 0.4)))
    for number, source in enumerate(SOURCES):
        roll = rng.random() if index else 1.0  # the first physician is listed everywhere
        if source == "zocdoc" and index % 5 == 3:
            continue  # not crawled yet
        status, reason = "ok", None
        if roll < 0.08:
            status, reason = rng.choice([("blocked", "HTTP 403 challenge page"), ("error", "timeout after 3 retries"),
                                         ("disallowed", "robots.txt")])
        listed = status == "ok" and roll >= 0.18
        results = []
        if listed:
            url = SOURCE_HOSTS[source].format(slug=slug, code=f"{index:03d}")
            if index == 1 and number == 0:
                url = HOSTILE_URL
            results = [url]
            _listing(rng, store, index, pid, npi, source, url, phone, location, base, review=0.18 <= roll < 0.23)
            if index % 10 == 2 and source == "webmd":  # a second listing of the same physician: a duplicate
                results.append(url + "-2")
                _listing(rng, store, index, pid, npi, source, url + "-2", phone, location, base - 0.5, review=False)
        store.searches.append({"npi": npi, "source": source, "week": WEEKS[-1], "query": f"{first} {last}", "status": status,
                               "reason": reason, "results": results, "crawled_at": CRAWLS[-1]})
        store.searches_before.append({"npi": npi, "source": source, "status": "ok" if roll >= 0.04 else "blocked",
                                      "reason": None if roll >= 0.04 else "HTTP 403 challenge page"})


def _listing(rng, store, index, pid, npi, source, url, phone, location, base, review: bool) -> None:
    listing_id = len(store.listings) + 1
    phones = [phone]
    if rng.random() < 0.15:
        phones = [_phone(rng)]  # an old number
    elif rng.random() < 0.05:
        phones = []  # the site shows none
    address = _address(location)
    if rng.random() < 0.12:
        address = _address(rng.choice([loc for loc in LOCATIONS if loc != location]))  # an old address
    drop = rng.random() < 0.12
    count = rng.randrange(3, 160)
    ratings = []
    for week in range(len(WEEKS)):
        slide = 0.25 * (len(WEEKS) - 1 - week) if drop else 0.0  # a steady slide of a quarter star a week
        ratings.append(round(min(5.0, max(1.0, base + slide + rng.gauss(0, 0.05))), 1))
    if source == BROKEN_PARSER[0]:
        ratings[-1] = None
    who = store.physicians[-1]
    name = f"Dr. {who['first_name']} {who['last_name']}" if rng.random() < 0.7 else \
        f"{who['first_name']} {who['middle_name']} {who['last_name']} {who['credentials']}"
    store.listings.append({"id": listing_id, "source": source, "url": url, "name": name,
                           "phones": phones, "addresses": [address], "rating": ratings[-1], "review_count": count,
                           "first_seen": CRAWLS[0] + timedelta(hours=rng.randrange(0, 72)), "last_seen": CRAWLS[-1],
                           "physician_id": pid, "match_status": "review" if review else "matched", "npi": npi,
                           "active": True})
    for week, rating in zip(WEEKS, ratings):
        store.snapshots.append({"listing_id": listing_id, "week": week, "rating": rating, "review_count": count})
    last = who["last_name"]
    for n in range(rng.randrange(0, 3)):
        stars = rng.choices([5, 4, 3, 2, 1], weights=[45, 25, 10, 8, 12])[0]
        seen = CRAWLS[rng.randrange(1, len(CRAWLS))]
        store.reviews.append({"id": len(store.reviews) + 1, "review_key": f"r{len(store.reviews) + 1}", "listing_id": listing_id, "rating": float(stars),
                              "date": (seen - timedelta(days=rng.randrange(1, 6))).date().isoformat(),
                              "text": REVIEWS[stars].format(last=last), "author": rng.choice(AUTHORS), "first_seen": seen,
                              "response": RESPONSE if stars <= 2 and rng.random() < 0.3 else None})
    if index == 0 and source == SOURCES[0]:
        store.reviews.append({"id": len(store.reviews) + 1, "review_key": f"r{len(store.reviews) + 1}", "listing_id": listing_id, "rating": 1.0,
                              "date": (CRAWLS[-1] - timedelta(days=1)).date().isoformat(), "text": HOSTILE_REVIEW_TEXT,
                              "author": HOSTILE_AUTHOR, "first_seen": CRAWLS[-1], "response": None})


def build_input(n_physicians: int = 30, seed: int = 47) -> ReportInput:
    """The loaded data of a roster of ``n_physicians`` after four weekly crawls of four sites."""
    rng = random.Random(seed)
    store = _Store()
    for index in range(n_physicians):
        _physician(rng, store, index)
    roster = pd.DataFrame(store.physicians)
    listings = pd.DataFrame(store.listings)
    snapshots = pd.DataFrame(store.snapshots)
    reviews = pd.DataFrame(store.reviews)
    source, week, why = BROKEN_PARSER
    frames = Frames(
        physicians=roster.rename(columns={"id": "physician_id"})[["physician_id", "npi", "active", "department"]],
        locations=pd.DataFrame(store.locations), listings=listings, searches=pd.DataFrame(store.searches),
        snapshots=snapshots, reviews=reviews[(reviews["rating"] <= 2) & reviews["response"].isna()], undecided=set(),
        broken={(source, week): {"rating"}}, broken_reasons={(source, week): why}, latest_crawl=CRAWLS[-1])
    matched = listings[listings["match_status"] == "matched"]
    by_listing = reviews.merge(listings[["id", "physician_id", "source", "url", "first_seen", "match_status"]],
                               left_on="listing_id", right_on="id", suffixes=("", "_listing"))
    by_listing = by_listing[by_listing["match_status"] == "matched"]
    recent = by_listing.sort_values(["first_seen", "date", "id"], ascending=False).groupby("physician_id").head(20)
    new = by_listing[by_listing["first_seen"] > by_listing["first_seen_listing"]]
    return ReportInput(
        frames=frames, roster=roster, findings=_findings(frames),
        matched=matched.rename(columns={"id": "listing_id"})[["listing_id", "physician_id", "source"]],
        ratings=snapshots[snapshots["listing_id"].isin(set(matched["id"]))],
        searches_before=pd.DataFrame(store.searches_before),
        new_reviews={week: int((new["first_seen"] == CRAWLS[WEEKS.index(week)]).sum()) for week in WEEKS[-2:]},
        recent_reviews=recent.sort_values(["physician_id"], kind="stable")[
            ["physician_id", "source", "url", "date", "rating", "text", "author", "response"]],
        known_phones={normalize_phone("(800) 555-0199")}, title=TITLE, generated_at=GENERATED_AT)


def _findings(frames: Frames) -> pd.DataFrame:
    """The findings the real rules see in the data; some first seen weeks ago, some this week."""
    found, _ = current_findings(frames, set())
    rows = []
    for n, f in enumerate(found):
        first = pd.Timestamp(f["seen"]) - timedelta(weeks=n % 3)
        rows.append({"npi": f["npi"], "source": f["source"], "kind": f["kind"], "url": f["url"], "shown": f["shown"],
                     "expected": f["expected"], "first_seen": first, "last_seen": pd.Timestamp(f["seen"]),
                     "status": "open", "resolved_at": None})
    return pd.DataFrame(rows)


def build_sample(n_physicians: int = 30, seed: int = 47):
    """``(overview, physician pages)``: the page models the reports render, built from ``build_input``; the
    pages in roster order (the first is the first physician's)."""
    data = build_input(n_physicians, seed)
    covered = scope(data)
    pages = PhysicianPages(data, covered)
    overview = build_overview(data, findings_file="findings.xlsx", s=covered)
    return overview, [pages.page(npi) for npi in data.roster["npi"]]
