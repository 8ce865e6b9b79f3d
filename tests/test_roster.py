"""Importing the roster: the three file layouts, row checks, and what an import does to the database."""

import csv
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from builders import npi_with_check_digit
from reputation import roster
from reputation.db import get_engine
from reputation.models import Location, Physician
from reputation.normalize import npi_check_digit
from reputation.roster import RosterError, import_roster

FILES = Path(__file__).parent / "files" / "roster"
CANONICAL = FILES / "roster.csv"
DAC = FILES / "dac.csv"
NPPES = FILES / "npidata_pfile_20250101-20250107.csv"
SHARED = Path(__file__).parents[2] / "shared" / "data"
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def valid_npi(n: int) -> str:
    """The invented NPI number ``n`` of the fixtures, with its check digit (1000001010 for 101)."""
    return npi_with_check_digit(f"1{n:08d}")


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def canonical_with(tmp_path: Path, line: int, column: str, value: str) -> Path:
    """The canonical fixture with one cell changed (``line`` counts the header as 1)."""
    rows = read_rows(CANONICAL)
    rows[line - 1][rows[0].index(column)] = value
    return write_rows(tmp_path / "roster.csv", rows)


@pytest.fixture
def engine(tmp_path):
    return get_engine(f"sqlite:///{tmp_path}/t.db")


def physicians(engine) -> dict[str, Physician]:
    with Session(engine) as session:
        return {p.npi: p for p in session.exec(select(Physician))}


def locations(engine, npi: str) -> list[Location]:
    with Session(engine) as session:
        query = select(Location).join(Physician).where(Physician.npi == npi).order_by(Location.id)
        return list(session.exec(query))


# -- the three layouts ------------------------------------------------------------------------------


def test_fixture_npis_have_valid_check_digits():
    assert valid_npi(101) == "1000001010" and npi_check_digit("100000101") == "0"
    for path in (CANONICAL, DAC, NPPES):
        npis = [row[0] for row in read_rows(path)[1:]]
        assert all(n == valid_npi(int(n[1:9])) for n in npis)


def test_canonical_roster_imports_each_physician_once(engine):
    result = import_roster(engine, CANONICAL, now=NOW)
    assert (result.format, result.rows_read, result.physicians_added, result.locations) == ("canonical", 5, 4, 5)
    doe = physicians(engine)[valid_npi(101)]
    assert (doe.first_name, doe.middle_name, doe.last_name, doe.credentials) == ("Jane", "A", "Doe", "MD, FACC")
    assert (doe.specialty, doe.department, doe.active, doe.updated_at) == ("Cardiology", "Heart & Vascular", True, NOW)


def test_canonical_locations_are_stored_normalized(engine):
    import_roster(engine, CANONICAL, now=NOW)
    first, second = locations(engine, valid_npi(101))
    assert (first.street, first.city, first.state, first.zip, first.phone) == (
        "1365 CLIFTON RD NE STE 604", "ATLANTA", "GA", "30329", "+14045550101")
    assert (second.state, second.phone) == ("GA", "+14045550102")  # "Georgia", "404.555.0102 ext 2"


def test_canonical_suffix_and_multi_part_last_name(engine):
    import_roster(engine, CANONICAL, now=NOW)
    van_der_berg = physicians(engine)[valid_npi(104)]
    assert (van_der_berg.last_name, van_der_berg.suffix, van_der_berg.credentials) == ("Van Der Berg", "Jr", "MD, PhD")


def test_dac_file_becomes_physicians_with_distinct_locations(engine):
    result = import_roster(engine, DAC, now=NOW)
    assert (result.format, result.rows_read, result.physicians_added, result.locations) == ("cms-dac", 5, 3, 4)
    okafor = locations(engine, valid_npi(201))
    assert [(l.street, l.zip, l.practice_name) for l in okafor] == [
        ("1000 JOHNSON FERRY RD NE STE 300", "30342", "NORTHSIDE CARDIOLOGY GROUP"),
        ("3400 OLD MILTON PKWY BLDG C", "30005", "NORTHSIDE CARDIOLOGY GROUP"),
    ]


def test_dac_specialty_is_title_cased_into_department(engine):
    import_roster(engine, DAC, now=NOW)
    nguyen = physicians(engine)[valid_npi(202)]
    assert (nguyen.specialty, nguyen.department) == ("Physical Medicine and Rehabilitation",) * 2
    assert (nguyen.suffix, nguyen.credentials) == ("Jr", "DO")


def test_dac_blank_phone_is_allowed(engine):
    import_roster(engine, DAC, now=NOW)
    assert locations(engine, valid_npi(202))[0].phone is None


def test_dac_older_column_names_are_accepted(engine, tmp_path):
    header = ["NPI", "Ind_PAC_ID", "Ind_enrl_ID", "lst_nm", "frst_nm", "mid_nm", "suff", "gndr", "Cred", "pri_spec",
              "org_nm", "adr_ln_1", "adr_ln_2", "ln_2_sprs", "cty", "st", "zip", "phn_numbr"]
    row = [valid_npi(250), "1", "I1", "LEE", "SUN", "", "", "F", "MD", "DERMATOLOGY", "SKIN CARE PC",
           "9 OAK ST", "", "", "ROME", "GA", "301611234", "7065550250"]
    result = import_roster(engine, write_rows(tmp_path / "dac_2023.csv", [header, row]), now=NOW)
    assert result.format == "cms-dac"
    [location] = locations(engine, valid_npi(250))
    assert (location.street, location.zip, location.phone) == ("9 OAK ST", "30161", "+17065550250")


def test_nppes_file_imports_individuals_and_counts_the_rest(engine):
    result = import_roster(engine, NPPES, now=NOW)
    assert (result.format, result.rows_read, result.physicians_added, result.skipped) == ("nppes", 5, 3, 2)
    assert "skipped 1 organisation rows (entity type 2)" in result.warnings
    assert "skipped 1 deactivated NPIs (no entity type)" in result.warnings
    assert set(physicians(engine)) == {valid_npi(301), valid_npi(304), valid_npi(305)}


def test_nppes_specialty_comes_from_the_primary_taxonomy(engine):
    import_roster(engine, NPPES, now=NOW)
    holloway = physicians(engine)[valid_npi(301)]  # 207R00000X listed first, 207RC0000X flagged primary
    assert (holloway.specialty, holloway.department) == ("Cardiovascular Disease", "Internal Medicine")


def test_nppes_other_name_is_kept_as_a_former_name(engine):
    import_roster(engine, NPPES, now=NOW)
    assert physicians(engine)[valid_npi(301)].other_names == [
        {"first_name": "MARGARET", "middle_name": "", "last_name": "PRICE", "kind": "former"}]


def test_nppes_second_address_line_and_blank_phone(engine):
    import_roster(engine, NPPES, now=NOW)
    [banks] = locations(engine, valid_npi(304))
    assert (banks.street, banks.phone) == ("880 CHERRY ST STE 1200", None)
    assert physicians(engine)[valid_npi(304)].suffix == "III"


def test_nppes_practice_location_outside_the_us_is_refused(engine, tmp_path):
    rows = read_rows(NPPES)
    country = rows[0].index("Provider Business Practice Location Address Country Code (If outside U.S.)")
    rows[1][country] = "DE"
    with pytest.raises(RosterError) as caught:
        import_roster(engine, write_rows(tmp_path / "npidata_pfile_x.csv", rows), now=NOW)
    [error] = caught.value.errors
    assert (error.line, error.column) == (2, rows[0][country])
    assert "outside the US (country code DE)" in error.reason


# -- checking rows ----------------------------------------------------------------------------------


def test_bad_check_digit_is_refused_with_its_line_and_nothing_is_stored(engine, tmp_path):
    path = canonical_with(tmp_path, 4, "npi", "1234567890")
    with pytest.raises(RosterError) as caught:
        import_roster(engine, path, now=NOW)
    assert [str(e) for e in caught.value.errors] == ["roster.csv:4: npi: check digit is wrong (1234567890)"]
    assert "nothing was imported" in str(caught.value)
    assert physicians(engine) == {}


@pytest.mark.parametrize("column, value, message", [
    ("npi", "", "roster.csv:3: npi: is required"),
    ("npi", "123456789", "roster.csv:3: npi: must be 10 digits (123456789)"),
    ("npi", "1.00000E+09", "roster.csv:3: npi: was turned into a number by a spreadsheet"),
    ("last_name", "", "roster.csv:3: last_name: is required"),
    ("first_name", "", "roster.csv:3: first_name: is required"),
    ("state", "Gorgia", "roster.csv:3: state: is not a US state code or state name (e.g. GA or Georgia) (Gorgia)"),
    ("zip", "3034", "roster.csv:3: zip: is missing its leading zero"),
    ("zip", "30342-12", "roster.csv:3: zip: must be a 5-digit ZIP or ZIP+4 (30329 or 30329-2206) (30342-12)"),
    ("phone", "555-0102", "roster.csv:3: phone: must be a 10-digit US phone number like (404) 555-0101 (555-0102)"),
    ("phone", "", "roster.csv:3: phone: is required"),
    ("city", "", "roster.csv:3: city: is required"),
])
def test_row_check_messages(engine, tmp_path, column, value, message):
    with pytest.raises(RosterError) as caught:
        import_roster(engine, canonical_with(tmp_path, 3, column, value), now=NOW)
    [error] = caught.value.errors
    assert str(error).startswith(message)


def test_dac_bad_phone_is_an_error_though_blank_is_allowed(engine, tmp_path):
    rows = read_rows(DAC)
    rows[1][rows[0].index("Telephone Number")] = "40455502"
    with pytest.raises(RosterError) as caught:
        import_roster(engine, write_rows(tmp_path / "dac.csv", rows), now=NOW)
    assert [str(e) for e in caught.value.errors] == [
        "dac.csv:2: Telephone Number: must be a 10-digit US phone number like (404) 555-0101 (40455502)"]


def test_same_npi_with_another_name_is_an_error_on_the_later_row(engine, tmp_path):
    with pytest.raises(RosterError) as caught:
        import_roster(engine, canonical_with(tmp_path, 3, "last_name", "Dough"), now=NOW)
    [error] = caught.value.errors
    assert (error.line, error.column, error.value) == (3, "last_name", "Dough")
    assert error.reason == f"NPI {valid_npi(101)} is Jane Doe on line 2: one NPI must have one name"


def test_every_bad_row_is_reported_at_once(engine, tmp_path):
    rows = read_rows(CANONICAL)
    rows[2][rows[0].index("zip")] = "ABC"
    rows[4][rows[0].index("state")] = "ZZ"
    with pytest.raises(RosterError) as caught:
        import_roster(engine, write_rows(tmp_path / "roster.csv", rows), now=NOW)
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "zip"), (5, "state")]


def test_a_value_holding_a_line_break_is_an_error_on_its_line_and_later_lines_still_count(engine, tmp_path):
    rows = read_rows(CANONICAL)
    rows[1][rows[0].index("practice_name")] = "Peachtree Heart Clinic\nSecond floor"
    rows[3][rows[0].index("zip")] = "ABC"
    with pytest.raises(RosterError) as caught:
        import_roster(engine, write_rows(tmp_path / "roster.csv", rows), skip_invalid=True, now=NOW)
    # row 4 of the table starts on line 5 of the file
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "practice_name"), (5, "zip")]
    assert physicians(engine) == {}


def test_unquoted_comma_is_reported(engine, tmp_path):
    text = CANONICAL.read_text(encoding="utf-8").replace('"1365 Clifton Road N.E., Suite 604"',
                                                         "1365 Clifton Road N.E., Suite 604")
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        import_roster(engine, path, now=NOW)
    assert "a value containing a comma must be in double quotes" in str(caught.value.errors[0])


def test_a_row_without_a_street_is_a_location_known_by_city_state_and_zip(engine, tmp_path):
    result = import_roster(engine, canonical_with(tmp_path, 4, "street", ""), now=NOW)
    assert result.rejected == 0
    [location] = locations(engine, valid_npi(102))
    assert (location.street, location.city, location.state, location.zip) == (None, "DECATUR", "GA", "30030")


# -- a stray quote: the rows it swallows are not known, so the file is refused whole -------------------


def with_stray_quote(tmp_path: Path) -> Path:
    """The canonical fixture with a quote opening Robert Garcia-Lopez's practice name (line 4) and nothing
    closing it until the quoted street on line 6: a CSV reader swallows the rows on lines 5 and 6."""
    lines = CANONICAL.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("Decatur Bone & Joint", '"Decatur Bone & Joint')
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("skip_invalid", [False, True], ids=["default", "skip-invalid"])
def test_a_stray_quote_refuses_the_file_naming_the_line_where_it_opens(engine, tmp_path, skip_invalid):
    import_roster(engine, CANONICAL, now=NOW)
    before = {npi: (p.active, p.updated_at) for npi, p in physicians(engine).items()}
    with pytest.raises(RosterError) as caught:
        import_roster(engine, with_stray_quote(tmp_path), skip_invalid=skip_invalid, now=datetime(2026, 2, 1, tzinfo=UTC))
    [error] = caught.value.errors
    assert (error.line, error.column) == (4, "practice_name")
    assert "runs from this line on to line 6, so the rows on lines 5-6 were read into it" in error.reason
    assert "nothing was imported" in caught.value.message and "--skip-invalid cannot skip" in caught.value.message
    assert {npi: (p.active, p.updated_at) for npi, p in physicians(engine).items()} == before  # nobody deactivated
    assert not (tmp_path / "roster.rejected.csv").exists()


def test_a_quote_that_never_closes_is_refused_naming_its_line(engine, tmp_path):
    lines = CANONICAL.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",30308,", ',"30308,')
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        import_roster(engine, path, now=NOW)
    assert [(e.line, e.column) for e in caught.value.errors] == [(6, "zip")]
    assert "does not close by the end of the file" in caught.value.errors[0].reason
    assert physicians(engine) == {}


def test_a_quote_that_swallows_more_than_a_value_can_hold_is_refused_naming_its_line(engine, tmp_path):
    rows = read_rows(CANONICAL)
    rows += [[valid_npi(110 + n), "Ann", "", f"Roe{n}", "", "MD", "", "", "Practice " + "x" * 200, "1 Elm St",
              "Atlanta", "GA", "30303", "4045550199"] for n in range(1000)]
    path = write_rows(tmp_path / "roster.csv", rows)
    path.write_text(path.read_text(encoding="utf-8").replace(",Practice", ',"Practice', 1), encoding="utf-8")
    with pytest.raises(RosterError, match=r"roster.csv:7: the row that starts here cannot be read"):
        import_roster(engine, path, now=NOW)
    assert physicians(engine) == {}


def test_a_row_with_more_values_than_the_header_refuses_the_file_even_with_skip_invalid(engine, tmp_path):
    text = CANONICAL.read_text(encoding="utf-8").replace("100 North Main Street # 5", "100 North Main Street, # 5")
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        import_roster(engine, path, skip_invalid=True, now=NOW)
    assert [(e.line, e.column, e.value) for e in caught.value.errors] == [(4, "(row)", "+1 404 555 0103")]
    assert physicians(engine) == {}


def test_blank_values_after_the_last_column_are_no_error(engine, tmp_path):
    rows = [row + ["", ""] for row in read_rows(CANONICAL)]
    assert import_roster(engine, write_rows(tmp_path / "roster.csv", rows), now=NOW).physicians_added == 4


def test_skip_invalid_imports_valid_rows_and_writes_rejects(engine, tmp_path):
    path = canonical_with(tmp_path, 4, "npi", "1234567890")
    result = import_roster(engine, path, skip_invalid=True, now=NOW)
    assert (result.rejected, result.rejects_path) == (1, tmp_path / "roster.rejected.csv")
    assert "Rejected: 1 rows, written with the reasons to" in result.describe()
    assert set(physicians(engine)) == {valid_npi(101), valid_npi(103), valid_npi(104)}
    header, rejected = read_rows(result.rejects_path)
    assert header == [*read_rows(CANONICAL)[0], "line", "column", "reason"]
    assert rejected[0] == "1234567890" and rejected[-3:] == ["4", "npi", "check digit is wrong (1234567890)"]


def test_a_physician_whose_row_is_rejected_stays_active_with_its_locations(engine, tmp_path):
    import_roster(engine, CANONICAL, now=NOW)
    rows = read_rows(CANONICAL)
    rows[2][rows[0].index("zip")] = "ABC"  # Jane Doe's second location
    rows[3][rows[0].index("state")] = "ZZ"  # Robert Garcia-Lopez's only row
    result = import_roster(engine, write_rows(tmp_path / "roster.csv", rows), skip_invalid=True, now=NOW)
    assert (result.rejected, result.physicians_deactivated, result.locations_removed) == (2, 0, 0)
    assert physicians(engine)[valid_npi(102)].active
    assert len(locations(engine, valid_npi(101))) == 2


def test_rejects_go_where_asked(engine, tmp_path):
    target = tmp_path / "out" / "bad.csv"
    target.parent.mkdir()
    path = canonical_with(tmp_path, 4, "state", "ZZ")
    result = import_roster(engine, path, skip_invalid=True, rejects_path=target, now=NOW)
    assert result.rejects_path == target and len(read_rows(target)) == 2


def test_a_roster_with_no_valid_row_changes_nothing(engine, tmp_path):
    import_roster(engine, CANONICAL, now=NOW)
    rows = read_rows(CANONICAL)
    for row in rows[1:]:
        row[0] = "1234567890"
    with pytest.raises(RosterError, match="no valid physician rows"):
        import_roster(engine, write_rows(tmp_path / "bad.csv", rows), skip_invalid=True, now=NOW)
    assert all(p.active for p in physicians(engine).values())


# -- the file itself --------------------------------------------------------------------------------


def test_empty_file_is_refused(engine, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("")
    with pytest.raises(RosterError, match="roster.csv is empty"):
        import_roster(engine, path)


def test_header_only_is_refused(engine, tmp_path):
    path = write_rows(tmp_path / "roster.csv", read_rows(CANONICAL)[:1])
    with pytest.raises(RosterError, match="roster.csv has a header but no rows"):
        import_roster(engine, path)


def test_unknown_header_names_the_file_and_the_expected_columns(engine, tmp_path):
    path = write_rows(tmp_path / "export.csv", [["NPI", "Name", "Address"], [valid_npi(1), "Jane Doe", "1 Elm"]])
    with pytest.raises(RosterError) as caught:
        import_roster(engine, path)
    message = str(caught.value)
    assert message.startswith("export.csv: the header row matches no roster layout")
    assert "npi, first_name, middle_name, last_name" in message


def test_header_names_are_matched_ignoring_case_and_spaces(engine, tmp_path):
    rows = read_rows(CANONICAL)
    rows[0] = [f" {name.upper()} " for name in rows[0]] + ["Notes"]
    result = import_roster(engine, write_rows(tmp_path / "roster.csv", rows), now=NOW)
    assert (result.format, result.physicians_added) == ("canonical", 4)


def test_windows_1252_file_is_read_with_a_warning(engine, tmp_path):
    path = write_rows(tmp_path / "roster.csv", read_rows(CANONICAL), encoding="cp1252")
    result = import_roster(engine, path, now=NOW)
    assert physicians(engine)[valid_npi(103)].first_name == "María"
    assert result.warnings == ["roster.csv is not UTF-8; read it as Windows-1252 (check accented names)"]


def test_utf8_byte_order_mark_is_ignored(engine, tmp_path):
    path = write_rows(tmp_path / "roster.csv", read_rows(CANONICAL), encoding="utf-8-sig")
    assert import_roster(engine, path, now=NOW).warnings == []


def as_unicode_text(rows: list[list[str]], encoding: str) -> bytes:
    """What Excel's "Save as Unicode Text" writes: tab-separated lines, UTF-16 with a byte order mark."""
    return "".join("\t".join(row) + "\r\n" for row in rows).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excel_unicode_text_is_read_as_utf16_with_a_warning(engine, tmp_path, encoding):
    path = tmp_path / "roster.txt"
    data = as_unicode_text(read_rows(CANONICAL), encoding)
    path.write_bytes(data if encoding == "utf-16" else b"\xfe\xff" + data)
    result = import_roster(engine, path, now=NOW)
    assert (result.format, result.physicians_added, result.locations) == ("canonical", 4, 5)
    assert physicians(engine)[valid_npi(103)].first_name == "María"
    assert result.warnings == ['roster.txt is UTF-16 text (Excel\'s "Unicode Text"); read it as UTF-16']


def test_utf16_without_a_byte_order_mark_is_refused_naming_the_encoding(engine, tmp_path):
    path = tmp_path / "roster.txt"
    path.write_bytes(as_unicode_text(read_rows(CANONICAL), "utf-16-le"))
    with pytest.raises(RosterError, match="looks like UTF-16 without a byte order mark"):
        import_roster(engine, path)


def test_utf16_cut_short_is_refused_naming_the_encoding(engine, tmp_path):
    path = tmp_path / "roster.txt"
    path.write_bytes(as_unicode_text(read_rows(CANONICAL), "utf-16") + b"\x41")
    with pytest.raises(RosterError, match="marked as UTF-16 text but is not valid UTF-16"):
        import_roster(engine, path)


@pytest.mark.parametrize("content, message", [
    (bytes(range(256)) * 8, "junk.csv is not a text file (it holds NUL bytes)"),
    (b"PK\x03\x04" + bytes(200), "junk.csv is an Excel workbook (or a zip archive), not a CSV file"),
])
def test_a_file_that_is_not_text_is_refused_saying_what_it_is(engine, tmp_path, content, message):
    path = tmp_path / "junk.csv"
    path.write_bytes(content)
    with pytest.raises(RosterError, match=re.escape(message)):
        import_roster(engine, path)


def test_a_byte_no_encoding_reads_is_named_with_its_line(engine, tmp_path):
    path = write_rows(tmp_path / "roster.csv", read_rows(CANONICAL), encoding="cp1252")
    path.write_bytes(path.read_bytes().replace(b"Decatur Bone", b"Decatur \x81Bone"))
    with pytest.raises(RosterError, match=r"roster.csv:4: the text encoding is neither UTF-8 nor Windows-1252 \(byte 0x81"):
        import_roster(engine, path)


# -- what an import does to the database ------------------------------------------------------------


def test_reimport_changes_nothing(engine):
    import_roster(engine, CANONICAL, now=NOW)
    before = {npi: (p.id, [l.id for l in locations(engine, npi)]) for npi, p in physicians(engine).items()}
    result = import_roster(engine, CANONICAL, now=datetime(2026, 2, 1, tzinfo=UTC))
    after = {npi: (p.id, [l.id for l in locations(engine, npi)]) for npi, p in physicians(engine).items()}
    assert after == before
    assert (result.physicians_added, result.physicians_updated, result.physicians_unchanged) == (0, 0, 4)
    assert (result.locations_added, result.locations_removed) == (0, 0)


def test_a_moved_location_is_replaced_and_the_other_keeps_its_id(engine, tmp_path):
    import_roster(engine, CANONICAL, now=NOW)
    kept, moved = locations(engine, valid_npi(101))
    later = datetime(2026, 2, 1, tzinfo=UTC)
    result = import_roster(engine, canonical_with(tmp_path, 3, "street", "99 New Street"), now=later)
    assert (result.physicians_updated, result.locations_added, result.locations_removed) == (1, 1, 1)
    now_kept, new = locations(engine, valid_npi(101))
    assert now_kept.id == kept.id and new.id != moved.id and new.street == "99 NEW ST"
    assert physicians(engine)[valid_npi(101)].updated_at == later


def test_changed_details_update_the_physician(engine, tmp_path):
    import_roster(engine, CANONICAL, now=NOW)
    path = canonical_with(tmp_path, 4, "specialty", "Hand Surgery")
    result = import_roster(engine, path, now=NOW)
    assert (result.physicians_updated, result.physicians_unchanged) == (1, 3)
    assert physicians(engine)[valid_npi(102)].specialty == "Hand Surgery"


def test_physician_dropped_from_the_roster_becomes_inactive_with_locations_kept(engine, tmp_path):
    import_roster(engine, CANONICAL, now=NOW)
    rows = [row for row in read_rows(CANONICAL) if row[0] != valid_npi(101)]
    result = import_roster(engine, write_rows(tmp_path / "roster.csv", rows), now=NOW)
    assert result.physicians_deactivated == 1
    doe = physicians(engine)[valid_npi(101)]
    assert not doe.active
    assert len(locations(engine, valid_npi(101))) == 2


def test_physician_back_on_the_roster_is_active_again(engine, tmp_path):
    import_roster(engine, CANONICAL, now=NOW)
    rows = [row for row in read_rows(CANONICAL) if row[0] != valid_npi(101)]
    import_roster(engine, write_rows(tmp_path / "roster.csv", rows), now=NOW)
    result = import_roster(engine, CANONICAL, now=NOW)
    assert result.physicians_updated == 1 and physicians(engine)[valid_npi(101)].active


def test_a_failure_while_storing_rolls_everything_back(engine, monkeypatch):
    def fail(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(roster, "_store_locations", fail)  # runs after the physicians are inserted
    with pytest.raises(RuntimeError):
        import_roster(engine, CANONICAL, now=NOW)
    assert physicians(engine) == {}


def test_a_local_time_is_stored_as_utc(engine):
    eastern = datetime(2026, 1, 5, 7, 0, tzinfo=timezone(timedelta(hours=-5)))
    import_roster(engine, CANONICAL, now=eastern)
    updated_at = physicians(engine)[valid_npi(101)].updated_at
    assert updated_at == NOW and updated_at.utcoffset() == timedelta(0)


def test_a_naive_time_is_refused(engine):
    with pytest.raises(ValueError, match="timezone-aware"):
        import_roster(engine, CANONICAL, now=datetime(2026, 1, 5, 12, 0))


# -- real public files (kept outside the repository) ------------------------------------------------


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data")
def test_real_nppes_rows_import(engine):
    path = SHARED / "nppes_npidata_sample" / "npidata_pfile_20050523-20250907_first99.csv"
    result = import_roster(engine, path, now=NOW)
    assert (result.format, result.rows_read, result.physicians_added, result.skipped) == ("nppes", 99, 71, 28)
    wiebe = physicians(engine)["1679576722"]
    assert (wiebe.last_name, wiebe.credentials, wiebe.specialty) == ("WIEBE", "MD", "Orthopaedic Surgery")


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data")
def test_real_cleaned_cms_sample_imports(engine):
    result = import_roster(engine, SHARED / "nppes_cms_linked_sample" / "clean_CMS_sample.csv", now=NOW)
    assert (result.format, result.rows_read, result.physicians_added, result.rejected) == ("cms-dac", 4883, 2533, 0)


# -- PostgreSQL -------------------------------------------------------------------------------------


@pytest.fixture
def postgres_engine(pg_url):
    """On a schema of its own (the ``pg_url`` fixture), so parallel runs on one server do not collide."""
    engine = get_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_roster_import_on_postgresql(postgres_engine, tmp_path):
    result = import_roster(postgres_engine, CANONICAL, now=NOW)
    assert (result.physicians_added, result.locations) == (4, 5)
    again = import_roster(postgres_engine, CANONICAL, now=NOW)
    assert (again.physicians_unchanged, again.locations_added) == (4, 0)
    rows = [row for row in read_rows(CANONICAL) if row[0] != valid_npi(101)]
    dropped = import_roster(postgres_engine, write_rows(tmp_path / "roster.csv", rows), now=NOW)
    assert dropped.physicians_deactivated == 1
    assert physicians(postgres_engine)[valid_npi(104)].updated_at == NOW


# -- the command: a user's mistake is a message, never a traceback ------------------------------------


def broken_files(tmp_path: Path) -> dict[str, Path]:
    rows = read_rows(CANONICAL)
    contents = {
        "stray_quote.csv": with_stray_quote(tmp_path).read_bytes(),
        "unicode_text.txt": as_unicode_text(rows, "utf-16"),
        "no_bom.txt": as_unicode_text(rows, "utf-16-le"),
        "junk.csv": bytes(range(256)) * 64,
        "empty.csv": b"",
        "header_only.csv": CANONICAL.read_bytes().splitlines(keepends=True)[0],
        "markup.csv": CANONICAL.read_bytes().replace(b"30329-2206", b"[/red][bold]3032"),
    }
    for name, content in contents.items():
        (tmp_path / name).write_bytes(content)
    return {name: tmp_path / name for name in contents}


@pytest.mark.parametrize("name, exit_code, shown", [
    ("stray_quote.csv", 1, "stray_quote.csv:4: practice_name: a quoted value runs from this line on to line 6"),
    ("unicode_text.txt", 0, "Physicians: 4 added"),
    ("no_bom.txt", 1, "looks like UTF-16 without a byte order mark"),
    ("junk.csv", 1, "is not a text file"),
    ("empty.csv", 1, "empty.csv is empty"),
    ("header_only.csv", 1, "has a header but no rows"),
    ("markup.csv", 1, "[/red][bold]3032"),
])
def test_roster_import_command_on_broken_files_says_what_is_wrong(tmp_path, name, exit_code, shown):
    from typer.testing import CliRunner

    from reputation.cli import app

    path = broken_files(tmp_path)[name]
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path}/cli.db", "roster", "import", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == exit_code
    output = " ".join((result.stdout + result.stderr).split())  # Rich wraps long lines
    assert " ".join(shown.split()) in output
    assert "Traceback" not in output


def test_a_nul_character_in_a_value_is_an_error_on_its_line_not_a_database_error(engine, tmp_path):
    """Past the first bytes (where NULs mean a binary file), a NUL is one damaged value: PostgreSQL would
    refuse to store it."""
    rows = read_rows(CANONICAL) + [[valid_npi(110 + n), "Ann", "", f"Roe{n}", "", "MD", "", "", "Clinic", "1 Elm St",
                                    "Atlanta", "GA", "30303", "4045550199"] for n in range(100)]
    rows[-1][rows[0].index("practice_name")] = "Cli\0nic"
    with pytest.raises(RosterError) as caught:
        import_roster(engine, write_rows(tmp_path / "roster.csv", rows), now=NOW)
    assert [(e.line, e.column) for e in caught.value.errors] == [(len(rows), "practice_name")]
