"""Synthetic directories for benchmarks and engine comparisons: many listings, clustered like
people are (mostly around metro areas), deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from finder import vocab
from finder.directory.rows import COLUMNS
from finder.places.geocode import ZipRecord, zip_table
from finder.places.states import STATES

# (ZIP of a metro centre, weight): listings crowd where patients and hospitals are.
METROS = (
    ("10016", 20),
    ("90012", 13),
    ("60611", 10),
    ("77030", 8),
    ("75201", 7),
    ("19104", 6),
    ("20005", 6),
    ("33136", 6),
    ("30303", 6),
    ("02115", 5),
    ("85004", 5),
    ("94143", 5),
    ("48201", 4),
    ("98104", 4),
    ("55455", 4),
    ("92103", 3),
    ("33606", 3),
    ("80045", 3),
    ("21287", 3),
    ("63110", 3),
    ("97239", 2),
    ("78229", 2),
    ("28204", 2),
    ("15213", 2),
    ("45229", 2),
    ("46202", 2),
    ("44195", 2),
    ("37232", 2),
    ("64108", 2),
    ("53226", 2),
    ("84112", 1),
    ("73104", 1),
    ("70112", 1),
    ("40202", 1),
    ("52242", 1),
    ("55905", 1),
    ("87106", 1),
    ("96813", 1),
    ("99508", 1),
    ("00936", 1),
)
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
    weights = [w for _, w in METROS]
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
