"""Messages the domain writes in English that the web layer can show in the reader's language.

Domain code knows nothing of Flask or of who reads it: it builds a `Text`, which is the English
message as a plain str (so logs, tests and the CLI see English) and also keeps its gettext
template and values, so finder/web/i18n.py can look the template up in the catalogue and fill
it in again. pybabel finds the templates by the `Text` keyword (babel.cfg, scripts/translations).
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "es")  # English first: the default, and the language of every msgid
DEFAULT = "en"


class Text(str):
    """An English message built from a gettext template (``%(name)s`` placeholders) and values."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Text:
        text = super().__new__(cls, template % values if values else template)
        text.template = template
        text.values = values
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions carrying a Text are pickled by some servers' error reporting.
        return (_rebuild, (self.template, self.values))


def _rebuild(template: str, values: dict[str, Any]) -> Text:
    return Text(template, **values)


def N_(template: str) -> str:  # noqa: N802  (gettext's conventional name)
    """Mark a constant message for the catalogue; the web layer translates it when shown."""
    return template
