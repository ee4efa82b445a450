"""Spanish throughout the public site: the language from the URL first, then Accept-Language;
the switch keeps the search; the API's messages translated, its codes not; a complete catalogue."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

import finder
from finder import vocab
from finder.directory import listings as listing_names
from finder.i18n import Text
from finder.models import PRECISIONS, Listing

CATALOGUES = Path(finder.__file__).parent / "translations"
SPANISH_PO = CATALOGUES / "es" / "LC_MESSAGES" / "messages.po"
ES = {"Accept-Language": "es-US,es;q=0.9"}


def _html(client: FlaskClient, url: str, **kw: object) -> tuple[int, str]:
    response = client.get(url, **kw)  # type: ignore[arg-type]
    return response.status_code, response.get_data(as_text=True)


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, "no <html lang>"
    return found.group(1)


def _switch(html: str) -> str:
    found = re.search(r'<a class="language-switch" href="([^"]+)"', html)
    assert found, "no language switch"
    return found.group(1).replace("&amp;", "&")


# --- Choosing the language -------------------------------------------------------------------


def test_english_stays_the_default(client: FlaskClient) -> None:
    status, html = _html(client, "/")
    assert status == 200 and _lang(html) == "en"
    assert "Find NET doctors, treatment programs and support groups near you" in html
    assert _switch(html) == "/es/"


def test_the_es_prefix_gives_the_spanish_home(client: FlaskClient) -> None:
    status, html = _html(client, "/es/")
    assert status == 200 and _lang(html) == "es"
    assert "Encuentre médicos, programas de tratamiento y grupos de apoyo para TNE" in html
    assert "Código postal o ciudad" in html and ">Buscar</button>" in html
    # Every link on the page keeps the language; the assets are the site's own either way.
    assert 'href="/es/sites/"' in html and 'href="/es/about"' in html
    assert 'action="/es/search"' in html
    assert "Find care" not in html


def test_accept_language_chooses_spanish_on_the_plain_address(client: FlaskClient) -> None:
    response = client.get("/", headers=ES)
    html = response.get_data(as_text=True)
    assert _lang(html) == "es" and "Buscar atención" in html
    # A cache must not give this page to an English reader.
    assert "Accept-Language" in response.headers.get("Vary", "")
    # The plain address of an English reader says so too; a prefixed one doesn't depend on it.
    assert "Accept-Language" in client.get("/").headers.get("Vary", "")
    assert "Accept-Language" not in client.get("/es/").headers.get("Vary", "")


def test_a_shared_spanish_link_stays_spanish(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Dr. Compartido")
    for headers in ({}, {"Accept-Language": "en-US,en;q=0.9"}):
        status, html = _html(client, "/es/search?q=02115", headers=headers)
        assert status == 200 and _lang(html) == "es"
        assert "1 resultado a menos de 100 millas de 02115 (Boston, MA)" in html
        assert "Dr. Compartido" in html


def test_an_english_link_stays_english_for_a_spanish_browser(client: FlaskClient) -> None:
    status, html = _html(client, "/en/search?q=02115", headers=ES)
    assert status == 200 and _lang(html) == "en"
    assert "within 100 miles of 02115 (Boston, MA)" in html


def test_the_switch_keeps_the_search(client: FlaskClient, add: Callable[..., Listing]) -> None:
    add(name="Dr. Switch")
    url = "/search?q=02115&radius=25&kind=doctor"
    _, english = _html(client, url)
    to_spanish = _switch(english)
    assert to_spanish == "/es" + url
    status, spanish = _html(client, to_spanish)
    assert status == 200 and _lang(spanish) == "es"
    assert "A menos de 25 millas de 02115 (Boston, MA)" in spanish and "Dr. Switch" in spanish
    # And back: English even for a browser that prefers Spanish.
    assert _switch(spanish) == "/en" + url
    _, back = _html(client, _switch(spanish), headers=ES)
    assert _lang(back) == "en" and "Dr. Switch" in back


def test_every_public_page_names_its_alternates(client: FlaskClient) -> None:
    _, html = _html(client, "/es/about")
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', html))
    assert alternates == {"en": "/en/about", "es": "/es/about", "x-default": "/about"}


def test_admin_pages_stay_english(client: FlaskClient) -> None:
    response = client.get("/admin/login", headers=ES)
    html = response.get_data(as_text=True)
    assert _lang(html) == "en" and "language-switch" not in html


def test_redirects_keep_the_language(client: FlaskClient) -> None:
    # The form sends empty fields; the shorter link it is sent to is still Spanish.
    response = client.get("/es/search?q=02115&site=&specialty=")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/es/search?q=02115")


# --- The pages in Spanish --------------------------------------------------------------------


def test_spanish_results_page(client: FlaskClient, add: Callable[..., Listing]) -> None:
    add(
        name="Dr. Resultado",
        phone="(617) 555-0142",
        languages=["English", "Spanish"],
        specialties=["medical-oncology"],
        tumor_sites=["pancreas"],
        last_verified=dt.date(2026, 3, 15),
    )
    status, html = _html(client, "/es/search?q=02115")
    assert status == 200 and _lang(html) == "es"
    for words in (
        "Atención para TNE cerca de 02115 (Boston, MA)",  # the title
        "Médico para TNE",  # the kind's label
        "Especialidades: Oncología médica",
        "Sitios del tumor: Páncreas",
        "Habla inglés, español",
        "Leyenda del mapa",
        "Donde buscó",
        "Ver en el mapa",
    ):
        assert words in html, words
    assert re.search(r"(Verificado en|Sin verificar desde) marzo de 2026", html)
    # The map's words come with its data, in Spanish: map.js writes none of its own.
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html)
    assert found
    data = json.loads(found.group(1))
    assert data["text"]["away"] == "a %(miles)s millas"
    assert data["text"]["searched"] == "Donde buscó: %(place)s"
    assert data["kinds"]["doctor"] == "Médico para TNE"


def test_spanish_listing_page(client: FlaskClient, add: Callable[..., Listing]) -> None:
    item = add(name="Dra. Ficha", last_verified=dt.date(2026, 12, 2), precision="zip")
    status, html = _html(client, f"/es/listings/{item.id}")
    assert status == 200 and _lang(html) == "es"
    assert "Última verificación" in html and "2 de diciembre de 2026" in html
    assert "El marcador indica el centro del código postal 02115" in html
    assert "Reportar una corrección" in html
    assert f'href="/es/listings/{item.id}/report"' in html
    _, english = _html(client, f"/listings/{item.id}")
    assert "December 2, 2026" in english


def test_spanish_education_index(client: FlaskClient) -> None:
    status, html = _html(client, "/es/sites/")
    assert status == 200 and _lang(html) == "es"
    assert "¿Dónde comenzó su TNE?" in html
    assert "Diagrama del cuerpo: elija dónde comenzó el TNE" in html
    assert "Páncreas" in html and "Intestino delgado" in html
    assert "Esta página es para aprender, no es un consejo médico." in html
    assert re.search(
        r"Última revisión: <time datetime=\"[0-9-]+\">\d+ de \w+ de \d{4}</time>", html
    )


def test_spanish_not_found_page(client: FlaskClient) -> None:
    status, html = _html(client, "/es/no-such-page")
    assert status == 404 and _lang(html) == "es"
    assert "No encontramos esa página" in html


def test_spanish_bad_search(client: FlaskClient) -> None:
    status, html = _html(client, "/es/search?q=99999")
    assert status == 400 and _lang(html) == "es"
    assert "No pudimos hacer esa búsqueda" in html
    assert "No encontramos el código postal 99999." in html
    status, html = _html(client, "/es/search?q=Springfield")
    assert status == 400
    assert "Agregue el estado a la ciudad" in html
    assert 'href="/es/search?q=Springfield' in html  # each state's search stays Spanish
    status, html = _html(client, "/es/search?q=02115&site=nowhere")
    assert "No conocemos “nowhere” como sitio del tumor." in html


def test_spanish_report_form_errors(client: FlaskClient, add: Callable[..., Listing]) -> None:
    item = add(name="Dr. Reporte")
    form = client.get(f"/es/listings/{item.id}/report").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    # Without its token the form has expired: said in Spanish too.
    expired = client.post(f"/es/listings/{item.id}/report", data={"message": "x"})
    assert expired.status_code == 400 and "El formulario venció" in expired.get_data(as_text=True)
    response = client.post(
        f"/es/listings/{item.id}/report",
        data={"csrf_token": token.group(1), "message": "", "email": "nope"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and _lang(html) == "es"
    assert "El reporte no se envió" in html
    assert "Díganos qué está mal en este listado." in html
    assert "Revise el correo electrónico, o déjelo en blanco." in html


def test_spanish_suggestion_and_thanks(client: FlaskClient) -> None:
    status, html = _html(client, "/es/suggest")
    assert status == 200 and "Sugiera un especialista en TNE" in html and "(obligatorio)" in html
    status, html = _html(client, "/es/thanks?kind=suggestion")
    assert status == 200 and "Recibimos su sugerencia." in html


def test_english_is_unchanged(client: FlaskClient, add: Callable[..., Listing]) -> None:
    add(name="Dr. Same")
    _, html = _html(client, "/search?q=02115")
    assert "1 result within 100 miles of 02115 (Boston, MA)" in html
    assert "<strong>Demo data:</strong>" not in html or "Demo data" in html
    _, html = _html(client, "/search?q=99999")
    assert (
        "We couldn&#39;t find the ZIP code 99999." in html
        or "We couldn't find the ZIP code 99999." in html
    )


# --- The API ---------------------------------------------------------------------------------


def test_api_error_message_in_spanish_code_in_english(client: FlaskClient) -> None:
    response = client.get("/api/v1/search?q=99999", headers=ES)
    body = response.get_json()
    assert response.status_code == 400
    assert body["error"]["code"] == "unknown_location"
    assert body["error"]["message"].startswith("No encontramos el código postal 99999.")
    assert "Accept-Language" in response.headers.get("Vary", "")
    english = client.get("/api/v1/search?q=99999").get_json()
    assert english["error"]["message"].startswith("We couldn't find the ZIP code 99999.")
    missing = client.get("/api/v1/listings/999999", headers=ES).get_json()
    assert missing["error"] == {
        "code": "not_found",
        "message": "Ningún listado tiene el id 999999.",
    }


# --- The domain stays English and Flask-free; the catalogue is complete ----------------------


def test_domain_messages_are_english_strings_with_their_template() -> None:
    text = Text("We couldn't find %(place)s.", place="Nowhere, MA")
    assert text == "We couldn't find Nowhere, MA." and isinstance(text, str)
    assert text.template == "We couldn't find %(place)s." and text.values == {
        "place": "Nowhere, MA"
    }


def _catalogue() -> object:
    with SPANISH_PO.open("rb") as f:
        return read_po(f, locale="es")


def test_the_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    catalogue = _catalogue()
    problems = []
    for message in catalogue:  # type: ignore[attr-defined]
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert not problems
    assert len(list(catalogue)) > 250  # type: ignore[arg-type]


def test_the_catalogue_has_every_label_the_pages_show() -> None:
    ids = {m.id for m in _catalogue()}  # type: ignore[attr-defined]
    labels = {
        t.label
        for terms in (vocab.KINDS, vocab.TUMOR_SITES, vocab.SPECIALTIES, vocab.SERVICES)
        for t in terms
    }
    labels |= set(listing_names.SOURCE_NAMES.values()) | set(PRECISIONS.values())
    assert labels - ids == set()


def test_the_compiled_catalogue_is_current() -> None:
    # The app reads the .mo: it must be what scripts/translations compiles from this .po.
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue())  # type: ignore[arg-type]
    assert (SPANISH_PO.with_suffix(".mo")).read_bytes() == compiled.getvalue()


@pytest.mark.parametrize(("number", "text"), [(1234, "1,234"), (1234567, "1,234,567")])
def test_numbers_follow_us_spanish(app: object, number: int, text: str) -> None:
    from flask_babel import force_locale, format_decimal

    with app.test_request_context("/es/"), force_locale("es_US"):  # type: ignore[attr-defined]
        assert format_decimal(number) == text


def test_english_content_in_a_spanish_page_is_marked_english(app: Flask) -> None:
    # An education page not yet translated is shown in English inside the Spanish interface:
    # a screen reader reads it as English (WCAG 3.1.2), and Spanish content as the page.
    template = app.jinja_env.from_string(
        '{% from "_macros.html" import lang_of with context %}<p{{ lang_of(item) }}>'
    )
    assert template.render(lang="es", item=SimpleNamespace()) == '<p lang="en">'
    assert template.render(lang="es", item=SimpleNamespace(lang="es")) == "<p>"
    assert template.render(lang="en", item=SimpleNamespace()) == "<p>"


def test_the_languages_a_listing_speaks_are_named_in_the_readers_language(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add(name="Dr. Bilingual", languages=["English", "Spanish", "Haitian Creole"])
    spanish = client.get("/es/search?q=02115").get_data(as_text=True)
    assert "inglés, español, criollo haitiano" in spanish
    assert '<option value="Spanish" >español</option>' in spanish or (
        '<option value="Spanish">español</option>' in spanish
    )
    listing = client.get(f"/es/listings/{item.id}").get_data(as_text=True)
    assert "<dd>inglés, español, criollo haitiano</dd>" in listing
    english = client.get("/search?q=02115").get_data(as_text=True)
    assert "English, Spanish, Haitian Creole" in english
