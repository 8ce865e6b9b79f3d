"""Findings: what a marketer should act on, computed from the stored data with pandas.

A finding is kept per physician x source x kind, with first and last seen dates (crawl times, not the
clock, so recomputing changes nothing). It is resolved when a later crawl shows it fixed. A
``missing_listing`` needs a *successful* search: when the latest search of a source was blocked or failed,
that physician is unknown there, and an open missing-listing finding is neither confirmed nor resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.known_phones import known_phones
from reputation.models import Finding, Listing, Location, Match, Physician, Review, Search, Snapshot
from reputation.normalize import address_key, normalize_city, normalize_phone, normalize_zip

KINDS = ("missing_listing", "outdated_phone", "outdated_address", "duplicate_listing", "rating_drop", "negative_review")
RATING_DROP = 0.3  # stars lost over the window to count as a drop
RATING_WINDOW = timedelta(days=27)  # four weekly crawls: this week and the three before
MIN_REVIEWS = 5  # fewer reviews than this and a rating move means little
NEGATIVE_AT_OR_BELOW = 2.0
NEW_REVIEW_WINDOW = timedelta(days=28)


@dataclass
class Frames:
    physicians: pd.DataFrame
    locations: pd.DataFrame
    listings: pd.DataFrame  # matched, current (not gone) listings with their physician's npi
    searches: pd.DataFrame  # the latest search per npi x source
    snapshots: pd.DataFrame
    reviews: pd.DataFrame
    undecided: set[tuple[str, str]]  # (source, url) of listings no match decision covers yet


def load_frames(engine: Engine) -> Frames:
    with Session(engine) as session:
        physicians = pd.DataFrame(
            [{"physician_id": p.id, "npi": p.npi, "active": p.active} for p in session.exec(select(Physician))],
            columns=["physician_id", "npi", "active"],
        )
        locations = pd.DataFrame(
            [l.model_dump() for l in session.exec(select(Location))],
            columns=list(Location.model_fields),
        )
        rows = session.exec(
            select(Listing, Match.physician_id, Match.status)
            .join(Match, Match.listing_id == Listing.id)
            .where(Match.status.in_(["matched", "review"]), Listing.gone_since == None)  # noqa: E711
        ).all()
        listings = pd.DataFrame(
            [{**l.model_dump(), "physician_id": pid, "match_status": st} for l, pid, st in rows],
            columns=[*Listing.model_fields, "physician_id", "match_status"],
        )
        searches = pd.DataFrame(
            [s.model_dump() for s in session.exec(select(Search))], columns=list(Search.model_fields)
        )
        undecided = set(session.exec(
            select(Listing.source, Listing.url).join(Match, Match.listing_id == Listing.id, isouter=True)
            .where(Match.id == None)  # noqa: E711
        ).all())
        ids = [int(i) for i in listings["id"]] if len(listings) else []
        snapshots = pd.DataFrame(
            [s.model_dump() for s in session.exec(select(Snapshot).where(Snapshot.listing_id.in_(ids)))],
            columns=list(Snapshot.model_fields),
        )
        reviews = pd.DataFrame(
            [r.model_dump() for r in session.exec(select(Review).where(Review.listing_id.in_(ids)))],
            columns=list(Review.model_fields),
        )
    listings = listings.merge(physicians[["physician_id", "npi", "active"]], on="physician_id", suffixes=("_shown", ""))
    listings = listings[listings["active"]]
    searches = latest_searches(searches)
    return Frames(physicians, locations, listings, searches, snapshots, reviews, undecided)


def latest_searches(searches: pd.DataFrame) -> pd.DataFrame:
    """The latest search per (npi, source), each a whole row (never fields mixed from several)."""
    return searches.sort_values("crawled_at").drop_duplicates(["npi", "source"], keep="last")


def current_findings(frames: Frames, ignore: set[str]) -> tuple[list[dict], set[tuple]]:
    """Every finding the stored data shows now, and the keys it cannot judge this time.

    ``ignore``: known call-center numbers, never an outdated phone. A held key (npi, source, kind) is
    neither confirmed nor resolved: the evidence for it is uncertain (a blocked search, a match waiting
    for review, a rating the parser did not read, a physician no longer on the roster).
    """
    found: list[dict] = []
    held: set[tuple] = set()
    found += _missing_listings(frames, held)
    matched = frames.listings[frames.listings["match_status"] == "matched"]
    found += _outdated_contacts(matched, frames.locations, ignore)
    found += _duplicates(matched)
    found += _rating_drops(matched, frames.snapshots, held)
    found += _negative_reviews(matched, frames.reviews)
    in_review = frames.listings[frames.listings["match_status"] == "review"]
    for npi, source in set(zip(in_review["npi"], in_review["source"])):
        held.update((npi, source, kind) for kind in KINDS)
    return found, held


def _missing_listings(frames: Frames, held: set[tuple]) -> list[dict]:
    if frames.searches.empty:
        return []
    active = set(frames.physicians.loc[frames.physicians["active"], "npi"])
    listed = set(zip(frames.listings["npi"], frames.listings["source"]))
    out = []
    for search in frames.searches.itertuples():
        key = (search.npi, search.source, "missing_listing")
        if search.status != "ok" or any((search.source, url) in frames.undecided for url in search.results or []):
            held.add(key)  # not searched, or its results not matched yet: unknown, not missing
            continue
        if search.npi not in active or (search.npi, search.source) in listed:
            continue
        shown = f"no listing found (searched for {search.query})" if search.query else "no listing found"
        if search.results:
            shown += f"; {len(search.results)} result(s), none of them this physician"
        out.append(_finding(search.npi, search.source, "missing_listing", None, shown, "a listing of this physician", search.crawled_at))
    return out


def roster_contacts(locations: pd.DataFrame) -> dict[int, dict]:
    contacts: dict[int, dict] = {}
    for loc in locations.itertuples():
        entry = contacts.setdefault(loc.physician_id, {"phones": set(), "addresses": [], "phone_text": [], "address_text": []})
        phone = normalize_phone(loc.phone)
        if phone and phone not in entry["phones"]:
            entry["phones"].add(phone)
            entry["phone_text"].append(format_phone(phone))
        entry["addresses"].append((address_key(loc.street, None, None, None), normalize_zip(loc.zip), normalize_city(loc.city)))
        text = format_address({"street": loc.street, "city": loc.city, "state": loc.state, "zip": loc.zip})
        if text not in entry["address_text"]:
            entry["address_text"].append(text)
    return contacts


def address_known(address: dict, roster: list[tuple]) -> bool:
    street = address_key(address.get("street"), None, None, None) if address.get("street") else None
    zip5 = normalize_zip(address.get("zip"))
    city = normalize_city(address.get("city"))
    for r_street, r_zip, r_city in roster:
        if street:
            if street == r_street and (zip5 == r_zip or city == r_city):
                return True
        elif (zip5 and zip5 == r_zip) or (not zip5 and city and city == r_city):
            return True
    return False


def _outdated_contacts(listings: pd.DataFrame, locations: pd.DataFrame, ignore: set[str]) -> list[dict]:
    contacts = roster_contacts(locations)
    phones: dict[tuple, dict] = {}
    addresses: dict[tuple, dict] = {}
    for listing in listings.sort_values("url").itertuples():
        roster = contacts.get(listing.physician_id)
        if roster is None:
            continue
        key = (listing.npi, listing.source)
        wrong_phones = []
        for shown in listing.phones or []:
            phone = normalize_phone(shown)
            if phone and phone not in roster["phones"] and phone not in ignore:
                wrong_phones.append(format_phone(phone))
        if wrong_phones and key not in phones:
            phones[key] = _finding(listing.npi, listing.source, "outdated_phone", listing.url,
                                   ", ".join(wrong_phones), ", ".join(roster["phone_text"]) or "(no phone on the roster)", listing.last_seen)
        wrong_addresses = [format_address(a) for a in listing.addresses or [] if not address_known(a, roster["addresses"])]
        if wrong_addresses and key not in addresses:
            addresses[key] = _finding(listing.npi, listing.source, "outdated_address", listing.url,
                                      "; ".join(wrong_addresses), "; ".join(roster["address_text"]), listing.last_seen)
    return [*phones.values(), *addresses.values()]


def _duplicates(listings: pd.DataFrame) -> list[dict]:
    out = []
    for (npi, source), group in listings.groupby(["npi", "source"]):
        if len(group) > 1:
            urls = sorted(group["url"])
            out.append(_finding(npi, source, "duplicate_listing", urls[0], f"{len(urls)} listings: " + " ".join(urls),
                                "one listing", group["last_seen"].max()))
    return out


def _rating_drops(listings: pd.DataFrame, snapshots: pd.DataFrame, held: set[tuple]) -> list[dict]:
    if snapshots.empty or listings.empty:
        return []
    joined = snapshots.merge(listings[["id", "npi", "source", "url", "last_seen"]], left_on="listing_id", right_on="id")
    drops: dict[tuple, dict] = {}
    for _, group in joined.groupby("listing_id"):
        group = group.sort_values("crawled_at")
        latest = group.iloc[-1]
        key = (latest["npi"], latest["source"])
        if pd.isna(latest["rating"]) or pd.isna(latest["review_count"]):
            # The latest crawl read no rating: a broken parser or a changed page, never a drop or a recovery.
            held.add((*key, "rating_drop"))
            continue
        window = group[(group["crawled_at"] >= latest["crawled_at"] - RATING_WINDOW)].dropna(subset=["rating"])
        if len(window) < 2 or latest["review_count"] < MIN_REVIEWS:
            continue
        start = window.iloc[0]
        change = float(latest["rating"]) - float(start["rating"])
        if change <= -RATING_DROP and (key not in drops or change < drops[key]["change"]):
            drops[key] = {
                **_finding(latest["npi"], latest["source"], "rating_drop", latest["url"],
                           f"{latest['rating']:.1f} stars ({int(latest['review_count'])} reviews) in {latest['week']}",
                           f"{start['rating']:.1f} stars in {start['week']}", latest["last_seen"]),
                "change": round(change, 2),
            }
    return [{k: v for k, v in d.items() if k != "change"} for d in drops.values()]


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
    new = joined[
        (joined["rating"] <= NEGATIVE_AT_OR_BELOW)
        & joined["response"].isna()
        & ((joined["first_seen"] > joined["first_seen_listing"]) | joined.apply(_dated_recently, axis=1))
    ]
    return new.sort_values(["first_seen", "date"], ascending=False)


def _negative_reviews(listings: pd.DataFrame, reviews: pd.DataFrame) -> list[dict]:
    new = new_negative_reviews(listings, reviews)
    if new.empty:
        return []
    out = []
    for (npi, source), group in new.groupby(["npi", "source"]):
        top = group.iloc[0]
        text = (top["text"] or "").strip()
        shown = f"{top['rating']:.0f}-star review of {top['date'] or 'unknown date'}: {text[:280]}"
        if len(group) > 1:
            shown = f"{len(group)} new negative reviews; latest: " + shown
        out.append(_finding(npi, source, "negative_review", top["url"], shown,
                            "a response that does not confirm the reviewer is a patient", group["last_seen"].max()))
    return out


def _dated_recently(row) -> bool:
    try:
        date = pd.Timestamp(row["date"], tz="UTC")
    except (ValueError, TypeError):
        return False
    return bool(pd.notna(date) and date >= row["first_seen"] - NEW_REVIEW_WINDOW)


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
    inactive = set(frames.physicians.loc[~frames.physicians["active"].astype(bool), "npi"])
    summary = FindingsSummary()
    with Session(engine) as session:
        kept = {(f.npi, f.source, f.kind): f for f in session.exec(select(Finding)).all()}
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
            finding.status, finding.resolved_at = "resolved", latest.get(key[:2], finding.last_seen)
            session.add(finding)
            summary.resolved += 1
        session.commit()
        for finding in session.exec(select(Finding).where(Finding.status == "open")).all():
            summary.open_by_kind[finding.kind] = summary.open_by_kind.get(finding.kind, 0) + 1
    return summary


def _latest_crawl(frames: Frames) -> dict[tuple, datetime]:
    latest: dict[tuple, datetime] = {}
    for s in frames.searches.itertuples():
        latest[(s.npi, s.source)] = pd.Timestamp(s.crawled_at).to_pydatetime()
    for l in frames.listings.itertuples():
        seen = pd.Timestamp(l.last_seen).to_pydatetime()
        if seen > latest.get((l.npi, l.source), seen - timedelta(seconds=1)):
            latest[(l.npi, l.source)] = seen
    return latest


def open_findings(engine: Engine) -> list[dict]:
    """The open findings, for ``repmon flags`` and exports: one dict per finding."""
    with Session(engine) as session:
        # A physician who left the roster keeps their findings in history, off the to-do list.
        rows = session.exec(
            select(Finding).join(Physician, Physician.npi == Finding.npi)
            .where(Finding.status == "open", Physician.active == True)  # noqa: E712
            .order_by(Finding.kind, Finding.npi, Finding.source)
        ).all()
        return [
            {"npi": f.npi, "source": f.source, "kind": f.kind, "url": f.url, "shown": f.shown,
             "expected": f.expected, "first_seen": f.first_seen.date().isoformat(),
             "last_seen": f.last_seen.date().isoformat(), "status": f.status}
            for f in rows
        ]
