"""The US Census Geocoder, against a fake Census on 127.0.0.1 that answers in the real formats:
street-level pins at import, from `finder geocode-listings` and the admin's buttons, the cache,
ties, no match, outages, and what the listing page says about its pin."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from finder import accounts, db
from finder.directory import importer, lookup
from finder.models import PRECISIONS, GeocodeCache, Listing
from finder.places import census, geocode
from finder.places.census import Address, CensusGeocoder
from finder.places.geocode import LocationError
from tests.conftest import POLL, csv_bytes, make_app
from tests.test_admin import EMAIL, form_token, login, post, text

# What the fake Census knows: street -> (lon, lat, matched address, ZIP), as TIGER has them.
PROVIDENCE = ("3200 Providence Dr", "Anchorage", "AK", "99508")
KNOWN = {
    "3200 PROVIDENCE DR": (-149.818915, 61.188736, "3200 PROVIDENCE DR, ANCHORAGE, AK, 99508"),
    "1 EXAMPLE ST": (-71.076301, 42.350512, "1 EXAMPLE ST, BOSTON, MA, 02115"),
}
# Batch ties, and the candidates the single-address service lists for them.
TIES = {
    "10 TWIN RD": [  # one candidate in the row's ZIP (02115): that one is used
        (-71.1, 42.34, "10 TWIN RD, BOSTON, MA, 02115", "02115"),
        (-71.2, 42.30, "10 TWIN RD, BOSTON, MA, 02132", "02132"),
    ],
    "20 TWIN RD": [  # neither is in 02115: the row stays at its ZIP
        (-71.3, 42.29, "20 TWIN RD, BOSTON, MA, 02131", "02131"),
        (-71.2, 42.30, "20 TWIN RD, BOSTON, MA, 02132", "02132"),
    ],
}
# The outage tests wait SHORT seconds for an answer, and a "slow" Census takes ten times that;
# the others wait long enough for a busy machine, where a prompt answer may still take seconds.
SHORT, SLOW, PATIENT = 0.5, 5.0, 10.0


def quoted(*fields: str) -> str:
    """One row of the batch answer: every field in double quotes, as the Census writes it."""
    return ",".join(f'"{f}"' for f in fields) + "\n"


class FakeCensus(BaseHTTPRequestHandler):
    mode = "ok"  # "ok", "slow" (answers after SLOW seconds) or "down" (HTTP 500)
    requests: list[dict[str, Any]] = []
    released = threading.Event()  # set when the test ends, so a slow answer stops waiting

    def _hold(self) -> bool:
        """Record the request; False if this mode answers with an error (already sent)."""
        if self.mode == "slow":
            self.released.wait(SLOW)
        if self.mode == "down":
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>Internal Server Error</body></html>")
            return False
        return True

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting ("slow"), as it should

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).requests.append({"method": "GET", "path": url.path, "params": params})
        if not self._hold():
            return
        street = params["address"].split(",")[0].strip().upper()
        if street in KNOWN:
            lon, lat, matched = KNOWN[street]
            candidates = [(lon, lat, matched, matched[-5:])]
        else:
            candidates = TIES.get(street, [])
        matches = [
            {
                "tigerLine": {"side": "L", "tigerLineId": "76225813"},
                "coordinates": {"x": lon, "y": lat},
                "addressComponents": {"zip": zip_code, "city": "", "state": ""},
                "matchedAddress": matched,
            }
            for lon, lat, matched, zip_code in candidates
        ]
        answer = {
            "result": {
                "input": {
                    "address": {"address": params["address"]},
                    "benchmark": {"benchmarkName": params["benchmark"], "id": "4"},
                },
                "addressMatches": matches,
            }
        }
        self._send(json.dumps(answer).encode(), "application/json;charset=utf-8")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        raw = self.rfile.read(length)
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        form = BytesParser(policy=policy.default).parsebytes(head + raw)
        fields = {
            part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in form.iter_parts()
        }
        rows = list(csv.reader(io.StringIO(fields["addressFile"].decode())))
        type(self).requests.append(
            {
                "method": "POST",
                "path": urlparse(self.path).path,
                "benchmark": fields["benchmark"].decode(),
                "rows": rows,
            }
        )
        if not self._hold():
            return
        out = []
        for row_id, street, city, state, zip_code in reversed(rows):  # any order, as the Census
            given = f"{street}, {city}, {state}, {zip_code}"
            key = street.strip().upper()
            if key in KNOWN:
                lon, lat, matched = KNOWN[key]
                exact = "Exact" if key.startswith("3200") else "Non_Exact"
                out.append(
                    quoted(row_id, given, "Match", exact, matched, f"{lon},{lat}", "76225813", "L")
                )
            elif key in TIES:
                out.append(quoted(row_id, given, "Tie"))
            else:
                out.append(quoted(row_id, given, "No_Match"))
        self._send("".join(out).encode(), "text/plain;charset=utf-8")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_census() -> Iterator[dict[str, Any]]:
    """A fake Census on 127.0.0.1, and the settings that point an app at it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCensus)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
    thread.start()
    FakeCensus.mode, FakeCensus.requests = "ok", []
    FakeCensus.released.clear()
    yield {
        "GEOCODER": "census",
        "GEOCODER_CENSUS_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "GEOCODER_TIMEOUT": PATIENT,
        "GEOCODER_BATCH_TIMEOUT": PATIENT,
        "GEOCODER_MIN_DELAY": 0,
    }
    FakeCensus.released.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def census_app(app: Flask, database_url: str, fake_census: dict[str, Any]) -> Iterator[Flask]:
    """An app set to the fake Census, on the same database as `app`."""
    other = make_app(DATABASE_URL=database_url, **fake_census)
    other.config["SESSION_COOKIE_SECURE"] = False  # the test client talks plain http
    yield other
    with other.app_context():
        db.engine().dispose()


def outage(app: Flask, mode: str) -> None:
    """Make the Census fail this way ("slow", "down" or "refused"), and the app wait SHORT."""
    FakeCensus.mode = mode
    settings = {**app.config, "GEOCODER_TIMEOUT": SHORT, "GEOCODER_BATCH_TIMEOUT": SHORT}
    if mode == "refused":
        with socket.socket() as closed:  # a port just freed: nothing listens there
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        settings["GEOCODER_CENSUS_URL"] = f"http://127.0.0.1:{port}"
    app.extensions[geocode.EXTENSION] = geocode.from_config(settings)


def posts() -> list[dict[str, Any]]:
    return [r for r in FakeCensus.requests if r["method"] == "POST"]


def placed(app: Flask) -> dict[str, tuple[str, float | None, float | None]]:
    """Each listing's precision and position, by name."""
    with app.app_context():
        rows = db.session().scalars(sa.select(Listing).order_by(Listing.name))
        return {x.name: (x.precision, x.latitude, x.longitude) for x in rows}


def load(app: Flask, data: bytes, source: str = "partner") -> importer.ImportReport:
    with app.app_context():
        geocoders: geocode.Geocoders = app.extensions[geocode.EXTENSION]
        return importer.load_csv(
            db.session(),
            data,
            source,
            geocoder=geocoders.listings,
            min_delay=geocoders.min_delay,
        )


ROWS = [
    "c1,program,Providence NET Clinic,3200 Providence Dr,Anchorage,AK,99508,,,,no\n",
    "c2,doctor,Dr. Example,1 Example St,Boston,MA,02115,,,,no\n",
    "c3,doctor,Dr. Given,2 Example Ave,Boston,MA,02115,42.35,-71.07,,no\n",
    "c4,doctor,Dr. Nowhere,99 Nowhere Ln,Boston,MA,02115,,,,no\n",
    "c5,doctor,Dr. Twin One,10 Twin Rd,Boston,MA,02115,,,,no\n",
    "c6,doctor,Dr. Twin Two,20 Twin Rd,Boston,MA,02115,,,,no\n",
]


def zip_centre(code: str) -> tuple[float, float]:
    rec = geocode.zip_table().zips[code]
    return rec.lat, rec.lon


# --- the geocoder itself -------------------------------------------------------------------


def test_one_address_is_a_geopy_lookup(fake_census: dict[str, Any]) -> None:
    g = CensusGeocoder(fake_census["GEOCODER_CENSUS_URL"], timeout=PATIENT, user_agent="t")
    loc = g.geocode("3200 Providence Dr, Anchorage, AK 99508")
    assert loc is not None
    assert (loc.latitude, loc.longitude) == (61.188736, -149.818915)
    assert loc.address == "3200 PROVIDENCE DR, ANCHORAGE, AK, 99508"
    assert g.geocode("99 Nowhere Ln, Boston, MA") is None
    [first, _] = FakeCensus.requests
    assert first["path"] == "/geocoder/locations/onelineaddress"
    assert first["params"]["benchmark"] == "Public_AR_Current"
    assert first["params"]["format"] == "json"


def test_the_batch_answer_is_read_as_the_census_writes_it() -> None:
    answer = (
        '"2","79 Nowhere Vista, Springfield, IL, ","No_Match"\n'
        '"1","3200 Providence Dr, Anchorage, AK, 99508","Match","Exact",'
        '"3200 PROVIDENCE DR, ANCHORAGE, AK, 99508","-149.818915,61.188736","76225813","L"\n'
        '"3","10 Twin Rd, Boston, MA, 02115","Tie"\n'
    )
    found = census.read_answers(answer)
    assert found[1] == census.Answer(
        "Match", True, "3200 PROVIDENCE DR, ANCHORAGE, AK, 99508", 61.188736, -149.818915
    )
    assert found[2].status == "No_Match" and found[2].lat is None
    assert found[3].status == "Tie"


def test_the_batch_file_has_four_commas_a_row() -> None:
    text = census.address_file([Address("1 Main St, Suite 2", "Boston", "MA", "02115")])
    assert text == b"0,1 Main St Suite 2,Boston,MA,02115\n"


def test_patients_addresses_go_to_the_census_only_when_an_admin_says_so(
    database_url: str, fake_census: dict[str, Any]
) -> None:
    quiet = make_app(DATABASE_URL=database_url, **fake_census)
    geocoders = quiet.extensions[geocode.EXTENSION]
    assert isinstance(geocoders.listings, CensusGeocoder) and geocoders.online is None
    with pytest.raises(LocationError) as info:
        geocode.locate("3200 Providence Dr, Anchorage, AK", geocoders=geocoders)
    assert info.value.code == "address_lookup_off"
    assert quiet.test_client().get("/search?q=3200+Providence+Dr+Anchorage+AK").status_code == 400
    assert FakeCensus.requests == []

    asked = make_app(DATABASE_URL=database_url, GEOCODER_FOR_PATIENTS=True, **fake_census)
    place = geocode.locate(
        "3200 Providence Dr, Anchorage, AK", geocoders=asked.extensions[geocode.EXTENSION]
    )
    assert (place.lat, place.lon, place.precision) == (61.188736, -149.818915, "street")
    assert place.zip.startswith("995")


def test_nominatim_still_serves_patients_unless_told_not_to(database_url: str) -> None:
    nominatim = {"GEOCODER": "nominatim", "GEOCODER_MIN_DELAY": 0}
    on = make_app(DATABASE_URL=database_url, **nominatim).extensions[geocode.EXTENSION]
    assert on.online is not None and on.online is on.listings
    off = make_app(DATABASE_URL=database_url, GEOCODER_FOR_PATIENTS=False, **nominatim)
    geocoders = off.extensions[geocode.EXTENSION]
    assert geocoders.online is None and geocoders.listings is not None


def test_the_admins_pages_wait_at_most_20_seconds_for_a_batch(database_url: str) -> None:
    app = make_app(DATABASE_URL=database_url, GEOCODER="census")
    geocoders = app.extensions[geocode.EXTENSION]
    assert isinstance(geocoders.listings, CensusGeocoder)
    assert isinstance(geocoders.listings_web, CensusGeocoder)
    assert geocoders.listings.batch_timeout == 600.0  # the command line's imports and runs
    assert geocoders.listings_web.batch_timeout == 20.0  # within gunicorn's 30 s


# --- at import -----------------------------------------------------------------------------


def test_import_places_rows_by_street_in_one_batch_and_the_cache_answers_a_reimport(
    census_app: Flask,
) -> None:
    report = load(census_app, csv_bytes(*ROWS))
    assert report.applied
    assert report.notes == [
        "2 street addresses had no single match, so those rows are placed at the centre of the "
        "ZIP code. Check the addresses, or give their coordinates."
    ]
    [batch] = posts()
    assert batch["path"] == "/geocoder/locations/addressbatch"
    assert batch["benchmark"] == "Public_AR_Current"
    assert [r[1] for r in batch["rows"]] == [
        "3200 Providence Dr",
        "1 Example St",
        "99 Nowhere Ln",
        "10 Twin Rd",
        "20 Twin Rd",
    ]  # the row with coordinates is not sent
    # Each tie is looked up once more on its own, to see its candidates.
    assert len(FakeCensus.requests) == 3
    got = placed(census_app)
    assert got["Providence NET Clinic"] == ("street", 61.188736, -149.818915)
    assert got["Dr. Example"] == ("street", 42.350512, -71.076301)
    assert got["Dr. Given"] == ("given", 42.35, -71.07)
    assert got["Dr. Nowhere"] == ("zip", *zip_centre("02115"))
    assert got["Dr. Twin One"] == ("street", 42.34, -71.1)  # the one candidate in 02115
    assert got["Dr. Twin Two"] == ("zip", *zip_centre("02115"))

    FakeCensus.requests = []
    again = load(census_app, csv_bytes(*(r.replace(",", "x,", 1) for r in ROWS)), source="b")
    assert again.applied and again.created == 6
    assert FakeCensus.requests == []  # every answer, "not found" too, came from the cache
    with census_app.app_context():
        stmt = sa.select(Listing.precision).where(Listing.source == "b").order_by(Listing.id)
        got_b = list(db.session().scalars(stmt))
    assert got_b == ["street", "street", "given", "zip", "street", "zip"]


@pytest.mark.parametrize("mode", ["slow", "down", "refused"])
def test_an_outage_at_import_falls_back_to_the_zip_and_says_so(
    census_app: Flask, mode: str
) -> None:
    outage(census_app, mode)
    report = load(census_app, csv_bytes(*ROWS))
    assert report.applied and report.created == 6
    assert report.notes and "centre of their ZIP code" in report.notes[0]
    assert "finder geocode-listings" in report.notes[0]
    assert {p for p, _, _ in placed(census_app).values()} == {"zip", "given"}
    with census_app.app_context():
        assert db.session().scalar(sa.select(sa.func.count()).select_from(GeocodeCache)) == 0
    assert len(FakeCensus.requests) == (0 if mode == "refused" else 1)  # one try, no retries


def test_more_than_10000_addresses_go_in_requests_of_10000(census_app: Flask) -> None:
    addresses = {
        f"{n} Long Rd, Boston, MA, 02115": Address(f"{n} Long Rd", "Boston", "MA", "02115")
        for n in range(10_001)
    }
    with census_app.app_context():
        geocoder = census_app.extensions[geocode.EXTENSION].listings
        found = lookup.look_up(db.session(), geocoder, 0, addresses, timeout=30)
    assert [len(r["rows"]) for r in posts()] == [10_000, 1]
    assert found.requests == 2 and len(found.not_found) == 10_001


def test_a_not_found_from_another_service_is_asked_again(census_app: Flask) -> None:
    with census_app.app_context():
        session = db.session()
        session.add(
            GeocodeCache(
                address="3200 Providence Dr, Anchorage, AK, 99508",
                latitude=None,
                longitude=None,
                service="nominatim",
            )
        )
        session.add(
            GeocodeCache(
                address="1 Example St, Boston, MA, 02115",
                latitude=42.0,
                longitude=-71.0,
                service="nominatim",
            )
        )
        session.commit()
    load(census_app, csv_bytes(*ROWS[:2]))
    assert [r[1] for r in posts()[0]["rows"]] == ["3200 Providence Dr"]
    got = placed(census_app)
    assert got["Providence NET Clinic"][0] == "street"
    assert got["Dr. Example"] == ("street", 42.0, -71.0)  # a place found is a place found


# --- listings already in the directory ------------------------------------------------------


@pytest.fixture
def zip_placed(app: Flask) -> dict[str, int]:
    """Listings imported while the app was offline: placed by their ZIPs (and one by city)."""
    load(app, csv_bytes(*ROWS))
    with app.app_context():
        session = db.session()
        session.execute(
            sa.update(Listing).where(Listing.name == "Dr. Example").values(precision="city")
        )
        session.commit()
        return {x.name: x.id for x in session.scalars(sa.select(Listing))}


def test_geocode_listings_upgrades_zip_placed_listings(
    census_app: Flask, zip_placed: dict[str, int]
) -> None:
    runner = census_app.test_cli_runner()

    def run(*args: str) -> str:
        FakeCensus.requests = []
        with census_app.app_context():
            result = runner.invoke(args=["geocode-listings", *args])
        assert result.exit_code == 0, result.output
        return result.output

    said = run("--precision", "zip", "--limit", "1")
    assert [[row[1] for row in r["rows"]] for r in posts()] == [["3200 Providence Dr"]]
    assert placed(census_app)["Providence NET Clinic"] == ("street", 61.188736, -149.818915)
    assert "1 listing now pinned at the street address." in said
    assert "3 more listings placed only by ZIP code or city are left for the next run." in said

    said = run("--precision", "zip")
    got = placed(census_app)
    assert got["Dr. Twin One"] == ("street", 42.34, -71.1)
    assert got["Dr. Nowhere"] == ("zip", *zip_centre("02115"))
    assert got["Dr. Twin Two"] == ("zip", *zip_centre("02115"))
    assert got["Dr. Example"][0] == "city"  # not a ZIP-placed one: left alone
    assert got["Dr. Given"][0] == "given"
    assert len(posts()) == 1 and len(FakeCensus.requests) == 3  # a batch, then the two ties
    assert (
        "Looked up 3 listings with the US Census Geocoder (3 requests, 0 from the cache): "
        "1 listing now pinned at the street address, 2 not found there" in said
    )

    said = run()
    assert placed(census_app)["Dr. Example"][0] == "street"
    assert [[row[1] for row in r["rows"]] for r in posts()] == [["1 Example St"]]
    assert "2 listings were not found by the US Census Geocoder before" in said


def test_geocode_listings_needs_an_online_geocoder(app: Flask) -> None:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["geocode-listings"])
    assert result.exit_code == 1
    assert "FINDER_GEOCODER=census" in result.output


@pytest.mark.parametrize("mode", ["slow", "down"])
def test_an_outage_changes_no_listing_and_says_so(
    census_app: Flask, zip_placed: dict[str, int], mode: str
) -> None:
    before = placed(census_app)
    with census_app.app_context():
        stamps = list(db.session().scalars(sa.select(Listing.updated_at).order_by(Listing.id)))
    outage(census_app, mode)
    with census_app.app_context():
        result = census_app.test_cli_runner().invoke(args=["geocode-listings"])
    assert result.exit_code == 0, result.output
    assert "The US Census Geocoder did not answer for 5 listings" in result.output
    assert "nothing else changed" in result.output
    assert placed(census_app) == before
    with census_app.app_context():
        assert stamps == list(
            db.session().scalars(sa.select(Listing.updated_at).order_by(Listing.id))
        )
        assert db.session().scalar(sa.select(sa.func.count()).select_from(GeocodeCache)) == 0


def test_an_edit_while_the_census_answers_wins(
    census_app: Flask, zip_placed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = lookup.look_up

    def edited_meanwhile(session: Any, *args: Any, **kw: Any) -> lookup.Lookup:
        found = real(session, *args, **kw)
        with census_app.app_context():
            other = db.session()
            item = other.get(Listing, zip_placed["Providence NET Clinic"])
            assert item is not None
            item.address = "3300 Providence Dr"
            other.commit()
        return found

    monkeypatch.setattr(lookup, "look_up", edited_meanwhile)
    with census_app.app_context():
        census_app.test_cli_runner().invoke(args=["geocode-listings"])
    assert placed(census_app)["Providence NET Clinic"] == ("zip", *zip_centre("99508"))


# --- the admin's buttons --------------------------------------------------------------------


@pytest.fixture
def census_admin(census_app: Flask) -> FlaskClient:
    with census_app.app_context():
        accounts.set_password(db.session(), EMAIL, "correct horse battery")
    client = census_app.test_client()
    assert login(client, password="correct horse battery").status_code == 302
    return client


def test_the_admin_places_one_listing_by_its_street_address(
    census_app: Flask, census_admin: FlaskClient, zip_placed: dict[str, int]
) -> None:
    listing_id = zip_placed["Providence NET Clinic"]
    page = text(census_admin.get(f"/admin/listings/{listing_id}/edit"))
    assert "Place by street address" in page
    assert "the US Census Geocoder" in page
    # Without the form's token nothing happens.
    refused = census_admin.post(f"/admin/listings/{listing_id}/place")
    assert refused.status_code == 400 and FakeCensus.requests == []
    assert placed(census_app)["Providence NET Clinic"][0] == "zip"

    done = post(census_admin, f"/admin/listings/{listing_id}/place")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/admin/listings/{listing_id}/edit")
    assert placed(census_app)["Providence NET Clinic"] == ("street", 61.188736, -149.818915)
    assert [r[1] for r in posts()[0]["rows"]] == ["3200 Providence Dr"]  # this one only
    page = text(census_admin.get(f"/admin/listings/{listing_id}/edit"))
    assert "1 listing now pinned at the street address" in page
    assert "Place by street address" not in page  # nothing left to improve


def test_the_admin_places_every_zip_and_city_placed_listing(
    census_app: Flask, census_admin: FlaskClient, zip_placed: dict[str, int]
) -> None:
    page = text(census_admin.get("/admin/listings"))
    assert "5 listings are placed only by ZIP code or city" in page
    response = post(census_admin, "/admin/listings/place")
    assert response.status_code == 302
    got = placed(census_app)
    assert [got[n][0] for n in ("Providence NET Clinic", "Dr. Example", "Dr. Twin One")] == [
        "street"
    ] * 3
    page = text(census_admin.get("/admin/listings"))
    assert "3 listings now pinned at the street address, 2 not found there" in page
    assert "2 listings are placed only by ZIP code or city" in page


def test_the_admin_hears_of_an_outage_and_nothing_changes(
    census_app: Flask, census_admin: FlaskClient, zip_placed: dict[str, int]
) -> None:
    before = placed(census_app)
    outage(census_app, "slow")
    post(census_admin, "/admin/listings/place")
    assert placed(census_app) == before
    page = text(census_admin.get("/admin/listings"))
    assert "The US Census Geocoder did not answer for 5 listings" in page


def test_no_buttons_without_an_online_geocoder(app: Flask, zip_placed: dict[str, int]) -> None:
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, "correct horse battery")
    app.config["SESSION_COOKIE_SECURE"] = False
    client = app.test_client()
    login(client, password="correct horse battery")
    assert "by street address" not in text(client.get("/admin/listings"))
    listing_id = zip_placed["Providence NET Clinic"]
    assert "by street address" not in text(client.get(f"/admin/listings/{listing_id}/edit"))
    response = client.post(
        "/admin/listings/place", data={"csrf_token": form_token(client)}, follow_redirects=True
    )
    assert "No online geocoder is set" in text(response)


# --- what a patient reads -------------------------------------------------------------------


def test_the_listing_page_says_how_exact_its_pin_is(
    app: Flask, client: FlaskClient, add: Callable[..., Listing]
) -> None:
    expected = {
        "given": "The pin is where the listing’s source put it",
        "rooftop": "The pin is on the building itself.",
        "street": "The pin is at the street address",
        "zip": "The pin marks the middle of ZIP code 99508, not the exact building.",
        "city": "The pin marks the middle of Anchorage, AK, not the exact building.",
    }
    assert set(expected) == set(PRECISIONS)  # a new precision needs its sentence
    for precision, sentence in expected.items():
        item = add(
            precision=precision,
            address="3200 Providence Dr",
            city="Anchorage",
            state="AK",
            zip="99508",
        )
        page = client.get(f"/listings/{item.id}").get_data(as_text=True)
        said = re.search(r'<dd class="pin-note[^"]*">([^<]*)</dd>', page)
        assert said is not None and said.group(1).startswith(sentence), precision
