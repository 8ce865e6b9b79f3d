"""Linking listings to roster physicians.

An NPI shown on the listing decides. Otherwise physicians sharing the listing's last name are scored on
first name, phone, address and specialty; every decision stores its evidence (which fields agreed and how
much each weighed) so a person can see why. A decision recorded by a person (``method == "person"``) is
never overwritten by a re-match.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rapidfuzz import fuzz
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.models import Listing, Location, Match, Physician
from reputation.normalize import (
    address_key,
    normalize_city,
    name_key,
    nickname_variants,
    normalize_phone,
    normalize_state,
    normalize_zip,
    parse_person_name,
)

MATCHED = 0.8  # at or above: matched automatically
REVIEW = 0.6  # at or above (and below MATCHED): a person should look
AMBIGUOUS_MARGIN = 0.1  # two physicians this close: never decide automatically


@dataclass
class Candidate:
    """A roster physician in the comparable form the scorer uses."""

    physician_id: int
    npi: str
    last_keys: set[str]
    first: str
    nicknames: set[str]  # the first name's nickname forms, both ways (Robert ~ Bob)
    phones: set[str]
    streets: set[tuple[str, str]]  # (street key, zip5)
    zips: set[str]
    cities: set[tuple[str, str]]  # (city key, state)
    states: set[str]
    specialty: str


@dataclass
class MatchSummary:
    matched: int = 0
    review: int = 0
    unmatched: int = 0
    by_person: int = 0
    changed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def _candidate(physician: Physician, locations: list[Location]) -> Candidate:
    last_keys = {name_key(physician.last_name)}
    for other in physician.other_names or []:
        parsed = parse_person_name(other) if isinstance(other, str) else {"last": other.get("last_name")}
        if parsed.get("last"):
            last_keys.add(name_key(parsed["last"]))
    first = name_key(physician.first_name)
    return Candidate(
        physician_id=physician.id,
        npi=physician.npi,
        last_keys={k for k in last_keys if k},
        first=first,
        nicknames={name_key(n) for n in nickname_variants(physician.first_name)} - {first},
        phones={p for p in (normalize_phone(l.phone) for l in locations) if p},
        streets={
            (address_key(l.street, None, None, None), normalize_zip(l.zip) or "")
            for l in locations if l.street
        },
        zips={z for z in (normalize_zip(l.zip) for l in locations) if z},
        cities={(normalize_city(l.city), normalize_state(l.state) or "") for l in locations if l.city},
        states={s for s in (normalize_state(l.state) for l in locations) if s},
        specialty=(physician.specialty or ""),
    )


def _blocking_keys(last: str) -> set[str]:
    key = name_key(last)
    parts = {p for p in key.replace("-", " ").split() if len(p) > 1}
    return {key, key.replace(" ", "").replace("-", "")} | parts


def score(listing: Listing, candidate: Candidate) -> tuple[float, dict]:
    """How strongly the listing's fields agree with the physician's, with the evidence."""
    parsed = parse_person_name(listing.name)
    evidence: dict[str, dict] = {}
    total = 0.0

    def note(field: str, weight: float, why: str) -> None:
        nonlocal total
        total += weight
        evidence[field] = {"weight": round(weight, 2), "why": why}

    last = name_key(parsed.get("last") or "")
    if last in candidate.last_keys:
        note("last_name", 0.30, f"same last name ({last})")
    else:
        note("last_name", 0.20, f"last name part agrees ({last})")

    first = name_key(parsed.get("first") or "")
    if not first:
        note("first_name", 0.0, "listing shows no first name")
    elif first == candidate.first:
        note("first_name", 0.25, f"same first name ({first})")
    elif first in candidate.nicknames:
        note("first_name", 0.20, f"nickname of {candidate.first} ({first})")
    elif len(first) == 1 and first == candidate.first[:1]:
        note("first_name", 0.10, f"initial agrees ({first})")
    else:
        note("first_name", -0.30, f"first name differs ({first})")

    phones = {p for p in (normalize_phone(x) for x in listing.phones or []) if p}
    if phones & candidate.phones:
        note("phone", 0.30, f"phone agrees ({sorted(phones & candidate.phones)[0]})")
    elif phones:
        note("phone", 0.0, "phone differs")

    addresses = listing.addresses or []
    if addresses:
        streets = {(address_key(a.get("street"), None, None, None), normalize_zip(a.get("zip")) or "") for a in addresses if a.get("street")}
        zips = {z for z in (normalize_zip(a.get("zip")) for a in addresses) if z}
        cities = {(normalize_city(a.get("city")), normalize_state(a.get("state")) or "") for a in addresses if a.get("city")}
        states = {s for s in (normalize_state(a.get("state")) for a in addresses) if s}
        if streets & candidate.streets:
            note("address", 0.25, "street address agrees")
        elif zips & candidate.zips:
            note("address", 0.15, f"ZIP agrees ({sorted(zips & candidate.zips)[0]})")
        elif cities & candidate.cities:
            note("address", 0.10, "city agrees")
        elif states & candidate.states:
            note("address", -0.10, "same state, another city")
        elif states:
            note("address", -0.20, "another state")

    if listing.specialty and candidate.specialty:
        similarity = fuzz.token_set_ratio(listing.specialty.lower(), candidate.specialty.lower())
        if similarity >= 80:
            note("specialty", 0.10, "specialty agrees")
        elif similarity < 50:
            note("specialty", -0.05, "specialty differs")
    return round(max(0.0, min(1.0, total)), 3), evidence


def decide(listing: Listing, candidates: list[Candidate], by_npi: dict[str, Candidate]) -> tuple[int | None, float, str, str, dict]:
    """(physician_id, score, status, method, evidence) for one listing."""
    if listing.npi:
        chosen = by_npi.get(listing.npi)
        if chosen:
            return chosen.physician_id, 1.0, "matched", "npi", {"npi": {"weight": 1.0, "why": f"listing shows NPI {listing.npi}"}}
        return None, 0.0, "unmatched", "npi", {"npi": {"weight": 0.0, "why": f"NPI {listing.npi} shown on the listing is not on the roster"}}
    if not candidates:
        return None, 0.0, "unmatched", "score", {"name": {"weight": 0.0, "why": "no roster physician with this last name"}}
    scored = sorted(((score(listing, c), c) for c in candidates), key=lambda x: -x[0][0])
    (best_score, evidence), best = scored[0]
    runner_up = scored[1][0][0] if len(scored) > 1 else 0.0
    if best_score >= MATCHED and best_score - runner_up >= AMBIGUOUS_MARGIN:
        status = "matched"
    elif best_score >= REVIEW:
        status = "review"
        if best_score - runner_up < AMBIGUOUS_MARGIN:
            evidence = {**evidence, "ambiguous": {"weight": 0.0, "why": f"another physician scores {runner_up:.2f}"}}
    else:
        return None, best_score, "unmatched", "score", {**evidence, "closest": {"weight": 0.0, "why": f"closest roster physician NPI {best.npi}"}}
    return best.physician_id, best_score, status, "score", evidence


def match_listings(engine: Engine, *, now: datetime | None = None) -> MatchSummary:
    """Match every listing; store a decision per listing; return counts."""
    now = now or datetime.now(UTC)
    summary = MatchSummary()
    with Session(engine) as session:
        locations: dict[int, list[Location]] = defaultdict(list)
        for location in session.exec(select(Location)).all():
            locations[location.physician_id].append(location)
        candidates = [_candidate(p, locations[p.id]) for p in session.exec(select(Physician)).all()]
        by_npi = {c.npi: c for c in candidates}
        block: dict[str, list[Candidate]] = defaultdict(list)
        for c in candidates:
            for key in set().union(*(_blocking_keys(k) for k in c.last_keys)) if c.last_keys else set():
                block[key].append(c)
        existing = {m.listing_id: m for m in session.exec(select(Match)).all()}
        for listing in session.exec(select(Listing)).all():
            current = existing.get(listing.id)
            if current is not None and current.method == "person":
                summary.by_person += 1
                _count(summary, current.status)
                continue
            last = parse_person_name(listing.name).get("last") or ""
            seen: dict[int, Candidate] = {}
            for key in _blocking_keys(last):
                for c in block.get(key, []):
                    seen[c.physician_id] = c
            physician_id, value, status, method, evidence = decide(listing, list(seen.values()), by_npi)
            _count(summary, status)
            if current is None:
                session.add(Match(listing_id=listing.id, physician_id=physician_id, score=value, status=status,
                                  method=method, evidence=evidence, updated_at=now))
                summary.changed += 1
            elif (current.physician_id, current.score, current.status, current.method, current.evidence) != (
                physician_id, value, status, method, evidence
            ):
                current.physician_id, current.score, current.status = physician_id, value, status
                current.method, current.evidence, current.updated_at = method, evidence, now
                session.add(current)
                summary.changed += 1
        session.commit()
    return summary


def _count(summary: MatchSummary, status: str) -> None:
    summary.statuses[status] = summary.statuses.get(status, 0) + 1
    if status in ("matched", "review", "unmatched"):
        setattr(summary, status, getattr(summary, status) + 1)
