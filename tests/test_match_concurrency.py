"""`repmon match` while other things write matches: a person's decision made meanwhile stands, and two matching
runs at once leave one decision per listing. Both on SQLite and PostgreSQL, with real connections: the hook
is the point between the matcher's read and its write, where the other writer commits."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from builders import add_physician, listing, npi_with_check_digit, store, week
from reputation import match
from reputation.match import confirm_match, match_listings, reject_match
from reputation.models import Listing, Match, Physician

JANE = npi_with_check_digit("123456789")
ATL = {"street": "12 Main St", "city": "Atlanta", "state": "GA", "zip": "30303", "phone": "+14045550101"}
ATL_ADDR = {k: ATL[k] for k in ("street", "city", "state", "zip")}
OURS = "https://x.org/jane"


@pytest.fixture
def world(engine):
    add_physician(engine, JANE, "Jane", "Doe", locations=[ATL])
    store(engine, *(listing(f"https://x.org/other/{n}", f"Dr. Jane Doe{n}") for n in range(30)))
    return engine


@pytest.fixture
def ours(world):
    store(world, listing(OURS, "Dr. Jane Doe", phones=["404-555-0101"], addresses=[ATL_ADDR]))
    return world


def between_read_and_write(monkeypatch, action):
    """Run ``action`` once the matcher has read the database and before it stores any decision."""
    compute = match.compute_matches

    def compute_then_act(*args):
        action()
        yield from compute(*args)

    monkeypatch.setattr(match, "compute_matches", compute_then_act)


def decision(engine, url):
    with engine.connect() as c:
        return c.execute(select(Match.status, Match.method, Physician.npi).join(Listing, Listing.id == Match.listing_id)
                         .join(Physician, Physician.id == Match.physician_id, isouter=True)
                         .where(Listing.url == url)).one()


@pytest.mark.parametrize("decided_before", [True, False], ids=["rematch", "first match"])
def test_a_rejection_made_while_matching_runs_stands(world, monkeypatch, decided_before):
    if decided_before:  # last week's listing said less; this week's crawl makes the matcher change its mind
        moved = {"street": "900 Peachtree St", "city": "Atlanta", "state": "GA", "zip": "30309"}
        store(world, listing(OURS, "Dr. J. Doe", phones=["404-555-0999"], addresses=[moved], at=week(0)))
        match_listings(world)
        assert tuple(decision(world, OURS))[:2] == ("review", "score")
    store(world, listing(OURS, "Dr. Jane Doe", phones=["404-555-0101"], addresses=[ATL_ADDR]))
    between_read_and_write(monkeypatch, lambda: reject_match(world, OURS))
    summary = match_listings(world)
    assert tuple(decision(world, OURS)) == ("unmatched", "person", None)
    assert summary.kept_for_person == 1 and summary.by_person == 1
    assert (summary.matched, summary.unmatched) == (0, 31)  # the counts say what is stored


def test_a_confirmation_made_while_matching_runs_stands(ours, monkeypatch):
    other = "https://x.org/other/0"
    between_read_and_write(monkeypatch, lambda: confirm_match(ours, other, JANE))
    match_listings(ours)
    assert tuple(decision(ours, other)) == ("matched", "person", JANE)


def test_a_person_deciding_while_the_matcher_stores_its_first_decisions_is_not_refused(ours, monkeypatch):
    """The other way round: the matcher has stored a first decision after the person's command read none."""
    reads_none = match._current_decision

    def matcher_stores_meanwhile(session, listing_id):
        current = reads_none(session, listing_id)
        match_listings(ours)
        return current

    monkeypatch.setattr(match, "_current_decision", matcher_stores_meanwhile)
    reject_match(ours, OURS)
    assert tuple(decision(ours, OURS)) == ("unmatched", "person", None)


def test_two_first_matching_runs_at_once_leave_one_decision_per_listing(ours, monkeypatch):
    world = ours
    both_have_read = threading.Barrier(2, timeout=60)
    between_read_and_write(monkeypatch, both_have_read.wait)
    errors = []

    def run():
        try:
            match_listings(world)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(120)
    assert errors == []
    with world.connect() as c:
        listings = c.execute(select(func.count()).select_from(Listing)).scalar()
        per_listing = c.execute(select(Match.listing_id, func.count()).group_by(Match.listing_id)).all()
    assert len(per_listing) == listings and {n for _, n in per_listing} == {1}
    assert tuple(decision(world, OURS)) == ("matched", "score", JANE)
