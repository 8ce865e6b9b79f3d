"""Findings: what a marketer should act on, computed from the stored data with pandas.

A finding is kept per physician x source x kind, with first and last seen dates (crawl times, not the
clock, so recomputing changes nothing). It is resolved when a later crawl shows it fixed.

What the data cannot judge is *held*: neither confirmed nor resolved. A ``missing_listing`` needs a
*successful* search: when the latest search of a source was blocked, failed or never ran, that physician
is unknown there. Likewise a listing that shows no phone, no address or no rating this week (or a source
whose parser looked broken that week, per ``reputation.coverage.source_health``) says nothing about
whether an outdated phone, address or rating drop was fixed.

Only the recent past is read (``history``, four weeks for the findings): a search or a rating older than
that says nothing about today, and a year of weekly snapshots stays in the database, not in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import pandas as pd
from sqlalchemy import and_, func, select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.coverage import source_health
from reputation.known_phones import known_phones
from reputation.models import Finding, Listing, Location, Match, Physician, Review, Search, Snapshot
from reputation.normalize import address_key, normalize_city, normalize_phone, normalize_zip
from reputation.records import iso_week

KINDS = ("missing_listing", "outdated_phone", "outdated_address", "duplicate_listing", "rating_drop", "negative_review")
RATING_DROP = 0.3  # stars lost over the window to count as a drop
RATING_WEEKS = 4  # the window of a rating drop: four weekly crawls, this week and the three before
RATING_WINDOW = timedelta(weeks=RATING_WEEKS - 1)
MIN_REVIEWS = 10  # fewer reviews than this and one or two new ratings swing the average by 0.3
NEGATIVE_AT_OR_BELOW = 2.0
NEW_REVIEW_WINDOW = timedelta(days=28)
ALL_SITES = "all"  # the source of a physician-level finding: the review-weighted average across sites
# The fields a parser may lose (reputation.coverage.source_health), and the findings built on each.
FIELD_KINDS = {"phone": ("outdated_phone",), "address": ("outdated_address",),
               "rating": ("rating_drop",), "review_count": ("rating_drop",), "all": KINDS}


@dataclass
class Frames:
    physicians: pd.DataFrame  # physician_id, npi, active, department
    locations: pd.DataFrame
    listings: pd.DataFrame  # matched or in-review, current (not gone) listings of active physicians, with npi
    searches: pd.DataFrame  # the latest search per npi x source within the history
    snapshots: pd.DataFrame  # of those listings, within the history
    reviews: pd.DataFrame  # unanswered reviews of NEGATIVE_AT_OR_BELOW stars or less on those listings
    undecided: set[tuple[str, str]]  # (source, url) of listings no match decision covers yet
    broken: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (source, week) -> fields lost
    broken_reasons: dict[tuple[str, str], str] = field(default_factory=dict)  # (source, week) -> why it looks broken


def _frame(conn, query) -> pd.DataFrame:
    """A query's rows as a DataFrame, built column by column (much faster than row by row)."""
    result = conn.execute(query)
    columns = list(result.keys())
    rows = result.all()
    return pd.DataFrame(dict(zip(columns, zip(*rows))) if rows else {c: [] for c in columns}, columns=columns)


def latest_crawl_time(engine: Engine) -> datetime | None:
    """The latest crawl stored: of a search, or of a listing (a listing's last sighting is its latest snapshot)."""
    with engine.connect() as conn:
        latest = [conn.execute(sa_select(func.max(column))).scalar() for column in (Search.crawled_at, Listing.last_seen)]
    latest = [t for t in latest if t is not None]
    return max(latest) if latest else None


def history_start(engine: Engine, history: timedelta) -> str | None:
    """The first ISO week of the history, counted back from the latest crawl stored."""
    latest = latest_crawl_time(engine)
    return iso_week(latest - history) if latest else None


def latest_searches_query(since_week: str | None, until_week: str | None = None):
    """The latest search per (npi, source) in a range of weeks, each a whole row, picked by the database
    (grouped on the (source, npi, week) index, so a year of weekly searches is never read row by row)."""
    s = Search.__table__
    latest = sa_select(s.c.source, s.c.npi, func.max(s.c.week).label("week")).group_by(s.c.source, s.c.npi)
    if since_week:
        latest = latest.where(s.c.week >= since_week)
    if until_week:
        latest = latest.where(s.c.week <= until_week)
    latest = latest.subquery()
    return sa_select(*s.c).join(latest, and_(s.c.source == latest.c.source, s.c.npi == latest.c.npi, s.c.week == latest.c.week))


def load_frames(engine: Engine, history: timedelta = RATING_WINDOW) -> Frames:
    since = history_start(engine, history)
    decided = sa_select(Match.listing_id).where(Match.status.in_(["matched", "review"]))
    with engine.connect() as conn:
        physicians = _frame(conn, sa_select(Physician.id.label("physician_id"), Physician.npi, Physician.active,
                                            Physician.department))
        physicians["active"] = physicians["active"].astype(bool)
        locations = _frame(conn, sa_select(*Location.__table__.c))
        listings = _frame(conn, sa_select(*Listing.__table__.c, Match.physician_id, Match.status.label("match_status"))
                          .join(Match, Match.listing_id == Listing.id)
                          .where(Match.status.in_(["matched", "review"]), Listing.gone_since.is_(None)))
        searches = _frame(conn, latest_searches_query(since))
        snap_query = sa_select(Snapshot.listing_id, Snapshot.week, Snapshot.rating, Snapshot.review_count).where(
            Snapshot.listing_id.in_(decided))
        if since:
            snap_query = snap_query.where(Snapshot.week >= since)
        snapshots = _frame(conn, snap_query)
        reviews = _frame(conn, sa_select(*Review.__table__.c).where(
            Review.listing_id.in_(decided), Review.rating <= NEGATIVE_AT_OR_BELOW, Review.response.is_(None)))
        undecided = set(conn.execute(
            sa_select(Listing.source, Listing.url).join(Match, Match.listing_id == Listing.id, isouter=True)
            .where(Match.id.is_(None))).all())
    listings = listings.merge(physicians[["physician_id", "npi", "active"]], on="physician_id", suffixes=("_shown", ""))
    listings = listings[listings["active"]].reset_index(drop=True)
    return Frames(physicians, locations, listings, searches, snapshots, reviews, undecided, *parser_breaks(engine))


def parser_breaks(engine: Engine) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], str]]:
    """Per (source, ISO week) the parser looked broken: the fields it lost ("all": it yielded nothing), and why."""
    health = source_health(engine)
    if health.empty:
        return {}, {}
    broken = health[health["broken"].astype(bool)]
    return ({(r.source, r.week): set(r.broken_fields or ["all"]) for r in broken.itertuples()},
            {(r.source, r.week): str(r.reason or "") for r in broken.itertuples()})


def current_findings(frames: Frames, ignore: set[str]) -> tuple[list[dict], set[tuple]]:
    """Every finding the stored data shows now, and the keys it cannot judge this time.

    ``ignore``: known call-center numbers, never an outdated phone. A held key (npi, source, kind) is
    neither confirmed nor resolved: the evidence for it is uncertain (a blocked search, a match waiting
    for review, a value the listing does not show, a parser that looked broken, a physician no longer on
    the roster).
    """
    found: list[dict] = []
    held: set[tuple] = set()
    found += _missing_listings(frames, held)
    matched = frames.listings[frames.listings["match_status"] == "matched"]
    found += _outdated_contacts(matched, frames.locations, ignore, frames.broken, held)
    found += _duplicates(matched)
    found += _rating_drops(matched, frames.snapshots, frames.broken, held)
    found += _negative_reviews(matched, frames.reviews)
    in_review = frames.listings[frames.listings["match_status"] == "review"]
    for npi, source in set(zip(in_review["npi"], in_review["source"])):
        held.update((npi, source, kind) for kind in KINDS)
    return found, held


def _broken_kinds(broken: dict, source: str, week: str) -> set[str]:
    return {kind for name in broken.get((source, week), ()) for kind in FIELD_KINDS.get(name, ())}


def _missing_listings(frames: Frames, held: set[tuple]) -> list[dict]:
    if frames.searches.empty:
        return []
    active = set(frames.physicians.loc[frames.physicians["active"], "npi"])
    listed = set(zip(frames.listings["npi"], frames.listings["source"]))
    out = []
    for search in frames.searches.itertuples():
        key = (search.npi, search.source, "missing_listing")
        if (search.status != "ok" or "missing_listing" in _broken_kinds(frames.broken, search.source, search.week)
                or any((search.source, url) in frames.undecided for url in search.results or [])):
            held.add(key)  # not searched, parser broken, or its results not matched yet: unknown, not missing
            continue
        if search.npi not in active or (search.npi, search.source) in listed:
            continue
        shown = f"no listing found (searched for {search.query})" if search.query else "no listing found"
        if search.results:
            shown += f"; {len(search.results)} result(s), none of them this physician"
        out.append(_finding(search.npi, search.source, "missing_listing", None, shown, "a listing of this physician", search.crawled_at))
    return out


@lru_cache(maxsize=200_000)
def _address_parts(street: str | None, zip: str | None, city: str | None) -> tuple:
    return (address_key(street, None, None, None) if street else None, normalize_zip(zip), normalize_city(city))


def roster_contacts(locations: pd.DataFrame) -> dict[int, dict]:
    contacts: dict[int, dict] = {}
    for loc in locations.itertuples():
        entry = contacts.setdefault(loc.physician_id, {"phones": set(), "addresses": [], "phone_text": [], "address_text": []})
        phone = normalize_phone(loc.phone)
        if phone and phone not in entry["phones"]:
            entry["phones"].add(phone)
            entry["phone_text"].append(format_phone(phone))
        entry["addresses"].append(_address_parts(loc.street, loc.zip, loc.city))
        text = format_address({"street": loc.street, "city": loc.city, "state": loc.state, "zip": loc.zip})
        if text not in entry["address_text"]:
            entry["address_text"].append(text)
    return contacts


def address_known(address: dict, roster: list[tuple]) -> bool:
    """Whether a listed address is one of the roster locations: the same street (after USPS
    normalization) in the same ZIP or city; with no street shown or on the roster, the same ZIP (or city)."""
    street, zip5, city = _address_parts(address.get("street") or None, address.get("zip"), address.get("city"))
    for r_street, r_zip, r_city in roster:
        if street and r_street:
            if street == r_street and (zip5 == r_zip or city == r_city):
                return True
        elif (zip5 and zip5 == r_zip) or (not zip5 and city and city == r_city):
            return True
    return False


def _outdated_contacts(listings: pd.DataFrame, locations: pd.DataFrame, ignore: set[str], broken: dict, held: set[tuple]) -> list[dict]:
    contacts = roster_contacts(locations)
    phones: dict[tuple, dict] = {}
    addresses: dict[tuple, dict] = {}
    for listing in listings.sort_values("url")[["physician_id", "npi", "source", "url", "phones", "addresses", "last_seen"]].itertuples(index=False):
        roster = contacts.get(listing.physician_id)
        if roster is None:
            continue
        key = (listing.npi, listing.source)
        unreadable = _broken_kinds(broken, listing.source, iso_week(listing.last_seen))
        shown_phones = [p for p in (normalize_phone(x) for x in listing.phones or []) if p]
        if not shown_phones or "outdated_phone" in unreadable:
            held.add((*key, "outdated_phone"))  # no phone read: says nothing either way
        else:
            wrong = [format_phone(p) for p in shown_phones if p not in roster["phones"] and p not in ignore]
            if wrong and key not in phones:
                phones[key] = _finding(listing.npi, listing.source, "outdated_phone", listing.url, ", ".join(wrong),
                                       ", ".join(roster["phone_text"]) or "(no phone on the roster)", listing.last_seen)
        if not listing.addresses or "outdated_address" in unreadable:
            held.add((*key, "outdated_address"))
        else:
            wrong = [format_address(a) for a in listing.addresses if not address_known(a, roster["addresses"])]
            if wrong and key not in addresses:
                addresses[key] = _finding(listing.npi, listing.source, "outdated_address", listing.url,
                                          "; ".join(wrong), "; ".join(roster["address_text"]), listing.last_seen)
    return [*phones.values(), *addresses.values()]


def _duplicates(listings: pd.DataFrame) -> list[dict]:
    sizes = listings.groupby(["npi", "source"])["url"].transform("size")
    out = []
    for (npi, source), group in listings[sizes > 1].groupby(["npi", "source"]):
        urls = sorted(group["url"])
        out.append(_finding(npi, source, "duplicate_listing", urls[0], f"{len(urls)} listings: " + " ".join(urls),
                            "one listing", group["last_seen"].max()))
    return out


def week_number(week: str) -> int:
    """Weeks since a fixed Monday, so ISO weeks subtract across years ("2027-W01" - "2026-W53" = 1)."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1).toordinal() // 7


def rating_windows(listings: pd.DataFrame, snapshots: pd.DataFrame, broken: dict | None = None) -> pd.DataFrame:
    """Per listing: its latest snapshot and the first rated one within the RATING_WINDOW weeks before it.

    Columns: listing_id, npi, source, url, last_seen, physician_id, week, rating, review_count (latest),
    start_week, start_rating, start_count, readable (the latest crawl read a rating and a review count
    from a parser that did not look broken).
    """
    columns = ["listing_id", "npi", "source", "url", "last_seen", "physician_id", "week", "rating",
               "review_count", "start_week", "start_rating", "start_count", "readable"]
    if snapshots.empty or listings.empty:
        return pd.DataFrame(columns=columns)
    joined = snapshots.merge(listings[["id", "npi", "source", "url", "last_seen", "physician_id"]],
                             left_on="listing_id", right_on="id")
    if joined.empty:
        return pd.DataFrame(columns=columns)
    numbers = {w: week_number(w) for w in joined["week"].unique()}
    joined = joined.assign(n=joined["week"].map(numbers)).sort_values(["listing_id", "n"])
    latest = joined.groupby("listing_id").tail(1).set_index("listing_id")
    joined = joined[joined["listing_id"].map(latest["n"]) - joined["n"] < RATING_WEEKS]
    start = joined.dropna(subset=["rating"]).groupby("listing_id").head(1).set_index("listing_id")
    out = latest.join(start[["week", "n", "rating", "review_count"]].rename(columns=lambda c: f"start_{c}"))
    out = out.rename(columns={"start_review_count": "start_count"}).reset_index()
    out["readable"] = out["rating"].notna() & out["review_count"].notna()
    if broken:
        unreadable = [("rating_drop" in _broken_kinds(broken, s, w)) for s, w in zip(out["source"], out["week"])]
        out["readable"] &= ~pd.Series(unreadable, index=out.index, dtype=bool)
    # Only a window of two crawls or more compares anything.
    out.loc[out["start_n"] >= out["n"], ["start_week", "start_rating", "start_count"]] = None
    return out[columns]


def _rating_drops(listings: pd.DataFrame, snapshots: pd.DataFrame, broken: dict, held: set[tuple]) -> list[dict]:
    windows = rating_windows(listings, snapshots, broken)
    if windows.empty:
        return []
    unreadable = windows[~windows["readable"]]
    # The latest crawl read no rating: a broken parser or a changed page, never a drop or a recovery.
    held.update((npi, source, "rating_drop") for npi, source in zip(unreadable["npi"], unreadable["source"]))
    held.update((npi, ALL_SITES, "rating_drop") for npi in unreadable["npi"])
    usable = windows[windows["readable"] & windows["start_rating"].notna()].copy()
    usable["change"] = (usable["rating"].astype(float) - usable["start_rating"].astype(float)).round(6)
    drops = usable[(usable["change"] <= -RATING_DROP) & (usable["review_count"] >= MIN_REVIEWS)]
    drops = drops.sort_values("change").drop_duplicates(["npi", "source"])
    out = [_finding(d.npi, d.source, "rating_drop", d.url,
                    f"{d.rating:.1f} stars ({int(d.review_count)} reviews) in {d.week}",
                    f"{d.start_rating:.1f} stars in {d.start_week}", d.last_seen) for d in drops.itertuples()]
    out += _average_drops(usable[~usable["npi"].isin(set(drops["npi"]))])
    return out


def _average_drops(usable: pd.DataFrame) -> list[dict]:
    """A physician's review-weighted average across sites fell by RATING_DROP though no listing did.

    Compared over the same listings at both ends (each rated at the start and now), so a site blocked for
    a week or a new listing does not move the average by itself.
    """
    usable = usable[usable["start_count"].notna() & (usable["start_count"] > 0) & (usable["review_count"] > 0)]
    if usable.empty:
        return []
    usable = usable.assign(now_sum=usable["rating"] * usable["review_count"],
                           start_sum=usable["start_rating"] * usable["start_count"])
    per = usable.groupby("npi").agg(sites=("listing_id", "size"), now_sum=("now_sum", "sum"), now_n=("review_count", "sum"),
                                    start_sum=("start_sum", "sum"), start_n=("start_count", "sum"),
                                    week=("week", "max"), start_week=("start_week", "min"), seen=("last_seen", "max"))
    per["now"], per["start"] = per["now_sum"] / per["now_n"], per["start_sum"] / per["start_n"]
    per = per[(per["sites"] >= 2) & (per["now_n"] >= MIN_REVIEWS) & ((per["now"] - per["start"]).round(6) <= -RATING_DROP)]
    return [_finding(npi, ALL_SITES, "rating_drop", None,
                     f"{p.now:.2f} stars on average across {p.sites} sites ({int(p.now_n)} reviews) in {p.week}",
                     f"{p.start:.2f} stars in {p.start_week}", p.seen) for npi, p in per.iterrows()]


def new_negative_reviews(listings: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """Reviews of NEGATIVE_AT_OR_BELOW stars still without a response, that arrived after the listing's
    first crawl (what was there on the first crawl is history, not news, unless it is dated recently)."""
    if reviews.empty or listings.empty:
        return reviews.iloc[0:0]
    joined = reviews.merge(
        listings[["id", "npi", "source", "url", "first_seen", "last_seen"]],
        left_on="listing_id", right_on="id", suffixes=("", "_listing"),
    )
    if joined.empty:
        return joined
    dated = pd.to_datetime(joined["date"], errors="coerce", format="ISO8601", utc=True)
    recent = dated >= pd.to_datetime(joined["first_seen"], utc=True) - NEW_REVIEW_WINDOW
    new = joined[
        (joined["rating"] <= NEGATIVE_AT_OR_BELOW)
        & joined["response"].isna()
        & ((joined["first_seen"] > joined["first_seen_listing"]) | recent)
    ]
    return new.sort_values(["first_seen", "date"], ascending=False)


def _negative_reviews(listings: pd.DataFrame, reviews: pd.DataFrame) -> list[dict]:
    new = new_negative_reviews(listings, reviews)
    if new.empty:
        return []
    counts = new.groupby(["npi", "source"]).size().to_dict()
    seen = new.groupby(["npi", "source"])["last_seen"].max().to_dict()
    out = []
    for top in new.drop_duplicates(["npi", "source"]).itertuples():  # newest first: the one to quote
        key = (top.npi, top.source)
        shown = f"{top.rating:.0f}-star review of {top.date or 'unknown date'}: {(top.text or '').strip()[:280]}"
        if counts[key] > 1:
            shown = f"{counts[key]} new negative reviews; latest: " + shown
        out.append(_finding(top.npi, top.source, "negative_review", top.url, shown,
                            "a response that does not confirm the reviewer is a patient", seen[key]))
    return out


def _finding(npi, source, kind, url, shown, expected, seen) -> dict:
    return {"npi": npi, "source": source, "kind": kind, "url": url, "shown": shown, "expected": expected,
            "seen": pd.Timestamp(seen).to_pydatetime()}


def format_phone(e164: str | None) -> str:
    digits = (e164 or "")[-10:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else (e164 or "")


def format_address(address: dict) -> str:
    tail = " ".join(x for x in (address.get("state"), address.get("zip")) if x)
    return ", ".join(x for x in (address.get("street"), address.get("city"), tail) if x)


@dataclass
class FindingsSummary:
    opened: int = 0
    still_open: int = 0
    resolved: int = 0
    open_by_kind: dict[str, int] = field(default_factory=dict)


def refresh_findings(engine: Engine) -> FindingsSummary:
    """Bring the kept findings in line with the data: open new ones, update, resolve fixed ones."""
    frames = load_frames(engine)
    found, held = current_findings(frames, known_phones(engine))
    current = {(f["npi"], f["source"], f["kind"]): f for f in found}
    inactive = set(frames.physicians.loc[~frames.physicians["active"], "npi"])
    summary = FindingsSummary()
    with Session(engine) as session:
        kept = {(f.npi, f.source, f.kind): f for f in session.exec(select(Finding)).all()}
        _withdraw_unsupported(session, kept, latest_crawl_time(engine))
        for key, new in current.items():
            finding = kept.get(key)
            if finding is None:
                session.add(Finding(npi=new["npi"], source=new["source"], kind=new["kind"], url=new["url"],
                                    shown=new["shown"], expected=new["expected"],
                                    first_seen=new["seen"], last_seen=new["seen"]))
                summary.opened += 1
                continue
            if finding.status == "resolved" and new["seen"] >= (finding.resolved_at or finding.last_seen):
                finding.status, finding.resolved_at, finding.first_seen = "open", None, new["seen"]
                summary.opened += 1
            elif finding.status == "open":
                summary.still_open += 1
            else:
                continue  # resolved by a newer crawl than the data that shows it
            finding.url, finding.shown, finding.expected = new["url"], new["shown"], new["expected"]
            finding.last_seen = max(finding.last_seen, new["seen"])
            session.add(finding)
        latest = _latest_crawl(frames)
        for key, finding in kept.items():
            if finding.status != "open" or key in current:
                continue
            if key in held or key[0] in inactive:
                continue  # nothing says it was fixed: the evidence is uncertain, or the physician left the roster
            finding.status, finding.resolved_at = "resolved", latest.get(key[:2], latest.get(key[0], finding.last_seen))
            session.add(finding)
            summary.resolved += 1
        session.commit()
        for kind, count in session.exec(select(Finding.kind, func.count()).where(Finding.status == "open").group_by(Finding.kind)):
            summary.open_by_kind[kind] = count
    return summary


def _withdraw_unsupported(session: Session, kept: dict, latest: datetime | None) -> None:
    """Findings are dated by the crawls that showed them. What is dated after the latest crawl stored came
    from a crawl or import that was undone (``repmon runs undo``): a finding it opened is dropped, a
    resolution it brought is withdrawn, and its sighting no longer counts; the data decides again."""
    for key, finding in list(kept.items()):
        if latest is None or finding.first_seen > latest:
            session.delete(finding)
            del kept[key]
            continue
        if finding.status == "resolved" and finding.resolved_at is not None and finding.resolved_at > latest:
            finding.status, finding.resolved_at = "open", None
            session.add(finding)
        if finding.last_seen > latest:
            finding.last_seen = finding.first_seen
            session.add(finding)


def _latest_crawl(frames: Frames) -> dict:
    """When each (npi, source), and each npi across sources, was last crawled: when a fix was seen."""
    seen = pd.concat([frames.searches[["npi", "source", "crawled_at"]],
                      frames.listings[["npi", "source", "last_seen"]].rename(columns={"last_seen": "crawled_at"})])
    if seen.empty:
        return {}
    seen["crawled_at"] = pd.to_datetime(seen["crawled_at"])
    latest: dict = {(n, s): t.to_pydatetime() for (n, s), t in seen.groupby(["npi", "source"])["crawled_at"].max().items()}
    latest.update({n: t.to_pydatetime() for n, t in seen.groupby("npi")["crawled_at"].max().items()})
    return latest


def open_findings(engine: Engine) -> list[dict]:
    """The open findings, for ``repmon flags`` and exports: one dict per finding, with the physician's
    name and department so the list can be handed on as it is."""
    with Session(engine) as session:
        # A physician who left the roster keeps their findings in history, off the to-do list.
        rows = session.exec(
            select(Finding, Physician.first_name, Physician.last_name, Physician.department)
            .join(Physician, Physician.npi == Finding.npi)
            .where(Finding.status == "open", Physician.active == True)  # noqa: E712
            .order_by(Finding.kind, Finding.npi, Finding.source)
        ).all()
        return [
            {"npi": f.npi, "name": f"{first} {last}", "department": department or "", "source": f.source,
             "kind": f.kind, "url": f.url, "shown": f.shown, "expected": f.expected,
             "first_seen": f.first_seen.date().isoformat(), "last_seen": f.last_seen.date().isoformat(),
             "status": f.status}
            for f, first, last, department in rows
        ]
