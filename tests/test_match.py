"""The simple matcher: NPI decides, namesakes stay out, evidence is kept, a person's word stands."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from builders import add_physician, listing, npi_with_check_digit, store
from reputation.match import match_listings
from reputation.models import Listing, Match, Physician

JANE = npi_with_check_digit("123456789")
ATL = {"practice_name": "Heart Care", "street": "12 Main Street, Suite 4", "city": "Atlanta", "state": "GA", "zip": "30303", "phone": "+14045550101"}
ATL_ADDR = {"street": "12 Main St Ste 4", "city": "Atlanta", "state": "GA", "zip": "30303-1234"}


@pytest.fixture
def roster(engine):
    add_physician(engine, JANE, "Jane", "Doe", locations=[ATL])
    add_physician(engine, npi_with_check_digit("223456789"), "Robert", "Smith", specialty="Family Medicine", locations=[
        {"street": "5 Oak Ave", "city": "Decatur", "state": "GA", "zip": "30030", "phone": "+14045550202"}])
    return engine


def decision(engine, url):
    with Session(engine) as s:
        m, npi = s.exec(select(Match, Physician.npi).join(Listing, Listing.id == Match.listing_id)
                        .join(Physician, Physician.id == Match.physician_id, isouter=True).where(Listing.url == url)).one()
        return m.status, npi, m.evidence


def test_an_npi_shown_on_the_listing_decides(roster):
    store(roster, listing("https://x.org/a", "Someone Else", npi=JANE))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/a")
    assert (status, npi) == ("matched", JANE) and "npi" in evidence


def test_same_name_phone_and_address_match_with_evidence(roster):
    store(roster, listing("https://x.org/b", "Dr. Jane A. Doe, MD", phones=["(404) 555-0101"], addresses=[ATL_ADDR]))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/b")
    assert (status, npi) == ("matched", JANE)
    assert {"last_name", "first_name", "phone", "address"} <= set(evidence)


def test_old_address_but_our_phone_is_our_physician(roster):
    old = {"street": "900 Peachtree St", "city": "Atlanta", "state": "GA", "zip": "30309"}
    store(roster, listing("https://x.org/c", "Jane Doe MD", phones=["404-555-0101"], addresses=[old]))
    match_listings(roster)
    assert decision(roster, "https://x.org/c")[:2] == ("matched", JANE)


def test_a_namesake_in_another_city_with_another_phone_is_not_our_physician(roster):
    elsewhere = {"street": "1 River Rd", "city": "Savannah", "state": "GA", "zip": "31401"}
    store(roster, listing("https://x.org/d", "Dr. Jane Doe, MD", phones=["(912) 555-0199"], addresses=[elsewhere]))
    match_listings(roster)
    assert decision(roster, "https://x.org/d")[:2] == ("unmatched", None)


def test_a_nickname_with_our_phone_matches(roster):
    store(roster, listing("https://x.org/e", "Dr. Bob Smith", specialty="Family Practice", phones=["(404) 555-0202"]))
    match_listings(roster)
    assert decision(roster, "https://x.org/e")[0] == "matched"


def test_rematching_changes_nothing_and_respects_a_persons_decision(roster):
    store(roster, listing("https://x.org/f", "Dr. Jane Doe", phones=["(404) 555-0101"], addresses=[ATL_ADDR]))
    match_listings(roster)
    with Session(roster) as s:
        m = s.exec(select(Match)).one()
        m.status, m.physician_id, m.method = "unmatched", None, "person"
        s.add(m)
        s.commit()
    again = match_listings(roster)
    assert again.changed == 0
    assert decision(roster, "https://x.org/f")[:2] == ("unmatched", None)
