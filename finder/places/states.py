"""US states: codes and names, and the shipped outlines for point-in-state checks."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache

from shapely import STRtree, affinity, contains_xy, make_valid, prepare
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from finder.paths import DATA

STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
_BY_NAME = {name.lower(): code for code, name in STATES.items()}
_BY_NAME.update(
    {
        "d.c.": "DC",
        "washington dc": "DC",
        "washington d.c.": "DC",
        "washington, dc": "DC",
        "washington, d.c.": "DC",
        "virgin islands": "VI",
        "united states virgin islands": "VI",
        "commonwealth of the northern mariana islands": "MP",
    }
)


def state_code(text: str) -> str | None:
    """The 2-letter code for a state code or name, any case or spacing; None if unknown."""
    key = " ".join(text.split()).lower()
    if key.upper() in STATES:
        return key.upper()
    return _BY_NAME.get(key)


OUTLINES_PATH = DATA / "us_states.geojson"

# One degree of latitude is about 69 statute miles everywhere.
MILES_PER_DEGREE = 69.0


@cache
def outlines() -> dict[str, BaseGeometry]:
    """Each state's outline (lon/lat degrees) by code, loaded once from OUTLINES_PATH."""
    data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    out: dict[str, BaseGeometry] = {}
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        out[feature["properties"]["code"]] = geom if geom.is_valid else make_valid(geom)
    return out


@cache
def _buffered(code: str, buffer_miles: float) -> BaseGeometry | None:
    """A state's outline grown by about buffer_miles, prepared for fast point checks."""
    geom = outlines().get(code)
    if geom is None:
        return None
    # The outline is in degrees, and a degree of longitude shrinks with cos(latitude), so grow it
    # by buffer_miles in longitude: 1/cos(lat) times the latitude margin. Scaling x by cos(lat)
    # before buffering and back after gives that ellipse; a state spans few enough degrees of
    # latitude that the cos at its centre is close enough (across Alaska's 20 degrees the margin
    # runs from about 14 miles in the south to 7 in the north, fine for a sanity check). The
    # 1:10m outlines also smooth coastlines by a mile or two, which the buffer absorbs.
    lat = geom.centroid.y
    k = math.cos(math.radians(lat))
    grown = _scale_x(_scale_x(geom, k).buffer(buffer_miles / MILES_PER_DEGREE, 4), 1 / k)
    prepare(grown)
    return grown


def _scale_x(geom: BaseGeometry, factor: float) -> BaseGeometry:
    """The geometry with every longitude multiplied by factor."""
    return affinity.scale(geom, xfact=factor, yfact=1.0, origin=(0, 0))


def in_state(lat: float, lon: float, code: str, buffer_miles: float = 10.0) -> bool | None:
    """Whether a point is within about buffer_miles of a state; None if it has no outline."""
    grown = _buffered(code.upper(), float(buffer_miles))
    if grown is None:
        return None
    return bool(contains_xy(grown, lon, lat))


def in_state_many(
    lats: Sequence[float], lons: Sequence[float], code: str, buffer_miles: float = 10.0
) -> list[bool] | None:
    """in_state for many points of one state at once (vectorized: ~0.1 µs a point)."""
    grown = _buffered(code.upper(), float(buffer_miles))
    if grown is None:
        return None
    return [bool(b) for b in contains_xy(grown, list(lons), list(lats))]


@cache
def _tree() -> tuple[STRtree, list[str]]:
    """An STRtree over the prepared outlines, and the code of each of its entries."""
    codes = list(outlines())
    geoms = [outlines()[c] for c in codes]
    for g in geoms:
        prepare(g)
    return STRtree(geoms), codes


def state_at(lat: float, lon: float) -> str | None:
    """The code of the state whose outline contains the point, or None."""
    tree, codes = _tree()
    hits = tree.query(Point(lon, lat), predicate="intersects")
    return codes[int(min(hits))] if len(hits) else None
