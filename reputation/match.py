"""Linking listings to roster physicians: matched, needs review, or unmatched, always with the evidence.

An NPI shown on the listing decides. Otherwise candidate physicians are found by blocking (same last-name
key and a compatible first name, or a shared phone) and every candidate pair is scored the Fellegi-Sunter
way: each field comparison adds its weight in bits (log2 of how much likelier that outcome is for the same
physician than for two different ones), with term-frequency weights for names (a shared "Smith" says less
than a shared "Fernandez-Vicioso"). The listing goes to its best candidate only when the evidence is strong
*and* clearly better than the runner-up's; a listing therefore has at most one physician.

Two patterns override the sum, because precision comes first (a stranger's one-star reviews in our report
are worse than a question to a person):

- a namesake: the listing shows a phone that is none of ours and an address in another city/metro area
  (three-digit ZIP) than all of ours -> unmatched, whatever the names say; unless the phone is in one of our
  area codes (a namesake's number is local to them), which is the next pattern;
- a physician who may have moved (another phone, an old address in one of our cities, or an address
  elsewhere beside a phone in our area code) -> at most "review",
  unless the whole first and last name agree and the total is ``MOVED_BITS``: then it is our physician with
  outdated contact details on the listing, which is what the contact findings are for;
- a clear first-name or last-name disagreement -> at most "review"; another last name with the same first
  name, our phone and one of our cities (a former name nobody recorded) -> "review" even on little evidence.

A listing a person already knows (``repmon listings add|import-urls``, ``reputation.known_listings``) is
matched to the physician they named (method ``known``), whatever the scores say.

A person's decision (``repmon match confirm`` / ``reject``; ``Match.method == "person"``) is never
overwritten by a re-match, nor by a match running while the person decides (see ``match_listings``), and a
re-crawl keeps it because the listing row (source + URL) is kept.
"""

from __future__ import annotations

import gc
import json
import math
import multiprocessing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cpdist
from sqlalchemy import Text, cast, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reputation.models import Listing, Location, Match, Physician
from reputation.normalize import (
    nameparser_words,
    is_valid_npi,
    name_key,
    nickname_variants,
    normalize_city,
    normalize_credentials,
    normalize_phone,
    normalize_state,
    normalize_zip,
    parse_person_name,
    split_unit,
    parse_person_name_cached,
    specialty_code,
    specialty_family,
)

# Decision thresholds on the total weight (bits) of the best candidate.
MATCHED_BITS = 12.0  # at or above (and clear of the runner-up, and no contradiction): matched automatically
REVIEW_BITS = 6.0  # at or above: a person should look
MARGIN_BITS = 4.0  # the best must be 2**4 = 16 times likelier than the runner-up to be decided automatically
# Another phone and an address elsewhere in one of our cities is matched only on this much evidence, with the
# whole first and last name agreeing; weaker, it is a question for a person.
MOVED_BITS = MATCHED_BITS + MARGIN_BITS
# The stored score is the match probability under a prior that puts MATCHED_BITS at 0.99.
PRIOR_BITS = -(MATCHED_BITS - math.log2(99))

# Weights in bits. Names: the exact-agreement weight depends on how common the name is on the roster.
LAST_EXACT_RANGE, FIRST_EXACT_RANGE = (6.0, 13.0), (3.0, 9.0)
LAST_PRIOR_SHARE, FIRST_PRIOR_SHARE = 1 / 3000, 1 / 300  # a name's share before the roster is counted
PRIOR_COUNT = 1000  # how many roster physicians the prior share is worth
W = {
    "last_name": {"part": 5.0, "similar": 3.0, "differs": -8.0},
    "first_name": {"nickname": 4.0, "goes by middle name": 3.0, "prefix": 3.0, "similar": 2.5, "initial": 1.5,
                   "missing": 0.0, "differs": -10.0},
    "middle_name": {"agrees": 1.5, "differs": -3.0},
    "suffix": {"differs": -4.0},
    "credentials": {"differ": -2.0},
    "specialty": {"same": 2.0, "related": 1.0, "differs": -1.5},
    "phone": {"same area code": -1.5, "another number": -1.5, "another area code": -3.0},
    "address": {"street": 6.0, "zip": 4.0, "city": 3.0, "metro": 1.5, "state": 0.0, "another state": -3.0},
}
PHONE_AGREES = 10.0  # less log2(k) when k roster physicians share the number (a practice's main line)
ADDRESS_LEVELS = ["another state", "state", "metro", "city", "zip", "street"]  # worst to best
LAST_LEVELS = ["differs", "similar", "part", "exact"]
PHYSICIAN_CREDENTIALS = {"MD", "DO", "MBBS", "MBCHB", "MBBCH", "BMBS"}
NURSE_PRACTITIONER = {"NP", "APRN", "APN", "ARNP", "CRNP", "FNP", "FNP-C", "FNP-BC", "ANP", "ANP-C", "ANP-BC",
                      "AGNP", "AGNP-C", "AGNP-BC", "AGACNP", "AGACNP-BC", "ACNP", "ACNP-BC", "PNP", "PNP-BC", "CPNP",
                      "CPNP-PC", "CPNP-AC", "WHNP", "WHNP-BC", "PMHNP", "PMHNP-BC", "NNP", "NNP-BC", "DNP"}
PHYSICIAN_ASSISTANT = {"PA", "PA-C", "RPA-C"}
OTHER_CLINICIANS = ["DC", "DPM", "OD", "DDS", "DMD", "PSYD", "LCSW", "DPT", "PT", "CRNA", "CNM"]
CREDENTIAL_CLASSES = ["physician", "nurse practitioner", "physician assistant", *OTHER_CLINICIANS]


@dataclass
class MatchSummary:
    matched: int = 0
    review: int = 0
    unmatched: int = 0
    by_person: int = 0
    kept_for_person: int = 0  # decided by a person while this run was matching: theirs is kept
    changed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


class _ListingRow(NamedTuple):
    id: int
    name: str
    specialty: str | None
    addresses: list
    phones: list
    npi: str | None


class MatchError(LookupError):
    """A person's decision names a listing or physician that is not there."""


# -- preparing both sides -----------------------------------------------------------------------------


_city = lru_cache(maxsize=100_000)(normalize_city)
_state = lru_cache(maxsize=1_000)(normalize_state)
_PARTICLES = None


@lru_cache(maxsize=300_000)
def compact_name(text: str | None) -> str:
    return name_key(text).replace(" ", "")


def last_name_keys(last: str | None) -> list[tuple[str, int]]:
    """(key, kind) for a last name: kind 0 the whole name (spaces and hyphens removed), kind 2 each part
    of a multi-part one without particles ("Smith-Jones" -> SMITHJONES, SMITH, JONES; "de la Cruz" -> CRUZ)."""
    global _PARTICLES
    if _PARTICLES is None:
        _PARTICLES = {w.upper() for w in nameparser_words()}
    key = name_key(last)
    if not key:
        return []
    keys = [(key.replace(" ", ""), 0)]
    parts = [p for p in key.split() if len(p) > 1 and p not in _PARTICLES]
    if len(key.split()) > 1:
        keys += [(p, 2) for p in parts if p != keys[0][0]]
    return keys


@lru_cache(maxsize=10_000)
def _credential_mask(text: str | None) -> int:
    """The credential classes as bits, so that disagreement is a vectorized ``a & b == 0``."""
    return sum(1 << CREDENTIAL_CLASSES.index(c) for c in _credential_classes(text))


def _credential_classes(text: str | None) -> frozenset[str]:
    classes = set()
    for token in (normalize_credentials(text) or "").upper().replace(" ", "").split(","):
        if token in PHYSICIAN_CREDENTIALS:
            classes.add("physician")
        elif token in NURSE_PRACTITIONER:
            classes.add("nurse practitioner")
        elif token in PHYSICIAN_ASSISTANT:
            classes.add("physician assistant")
        elif token in OTHER_CLINICIANS:
            classes.add(token)
    return frozenset(classes)


@dataclass
class _Side:
    """One side (roster or listings) in columns: one row per physician/listing, plus exploded tables."""

    people: pd.DataFrame  # idx, first, middle, suffix, creds, specialty, last (display)...
    names: pd.DataFrame  # idx, key, kind (0 whole last name, 1 other name on record, 2 part)
    initials: pd.DataFrame  # idx, init
    phones: pd.DataFrame  # idx, phone
    addresses: pd.DataFrame  # idx, street, zip, zip3, city, state


def _roster_side(physicians: list, locations: list) -> _Side:
    people, names, initials = [], [], []
    for i, p in enumerate(physicians):
        first, middle = compact_name(p.first_name), compact_name(p.middle_name)
        firsts = {first} | {v.replace(" ", "") for v in nickname_variants(p.first_name)}
        keys = last_name_keys(p.last_name)
        for other in p.other_names or []:
            other = {"last_name": other} if isinstance(other, str) else other
            keys += [(k, 1 if kind == 0 else 2) for k, kind in last_name_keys(other.get("last_name"))]
            if other.get("first_name"):
                firsts |= {compact_name(other["first_name"])} | {v.replace(" ", "") for v in nickname_variants(other["first_name"])}
        people.append({
            "idx": i, "id": p.id, "npi": p.npi, "first": first, "middle": middle[:1],
            "middle_full": middle, "firsts": frozenset(f for f in firsts if f), "suffix": compact_name(p.suffix),
            "creds": _credential_mask(p.credentials), "specialty": specialty_code(p.specialty),
            "last": compact_name(p.last_name), "display": " ".join(filter(None, [p.first_name, p.last_name])),
        })
        names += [(i, k, kind) for k, kind in dict.fromkeys(keys)]
        initials += [(i, key) for key in _roster_first_keys(firsts | {middle}, first, middle)]
    people = pd.DataFrame(people, columns=["idx", "id", "npi", "first", "middle", "middle_full", "firsts", "suffix",
                                           "creds", "specialty", "last", "display"])
    position = dict(zip(people["id"], people["idx"]))
    phones, addresses = [], []
    for loc in locations:
        i = position.get(loc.physician_id)
        if i is None:
            continue
        phone = normalize_phone(loc.phone)
        if phone:
            phones.append((i, phone, _area_code(phone)))
        addresses.append(_address_row(i, loc.street, loc.city, loc.state, loc.zip))
    return _Side(people, _frame(names, ["idx", "key", "kind"]), _frame(initials, ["idx", "init"]),
                 _frame(phones, ["idx", "phone", "npa"]).drop_duplicates(),
                 _frame(addresses, ["idx", "street", "zip", "zip3", "city", "state"]).drop_duplicates())


def _listing_side(listings: list) -> _Side:
    """The listings' side from rows of (id, name, specialty, addresses, phones, npi); addresses and phones
    as lists or as their JSON text."""
    people, names, initials, phones, addresses = [], [], [], [], []
    for i, (id_, name, specialty, listing_addresses, listing_phones, npi) in enumerate(listings):
        if isinstance(listing_addresses, str):
            listing_addresses = json.loads(listing_addresses)
        if isinstance(listing_phones, str):
            listing_phones = json.loads(listing_phones)
        l = _ListingRow(id_, name, specialty, listing_addresses, listing_phones, npi)
        parsed = parse_person_name(l.name)
        first, middle = compact_name(parsed["first"]), compact_name(parsed["middle"])
        people.append({
            "idx": i, "id": l.id, "npi": l.npi, "first": first, "middle": middle[:1], "middle_full": middle,
            "suffix": compact_name(parsed["suffix"]), "creds": _credential_mask(parsed["credentials"]),
            "specialty": specialty_code(l.specialty), "last": compact_name(parsed["last"]),
        })
        names += [(i, k, kind) for k, kind in last_name_keys(parsed["last"])]
        initials += [(i, key) for key in _listing_first_keys(first, middle)]
        for phone in dict.fromkeys(normalize_phone(p) for p in l.phones or []):
            if phone:
                phones.append((i, phone, _area_code(phone)))
        for a in l.addresses or []:
            if isinstance(a, dict):
                addresses.append(_address_row(i, a.get("street"), a.get("city"), a.get("state"), a.get("zip")))
    return _Side(pd.DataFrame(people, columns=["idx", "id", "npi", "first", "middle", "middle_full", "suffix", "creds",
                                               "specialty", "last"]),
                 _frame(names, ["idx", "key", "kind"]), _frame(initials, ["idx", "init"]),
                 _frame(phones, ["idx", "phone", "npa"]),
                 _frame(addresses, ["idx", "street", "zip", "zip3", "city", "state"]).drop_duplicates())


def _roster_first_keys(names: set[str], first: str, middle: str) -> set[str]:
    """Blocking keys of a physician's first name: the first three letters of the name, its nicknames and the
    middle name (Robert: ROB, BOB, BER...), the initials of first and middle ("J*"), for a typo in the
    first three letters the first and last letter of the name ("R~T"), and "A!" when the roster has only the
    initial of the first name ("A Joseph Salais", where a listing shows Anita or Ajoseph)."""
    return ({n[:3] for n in names if n} | {f"{n[:1]}*" for n in (first, middle) if n}
            | ({_typo_key(first)} if len(first) >= TYPO_MIN_LENGTH else set())
            | ({f"{first}!"} if len(first) == 1 else set()))


def _listing_first_keys(first: str, middle: str) -> set[str]:
    """"J*" for an initial ("J. Robert Smith" also gives the middle name's keys), else the first three letters,
    the typo key and the first letter for a roster that has only the initial (see ``_roster_first_keys``)."""
    if len(first) == 1:
        return {f"{first}*"} | ({middle[:3], f"{middle[:1]}*"} if middle else set())
    if not first:
        return set()
    return {first[:3], f"{first[0]}!"} | ({_typo_key(first)} if len(first) >= TYPO_MIN_LENGTH else set())


TYPO_MIN_LENGTH = 4  # shorter first names have too little to tell a typo from another name


def _typo_key(name: str) -> str:
    """"KAHTRYN" and "KATHRYN" share "K~N": a slip inside a name keeps its first and last letters, and a slip
    at its end keeps the first three (the other key). A pair found by this key alone is kept only when the
    first names are similar (``_first_levels``), so it never brings in another first name."""
    return f"{name[0]}~{name[-1]}"


TOLL_FREE = {"800", "833", "844", "855", "866", "877", "888"}


def _area_code(phone: str) -> str:
    """The area code of a North American number in E.164 ("+14045550101" -> "404"); "" for a toll-free or
    foreign number, which says nothing about where the practice is."""
    code = phone[2:5] if phone.startswith("+1") else ""
    return "" if code in TOLL_FREE else code


def _address_row(i: int, street, city, state, zip_) -> tuple:
    zip5 = normalize_zip(zip_) or ""
    # The street without its unit, as normalize.address_agreement compares them: a suite shown on one side
    # only is the same place, and another suite is an outdated detail of the same place.
    return (i, split_unit(street)[0], zip5, zip5[:3], _city(city), _state(state) or "")


def _frame(rows: list, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


# -- candidate pairs --------------------------------------------------------------------------------------


def candidate_pairs(roster: _Side, listings: _Side) -> pd.DataFrame:
    """(l, r, last_level) for every listing x physician worth scoring.

    Blocks: a last-name key (whole, part, or a name on record) with a compatible first-name key (see
    ``_roster_first_keys``: nicknames, middle names and initials are compatible); or a shared phone with a
    compatible first-name key (a changed last name nobody recorded).
    """
    # Keys as shared integer codes: merging millions of rows on integers is faster and smaller than on text.
    r_init, l_init = _coded(roster.initials, listings.initials, "init")
    r_init["typo"] = r_init["init_text"].str.contains("~", regex=False).to_numpy()
    l_init = l_init.drop(columns="init_text")
    r_init = r_init.drop(columns="init_text")
    r_names, l_names = roster.names, listings.names
    r_names, l_names = (_with_joined_surnames(r_names, l_names["key"].to_numpy()),
                        _with_joined_surnames(l_names, r_names.loc[r_names["kind"] <= 1, "key"].to_numpy()))
    r_names, l_names = _coded(r_names, l_names, "key")
    r_names, l_names = r_names.drop(columns="key_text"), l_names.drop(columns="key_text")
    r_pairs = r_names.merge(r_init, on="idx")
    l_pairs = l_names.merge(l_init, on="idx", how="left")
    with_init = l_pairs[l_pairs["init"].notna()].astype({"init": "int64"})
    by_name = with_init.merge(r_pairs, on=["key", "init"], suffixes=("_l", "_r"))
    no_init = l_pairs[l_pairs["init"].isna()].drop(columns="init")
    by_name = pd.concat([by_name, no_init.merge(r_names, on="key", suffixes=("_l", "_r")).assign(typo=False)],
                        ignore_index=True)
    del r_pairs, l_pairs, with_init, no_init
    # Whole name against whole name (or a name on record) is exact; anything with a part is a part.
    by_name["level"] = np.where((by_name["kind_l"] == 0) & (by_name["kind_r"] <= 1), 3, 2)
    by_name["alias"] = (by_name["level"] == 3) & (by_name["kind_r"] == 1)
    by_name = by_name.rename(columns={"idx_l": "l", "idx_r": "r"})[["l", "r", "level", "alias", "typo"]]

    r_phone, l_phone = _coded(roster.phones[["idx", "phone"]], listings.phones[["idx", "phone"]], "phone")
    by_phone = l_phone.drop(columns="phone_text").merge(l_init, on="idx").merge(
        r_phone.drop(columns="phone_text").merge(r_init, on="idx"), on=["phone", "init"], suffixes=("_l", "_r"))
    by_phone = by_phone.rename(columns={"idx_l": "l", "idx_r": "r"})[["l", "r", "typo"]].assign(level=-1, alias=False)

    pairs = pd.concat([by_name, by_phone], ignore_index=True).astype({"l": "int64", "r": "int64", "level": "int64",
                                                                       "alias": bool, "typo": bool})
    # A pair that only the typo key found is kept when the first names are similar after all.
    # Only "similar" (see _first_levels) can hold for a pair found by the typo key alone: nicknames, middle
    # names and prefixes share a three-letter key.
    typo_only = pairs.groupby(["l", "r"], sort=False)["typo"].transform("min").to_numpy()
    if typo_only.any():
        tl, tr = pairs["l"].to_numpy()[typo_only], pairs["r"].to_numpy()[typo_only]
        keep = np.ones(len(pairs), bool)
        keep[typo_only] = _similar(listings.people["first"].to_numpy()[tl].tolist(),
                                   roster.people["first"].to_numpy()[tr].tolist())
        pairs = pairs[keep]
    pairs = pairs.drop(columns="typo")
    pairs = pairs.sort_values(["level", "alias"], ascending=[False, True]).drop_duplicates(["l", "r"])
    unscored = pairs["level"] < 0
    if unscored.any():
        a = listings.people["last"].to_numpy()[pairs.loc[unscored, "l"].to_numpy()]
        b = roster.people["last"].to_numpy()[pairs.loc[unscored, "r"].to_numpy()]
        similar = [bool(x and y and JaroWinkler.normalized_similarity(x, y) >= 0.92) for x, y in zip(a, b)]
        pairs.loc[unscored, "level"] = np.where(similar, 1, 0)
    return pairs.reset_index(drop=True)


JOINED_MIN = (5, 4)  # letters of the first surname and of the rest in a joined compound surname


def _with_joined_surnames(names: pd.DataFrame, other_keys: np.ndarray) -> pd.DataFrame:
    """``names`` plus, as a part (kind 2), the first surname of a compound one written joined when the other
    side has it alone: CMS writes "FERNANDEZ-VICIOSO" as FERNANDEZVICIOSO where NPPES has FERNANDEZ. Both
    pieces must be long enough to be surnames (JOINED_MIN), so FRANKLIN is not FRANK joined to LIN."""
    others = set(other_keys.tolist())
    whole = names[names["kind"] == 0]
    first, rest = JOINED_MIN
    found = [(key, key[:k]) for key in set(whole["key"].tolist()) if len(key) >= first + rest
             for k in range(first, len(key) - rest + 1) if key[:k] in others]
    if not found:
        return names
    extra = pd.DataFrame(found, columns=["key", "part"]).merge(whole[["idx", "key"]], on="key")
    extra = extra[["idx", "part"]].rename(columns={"part": "key"}).drop_duplicates()
    # Only what the names do not have already (a part or a name on record keeps its own kind).
    extra = extra.merge(names[["idx", "key"]], how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"][["idx", "key"]].assign(kind=2)
    return pd.concat([names, extra], ignore_index=True)


def _coded(a: pd.DataFrame, b: pd.DataFrame, column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables with ``column`` as an integer code shared by the two, and the text kept as ``<column>_text``."""
    codes, _ = pd.factorize(pd.concat([a[column], b[column]], ignore_index=True))
    return (a.assign(**{f"{column}_text": a[column], column: codes[:len(a)]}),
            b.assign(**{f"{column}_text": b[column], column: codes[len(a):]}))


# -- scoring ----------------------------------------------------------------------------------------------


def _tf_weight(counts: pd.Series, share: float, bounds: tuple[float, float], total: int) -> pd.Series:
    """log2(m/u) with u the name's share on the roster, smoothed towards ``share`` (m taken as 0.95)."""
    u = (counts + PRIOR_COUNT * share) / (total + PRIOR_COUNT)
    return np.log2(0.95 / u).clip(*bounds)


def score_pairs(pairs: pd.DataFrame, roster: _Side, listings: _Side) -> pd.DataFrame:
    """Each field's comparison level and weight per pair, the total in bits and the cap (0 none, 1 review
    at most, 2 unmatched)."""
    R, L = roster.people, listings.people
    l, r = pairs["l"].to_numpy(), pairs["r"].to_numpy()
    out = pairs.copy()
    n = len(out)

    # Last name: term-frequency weight of the physician's last name for an exact agreement.
    last_w = _tf_weight(R["last"].map(R["last"].value_counts()), LAST_PRIOR_SHARE, LAST_EXACT_RANGE, len(R)).to_numpy()
    level = out["level"].to_numpy()
    out["last_name"] = np.array(LAST_LEVELS, dtype=object)[level]
    out["w_last_name"] = np.select([level == 3, level == 2, level == 1], [last_w[r], W["last_name"]["part"],
                                   W["last_name"]["similar"]], W["last_name"]["differs"])

    # First name.
    first_w = _tf_weight(R["first"].map(R["first"].value_counts()), FIRST_PRIOR_SHARE, FIRST_EXACT_RANGE, len(R)).to_numpy()
    lf, rf = L["first"].to_numpy()[l], R["first"].to_numpy()[r]
    first_level = _first_levels(lf, rf, R["firsts"].to_numpy()[r], R["middle_full"].to_numpy()[r])
    out["first_name"] = first_level
    out["w_first_name"] = np.where(first_level == "exact", first_w[r],
                                   pd.Series(first_level).map(W["first_name"]).fillna(0.0).to_numpy())

    # Middle initial, suffix, credentials.
    lm, rm = L["middle"].to_numpy()[l], R["middle"].to_numpy()[r]
    both = (lm != "") & (rm != "") & (first_level != "goes by middle name")
    out["middle_name"] = np.where(both, np.where(lm == rm, "agrees", "differs"), "")
    out["w_middle_name"] = np.where(both, np.where(lm == rm, W["middle_name"]["agrees"], W["middle_name"]["differs"]), 0.0)
    ls, rs = L["suffix"].to_numpy()[l], R["suffix"].to_numpy()[r]
    suffix_differs = (ls != "") & (rs != "") & (ls != rs)
    out["suffix"] = np.where(suffix_differs, "differs", "")
    out["w_suffix"] = np.where(suffix_differs, W["suffix"]["differs"], 0.0)
    lc, rc = L["creds"].to_numpy(dtype="int64")[l], R["creds"].to_numpy(dtype="int64")[r]
    creds_differ = (lc > 0) & (rc > 0) & ((lc & rc) == 0)
    out["credentials"] = np.where(creds_differ, "differ", "")
    out["w_credentials"] = np.where(creds_differ, W["credentials"]["differ"], 0.0)

    # Specialty: the same NUCC code, the same classification, or another.
    lsp, rsp = L["specialty"].to_numpy()[l], R["specialty"].to_numpy()[r]
    known = pd.notna(lsp) & pd.notna(rsp)
    same = known & (lsp == rsp)
    related = known & ~same & (pd.Series(lsp).str[:4].to_numpy() == pd.Series(rsp).str[:4].to_numpy())
    out["specialty"] = np.select([same, related, known], ["same", "related", "differs"], "")
    out["w_specialty"] = np.select([same, related, known], [W["specialty"]["same"], W["specialty"]["related"],
                                                           W["specialty"]["differs"]], 0.0)

    # Phone, compared when both sides have one: any of the listing's phones among the physician's (weaker for
    # a number many of them share); else one in the same area code as theirs (an old number nearby, a call
    # centre) or none (a number elsewhere: with no address to say otherwise, a namesake's).
    out["pair"] = np.arange(n)
    sharing = roster.phones.groupby("phone")["idx"].nunique()
    ph = out[["pair", "l", "r"]].merge(listings.phones[["idx", "phone", "npa"]].rename(columns={"idx": "l"}), on="l")
    ph = ph[np.isin(ph["r"].to_numpy(), roster.phones["idx"].to_numpy())]
    r_phones = roster.phones.rename(columns={"idx": "r"})
    agree = ph.merge(r_phones[["r", "phone"]], on=["r", "phone"]).drop_duplicates("pair")
    near = ph[ph["npa"] != ""].merge(r_phones[["r", "npa"]].drop_duplicates(), on=["r", "npa"])
    pair = out["pair"].to_numpy()
    has_phone = np.isin(pair, ph["pair"].to_numpy())
    phone_ok = np.isin(pair, agree["pair"].to_numpy())
    phone_near = ~phone_ok & np.isin(pair, near["pair"].to_numpy())
    geographic = (ph["npa"] != "").to_numpy() & np.isin(ph["r"].to_numpy(), r_phones.loc[r_phones["npa"] != "", "r"].to_numpy())
    phone_far = has_phone & ~phone_ok & ~phone_near & np.isin(pair, ph.loc[geographic, "pair"].to_numpy())
    out["phone_value"] = pd.Series(agree["phone"].to_numpy(), index=agree["pair"].to_numpy()).reindex(range(n)).to_numpy()
    phone_w = PHONE_AGREES - np.log2(agree["phone"].map(sharing).to_numpy().astype(float))
    w_phone = np.zeros(n)
    w_phone[agree["pair"].to_numpy()] = np.maximum(phone_w, 4.0)
    out["phone"] = np.select([phone_ok, phone_near, phone_far, has_phone],
                             ["agrees", "same area code", "another area code", "another number"], "")
    out["w_phone"] = np.where(phone_ok, w_phone, pd.Series(out["phone"]).map(W["phone"]).fillna(0.0).to_numpy())
    del ph, agree, near

    # Address: the best agreement between any listing address and any roster location.
    l_addr, r_addr = _coded_addresses(listings.addresses, roster.addresses)
    ad = out[["pair", "l", "r"]].merge(l_addr, left_on="l", right_on="idx").merge(
        r_addr, left_on="r", right_on="idx", suffixes=("_l", "_r"))
    del ad["idx_l"], ad["idx_r"]
    zip_same = (ad["zip_l"] > 0) & (ad["zip_l"] == ad["zip_r"])
    city_same = (ad["city_l"] > 0) & (ad["city_l"] == ad["city_r"]) & (ad["state_l"] == ad["state_r"])
    street_same = (ad["street_l"] > 0) & (ad["street_l"] == ad["street_r"]) & (zip_same | city_same)
    metro = (ad["zip3_l"] > 0) & (ad["zip3_l"] == ad["zip3_r"])
    state_same = (ad["state_l"] > 0) & (ad["state_l"] == ad["state_r"])
    state_known = (ad["state_l"] > 0) & (ad["state_r"] > 0)
    ad["rank"] = np.select([street_same, zip_same, city_same, metro, state_same, state_known], [5, 4, 3, 2, 1, 0], -1)
    best = ad.sort_values("rank", ascending=False).drop_duplicates("pair")
    best = best[best["rank"] >= 0]
    rank = np.full(n, -1)
    rank[best["pair"].to_numpy()] = best["rank"].to_numpy()
    address_row = np.full(n, -1)
    address_row[best["pair"].to_numpy()] = best["row"].to_numpy()
    del ad
    out["address_rank"] = rank
    out["address_row"] = address_row  # the listing address that agrees best, for the evidence
    out["address"] = np.where(rank >= 0, np.array(ADDRESS_LEVELS, dtype=object)[np.maximum(rank, 0)], "")
    out["w_address"] = pd.Series(out["address"]).map(W["address"]).fillna(0.0).to_numpy()

    weights = [c for c in out.columns if c.startswith("w_")]
    out["bits"] = out[weights].sum(axis=1)
    # The overriding patterns (see the module docstring).
    phone_differs = has_phone & ~phone_ok
    comparable = rank >= 0  # both sides have an address with at least a state to compare
    # A number in one of the physician's area codes beside an address in another area is an old number of
    # theirs more likely than a namesake's (which would be local to the namesake): moved, not a namesake.
    near_elsewhere = phone_near & comparable & (rank <= 1)
    namesake = phone_differs & comparable & (rank <= 1) & ~near_elsewhere
    # A number in another area code and no address: the namesake pattern without its address.
    far_phone_only = phone_far & ~comparable
    moved = phone_differs & ((rank == 2) | (rank == 3) | near_elsewhere)
    out["moved"] = moved
    outdated = moved & ~near_elsewhere & (out["bits"].to_numpy() >= MOVED_BITS) & (level == 3) & np.isin(first_level, ["exact", "nickname"]) \
        & (out["specialty"].to_numpy() != "differs")
    names_disagree = (first_level == "differs") | (level == 0)
    out["far_phone_only"] = far_phone_only
    out["cap"] = np.select([namesake, (moved & ~outdated) | names_disagree | far_phone_only], [2, 1], 0)
    return out


def _coded_addresses(listing: pd.DataFrame, roster: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both address tables with every part as an integer code shared by the two (0 for blank): comparing
    millions of address pairs as integers is fast and small. ``row`` numbers the listing's rows."""
    both = pd.concat([listing, roster], ignore_index=True)
    coded = pd.DataFrame({"idx": both["idx"].to_numpy()})
    for column in ("street", "zip", "zip3", "city", "state"):
        codes, uniques = pd.factorize(both[column].fillna(""))
        blank = np.flatnonzero(uniques == "")
        coded[column] = np.where(codes == blank[0], 0, codes + 1) if len(blank) else codes + 1
    n = len(listing)
    return coded.iloc[:n].assign(row=np.arange(n)), coded.iloc[n:].reset_index(drop=True)


def _first_levels(lf: np.ndarray, rf: np.ndarray, firsts: np.ndarray, middles: np.ndarray) -> np.ndarray:
    """exact, nickname, goes by middle name, initial, prefix (Stacy ~ Stacyann, Dipak ~ Dipakkumar), similar
    (a typo: Kahtryn; or one slip early in a long name, which Jaro-Winkler weighs hard: Wiiliam), missing or
    differs, per pair; the first that applies, in that order. Column-wise: this runs over a million pairs."""
    levels = np.full(len(lf), "differs", dtype=object)
    todo = np.flatnonzero((lf != rf) & (lf != ""))
    levels[lf == rf] = "exact"
    levels[lf == ""] = "missing"
    if not len(todo):
        return levels
    a, b = lf[todo].tolist(), rf[todo].tolist()
    la, lb = np.array([len(x) for x in a]), np.array([len(x) for x in b])
    shortest = np.minimum(la, lb)
    nickname = np.array([x in v for x, v in zip(a, firsts[todo].tolist())], bool)
    middle = np.array([bool(m) and x == m for x, m in zip(a, middles[todo].tolist())], bool)
    initial = shortest == 1
    same_initial = np.array([x[:1] == y[:1] for x, y in zip(a, b)], bool)
    prefix = (shortest >= 3) & np.array([x.startswith(y) or y.startswith(x) for x, y in zip(a, b)], bool)
    similar = np.zeros(len(todo), bool)
    long_enough = np.flatnonzero(~initial & ~prefix & (shortest >= 4))
    similar[long_enough] = _similar([a[i] for i in long_enough], [b[i] for i in long_enough])
    levels[todo] = np.select(
        [nickname, middle, initial & same_initial, initial, prefix, similar],
        ["nickname", "goes by middle name", "initial", "differs", "prefix", "similar"], "differs")
    return levels


def _similar(a: list[str], b: list[str]) -> np.ndarray:
    """Pairwise: Jaro-Winkler >= 0.9 for names of 4 letters or more, or one edit (a slip early in a long
    name, which Jaro-Winkler weighs hard) for names of 6 or more."""
    if not a:
        return np.zeros(0, bool)
    shortest = np.minimum([len(x) for x in a], [len(y) for y in b])
    close = (shortest >= 4) & (cpdist(a, b, scorer=JaroWinkler.normalized_similarity, dtype=np.float64) >= 0.9)
    return close | ((shortest >= 6) & (cpdist(a, b, scorer=OSA.distance) <= 1))


def decide(scored: pd.DataFrame) -> pd.DataFrame:
    """One row per listing with candidates: the best pair, its runner-up's weight and the status."""
    ordered = scored.sort_values(["l", "bits"], ascending=[True, False])
    best = ordered.drop_duplicates("l").set_index("l")
    runner = ordered[ordered.duplicated("l")].drop_duplicates("l").set_index("l")
    best["runner_bits"] = runner["bits"].reindex(best.index)
    best["runner_r"] = runner["r"].reindex(best.index)
    # Another last name with the same first name, one of the physician's phones and (if shown) an address in
    # one of their cities: a former or married name nobody recorded. A question for a person, however common
    # the first name or shared the phone, never a match.
    best["other_surname"] = ((best["last_name"] == "differs") & (best["phone"] == "agrees")
                             & best["first_name"].isin(["exact", "nickname"])
                             & ((best["address_rank"] >= 3) | (best["address_rank"] < 0)))
    margin = best["bits"] - best["runner_bits"].fillna(-np.inf)
    clear = margin >= MARGIN_BITS
    best["status"] = np.select(
        [(best["bits"] >= MATCHED_BITS) & clear & (best["cap"] == 0),
         ((best["bits"] >= REVIEW_BITS) | best["other_surname"]) & (best["cap"] <= 1)],
        ["matched", "review"], "unmatched")
    best["ambiguous"] = (best["bits"] >= REVIEW_BITS) & ~clear
    return best


# -- evidence ---------------------------------------------------------------------------------------------

FIELDS = ["last_name", "first_name", "middle_name", "suffix", "credentials", "specialty", "phone", "address"]


def _why(name: str, level: str, row, roster_row: dict, listing_row: dict) -> str:
    if name == "last_name":
        return {"exact": f"{'a name on record' if row.alias else 'same last name'} ({listing_row['last']})",
                "part": f"part of the last name agrees ({listing_row['last']} ~ {roster_row['last']})",
                "similar": f"last name similar ({listing_row['last']} ~ {roster_row['last']})",
                }.get(level, f"last name differs ({listing_row['last'] or '-'} vs {roster_row['last']})")
    if name == "first_name":
        return f"first name {level} ({listing_row['first'] or '-'} ~ {roster_row['first']})"
    if name == "phone":
        return (f"phone agrees ({row.phone_value})" if level == "agrees"
                else f"the listing's phones are none of ours ({level})")
    if name == "address":
        return {"street": "same street address", "zip": "same ZIP", "city": "same city", "metro": "same area (3-digit ZIP)",
                "state": "same state, another area", "another state": "another state"}[level] + f" ({listing_row['address']})"
    if name == "specialty":
        return f"specialty {level} ({listing_row['specialty'] or '?'} ~ {roster_row['specialty'] or '?'})"
    return f"{name.replace('_', ' ')} {level}"


def _evidence(row, roster_row: dict, listing_row: dict, runner_npi: str | None) -> dict:
    fields = {}
    for name in FIELDS:
        level = getattr(row, name)
        if level:
            fields[name] = {"level": level, "weight": round(float(getattr(row, f"w_{name}")), 2),
                            "why": _why(name, level, row, roster_row, listing_row)}
    evidence = {"bits": round(float(row.bits), 2), "fields": fields}
    notes = []
    if row.cap == 2:
        notes.append("another phone and another area than all of the physician's: a namesake")
    elif row.cap == 1 and row.far_phone_only:
        notes.append("a phone in another area code than all of the physician's and no address: a namesake? "
                     "a person should look")
    elif row.moved:
        where = ("another phone in one of the physician's area codes and an address in another area"
                 if row.address_rank <= 1 else "another phone and an address in the same area but not the same ZIP")
        notes.append(f"{where}: moved? a person should look" if row.cap == 1 else
                     f"{where}, with the whole name agreeing: the listing's contact details look outdated")
    elif row.other_surname:
        notes.append("another last name with the same first name and the physician's phone: a former or married "
                     "name? a person should look")
    elif row.cap == 1:
        notes.append("the names disagree: a person should look")
    if runner_npi is not None:
        evidence["runner_up"] = {"npi": runner_npi, "bits": round(float(row.runner_bits), 2)}
        if row.ambiguous:
            notes.append(f"NPI {runner_npi} scores almost as well ({row.runner_bits:.1f} bits)")
    agreeing = [f["why"] for f in fields.values() if f["weight"] > 0]
    against = [f["why"] for f in fields.values() if f["weight"] < 0]
    verdict = {"matched": "matched", "review": "needs review",
               "unmatched": f"closest is NPI {roster_row['npi']}, not matched"}[row.status]
    evidence["summary"] = f"{verdict}: " + "; ".join(
        agreeing + [f"against: {w}" for w in against] + notes) + f" ({row.bits:.1f} bits)"
    return evidence


def _rows(frame: pd.DataFrame):
    """``frame.itertuples()``, column by column: iterating pandas' Arrow-backed text columns a cell at a time
    is slow."""
    Row = NamedTuple("Row", [("Index", object), *((c, object) for c in frame.columns)])
    yield from map(Row._make, zip(frame.index.tolist(), *(frame[c].tolist() for c in frame.columns)))


def _records(people: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows as plain dicts: reading pandas rows one by one is slow."""
    return [dict(zip(columns, values)) for values in zip(*(people[c].tolist() for c in columns))]


# -- matching over the database -----------------------------------------------------------------------------


SCORE_CHUNK = 50_000  # listings scored at a time: the per-pair frames of a chunk, not of all, are in memory
PARALLEL_FROM = 20_000  # listings; below this a second process costs more than it saves


def compute_matches(physicians: list, locations: list, listings: list):
    """The decision for each listing, {listing_id, physician_id, score, status, method, evidence}, as they
    come (250,000 of them with their evidence are large: ``match_listings`` stores them as they come).

    ``listings`` are rows of (id, name, specialty, addresses, phones, npi); the list is consumed. Each
    listing's decision depends on it and the roster alone, so the matcher's budget of two cores is used by
    splitting a large set in two halves, each prepared, paired, scored and explained in its own process. The
    helper is spawned, not forked (a fork starts with all of this process's memory and copies what it
    touches) and hands its decisions over a pipe in small batches, taken between this process's own."""
    if len(listings) < PARALLEL_FROM or multiprocessing.current_process().daemon:
        yield from _part_decisions(physicians, locations, listings)
        return
    half = len(listings) // 2
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    helper = context.Process(target=_helper, args=(physicians, locations, listings[half:], sender), daemon=True)
    helper.start()
    sender.close()  # the helper's end only: should it die, reading gives EOFError rather than waiting forever
    del listings[half:]
    done = False
    try:
        for n, decision in enumerate(_part_decisions(physicians, locations, listings), start=1):
            yield decision
            if n % HANDOVER_SIZE == 0:
                while not done and receiver.poll():
                    batch, done = _handed_over(receiver, helper)
                    yield from batch
        while not done:
            batch, done = _handed_over(receiver, helper)
            yield from batch
    finally:
        receiver.close()
        if helper.is_alive():
            helper.terminate()
        helper.join()


HANDOVER_SIZE = 2_000  # decisions per batch from the helper process


def _helper(physicians: list, locations: list, listings: list, sender) -> None:
    """The helper process: the second half's decisions through ``sender`` in batches, then ``done`` (or the
    error). Sending waits while the pipe is full, so the helper never piles up more than a batch."""
    try:
        batch = []
        for decision in _part_decisions(physicians, locations, listings):
            batch.append(decision)
            if len(batch) >= HANDOVER_SIZE:
                sender.send(("batch", batch))
                batch = []
        sender.send(("batch", batch))
        sender.send(("done", None))
    except BaseException:  # noqa: BLE001 - handed to the main process, which raises it
        import traceback

        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def _handed_over(receiver, helper) -> tuple[list, bool]:
    """(decisions, finished) from the helper; raises if it failed or died."""
    try:
        kind, payload = receiver.recv()
    except EOFError:
        helper.join()
        raise RuntimeError(f"the matching helper process ended unexpectedly (exit code {helper.exitcode})") from None
    if kind == "error":
        raise RuntimeError(f"the matching helper process failed:\n{payload}")
    return (payload, False) if kind == "batch" else ([], True)


def _part_decisions(physicians: list, locations: list, listings: list):
    side = _listing_side(listings)
    listings.clear()  # the rows are large and their columns are not: free them before pairing and scoring
    roster = _roster_side(physicians, locations)
    _clear_caches()
    yield from _iter_decisions(roster, side)


def _clear_caches() -> None:
    """Free the parsing caches once both sides are columns: for 125,000 listings they hold ~250 MB that the
    pairing and scoring can use."""
    for cached in (split_unit, _city, compact_name, normalize_phone, parse_person_name_cached):
        cached.cache_clear()
    gc.collect()


def _iter_decisions(roster: _Side, side: _Side):
    """The decisions one by one (see ``compute_matches``)."""
    decisions: dict[int, dict] = {}
    by_npi = dict(zip(roster.people["npi"], roster.people["id"]))
    shown = side.people[side.people["npi"].notna()]
    for idx, id_, npi in zip(shown["idx"].tolist(), shown["id"].tolist(), shown["npi"].tolist()):
        if isinstance(npi, str) and is_valid_npi(npi):
            physician_id = by_npi.get(npi)
            why = f"the listing shows NPI {npi}" + ("" if physician_id else ", not on the roster")
            decisions[idx] = {
                "listing_id": int(id_), "physician_id": int(physician_id) if physician_id else None,
                "score": 1.0 if physician_id else 0.0, "status": "matched" if physician_id else "unmatched",
                "method": "npi", "evidence": {"summary": why, "fields": {"npi": {"level": "agrees" if physician_id else "not on roster", "weight": None, "why": why}}},
            }
    todo = side.people[~side.people["idx"].isin(list(decisions))]
    done = set(decisions)
    best = None
    if len(roster.people) and len(todo):
        pairs = candidate_pairs(roster, side)
        pairs = pairs[pairs["l"].isin(todo["idx"])]
        # Scoring and deciding are per listing, so a chunk of listings at a time gives the same decisions
        # (pairs keep their order) with a fraction of the per-pair frames in memory at once.
        l = pairs["l"].to_numpy()
        bests = []
        for start in range(0, len(side.people), SCORE_CHUNK):
            chunk = pairs[(l >= start) & (l < start + SCORE_CHUNK)]
            if len(chunk):
                bests.append(decide(score_pairs(chunk.reset_index(drop=True), roster, side)))
            del chunk
            gc.collect()
        del pairs, l
        if bests:
            best = pd.concat(bests) if len(bests) > 1 else bests[0]
            del bests
    yield from decisions.values()
    del decisions
    if best is not None:
        columns = ["id", "npi", "first", "last", "specialty"]
        physicians_, listings_ = _records(roster.people, columns), _records(side.people, columns)
        a = side.addresses.astype(str)
        address_text = (a["street"] + ", " + a["city"] + " " + a["state"] + " " + a["zip"]).str.strip(", ").tolist()
        for row in _rows(best):
            roster_row, listing_row = physicians_[int(row.r)], listings_[row.Index]
            if row.address_row >= 0:
                listing_row = {**listing_row, "address": address_text[int(row.address_row)]}
            runner = None if math.isnan(row.runner_bits) else physicians_[int(row.runner_r)]["npi"]
            evidence = _evidence(row, roster_row, listing_row, runner)
            keep = row.status != "unmatched"
            done.add(row.Index)
            yield {
                "listing_id": int(listing_row["id"]),
                "physician_id": int(roster_row["id"]) if keep else None,
                "score": round(1 / (1 + 2 ** -(float(row.bits) + PRIOR_BITS)), 4),
                "status": row.status, "method": "score", "evidence": evidence,
            }
    for idx, id_ in zip(todo["idx"].tolist(), todo["id"].tolist()):
        if idx not in done:
            why = "no roster physician with this name or phone"
            yield {"listing_id": int(id_), "physician_id": None, "score": 0.0, "status": "unmatched",
                   "method": "score", "evidence": {"summary": why, "fields": {}}}


STORE_BATCH = 5_000  # decisions stored per transaction: a person's command waits for one batch at most


def match_listings(engine: Engine, *, now: datetime | None = None) -> MatchSummary:
    """Match every listing not decided by a person; store a decision per listing; return counts.

    Whatever runs at the same time, a person's decision stands: the matcher never writes over a row whose
    method is "person" (the database checks it as it writes, so a decision a person makes while the matcher
    runs is kept and counted in ``kept_for_person``), and a decision stored meanwhile by another matching run
    is updated, not inserted twice. Decisions are stored in batches, each its own transaction, sorted by
    listing so that two runs at once take their row locks in the same order.
    """
    now = now or datetime.now(UTC)
    summary = MatchSummary()
    with engine.connect() as connection:
        physicians = connection.execute(select(Physician.__table__)).all()
        locations = connection.execute(select(Location.__table__)).all()
        existing = {row.listing_id: row for row in connection.execute(select(Match.__table__))}
        listing_table = Listing.__table__
        # Addresses and phones as their JSON text: each matching process parses its own half.
        rows = [tuple(l) for l in connection.execute(select(
                listing_table.c.id, listing_table.c.name, listing_table.c.specialty,
                cast(listing_table.c.addresses, Text), cast(listing_table.c.phones, Text), listing_table.c.npi))
                if not (l.id in existing and existing[l.id].method == "person")]
        known = _known_decisions(connection, physicians, {r[0] for r in rows})
    decided_by_person = {id_ for id_, row in existing.items() if row.method == "person"}
    pending: list[dict] = []
    for decision in compute_matches(physicians, locations, rows):
        decision = known.get(decision["listing_id"], decision)
        current = existing.get(decision["listing_id"])
        if current is None or any(getattr(current, k) != decision[k] for k in _DECIDED):
            pending.append({**decision, "updated_at": now})
        if len(pending) >= STORE_BATCH:
            summary.changed += _store_batch(engine, pending)
            pending = []
    summary.changed += _store_batch(engine, pending)
    _count_stored(engine, summary, decided_by_person)
    return summary


_DECIDED = ("physician_id", "score", "status", "method", "evidence")


def _known_decisions(connection, physicians: list, listing_ids: set[int]) -> dict[int, dict]:
    """Listing id -> the decision a person's word gives it: a known listing they added or imported (or a
    suggestion they confirmed) is that physician's, whatever the scores say."""
    from reputation.known_listings import confirmed_by_url, url_key

    known = confirmed_by_url(connection)
    if not known:
        return {}
    by_npi = {p.npi: p.id for p in physicians}
    table = Listing.__table__
    decisions = {}
    for listing_id, source, url in connection.execute(select(table.c.id, table.c.source, table.c.url)):
        entry = known.get((source, url_key(url)))
        if entry is None or listing_id not in listing_ids or entry.npi not in by_npi:
            continue
        how = {"user": "added by hand", "import": "imported", "website": "suggested by the own website and confirmed"}
        when = entry.decided_at.date().isoformat() if entry.decided_at else "?"
        why = f"a known listing of NPI {entry.npi} ({how.get(entry.how, entry.how)} on {when})"
        decisions[listing_id] = {
            "listing_id": listing_id, "physician_id": int(by_npi[entry.npi]), "score": 1.0, "status": "matched",
            "method": "known", "evidence": {"summary": why, "fields": {"known": {"level": "agrees", "weight": None, "why": why}}},
        }
    return decisions


def _store_batch(engine: Engine, decisions: list[dict]) -> int:
    """Insert or update ``decisions`` in one transaction, except over a person's; returns how many were
    stored."""
    if not decisions:
        return 0
    table = Match.__table__
    with engine.begin() as connection:
        statement = _dialect_insert(connection)(table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.listing_id],
            set_={k: statement.excluded[k] for k in (*_DECIDED, "updated_at")},
            where=table.c.method != "person",
        )
        rows = sorted(decisions, key=lambda d: d["listing_id"])
        if connection.dialect.name == "postgresql":  # psycopg counts no rows of an executemany: have them returned
            return len(connection.execute(statement.returning(table.c.listing_id), rows).all())
        return connection.execute(statement, rows).rowcount  # RETURNING would cost SQLite a tenth more time


def _count_stored(engine: Engine, summary: MatchSummary, decided_by_person: set[int]) -> None:
    """The counts of what is stored now, so that they include what a person decided while matching ran."""
    table = Match.__table__
    with engine.connect() as connection:
        for status, method, n in connection.execute(
                select(table.c.status, table.c.method, func.count()).group_by(table.c.status, table.c.method)):
            _count(summary, status, n)
        persons = set(connection.execute(select(table.c.listing_id).where(table.c.method == "person")).scalars())
    summary.by_person = len(persons)
    summary.kept_for_person = len(persons - decided_by_person)


def _dialect_insert(connection):
    """The INSERT with ON CONFLICT of this database (SQLite and PostgreSQL have the same one)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def _count(summary: MatchSummary, status: str, n: int = 1) -> None:
    summary.statuses[status] = summary.statuses.get(status, 0) + n
    if status in ("matched", "review", "unmatched"):
        setattr(summary, status, getattr(summary, status) + n)


# -- a person's decisions -----------------------------------------------------------------------------------


def review_rows(engine: Engine) -> list[dict]:
    """The matches waiting for a person, best first: listing, candidate physician, score and evidence."""
    with Session(engine) as session:
        rows = session.exec(
            select(Listing, Match, Physician)
            .join(Match, Match.listing_id == Listing.id)
            .join(Physician, Physician.id == Match.physician_id, isouter=True)
            .where(Match.status == "review").order_by(Match.score.desc(), Listing.url)
        ).all()
        return [{"source": l.source, "url": l.url, "listing_name": l.name, "npi": p.npi if p else "",
                 "physician": f"{p.first_name} {p.last_name}" if p else "", "score": m.score,
                 "summary": (m.evidence or {}).get("summary", ""), "evidence": m.evidence}
                for l, m, p in rows]


def _listing_by_url(session, url: str) -> Listing:
    found = session.exec(select(Listing).where(Listing.url == url)).all()
    if not found:
        raise MatchError(f"no listing with the URL {url} (see `repmon export matches` for the URLs)")
    if len(found) > 1:
        raise MatchError(f"{len(found)} listings have the URL {url}, on {', '.join(l.source for l in found)}")
    return found[0]


def confirm_match(engine: Engine, url: str, npi: str, *, now: datetime | None = None) -> Match:
    """A person says the listing at ``url`` is the physician ``npi``: kept by every later match."""
    return _decide_by_person(engine, url, npi, now)


def reject_match(engine: Engine, url: str, *, now: datetime | None = None) -> Match:
    """A person says the listing at ``url`` is none of our physicians: kept by every later match."""
    return _decide_by_person(engine, url, None, now)


def _decide_by_person(engine: Engine, url: str, npi: str | None, now: datetime | None) -> Match:
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        listing = _listing_by_url(session, url)
        physician = None
        if npi is not None:
            physician = session.exec(select(Physician).where(Physician.npi == npi)).first()
            if physician is None:
                raise MatchError(f"NPI {npi} is not on the roster" + ("" if is_valid_npi(npi) else " (and its check digit is wrong)"))
        current = _current_decision(session, listing.id)
        before = (current.evidence or {}).get("summary") if current else None
        status = "matched" if physician else "unmatched"
        why = (f"confirmed by a person on {now.date().isoformat()}: NPI {npi}" if physician
               else f"rejected by a person on {now.date().isoformat()}: none of our physicians")
        decided = {"listing_id": listing.id, "physician_id": physician.id if physician else None, "status": status,
                   "method": "person", "score": 1.0 if physician else 0.0, "updated_at": now,
                   "evidence": {"summary": why, "fields": {"person": {"level": status, "weight": None, "why": why}},
                                **({"before": before} if before else {})}}
        # An upsert: a matcher may store its first decision for this listing after the read above.
        table = Match.__table__
        statement = _dialect_insert(session.connection())(table)
        statement = statement.on_conflict_do_update(index_elements=[table.c.listing_id],
                                                    set_={k: statement.excluded[k] for k in decided if k != "listing_id"})
        session.connection().execute(statement, [decided])
        session.commit()
        return session.exec(select(Match).where(Match.listing_id == listing.id)).one()


def _current_decision(session, listing_id: int) -> Match | None:
    return session.exec(select(Match).where(Match.listing_id == listing_id)).first()
