#!/usr/bin/env python3
"""Build data/us_states.geojson, the US state outlines NET Finder ships.

Source: the npm package us-atlas@3.0.1 (https://github.com/topojson/us-atlas), file
states-10m.json: the US Census Bureau's 2017 cartographic boundary file for states at 1:10,000,000
(public domain), converted to unprojected TopoJSON by Mike Bostock; the package is under the ISC
licence. It holds 56 features: the 50 states, DC, Puerto Rico and 4 territories (AS, GU, MP, VI).

This script fetches it with `npm pack` (the npm registry is the only network it needs), decodes the
TopoJSON with a small decoder below, rounds coordinates to 4 decimals (about 11 m), repairs any
invalid geometry with shapely's make_valid, and writes a GeoJSON FeatureCollection whose features
carry {"fips", "code", "name"}. Run it from anywhere: ./scripts/make_state_outlines.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape
from shapely.ops import unary_union
from shapely.validation import make_valid

PACKAGE = "us-atlas@3.0.1"
MEMBER = "package/states-10m.json"
OUT = Path(__file__).resolve().parent.parent / "data" / "us_states.geojson"
DIGITS = 4

# Census FIPS state codes -> USPS codes (50 states, DC, PR and the territories).
FIPS_TO_CODE = {
    "01": "AL",
    "02": "AK",
    "04": "AZ",
    "05": "AR",
    "06": "CA",
    "08": "CO",
    "09": "CT",
    "10": "DE",
    "11": "DC",
    "12": "FL",
    "13": "GA",
    "15": "HI",
    "16": "ID",
    "17": "IL",
    "18": "IN",
    "19": "IA",
    "20": "KS",
    "21": "KY",
    "22": "LA",
    "23": "ME",
    "24": "MD",
    "25": "MA",
    "26": "MI",
    "27": "MN",
    "28": "MS",
    "29": "MO",
    "30": "MT",
    "31": "NE",
    "32": "NV",
    "33": "NH",
    "34": "NJ",
    "35": "NM",
    "36": "NY",
    "37": "NC",
    "38": "ND",
    "39": "OH",
    "40": "OK",
    "41": "OR",
    "42": "PA",
    "44": "RI",
    "45": "SC",
    "46": "SD",
    "47": "TN",
    "48": "TX",
    "49": "UT",
    "50": "VT",
    "51": "VA",
    "53": "WA",
    "54": "WV",
    "55": "WI",
    "56": "WY",
    "60": "AS",
    "66": "GU",
    "69": "MP",
    "72": "PR",
    "78": "VI",
}

Point = list[float]
Ring = list[Point]


def fetch_topology() -> dict[str, Any]:
    """Download the us-atlas package with npm and return its parsed states-10m.json."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["npm", "pack", PACKAGE, "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        tgz = Path(tmp) / out[-1]
        with tarfile.open(tgz) as tar:
            f = tar.extractfile(MEMBER)
            if f is None:
                raise SystemExit(f"{MEMBER} missing from {tgz.name}")
            return json.load(f)


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """Absolute coordinates of every arc, undoing quantization and delta encoding."""
    t = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if t is None:
            arcs.append([[float(p[0]), float(p[1])] for p in arc])
            continue
        (sx, sy), (tx, ty) = t["scale"], t["translate"]
        x = y = 0
        points: Ring = []
        for p in arc:
            x += p[0]
            y += p[1]
            points.append([x * sx + tx, y * sy + ty])
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[Ring]) -> Ring:
    """Join arcs into one ring; a negative index ~i means arc i reversed."""
    points: Ring = []
    for i in indexes:
        arc = arcs[~i][::-1] if i < 0 else arcs[i]
        # Consecutive arcs share their joining point: keep it once.
        points.extend(arc[1:] if points else arc)
    out: Ring = []
    for x, y in points:
        q = [round(x, DIGITS), round(y, DIGITS)]
        if not out or q != out[-1]:  # rounding can merge neighbours: keep each point once
            out.append(q)
    return out


def geometry(obj: dict[str, Any], arcs: list[Ring]) -> dict[str, Any]:
    """GeoJSON geometry for a TopoJSON Polygon or MultiPolygon."""
    if obj["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r, arcs) for r in obj["arcs"]]}
    if obj["type"] == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[ring(r, arcs) for r in poly] for poly in obj["arcs"]],
        }
    raise SystemExit(f"unexpected geometry type {obj['type']}")


def main() -> int:
    """Fetch, decode, validate and write the outlines; print what was written."""
    topology = fetch_topology()
    arcs = decode_arcs(topology)
    features = []
    repaired = []
    for obj in topology["objects"]["states"]["geometries"]:
        fips = str(obj["id"]).zfill(2)
        code = FIPS_TO_CODE[fips]
        geom = geometry(obj, arcs)
        shp = shape(geom)
        if not shp.is_valid:
            # Rounding can pinch a thin sliver into a self-touching ring; make_valid fixes it,
            # and may leave a collapsed sliver as a line, which an outline has no use for.
            fixed = make_valid(shp)
            parts = [g for g in getattr(fixed, "geoms", [fixed]) if g.area > 0]
            shp = unary_union(parts)
            repaired.append(code)
            geom = mapping(shp)
        assert shp.is_valid, code
        features.append(
            {
                "type": "Feature",
                "id": fips,
                "properties": {"fips": fips, "code": code, "name": obj["properties"]["name"]},
                "geometry": geom,
            }
        )
    features.sort(key=lambda f: f["id"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{len(features)} features, repaired: {', '.join(repaired) or 'none'}")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
