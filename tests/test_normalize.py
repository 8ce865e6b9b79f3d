"""The normalization shared by the roster and the listings."""

import pytest

from reputation.normalize import (
    address_key,
    is_valid_npi,
    name_key,
    nickname_variants,
    normalize_city,
    normalize_credentials,
    normalize_phone,
    normalize_state,
    normalize_street,
    normalize_zip,
    npi_check_digit,
    parse_person_name,
    phone_digits,
)


@pytest.mark.parametrize("text", [
    "(404) 555-0101", "404.555.0101 ext 2", "+1 404 555 0101", "4045550101", "1-404-555-0101", "404 555 0101",
])
def test_phone_spellings_give_one_e164(text):
    assert normalize_phone(text) == "+14045550101"


@pytest.mark.parametrize("text", ["", None, "123-456-7890", "555-0101", "911", "404-555-01011", "call us"])
def test_invalid_phone_is_none(text):
    assert normalize_phone(text) is None


def test_the_quick_phone_path_gives_what_phonenumbers_gives():
    """normalize_phone reads plain North American numbers without phonenumbers' parser and asks its metadata
    once per area code and exchange; on random numbers in every plain shape it must agree with phonenumbers."""
    import random

    import phonenumbers

    rng = random.Random(5)
    shapes = ["({a}) {x}-{l}", "{a}-{x}-{l}", "{a}.{x}.{l}", "+1 {a} {x} {l}", "1{a}{x}{l}", "{a}{x}{l}"]
    caribbean = ["876", "787", "809", "868", "242", "441"]  # patterns that look past the exchange
    for _ in range(3000):
        a = rng.choice(caribbean) if rng.random() < 0.2 else f"{rng.randint(200, 999)}"
        x, l = f"{rng.randint(200, 999)}", f"{rng.randint(0, 9999):04d}"
        text = rng.choice(shapes).format(a=a, x=x, l=l)
        number = phonenumbers.parse(text, "US")
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) \
            if phonenumbers.is_valid_number(number) else None
        assert normalize_phone.__wrapped__(text) == expected, text


def test_phone_digits_are_the_ten_national_digits():
    assert phone_digits("+14045550101") == "4045550101"
    assert phone_digits("(404) 555-0101") == "4045550101"
    assert phone_digits("+44 20 7946 0958") is None


@pytest.mark.parametrize("text, expected", [
    ("30329", "30329"), ("30329-2206", "30329"), ("303292206", "30329"), (" 02139 ", "02139"),
    ("2139", None), ("3032922", None), ("ABCDE", None), ("", None), (None, None),
])
def test_zip_becomes_zip5(text, expected):
    assert normalize_zip(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("GA", "GA"), ("ga", "GA"), ("Ga.", "GA"), ("GEORGIA", "GA"), ("Georgia ", "GA"),
    ("District of Columbia", "DC"), ("puerto rico", "PR"), ("AE", "AE"), ("XX", None), ("Atlantis", None), ("", None),
])
def test_state_becomes_usps_code(text, expected):
    assert normalize_state(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("1365 Clifton Road N.E., Suite #604", "1365 CLIFTON RD NE STE 604"),
    ("1365 CLIFTON RD NE STE 604", "1365 CLIFTON RD NE STE 604"),
    ("1365 Clifton Rd. Northeast, Ste. 604", "1365 CLIFTON RD NE STE 604"),
    ("1365 Clifton Rd NE #604", "1365 CLIFTON RD NE STE 604"),
    ("100 North Main Street", "100 N MAIN ST"),
    ("5665 Peachtree Dunwoody Road, Suite 200", "5665 PEACHTREE DUNWOODY RD STE 200"),
    ("55 Fifth Avenue, 2nd Floor", "55 5TH AVE 2ND FL"),
    ("3400 Old Milton Parkway, Building C", "3400 OLD MILTON PKWY BLDG C"),
    ("1 Medical Center Blvd.", "1 MEDICAL CTR BLVD"),
    ("", ""),
])
def test_street_takes_usps_abbreviations(text, expected):
    assert normalize_street(text) == expected


@pytest.mark.parametrize("text", ["1365 Clifton Road N.E., Suite #604", "55 Fifth Avenue, 2nd Floor",
                                  "3400 Old Milton Parkway, Building C", "12 W Bay St Unit 5"])
def test_street_normalization_is_idempotent(text):
    once = normalize_street(text)
    assert normalize_street(once) == once


def test_address_key_is_equal_for_two_spellings_of_one_address():
    site = address_key("1365 Clifton Road N.E., Suite #604", "Atlanta", "Georgia", "30329-2206")
    roster = address_key("1365 CLIFTON RD NE STE 604", "ATLANTA", "GA", "30329")
    assert site == roster == "1365 CLIFTON RD NE STE 604|ATLANTA|GA|30329"


def test_address_key_keeps_missing_parts_empty():
    assert address_key("12 Elm St", None, None, None) == "12 ELM ST|||"


def test_saint_and_st_are_one_city():
    assert normalize_city("St. Louis") == normalize_city("Saint Louis") == "ST LOUIS"


@pytest.mark.parametrize("display, expected", [
    ("Dr. Jane A. Doe, MD, FACC", ("Jane", "A.", "Doe", "", "MD, FACC")),
    ("DOE, JANE A", ("JANE", "A", "DOE", "", "")),
    ("DOE, JANE A, MD", ("JANE", "A", "DOE", "", "MD")),
    ("Maria Garcia-Lopez, M.D.", ("Maria", "", "Garcia-Lopez", "", "MD")),
    ("Jan Van Der Berg DO", ("Jan", "", "Van Der Berg", "", "DO")),
    ("Juan de la Cruz, MD", ("Juan", "", "de la Cruz", "", "MD")),
    ("John Smith Jr., M.D., Ph.D.", ("John", "", "Smith", "Jr", "MD, PhD")),
    ("SMITH, JOHN A JR", ("JOHN", "A", "SMITH", "Jr", "")),
    ("Jane Doe M. D.", ("Jane", "", "Doe", "", "MD")),
    ("Jane Doe, MSN, FNP-C", ("Jane", "", "Doe", "", "MSN, FNP-C")),
    ("Priya Patel PA-C", ("Priya", "", "Patel", "", "PA-C")),
    ("Jane Doe, MD/PhD", ("Jane", "", "Doe", "", "MD, PhD")),
    ("Dr. Robert O'Neil III, D.O.", ("Robert", "", "O'Neil", "III", "DO")),
    # CMS writes its own credential codes after a comma; some are also name words, so only there.
    ("NORMA MAGDALENO, CSW", ("NORMA", "", "MAGDALENO", "", "CSW")),
    ("ANGELA M BEACH, AU", ("ANGELA", "M", "BEACH", "", "AU")),
    ("John P Au", ("John", "P", "Au", "", "")),
    # "DOE, V." is an initial, not "the fifth".
    ("FIELDWOOD, V.", ("V.", "", "FIELDWOOD", "", "")),
    ("LI, AA", ("AA", "", "LI", "", "")),
    # Given names that nameparser takes for titles.
    ("Dr. King V. Dracha", ("King", "V.", "Dracha", "", "")),
    ("Ab Uran, MD", ("Ab", "", "Uran", "", "MD")),
])
def test_parse_person_name(display, expected):
    parsed = parse_person_name(display)
    assert (parsed["first"], parsed["middle"], parsed["last"], parsed["suffix"], parsed["credentials"]) == expected


def test_a_last_name_that_looks_like_a_credential_is_kept():
    """"Ma" is a surname as well as Master of Arts: with only two words it stays the last name."""
    assert parse_person_name("Yi Ma")["last"] == "Ma"
    assert parse_person_name("Yi Ma, MD")["last"] == "Ma"


@pytest.mark.parametrize("text, expected", [
    ("M.D.", "MD"), ("M. D.", "MD"), ("md", "MD"), ("D.O.", "DO"), ("P.A.-C", "PA-C"), ("PH.D.", "PhD"),
    ("MD, F.A.C.C.", "MD, FACC"), ("MSW LICSW", "MSW, LICSW"), ("MD/PhD", "MD, PhD"), ("OTR/L", "OTR/L"),
    ("MD, MD", "MD"), ("", None), (None, None),
])
def test_credentials_take_one_spelling(text, expected):
    assert normalize_credentials(text) == expected


def test_name_key_folds_accents_and_punctuation():
    assert name_key("María O'Neil-Núñez") == "MARIA ONEIL NUNEZ"
    assert name_key("  de la   Cruz ") == "DE LA CRUZ"
    assert name_key("Łukasz Straße") == "LUKASZ STRASSE"
    assert name_key(None) == ""


def test_nicknames_go_both_ways():
    assert {"BOB", "ROB", "ROBBY"} <= nickname_variants("Robert")
    assert {"ROBERT", "ROB"} <= nickname_variants("Bob")
    assert "ROBERT" in nickname_variants("rob")


def test_nicknames_do_not_chain_through_other_nicknames():
    """The list says robert -> bill and bill -> william; Robert is still not William."""
    assert "WILLIAM" not in nickname_variants("Robert")


def test_unknown_first_name_is_its_own_only_variant():
    assert nickname_variants("Zebulonia") == {"ZEBULONIA"}
    assert nickname_variants("") == set()


def test_npi_check_digit_matches_the_cms_example():
    """CMS's worked example: the NPI 123456789_ has check digit 3."""
    assert npi_check_digit("123456789") == "3"
    assert is_valid_npi("1234567893")
    assert not is_valid_npi("1234567890")
    assert not is_valid_npi("123456789")
    assert not is_valid_npi("12345678AB")


@pytest.mark.parametrize("text", ["Cardiologist", "Cardiovascular Disease (Cardiology)", "207RC0000X", "207rc0000x",
                                  "CARDIOVASCULAR DISEASE CARDIOLOGY", "Cardiology", "Cardiovascular Disease Physician"])
def test_specialty_text_and_codes_agree_on_one_nucc_code(text):
    from reputation.normalize import specialty_code

    assert specialty_code(text) == "207RC0000X"


@pytest.mark.parametrize("text, code", [
    ("Family Practice", "207Q00000X"), ("Family Medicine", "207Q00000X"), ("Orthopaedic Surgeon", "207X00000X"),
    ("ORTHOPEDIC SURGERY", "207X00000X"), ("OB-GYN", "207V00000X"), ("Obstetrics & Gynecology", "207V00000X"),
    ("Pediatrician", "208000000X"), ("Internal Medicine", "207R00000X"), ("", None), ("Heart whisperer", None),
])
def test_specialty_spellings_map_to_nucc_codes(text, code):
    from reputation.normalize import specialty_code

    assert specialty_code(text) == code


def test_related_specialties_share_a_classification():
    from reputation.normalize import specialty_code, specialty_family

    assert specialty_family(specialty_code("Cardiologist")) == specialty_family(specialty_code("Internist")) == "207R"


FIRSTS = ["Jane", "JOHN", "María", "Mary-Kate", "J.", "Robert", "Dean", "Sean", "Ali", "King", "Ab"]
MIDDLES = ["", "A.", "Ann", "B", "Lee"]
LASTS = ["Doe", "O'Neil", "Smith-Jones", "NGUYEN", "Núñez", "Ma", "Lee"]


@pytest.mark.parametrize("shape", ["{f} {m} {l}", "Dr. {f} {m} {l}", "{l}, {f} {m}", "{f} {m} {l} Jr.", "{f} {m} {l} III"])
def test_the_quick_name_split_gives_what_nameparser_gives(shape):
    """parse_person_name skips nameparser for plain names; the result must be the same as with it."""
    from nameparser import HumanName

    from reputation.normalize import _name_constants, _plain_name

    checked = 0
    for first in FIRSTS:
        for middle in MIDDLES:
            for last in LASTS:
                name = " ".join(shape.format(f=first, m=middle, l=last).split())
                quick = _plain_name(name)
                if quick is None:
                    continue
                full = HumanName(name, constants=_name_constants())
                assert (quick.first, quick.middle, quick.last, quick.suffix) == (full.first, full.middle, full.last, full.suffix), name
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("shown,known,agreement", [
    # a suite on one side only is the same place: the listing is not outdated
    ({"street": "12 Main St", "zip": "30303"}, {"street": "12 Main Street, Suite 400", "zip": "30303"}, "same"),
    ({"street": "12 Main St Ste 400", "zip": "30303"}, {"street": "12 Main Street", "zip": "30303"}, "same"),
    # another suite on the same street is an outdated detail of the same place
    ({"street": "12 Main St Ste 410", "zip": "30303"}, {"street": "12 Main Street, Suite 400", "zip": "30303"}, "unit differs"),
    ({"street": "12 Main St #400", "zip": "30303"}, {"street": "12 Main Street Suite 400", "zip": "30303"}, "same"),
    # USPS forms
    ({"street": "12 N Main St", "zip": "30303"}, {"street": "12 North Main Street", "zip": "30303"}, "same"),
    ({"street": "12 Main St", "zip": "30303-2206"}, {"street": "12 Main St", "zip": "30303"}, "same"),
    ({"street": "P.O. Box 44", "zip": "30303"}, {"street": "PO Box 44", "zip": "30303"}, "same"),
    ({"street": "Post Office Box 44", "zip": "30303"}, {"street": "P O BOX 44", "zip": "30303"}, "same"),
    ({"street": "PO Box 44", "zip": "30303"}, {"street": "PO Box 45", "zip": "30303"}, "other"),
    # another street, or the same street in another ZIP, is another place
    ({"street": "14 Main St", "zip": "30303"}, {"street": "12 Main St", "zip": "30303"}, "other"),
    ({"street": "12 Main St", "zip": "30305"}, {"street": "12 Main St", "zip": "30303"}, "other"),
    # without a ZIP on one side the city decides; without a street on one side, the ZIP (or city)
    ({"street": "12 Main St", "city": "St. Louis"}, {"street": "12 Main St", "city": "Saint Louis", "zip": "63101"}, "same"),
    ({"city": "Atlanta", "zip": "30303"}, {"street": "12 Main St", "city": "Atlanta", "zip": "30303"}, "same"),
    ({"street": "12 Main St", "city": "Atlanta", "zip": "30303"}, {"city": "Atlanta", "zip": "30303"}, "same"),
    ({"city": "Decatur", "zip": "30030"}, {"street": "12 Main St", "city": "Atlanta", "zip": "30303"}, "other"),
])
def test_address_agreement_as_a_marketer_meets_it(shown, known, agreement):
    from reputation.normalize import address_agreement

    assert address_agreement(shown, known) == agreement
