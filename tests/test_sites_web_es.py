"""The education pages in Spanish on the web: the translation when there is one, English with
a note when there is none, and a note when the English original changed since."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from finder.content import sites


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the education content the app reads instead of the shipped one."""
    folder = tmp_path / "sites"
    shutil.copytree(sites.CONTENT_DIR, folder)
    monkeypatch.setattr(sites, "CONTENT_DIR", folder)
    return folder


def test_a_spanish_reader_gets_the_translation(client: FlaskClient) -> None:
    html = client.get("/es/sites/pancreas").get_data(as_text=True)
    assert '<html lang="es">' in html and "<h1>TNE de páncreas</h1>" in html
    assert "translation-note" not in html
    index = client.get("/es/sites/").get_data(as_text=True)
    assert '<html lang="es">' in index
    assert '<li><a href="/es/sites/lung">Pulmón</a></li>' in index
    assert "Hay células neuroendocrinas por todo el cuerpo." in index  # the Spanish body
    assert "Hay células" not in client.get("/sites/").get_data(as_text=True)


def test_an_untranslated_page_is_english_and_says_so_in_spanish(
    client: FlaskClient, content: Path
) -> None:
    (content / "es" / "lung.md").unlink()
    html = client.get("/es/sites/lung").get_data(as_text=True)
    assert '<h1 lang="en">Lung NETs</h1>' in html
    assert "Esta página todavía no está traducida, así que se muestra en inglés." in html


def test_a_translation_older_than_its_original_says_so(client: FlaskClient, content: Path) -> None:
    english = content / "lung.md"
    text = english.read_text(encoding="utf-8")
    english.write_text(
        text.replace("last_reviewed: 2026-11-25", "last_reviewed: 2026-12-01"), encoding="utf-8"
    )
    html = client.get("/es/sites/lung").get_data(as_text=True)
    assert "<h1>TNE de pulmón</h1>" in html
    assert "La versión en inglés de esta página se actualizó el 1 de diciembre de 2026" in html
    assert 'href="/en/sites/lung" hreflang="en" lang="en">Lea la página en inglés</a>' in html
    # The English page itself has nothing to say about it.
    assert "translation-note" not in client.get("/sites/lung").get_data(as_text=True)
