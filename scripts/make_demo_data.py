#!/usr/bin/env python3
"""Write data/demo_listings.csv, NET Finder's fictional demo directory.

    .venv/bin/python scripts/make_demo_data.py [--output PATH]

About 320 listings (220 doctors, 60 treatment programs, 40 support groups of which 10 meet
online) spread over the 66 real US metro areas of finder.directory.synth.METROS (the ones
synthetic directories crowd around too), so a search anywhere in the country finds something
plausible, while rural Montana, Wyoming and North Dakota have nothing within 100 miles.

Every listing is fictional; only its city is real. Every name ends in "(demo)" or says "Demo",
phone numbers are in the 555-01xx range reserved for fiction, websites and emails use example.org,
and street addresses are "Example Avenue" and the like. Each metro's city, state, ZIP and
coordinates come from the `zipcodes` package. Listings sit within about 2 miles of their ZIP's
centroid and inside its state's outline (finder.places.states, so none lands in a harbour). A
few groups of 2-4 doctors share one clinic building (identical address and coordinates), so the
map has to spread markers that coincide. Specialties, services and tumor sites are slugs from
finder.vocab, chosen so they fit (pulmonology with lung, dermatology with Merkel cell, nuclear
medicine with PRRT).

The output is deterministic: random.Random(2026), no set or dict iteration order that could vary,
so running the script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import zipcodes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finder import vocab  # noqa: E402
from finder.directory.rows import COLUMNS  # noqa: E402
from finder.directory.synth import METROS  # noqa: E402
from finder.places.states import state_at  # noqa: E402

OUTPUT = ROOT / "data" / "demo_listings.csv"
SEED = 2026


N_DOCTORS = 220
N_PROGRAMS = 60
N_GROUPS_IN_PERSON = 30  # plus the VIRTUAL_GROUPS below
TELEHEALTH_SHARE = 0.25  # of doctors
JITTER_MILES = 1.8
MILES_PER_DEGREE = 69.0
SHARED_BUILDINGS = 5  # clinic buildings where 2-4 doctors share one address and point
FIRST_VERIFIED = dt.date(2025, 1, 6)
LAST_VERIFIED = dt.date(2026, 10, 30)

# Cities shown with a friendlier name than the ZIP table's.
CITY_NAMES = {"Saint Louis": "St. Louis"}
# Where more patients speak a language other than English, and which.
LOCAL_LANGUAGES: dict[str, tuple[str, ...]] = {
    "FL": ("Spanish", "Haitian Creole"),
    "TX": ("Spanish", "Vietnamese"),
    "CA": ("Spanish", "Chinese", "Korean", "Vietnamese", "Tagalog"),
    "AZ": ("Spanish",),
    "NM": ("Spanish",),
    "NV": ("Spanish", "Tagalog"),
    "HI": ("Japanese", "Tagalog", "Korean"),
    "MN": ("Somali", "Hmong", "Spanish"),
    "MI": ("Arabic",),
    "NY": ("Spanish", "Chinese", "Russian"),
    "WA": ("Vietnamese", "Chinese", "Russian"),
}
OTHER_LANGUAGES = (
    ("Spanish", 8),
    ("Chinese", 3),
    ("Vietnamese", 2),
    ("Korean", 2),
    ("Arabic", 2),
    ("Hindi", 2),
    ("Russian", 1),
    ("Portuguese", 1),
    ("French", 1),
    ("Tagalog", 1),
    ("Polish", 1),
    ("Japanese", 1),
)

FIRST_NAMES = (
    "Maya", "Daniel", "Priya", "Wei", "Minh", "Ji-woo", "Omar", "Sofia", "Carlos", "Lucia",
    "Aisha", "Hannah", "Samuel", "Grace", "Elena", "Marcus", "Nadia", "Tomas", "Leah", "Rafael",
    "Ingrid", "Kenji", "Amara", "Felix", "Rosa", "Yusuf", "Claire", "Mateo", "Mei", "Andre",
    "Zara", "Owen", "Hiro", "Imani", "Paolo", "Vera", "Ethan", "Farah", "Jonah", "Anika",
    "Luis", "Tessa", "Bao", "Soo-jin", "Layla", "Diego", "Nora", "Caleb", "Lin", "Ruth",
)  # fmt: skip
LAST_NAMES = (
    "Brightwater", "Alderbrook", "Fernhollow", "Stillmeadow", "Ashgrove", "Larkfield",
    "Quillmore", "Tidewell", "Thistledown", "Oakhaven", "Moonridge", "Silverbeck", "Hollowell",
    "Wrenfield", "Ambershaw", "Corvale", "Dunmere", "Elmsworth", "Foxbury", "Glenholt",
    "Ivydale", "Kestrelton", "Lindenhall", "Northcote", "Orchardson", "Pebblecroft",
    "Rosethorne", "Sagebrook", "Tamberly", "Valewood", "Willowby", "Yarrowfield", "O'Neil-Marsh",
    "D'Amato-Vale", "Brookhaven-Lee", "Cedarholm", "Mistwood", "Featherstone-Ruiz",
)  # fmt: skip
PLACE_WORDS = (
    "Valley", "Lakeshore", "Harbor", "Riverside", "Summit", "Prairie", "Bayview", "Pinecrest",
    "Meadowbrook", "Northgate", "Stonebridge", "Willowmere", "Cedar Ridge", "Silver Creek",
    "Oak Hollow", "Sunrise", "Bluewater", "Highland", "Maple Grove", "Clearwater",
)  # fmt: skip
ORGANIZATIONS = (
    "Demo University Cancer Institute, {city}",
    "{city} Example Medical Center (demo)",
    "Example {word} Health (demo)",
    "{city} Demo Oncology Associates",
    "Example {word} Digestive & Liver Clinic (demo)",
)
# Who works at a "Digestive & Liver Clinic".
DIGESTIVE_SPECIALTIES = (
    "gastroenterology",
    "surgical-oncology",
    "medical-oncology",
    "interventional-radiology",
    "pathology",
    "nuclear-medicine",
)
# One organization with an apostrophe and an ampersand, at the first tier-1 metro.
SPECIAL_ORGANIZATION = "O'Neil & Partners Oncology (demo)"
PROGRAMS = (
    "{city} Example NET Center (demo)",
    "Demo University NET Program, {city}",
    "Example {word} Neuroendocrine Tumor Clinic (demo)",
    "{city} Demo Center for Neuroendocrine Tumors",
)
PRRT_PROGRAM = "Example {word} Theranostics & PRRT Program (demo)"
GROUPS = (
    "{city} NET Zebra Circle (demo)",
    "{city} Carcinoid & NET Support Group (demo)",
    "Demo Neuroendocrine Friends of {city}",
    "{city} NET Patients' Coffee Hour (demo)",
)
STREET_WORDS = ("Example", "Demo", "Sample", "Placeholder", "Specimen")
STREET_TYPES = ("Avenue", "Street", "Boulevard", "Road", "Way", "Drive", "Lane", "Parkway")
MEETING_PLACES = (
    "community room",
    "Example Public Library",
    "cancer center conference room",
    "Demo Community Center",
    "hospital education room",
)
ORDINALS = ("1st", "2nd", "3rd", "4th")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Saturday")
LOCAL_TIMES = ("10 am", "12 pm", "5:30 pm", "6 pm", "6:30 pm", "7 pm")

# Online support groups: (name, tumor sites, meeting schedule, extra languages, description).
VIRTUAL_GROUPS: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...], str], ...] = (
    (
        "Online NET Zebra Circle (demo)",
        (),
        "2nd Tuesday monthly, 7 pm ET, online",
        (),
        "People with any kind of NET meet by video to share questions, news & encouragement.",
    ),
    (
        "Lung & Thymic NET Online Support Group (demo)",
        ("lung", "thymus"),
        "1st Wednesday monthly, 6 pm CT, online",
        (),
        "A video group for people with lung or thymic carcinoids and the people who love them.",
    ),
    (
        "Merkel Cell Online Circle (demo)",
        ("merkel-cell",),
        "3rd Thursday monthly, 5 pm PT, online",
        (),
        "Patients with Merkel cell carcinoma talk through treatment, scans & skin checks.",
    ),
    (
        "Pheo & Para Online Support (demo)",
        ("adrenal-paraganglia",),
        "4th Monday monthly, 8 pm ET, online",
        (),
        "An online group for people with pheochromocytoma or paraganglioma and their families.",
    ),
    (
        "Medullary Thyroid Cancer Online Group (demo)",
        ("medullary-thyroid",),
        "2nd Saturday monthly, 11 am ET, online",
        (),
        "Members living with medullary thyroid cancer share what's helped them day to day.",
    ),
    (
        "Pancreatic NET Online Meetup (demo)",
        ("pancreas",),
        "1st Sunday monthly, 3 pm MT, online",
        (),
        "A relaxed video meetup for people with pancreatic NETs, before or after surgery.",
    ),
    (
        "Young Adults with NETs Online (demo)",
        (),
        "Every other Wednesday, 8 pm ET, online",
        (),
        "Patients in their 20s and 30s talk about work, dating & life with a NET.",
    ),
    (
        "Caregivers' NET Online Hour (demo)",
        (),
        "3rd Tuesday monthly, 7 pm CT, online",
        (),
        "Partners, parents and friends of NET patients support each other by video.",
    ),
    (
        "Spanish-Language NET Online Group (demo)",
        (),
        "2nd Thursday monthly, 7 pm ET, online",
        ("Spanish",),
        "A video support group held in Spanish for NET patients and their families.",
    ),
    (
        "Newly Diagnosed NET Online Orientation (demo)",
        ("small-intestine", "pancreas", "unknown-primary"),
        "Every Thursday, 12 pm CT, online",
        (),
        "A weekly welcome session for people who've just learned they have a NET.",
    ),
)

# How often each site is the one a listing treats (small intestine and pancreas lead).
SITE_WEIGHTS = {
    "small-intestine": 10,
    "pancreas": 10,
    "lung": 7,
    "unknown-primary": 5,
    "rectum": 4,
    "appendix": 4,
    "stomach": 4,
    "adrenal-paraganglia": 4,
    "colon": 3,
    "medullary-thyroid": 3,
    "merkel-cell": 3,
    "thymus": 2,
}
# Sites a specialty sees beyond the ones finder.vocab names it for.
EXTRA_SITES = {
    "nuclear-medicine": ("small-intestine", "pancreas", "lung"),  # DOTATATE PET and PRRT
    "interventional-radiology": ("small-intestine", "pancreas", "unknown-primary"),  # liver mets
    "pathology": tuple(s.slug for s in vocab.TUMOR_SITES),  # pathologists read every site
}
PRIMARY_WEIGHTS = {
    "medical-oncology": 30,
    "surgical-oncology": 16,
    "gastroenterology": 16,
    "endocrinology": 14,
    "nuclear-medicine": 12,
    "interventional-radiology": 8,
    "radiation-oncology": 6,
    "pulmonology": 6,
    "endocrine-surgery": 6,
    "pathology": 5,
    "thoracic-surgery": 5,
    "dermatology": 5,
}
# Second and third specialties that go with a first one.
COMPANIONS = {
    "medical-oncology": ("nuclear-medicine", "endocrinology"),
    "surgical-oncology": ("endocrine-surgery", "thoracic-surgery"),
    "gastroenterology": (),
    "endocrinology": ("medical-oncology", "nuclear-medicine"),
    "nuclear-medicine": ("radiation-oncology", "medical-oncology"),
    "interventional-radiology": ("nuclear-medicine",),
    "radiation-oncology": ("nuclear-medicine",),
    "pulmonology": (),
    "endocrine-surgery": ("surgical-oncology",),
    "pathology": (),
    "thoracic-surgery": ("surgical-oncology",),
    "dermatology": (),
}
# Services a doctor of a specialty offers, with the chance of each.
SPECIALTY_SERVICES = {
    "medical-oncology": (("clinical-trials", 0.5), ("prrt", 0.15)),
    "surgical-oncology": (("liver-directed-therapy", 0.2),),
    "gastroenterology": (("endoscopic-ultrasound", 0.6),),
    "endocrinology": (("genetic-counseling", 0.3),),
    "nuclear-medicine": (("dotatate-pet", 0.9), ("prrt", 0.7)),
    "interventional-radiology": (("liver-directed-therapy", 0.9),),
    "radiation-oncology": (("prrt", 0.3),),
    "endocrine-surgery": (("genetic-counseling", 0.3),),
    "pathology": (("tumor-board", 0.7),),
}
ANY_SERVICES = (("tumor-board", 0.3), ("clinical-trials", 0.1), ("nutrition", 0.05))
# What a doctor of each specialty is called in a sentence.
ROLES = {
    "medical-oncology": "medical oncologist",
    "surgical-oncology": "surgical oncologist",
    "gastroenterology": "gastroenterologist",
    "endocrinology": "endocrinologist",
    "nuclear-medicine": "nuclear medicine physician",
    "interventional-radiology": "interventional radiologist",
    "pathology": "pathologist",
    "radiation-oncology": "radiation oncologist",
    "pulmonology": "pulmonologist",
    "thoracic-surgery": "thoracic surgeon",
    "endocrine-surgery": "endocrine surgeon",
    "dermatology": "dermatologist",
}
# Words for sites and services inside a sentence.
SITE_WORDS = {
    "medullary-thyroid": "medullary thyroid",
    "thymus": "thymic",
    "lung": "lung",
    "stomach": "gastric",
    "pancreas": "pancreatic",
    "adrenal-paraganglia": "adrenal and paraganglial",
    "small-intestine": "small intestine",
    "appendix": "appendiceal",
    "colon": "colon",
    "rectum": "rectal",
    "merkel-cell": "Merkel cell",
    "unknown-primary": "unknown-primary",
}
SERVICE_WORDS = {
    "prrt": "PRRT",
    "dotatate-pet": "DOTATATE PET scans",
    "tumor-board": "a NET tumor board",
    "clinical-trials": "clinical trials",
    "liver-directed-therapy": "liver-directed therapy",
    "genetic-counseling": "genetic counseling",
    "endoscopic-ultrasound": "endoscopic ultrasound",
    "nutrition": "nutrition support",
}


@dataclass(frozen=True)
class Metro:
    """One real place listings cluster around: its ZIP's city, state and centroid."""

    zip: str
    city: str
    state: str
    lat: float
    lon: float
    area_code: str
    tier: int


@dataclass(frozen=True)
class Spot:
    """Where a listing is: street address and its point."""

    address: str
    address2: str
    lat: float
    lon: float


def load_metros() -> list[Metro]:
    """Each of synth.METROS with its city, state, centroid and area code, read from the
    `zipcodes` package."""
    out = []
    for code, tier in METROS:
        found = [r for r in zipcodes.matching(code) if r["zip_code"] == code]
        if not found:
            raise SystemExit(f"ZIP {code} is not in the zipcodes package")
        rec = found[0]
        lat, lon = float(rec["lat"] or 0), float(rec["long"] or 0)
        if lat == 0 and lon == 0:
            raise SystemExit(f"ZIP {code} has no coordinates in the zipcodes package")
        city = CITY_NAMES.get(rec["city"], rec["city"])
        out.append(Metro(code, city, rec["state"], lat, lon, rec["area_codes"][0], tier))
    return out


def weighted_sample(rng: random.Random, weights: Mapping[str, float], k: int) -> list[str]:
    """k distinct keys, drawn without replacement in proportion to their weights."""
    pool = dict(weights)
    picked: list[str] = []
    while pool and len(picked) < k:
        keys = list(pool)
        choice = rng.choices(keys, weights=[pool[x] for x in keys])[0]
        picked.append(choice)
        del pool[choice]
    return picked


def in_vocab_order(slugs: Sequence[str], terms: Sequence[vocab.Term]) -> list[str]:
    """The slugs, deduplicated, in the vocabulary's own order."""
    chosen = set(slugs)
    return [t.slug for t in terms if t.slug in chosen]


def article(noun: str) -> str:
    """'a' or 'an' for a noun phrase."""
    return "an" if noun[:1].lower() in "aeiou" else "a"


def words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def slugify(text: str, sep: str = "-") -> str:
    """Lower-case ASCII words joined by sep: "Dr. Maya O'Neil (demo)" -> "dr-maya-oneil-demo"."""
    text = text.lower().replace("'", "").replace("&", "and")
    return sep.join(re.findall(r"[a-z0-9]+", text))


def sites_by_specialty() -> dict[str, list[str]]:
    """Which tumor sites each specialty treats: finder.vocab's mapping plus EXTRA_SITES."""
    out: dict[str, list[str]] = {t.slug: [] for t in vocab.SPECIALTIES}
    for s in vocab.TUMOR_SITES:
        for spec in s.specialties:
            out[spec].append(s.slug)
    for spec, extra in EXTRA_SITES.items():
        out[spec] = in_vocab_order(out[spec] + list(extra), vocab.TUMOR_SITES)
    empty = [spec for spec, sites in out.items() if not sites]
    if empty:
        raise SystemExit(f"No tumor sites for specialties {empty}: extend EXTRA_SITES")
    return out


class Generator:
    """Builds the demo rows from one seeded random stream."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.metros = load_metros()
        self.sites_for = sites_by_specialty()
        self.points: set[tuple[str, str]] = set()
        self.names: set[str] = set()
        self.rows: list[dict[str, str]] = []
        words_ = list(PLACE_WORDS)
        self.rng.shuffle(words_)
        self.place_words = words_
        self.orgs = {m.zip: self.organizations(m, i) for i, m in enumerate(self.metros)}

    # -- shared pieces --------------------------------------------------------------------

    def place_word(self) -> str:
        """The next fictional place word, cycling through a shuffled pool."""
        word = self.place_words.pop(0)
        self.place_words.append(word)
        return word

    def unique_name(self, patterns: Sequence[str], metro: Metro) -> str:
        """The first of the patterns, filled in, that no listing has used yet."""
        for pattern in patterns:
            for _ in range(len(PLACE_WORDS)):
                name = pattern.format(city=metro.city, word=self.place_word())
                if name not in self.names:
                    self.names.add(name)
                    return name
                if "{word}" not in pattern:
                    break
        raise SystemExit(f"No unused name left for {metro.city}")

    def organizations(self, metro: Metro, index: int) -> list[str]:
        """One to three fictional organizations in a metro (more in bigger ones)."""
        count = {1: 3, 2: 2, 3: 1}[metro.tier]
        patterns = self.rng.sample(ORGANIZATIONS, count)
        orgs = [p.format(city=metro.city, word=self.place_word()) for p in patterns]
        if index == 0:
            orgs.append(SPECIAL_ORGANIZATION)
        return orgs

    def orgs_for(self, metro: Metro, specialty: str) -> list[str]:
        """The metro's organizations where a doctor of this specialty would plausibly work."""
        orgs = self.orgs[metro.zip]
        if specialty in DIGESTIVE_SPECIALTIES:
            return orgs
        fitting = [o for o in orgs if "Digestive" not in o]
        return fitting or orgs

    def spot(self, metro: Metro) -> Spot:
        """A fictional street address within about JITTER_MILES of the metro's ZIP centroid."""
        number = self.rng.randrange(100, 9900, 10)
        street = f"{number} {self.rng.choice(STREET_WORDS)} {self.rng.choice(STREET_TYPES)}"
        address2 = self.rng.choice(
            ("", "", f"Suite {self.rng.randrange(100, 900, 10)}", f"Floor {self.rng.randint(2, 9)}")
        )
        for _ in range(100):
            # Uniform in a disc: radius by the square root, longitude scaled by cos(latitude).
            r = JITTER_MILES * math.sqrt(self.rng.random())
            theta = self.rng.uniform(0, 2 * math.pi)
            lat = metro.lat + r * math.cos(theta) / MILES_PER_DEGREE
            lon = metro.lon + r * math.sin(theta) / (
                MILES_PER_DEGREE * math.cos(math.radians(metro.lat))
            )
            key = (f"{lat:.5f}", f"{lon:.5f}")
            # On land in the right state (not in a harbour), and not on top of another listing.
            if key not in self.points and state_at(lat, lon) == metro.state:
                self.points.add(key)
                return Spot(street, address2, lat, lon)
        raise SystemExit(f"No spot found near {metro.zip}")

    def phone(self, area_code: str) -> str:
        """A phone number in the 555-0100..0199 range set aside for fiction."""
        return f"({area_code}) 555-01{self.rng.randrange(100):02d}"

    def verified(self) -> str:
        """A last-verified date between FIRST_VERIFIED and LAST_VERIFIED."""
        days = (LAST_VERIFIED - FIRST_VERIFIED).days
        return (FIRST_VERIFIED + dt.timedelta(days=self.rng.randint(0, days))).isoformat()

    def languages(self, state: str) -> str:
        """English, sometimes with one or two more languages (local ones more often)."""
        if state == "PR":
            return "Spanish;English"
        langs = ["English"]
        local = LOCAL_LANGUAGES.get(state, ())
        if local and self.rng.random() < 0.35:
            langs.append(self.rng.choice(local))
        elif self.rng.random() < 0.15:
            names, weights = zip(*OTHER_LANGUAGES, strict=True)
            langs.append(self.rng.choices(names, weights=weights)[0])
        if len(langs) == 2 and self.rng.random() < 0.15:
            others = [n for n, _ in OTHER_LANGUAGES if n not in langs]
            langs.append(self.rng.choice(others))
        return ";".join(langs)

    def add(
        self, kind: str, name: str, metro: Metro | None, spot: Spot | None, **fields: str
    ) -> None:
        """Append one row: location columns from metro and spot, the rest from fields."""
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            external_id=f"demo-{len(self.rows) + 1:04d}",
            kind=kind,
            name=name,
            telehealth="no",
            virtual="no",
            last_verified=self.verified(),
        )
        if metro is not None and spot is not None:
            row.update(
                address=spot.address,
                address2=spot.address2,
                city=metro.city,
                state=metro.state,
                zip=metro.zip,
                latitude=f"{spot.lat:.5f}",
                longitude=f"{spot.lon:.5f}",
            )
        row.update(fields)
        self.rows.append(row)

    # -- allocation -----------------------------------------------------------------------

    def allocate(
        self, base: dict[int, int], extra: dict[int, int], total: int, cap: int = 1000
    ) -> list[int]:
        """Listings per metro: `base` by tier, then the rest to metros weighted by `extra`."""
        counts = [base[m.tier] for m in self.metros]
        if sum(counts) > total:
            raise SystemExit("Base allocation exceeds the total")
        while sum(counts) < total:
            open_ = [i for i, c in enumerate(counts) if c < cap]
            weights = [extra[self.metros[i].tier] for i in open_]
            counts[self.rng.choices(open_, weights=weights)[0]] += 1
        return counts

    # -- doctors --------------------------------------------------------------------------

    def doctor_names(self) -> list[tuple[str, str]]:
        """N_DOCTORS distinct (first, last) pairs."""
        pairs = [(f, n) for f in FIRST_NAMES for n in LAST_NAMES]
        self.rng.shuffle(pairs)
        return pairs[:N_DOCTORS]

    def specialties(self) -> list[str]:
        """A first specialty by weight, sometimes with one or two companions."""
        primary = self.rng.choices(list(PRIMARY_WEIGHTS), weights=list(PRIMARY_WEIGHTS.values()))
        specs = [primary[0]]
        companions = list(COMPANIONS[specs[0]])
        extra = self.rng.choices((0, 1, 2), weights=(60, 30, 10))[0]
        specs += self.rng.sample(companions, min(extra, len(companions)))
        return specs

    def doctor_sites(self, specs: list[str]) -> list[str]:
        """One to four sites the doctor's first specialty (and the others) treat."""
        primary = self.sites_for[specs[0]]
        others = [s for spec in specs[1:] for s in self.sites_for[spec] if s not in primary]
        k = self.rng.choices((1, 2, 3, 4), weights=(30, 35, 25, 10))[0]
        first = weighted_sample(self.rng, {s: SITE_WEIGHTS.get(s, 1) for s in primary}, k)
        if len(first) < k and others:
            pool = {s: SITE_WEIGHTS.get(s, 1) for s in dict.fromkeys(others)}
            first += weighted_sample(self.rng, pool, k - len(first))
        return in_vocab_order(first, vocab.TUMOR_SITES)

    def doctor_services(self, specs: list[str]) -> list[str]:
        """Services that fit the doctor's specialties, each with its own chance."""
        services = []
        for spec in specs:
            for service, chance in SPECIALTY_SERVICES.get(spec, ()):
                if self.rng.random() < chance:
                    services.append(service)
        for service, chance in ANY_SERVICES:
            if self.rng.random() < chance:
                services.append(service)
        return in_vocab_order(services, vocab.SERVICES)

    def doctor_description(
        self, first: str, last: str, specs: list[str], sites: list[str], org: str
    ) -> str:
        """One plain sentence about the doctor (some with an apostrophe or an ampersand)."""
        spec_label = vocab.labels(vocab.SPECIALTIES)[specs[0]].lower()
        role = ROLES.get(specs[0], f"{spec_label} physician")
        site_words = words([SITE_WORDS.get(s, s.replace("-", " ")) for s in sites])
        templates = (
            f"Dr. {last} is {article(role)} {role} who cares for people with {site_words} "
            f"neuroendocrine tumors at {org}.",
            f"Dr. {last}'s clinic at {org} focuses on {site_words} NETs.",
            f"Dr. {first} {last} sees patients with {site_words} NETs & works closely with "
            f"the rest of the NET team.",
            f"{article(role).capitalize()} {role} at {org} with a special interest in "
            f"{site_words} NETs.",
        )
        return self.rng.choice(templates)

    def make_doctors(self, counts: list[int]) -> None:
        """The doctors, metro by metro; a few groups of them share one clinic building."""
        names = iter(self.doctor_names())
        telehealth = set(self.rng.sample(range(N_DOCTORS), round(N_DOCTORS * TELEHEALTH_SHARE)))
        big = [i for i, m in enumerate(self.metros) if m.tier == 1]
        shared = {i: self.rng.randint(2, 4) for i in sorted(self.rng.sample(big, SHARED_BUILDINGS))}
        n = 0
        for i, (metro, count) in enumerate(zip(self.metros, counts, strict=True)):
            building = self.spot(metro) if i in shared else None
            building_org = self.rng.choice(self.orgs_for(metro, "medical-oncology"))
            for j in range(count):
                first, last = next(names)
                in_building = building is not None and j < shared[i]
                spot = building if in_building else self.spot(metro)
                specs = self.specialties()
                org = (
                    building_org if in_building else self.rng.choice(self.orgs_for(metro, specs[0]))
                )
                sites = self.doctor_sites(specs)
                email = ""
                if self.rng.random() < 0.5:
                    email = f"{slugify(first, '.')}.{slugify(last, '.')}@example.org"
                self.add(
                    "doctor",
                    f"Dr. {first} {last} (demo)",
                    metro,
                    spot,
                    credentials=self.rng.choices(("MD", "DO", "MD PhD"), weights=(70, 15, 15))[0],
                    specialties=";".join(specs),
                    organization=org,
                    services=";".join(self.doctor_services(specs)),
                    tumor_sites=";".join(sites),
                    phone=self.phone(metro.area_code),
                    website=f"https://example.org/demo/doctors/{slugify(first)}-{slugify(last)}",
                    email=email,
                    telehealth="yes" if n in telehealth else "no",
                    languages=self.languages(metro.state),
                    description=self.doctor_description(first, last, specs, sites, org),
                )
                n += 1

    # -- programs -------------------------------------------------------------------------

    def make_programs(self, counts: list[int]) -> None:
        """Treatment programs: several specialties and services; big metros get the most."""
        all_specs = [t.slug for t in vocab.SPECIALTIES]
        all_sites = [t.slug for t in vocab.TUMOR_SITES]
        for metro, count in zip(self.metros, counts, strict=True):
            patterns = list(PROGRAMS)
            self.rng.shuffle(patterns)
            for j in range(count):
                comprehensive = metro.tier == 1 or self.rng.random() < 0.3
                services = ["tumor-board"] if comprehensive or self.rng.random() < 0.5 else []
                if comprehensive:
                    services += ["prrt", "dotatate-pet", "clinical-trials"]
                elif self.rng.random() < 0.5:
                    services.append("dotatate-pet")
                others = [s.slug for s in vocab.SERVICES if s.slug not in services]
                services += self.rng.sample(others, self.rng.randint(1, 3))
                services = in_vocab_order(services, vocab.SERVICES)
                first = PRRT_PROGRAM if "prrt" in services and j == 1 else patterns[j % 4]
                name = self.unique_name([first, *patterns], metro)
                k = self.rng.randint(6, 12) if comprehensive else self.rng.randint(3, 6)
                specs = ["medical-oncology"] + self.rng.sample(all_specs[1:], k - 1)
                n_sites = len(all_sites) if comprehensive else self.rng.randint(3, 8)
                sites = weighted_sample(self.rng, SITE_WEIGHTS, n_sites)
                org = self.rng.choice(self.orgs[metro.zip])
                service_words = words([SERVICE_WORDS.get(s, s) for s in services[:3]])
                description = self.rng.choice(
                    (
                        f"A multidisciplinary NET program at {org} offering {service_words}.",
                        f"Specialists from {len(specs)} fields review each patient's case "
                        f"together and offer {service_words}.",
                        f"This program brings NET surgery, medicine & imaging under one roof "
                        f"in {metro.city}.",
                    )
                )
                slug = slugify(name.replace("(demo)", ""))
                self.add(
                    "program",
                    name,
                    metro,
                    self.spot(metro),
                    specialties=";".join(in_vocab_order(specs, vocab.SPECIALTIES)),
                    organization=org,
                    services=";".join(services),
                    tumor_sites=";".join(in_vocab_order(sites, vocab.TUMOR_SITES)),
                    phone=self.phone(metro.area_code),
                    website=f"https://example.org/demo/programs/{slug}",
                    email=f"{slug}@example.org",
                    telehealth="yes" if self.rng.random() < 0.4 else "no",
                    languages=self.languages(metro.state),
                    description=description,
                )

    # -- support groups -------------------------------------------------------------------

    def make_groups(self, counts: list[int]) -> None:
        """In-person support groups (with a monthly meeting), then the online ones."""
        for metro, count in zip(self.metros, counts, strict=True):
            patterns = self.rng.sample(GROUPS, len(GROUPS))
            for _ in range(count):
                name = self.unique_name(patterns, metro)
                schedule = (
                    f"{self.rng.choice(ORDINALS)} {self.rng.choice(WEEKDAYS)} monthly, "
                    f"{self.rng.choice(LOCAL_TIMES)}, {self.rng.choice(MEETING_PLACES)}"
                )
                host = self.rng.choice(self.orgs[metro.zip]) if self.rng.random() < 0.6 else ""
                description = self.rng.choice(
                    (
                        "Patients, families & caregivers living with NETs meet to share what's "
                        "helped them.",
                        f"A friendly monthly gathering for people in the {metro.city} area "
                        "who live with a neuroendocrine tumor.",
                        "NET patients and caregivers meet for coffee, guest speakers & "
                        "practical tips.",
                    )
                )
                slug = slugify(name.replace("(demo)", ""))
                self.add(
                    "support_group",
                    name,
                    metro,
                    self.spot(metro),
                    organization=host,
                    phone=self.phone(metro.area_code),
                    website=f"https://example.org/demo/groups/{slug}",
                    email=f"{slug}@example.org",
                    languages=self.languages(metro.state),
                    meeting_schedule=schedule,
                    description=description,
                )
        for name, sites, schedule, langs, description in VIRTUAL_GROUPS:
            slug = slugify(name.replace("(demo)", ""))
            self.add(
                "support_group",
                name,
                None,
                None,
                organization="Example NET Patient Network (demo)",
                tumor_sites=";".join(in_vocab_order(sites, vocab.TUMOR_SITES)),
                website=f"https://example.org/demo/groups/{slug}",
                email=f"{slug}@example.org",
                virtual="yes",
                languages=";".join((*langs, "English")),
                meeting_schedule=schedule,
                description=description,
            )

    # -- all ------------------------------------------------------------------------------

    def build(self) -> list[dict[str, str]]:
        """All rows: doctors, then programs, then support groups."""
        doctors = self.allocate({1: 8, 2: 3, 3: 1}, {1: 3, 2: 2, 3: 1}, N_DOCTORS)
        programs = self.allocate({1: 2, 2: 1, 3: 0}, {1: 0, 2: 1, 3: 2}, N_PROGRAMS)
        groups = self.allocate({1: 1, 2: 0, 3: 0}, {1: 1, 2: 2, 3: 1}, N_GROUPS_IN_PERSON, 2)
        self.make_doctors(doctors)
        self.make_programs(programs)
        self.make_groups(groups)
        check(self.rows)
        return self.rows


def check(rows: list[dict[str, str]]) -> None:
    """Refuse to write a directory that misses a vocabulary term or a kind."""
    columns = ("specialties", "services", "tumor_sites")
    seen: dict[str, Counter[str]] = {c: Counter() for c in columns}
    for row in rows:
        for column, counter in seen.items():
            counter.update(s for s in row[column].split(";") if s)
    needs = (
        ("specialties", vocab.SPECIALTIES, 1),
        ("services", vocab.SERVICES, 1),
        ("tumor_sites", vocab.TUMOR_SITES, 3),
    )
    for column, terms, minimum in needs:
        short = [t.slug for t in terms if seen[column][t.slug] < minimum]
        if short:
            raise SystemExit(f"Too few listings with {column} {short}")
        unknown = sorted(set(seen[column]) - {t.slug for t in terms})
        if unknown:
            raise SystemExit(f"Unknown {column} {unknown}")
    kinds = {row["kind"] for row in rows}
    missing = [t.slug for t in vocab.KINDS if t.slug not in kinds]
    if missing:
        raise SystemExit(f"No listings of kind {missing}")


def write(rows: list[dict[str, str]], path: Path) -> None:
    """Write the rows as UTF-8 CSV with Unix line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Generate the demo directory and write it to --output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help=f"CSV to write (default {OUTPUT})"
    )
    args = parser.parse_args(argv)
    rows = Generator().build()
    write(rows, args.output)
    kinds = Counter(row["kind"] for row in rows)
    virtual = sum(row["virtual"] == "yes" for row in rows)
    summary = ", ".join(f"{kinds[t.slug]} {t.slug}" for t in vocab.KINDS)
    print(f"Wrote {len(rows)} listings ({summary}; {virtual} virtual) to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
