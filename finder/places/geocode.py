"""Turning what a patient types into a place: an offline US ZIP/city table first (Census ZCTA
interior points, else the `zipcodes` package's GeoNames points), then an opt-in online geopy
geocoder for street addresses."""

from __future__ import annotations

import functools
import gc
import gzip
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zipcodes
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from shapely import STRtree, points

from finder.i18n import Text
from finder.paths import DATA
from finder.places.states import state_code

EXTENSION = "finder.geocoders"  # app.extensions key: the app's Geocoders
# The Census ZCTA interior points, built by scripts/make_zip_positions.py (its header says whence).
ZCTA_POINTS = DATA / "zcta_points.csv.gz"


@dataclass(frozen=True)
class Place:
    """Where a search is centred, and how precisely we know it."""

    lat: float
    lon: float
    label: str
    precision: str  # one of models.PRECISIONS
    zip: str = ""
    state: str = ""


class LocationError(ValueError):
    """A query we could not turn into a place; `message` says what to type instead.

    A city named without its state carries the city and the states it is in (biggest first),
    so a page can offer each as a link.
    """

    def __init__(
        self, code: str, message: str, city: str = "", states: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.city = city
        self.states = states


@dataclass(frozen=True)
class ZipRecord:
    """One row of the offline ZIP table, and where its position came from."""

    zip: str
    city: str
    state: str
    county: str
    lat: float
    lon: float
    # "census": its ZCTA's interior point; "zipcodes": the zipcodes package's GeoNames point (a
    # ZIP with no ZCTA: PO boxes, unique ZIPs); "city": its city's centre (no point anywhere).
    source: str

    @property
    def precision(self) -> str:
        """How exact the position is, in models.PRECISIONS' words: "zip", or "city"."""
        return "city" if self.source == "city" else "zip"


def _norm_city(text: str) -> str:
    # "St. Louis", "saint louis" and "ST LOUIS" are one key; so are "Ft Worth" and "Fort Worth".
    words = re.sub(r"[^a-z0-9 ]", " ", text.lower()).split()
    expand = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
    return " ".join(expand.get(w, w) for w in words)


class ZipTable:
    """The offline US ZIP table: every ZIP of PyPI `zipcodes` (city, state, county), placed at
    its Census ZCTA interior point, else at zipcodes' GeoNames point, else at its city's centre;
    and the city centres, averaged from those points."""

    def __init__(
        self, rows: list[dict[str, Any]], census: Mapping[str, tuple[float, float]]
    ) -> None:
        self.zips: dict[str, ZipRecord] = {}
        sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        display: dict[tuple[str, str], str] = {}
        unplaced = []
        for row in rows:
            zip5, names = row["zip_code"], [row["city"], *row["acceptable_cities"]]
            if zip5 in census:
                (lat, lon), source = census[zip5], "census"
            else:
                lat, lon, source = float(row["lat"] or 0), float(row["long"] or 0), "zipcodes"
                if lat == 0 and lon == 0:  # 0,0 marks a missing coordinate, not a place
                    # APO/FPO/DPO are mail routes to units abroad, not towns: left unplaced.
                    if row["zip_code_type"] != "MILITARY":
                        unplaced.append((row, names))
                    continue
            rec = ZipRecord(zip5, row["city"], row["state"], row["county"], lat, lon, source)
            self.zips[zip5] = rec
            # City centres average the ordinary ZIPs; PO box and unique ZIPs cluster downtown.
            weight = 1.0 if row["zip_code_type"] == "STANDARD" else 0.01
            for name in names:
                key = (_norm_city(name), rec.state)
                acc = sums[key]
                acc[0] += lat * weight
                acc[1] += lon * weight
                acc[2] += weight
                display.setdefault(key, row["city"] if name == row["city"] else name.title())
        self.cities = {k: (a[0] / a[2], a[1] / a[2], display[k]) for k, a in sums.items()}
        # A ZIP with no point of its own stands at its city's centre (or an alias's), so typing
        # it still finds the city; its precision says "city", not "zip".
        for row, names in unplaced:
            keys = [(_norm_city(name), row["state"]) for name in names]
            centre = next((self.cities[k] for k in keys if k in self.cities), None)
            if centre is not None:
                self.zips[row["zip_code"]] = ZipRecord(
                    row["zip_code"], row["city"], row["state"], row["county"], *centre[:2], "city"
                )
        # A city's states, the one where it has the most ZIPs (its biggest) first.
        self.states_of_city: dict[str, list[str]] = defaultdict(list)
        for city, st in sorted(self.cities, key=lambda k: (k[0], -sums[k][2], k[1])):
            self.states_of_city[city].append(st)
        # "Nearest" looks among ZIPs with a point of their own: one at a city centre marks no spot.
        self._records = [r for r in self.zips.values() if r.source != "city"]
        self._tree = STRtree(points([(r.lon, r.lat) for r in self._records]))

    def nearest_zip(self, lat: float, lon: float) -> ZipRecord:
        """The ZIP whose point is nearest to a point (planar nearest, fine at ZIP scale)."""
        index = self._tree.nearest(points(lon, lat))
        return self._records[int(index)]


def census_points(path: Path = ZCTA_POINTS) -> dict[str, tuple[float, float]]:
    """The shipped Census ZCTA interior points: ZIP -> (lat, lon)."""
    with gzip.open(path, "rt", encoding="ascii") as f:
        lines = f.read().splitlines()
    out = {}
    for line in lines:
        if line[:1].isdigit():  # past the "#" credit lines and the "zip,lat,lon" header
            zip5, lat, lon = line.split(",")
            out[zip5] = (float(lat), float(lon))
    return out


@functools.cache
def zip_table() -> ZipTable:
    """Load the ZIP table once per process (about half a second)."""
    # Loading makes ~300k objects the cyclic collector tracks, and no garbage: it would walk
    # them over and over for nothing, a third of the load time. So it pauses for the load.
    collecting = gc.isenabled()  # gunicorn.conf.py turns it off for the whole start-up
    gc.disable()
    try:
        return ZipTable(zipcodes.list_all(), census_points())
    finally:
        if collecting:
            gc.enable()


class OfflineGeocoder(Geocoder):
    """A geopy geocoder over the shipped ZIP table: ZIPs and "City, ST", never the network."""

    def __init__(self) -> None:
        super().__init__()

    def place(self, query: str) -> Place:
        """A ZIP or "City, ST" as a Place; LocationError says what to type instead."""
        q = " ".join(query.split())
        table = zip_table()
        m = _ZIP.match(q)
        if m:
            digits = m.group(1)
            # Spreadsheets drop leading zeros: 2115 is 02115 and 501 is 00501, the only reading.
            rec = table.zips.get(digits.zfill(5))
            if rec is None:
                raise LocationError(
                    "unknown_location",
                    Text(
                        "We couldn't find the ZIP code %(zip)s. Check the number, or type your "
                        "city and state instead (like Boston, MA).",
                        zip=digits.zfill(5),
                    ),
                )
            return Place(rec.lat, rec.lon, _zip_label(rec), rec.precision, rec.zip, rec.state)
        city, st = _split_city_state(q)
        if city is None:
            raise LocationError(
                "invalid_query",
                Text("Type a 5-digit ZIP code (like 02115) or a city and state (like Boston, MA)."),
            )
        key = _norm_city(city)
        if st is None:
            states = table.states_of_city.get(key, [])
            if len(states) != 1:
                if not states:
                    raise LocationError(
                        "unknown_location",
                        Text(
                            "We couldn't find %(city)s. Check the spelling, or add the state "
                            "(like Boston, MA), or type a 5-digit ZIP code (like 02115).",
                            city=city.title(),
                        ),
                    )
                name = table.cities[(key, states[0])][2]
                more = "…" if len(states) > 6 else ""
                raise LocationError(
                    "invalid_query",
                    Text(
                        "Add the state to the city, like “%(example)s”. It's in %(states)s.",
                        example=f"{name}, {states[0]}",
                        states=", ".join(states[:6]) + more,
                    ),
                    city=name,
                    states=tuple(states),
                )
            st = states[0]
        found = table.cities.get((key, st))
        if found is None:
            raise LocationError(
                "unknown_location",
                Text(
                    "We couldn't find %(place)s. Check the spelling, or type a 5-digit ZIP code "
                    "(like 02115).",
                    place=f"{city.title()}, {st}",
                ),
            )
        lat, lon, name = found
        return Place(lat, lon, f"{name}, {st}", "city", state=st)

    def nearest(self, lat: float, lon: float) -> ZipRecord:
        """The ZIP whose point is nearest to a point."""
        return zip_table().nearest_zip(lat, lon)

    def geocode(self, query: str, *, exactly_one: bool = True) -> Location | None:
        """Geocode a ZIP or "City, ST" offline; None if it is not in the table."""
        try:
            place = self.place(query)
        except LocationError:
            return None
        loc = Location(place.label, (place.lat, place.lon), {"precision": place.precision})
        return loc if exactly_one else [loc]

    def reverse(self, query: tuple[float, float], *, exactly_one: bool = True) -> Location | None:
        """The nearest ZIP point to a (lat, lon) point."""
        rec = self.nearest(*query)
        loc = Location(_zip_label(rec), (rec.lat, rec.lon), {"zip": rec.zip})
        return loc if exactly_one else [loc]


def _zip_label(rec: ZipRecord) -> str:
    return f"{rec.zip} ({rec.city}, {rec.state})"


_ZIP = re.compile(r"^(\d{3,5})(?:-?(\d{4}))?$")
_STREET = re.compile(r"\d+\s+\w+.*\s\w+")


def _split_city_state(q: str) -> tuple[str | None, str | None]:
    """Split "Boston, MA", "boston ma" or "Kansas City Missouri" into city and state code."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z .,'-]*", q):
        return None, None
    if "," in q:
        city, _, rest = q.rpartition(",")
        code = state_code(rest)
        if code is None:
            return (None, None) if rest.strip() else (city.strip(), None)
        return city.strip(), code
    words = q.split()
    # The state is the last one to three words ("ma", "new york", "district of columbia").
    for n in (3, 2, 1):
        if len(words) > n:
            code = state_code(" ".join(words[-n:]))
            if code is not None:
                return " ".join(words[:-n]), code
    return q, None


def looks_like_street_address(query: str) -> bool:
    """True for "1 Main St, Boston": a house number followed by words."""
    return bool(_STREET.match(" ".join(query.split()))) and not _ZIP.match(query.strip())


@functools.cache
def offline_geocoder() -> OfflineGeocoder:
    """The process's offline geocoder (making a geopy geocoder takes tens of milliseconds)."""
    return OfflineGeocoder()


@dataclass(frozen=True)
class Geocoders:
    """An app's geocoders: the offline table always; the online service the settings choose
    for listings' street addresses; the same service for a patient's street-address search
    only if they say so too; and the pace of its calls."""

    offline: OfflineGeocoder = field(default_factory=offline_geocoder)
    online: Geocoder | None = None  # a patient's street-address search (locate)
    min_delay: float = 1.0  # seconds between online calls
    listings: Geocoder | None = None  # listings' street addresses: import and CLI
    # The same service for the admin's pages, which wait at most 20 s for a Census batch so a
    # page still comes back within gunicorn's 30 s.
    listings_web: Geocoder | None = None


def from_config(config: Mapping[str, Any]) -> Geocoders:
    """The geocoders an app's settings (GEOCODER and its GEOCODER_* settings) ask for."""
    service = online_geocoder(config)
    for_patients = config.get("GEOCODER_FOR_PATIENTS")
    if for_patients is None:
        # Nominatim served patients' searches before the Census was offered, and still does;
        # the Census serves them only when an admin says so.
        for_patients = config.get("GEOCODER") == "nominatim"
    web = service
    if config.get("GEOCODER") == "census":
        web_wait = min(config.get("GEOCODER_BATCH_TIMEOUT", 600.0), 20.0)
        web = online_geocoder({**config, "GEOCODER_BATCH_TIMEOUT": web_wait})
    return Geocoders(
        offline_geocoder(),
        service if for_patients else None,
        config.get("GEOCODER_MIN_DELAY", 1.0),
        service,
        web,
    )


def online_geocoder(config: Mapping[str, Any]) -> Geocoder | None:
    """The admin-configured online geocoder for street addresses, or None (the default)."""
    name = config.get("GEOCODER", "offline")
    if name == "offline":
        return None
    if name == "census":
        return _census(
            config.get("GEOCODER_CENSUS_URL", "https://geocoding.geo.census.gov"),
            config.get("GEOCODER_TIMEOUT", 5.0),
            config.get("GEOCODER_BATCH_TIMEOUT", 600.0),
            config.get("GEOCODER_USER_AGENT", "net-finder/0.1"),
        )
    if name == "nominatim":
        return _nominatim(
            config["GEOCODER_DOMAIN"],
            config["GEOCODER_SCHEME"],
            config["GEOCODER_USER_AGENT"],
            config["GEOCODER_TIMEOUT"],
        )
    # The settings refuse any other name at start; a hand-made mapping gets the same answer.
    raise ValueError(f"GEOCODER must be offline, census or nominatim, not {name!r}.")


@functools.cache
def _nominatim(domain: str, scheme: str, user_agent: str, timeout: float) -> Nominatim:
    # One instance per configuration, so its rate limiter spans every request of the process.
    return Nominatim(domain=domain, scheme=scheme, user_agent=user_agent, timeout=timeout)


@functools.cache
def _census(url: str, timeout: float, batch_timeout: float, user_agent: str) -> Geocoder:
    # One instance per configuration, like _nominatim, for the same reason. Imported here:
    # an offline app never loads it.
    from finder.places import census

    return census.CensusGeocoder(
        url, timeout=timeout, batch_timeout=batch_timeout, user_agent=user_agent
    )


@functools.cache
def _rate_limited(geocoder: Geocoder, min_delay: float) -> RateLimiter:
    # geopy's RateLimiter spaces calls out per process, as Nominatim's usage policy asks.
    return RateLimiter(
        geocoder.geocode, min_delay_seconds=min_delay, max_retries=0, swallow_exceptions=False
    )


def geocode_address(geocoder: Geocoder, address: str, min_delay: float = 1.0) -> Place:
    """Geocode a street address with the online geocoder, limited to the US."""
    try:
        loc = _rate_limited(geocoder, min_delay)(address, country_codes="us", exactly_one=True)
    except GeopyError as exc:
        raise LocationError(
            "geocoder_unavailable",
            Text(
                "The address lookup service isn't answering right now. Search by ZIP code or "
                "city instead (like 02115 or Boston, MA)."
            ),
        ) from exc
    if loc is None:
        raise LocationError(
            "unknown_location",
            Text("We couldn't find that address. Check it, or search by ZIP code (like 02115)."),
        )
    rec = zip_table().nearest_zip(loc.latitude, loc.longitude)
    return Place(loc.latitude, loc.longitude, loc.address, "street", rec.zip, rec.state)


def locate(
    query: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    geocoders: Geocoders | None = None,
) -> Place:
    """Turn a ZIP, "City, ST", street address or browser coordinates into a Place (with the
    offline geocoder only, unless `geocoders` has an online one)."""
    found = geocoders or Geocoders()
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise LocationError("invalid_location", Text("Those coordinates are not on Earth."))
        rec = found.offline.nearest(lat, lon)
        return Place(
            lat,
            lon,
            Text("your location (near %(place)s)", place=f"{rec.city}, {rec.state}"),
            "given",
            rec.zip,
            rec.state,
        )
    q = " ".join((query or "").split())
    if not q:
        raise LocationError(
            "invalid_query",
            Text("Type a 5-digit ZIP code (like 02115) or a city and state (like Boston, MA)."),
        )
    if len(q) > 200:
        raise LocationError(
            "invalid_query",
            Text(
                "That is too long. Type a 5-digit ZIP code (like 02115) or a city and state "
                "(like Boston, MA)."
            ),
        )
    if looks_like_street_address(q):
        if found.online is None:
            raise LocationError(
                "address_lookup_off",
                Text(
                    "For your privacy we don't look up street addresses. Type your ZIP code "
                    "(like 02115) or your city and state (like Boston, MA)."
                ),
            )
        return geocode_address(found.online, q, found.min_delay)
    return found.offline.place(q)
