"""The US Census Geocoder (free, no key): one address at a time as a geopy geocoder, and its
batch service for up to 10,000 addresses a request."""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from geopy.exc import (
    GeocoderParseError,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

BENCHMARK = "Public_AR_Current"  # the Census's current address ranges
BATCH_LIMIT = 10_000  # addresses the batch service takes in one request


@dataclass(frozen=True)
class Address:
    """One street address to look up, in the batch file's columns."""

    street: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class Answer:
    """What the Census said about one address: Match, No_Match or Tie, and where a Match is."""

    status: str
    exact: bool = False
    matched: str = ""
    lat: float | None = None
    lon: float | None = None


class CensusGeocoder(Geocoder):
    """The US Census Geocoder's `locations` services, at `base_url`."""

    def __init__(
        self,
        base_url: str = "https://geocoding.geo.census.gov",
        *,
        timeout: float = 5.0,
        batch_timeout: float = 600.0,
        user_agent: str | None = None,
    ) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"The Census geocoder's URL must be http(s)://host, not {base_url!r}.")
        super().__init__(scheme=parts.scheme, timeout=timeout, user_agent=user_agent)
        self.base_url = base_url.rstrip("/")
        self.batch_timeout = batch_timeout

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,
        **_ignored: Any,  # country_codes: the Census knows only the US anyway
    ) -> Location | list[Location] | None:
        """The Census's matches for a one-line address, best first; None when there are none."""
        params = {"address": query, "benchmark": BENCHMARK, "format": "json"}
        url = f"{self.base_url}/geocoder/locations/onelineaddress?{urlencode(params)}"
        return self._call_geocoder(url, lambda page: _locations(page, exactly_one), timeout=timeout)

    def batch(self, chunk: list[Address], timeout: float | None = None) -> dict[int, Answer]:
        """Look up to BATCH_LIMIT addresses up in one request; the answers by the address's
        position in `chunk`. Raises a GeopyError when the service doesn't answer."""
        if len(chunk) > BATCH_LIMIT:
            raise ValueError(f"The Census takes at most {BATCH_LIMIT:,} addresses a request.")
        boundary = uuid.uuid4().hex
        body = _multipart(
            boundary,
            {"benchmark": BENCHMARK},
            ("addressFile", "addresses.csv", address_file(chunk)),
        )
        request = urllib.request.Request(  # noqa: S310 (__init__ allows http(s) only)
            f"{self.base_url}/geocoder/locations/addressbatch",
            data=body,
            method="POST",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "User-Agent": self.headers.get("User-Agent", ""),
            },
        )
        wait = self.batch_timeout if timeout is None else timeout
        try:
            with urllib.request.urlopen(request, timeout=wait) as response:  # noqa: S310
                text = response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            raise GeocoderServiceError(f"Census batch: HTTP {exc.code}") from exc
        except TimeoutError as exc:
            raise GeocoderTimedOut(f"Census batch: no answer in {wait} s") from exc
        except (urllib.error.URLError, OSError) as exc:
            if isinstance(getattr(exc, "reason", None), TimeoutError):  # while connecting
                raise GeocoderTimedOut(f"Census batch: no answer in {wait} s") from exc
            raise GeocoderUnavailable(f"Census batch: {exc}") from exc
        return read_answers(text)


def address_file(chunk: list[Address]) -> bytes:
    """The batch service's input: `id,street,city,state,zip` rows, no header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, a in enumerate(chunk):
        # The service splits each row at its commas (it asks for four a row), so commas in
        # an address become spaces rather than trusting it to honour CSV quotes.
        cells = (a.street, a.city, a.state, a.zip)
        writer.writerow([i, *(" ".join(v.replace(",", " ").split()) for v in cells)])
    return out.getvalue().encode("utf-8")


def read_answers(text: str) -> dict[int, Answer]:
    """The batch service's answer, in any order, by id: `"id","input address","Match",
    "Exact","matched address","lon,lat","tigerLineId","side"`, or just the first three
    columns for a No_Match or a Tie."""
    answers: dict[int, Answer] = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 3 or not row[0].strip().isdigit():
            continue  # a blank line, or a header a future version might add
        status = row[2].strip()
        if status == "Match" and len(row) >= 6:
            try:
                lon, lat = (float(v) for v in row[5].split(","))
            except ValueError:
                raise GeocoderParseError(f"Census batch: bad coordinates {row[5]!r}") from None
            answers[int(row[0])] = Answer("Match", row[3] == "Exact", row[4], lat, lon)
        else:
            answers[int(row[0])] = Answer(status)
    return answers


def _locations(page: Any, exactly_one: bool) -> Location | list[Location] | None:
    try:
        matches = page["result"]["addressMatches"]
        found = [
            Location(m["matchedAddress"], (m["coordinates"]["y"], m["coordinates"]["x"]), m)
            for m in matches
        ]
    except (KeyError, TypeError) as exc:
        raise GeocoderParseError(f"Census: unexpected answer ({exc})") from None
    if not found:
        return None
    return found[0] if exactly_one else found


def _multipart(boundary: str, fields: dict[str, str], file: tuple[str, str, bytes]) -> bytes:
    """A multipart/form-data body: the fields, then one file (the standard library has no
    encoder for it, and this is all the batch service needs)."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    name, filename, data = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
