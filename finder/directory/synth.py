"""Synthetic directories for benchmarks and engine comparisons: many listings, clustered like
NET care is (mostly around metro areas, most at referral centres), deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from finder import vocab
from finder.directory.rows import COLUMNS
from finder.places.geocode import ZipRecord, zip_table
from finder.places.states import STATES

# Metro areas listings crowd around: (ZIP, tier). Tier 1 = large NET referral centres, 2 = big
# cities, 3 = smaller cities. No metro lies in Montana, Wyoming or North Dakota, or within 100
# miles of Billings, Casper or Bismarck, so searches there find little nearby. The demo
# directory (scripts/make_demo_data.py) is built around the same metros.
METROS: tuple[tuple[str, int], ...] = (
    ("02115", 1),  # Boston, MA
    ("10065", 1),  # New York, NY
    ("19104", 1),  # Philadelphia, PA
    ("21205", 1),  # Baltimore, MD
    ("77030", 1),  # Houston, TX
    ("90048", 1),  # Los Angeles, CA
    ("94115", 1),  # San Francisco, CA
    ("98109", 1),  # Seattle, WA
    ("60611", 1),  # Chicago, IL
    ("55902", 1),  # Rochester, MN
    ("52242", 1),  # Iowa City, IA
    ("70112", 1),  # New Orleans, LA
    ("44106", 1),  # Cleveland, OH
    ("37203", 1),  # Nashville, TN
    ("33136", 1),  # Miami, FL
    ("10016", 2),  # New York, NY (a second neighbourhood)
    ("20007", 2),  # Washington, DC
    ("30308", 2),  # Atlanta, GA
    ("75235", 2),  # Dallas, TX
    ("80218", 2),  # Denver, CO
    ("85006", 2),  # Phoenix, AZ
    ("97239", 2),  # Portland, OR
    ("55455", 2),  # Minneapolis, MN
    ("63110", 2),  # St. Louis, MO
    ("84112", 2),  # Salt Lake City, UT
    ("68105", 2),  # Omaha, NE
    ("64108", 2),  # Kansas City, MO
    ("48201", 2),  # Detroit, MI
    ("15213", 2),  # Pittsburgh, PA
    ("48109", 2),  # Ann Arbor, MI
    ("43210", 2),  # Columbus, OH
    ("27705", 2),  # Durham, NC
    ("33612", 2),  # Tampa, FL
    ("92103", 2),  # San Diego, CA
    ("78229", 2),  # San Antonio, TX
    ("46202", 2),  # Indianapolis, IN
    ("35233", 2),  # Birmingham, AL
    ("87106", 3),  # Albuquerque, NM
    ("96813", 3),  # Honolulu, HI
    ("99508", 3),  # Anchorage, AK
    ("00909", 3),  # San Juan, PR
    ("04102", 3),  # Portland, ME
    ("05401", 3),  # Burlington, VT
    ("06510", 3),  # New Haven, CT
    ("14203", 3),  # Buffalo, NY
    ("17033", 3),  # Hershey, PA
    ("23219", 3),  # Richmond, VA
    ("29401", 3),  # Charleston, SC
    ("28204", 3),  # Charlotte, NC
    ("32224", 3),  # Jacksonville, FL
    ("40202", 3),  # Louisville, KY
    ("45219", 3),  # Cincinnati, OH
    ("53226", 3),  # Milwaukee, WI
    ("53705", 3),  # Madison, WI
    ("38105", 3),  # Memphis, TN
    ("72205", 3),  # Little Rock, AR
    ("73104", 3),  # Oklahoma City, OK
    ("78701", 3),  # Austin, TX
    ("89102", 3),  # Las Vegas, NV
    ("85719", 3),  # Tucson, AZ
    ("95817", 3),  # Sacramento, CA
    ("83702", 3),  # Boise, ID
    ("99204", 3),  # Spokane, WA
    ("57105", 3),  # Sioux Falls, SD
    ("39216", 3),  # Jackson, MS
    ("26506", 3),  # Morgantown, WV
)
# How strongly a metro of each tier draws listings: NET care gathers at referral centres.
TIER_WEIGHTS = {1: 8, 2: 3, 3: 1}
# The CSV header is rows.COLUMNS; this name stays until scripts/bench_import.py and the tests
# that write generated files say rows.COLUMNS themselves.
CSV_FIELDS = COLUMNS


def _pick(rng: random.Random, terms: tuple[vocab.Term, ...], most: int) -> list[str]:
    return sorted(t.slug for t in rng.sample(terms, rng.randint(1, most)))


def listings(n: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`n` listings as CSV rows (every column of rows.COLUMNS, blank where the generator has
    nothing to say): 80% around metros, the rest spread over all ZIPs."""
    rng = random.Random(seed)
    table = zip_table()
    metros = [table.zips[z] for z, _ in METROS]
    weights = [TIER_WEIGHTS[tier] for _, tier in METROS]
    everywhere: list[ZipRecord] = sorted(
        (r for r in table.zips.values() if r.state in STATES), key=lambda r: r.zip
    )
    for i in range(n):
        if rng.random() < 0.8:
            metro = rng.choices(metros, weights)[0]
            # Snap to a real ZIP near the metro, so every point is on land in its state.
            place = table.nearest_zip(metro.lat + rng.gauss(0, 0.25), metro.lon + rng.gauss(0, 0.3))
        else:
            place = rng.choice(everywhere)
        lat = place.lat + rng.uniform(-0.01, 0.01)
        lon = place.lon + rng.uniform(-0.01, 0.01)
        kind = rng.choices(("doctor", "program", "support_group"), (80, 12, 8))[0]
        yield dict.fromkeys(COLUMNS, "") | {
            "external_id": f"synth-{i:07d}",
            "kind": kind,
            "name": f"Synthetic {kind.replace('_', ' ')} {i}",
            "specialties": ";".join(_pick(rng, vocab.SPECIALTIES, 3)),
            "services": ";".join(_pick(rng, vocab.SERVICES, 3)),
            "tumor_sites": ";".join(_pick(rng, vocab.TUMOR_SITES, 4)),
            "address": f"{rng.randint(1, 9999)} Example Road",
            "city": place.city,
            "state": place.state,
            "zip": place.zip,
            "latitude": f"{lat:.5f}",
            "longitude": f"{lon:.5f}",
            "telehealth": "yes" if rng.random() < 0.2 else "no",
            "virtual": "no",
            "languages": "English" if rng.random() < 0.8 else "English;Spanish",
        }
