"""The reader's language: chosen by the URL (/es/…, /en/…), else by Accept-Language.

A prefix is taken off the path before Flask sees it and added to SCRIPT_NAME, so every
url_for and redirect on the page keeps the language without any view knowing of it. The
unprefixed address follows the browser's Accept-Language (and says so with Vary); /en/… and
/es/… are fixed, so a shared link opens in the language it was shared in.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from babel import dates as babel_dates
from babel.support import NullTranslations
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, format_decimal, get_locale, get_translations
from markupsafe import Markup
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
TRANSLATIONS = "finder.translations"  # this request's catalogue, found once


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


def _translations() -> NullTranslations:
    # Flask-Babel finds the catalogue anew on each call (~5 µs, a results page makes ~80):
    # once per request is enough, kept in the request's environ (not g, which a test's app
    # context can share between requests).
    if not has_request_context():
        return get_translations()
    found = request.environ.get(TRANSLATIONS)
    if found is None:
        found = request.environ[TRANSLATIONS] = get_translations()
    return found


def gettext(string: str, **values: Any) -> str:
    """A message in the reader's language, its %(name)s placeholders filled from `values`."""
    text = _translations().ugettext(string)
    return text % values if values else text


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _translations().ungettext(singular, plural, n)


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


_SPOKEN = frozenset(t.slug for t in vocab.LANGUAGES)


def language_name(name: str) -> str:
    """A language a listing speaks, named in the reader's language ("Spanish": "español").
    Listings store the English name; one the vocabulary doesn't know is shown as it is."""
    return gettext(name) if name in _SPOKEN else name


# Each language's way to write a month: "December 2026", "diciembre de 2026".
MONTH_PATTERNS = {"en": "MMMM y", "es": "MMMM 'de' y"}


def date(day: dt.date, style: str = "long", lang: str | None = None) -> str:
    """A date as the reader writes it: "December 2, 2026", "2 de diciembre de 2026";
    style "month" gives "December 2026", "diciembre de 2026". `lang` saves finding the
    request's language again (a template has it as `lang`)."""
    return _formatted(day, style, FORMAT_LOCALES[lang] if lang else str(get_locale()))


@functools.lru_cache(maxsize=4096)
def _formatted(day: dt.date, style: str, locale: str) -> str:
    # A results page shows a date on each of up to 70 cards, and Babel takes ~15 µs a date;
    # the dates a directory holds are few (one per verification day), so they are kept.
    if style == "month":
        style = MONTH_PATTERNS.get(locale.split("_")[0], MONTH_PATTERNS["en"])
    return babel_dates.format_date(day, style, locale=locale)


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


def _template_gettext(
    translations: NullTranslations,
) -> tuple[Callable[..., Markup], Callable[..., Markup]]:
    """The templates' _() and ngettext(), bound to this request's catalogue: what Jinja's
    newstyle gettext does (the message is HTML, the values are escaped into it), without its
    look-ups on every call (a results page of 60 cards makes ~560: 34 -> 21 ms a page)."""
    ugettext, ungettext = translations.ugettext, translations.ungettext

    # A message is HTML written by us (a template's literal, or a label from our own tables)
    # and its translation from our catalogue, as trusted as the template; the values are data
    # and Markup's % escapes them. Never pass _() a value from a request or the database.
    # Positional-only: a message may have a value named "string" or "count".
    def _(string: str, /, **values: Any) -> Markup:
        return Markup(ugettext(string)) % values  # noqa: S704

    def ngettext(singular: str, plural: str, count: int, /, **values: Any) -> Markup:
        values.setdefault("num", count)
        return Markup(ungettext(singular, plural, count)) % values  # noqa: S704

    return _, ngettext


def _context() -> dict[str, Any]:
    lang = language()
    _, ngettext = _template_gettext(_translations())
    return {
        "_": _,
        "gettext": _,
        "ngettext": ngettext,
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
    # The templates' _() and ngettext() (Jinja's newstyle: it fills in the values itself).
    app.jinja_env.install_gettext_callables(gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.context_processor(_context)
    app.after_request(_vary)
    app.add_template_filter(translate, "tr")
    app.add_template_filter(date, "date")
    app.add_template_filter(language_name, "language_name")
    app.add_template_filter(format_decimal, "number")
    app.add_template_global(get_locale)


def extract_tables(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A pybabel extractor (babel.cfg) for the labels pages show from the domain's tables: the
    vocabularies, the listings' sources and the pins' precisions."""
    from finder.directory.listings import SOURCE_NAMES
    from finder.models import PRECISIONS

    for terms in (
        vocab.KINDS,
        vocab.TUMOR_SITES,
        vocab.SPECIALTIES,
        vocab.SERVICES,
        vocab.LANGUAGES,
    ):
        for t in terms:
            yield 0, "gettext", t.label, [f"vocab: {t.slug}"]
    for table, name in ((SOURCE_NAMES, "source"), (PRECISIONS, "precision")):
        for key, text in table.items():
            yield 0, "gettext", text, [f"{name}: {key}"]
