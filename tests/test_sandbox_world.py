"""The sandbox world: deterministic, valid, with its documented discrepancies and weekly schedule."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from reputation.normalize import is_valid_npi
from reputation.sandbox.world import ROSTER_COLUMNS, SCRIPT_REVIEW, SPONSOR_PHONE, World, format_phone

SAMPLE_ROSTER = Path(__file__).resolve().parents[1] / "reputation" / "sandbox" / "data" / "sample_roster.csv"


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def test_sample_roster_is_the_default_world(world):
    with open(SAMPLE_ROSTER, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == ROSTER_COLUMNS
        assert list(reader) == world.roster_rows()


def test_same_seed_same_world_other_seed_other_world(world):
    assert World().roster_rows() == world.roster_rows()
    assert World(seed=8).roster_rows() != world.roster_rows()


def test_default_world_is_about_fifty_physicians_with_one_to_three_locations(world):
    assert len(world.roster) == 50
    assert {len(p.locations) for p in world.roster} <= {1, 2, 3}
    assert any(len(p.locations) > 1 for p in world.roster)
    assert {row["state"] for row in world.roster_rows()} == {"OR", "WA"}


def test_npis_are_valid_and_unique(world):
    npis = [p.npi for p in world.physicians]
    assert all(is_valid_npi(n) for n in npis)
    assert len(set(npis)) == len(npis)
    assert not is_valid_npi(npis[0][:9] + str((int(npis[0][9]) + 1) % 10))


def test_roster_names_are_unique(world):
    names = [(p.first_name, p.last_name) for p in world.roster]
    assert len(set(names)) == len(names)


def test_discrepancy_roles_do_not_overlap(world):
    assigned = [npi for npis in world.discrepancies.values() for npi in npis]
    assert len(assigned) == len(set(assigned))
    assert set(assigned) <= {p.npi for p in world.roster}


def test_missing_physicians_have_no_listing_and_the_others_have_one(world):
    missing = set(world.discrepancies["no_listing"])
    assert len(missing) == 3
    for p in world.roster:
        assert (len(world.listings_of(p.npi)) == 0) == (p.npi in missing)


def test_outdated_phones_differ_from_every_roster_phone(world):
    roster_phones = {format_phone(r["phone"]) for r in world.roster_rows()}
    for npi in world.discrepancies["outdated_phone"]:
        assert world.listings_of(npi)[0].offices[0].phone not in roster_phones


def test_outdated_addresses_are_another_street_in_the_same_city(world):
    for npi in world.discrepancies["outdated_address"]:
        truth, shown = world.physician(npi).locations[0], world.listings_of(npi)[0].offices[0]
        assert shown.city == truth.city
        assert shown.street.split(" Ste ")[0] != truth.street.split(",")[0]


def test_duplicate_listing(world):
    [npi] = world.discrepancies["duplicate_listing"]
    first, second = world.listings_of(npi)
    assert first.pwid != second.pwid
    assert first.offices[0].street == second.offices[0].street


def test_namesake_is_not_on_the_roster_but_found_by_the_same_search(world):
    [npi] = world.discrepancies["namesake"]
    p = world.physician(npi)
    twin = world.physician(world.namesake_npi)
    assert not twin.on_roster and twin.npi not in {r["npi"] for r in world.roster_rows()}
    assert (twin.first_name, twin.last_name, twin.specialty) == (p.first_name, p.last_name, p.specialty)
    assert twin.locations[0].city != p.locations[0].city and twin.locations[0].phone != p.locations[0].phone
    found = world.healthgrades_search(f"{p.first_name} {p.last_name}", f"{p.locations[0].city}, {p.locations[0].state}")
    assert [l.npi for l in found] == [npi, None]  # the one nearby first


def test_sponsor_phone_is_shown_and_marked(world):
    [npi] = world.discrepancies["sponsor_phone"]
    office = world.listings_of(npi)[0].offices[0]
    assert office.phone == SPONSOR_PHONE and office.sponsored


def test_one_review_carries_a_script_tag(world):
    [npi] = world.discrepancies["script_review"]
    texts = [r.text for r in world.listings_of(npi)[0].reviews]
    assert SCRIPT_REVIEW.format(last=world.physician(npi).last_name) in texts
    assert sum("<script>" in r.text for l in world.healthgrades.values() for r in l.reviews) == 1


def test_nppes_record_is_the_truth_in_registry_form(world):
    p = world.roster[0]
    result = world.nppes_result(p.npi)
    assert str(result["number"]) == p.npi
    assert result["basic"]["last_name"] == p.last_name.upper()
    location = next(a for a in result["addresses"] if a["address_purpose"] == "LOCATION")
    assert location["telephone_number"] == p.locations[0].phone
    assert location["postal_code"].startswith(p.locations[0].zip) and len(location["postal_code"]) == 9
    assert len(result["practiceLocations"]) == len(p.locations) - 1
    assert world.nppes_result("1234567893") is None


# ----- weeks ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def weeks() -> list[World]:
    """The default world at weeks 0..4, each its own instance."""
    out = []
    for week in range(5):
        w = World()
        for _ in range(week):
            w.advance()
        out.append(w)
    return out


def test_advancing_is_deterministic(weeks):
    again = World()
    again.advance()
    again.advance()
    assert [(l.pwid, l.rating_count, len(l.reviews)) for l in again.healthgrades.values()] == \
        [(l.pwid, l.rating_count, len(l.reviews)) for l in weeks[2].healthgrades.values()]


def test_new_reviews_arrive_some_of_them_bad_dated_within_their_week(weeks):
    before = {r.review_id for l in weeks[0].healthgrades.values() for r in l.reviews}
    new = [r for l in weeks[1].healthgrades.values() for r in l.reviews if r.review_id not in before]
    assert len(new) >= 10
    assert any(r.rating <= 2 for r in new)
    start = weeks[1].start
    assert all(start <= r.date < start + timedelta(days=7) for r in new)


def test_phone_changes_on_week_two(weeks):
    [npi] = weeks[0].discrepancies["phone_change"]
    phones = [w.listings_of(npi)[0].offices[0].phone for w in weeks]
    assert phones[0] == phones[1] == format_phone(weeks[0].physician(npi).locations[0].phone)
    assert phones[2] != phones[1] and phones[2] == phones[3] == phones[4]


def test_listing_disappears_on_week_three(weeks):
    [npi] = weeks[0].discrepancies["listing_gone"]
    assert [bool(w.listings_of(npi)) for w in weeks] == [True, True, True, False, False]
    pwid = weeks[2].listings_of(npi)[0].pwid
    assert weeks[3].healthgrades_listing(pwid) is None
    p = weeks[3].physician(npi)
    assert weeks[3].healthgrades_search(f"{p.first_name} {p.last_name}") == []


def test_one_rating_drops_sharply_over_four_weeks(weeks):
    [npi] = weeks[0].discrepancies["rating_drop"]
    ratings = [w.listings_of(npi)[0].rating for w in weeks]
    assert all(a > b for a, b in zip(ratings, ratings[1:]))
    assert ratings[0] - ratings[4] >= 1.0


def test_others_only_drift(weeks):
    dropped = set(weeks[0].discrepancies["rating_drop"])
    for listing in weeks[0].healthgrades.values():
        later = weeks[4].healthgrades[listing.pwid]
        if listing.npi not in dropped and listing.rating_count >= 20:
            assert abs(later.rating - listing.rating) < 1.0


def test_size_is_a_parameter():
    # How long a large world takes to build is measured in benchmarks/bench_crawl.py, not asserted here.
    big = World(size=5000)
    assert len(big.roster) == 5000
    assert len({p.npi for p in big.physicians}) == len(big.physicians)
    assert len(big.discrepancies["no_listing"]) == 300


def test_the_scripted_review_has_a_reply_that_discloses_patient_information(world):
    from reputation.replies import check_reply

    [npi] = world.discrepancies["script_review"]
    [scripted] = [r for r in world.listings_of(npi)[0].reviews if "<script>" in r.text]
    verdict = check_reply(scripted.response, scripted.author)
    assert {"name", "diagnosis"} <= set(verdict.kinds)
    assert scripted.response_date > scripted.date
    others = [r for l in world.healthgrades.values() for r in l.reviews if r.response and r is not scripted]
    assert others and not any(check_reply(r.response, r.author).discloses for r in others)
