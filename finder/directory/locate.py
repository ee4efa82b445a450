"""Where an imported or edited listing is: the coordinates given, else its street address from
the online geocoder (cached), else the centre of its ZIP code."""

from __future__ import annotations

from typing import Any

from geopy.geocoders.base import Geocoder
from sqlalchemy.orm import Session

from finder.models import GeocodeCache
from finder.places import geocode

OUTAGE = (
    "The online geocoder did not answer, so some rows were placed at the centre of "
    "their ZIP code. Import the file again later to place them exactly."
)


def locate_rows(
    session: Session,
    clean: list[dict[str, Any]],
    geocoder: Geocoder | None,
    min_delay: float,
) -> list[str]:
    """Give rows without coordinates a location: the online geocoder if configured (cached),
    else the ZIP's centre. An outage falls back to the ZIP and says so in the notes returned;
    it never fails."""
    table = geocode.zip_table()
    failed = 0
    for values in clean:
        if values["latitude"] is not None or not values["zip"] or not values["address"]:
            continue
        if geocoder is not None and failed < 3:
            street = ", ".join(
                p for p in (values["address"], values["city"], values["state"], values["zip"]) if p
            )
            cached = session.get(GeocodeCache, street)
            if cached is None:
                try:
                    place = geocode.geocode_address(geocoder, street, min_delay)
                    cached = GeocodeCache(address=street, latitude=place.lat, longitude=place.lon)
                except geocode.LocationError as exc:
                    if exc.code == "geocoder_unavailable":
                        failed += 1
                    else:
                        cached = GeocodeCache(address=street, latitude=None, longitude=None)
                if cached is not None:
                    # The cache commits on its own: an address found stays found, even when
                    # this import is refused or only previewed.
                    with Session(session.get_bind()) as side, side.begin():
                        side.merge(cached)
            if cached is not None and cached.latitude is not None:
                values["latitude"], values["longitude"] = cached.latitude, cached.longitude
                values["precision"] = "street"
                continue
        # A row's ZIP was checked against this table when the row was; a direct look-up keeps
        # a 100k-row import fast (the offline geocoder would parse each ZIP as a query again).
        rec = table.zips[values["zip"]]
        values["latitude"], values["longitude"] = rec.lat, rec.lon
        values["precision"] = rec.precision  # "city" for a ZIP placed at its city's centre
    return [OUTAGE] if failed else []
