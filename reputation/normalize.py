"""Normalization shared by the roster and the listings, so both sides compare alike.

Every function takes the raw text a person or a site wrote and returns one canonical form, or ``None``
(or an empty string for the key builders) when the text cannot be read. Phones become E.164 (``+14045550101``),
ZIPs become ZIP5, states become USPS codes, streets take USPS suffix, directional and unit abbreviations.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import phonenumbers
from nameparser import HumanName

# -- phones -----------------------------------------------------------------------------------------


# "(404) 555-0101", "404.555.0101", "+1 404 555 0101", "+14045550101": the shapes nearly every US listing
# and roster uses, read without phonenumbers' general parser (~50 us a number).
_NANP = re.compile(r"^(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?([2-9]\d{2})[\s.-]?(\d{4})$")


@lru_cache(maxsize=100_000)  # parsing is the slow step of a roster import; rosters repeat practice phones
def normalize_phone(text: str | None) -> str | None:
    """E.164 form of a phone written any usual way (region US); ``None`` if it is not a valid number.

    >>> normalize_phone("(404) 555-0101 ext 2")
    '+14045550101'
    """
    if not text or not str(text).strip():
        return None
    plain = _NANP.match(str(text).strip())
    if plain:
        number = "+1" + "".join(plain.groups())
        if _valid_exchange(number[:8]):
            return number
    try:
        number = phonenumbers.parse(str(text), "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=20_000)
def _valid_exchange(prefix: str) -> bool:
    """Whether numbers of this area code and exchange ("+1404555") are valid US or Canadian numbers to
    phonenumbers' metadata, which decides those on these six digits (tests/test_normalize.py checks this on
    random numbers). Anything else (an invalid number, the Caribbean's patterns that look further) goes
    through phonenumbers' own parser."""
    number = phonenumbers.parse(prefix + "0000")
    return phonenumbers.region_code_for_number(number) in ("US", "CA") and phonenumbers.is_valid_number(number)


def phone_digits(e164: str | None) -> str | None:
    """The 10 national digits of a North American number (``+14045550101`` -> ``4045550101``)."""
    phone = e164 if e164 and e164.startswith("+1") and len(e164) == 12 else normalize_phone(e164)
    if not phone or not phone.startswith("+1"):
        return None
    return phone[2:]


# -- ZIP and state ----------------------------------------------------------------------------------

_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")


def normalize_zip(text: str | None) -> str | None:
    """ZIP5 from a 5- or 9-digit ZIP (``30329-2206``, ``303292206``); ``None`` otherwise."""
    if text is None:
        return None
    match = _ZIP.match(str(text).strip())
    return match.group(1) if match else None


STATES = {
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
    "CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA",
    "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS", "IN": "INDIANA",
    "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA", "ME": "MAINE", "MD": "MARYLAND",
    "MA": "MASSACHUSETTS", "MI": "MICHIGAN", "MN": "MINNESOTA", "MS": "MISSISSIPPI", "MO": "MISSOURI",
    "MT": "MONTANA", "NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY",
    "NM": "NEW MEXICO", "NY": "NEW YORK", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA", "OH": "OHIO",
    "OK": "OKLAHOMA", "OR": "OREGON", "PA": "PENNSYLVANIA", "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA",
    "SD": "SOUTH DAKOTA", "TN": "TENNESSEE", "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT",
    "VA": "VIRGINIA", "WA": "WASHINGTON", "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING",
    "PR": "PUERTO RICO", "VI": "VIRGIN ISLANDS", "GU": "GUAM", "AS": "AMERICAN SAMOA",
    "MP": "NORTHERN MARIANA ISLANDS",
    # Military post offices (APO/FPO): NPPES has physicians serving abroad at these.
    "AA": "ARMED FORCES AMERICAS", "AE": "ARMED FORCES EUROPE", "AP": "ARMED FORCES PACIFIC",
}
_STATE_BY_NAME = {name: code for code, name in STATES.items()} | {
    "WASHINGTON DC": "DC", "WASHINGTON D C": "DC", "US VIRGIN ISLANDS": "VI",
    "U S VIRGIN ISLANDS": "VI", "COMMONWEALTH OF PUERTO RICO": "PR",
}


def normalize_state(text: str | None) -> str | None:
    """USPS code from a code or a full name (``"Georgia"``, ``"GA"``, ``"Ga."`` -> ``"GA"``)."""
    if not text:
        return None
    key = name_key(text)
    if key in STATES:
        return key
    return _STATE_BY_NAME.get(key)


# -- streets and addresses --------------------------------------------------------------------------

# USPS Publication 28, appendix C1 (common suffixes and the spellings people use for them).
STREET_SUFFIXES = {
    "ALLEY": "ALY", "ALLY": "ALY", "AVENUE": "AVE", "AV": "AVE", "AVEN": "AVE", "AVENU": "AVE",
    "AVN": "AVE", "AVNUE": "AVE", "BOULEVARD": "BLVD", "BOUL": "BLVD", "BOULV": "BLVD", "BLV": "BLVD",
    "BYPASS": "BYP", "CAUSEWAY": "CSWY", "CENTER": "CTR", "CENTRE": "CTR", "CENTR": "CTR", "CNTR": "CTR",
    "CENTERS": "CTRS", "CIRCLE": "CIR", "CIRC": "CIR", "CIRCL": "CIR", "COMMON": "CMN", "COMMONS": "CMNS",
    "CORNER": "COR", "COURT": "CT", "COURTS": "CTS", "COVE": "CV", "CREEK": "CRK", "CROSSING": "XING",
    "DRIVE": "DR", "DRIV": "DR", "DRV": "DR", "ESTATE": "EST", "ESTATES": "ESTS", "EXPRESSWAY": "EXPY",
    "EXPRESS": "EXPY", "EXPWY": "EXPY", "EXTENSION": "EXT", "FREEWAY": "FWY", "GARDEN": "GDN",
    "GARDENS": "GDNS", "GATEWAY": "GTWY", "GROVE": "GRV", "HARBOR": "HBR", "HEIGHTS": "HTS", "HT": "HTS",
    "HIGHWAY": "HWY", "HIGHWY": "HWY", "HIWAY": "HWY", "HIWY": "HWY", "HILL": "HL", "HILLS": "HLS",
    "HOLLOW": "HOLW", "ISLAND": "IS", "JUNCTION": "JCT", "LAKE": "LK", "LAKES": "LKS", "LANDING": "LNDG",
    "LANE": "LN", "MANOR": "MNR", "MEADOW": "MDW", "MEADOWS": "MDWS", "MILL": "ML", "MILLS": "MLS",
    "MOUNT": "MT", "MOUNTAIN": "MTN", "ORCHARD": "ORCH", "PARKWAY": "PKWY", "PARKWY": "PKWY",
    "PKY": "PKWY", "PARKWAYS": "PKWY", "PIKES": "PIKE", "PLACE": "PL", "PLAZA": "PLZ", "PLZA": "PLZ",
    "POINT": "PT", "POINTS": "PTS", "PORT": "PRT", "PRAIRIE": "PR", "RANCH": "RNCH", "RIDGE": "RDG",
    "RIVER": "RIV", "ROAD": "RD", "ROADS": "RDS", "ROUTE": "RTE", "SHORE": "SHR", "SPRING": "SPG",
    "SPRINGS": "SPGS", "SQUARE": "SQ", "SQR": "SQ", "SQU": "SQ", "STATION": "STA", "STATN": "STA",
    "STN": "STA", "STREET": "ST", "STR": "ST", "STRT": "ST", "STREETS": "STS", "SUMMIT": "SMT",
    "TERRACE": "TER", "TERR": "TER", "TRACE": "TRCE", "TRAIL": "TRL", "TRAILS": "TRL", "TRNPK": "TPKE",
    "TURNPIKE": "TPKE", "TURNPK": "TPKE", "VALLEY": "VLY", "VIEW": "VW", "VILLAGE": "VLG", "VILLE": "VL",
    "VISTA": "VIS", "WAYS": "WAYS", "WELLS": "WLS",
}
DIRECTIONALS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}
# Secondary unit designators (USPS Publication 28, appendix C2). "#" becomes STE: on a practice address
# the number after "#" is nearly always a suite.
UNIT_DESIGNATORS = {
    "SUITE": "STE", "STE": "STE", "SUIT": "STE", "STES": "STE", "#": "STE", "APARTMENT": "APT",
    "BUILDING": "BLDG", "BLDG": "BLDG", "BLD": "BLDG", "FLOOR": "FL", "FLR": "FL", "ROOM": "RM",
    "UNIT": "UNIT", "DEPARTMENT": "DEPT", "OFFICE": "OFC",
}
ORDINALS = {
    "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH", "SIXTH": "6TH",
    "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH",
}
_STREET_WORDS = STREET_SUFFIXES | DIRECTIONALS | ORDINALS


def normalize_street(text: str | None) -> str:
    """Uppercase USPS form of a street line.

    >>> normalize_street("1365 Clifton Road N.E., Suite #604")
    '1365 CLIFTON RD NE STE 604'
    """
    if not text:
        return ""
    words = _fold(str(text)).upper().replace("#", " # ").replace(".", "")
    words = _PO_BOX.sub("PO BOX ", words)
    tokens = re.sub(r"[^A-Z0-9#/ -]+", " ", words).replace(" - ", " ").split()
    out: list[str] = []
    for token in tokens:
        if token in UNIT_DESIGNATORS:
            if out and out[-1] == "STE" and token == "#":  # "SUITE #604": the # repeats the designator
                continue
            out.append(UNIT_DESIGNATORS[token])
        else:
            out.append(_STREET_WORDS.get(token, token))
    return " ".join(out)


# "P.O. Box", "P O Box", "Post Office Box", "POB": one USPS form, before OFFICE could read as a unit.
_PO_BOX = re.compile(r"\b(?:P\s*O|POST\s+OFFICE|POB)\s+(?:BOX\s+)?(?=\d)|\b(?:P\s*O|POST\s+OFFICE)\s+BOX\b\s*")


@lru_cache(maxsize=200_000)
def split_unit(street: str | None) -> tuple[str, str]:
    """A street line in USPS form without its unit, and the unit: ("12 MAIN ST", "STE 4").

    >>> split_unit("12 Main Street, Suite #4")
    ('12 MAIN ST', 'STE 4')
    """
    words = normalize_street(street).split()
    units = set(UNIT_DESIGNATORS.values())
    cut = next((i for i, w in enumerate(words) if w in units and i > 0), len(words))
    return " ".join(words[:cut]), " ".join(words[cut:])


SAME, UNIT_DIFFERS, OTHER = "same", "unit differs", "other"


def address_agreement(shown: dict, known: dict) -> str:
    """How an address shown on a listing agrees with a known one (a roster location), the one rule the
    matcher and the findings share:

    - ``SAME``: the same street line (USPS form, "Street" = "St", "North" = "N", "P.O. Box" = "PO Box") in
      the same ZIP (ZIP+4 read as ZIP5) or, where a ZIP is missing, the same city; a unit (suite, floor)
      given on one side only does not tell them apart. Without a street on either side, the same ZIP (or
      city) is the same place;
    - ``UNIT_DIFFERS``: the same street, both give a unit, and the units differ (another suite);
    - ``OTHER``: anything else.
    """
    street, unit = split_unit(shown.get("street"))
    known_street, known_unit = split_unit(known.get("street"))
    zip5, known_zip = _zip5(shown.get("zip")), _zip5(known.get("zip"))
    city, known_city = _city_key(shown.get("city")), _city_key(known.get("city"))
    same_place = zip5 == known_zip if zip5 and known_zip else bool(city) and city == known_city
    if not street or not known_street:
        return SAME if same_place else OTHER
    if street != known_street or not same_place:
        return OTHER
    return UNIT_DIFFERS if unit and known_unit and unit != known_unit else SAME


@lru_cache(maxsize=100_000)
def _zip5(text: str | None) -> str | None:
    return normalize_zip(text)


@lru_cache(maxsize=100_000)
def _city_key(text: str | None) -> str:
    return normalize_city(text)


def format_phone(e164: str | None) -> str:
    """A normalized phone as people write it: '+15035550100' -> '(503) 555-0100'."""
    digits = (e164 or "")[-10:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else (e164 or "")


def format_address(address: dict) -> str:
    """An address dict on one line: '1 Main St, Portland, OR 97201'."""
    tail = " ".join(x for x in (address.get("state"), address.get("zip")) if x)
    return ", ".join(x for x in (address.get("street"), address.get("city"), tail) if x)


def normalize_city(text: str | None) -> str:
    """Comparable city name: ``"St. Louis"`` and ``"Saint Louis"`` both give ``ST LOUIS``."""
    words = name_key(text).split()
    return " ".join(_CITY_WORDS.get(word, word) for word in words)


_CITY_WORDS = {"SAINT": "ST", "SAINTE": "STE", "FORT": "FT", "MOUNT": "MT"}


def address_key(street: str | None, city: str | None, state: str | None, zip: str | None) -> str:
    """One string that is equal for two spellings of the same address; missing parts stay empty."""
    return "|".join(
        [normalize_street(street), normalize_city(city), normalize_state(state) or "", normalize_zip(zip) or ""]
    )


# -- names ------------------------------------------------------------------------------------------

_UNFOLDABLE = str.maketrans({"ß": "ss", "Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Ł": "L", "ł": "l",
                             "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "ı": "i"})


def _fold(text: str) -> str:
    """Accents removed (``Núñez`` -> ``Nunez``), then only ASCII kept."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNFOLDABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def name_key(text: str | None) -> str:
    """Comparable form of a name: uppercase ASCII, apostrophes dropped, other punctuation a space.

    >>> name_key("María O'Neil-Núñez")
    'MARIA ONEIL NUNEZ'
    """
    if not text:
        return ""
    folded = _fold(str(text)).upper()
    folded = re.sub(r"['`\u2019]", "", folded)
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", folded).split())


GENERATIONAL_SUFFIXES = {"JR": "Jr", "SR": "Sr", "II": "II", "III": "III", "IV": "IV", "V": "V"}
# Degrees, licences and fellowships written after a clinician's name. Compared without dots and spaces.
CREDENTIALS = frozenset("""
    MD DO MBBS MBCHB MBBCH BMBS PHD DPM DDS DMD OD PHARMD PSYD EDD DRPH SCD DSC DNP DNSC DMSC DC DPT AUD
    NP APRN APN ARNP CRNP FNP FNP-C FNP-BC ANP ANP-C ANP-BC AGNP AGNP-C AGNP-BC AGACNP AGACNP-BC ACNP
    ACNP-BC PNP PNP-BC CPNP CPNP-PC CPNP-AC WHNP WHNP-BC PMHNP PMHNP-BC NNP NNP-BC CNM CNS CRNA RN BSN MSN
    LPN LVN PA PA-C RPA-C MPAS MHS MMSC MPH MS MSC MA MBA MHA MPHIL MSW LCSW LICSW LMSW LPC LMFT
    PT OT OTR OTR/L SLP CCC-SLP MA-CCC RD LD LDN RPH CDE CDCES JD BS BA
    FACC FACS FACP FAAP FAAFP FACOG FACE FCCP FAHA FASN FSCAI FHRS FACG FAAN FAAOS FACEP FAANS FASCRS
    FAAD FACOS FACOI FACOFP FASA FAASM FASGE FRCPC FRCSC FRCS FRCP MRCP DABR DABFM DABA FAPA DFAPA FAWM
    FSIR FAAO FAARM FACR FIDSA FASE FSVM FASCO FAAPMR FAACVPR
""".split())
# CMS Doctors & Clinicians codes that are also words of names (Au, Ch, Aa): credentials only after a comma,
# as CMS writes them ("NORMA MAGDALENO, CSW"), never taken off the end of "John P Au".
COMMA_CREDENTIALS = frozenset("AU CP CSW CH AA CNA MNT".split())
_CREDENTIAL_DISPLAY = {"PHD": "PhD", "PHARMD": "PharmD", "PSYD": "PsyD", "EDD": "EdD", "DRPH": "DrPH",
                       "SCD": "ScD", "DSC": "DSc", "DNSC": "DNSc", "MSC": "MSc", "MPHIL": "MPhil",
                       "MBCHB": "MBChB", "MBBCH": "MBBCh", "AUD": "AuD", "DMSC": "DMSc", "MMSC": "MMSc",
                       "OTR/L": "OTR/L"}


def _compact(token: str) -> str:
    return token.upper().replace(".", "").replace(" ", "").strip(",;")


def normalize_credentials(text: str | None) -> str | None:
    """A credential field in one spelling: ``"M.D., F.A.C.C."`` -> ``"MD, FACC"``; ``None`` when blank."""
    if not text:
        return None
    tokens: list[str] = []
    for piece in re.split(r"[,;]", _fold(str(text))):
        tokens += _credential_tokens(piece.split())
    seen: list[str] = []
    for token in tokens:
        token = _CREDENTIAL_DISPLAY.get(token, token)
        if token and token not in seen:
            seen.append(token)
    return ", ".join(seen) or None


def _credential_tokens(words: list[str]) -> list[str]:
    """Compact credential tokens: "M. D." is one (MD), "MD/PhD" two, "OTR/L" one."""
    joined: list[str] = []
    for word in words:
        if joined and joined[-1].endswith(".") and word.endswith("."):
            joined[-1] += word
        else:
            joined.append(word)
    tokens: list[str] = []
    for word in joined:
        token = _compact(word)
        tokens += token.split("/") if "/" in token and token not in CREDENTIALS else [token]
    return [t for t in tokens if t]


def _is_credential(token: str, *, after_comma: bool = False) -> bool:
    compact = _compact(token)
    return (compact in CREDENTIALS or (after_comma and compact in COMMA_CREDENTIALS)
            or ("/" in compact and all(p in CREDENTIALS for p in compact.split("/"))))


def _is_suffix(token: str) -> bool:
    return _compact(token) in GENERATIONAL_SUFFIXES


def parse_person_name(display: str | None) -> dict[str, str]:
    """Split a displayed clinician name into first, middle, last, suffix and credentials.

    Understands "Dr. Jane A. Doe, MD, FACC", "DOE, JANE A", multi-part last names ("de la Cruz",
    "Van Der Berg") and credentials in any spelling; credentials are removed from the name and returned
    normalized (``"MD, FACC"``). Missing parts are empty strings.
    """
    return dict(_parse_person_name(display or ""))


@lru_cache(maxsize=500_000)  # matching parses every listing's name; sites repeat the same spellings
def _parse_person_name(display: str) -> tuple[tuple[str, str], ...]:
    name, credentials, suffixes = _strip_credentials(display)
    parsed = _plain_name(name) or HumanName(name, constants=_name_constants())
    for piece in re.split(r"[,\s]+", parsed.suffix):
        if not piece:
            continue
        (suffixes if _is_suffix(piece) else credentials).append(piece)
    return (
        ("first", parsed.first),
        ("middle", parsed.middle),
        ("last", parsed.last),
        ("suffix", " ".join(GENERATIONAL_SUFFIXES[_compact(s)] for s in suffixes)),
        ("credentials", normalize_credentials(", ".join(credentials)) or ""),
    )


@dataclass(frozen=True)
class _PlainName:
    first: str
    middle: str
    last: str
    suffix: str = ""


_PLAIN_WORD = re.compile(r"^[^\W\d_]+(?:[-'][^\W\d_]+)*\.?$")


parse_person_name_cached = _parse_person_name  # for callers that free the cache (reputation.match)


def _plain_name(name: str) -> _PlainName | None:
    """The common shape "[Dr.] First [Middle] Last" split without nameparser, which takes ~150 µs a name.

    Only when no word is one nameparser treats specially (a title, a particle like "de", a conjunction, a
    suffix): then nameparser gives the same split (tests/test_normalize.py checks this on many names).
    """
    inverted = name.count(",") == 1
    if inverted:  # "DOE, JANE A"
        last, _, given = name.partition(",")
        words, last_words = given.split(), last.split()
        if len(last_words) != 1 or not 1 <= len(words) <= 2:
            return None
        words = words + last_words
    else:
        words = name.split()
        if words and words[0].lower().rstrip(".") == "dr":
            words = words[1:]
        if "," in name:
            return None
    suffix = ""
    if not inverted and len(words) > 2 and words[-1].upper().rstrip(".") in GENERATIONAL_SUFFIXES:
        suffix, words = words[-1], words[:-1]
    if not 2 <= len(words) <= 3:
        return None
    special = nameparser_words()
    for word in words:
        bare = word.lower().rstrip(".")
        if not _PLAIN_WORD.match(word) or bare in special or (word.endswith(".") and len(bare) > 1):
            return None
    return _PlainName(words[0], " ".join(words[1:-1]), words[-1], suffix)


@lru_cache(maxsize=1)
def _name_constants():
    """nameparser's word lists without the titles that are also given names: on a physician's listing "King",
    "Ab" or "Field" before the name is Kingsley, Abraham or Fielding, not a title (the only title is Dr.)."""
    from nameparser.config import Constants

    constants = Constants()
    nicknames, formal_names = _nickname_graph()
    given = {n.lower() for n in (*nicknames, *formal_names)}
    constants.titles.remove(*(t for t in list(constants.titles) if t in given))
    return constants


@lru_cache(maxsize=1)
def nameparser_words() -> frozenset[str]:
    constants = _name_constants()
    return frozenset(
        w.lower() for group in (constants.titles, constants.prefixes, constants.conjunctions,
                                constants.suffix_acronyms, constants.suffix_not_acronyms) for w in group
    )


def _strip_credentials(display: str) -> tuple[str, list[str], list[str]]:
    """The name without its trailing credentials, the credentials, and generational suffixes found among them."""
    segments = [s.split() for s in " ".join(display.split()).split(",")]
    segments = [s for s in segments if s]
    credentials: list[str] = []
    suffixes: list[str] = []
    # Whole trailing comma segments made only of credentials and suffixes: ", MD, FACC", ", Jr." -- but in
    # "DOE, V." the V is Jane Doe's initial, not "the fifth", and in "LI, AA" AA is initials.
    while len(segments) > 1 and all(_is_credential(t, after_comma=True) or _is_suffix(t)
                                    for t in _joined_dots(segments[-1])):
        lone = segments[-1][0] if len(segments[-1]) == 1 else ""
        if sum(len(s) for s in segments[:-1]) == 1 and lone and (_is_suffix(lone) or _compact(lone) in COMMA_CREDENTIALS):
            break  # "DOE, V." and "LI, AA": a last name and initials
        tokens = _joined_dots(segments.pop())
        credentials[:0] = [t for t in tokens if _is_credential(t, after_comma=True)]
        suffixes[:0] = [t for t in tokens if not _is_credential(t, after_comma=True)]
    # Trailing tokens of the last segment ("Jane Doe MD PhD"), keeping at least two name words overall so
    # that "Jane Ma" keeps her last name.
    last = segments[-1] if segments else []
    while last and sum(len(s) for s in segments) > 2:
        tail = _tail_credential(last)
        if not tail:
            break
        credentials.insert(0, tail)
    name = ", ".join(" ".join(s) for s in segments)
    return name, credentials, suffixes


def _joined_dots(tokens: list[str]) -> list[str]:
    """Rejoin credentials written with spaces between dotted letters: ["M.", "D."] -> ["M.D."]."""
    out: list[str] = []
    for token in tokens:
        if out and out[-1].endswith(".") and token.endswith(".") and _is_credential(out[-1] + token):
            out[-1] += token
        else:
            out.append(token)
    return out


def _tail_credential(tokens: list[str]) -> str | None:
    """Pop and return the credential at the end of ``tokens`` (one token, or two like "M. D.")."""
    if len(tokens) >= 2 and _is_credential(tokens[-2] + tokens[-1]) and not _is_credential(tokens[-1]):
        second = tokens.pop()
        return tokens.pop() + second
    if _is_credential(tokens[-1]):
        return tokens.pop()
    return None


# -- nicknames --------------------------------------------------------------------------------------


def nickname_variants(first: str | None) -> set[str]:
    """The first name with its nicknames and formal forms, both ways (Robert ~ Bob ~ Rob), as name keys."""
    key = name_key(first)
    if not key:
        return set()
    nicknames, formal_names = _nickname_graph()
    variants = {key} | nicknames.get(key, set()) | formal_names.get(key, set())
    # Bob ~ Rob goes through their shared formal name Robert. The list also has reverse rows (bill ->
    # robert), so only go through a longer, more formal name: otherwise Robert ~ Bill ~ William.
    for formal in formal_names.get(key, set()) | nicknames.get(key, set()):
        if len(formal) > len(key):
            variants |= nicknames.get(formal, set())
    return variants


@lru_cache(maxsize=1)
def _nickname_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(formal name -> nicknames, nickname -> formal names) from the bundled carltonnorthern/nicknames list."""
    nicknames: dict[str, set[str]] = defaultdict(set)
    formal_names: dict[str, set[str]] = defaultdict(set)
    source = files("reputation").joinpath("data/nicknames.csv")
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            formal, nickname = name_key(row["name1"]), name_key(row["name2"])
            nicknames[formal].add(nickname)
            formal_names[nickname].add(formal)
    return dict(nicknames), dict(formal_names)


# -- NPI --------------------------------------------------------------------------------------------


def npi_check_digit(first_nine: str) -> str:
    """The check digit of an NPI: Luhn over the card-issuer prefix 80840 and the first nine digits."""
    total = 0
    for position, digit in enumerate(reversed("80840" + first_nine)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def is_valid_npi(text: str | None) -> bool:
    """True for 10 digits whose last one is the right check digit (``1234567893``)."""
    return bool(text) and len(text) == 10 and text.isdigit() and npi_check_digit(text[:9]) == text[9]


# -- specialties ------------------------------------------------------------------------------------

_TAXONOMY_CODE = re.compile(r"^\s*([0-9]{3}[0-9A-Z]{6}X)\s*$", re.IGNORECASE)
# Lay and spelling variants, word by word: "Cardiologist" -> CARDIOLOGY, "Orthopaedic" -> ORTHOPEDIC.
_SPECIALTY_WORDS = {
    "ORTHOPAEDIC": "ORTHOPEDIC", "ORTHOPAEDICS": "ORTHOPEDIC", "ORTHOPEDICS": "ORTHOPEDIC",
    "PAEDIATRICS": "PEDIATRICS", "PEDIATRICIAN": "PEDIATRICS", "SURGEON": "SURGERY", "INTERNIST": "INTERNAL MEDICINE",
    "OBGYN": "OBSTETRICS GYNECOLOGY", "OB": "OBSTETRICS", "GYN": "GYNECOLOGY", "ENT": "OTOLARYNGOLOGY",
    "OPTOMETRIST": "OPTOMETRY", "CHIROPRACTOR": "CHIROPRACTIC", "PODIATRIST": "PODIATRY",
    "PSYCHIATRIST": "PSYCHIATRY", "PHYSIATRIST": "PHYSICAL MEDICINE REHABILITATION", "ANESTHETIST": "ANESTHETIST",
}
_SPECIALTY_FILLER = {"AND", "OF", "THE", "DOCTOR", "DR", "PHYSICIAN", "PHYSICIANS", "MD", "DO", "SPECIALIST"}


def _specialty_key(text: str | None, *, keep_filler: bool = False) -> str:
    words = []
    for word in name_key(str(text or "").replace("&", " and ").replace("/", " ")).split():
        word = _SPECIALTY_WORDS.get(word, re.sub(r"OLOGIST$", "OLOGY", word))
        words += word.split()
    if not keep_filler:
        words = [w for w in words if w not in _SPECIALTY_FILLER]
    return " ".join(words)


def specialty_code(text: str | None) -> str | None:
    """The NUCC taxonomy code a specialty names: a code as it is, a NUCC or Medicare specialty name, or the
    usual lay form. "Cardiologist", "Cardiovascular Disease (Cardiology)" and 207RC0000X all give 207RC0000X.

    >>> specialty_code("Orthopaedic Surgeon")
    '207X00000X'
    """
    if not text or not str(text).strip():
        return None
    return _specialty_code(str(text))


@lru_cache(maxsize=20_000)
def _specialty_code(text: str) -> str | None:
    code = _TAXONOMY_CODE.match(text)
    if code:
        return code.group(1).upper()
    index = _specialty_index()
    for key in (_specialty_key(text, keep_filler=True), _specialty_key(text)):
        if key in index:
            return index[key]
    from rapidfuzz import fuzz, process  # only the rare spelling no name above knows

    found = process.extractOne(_specialty_key(text), list(index), scorer=fuzz.token_sort_ratio, score_cutoff=90)
    return index[found[0]] if found else None


def specialty_family(code: str | None) -> str | None:
    """The NUCC classification a code belongs to (its first four characters): 207RC0000X -> 207R
    (Internal Medicine), so a cardiologist and an internist are related, not the same."""
    return code[:4] if code else None


@lru_cache(maxsize=1)
def _specialty_index() -> dict[str, str]:
    """Specialty name key -> NUCC code, from the bundled NUCC code set and the CMS Medicare crosswalk.

    NUCC names come first (a classification's own code before its specializations'); a Medicare name adds
    the first code it is listed with, its main one (Family Practice -> 207Q00000X Family Medicine).
    """
    index: dict[str, str] = {}
    nucc = files("reputation").joinpath("data/nucc_taxonomy.csv")
    with nucc.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in sorted(rows, key=lambda r: bool(r["Specialization"])):
        # The classification alone names its own code, or its first specialization when it has none.
        for name in (row["Display Name"], f"{row['Classification']} {row['Specialization']}", row["Classification"]):
            for key in (_specialty_key(name, keep_filler=True), _specialty_key(name)):
                if key:
                    index.setdefault(key, row["Code"])
    crosswalk = files("reputation").joinpath("data/medicare_taxonomy_crosswalk.csv")
    with crosswalk.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for _, description, code, _ in reader:
            code = code.strip()
            if not _TAXONOMY_CODE.match(code):
                continue
            name = description.split("/", 1)[-1]
            for part in (name, re.sub(r"\([^)]*\)", "", name), *re.findall(r"\(([^)]*)\)", name)):
                key = _specialty_key(part)
                if len(key) > 4:  # not an acronym alone like "(CRNA)"
                    index.setdefault(key, code)
    return index
