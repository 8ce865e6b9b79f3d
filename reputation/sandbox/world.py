"""A generated, deterministic world for the sandbox: Northwind Health's physicians and how sites show them.

``World(seed, size)`` draws everything from ``random.Random(seed)``: the same seed gives the same world.
The health system's truth is ``roster_rows()`` (one row per physician-location, the canonical roster CSV);
each physician also has an NPPES record (truthful; ZIP+4, upper case, "M.D." as the registry writes them)
and, usually, a Healthgrades listing. The listings differ from the truth on purpose, and every
difference is named in ``World.discrepancies`` (role -> NPIs of roster physicians), chosen in this order
from a seeded shuffle of the roster (roles never overlap):

- ``no_listing``: no Healthgrades listing at all (about 6% of the roster, at least 1);
- ``outdated_phone``: the first office shows an old phone number (about 6%);
- ``outdated_address``: the first office shows an old street address in the same city (about 6%);
- ``duplicate_listing``: a second listing showing the first office (name with the middle initial when
  there is one, 3 ratings);
- ``namesake``: another physician with the same first/last name and specialty, in another city of the
  same state with another phone, not on the roster (NPI ``World.namesake_npi``, in NPPES too); a search
  for the roster physician finds both listings;
- ``sponsor_phone``: the first office shows the hospital sponsor's call-center number (``SPONSOR_PHONE``),
  marked ``data-qa-target="sponsor-phone-label"`` on the page: a legitimate difference, not an outdated phone;
- ``script_review``: one review's text carries ``<script>alert(1)</script>`` (untrusted text, for escaping);
- ``rating_drop``: many 1-star ratings in each of weeks 1-4 (the rating falls by more than a star);
- ``phone_change``: the first office's phone changes to a wrong number on week 2;
- ``listing_gone``: the listing disappears on week 3 (profile 404, absent from search).

Formatting differs without being wrong: Healthgrades writes phones "(503) 555-0123" and suites "Ste",
the roster "503-555-0123" and "Suite", NPPES "503-555-0123", ZIP+4 and upper case.

``advance()`` moves one week: ratings drift, new reviews arrive (some of 1-2 stars) dated within that
week (week w covers the 7 days from ``start + (w - 1) weeks``), and the scheduled events above happen.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from reputation.normalize import npi_check_digit

DEFAULT_SEED = 7
DEFAULT_SIZE = 50
DEFAULT_START = date(2026, 11, 2)  # a Monday; initial reviews are dated before it
SYSTEM = "Northwind Health"
SPONSOR_PHONE = "(800) 555-0199"
SCRIPT_REVIEW = "Dr. {last} was great. <script>alert(1)</script> Would recommend!"
# The practice's reply to the scripted review, disclosing what a public reply must not (a phi_in_reply finding):
# a surname the display name does not show, and a procedure.
PHI_REPLY = "Thank you, {first} Whitfield! We are so glad your knee replacement went well."
ROSTER_COLUMNS = (
    "npi", "first_name", "middle_name", "last_name", "suffix", "credentials", "specialty", "department",
    "practice_name", "street", "city", "state", "zip", "phone",
)

# department, roster specialty, Healthgrades specialty, NUCC code, NPPES taxonomy desc
SPECIALTIES = [
    ("Primary Care", "Family Medicine", "Family Medicine", "207Q00000X", "Family Medicine"),
    ("Primary Care", "Internal Medicine", "Internal Medicine", "207R00000X", "Internal Medicine"),
    ("Pediatrics", "Pediatrics", "Pediatrics", "208000000X", "Pediatrics"),
    ("Heart & Vascular", "Cardiology", "Cardiology", "207RC0000X", "Internal Medicine Cardiovascular Disease"),
    ("Orthopedics", "Orthopaedic Surgery", "Orthopedic Surgery", "207X00000X", "Orthopaedic Surgery"),
    ("Women's Health", "Obstetrics & Gynecology", "Obstetrics & Gynecology", "207V00000X", "Obstetrics & Gynecology"),
    ("Dermatology", "Dermatology", "Dermatology", "207N00000X", "Dermatology"),
    ("Neurosciences", "Neurology", "Neurology", "2084N0400X", "Psychiatry & Neurology Neurology"),
]
# city, state, area codes, ZIPs, streets
CITIES = [
    ("Portland", "OR", ("503", "971"), ("97201", "97205", "97209", "97210", "97232", "97239"),
     ("NW Everett St", "SE Hawthorne Blvd", "SW Broadway", "NE Broadway", "N Williams Ave", "SW Sam Jackson Park Rd")),
    ("Beaverton", "OR", ("503", "971"), ("97005", "97006"), ("SW Canyon Rd", "SW Murray Blvd", "NW 185th Ave")),
    ("Gresham", "OR", ("503", "971"), ("97030",), ("NE Hogan Rd", "SE Stark St")),
    ("Salem", "OR", ("503",), ("97301", "97302"), ("Commercial St SE", "Center St NE")),
    ("Vancouver", "WA", ("360", "564"), ("98660", "98664", "98684"), ("E Mill Plain Blvd", "NE 87th Ave", "Main St")),
    ("Camas", "WA", ("360",), ("98607",), ("NE 4th Ave", "NW 6th Ave")),
]
FEMALE = ("Anna Beth Carmen Diana Elena Fatima Grace Hannah Ingrid Julia Karen Laura Maya Nadia Olivia Priya "
          "Rachel Sofia Tanya Uma Vera Wendy Yasmin Zoe Alice Brenda Chloe Deborah Erin Farah Gloria Helen Irene "
          "Jasmine Kathleen Lena Monica Naomi Paula Rosa Sandra Theresa Valerie Leah Mei Aisha Camille Nora "
          "Ruth Simone").split()
MALE = ("Aaron Benjamin Carlos David Ethan Farid George Henry Ian James Kevin Lucas Martin Nathan Omar Peter "
        "Rafael Samuel Thomas Victor William Xavier Yusuf Zachary Adam Brian Colin Daniel Edward Frank Gregory "
        "Hassan Isaac Jonah Kenji Leon Marcus Neil Oscar Patrick Raj Stefan Tobias Vincent Walter Andre Dmitri "
        "Hugo Luis Owen").split()
LAST = ("Abbott Alvarez Anand Baker Banerjee Bishop Brennan Castillo Chen Choi Coleman Cruz Dalton Das Delgado "
        "Dubois Ellis Erikson Farrell Fischer Flores Foster Gallagher Garcia Gupta Hale Hansen Hayes Hoffman "
        "Holloway Ibrahim Ingram Jensen Johansson Kang Kaplan Keller Khan Kim Kowalski Larsen Lee Lindqvist "
        "Lopez Lund Mahmoud Marsh Mendoza Meyer Moreno Murphy Nakamura Nash Nguyen Novak Okafor Olsen Ortiz "
        "Park Patel Pearson Perez Quinn Ramirez Reddy Reyes Rivera Romero Rossi Sandoval Santos Schmidt Shah "
        "Silva Singh Sorensen Stein Sullivan Suzuki Tan Thornton Torres Tran Vargas Vasquez Walsh Wang Weber "
        "Whitaker Wolfe Wong Yamamoto Yang Young Zhang Zimmerman Becker Brandt Cho Duarte Fong Greer Haddad "
        "Iverson Jovanovic Kuznetsov Lam Moss Nolan Osei Pham Rahman Sato Ueda Voss Yilmaz").split()
REVIEW_TEXT = {
    5: ["Dr. {last} listened carefully and explained every option. Highly recommend.",
        "Wonderful experience. Dr. {last} and the staff were kind and on time.",
        "Best doctor I have seen in years; thorough and patient.",
        "Dr. {last} took the time to answer all my questions."],
    4: ["Good visit overall, a bit of a wait but Dr. {last} was thorough.",
        "Knowledgeable and friendly. Scheduling could be easier."],
    3: ["Average experience. Dr. {last} seemed rushed.", "Care was fine, the front desk less so."],
    2: ["Waited over an hour and the visit felt rushed.", "Hard to reach the office by phone; billing was confusing."],
    1: ["Dr. {last} dismissed my concerns. Would not return.",
        "Rude staff, long wait, and my questions went unanswered.",
        "Terrible experience: the appointment was cancelled twice without notice."],
}
# The sites the sandbox plays, beside the NPI Registry. Sharecare syndicates Healthgrades: same listings.
SITE_SOURCES = ("healthgrades", "sharecare", "vitals", "webmd", "zocdoc", "ratemds", "usnews", "google", "yelp",
                "website")
# How each site writes a physician's name: {f}irst, {m}iddle initial, {l}ast, {c}redentials.
NAME_STYLES = {
    "vitals": "Dr. {f} {l}, {c}", "webmd": "Dr. {f} {l}, {c}", "zocdoc": "Dr. {f} {l}, {c}",
    "ratemds": "Dr. {f} {l}", "usnews": "Dr. {f} {m}{l}, {c}", "google": "{f} {l}, {c}", "yelp": "{f} {l}, {c}",
    "website": "{f} {m}{l}, {c}",
}
RESPONSE_TEXT = "Thank you for your feedback. Please call our patient experience team so we can make this right."


@dataclass
class Location:
    practice_name: str
    street: str  # as the health system writes it ("..., Suite 300")
    city: str
    state: str
    zip: str
    zip4: str
    phone: str  # "503-555-0123"


@dataclass
class Physician:
    npi: str
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    credentials: str
    gender: str
    department: str
    specialty: str
    hg_specialty: str
    taxonomy_code: str
    taxonomy_desc: str
    locations: list[Location]
    on_roster: bool = True


@dataclass
class Review:
    review_id: str
    date: date
    rating: int
    text: str
    author: str
    response: str | None = None

    @property
    def response_date(self) -> date | None:
        """The reply's date: a few days after the review (from its text, so the world's random draws stay as they were)."""
        return self.date + timedelta(days=1 + len(self.text) % 6) if self.response else None


@dataclass
class Office:
    practice_name: str
    street: str
    city: str
    state: str
    zip: str
    phone: str  # as shown: "(503) 555-0123"
    sponsored: bool = False


@dataclass
class SiteListing:
    """One profile on one site (Healthgrades, Vitals, Google...). ``npi`` is None for the namesake."""

    source: str
    source_id: str  # the site's own id: Healthgrades pwid, Vitals id, Google place id, ...
    npi: str | None
    first_name: str
    last_name: str
    display_name: str
    specialty: str
    offices: list[Office]
    accepting_new_patients: bool
    rating_sum: int = 0
    rating_count: int = 0
    reviews: list[Review] = field(default_factory=list)
    gone: bool = False
    middle_name: str = ""
    credentials: str = "MD"
    extra: dict = field(default_factory=dict)  # per-site bits a renderer needs (a Yelp alias, ...)

    def newest_reviews(self) -> list[Review]:
        """Reviews as the site lists them: newest first."""
        return sorted(self.reviews, key=lambda r: (r.date, r.review_id), reverse=True)

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def pwid(self) -> str:
        return self.source_id

    @property
    def path(self) -> str:
        """The Healthgrades profile path below the site root: physician/dr-first-last-pwid."""
        return f"physician/dr-{slug(self.first_name)}-{slug(self.last_name)}-{self.source_id}"


HealthgradesListing = SiteListing  # the name the first sandbox used


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def format_phone(phone: str) -> str:
    """'503-555-0123' -> '(503) 555-0123', as Healthgrades shows phones."""
    area, exchange, line = phone.split("-")
    return f"({area}) {exchange}-{line}"


class World:
    """Northwind Health and its presence on Healthgrades and NPPES, week by week."""

    def __init__(self, seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE, start: date = DEFAULT_START):
        if size < 1:
            raise ValueError("a world needs at least one physician")
        self.seed, self.size, self.start = seed, size, start
        self.week = 0
        self.rng = random.Random(seed)
        self._used_npis: set[str] = set()
        self._used_pwids: set[str] = set()
        self._phone_counter = 0
        self.physicians: list[Physician] = []
        # source -> source_id -> listing, for every site in SITE_SOURCES ("sharecare" shows Healthgrades')
        self.sites: dict[str, dict[str, SiteListing]] = {source: {} for source in SITE_SOURCES}
        self.healthgrades = self.sites["healthgrades"]  # pwid -> listing
        self._used_ids: set[str] = set()
        self.discrepancies: dict[str, list[str]] = {}
        self.namesake_npi: str | None = None
        self._quality: dict[str, float] = {}  # pwid -> the mean a listing's new ratings drift around
        self._generate()

    # ----- what the sandbox and the tests ask -------------------------------------------------------

    def roster_rows(self) -> list[dict[str, str]]:
        """The health system's roster: one row per physician-location, as the canonical roster CSV."""
        rows = []
        for p in self.roster:
            for loc in p.locations:
                rows.append({
                    "npi": p.npi, "first_name": p.first_name, "middle_name": p.middle_name,
                    "last_name": p.last_name, "suffix": p.suffix, "credentials": p.credentials,
                    "specialty": p.specialty, "department": p.department, "practice_name": loc.practice_name,
                    "street": loc.street, "city": loc.city, "state": loc.state, "zip": loc.zip, "phone": loc.phone,
                })
        return rows

    @property
    def roster(self) -> list[Physician]:
        return [p for p in self.physicians if p.on_roster]

    def physician(self, npi: str) -> Physician | None:
        return self._by_npi.get(str(npi))

    def targets(self) -> list[dict]:
        """Spider targets for the roster (first location as the search place), without known URLs."""
        return [
            {"npi": p.npi, "first_name": p.first_name, "middle_name": p.middle_name or None,
             "last_name": p.last_name, "credentials": p.credentials, "specialty": p.specialty,
             "city": p.locations[0].city, "state": p.locations[0].state, "zip": p.locations[0].zip,
             "known_urls": []}
            for p in self.roster
        ]

    def listings_of(self, npi: str, source: str = "healthgrades") -> list[SiteListing]:
        """The listings of a physician on ``source`` that are currently up."""
        return [l for l in self.sites[_site(source)].values() if l.npi == npi and not l.gone]

    def site_listings(self, source: str) -> list[SiteListing]:
        """Every listing of ``source`` that is currently up, in a stable order."""
        return [l for l in self.sites[_site(source)].values() if not l.gone]

    def site_listing(self, source: str, source_id: str) -> SiteListing | None:
        """The listing with the site's id ``source_id`` (case-insensitive), unless it is gone."""
        listing = self._by_site_id.get((_site(source), source_id.lower()))
        return None if listing is None or listing.gone else listing

    def healthgrades_listing(self, pwid: str) -> SiteListing | None:
        return self.site_listing("healthgrades", pwid)

    def healthgrades_search(self, what: str, where: str = "") -> list[SiteListing]:
        return self.site_search("healthgrades", what, where)

    def site_search(self, source: str, what: str, where: str = "") -> list[SiteListing]:
        """Listings of ``source`` whose first and last names both occur in ``what``, those near ``where`` first."""
        words = set(re.findall(r"[a-z0-9]+", slug(what).replace("-", " ")))
        place = where.lower()
        found = [
            l for l in self.site_listings(source)
            if set(slug(l.first_name).split("-")) <= words and set(slug(l.last_name).split("-")) <= words
        ]

        def nearness(listing):
            office = listing.offices[0]
            return (office.city.lower() not in place, f", {office.state.lower()}" not in place, listing.pwid)

        return sorted(found, key=nearness)

    def nppes_result(self, npi: str) -> dict | None:
        """The NPI Registry API v2.1 result object for ``npi``, or None if the registry has no such NPI."""
        p = self._by_npi.get(str(npi))
        if p is None:
            return None
        first, *others = p.locations

        def place(loc: Location, purpose: str | None) -> dict:
            entry = {
                "country_code": "US", "country_name": "United States", "address_type": "DOM",
                "address_1": _upper_street(loc.street)[0], "address_2": _upper_street(loc.street)[1],
                "city": loc.city.upper(), "state": loc.state, "postal_code": loc.zip + loc.zip4,
                "telephone_number": loc.phone,
            }
            if purpose:
                entry["address_purpose"] = purpose
            return entry

        number = int(p.npi)
        return {
            "enumeration_type": "NPI-1",
            "number": number,
            "last_updated_epoch": 1700000000 + number % 10_000_000,
            "created_epoch": 1200000000 + number % 100_000_000,
            "basic": {
                "first_name": p.first_name.upper(), "last_name": p.last_name.upper(),
                **({"middle_name": p.middle_name.upper()} if p.middle_name else {}),
                **({"name_suffix": p.suffix.upper()} if p.suffix else {}),
                "credential": ".".join(p.credentials) + ".", "sole_proprietor": "NO", "gender": p.gender,
                "enumeration_date": "2008-05-12", "last_updated": "2024-03-18", "status": "A",
                "name": f"{p.last_name.upper()} {p.first_name.upper()}",
            },
            "other_names": [],
            "addresses": [place(first, "LOCATION"), place(first, "MAILING")],
            "practiceLocations": [place(loc, None) for loc in others],
            "taxonomies": [{"code": p.taxonomy_code, "desc": p.taxonomy_desc, "primary": True, "state": first.state,
                            "license": f"MD{number % 1_000_000:06d}", "taxonomy_group": ""}],
            "identifiers": [],
            "endpoints": [],
        }

    # ----- time -------------------------------------------------------------------------------------

    def advance(self) -> int:
        """Move one week ahead: drift, new reviews, and this week's scheduled events. Returns the week."""
        self.week += 1
        rng = random.Random(f"{self.seed}:week:{self.week}")
        first_day = self.start + timedelta(weeks=self.week - 1)
        for listing in self.healthgrades.values():
            if listing.gone:
                continue
            # Popular listings draw more new ratings; a listing with a handful rarely gets one, so
            # a single bad rating does not swing it (only the scheduled drop is sharp).
            weekly = min(3.0, 0.15 + listing.rating_count / 25)
            for _ in range(sum(rng.random() < weekly / 4 for _ in range(4))):
                rating = rng.choice((1, 2)) if rng.random() < 0.12 else self._draw_rating(rng, self._quality[listing.pwid])
                self._rate(rng, listing, rating, first_day + timedelta(days=rng.randrange(7)), comment_odds=0.5)
        for npi in self.discrepancies.get("rating_drop", []):
            if self.week <= 4:
                for listing in self.listings_of(npi)[:1]:
                    for _ in range(8):
                        self._rate(rng, listing, 1, first_day + timedelta(days=rng.randrange(7)), comment_odds=0.4)
        if self.week == 2:
            for npi in self.discrepancies.get("phone_change", []):
                for listing in self.listings_of(npi)[:1]:
                    listing.offices[0].phone = format_phone(self._old_phone(listing.offices[0].phone[1:4]))
        if self.week == 3:
            for npi in self.discrepancies.get("listing_gone", []):
                for listing in self.listings_of(npi):
                    listing.gone = True
        return self.week

    # ----- generation -------------------------------------------------------------------------------

    def _generate(self) -> None:
        rng = self.rng
        sites = self._sites()
        names = self._names(self.size)
        for first, last, gender in names:
            department, specialty, hg_specialty, code, desc = rng.choice(SPECIALTIES)
            own = [s for s in sites if s.practice_name.startswith(f"{SYSTEM} {department}")]
            count = min(len(own), rng.choices((1, 2, 3), weights=(6, 3, 1))[0])
            self.physicians.append(Physician(
                npi=self._new_npi(), first_name=first, middle_name=rng.choice("ABCDEFGHJKLMNPRSTW") if rng.random() < 0.6 else "",
                last_name=last, suffix="Jr." if rng.random() < 0.03 else "", credentials="DO" if rng.random() < 0.15 else "MD",
                gender=gender, department=department, specialty=specialty, hg_specialty=hg_specialty,
                taxonomy_code=code, taxonomy_desc=desc, locations=rng.sample(own, count),
            ))
        self._by_npi = {p.npi: p for p in self.physicians}
        roles = self._assign_roles()
        for p in list(self.physicians):
            if p.npi not in roles["no_listing"]:
                self._add_listing(p)
        self._apply_discrepancies(roles)
        self.discrepancies = {role: sorted(npis) for role, npis in roles.items() if npis}
        self._by_npi = {p.npi: p for p in self.physicians}
        for source in SITE_SOURCES:
            if source not in ("healthgrades", "sharecare"):
                self._generate_site(source, skip=set(roles["no_listing"]) if source != "website" else set())
        self._by_site_id = {(source, l.source_id.lower()): l for source, ls in self.sites.items() for l in ls.values()}

    def _sites(self) -> list[Location]:
        """Practice sites: each department has a few, in Oregon and Washington cities."""
        rng = self.rng
        per_department = max(2, -(-self.size // 25))
        sites, names = [], set()
        for department in dict.fromkeys(s[0] for s in SPECIALTIES):
            for _ in range(per_department):
                city, state, areas, zips, streets = rng.choice(CITIES)
                street = f"{rng.randrange(100, 9900)} {rng.choice(streets)}"
                if rng.random() < 0.4:
                    street += f", Suite {rng.randrange(1, 6)}{rng.randrange(0, 10)}0"
                name = f"{SYSTEM} {department} {city}"
                if name in names:
                    name = f"{name} {street.split(' ', 2)[-1].split(',')[0]}"
                names.add(name)
                sites.append(Location(name, street, city, state, rng.choice(zips), f"{rng.randrange(10000):04d}",
                                      self._site_phone(rng.choice(areas))))
        return sites

    def _names(self, count: int) -> list[tuple[str, str, str]]:
        people = [(f, l, "F") for f in FEMALE for l in LAST] + [(m, l, "M") for m in MALE for l in LAST]
        if count <= len(people):
            return self.rng.sample(people, count)
        # Bigger than the name pool (benchmarks): repeat names; the NPIs still tell people apart.
        return self.rng.sample(people, len(people)) + [self.rng.choice(people) for _ in range(count - len(people))]

    def _assign_roles(self) -> dict[str, list[str]]:
        few = max(1, round(self.size * 0.06))
        plan = [("no_listing", few), ("outdated_phone", few), ("outdated_address", few), ("duplicate_listing", 1),
                ("namesake", 1), ("sponsor_phone", 1), ("script_review", 1), ("rating_drop", 1),
                ("phone_change", 1), ("listing_gone", 1)]
        order = [p.npi for p in self.physicians]
        self.rng.shuffle(order)
        roles: dict[str, list[str]] = {}
        for role, count in plan:
            roles[role], order = order[:count], order[count:]
        return roles

    def _add_listing(self, p: Physician, *, display_name: str | None = None, offices: list[Office] | None = None,
                     ratings: int | None = None, quality: float | None = None, npi: str | None = "") -> HealthgradesListing:
        rng = self.rng
        listing = SiteListing(
            source="healthgrades", source_id=self._new_pwid(), npi=p.npi if npi == "" else npi,
            first_name=p.first_name, last_name=p.last_name, middle_name=p.middle_name, credentials=p.credentials,
            display_name=display_name or f"Dr. {p.first_name} {p.last_name}, {p.credentials}",
            specialty=p.hg_specialty,
            offices=offices or [Office(l.practice_name, _hg_street(l.street), l.city, l.state, l.zip, format_phone(l.phone))
                                for l in p.locations],
            accepting_new_patients=rng.random() < 0.7,
        )
        self.healthgrades[listing.pwid] = listing
        self._quality[listing.pwid] = quality if quality is not None else rng.uniform(3.6, 4.9)
        count = ratings if ratings is not None else rng.choice((0, 2, 5, 8, 12, 18, 25, 34, 47, 60))
        for _ in range(count):
            day = self.start - timedelta(days=rng.randrange(1, 730))
            self._rate(rng, listing, self._draw_rating(rng, self._quality[listing.pwid]), day, comment_odds=0.35)
        return listing

    def _apply_discrepancies(self, roles: dict[str, list[str]]) -> None:
        rng = self.rng
        for npi in roles["outdated_phone"]:
            office = self.listings_of(npi)[0].offices[0]
            office.phone = format_phone(self._old_phone(office.phone[1:4]))
        for npi in roles["outdated_address"]:
            office = self.listings_of(npi)[0].offices[0]
            streets = next(c[4] for c in CITIES if c[0] == office.city)
            old = office.street
            while office.street == old:
                office.street = f"{rng.randrange(100, 9900)} {rng.choice(streets)}"
        for npi in roles["duplicate_listing"]:
            p = self._by_npi[npi]
            middle = f" {p.middle_name}." if p.middle_name else ""
            self._add_listing(p, display_name=f"Dr. {p.first_name}{middle} {p.last_name}, {p.credentials}",
                              offices=[Office(**vars(o)) for o in self.listings_of(npi)[0].offices[:1]], ratings=3)
        for npi in roles["namesake"]:
            p = self._by_npi[npi]
            home = p.locations[0]
            city = next((c for c in CITIES if c[1] == home.state and c[0] != home.city), CITIES[0])
            twin = Physician(
                npi=self._new_npi(), first_name=p.first_name, middle_name="", last_name=p.last_name, suffix="",
                credentials="MD", gender=p.gender, department=p.department, specialty=p.specialty,
                hg_specialty=p.hg_specialty, taxonomy_code=p.taxonomy_code, taxonomy_desc=p.taxonomy_desc,
                locations=[Location(f"{city[0]} {p.hg_specialty} Associates", f"{rng.randrange(100, 9900)} {rng.choice(city[4])}",
                                    city[0], city[1], rng.choice(city[3]), f"{rng.randrange(10000):04d}",
                                    self._old_phone(rng.choice(city[2])))],
                on_roster=False,
            )
            self.physicians.append(twin)
            self._by_npi[twin.npi] = twin
            self.namesake_npi = twin.npi
            self._add_listing(twin, npi=None)
        for npi in roles["sponsor_phone"]:
            office = self.listings_of(npi)[0].offices[0]
            office.phone, office.sponsored = SPONSOR_PHONE, True
        for npi in roles["script_review"]:
            listing = self.listings_of(npi)[0]
            self._rate(rng, listing, 5, self.start - timedelta(days=3), comment_odds=1.0,
                       text=SCRIPT_REVIEW.format(last=listing.last_name))
            scripted = listing.reviews[-1]
            scripted.response = PHI_REPLY.format(first=scripted.author.split()[0])
        for npi in roles["rating_drop"]:
            listing = self.listings_of(npi)[0]
            # Start from a good, well-established rating so the fall is plain to see.
            listing.rating_sum, listing.rating_count, listing.reviews = 0, 0, []
            self._quality[listing.pwid] = 4.8
            for _ in range(30):
                self._rate(rng, listing, rng.choice((4, 5, 5, 5)), self.start - timedelta(days=rng.randrange(1, 400)), comment_odds=0.3)
        for npi in roles["phone_change"] + roles["listing_gone"]:
            if not self.listings_of(npi)[0].rating_count:
                self._rate(rng, self.listings_of(npi)[0], 5, self.start - timedelta(days=40), comment_odds=1.0)

    def _generate_site(self, source: str, skip: set[str]) -> None:
        """``source``'s listings: one per physician with a Healthgrades listing (the namesake too), showing
        the roster's current data; the health system's own site ("website") lists every roster physician,
        without ratings. Drawn from a generator of the source's own, so adding a site changes no other."""
        rng = random.Random(f"{self.seed}:site:{source}")
        people = [p for p in self.physicians if p.npi not in skip and (p.on_roster or source != "website")]
        for p in people:
            if source != "website" and not any(l.npi == p.npi or (p.npi == self.namesake_npi and l.npi is None)
                                               for l in self.healthgrades.values()):
                continue  # the sites list who Healthgrades lists
            middle = f"{p.middle_name}. " if p.middle_name else ""
            listing = SiteListing(
                source=source, source_id=self._new_site_id(source, rng, p), npi=p.npi if p.on_roster else None,
                first_name=p.first_name, last_name=p.last_name, middle_name=p.middle_name, credentials=p.credentials,
                display_name=NAME_STYLES[source].format(f=p.first_name, m=middle, l=p.last_name, c=p.credentials),
                specialty=p.hg_specialty,
                offices=[Office(l.practice_name, l.street, l.city, l.state, l.zip, format_phone(l.phone))
                         for l in p.locations],
                accepting_new_patients=rng.random() < 0.7,
            )
            if source == "yelp":
                listing.extra["alias"] = f"{slug(p.first_name)}-{slug(p.last_name)}-{slug(p.credentials)}-{slug(p.locations[0].city)}"
            self.sites[source][listing.source_id] = listing
            if source != "website":
                quality = rng.uniform(3.4, 4.9)
                for _ in range(rng.choice((0, 1, 3, 6, 9, 14, 22, 35))):
                    day = self.start - timedelta(days=rng.randrange(1, 900))
                    self._rate(rng, listing, self._draw_rating(rng, quality), day, comment_odds=0.5)

    def _new_site_id(self, source: str, rng: random.Random, p: Physician) -> str:
        alphabet = "abcdefghjkmnpqrstvwxyz23456789"
        while True:
            if source == "vitals":
                new = "".join(rng.choice(alphabet) for _ in range(6))
            elif source == "webmd":
                new = _uuid(rng).replace("-", "")
            elif source in ("zocdoc", "ratemds", "usnews"):
                new = str(rng.randrange(100000, 9999999))
            elif source == "google":
                new = "ChIJ" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
                                       for _ in range(23))
            elif source == "yelp":
                new = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                              for _ in range(22))
            else:  # website: the find-a-doctor page's slug
                new = f"{slug(p.first_name)}-{slug(p.last_name)}-{p.npi[-4:]}"
            if (source, new.lower()) not in self._used_ids:
                self._used_ids.add((source, new.lower()))
                return new

    def _rate(self, rng: random.Random, listing: HealthgradesListing, rating: int, day: date, *,
              comment_odds: float, text: str | None = None) -> None:
        listing.rating_sum += rating
        listing.rating_count += 1
        if text is None and rng.random() >= comment_odds:
            return  # a rating without a written review
        listing.reviews.append(Review(
            review_id=_uuid(rng), date=day, rating=rating,
            text=text or rng.choice(REVIEW_TEXT[rating]).format(last=listing.last_name),
            author=f"{rng.choice(FEMALE + MALE)} {rng.choice(LAST)[0]}.",
            response=RESPONSE_TEXT if rating <= 2 and rng.random() < 0.3 else None,
        ))

    @staticmethod
    def _draw_rating(rng: random.Random, quality: float) -> int:
        return max(1, min(5, round(rng.gauss(quality, 0.9))))

    def _new_npi(self) -> str:
        while True:
            first9 = "1" + f"{self.rng.randrange(10**8):08d}"
            npi = first9 + npi_check_digit(first9)
            if npi not in self._used_npis:
                self._used_npis.add(npi)
                return npi

    def _new_pwid(self) -> str:
        while True:
            pwid = "".join(self.rng.choice("abcdefghjkmnpqrstvwxyz23456789") for _ in range(5))
            if pwid not in self._used_pwids:
                self._used_pwids.add(pwid)
                return pwid

    def _site_phone(self, area: str) -> str:
        # 555-0100..0199 are the numbers reserved for fiction; bigger worlds continue above them.
        # Past 1,900 sites (huge benchmark worlds) numbers repeat, like a shared scheduling line.
        self._phone_counter += 1
        return f"{area}-555-{100 + (self._phone_counter - 1) % 1900:04d}"

    def _old_phone(self, area: str) -> str:
        # Old and foreign numbers come from 555-2000..9999, never a site's number.
        return f"{area}-555-{self.rng.randrange(2000, 10000):04d}"


def _site(source: str) -> str:
    if source not in SITE_SOURCES:
        raise ValueError(f"the sandbox has no site {source!r}; sites: {', '.join(SITE_SOURCES)}")
    return "healthgrades" if source == "sharecare" else source


def _hg_street(street: str) -> str:
    """Healthgrades' way of writing a street: '..., Suite 300' -> '... Ste 300'."""
    return street.replace(", Suite ", " Ste ")


def _upper_street(street: str) -> tuple[str, str]:
    """NPPES' way: upper case, the suite on address_2."""
    line1, _, line2 = street.partition(", ")
    return line1.upper(), line2.upper()


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
