"""Data sets for benchmarks/bench_match.py: a roster file, listing records and the truth (url -> NPI or None).

- ``real_sample``: the NPPES x CMS linked sample in ../shared (not redistributable, so read from there). NPPES is
  the roster, each CMS row a listing without its NPI; a share of the physicians is left off the roster, so
  their listings must stay unmatched.
- ``real_sample_with_noise``: the same, with the documented, seeded noise of ``NOISE`` (nicknames, typos,
  missing streets, outdated or missing phones, former surnames) and made-up practice phones.
- ``generated``: a seeded synthetic roster and listings with what real directories show: nicknames, middle
  initials or none, credentials in any spelling, inverted "LAST, FIRST", hyphenated and multi-part last names,
  former names on record, outdated phones and addresses, namesakes (same name and specialty, another city,
  another phone) and physicians not on the roster.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from reputation.normalize import address_key, nickname_variants, normalize_phone, npi_check_digit, specialty_code
from reputation.roster import ROSTER_COLUMNS

NPPES_COLUMNS = {  # NPPES V2 header names the roster import reads
    "npi": "NPI", "entity": "Entity Type Code", "last": "Provider Last Name (Legal Name)",
    "first": "Provider First Name", "middle": "Provider Middle Name", "suffix": "Provider Name Suffix Text",
    "cred": "Provider Credential Text", "other_last": "Provider Other Last Name",
    "other_first": "Provider Other First Name", "other_type": "Provider Other Last Name Type Code",
    "street": "Provider First Line Business Practice Location Address",
    "city": "Provider Business Practice Location Address City Name",
    "state": "Provider Business Practice Location Address State Name",
    "zip": "Provider Business Practice Location Address Postal Code",
    "phone": "Provider Business Practice Location Address Telephone Number",
    "taxonomy": "Healthcare Provider Taxonomy Code_1", "primary": "Healthcare Provider Primary Taxonomy Switch_1",
}


def write_nppes_roster(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(NPPES_COLUMNS.values()))
        writer.writeheader()
        for row in rows:
            writer.writerow({NPPES_COLUMNS[k]: v for k, v in row.items() if k in NPPES_COLUMNS})


def listing_record(url: str, name: str, specialty: str, addresses: list[dict], phones: list[str]) -> dict:
    return {"kind": "listing", "source": "bench", "url": url, "name": name, "specialty": specialty,
            "addresses": addresses, "phones": phones, "npi": None, "reviews": [],
            "crawled_at": "2026-11-16T08:00:00Z"}


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")


# -- the real linked sample -----------------------------------------------------------------------------


def real_sample(shared: Path, out: Path, *, off_roster: float = 0.15, seed: int = 7) -> tuple[Path, list[dict], dict]:
    """(roster file, listing records, truth). Raises FileNotFoundError when ../shared is absent."""
    folder = shared / "data" / "nppes_cms_linked_sample"
    nppes = list(csv.DictReader((folder / "clean_NPPES_sample.csv").open(encoding="utf-8")))
    cms = list(csv.DictReader((folder / "clean_CMS_sample.csv").open(encoding="utf-8")))
    rng = random.Random(seed)
    npis = sorted({r["NPI"] for r in nppes})
    left_off = set(rng.sample(npis, int(len(npis) * off_roster)))
    roster = []
    for r in nppes:
        if r["NPI"] in left_off:
            continue
        roster.append({
            "npi": r["NPI"], "entity": "1", "last": r["Provider Last Name (Legal Name)"],
            "first": r["Provider First Name"], "middle": r["Provider Middle Name"],
            "suffix": r["Provider Name Suffix Text"], "cred": r["Provider Credential Text"],
            "other_last": r["Provider Other Last Name"], "other_first": r["Provider Other First Name"],
            "other_type": "1" if r["Provider Other Last Name"] else "",
            "street": r["Full Street Address"], "city": r["Provider Business Practice Location Address City Name"],
            "state": r["Provider Business Practice Location Address State Name"],
            "zip": r["Provider Business Practice Location Address Postal Code"], "phone": "",
            "taxonomy": specialty_code(r["Healthcare Provider Taxonomy Code_1"]) or "", "primary": "Y",
        })
    roster_path = out / "real_roster.csv"
    write_nppes_roster(roster_path, roster)
    records, truth = [], {}
    for i, r in enumerate(cms):
        name = " ".join(filter(None, [r["Provider First Name"], r["Provider Middle Name"], r["Provider Last Name"],
                                      r["suff"]]))
        if r["Cred"]:
            name += f", {r['Cred']}"
        url = f"https://cms.example/row/{i}"
        address = {"street": r["Full Street Address"], "city": r["City/Town"], "state": r["State"], "zip": r["ZIP Code"]}
        records.append(listing_record(url, name, r["pri_spec"], [address], []))
        truth[url] = None if r["NPI"] in left_off else r["NPI"]
    return roster_path, records, truth


# -- the real linked sample with noise ------------------------------------------------------------------

# The noise added to the real sample (``real_sample_with_noise``): the share of listings, or of roster
# physicians, each kind touches. The sample is two official directories, cleaner than a hospital's roster
# and the review sites; these are the ways real ones differ, at rates chosen to be noticeable, not measured.
NOISE = {
    "nickname": 0.06,  # the listing's first name is a nickname or formal form of the roster's (Bob, Robert)
    "first_name_typo": 0.015,  # two neighbouring letters swapped in the listing's first name (5+ letters)
    "last_name_typo": 0.01,  # the same in the last name (6+ letters)
    "former_surname": 0.005,  # the listing shows another surname, not on record (a maiden name): review at best
    "listing_without_street": 0.05,  # the listing shows city, state and ZIP only
    "roster_without_street": 0.02,  # a roster physician whose rows have no street (real CMS rows: 0.3 %)
    "outdated_phone": 0.08,  # the listing shows an old number of the practice (another in its area code)
    "no_phone": 0.15,  # the listing shows no phone
}


def real_sample_with_noise(shared: Path, out: Path, *, off_roster: float = 0.15, seed: int = 7,
                           noise_seed: int = 13, labels: dict | None = None) -> tuple[Path, list[dict], dict]:
    """The real sample of ``real_sample`` as a hospital would have it, with seeded noise (``NOISE``).

    The roster is written in the canonical layout (a hospital's own export), so it goes through the same
    import; NPPES other last names are its names on record. The sample has no phones, so each physician gets
    a made-up practice number for their NPPES address (colleagues at one address share it, as a practice's
    main line; the area code goes by 3-digit ZIP), on the roster and on their listings, but for the
    outdated and missing ones of ``NOISE``. The same physicians are left off the roster as in
    ``real_sample``; truth is unchanged by the noise (a listing under a former surname is still theirs).
    ``labels``, when given, is filled with url -> the kinds of noise on that listing (and its physician).
    """
    folder = shared / "data" / "nppes_cms_linked_sample"
    nppes = list(csv.DictReader((folder / "clean_NPPES_sample.csv").open(encoding="utf-8")))
    cms = list(csv.DictReader((folder / "clean_CMS_sample.csv").open(encoding="utf-8")))
    npis = sorted({r["NPI"] for r in nppes})
    left_off = set(random.Random(seed).sample(npis, int(len(npis) * off_roster)))
    rng = random.Random(noise_seed)
    phones = _PracticePhones(rng)
    no_street = set(rng.sample(sorted(npis), int(len(npis) * NOISE["roster_without_street"])))
    surnames = sorted({r["Provider Last Name"] for r in cms})
    number = {}  # the physician's practice number, shared by the colleagues at their address
    for r in nppes:
        number[r["NPI"]] = phones.of(r["Full Street Address"], r["Provider Business Practice Location Address City Name"],
                                     r["Provider Business Practice Location Address State Name"],
                                     r["Provider Business Practice Location Address Postal Code"])
    roster_path = out / "real_roster_noisy.csv"
    with roster_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*ROSTER_COLUMNS, "other_names"])
        for r in nppes:
            if r["NPI"] in left_off:
                continue
            street, city = r["Full Street Address"], r["Provider Business Practice Location Address City Name"]
            state, zip_ = (r["Provider Business Practice Location Address State Name"],
                           r["Provider Business Practice Location Address Postal Code"])
            other = " ".join(filter(None, [r["Provider Other First Name"] or r["Provider First Name"],
                                           r["Provider Other Last Name"]])) if r["Provider Other Last Name"] else ""
            writer.writerow([r["NPI"], r["Provider First Name"], r["Provider Middle Name"],
                             r["Provider Last Name (Legal Name)"], r["Provider Name Suffix Text"],
                             r["Provider Credential Text"], r["Healthcare Provider Taxonomy Code_1"], "", "",
                             "" if r["NPI"] in no_street else street, city, state, zip_, number[r["NPI"]], other])
    records, truth = [], {}
    for i, r in enumerate(cms):
        first, last = r["Provider First Name"], r["Provider Last Name"]
        kinds = ["roster_without_street"] if r["NPI"] in no_street else []
        roll = rng.random()
        if roll < NOISE["nickname"]:
            first = rng.choice(sorted(v for v in nickname_variants(first) if v != first.upper()) or [first])
            kinds.append("nickname")
        elif roll < NOISE["nickname"] + NOISE["first_name_typo"]:
            first = _swap_letters(rng, first, 5)
            kinds.append("first_name_typo")
        roll = rng.random()
        if roll < NOISE["former_surname"]:
            last = rng.choice(surnames)
            kinds.append("former_surname")
        elif roll < NOISE["former_surname"] + NOISE["last_name_typo"]:
            last = _swap_letters(rng, last, 6)
            kinds.append("last_name_typo")
        name = " ".join(filter(None, [first, r["Provider Middle Name"], last, r["suff"]]))
        if r["Cred"]:
            name += f", {r['Cred']}"
        street, city, state, zip_ = r["Full Street Address"], r["City/Town"], r["State"], r["ZIP Code"]
        shown = number[r["NPI"]]
        roll = rng.random()
        if roll < NOISE["outdated_phone"]:
            shown = phones.another(shown)
            kinds.append("outdated_phone")
        elif roll < NOISE["outdated_phone"] + NOISE["no_phone"]:
            shown = ""
            kinds.append("no_phone")
        if rng.random() < NOISE["listing_without_street"]:
            street = ""
            kinds.append("listing_without_street")
        url = f"https://cms.example/row/{i}"
        if labels is not None:
            labels[url] = kinds
        address = {"street": street, "city": city, "state": state, "zip": zip_}
        records.append(listing_record(url, name, r["pri_spec"], [address], [shown] if shown else []))
        truth[url] = None if r["NPI"] in left_off else r["NPI"]
    return roster_path, records, truth


class _PracticePhones:
    """Made-up practice numbers: one per address, its area code by 3-digit ZIP."""

    def __init__(self, rng: random.Random):
        self.rng, self.by_address, self.area_by_zip3, self.used = rng, {}, {}, set()

    def of(self, street: str, city: str, state: str, zip_: str) -> str:
        key = address_key(street, city, state, zip_)
        if key not in self.by_address:
            self.by_address[key] = self._new(self._area(zip_))
        return self.by_address[key]

    def another(self, number: str) -> str:
        """An old number of the same practice: another one in its area code."""
        return self._new(int(number[1:4]))

    def _area(self, zip_: str) -> int:
        return self.area_by_zip3.setdefault(zip_[:3], self.rng.choice(AREA_CODES))

    def _new(self, area) -> str:
        while True:
            number = f"({area}) {self.rng.randint(200, 999)}-{self.rng.randint(0, 9999):04d}"
            if number not in self.used and normalize_phone(number):
                self.used.add(number)
                return number


def _swap_letters(rng: random.Random, text: str, shortest: int) -> str:
    if len(text) < shortest:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


# -- the generated benchmark ----------------------------------------------------------------------------

SPECIALTIES = [  # (roster text, how listings write it)
    ("Cardiovascular Disease", ["Cardiology", "Cardiologist", "Cardiovascular Disease (Cardiology)", "207RC0000X"]),
    ("Family Medicine", ["Family Practice", "Family Medicine", "Family Medicine Physician", "207Q00000X"]),
    ("Internal Medicine", ["Internal Medicine", "Internist", "207R00000X"]),
    ("Orthopaedic Surgery", ["Orthopedic Surgery", "Orthopedic Surgeon", "Orthopaedic Surgery"]),
    ("Dermatology", ["Dermatology", "Dermatologist"]),
    ("Pediatrics", ["Pediatrics", "Pediatrician", "Pediatric Medicine"]),
    ("Obstetrics & Gynecology", ["Obstetrics & Gynecology", "OB-GYN", "Obstetrics/Gynecology"]),
    ("Psychiatry", ["Psychiatry", "Psychiatrist"]),
    ("Gastroenterology", ["Gastroenterology", "Gastroenterologist"]),
    ("Neurology", ["Neurology", "Neurologist"]),
    ("Diagnostic Radiology", ["Diagnostic Radiology", "Radiology"]),
    ("Anesthesiology", ["Anesthesiology", "Anesthesiologist"]),
    ("Urology", ["Urology", "Urologist"]),
    ("Ophthalmology", ["Ophthalmology", "Ophthalmologist"]),
    ("Nephrology", ["Nephrology", "Nephrologist"]),
]
SYLLABLES = ("an ber car den el fer gan har in jo kel lan mar nor ol per quin ros sal ter ur van wil yor zel "
             "bro cha dra fin gri hol kra lin mor pra sto tri wen ash ley ton son man field wood ridge").split()
PARTICLES = ["De La", "Van", "Del", "Di", "Van Der", "St"]
STREETS = ["Main Street", "Oak Avenue", "Peachtree Road", "Medical Center Drive", "Park Boulevard", "Elm Street",
           "Hospital Way", "River Road", "Lake Parkway", "Church Street"]
STATES = ["GA", "FL", "TX", "CA", "NY", "OH", "IL", "PA", "NC", "WA", "MA", "AZ"]
AREA_CODES = [404, 470, 678, 770, 305, 407, 813, 214, 512, 713, 210, 213, 310, 415, 619, 212, 518, 716, 216, 614,
              312, 773, 215, 412, 704, 919, 206, 253, 617, 508, 602, 480, 503, 303, 615, 901, 504, 314, 816, 402]


def _npi(n: int) -> str:
    nine = f"{100000000 + n:09d}"
    return nine + npi_check_digit(nine)


class _World:
    def __init__(self, seed: int, physicians: int):
        self.rng = random.Random(seed)
        rng = self.rng
        names = [r.split(",") for r in (Path(__file__).parents[1] / "reputation/data/nicknames.csv").read_text().splitlines()[1:]]
        self.firsts = sorted({n[0].title() for n in names if n[0].isalpha()})
        self.first_weights = [1 / (i + 1) ** 0.9 for i in range(len(self.firsts))]
        rng.shuffle(self.firsts)
        lasts = set()
        while len(lasts) < max(2000, physicians // 3):
            lasts.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3]))).capitalize())
        self.lasts = sorted(lasts)
        rng.shuffle(self.lasts)
        self.last_weights = [1 / (i + 1) ** 0.75 for i in range(len(self.lasts))]  # "Smith" ~1% of the roster
        self.metros = [(f"{rng.randint(100, 999)}", f"City{i}", rng.choice(STATES), rng.choice(AREA_CODES)) for i in range(400)]
        self.phone_n = 0

    def phone(self, metro) -> str:
        self.phone_n += 1
        return f"({metro[3]}) {200 + self.phone_n // 10000 % 700:03d}-{self.phone_n % 10000:04d}"

    def location(self, metro=None) -> dict:
        rng = self.rng
        metro = metro or rng.choice(self.metros)
        return {"street": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}" + (f", Suite {rng.randint(100, 999)}" if rng.random() < 0.5 else ""),
                "city": metro[1], "state": metro[2], "zip": f"{metro[0]}{rng.randint(0, 99):02d}", "phone": self.phone(metro),
                "metro": metro}

    def person(self, n: int) -> dict:
        rng = self.rng
        last = rng.choices(self.lasts, self.last_weights)[0]
        shape = rng.random()
        if shape < 0.05:
            last = f"{last}-{rng.choices(self.lasts, self.last_weights)[0]}"
        elif shape < 0.08:
            last = f"{rng.choice(PARTICLES)} {last}"
        first = rng.choices(self.firsts, self.first_weights)[0]
        middle = rng.choices(self.firsts, self.first_weights)[0] if rng.random() < 0.7 else ""
        specialty = rng.choice(SPECIALTIES)
        home = self.location()
        locations = [home] + [self.location(home["metro"] if rng.random() < 0.8 else None) for _ in range(rng.choice([0, 0, 1, 2]))]
        other_last = rng.choices(self.lasts, self.last_weights)[0] if rng.random() < 0.08 else ""
        return {"npi": _npi(n), "first": first, "middle": middle, "last": last,
                "suffix": rng.choice(["Jr", "Sr", "III"]) if rng.random() < 0.03 else "",
                "cred": rng.choices(["MD", "M.D.", "DO"], [6, 2, 2])[0], "specialty": specialty, "locations": locations,
                "other_last": other_last}

    def listing_name(self, p: dict, last: str) -> str:
        rng = self.rng
        first = p["first"]
        r = rng.random()
        if r < 0.15:
            nick = sorted(v.title() for v in nickname_variants(first) if v != first.upper())
            first = rng.choice(nick) if nick else first
        elif r < 0.17:
            first = first[:1] + "."
        elif r < 0.18 and len(first) > 4:  # a typo
            i = rng.randrange(1, len(first) - 1)
            first = first[:i] + first[i + 1] + first[i] + first[i + 2:]
        middle = p["middle"]
        middle = rng.choice([middle, middle[:1] + "." if middle else "", ""])
        cred = rng.choice(["MD", "M.D.", "M. D.", "MD, FACC", "MD PhD", ""]) if p["cred"] != "DO" else rng.choice(["DO", "D.O.", ""])
        suffix = p["suffix"] if rng.random() < 0.7 else ""
        shape = rng.random()
        if shape < 0.2:
            name = f"{last.upper()}, {first.upper()} {middle.upper()}".strip()
        elif shape < 0.6:
            name = " ".join(filter(None, ["Dr.", first, middle, last, suffix]))
        else:
            name = " ".join(filter(None, [first, middle, last, suffix])) + (f", {cred}" if cred else "")
        return name

    def listing(self, url: str, p: dict, *, outdated: bool = True) -> dict:
        rng = self.rng
        last = p["other_last"] if p["other_last"] and rng.random() < 0.5 else p["last"]
        home = rng.choice(p["locations"])
        phones = [] if rng.random() < 0.1 else [home["phone"] if not outdated or rng.random() >= 0.12 else self.phone(home["metro"])]
        roll = rng.random()
        if roll < 0.1:
            addresses = []
        elif outdated and roll < 0.22:  # an old address, mostly in the same area
            old = self.location(home["metro"] if rng.random() < 0.8 else None)
            addresses = [{k: old[k] for k in ("street", "city", "state", "zip")}]
        else:
            street = home["street"].replace("Street", rng.choice(["Street", "St", "St."])).replace("Suite", rng.choice(["Suite", "Ste", "#"]))
            addresses = [{"street": street, "city": home["city"], "state": home["state"], "zip": home["zip"]}]
        specialty = rng.choice(p["specialty"][1]) if rng.random() > 0.1 else ""
        return listing_record(url, self.listing_name(p, last), specialty, addresses, phones)


def generated(out: Path, *, physicians: int = 5000, listings: int = 25000, seed: int = 11) -> tuple[Path, list[dict], dict]:
    """(roster file, listing records, truth) for ``physicians`` on the roster and about ``listings`` listings:
    ~80% of the roster's own physicians, ~4% of their namesakes, the rest of physicians not on the roster."""
    world = _World(seed, physicians)
    rng = world.rng
    roster = [world.person(n) for n in range(physicians)]
    rows = []
    for p in roster:
        for loc in p["locations"]:
            rows.append({"npi": p["npi"], "entity": "1", "last": p["last"], "first": p["first"], "middle": p["middle"],
                         "suffix": p["suffix"], "cred": p["cred"], "other_last": p["other_last"],
                         "other_first": p["first"] if p["other_last"] else "", "other_type": "1" if p["other_last"] else "",
                         "street": loc["street"], "city": loc["city"], "state": loc["state"], "zip": loc["zip"],
                         "phone": loc["phone"], "taxonomy": specialty_code(p["specialty"][0]), "primary": "Y"})
    roster_path = out / f"generated_roster_{physicians}.csv"
    write_nppes_roster(roster_path, rows)
    records, truth = [], {}

    def add(p, npi, **kw):
        url = f"https://gen.example/{len(records)}"
        records.append(world.listing(url, p, **kw))
        truth[url] = npi

    own = int(listings * 0.8)
    for i in range(own):
        p = roster[i % physicians] if i < physicians else rng.choice(roster)
        add(p, p["npi"])
    for i in range(int(listings * 0.02)):  # namesakes: same name and specialty, another area and phone
        p = rng.choice(roster)
        twin = {**p, "npi": None, "other_last": "", "middle": rng.choice([p["middle"], ""]),
                "locations": [world.location(m) for m in [rng.choice([m for m in world.metros if m[0] != p["locations"][0]["metro"][0]])]]}
        add(twin, None, outdated=False)
        add(twin, None, outdated=False)
    others = [world.person(physicians + n) for n in range(max(1, (listings - len(records)) // 4))]
    while len(records) < listings:
        add(rng.choice(others), None)
    return roster_path, records, truth
