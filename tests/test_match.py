"""The matcher: NPI decides, namesakes stay out, moves go to review, evidence is kept, a person's word stands."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from builders import add_physician, listing, npi_with_check_digit, store, week
from reputation.match import MatchError, confirm_match, match_listings, reject_match, review_rows
from reputation.models import Listing, Match, Physician

JANE = npi_with_check_digit("123456789")
BOB = npi_with_check_digit("223456789")
ATL = {"practice_name": "Heart Care", "street": "12 Main Street, Suite 4", "city": "Atlanta", "state": "GA", "zip": "30303", "phone": "+14045550101"}
ATL_ADDR = {"street": "12 Main St Ste 4", "city": "Atlanta", "state": "GA", "zip": "30303-1234"}
OLD_ATL_ADDR = {"street": "900 Peachtree St", "city": "Atlanta", "state": "GA", "zip": "30309"}
SAVANNAH = {"street": "1 River Rd", "city": "Savannah", "state": "GA", "zip": "31401"}
SEATTLE = {"street": "1 Pine St", "city": "Seattle", "state": "WA", "zip": "98101"}


@pytest.fixture
def roster(engine):
    add_physician(engine, JANE, "Jane", "Doe", middle="Ann", specialty="Cardiovascular Disease", locations=[ATL])
    add_physician(engine, BOB, "Robert", "Smith", specialty="Family Medicine", locations=[
        {"street": "5 Oak Ave", "city": "Decatur", "state": "GA", "zip": "30030", "phone": "+14045550202"}])
    return engine


def decision(engine, url):
    with Session(engine) as s:
        m, npi = s.exec(select(Match, Physician.npi).join(Listing, Listing.id == Match.listing_id)
                        .join(Physician, Physician.id == Match.physician_id, isouter=True).where(Listing.url == url)).one()
        return m.status, npi, m.evidence


def matched_as(engine, url, *records):
    store(engine, *records)
    match_listings(engine)
    return decision(engine, url)[:2]


def test_an_npi_shown_on_the_listing_decides(roster):
    store(roster, listing("https://x.org/a", "Someone Else", npi=JANE))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/a")
    assert (status, npi) == ("matched", JANE) and "npi" in evidence["fields"]


def test_an_npi_not_on_the_roster_keeps_the_listing_unmatched(roster):
    other = npi_with_check_digit("923456780")
    assert matched_as(roster, "https://x.org/a2", listing("https://x.org/a2", "Jane Doe", phones=["404-555-0101"],
                                                          npi=other)) == ("unmatched", None)


def test_same_name_phone_and_address_match_with_evidence_a_person_can_read(roster):
    store(roster, listing("https://x.org/b", "Dr. Jane A. Doe, MD", phones=["(404) 555-0101"], addresses=[ATL_ADDR]))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/b")
    assert (status, npi) == ("matched", JANE)
    assert {"last_name", "first_name", "middle_name", "phone", "address"} <= set(evidence["fields"])
    assert evidence["fields"]["phone"]["weight"] > 0 and evidence["fields"]["address"]["level"] == "street"
    assert "same street address" in evidence["summary"] and "+14045550101" in evidence["summary"]


def test_old_address_but_our_phone_is_our_physician(roster):
    old = {"street": "900 Peachtree St", "city": "Marietta", "state": "GA", "zip": "30060"}
    assert matched_as(roster, "https://x.org/c", listing("https://x.org/c", "Jane Doe MD", phones=["404-555-0101"],
                                                         addresses=[old])) == ("matched", JANE)


def test_old_phone_but_our_address_is_our_physician(roster):
    assert matched_as(roster, "https://x.org/c2", listing("https://x.org/c2", "Jane Doe MD", phones=["404-555-0999"],
                                                          addresses=[ATL_ADDR])) == ("matched", JANE)


@pytest.mark.parametrize("elsewhere", [SAVANNAH, SEATTLE], ids=["same state", "another state"])
def test_a_namesake_in_another_city_with_another_phone_is_not_our_physician(roster, elsewhere):
    store(roster, listing("https://x.org/d", "Dr. Jane Doe, MD", phones=["(912) 555-0199"], addresses=[elsewhere]))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/d")
    assert (status, npi) == ("unmatched", None)
    assert "namesake" in evidence["summary"]


def test_a_physician_who_moved_away_from_an_old_listing_goes_to_review_not_missing(roster):
    """Old phone and old address in one of our cities, and only an initial: maybe our physician before a
    move; a person decides."""
    store(roster, listing("https://x.org/m", "Dr. J. Doe", phones=["(404) 555-0999"], addresses=[OLD_ATL_ADDR]))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/m")
    assert (status, npi) == ("review", JANE)
    assert "moved" in evidence["summary"]


def test_old_phone_and_old_address_in_our_city_with_the_whole_name_is_our_physician_with_outdated_contacts(roster):
    """The same listing with the whole name and middle initial: our physician, whose listing is out of date
    (which is what the contact findings report)."""
    store(roster, listing("https://x.org/m2", "Dr. Jane A. Doe", phones=["(404) 555-0999"], addresses=[OLD_ATL_ADDR]))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/m2")
    assert (status, npi) == ("matched", JANE)
    assert "contact details look outdated" in evidence["summary"]


def test_a_slip_in_the_first_letters_of_the_first_name_still_finds_the_physician(engine):
    """"Kahtryn" shares no three first letters with "Kathryn"; the typo key finds her all the same."""
    add_physician(engine, JANE, "Kathryn", "Doe", locations=[ATL])
    status, npi, evidence = (*matched_as(engine, "https://x.org/t", listing("https://x.org/t", "Dr. Kahtryn Doe",
                                                                           addresses=[ATL_ADDR])),
                             decision(engine, "https://x.org/t")[2])
    assert (status, npi) == ("matched", JANE)
    assert evidence["fields"]["first_name"]["level"] == "similar"


def test_the_typo_key_brings_in_no_other_first_name(engine):
    """Kevin and Kristen share K~N, but Kevin Doe at Kristen Doe's practice is nobody to ask about."""
    add_physician(engine, JANE, "Kristen", "Doe", locations=[ATL])
    assert matched_as(engine, "https://x.org/t2", listing("https://x.org/t2", "Dr. Kevin Doe", phones=["404-555-0101"],
                                                          addresses=[ATL_ADDR])) == ("unmatched", None)


def test_a_nickname_with_our_phone_matches(roster):
    assert matched_as(roster, "https://x.org/e", listing("https://x.org/e", "Dr. Bob Smith", specialty="Family Practice",
                                                         phones=["(404) 555-0202"])) == ("matched", BOB)


@pytest.mark.parametrize("name", ["Dr. Jane Doe, M.D., F.A.C.C.", "DOE, JANE A MD", "Jane A. Doe M. D.", "Jane Doe, MD, PhD"])
def test_credentials_in_any_spelling_do_not_get_in_the_way(roster, name):
    assert matched_as(roster, "https://x.org/g", listing("https://x.org/g", name, phones=["404-555-0101"],
                                                         addresses=[ATL_ADDR])) == ("matched", JANE)


def test_a_former_name_on_record_matches_the_listing_under_it(engine):
    add_physician(engine, JANE, "Jane", "Doe", locations=[ATL],
                  other_names=[{"first_name": "Jane", "last_name": "Miller", "kind": "former"}])
    store(engine, listing("https://x.org/h", "Dr. Jane Miller", addresses=[ATL_ADDR], phones=["404-555-0101"]))
    match_listings(engine)
    status, npi, evidence = decision(engine, "https://x.org/h")
    assert (status, npi) == ("matched", JANE)
    assert "a name on record" in evidence["fields"]["last_name"]["why"]


@pytest.mark.parametrize("name", ["Maria Garcia", "Maria Garcia-Lopez", "Maria Garcia Lopez", "Maria Lopez"])
def test_hyphenated_and_multi_part_last_names_agree_with_their_parts(engine, name):
    add_physician(engine, JANE, "Maria", "Garcia-Lopez", locations=[ATL])
    assert matched_as(engine, "https://x.org/i", listing("https://x.org/i", name, phones=["404-555-0101"],
                                                         addresses=[ATL_ADDR])) == ("matched", JANE)


def test_a_compound_surname_written_joined_agrees_with_its_first_surname(engine):
    """CMS writes "Fernandez-Vicioso" as FERNANDEZVICIOSO; NPPES may have the legal name Fernandez."""
    add_physician(engine, JANE, "Eduardo", "Fernandez", locations=[ATL])
    status, npi = matched_as(engine, "https://x.org/cs", listing("https://x.org/cs", "EDUARDO B FERNANDEZVICIOSO, MD",
                                                                 addresses=[ATL_ADDR]))
    assert (status, npi) == ("matched", JANE)
    assert decision(engine, "https://x.org/cs")[2]["fields"]["last_name"]["level"] == "part"


def test_a_longer_surname_is_not_a_joined_compound(engine):
    """Franklin is not Frank joined to "lin": too short a rest to be a surname, so the names alone do not
    make the two candidates (a shared phone would)."""
    add_physician(engine, JANE, "Jane", "Frank", locations=[ATL])
    assert matched_as(engine, "https://x.org/fr", listing("https://x.org/fr", "Jane Franklin",
                                                          addresses=[ATL_ADDR])) == ("unmatched", None)


def test_a_roster_with_only_the_first_initial_finds_the_whole_first_name(engine):
    """NPPES has "A Gale Heckert"; the listing spells the first name out."""
    add_physician(engine, JANE, "A", "Heckert", middle="Gale", locations=[ATL])
    assert matched_as(engine, "https://x.org/ai", listing("https://x.org/ai", "Anita Gale Heckert, MD",
                                                          addresses=[ATL_ADDR])) == ("matched", JANE)


def test_a_name_on_record_stays_one_when_a_joined_surname_is_about(engine):
    """Jones is both a part of Smith-Jones and her name on record: it weighs as a name on record, whatever
    else the listings hold (here Smith, which makes SMITHJONES a joined compound surname)."""
    add_physician(engine, JANE, "Jane", "Smith-Jones", locations=[ATL],
                  other_names=[{"first_name": "Jane", "last_name": "Jones", "kind": "former"}])
    store(engine, listing("https://x.org/nr", "Dr. Jane Jones", addresses=[ATL_ADDR]),
          listing("https://x.org/nr2", "Dr. Jane Smith", addresses=[ATL_ADDR]))  # SMITH + JONES = SMITHJONES
    match_listings(engine)
    fields = decision(engine, "https://x.org/nr")[2]["fields"]
    assert fields["last_name"]["level"] == "exact" and "a name on record" in fields["last_name"]["why"]


def test_a_phone_is_in_another_area_only_against_a_roster_number_with_an_area(engine):
    """The roster has only a toll-free number: a listing's local number is another number, not a sign of
    a namesake elsewhere."""
    add_physician(engine, JANE, "Jane", "Doe", middle="Ann", locations=[{**ATL, "phone": "+18005550101"}])
    store(engine, listing("https://x.org/tf", "Dr. Jane A. Doe", phones=["(404) 555-0199"]))
    match_listings(engine)
    status, npi, evidence = decision(engine, "https://x.org/tf")
    assert (status, npi) == ("matched", JANE) and evidence["fields"]["phone"]["level"] == "another number"


def test_a_phone_in_another_area_and_a_blank_address_is_a_question_not_a_namesake(roster):
    blank = {"street": "", "city": "", "state": "", "zip": ""}
    store(roster, listing("https://x.org/bl", "Dr. Jane A. Doe", phones=["(206) 555-0199"], addresses=[blank]))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/bl")
    assert (status, npi) == ("review", JANE) and "another area code" in evidence["summary"]


def test_a_relative_at_the_same_practice_is_not_matched_to_our_physician(roster):
    """Our phone and address, our last name, another first name: the listing is not Jane's."""
    status, npi = matched_as(roster, "https://x.org/j", listing("https://x.org/j", "Dr. Thomas Doe", phones=["404-555-0101"],
                                                                addresses=[ATL_ADDR]))
    assert status != "matched"


def test_one_listing_goes_to_one_physician_the_one_its_phone_names(engine):
    twin = npi_with_check_digit("323456780")
    add_physician(engine, JANE, "John", "Smith", locations=[ATL])
    add_physician(engine, twin, "John", "Smith", locations=[
        {"street": "5 Oak Ave", "city": "Decatur", "state": "GA", "zip": "30030", "phone": "+14045550202"}])
    assert matched_as(engine, "https://x.org/k", listing("https://x.org/k", "John Smith MD", phones=["404-555-0202"])) == ("matched", twin)
    with Session(engine) as s:
        assert len(s.exec(select(Match)).all()) == 1


def test_two_namesakes_on_the_roster_and_nothing_to_tell_them_apart_is_a_question(engine):
    twin = npi_with_check_digit("323456780")
    add_physician(engine, JANE, "John", "Smith", locations=[ATL])
    add_physician(engine, twin, "John", "Smith", locations=[
        {"street": "5 Oak Ave", "city": "Decatur", "state": "GA", "zip": "30030", "phone": "+14045550202"}])
    store(engine, listing("https://x.org/l", "John Smith MD"))
    match_listings(engine)
    status, npi, evidence = decision(engine, "https://x.org/l")
    assert status == "review" and npi in (JANE, twin)
    assert evidence["runner_up"]["npi"] in (JANE, twin) and "almost as well" in evidence["summary"]


def test_specialty_text_and_code_agree(roster):
    store(roster, listing("https://x.org/s", "Jane Doe", specialty="Cardiologist", phones=["404-555-0101"]))
    store(roster, listing("https://x.org/t", "Jane Doe", specialty="207RC0000X", phones=["404-555-0101"]))
    store(roster, listing("https://x.org/u", "Jane Doe", specialty="Dermatology", phones=["404-555-0101"]))
    match_listings(roster)
    assert decision(roster, "https://x.org/s")[2]["fields"]["specialty"]["level"] == "same"
    assert decision(roster, "https://x.org/t")[2]["fields"]["specialty"]["level"] == "same"
    assert decision(roster, "https://x.org/u")[2]["fields"]["specialty"]["level"] == "differs"


def test_a_listing_without_any_candidate_is_unmatched(roster):
    assert matched_as(roster, "https://x.org/n", listing("https://x.org/n", "Zed Quux")) == ("unmatched", None)


def test_rematching_changes_nothing(roster):
    store(roster, listing("https://x.org/f", "Dr. Jane Doe", phones=["(404) 555-0101"], addresses=[ATL_ADDR]),
          listing("https://x.org/m", "Dr. J. Doe", phones=["(404) 555-0999"], addresses=[OLD_ATL_ADDR]))
    first = match_listings(roster)
    assert (first.matched, first.review, first.changed) == (1, 1, 2)
    assert match_listings(roster).changed == 0


def test_a_persons_decisions_survive_rematching_and_recrawling(roster):
    namesake = listing("https://x.org/d", "Dr. Jane Doe", phones=["(912) 555-0199"], addresses=[SAVANNAH], at=week(1))
    ours = listing("https://x.org/f", "Dr. Jane Doe", phones=["(404) 555-0101"], addresses=[ATL_ADDR], at=week(1))
    store(roster, namesake, ours)
    match_listings(roster)
    confirm_match(roster, "https://x.org/d", JANE)  # she does see patients in Savannah on Fridays
    reject_match(roster, "https://x.org/f")
    store(roster, {**namesake, "crawled_at": week(2).isoformat(), "rating": 3.0},
          {**ours, "crawled_at": week(2).isoformat(), "rating": 4.0})
    again = match_listings(roster)
    assert again.by_person == 2 and again.changed == 0
    status, npi, evidence = decision(roster, "https://x.org/d")
    assert (status, npi) == ("matched", JANE) and "confirmed by a person" in evidence["summary"]
    assert decision(roster, "https://x.org/f")[:2] == ("unmatched", None)


def test_a_decision_naming_an_unknown_listing_or_npi_says_which(roster):
    store(roster, listing("https://x.org/f", "Dr. Jane Doe"))
    with pytest.raises(MatchError, match="no listing with the URL https://x.org/nope"):
        confirm_match(roster, "https://x.org/nope", JANE)
    with pytest.raises(MatchError, match="NPI 1234567890 is not on the roster"):
        confirm_match(roster, "https://x.org/f", "1234567890")
    with pytest.raises(MatchError, match="no listing"):
        reject_match(roster, "https://x.org/nope")


def test_review_lists_the_uncertain_ones_with_their_evidence(roster):
    store(roster, listing("https://x.org/m", "Dr. J. Doe", phones=["(404) 555-0999"], addresses=[OLD_ATL_ADDR]),
          listing("https://x.org/f", "Dr. Jane Doe", phones=["(404) 555-0101"], addresses=[ATL_ADDR]))
    match_listings(roster)
    rows = review_rows(roster)
    assert [(r["url"], r["npi"]) for r in rows] == [("https://x.org/m", JANE)]
    assert rows[0]["summary"].startswith("needs review") and rows[0]["evidence"]["fields"]


# -- what real listings and rosters look like -----------------------------------------------------------


@pytest.mark.parametrize("on_roster, on_listing", [("John", "Jack"), ("Jack", "John"), ("Peter", "Pete"),
                                                   ("Bradford", "Ford"), ("Elizabeth", "Beth"), ("Beth", "Elizabeth")])
@pytest.mark.parametrize("shown", ["phone", "address"])
def test_the_short_names_real_listings_use_match(engine, on_roster, on_listing, shown):
    add_physician(engine, JANE, on_roster, "Doe", locations=[ATL])
    contact = {"phones": ["404-555-0101"]} if shown == "phone" else {"addresses": [ATL_ADDR]}
    store(engine, listing("https://x.org/nn", f"Dr. {on_listing} Doe", **contact))
    match_listings(engine)
    status, npi, evidence = decision(engine, "https://x.org/nn")
    assert (status, npi, evidence["fields"]["first_name"]["level"]) == ("matched", JANE, "nickname")


def test_a_roster_row_without_a_street_still_matches_its_listings(engine, tmp_path):
    """Real CMS rows have no street now and then: the physician is on the roster all the same, located by
    city, state and ZIP."""
    from reputation.roster import ROSTER_COLUMNS, import_roster

    row = {"npi": JANE, "first_name": "Jane", "last_name": "Doe", "specialty": "Cardiology", "city": "Atlanta",
           "state": "GA", "zip": "30303", "phone": "(404) 555-0101"}
    path = tmp_path / "roster.csv"
    path.write_text(",".join(ROSTER_COLUMNS) + "\n" + ",".join(row.get(c, "") for c in ROSTER_COLUMNS) + "\n")
    import_roster(engine, path)
    assert matched_as(engine, "https://x.org/ns", listing("https://x.org/ns", "Dr. Jane Doe", addresses=[ATL_ADDR],
                                                          phones=["404-555-0101"])) == ("matched", JANE)


def test_a_former_surname_with_our_phone_in_our_city_is_a_question_naming_it(engine):
    """Nobody recorded Jane Doe's maiden name; her old listing shows it, her practice's main line (shared by
    thirty colleagues) and her city. Little evidence by the sum, but the pattern is a question, not a no."""
    practice = {**ATL, "phone": "+14045550101"}
    add_physician(engine, JANE, "Jane", "Doe", locations=[practice])
    for n in range(1, 31):
        add_physician(engine, npi_with_check_digit(f"{300000000 + n}"), f"Colleague{n}", f"Roe{n}", locations=[practice])
    for n in range(31, 71):  # Jane is a common first name on this roster
        add_physician(engine, npi_with_check_digit(f"{300000000 + n}"), "Jane", f"Roe{n}", locations=[SAVANNAH | {"phone": None}])
    store(engine, listing("https://x.org/ms", "Dr. Jane Miller", specialty="", phones=["404-555-0101"], addresses=[OLD_ATL_ADDR]))
    match_listings(engine)
    status, npi, evidence = decision(engine, "https://x.org/ms")
    assert (status, npi) == ("review", JANE)
    assert "a former or married name?" in evidence["summary"]


def test_an_old_number_in_our_area_code_beside_an_address_elsewhere_is_a_question_not_a_namesake(roster):
    """A namesake's number is local to the namesake: one in Jane's area code with an address in another part of
    the state is more likely her old number at another of her practices. A person decides."""
    store(roster, listing("https://x.org/oa", "Dr. Jane A. Doe", phones=["(404) 555-0999"], addresses=[SAVANNAH]))
    match_listings(roster)
    status, npi, evidence = decision(roster, "https://x.org/oa")
    assert (status, npi) == ("review", JANE)
    assert "in one of the physician's area codes and an address in another area" in evidence["summary"]
