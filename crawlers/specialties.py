"""The roster's specialties as the review sites name them in their listing pages (search by specialty and place).

A roster physician's specialty arrives in a spider's target as a NUCC taxonomy code (``specialty_code``:
``207RC0000X``). Sites without a usable name search are walked by their specialty-in-city listing pages, and
each site names a specialty its own way: RateMDs ``cardiologist`` (``/best-doctors/?specialty=``), WebMD a
search term (``q=Cardiology``), Vitals a path segment (``/cardiologists/or/portland``), Zocdoc the term of its
search box (``search_query=Cardiologist``).

``SPECIALTIES`` holds the common specialties: the NUCC codes each covers (a classification's own code and the
specializations the sites list under it) and the site's name for it. A code not here is a specialty the site's
map does not know: the spider then falls back to its name search where it has one, or says "not searched"
(reason code ``not_searched``), never missing.

The site names follow the sites' listing URLs as public scrapers of 2019–26 show them (RateMDs
``cardiologist``, ``family-gp``; WebMD's result pages searched by the specialty's name) and, for the rest, the
sites' own specialty menus; they are not verified against live pages here. A wrong name makes a site answer
an empty or unrelated list, so ``tests/test_specialties.py`` checks each against the sandbox sites, which
serve the sites' vocabularies, and a crawl's stats count walks by specialty (``repmon/SOURCE/walks``).
"""

from __future__ import annotations

from typing import NamedTuple


class Specialty(NamedTuple):
    key: str  # our name: "cardiology"
    codes: tuple[str, ...]  # NUCC taxonomy codes it covers
    sites: dict[str, str]  # source -> the site's name for it (a slug, a search term)


SPECIALTIES = (
    Specialty("family_medicine", ("207Q00000X", "207QA0505X", "207QG0300X", "207QS0010X"),
              {"ratemds": "family-gp", "webmd": "Family Medicine", "vitals": "family-practitioners", "zocdoc": "Family Physician"}),
    Specialty("internal_medicine", ("207R00000X", "207RG0300X"),
              {"ratemds": "internist-geriatrician", "webmd": "Internal Medicine", "vitals": "internists", "zocdoc": "Internist"}),
    Specialty("pediatrics", ("208000000X", "2080A0000X"),
              {"ratemds": "pediatrician", "webmd": "Pediatrics", "vitals": "pediatricians", "zocdoc": "Pediatrician"}),
    Specialty("cardiology", ("207RC0000X", "207RC0001X", "207RI0011X", "207RA0001X"),
              {"ratemds": "cardiologist", "webmd": "Cardiology", "vitals": "cardiologists", "zocdoc": "Cardiologist"}),
    Specialty("orthopaedic_surgery", ("207X00000X", "207XS0114X", "207XS0106X", "207XX0004X", "207XS0117X",
                                      "207XX0801X", "207XP3100X", "207XX0005X"),
              {"ratemds": "orthopedics-orthopedic-surgeon", "webmd": "Orthopedic Surgery",
               "vitals": "orthopedic-surgeons", "zocdoc": "Orthopedic Surgeon"}),
    Specialty("obstetrics_gynecology", ("207V00000X", "207VG0400X", "207VX0000X", "207VM0101X", "207VE0102X"),
              {"ratemds": "gynecologist-obgyn", "webmd": "Obstetrics & Gynecology",
               "vitals": "obstetricians-gynecologists", "zocdoc": "OB-GYN"}),
    Specialty("dermatology", ("207N00000X", "207ND0101X", "207ND0900X", "207NS0135X"),
              {"ratemds": "dermatologist", "webmd": "Dermatology", "vitals": "dermatologists", "zocdoc": "Dermatologist"}),
    Specialty("neurology", ("2084N0400X", "2084N0402X", "2084N0600X"),
              {"ratemds": "neurologist", "webmd": "Neurology", "vitals": "neurologists", "zocdoc": "Neurologist"}),
    Specialty("psychiatry", ("2084P0800X", "2084P0804X", "2084P0805X", "2084P0802X"),
              {"ratemds": "psychiatrist", "webmd": "Psychiatry", "vitals": "psychiatrists", "zocdoc": "Psychiatrist"}),
    Specialty("gastroenterology", ("207RG0100X",),
              {"ratemds": "gastroenterologist", "webmd": "Gastroenterology", "vitals": "gastroenterologists", "zocdoc": "Gastroenterologist"}),
    Specialty("endocrinology", ("207RE0101X",),
              {"ratemds": "endocrinologist", "webmd": "Endocrinology", "vitals": "endocrinologists", "zocdoc": "Endocrinologist"}),
    Specialty("pulmonology", ("207RP1001X",),
              {"ratemds": "respirologist-pulmonologist", "webmd": "Pulmonology", "vitals": "pulmonologists", "zocdoc": "Pulmonologist"}),
    Specialty("nephrology", ("207RN0300X",),
              {"ratemds": "nephrologist", "webmd": "Nephrology", "vitals": "nephrologists", "zocdoc": "Nephrologist"}),
    Specialty("rheumatology", ("207RR0500X",),
              {"ratemds": "rheumatologist", "webmd": "Rheumatology", "vitals": "rheumatologists", "zocdoc": "Rheumatologist"}),
    Specialty("oncology", ("207RX0202X", "207RH0003X"),
              {"ratemds": "oncologist", "webmd": "Oncology", "vitals": "oncologists", "zocdoc": "Oncologist"}),
    Specialty("ophthalmology", ("207W00000X",),
              {"ratemds": "ophthalmologist", "webmd": "Ophthalmology", "vitals": "ophthalmologists", "zocdoc": "Ophthalmologist"}),
    Specialty("otolaryngology", ("207Y00000X",),
              {"ratemds": "ent-otolaryngologist", "webmd": "Otolaryngology", "vitals": "otolaryngologists", "zocdoc": "Ear, Nose & Throat Doctor"}),
    Specialty("urology", ("208800000X",),
              {"ratemds": "urologist", "webmd": "Urology", "vitals": "urologists", "zocdoc": "Urologist"}),
    Specialty("general_surgery", ("208600000X",),
              {"ratemds": "general-surgeon", "webmd": "General Surgery", "vitals": "general-surgeons", "zocdoc": "General Surgeon"}),
)
_BY_CODE = {code: specialty for specialty in SPECIALTIES for code in specialty.codes}


def specialty_of(code: str | None) -> Specialty | None:
    """The common specialty a NUCC code belongs to, or None for a code this map does not know."""
    return _BY_CODE.get(str(code or "").strip().upper())


def site_specialty(source: str, code: str | None) -> str | None:
    """The site's name for the specialty of NUCC ``code`` (a slug or a search term), or None when the map does
    not know the code or the site does not list that specialty."""
    specialty = specialty_of(code)
    return specialty.sites.get(source) if specialty else None
