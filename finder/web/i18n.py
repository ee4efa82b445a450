"""The reader's language: chosen by the URL (/es/…, /en/…), else by Accept-Language.

A prefix is taken off the path before Flask sees it and added to SCRIPT_NAME, so every
url_for and redirect on the page keeps the language without any view knowing of it. The
unprefixed address follows the browser's Accept-Language (and says so with Vary); /en/… and
/es/… are fixed, so a shared link opens in the language it was shared in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, g, request
from flask_babel import Babel, format_date, format_decimal, get_locale, gettext
from werkzeug.wrappers import Response

from finder import vocab
from finder.i18n import DEFAULT, LANGUAGES, Text

ENVIRON = "finder.language"  # the prefix's language, set by PrefixedLanguage
ROOT = "finder.root"  # SCRIPT_NAME before the prefix: where the unprefixed site lives
# Formats follow the United States: es_US writes 1,234.5 and "2 de diciembre de 2026"
# (Babel's es, Spain's, would write 1234,5 and 12.345).
FORMAT_LOCALES = {"en": "en_US", "es": "es_US"}
NAMES = {"en": "English", "es": "Español"}  # each in its own language, for the switch
ENGLISH_ONLY = ("admin",)  # blueprints whose pages stay English


class PrefixedLanguage:
    """WSGI middleware: /es/path is /path in Spanish, /en/path in English."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        root = environ.get("SCRIPT_NAME", "")
        environ[ROOT] = root
        for lang in LANGUAGES:
            prefix = "/" + lang
            if path == prefix or path.startswith(prefix + "/"):
                environ[ENVIRON] = lang
                environ["SCRIPT_NAME"] = root + prefix
                environ["PATH_INFO"] = path[len(prefix) :] or "/"
                break
        return self.app(environ, start_response)


def language() -> str:
    """This request's language: the URL's, else English for admin pages, else the browser's."""
    chosen = request.environ.get(ENVIRON)
    if chosen:
        return str(chosen)
    if _english_only():
        return DEFAULT
    g.negotiated = True  # the answer depends on Accept-Language: say so in Vary
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def _english_only() -> bool:
    # Nested blueprints are named "admin.auth", "admin.listings", ...
    return (request.blueprint or "").split(".")[0] in ENGLISH_ONLY


def _select_locale() -> str:
    return FORMAT_LOCALES[language()]


def translate(text: str) -> str:
    """A domain message (finder.i18n.Text) in the reader's language; other text unchanged."""
    if not isinstance(text, Text):
        return text
    # A value may be a Text too ("Unknown %(what)s": "tumor site"): it is translated first.
    values = {k: translate(v) if isinstance(v, str) else v for k, v in text.values.items()}
    return gettext(text.template, **values)


def labels(terms: Iterable[vocab.Term]) -> dict[str, str]:
    """A vocabulary's labels by slug, translated (the catalogue holds them: extract_vocab)."""
    return {t.slug: gettext(t.label) for t in terms}


def date(day: dt.date, style: str = "long") -> str:
    """A date as the reader writes it: "December 2, 2026", "2 de diciembre de 2026";
    style "month" gives "December 2026", "diciembre de 2026"."""
    if style == "month":
        return format_date(day, "MMMM y") if language() == "en" else format_date(day, "MMMM 'de' y")
    return format_date(day, style)


def map_words(data: dict[str, Any]) -> dict[str, Any]:
    """A page's map data with its words in the reader's language: map.js writes no text of its
    own. Placeholders are gettext's %(name)s, which map.js fills in."""
    words = {
        "away": gettext("%(miles)s miles away"),
        "details": gettext("Details"),
        "cluster": gettext("%(count)s listings: %(names)s"),
        "more": gettext("%(names)s and %(rest)s more"),
        "searched": gettext("Where you searched: %(place)s"),
        "zoom_in": gettext("Zoom in"),
        "zoom_out": gettext("Zoom out"),
    }
    out = {**data, "kinds": labels(vocab.KINDS), "text": words}
    if "origin" in data:
        out["origin"] = {**data["origin"], "label": translate(data["origin"]["label"])}
    return out


def _alternates() -> dict[str, str]:
    """This page in each language (path and query kept), and the unprefixed x-default."""
    root = request.environ.get(ROOT, request.script_root)
    tail = request.path + (
        ("?" + request.query_string.decode("latin-1")) if request.query_string else ""
    )
    urls = {lang: f"{root}/{lang}{tail}" for lang in LANGUAGES}
    urls["x-default"] = root + tail
    return urls


def _context() -> dict[str, Any]:
    lang = language()
    return {
        "lang": lang,
        "language_names": NAMES,
        "alternates": None if _english_only() else _alternates,
        "kind_labels": labels(vocab.KINDS),
        "kind_plurals": {
            "doctor": gettext("NET doctors"),
            "program": gettext("NET treatment programs"),
            "support_group": gettext("NET support groups"),
        },
        # The results' orders, as the page names them (nearby.SORTS).
        "sort_names": {"distance": gettext("distance"), "name": gettext("name")},
        "site_labels": labels(vocab.TUMOR_SITES),
        "specialty_labels": labels(vocab.SPECIALTIES),
        "service_labels": labels(vocab.SERVICES),
    }


def _vary(response: Response) -> Response:
    if g.get("negotiated"):
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Take the language prefix off paths, pick a locale per request, give templates the tools."""
    app.wsgi_app = PrefixedLanguage(app.wsgi_app)  # type: ignore[method-assign]
    Babel(app, locale_selector=_select_locale)
    app.context_processor(_context)
    app.after_request(_vary)
    app.add_template_filter(translate, "tr")
    app.add_template_filter(date, "date")
    app.add_template_filter(format_decimal, "number")
    app.add_template_global(get_locale)


def extract_tables(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A pybabel extractor (babel.cfg) for the labels pages show from the domain's tables: the
    vocabularies, the listings' sources and the pins' precisions."""
    from finder.directory.listings import SOURCE_NAMES
    from finder.models import PRECISIONS

    for terms in (vocab.KINDS, vocab.TUMOR_SITES, vocab.SPECIALTIES, vocab.SERVICES):
        for t in terms:
            yield 0, "gettext", t.label, [f"vocab: {t.slug}"]
    for table, name in ((SOURCE_NAMES, "source"), (PRECISIONS, "precision")):
        for key, text in table.items():
            yield 0, "gettext", text, [f"{name}: {key}"]
