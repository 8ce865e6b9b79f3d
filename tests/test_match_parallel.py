"""A large listing set is matched in two processes: the decisions must be those of one process, and a
failure in the helper must surface, not hang."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from builders import add_physician, listing, npi_with_check_digit, store
from reputation import match
from reputation.models import Listing, Match

CITIES = [("Atlanta", "GA", "30303", "404"), ("Decatur", "GA", "30030", "470"), ("Savannah", "GA", "31401", "912")]
FIRSTS = ["Jane", "Robert", "Maria", "Kathryn", "Ahmed", "Li"]
LASTS = ["Doe", "Smith", "Garcia-Lopez", "Nguyen", "Okafor", "Fernandez"]


def _world(engine):
    """36 physicians and, per physician, listings that match, need review or are someone else's."""
    records = []
    for n, (first, last) in enumerate((f, l) for f in FIRSTS for l in LASTS):
        city, state, zip_, area = CITIES[n % 3]
        phone = f"({area}) 555-{1000 + n:04d}"
        address = {"street": f"{10 + n} Main St", "city": city, "state": state, "zip": zip_}
        add_physician(engine, npi_with_check_digit(f"{100000000 + n}"), first, last,
                      locations=[{**address, "phone": phone}])
        other_city, other_state, other_zip, other_area = CITIES[(n + 1) % 3]
        elsewhere = {"street": "1 Far Rd", "city": other_city, "state": other_state, "zip": other_zip}
        records += [
            listing(f"https://x.org/{n}/a", f"Dr. {first} {last}", phones=[phone], addresses=[address]),
            listing(f"https://x.org/{n}/b", f"{last.upper()}, {first.upper()}", addresses=[address]),
            listing(f"https://x.org/{n}/c", f"Dr. {first[0]}. {last}", phones=[f"({area}) 555-9{n:03d}"],
                    addresses=[{**address, "street": "9 Old Rd", "zip": zip_[:3] + "99"}]),
            listing(f"https://x.org/{n}/d", f"{first} {last}, MD", phones=[f"({other_area}) 555-8{n:03d}"],
                    addresses=[elsewhere]),
        ]
    store(engine, *records)


def _decisions(engine):
    with engine.connect() as c:
        return sorted(c.execute(select(Listing.url, Match.physician_id, Match.status, Match.score, Match.evidence)
                                .join(Match, Match.listing_id == Listing.id)).all())


def test_two_processes_decide_exactly_what_one_does(engine, monkeypatch):
    _world(engine)
    match.match_listings(engine)
    alone = _decisions(engine)
    assert {row.status for row in alone} == {"matched", "review", "unmatched"}
    with engine.begin() as c:
        c.execute(Match.__table__.delete())
    monkeypatch.setattr(match, "PARALLEL_FROM", 10)  # 144 listings: the second half goes to a helper process
    match.match_listings(engine)
    assert _decisions(engine) == alone


def test_a_failure_in_the_helper_process_is_raised_here(monkeypatch):
    monkeypatch.setattr(match, "PARALLEL_FROM", 2)
    rows = [(1, "Jane Doe", None, "[]", "[]", None), (2, "John Roe", None, "not json", "[]", None)]
    with pytest.raises(RuntimeError, match="helper process failed"):
        list(match.compute_matches([], [], rows))


class _DiesOnArrival:
    """Unpickled in the helper process, it ends that process at once (as an out-of-memory kill would)."""

    def __reduce__(self):
        import os

        return os._exit, (3,)


def test_a_helper_process_that_dies_is_raised_here_not_waited_for(monkeypatch):
    monkeypatch.setattr(match, "PARALLEL_FROM", 2)
    rows = [(1, "Jane Doe", None, "[]", "[]", None), (2, "John Roe", None, _DiesOnArrival(), "[]", None)]
    with pytest.raises(RuntimeError, match=r"ended unexpectedly \(exit code 3\)"):
        list(match.compute_matches([], [], rows))


def test_listing_addresses_may_come_as_json_text_or_lists():
    address = {"street": "1 Main St", "city": "Atlanta", "state": "GA", "zip": "30303"}
    as_text = match._listing_side([(1, "Jane Doe", None, json.dumps([address]), json.dumps(["404-555-0101"]), None)])
    as_lists = match._listing_side([(1, "Jane Doe", None, [address], ["404-555-0101"], None)])
    assert as_text.addresses.equals(as_lists.addresses) and as_text.phones.equals(as_lists.phones)
