"""Splink (DuckDB backend) on the same roster and listings, configured as a careful user would.

Both sides get the cleaning a careful user does first, with repmon's own normalization (names parsed and
credentials removed, phones in E.164, ZIP5, USPS cities, specialties as NUCC codes), so the comparison is
about the linking. Model: link_only; blocking on last name, on phone, and on first name + ZIP; comparisons
with Jaro-Winkler levels and term-frequency adjustments on names, array intersections for phones, ZIPs and
cities (a physician has several locations), exact state, middle initial and specialty; u by random sampling,
m by EM in two sessions (blocked on name, then on ZIP, so every comparison gets trained). Each listing then
goes to its best-scoring physician when the match probability reaches THRESHOLD.
"""

from __future__ import annotations

import time

import pandas as pd

THRESHOLD = 0.9


def _frames(engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sqlalchemy import select

    from reputation.match import compact_name
    from reputation.models import Listing, Location, Physician
    from reputation.normalize import (normalize_city, normalize_phone, normalize_state, normalize_zip,
                                      parse_person_name, specialty_code)

    with engine.connect() as c:
        physicians = c.execute(select(Physician.__table__)).all()
        locations = c.execute(select(Location.__table__)).all()
        listings = c.execute(select(Listing.id, Listing.url, Listing.name, Listing.specialty, Listing.addresses,
                                    Listing.phones)).all()
    locs: dict[int, list] = {}
    for loc in locations:
        locs.setdefault(loc.physician_id, []).append(loc)

    def row(uid, first, middle, last, phones, addresses, specialty):
        zips = sorted({z for z in (normalize_zip(a[3]) for a in addresses) if z})
        return {"unique_id": uid, "first_name": compact_name(first) or None, "middle_initial": compact_name(middle)[:1] or None,
                "surname": compact_name(last) or None, "phones": sorted(set(phones)), "phone1": (sorted(set(phones)) or [None])[0],
                "zips": zips, "zip1": (zips or [None])[0],
                "cities": sorted({normalize_city(a[1]) for a in addresses if a[1]}),
                "state": next((normalize_state(a[2]) for a in addresses if normalize_state(a[2])), None),
                "specialty": specialty_code(specialty)}

    left = pd.DataFrame([row(f"p{p.id}", p.first_name, p.middle_name, p.last_name,
                             [x for x in (normalize_phone(l.phone) for l in locs.get(p.id, [])) if x],
                             [(l.street, l.city, l.state, l.zip) for l in locs.get(p.id, [])], p.specialty)
                         for p in physicians])
    rows = []
    for l in listings:
        parsed = parse_person_name(l.name)
        rows.append(row(f"l{l.id}", parsed["first"], parsed["middle"], parsed["last"],
                        [x for x in (normalize_phone(p) for p in l.phones or []) if x],
                        [(a.get("street"), a.get("city"), a.get("state"), a.get("zip")) for a in l.addresses or []],
                        l.specialty))
    return left, pd.DataFrame(rows)


def run_splink(engine) -> dict:
    """Match with Splink; returns {listing id: physician id} and the timings."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    roster, listings = _frames(engine)
    prepared = time.perf_counter()
    db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[block_on("surname"), block_on("phone1"), block_on("first_name", "zip1")],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.ExactMatch("middle_initial"),
            cl.ArrayIntersectAtSizes("phones", [1]),
            cl.ArrayIntersectAtSizes("zips", [1]),
            cl.ArrayIntersectAtSizes("cities", [1]),
            cl.ExactMatch("state"),
            cl.ExactMatch("specialty"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([db_api.register(roster, table_name="roster"), db_api.register(listings, table_name="listings")],
                    settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "state")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("zip1"))
    predictions = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    left_is_roster = predictions["unique_id_l"].str.startswith("p")
    pairs = pd.DataFrame({
        "physician": predictions["unique_id_l"].where(left_is_roster, predictions["unique_id_r"]).str[1:].astype(int),
        "listing": predictions["unique_id_r"].where(left_is_roster, predictions["unique_id_l"]).str[1:].astype(int),
        "p": predictions["match_probability"],
    })
    best = pairs.sort_values("p", ascending=False).drop_duplicates("listing")
    finished = time.perf_counter()
    return {"best": best, "seconds": finished - started, "prepare_seconds": prepared - started}
