"""Spanish in Chromium: the pages, the map's names and popups, "Use my location", and the
Español / English switch, which keeps the search a patient typed."""

from __future__ import annotations

import re
from collections.abc import Callable

from finder.models import Listing
from tests.browser.conftest import Tab, shoot
from tests.browser.test_pages import wait_for_map

SALT_LAKE = (40.7713, -111.8394)


def test_a_spanish_search_in_the_browser(
    live_url: str, tab: Tab, add: Callable[..., Listing]
) -> None:
    page = tab.page
    shared = dict(latitude=SALT_LAKE[0], longitude=SALT_LAKE[1], city="Salt Lake City", state="UT")
    for name in ("Dr. Uno (demo)", "Dr. Dos (demo)", "Dr. Tres (demo)", "Dr. Cuatro (demo)"):
        add(name=name, zip="84112", **shared)
    add(
        name="Dr. Lejos (demo)",
        latitude=40.55,
        longitude=-111.9,
        city="Sandy",
        state="UT",
        zip="84070",
    )

    # The home in Spanish, searched from its own form: the results stay Spanish.
    page.goto(f"{live_url}/es/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_label("Código postal o ciudad").fill("84112")
    page.get_by_role("button", name="Buscar", exact=True).click()
    page.wait_for_url(re.compile(r"/es/search\?q=84112"))
    wait_for_map(page, 5)
    assert page.locator("html").get_attribute("lang") == "es"
    heading = page.locator("#results-heading").inner_text()
    assert heading.startswith("5 resultados a menos de 100 millas de 84112"), heading

    # The map speaks Spanish: the legend, a cluster's name, a marker's name and its popup.
    legend = page.get_by_role("list", name="Leyenda del mapa").inner_text()
    assert "Médico para TNE" in legend and "Donde buscó" in legend
    cluster = page.locator(".map-cluster").get_attribute("aria-label")
    assert re.fullmatch(r"4 listados: (.+), (.+), (.+) y 1 más", cluster), cluster
    alone = page.get_by_role(
        "button", name=re.compile(r"^Dr\. Lejos \(demo\), Médico para TNE, a ")
    )
    assert re.search(r"a [\d.]+ millas$", alone.get_attribute("aria-label"))
    alone.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Dr. Lejos (demo)" in popup.inner_text() and "Detalles" in popup.inner_text()
    assert re.search(r"a [\d.]+ millas", popup.inner_text())
    assert page.locator(".leaflet-control-zoom-in").get_attribute("aria-label") == "Acercar"
    origin = page.locator(".map-origin").get_attribute("aria-label")
    assert origin.startswith("Donde buscó: 84112"), origin
    shoot(page, "spanish-results")

    # The switch keeps the search, path and query; and back again.
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/en/search\?q=84112"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#results-heading").inner_text().startswith("5 results within 100 miles")
    page.get_by_role("link", name="Español").click()
    page.wait_for_url(re.compile(r"/es/search\?q=84112"))
    assert page.locator("#results-heading").inner_text().startswith("5 resultados")
    tab.assert_clean()


def test_spanish_pages_and_errors_in_the_browser(
    live_url: str, tab: Tab, add: Callable[..., Listing]
) -> None:
    page = tab.page
    item = add(name="Dra. Ficha (demo)")
    page.goto(f"{live_url}/es/listings/{item.id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Dra. Ficha (demo)"
    assert page.get_by_text("Los datos pueden cambiar. Llame antes de ir.").is_visible()
    page.goto(f"{live_url}/es/search?q=99999")
    assert (
        page.get_by_role("alert").inner_text().startswith("No encontramos el código postal 99999.")
    )
    page.goto(f"{live_url}/es/nada")
    assert page.get_by_role("heading", level=1).inner_text() == "No encontramos esa página"
    page.goto(f"{live_url}/es/sites/")
    assert page.get_by_role("heading", name="¿Dónde comenzó su TNE?").is_visible()
    shoot(page, "spanish-sites", full_page=True)
    tab.assert_clean()


def test_use_my_location_speaks_spanish(live_url: str, tab: Tab) -> None:
    page = tab.page
    # The browser refuses the position: the status says so, in Spanish, from the page's words.
    page.goto(f"{live_url}/es/")
    page.evaluate(
        "() => { navigator.geolocation.getCurrentPosition = (ok, fail) => fail({code: 1}); }"
    )
    page.get_by_role("button", name="Usar mi ubicación").click()
    status = page.locator(".locate-status")
    assert status.inner_text() == (
        "No pudimos obtener su ubicación. Escriba su código postal o su ciudad."
    )
