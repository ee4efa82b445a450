"""Every setting the app reads, declared once: its name, default, type and a line of help."""

from __future__ import annotations

import math
import os
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Config

PREFIX = "FINDER"
EXTENSION = "finder.config"  # app.extensions key: where each key's value came from
HIDDEN = "<hidden>"


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, type, a line of help, and whether its value is secret."""

    name: str
    default: Any  # or a function of the instance folder, for a default that lives in it
    type: Any  # str, int, float or bool; `X | None` when None is a value it can take
    help: str
    secret: bool = False
    shown: str = ""  # the default as the README says it, where the value itself can't
    choices: tuple[str, ...] = ()  # the only values it may take, when it is one of a few words


def _sqlite_in(instance: Path) -> str:
    return f"sqlite:///{instance / 'finder.sqlite'}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SECRET_KEY",
        None,
        str | None,
        "signs session cookies: the same long random value on every server that shares a "
        "database; `dev` or under 16 characters stops a non-debug start",
        secret=True,
        shown="made once in `instance/secret_key`",
    ),
    Setting(
        "DATABASE_URL",
        _sqlite_in,
        str,
        'SQLAlchemy database URL; `postgresql+psycopg://…` needs `pip install -e ".[postgres]"` '
        "and PostGIS",
        shown="SQLite file in `instance/`",
    ),
    Setting(
        "GEOCODER",
        "offline",
        str,
        "`offline` looks places up in the shipped ZIP/city table only (private); `census` (the "
        "US Census Geocoder, free, no key) or `nominatim` also sends listings' street addresses "
        "to that online service, to pin them at the address; any other value stops the app",
        choices=("offline", "census", "nominatim"),
    ),
    Setting(
        "GEOCODER_FOR_PATIENTS",
        None,
        bool | None,
        "also send a patient's street-address search to the online geocoder",
        shown="on for `nominatim`, off for `census`",
    ),
    Setting(
        "GEOCODER_CENSUS_URL",
        "https://geocoding.geo.census.gov",
        str,
        "where the US Census Geocoder answers, when `GEOCODER` is `census`",
    ),
    Setting(
        "GEOCODER_BATCH_TIMEOUT",
        600.0,
        float,
        "seconds to wait for one Census batch answer (up to 10,000 addresses) in "
        "`finder import-csv` and `finder geocode-listings`; the admin's pages wait at most 20",
    ),
    Setting(
        "GEOCODER_DOMAIN",
        "nominatim.openstreetmap.org",
        str,
        "host of the Nominatim-compatible service, when `GEOCODER` is `nominatim`",
    ),
    Setting("GEOCODER_SCHEME", "https", str, "`https`, or `http` for a local service"),
    Setting(
        "GEOCODER_TIMEOUT",
        5.0,
        float,
        "seconds to wait for one address from the online geocoder before falling back to the ZIP "
        "code",
    ),
    Setting(
        "GEOCODER_MIN_DELAY",
        1.0,
        float,
        "seconds between online geocoder calls (Nominatim's policy is one a second)",
    ),
    Setting(
        "GEOCODER_USER_AGENT",
        "net-finder/0.1",
        str,
        "identifies the app to the online geocoder, as its usage policy asks",
    ),
    Setting(
        "TILE_URL",
        "",
        str,
        "map tile URL template; empty means no tiles: the app's own state outlines only",
    ),
    Setting("TILE_ATTRIBUTION", "", str, "credit shown on the map for the tiles"),
    Setting(
        "MAX_CONTENT_LENGTH",
        32 * 1024 * 1024,
        int | None,
        "largest upload accepted, in bytes (32 MB; a 100k-row listings CSV is about 20 MB)",
    ),
    # Talisman sets this one again from what security.init_app passes it, which is always on.
    Setting(
        "SESSION_COOKIE_HTTPONLY",
        True,
        bool,
        "admin session cookie unreadable by page scripts (the security wiring keeps it on)",
    ),
    Setting(
        "SESSION_COOKIE_SAMESITE",
        "Lax",
        str | None,
        "admin session cookie not sent on cross-site posts",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        None,
        bool | None,
        "admin session cookie sent over HTTPS only",
        shown="on, except in debug mode",
    ),
    Setting(
        "PROXY_HOPS",
        0,
        int,
        "proxies in front of the app (1 behind nginx), so client addresses and HTTPS are seen "
        "right; with 0, a client's own `X-Forwarded-Proto` is ignored",
    ),
    # Off by default: the app serves HTTP on 127.0.0.1 behind a TLS-terminating proxy, which
    # does the redirect itself.
    Setting(
        "FORCE_HTTPS",
        False,
        bool,
        "redirect plain HTTP to HTTPS and add `upgrade-insecure-requests` to the policy",
    ),
    Setting(
        "ADMIN_SESSION_HOURS",
        12.0,
        float,
        "an admin session ends this many hours after sign-in, whatever happens",
    ),
    Setting(
        "ADMIN_IDLE_MINUTES",
        120.0,
        float,
        "an admin session also ends after this many minutes without a request",
    ),
    Setting(
        "REPORTS_PER_HOUR",
        5,
        int,
        "corrections and suggestions one address may send in an hour; more get a polite refusal",
    ),
    Setting(
        "STALE_AFTER_MONTHS",
        12,
        int,
        "a listing not verified for this many months is due for review, and patients see "
        "“not verified since …”",
    ),
    Setting(
        "WTF_CSRF_TIME_LIMIT",
        12 * 3600,
        int | None,
        "seconds a form's CSRF token lasts: as long as the admin session it belongs to",
    ),
    # Flask-WTF's HTTPS check wants a Referer, which Referrer-Policy: no-referrer (the patient's
    # privacy) never sends.
    Setting(
        "WTF_CSRF_SSL_STRICT",
        False,
        bool,
        "Flask-WTF's Referer check on HTTPS; off, as the token and the SameSite cookie do its job",
    ),
)


class SettingError(ValueError):
    """A setting whose value can't be read as its declared type."""


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    # from_prefixed_env JSON-decodes: FINDER_SECRET_KEY=1234… arrives as a number, its digits
    # unchanged. Any other kind of value is a mistake, not text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise TypeError(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    # FINDER_FORCE_HTTPS=1 arrives as the number 1; "off" must not read as a true string.
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(value)


_CONVERTERS: dict[type, tuple[Callable[[Any], Any], str]] = {
    str: (_text, "text"),
    int: (_whole, "a whole number"),
    float: (_number, "a number"),
    bool: (_flag, "true or false"),
}


def convert(setting: Setting, value: Any, origin: str = "") -> Any:
    """A setting's value as its declared type; SettingError names the setting if it can't be."""
    kinds = typing.get_args(setting.type) or (setting.type,)
    nullable = type(None) in kinds
    if value is None and nullable:
        return None
    [kind] = [k for k in kinds if k is not type(None)]
    converter, words = _CONVERTERS[kind]
    where = f" (from {origin})" if origin else ""
    try:
        converted = converter(value)
    except (TypeError, ValueError):
        raise SettingError(
            f"The setting {setting.name}{where} must be {words}"
            f"{' or None' if nullable else ''}, not {value!r}."
        ) from None
    if setting.choices and converted not in setting.choices:
        # A misspelt choice once meant the default in silence (FINDER_GEOCODER=censsus ran
        # offline): it stops the start instead.
        raise SettingError(
            f"The setting {setting.name}{where} must be one of "
            f"{', '.join(setting.choices)}, not {value!r}."
        )
    return converted


def defaults(instance: Path) -> dict[str, Any]:
    """Every setting's default, for an app whose instance folder is `instance`."""
    return {s.name: s.default(instance) if callable(s.default) else s.default for s in SETTINGS}


def load(
    config: Config, instance: Path, test_config: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Fill `config` in flaskr's order (defaults, instance/config.py, FINDER_* variables, then
    a test's), each setting converted to its type. Returns where each key's value came from."""
    config.from_mapping(defaults(instance))
    origins = dict.fromkeys(config, "default")
    # The file is read into a layer of its own, to know which keys it sets.
    layer = Config(str(instance))
    layer.from_pyfile("config.py", silent=True)
    config.update(layer)
    origins.update(dict.fromkeys(layer, "instance/config.py"))
    config.from_prefixed_env(PREFIX)
    for variable in sorted(os.environ):
        if variable.startswith(f"{PREFIX}_"):
            origins[variable.removeprefix(f"{PREFIX}_").split("__")[0]] = variable
    if test_config:
        config.from_mapping(test_config)
        origins.update(dict.fromkeys(test_config, "test_config"))
    for s in SETTINGS:
        config[s.name] = convert(s, config[s.name], origins[s.name])
    return origins


def _without_password(text: str) -> str:
    """A URL's password replaced by ***; other text unchanged."""
    try:
        parts = urlsplit(text)
        if not parts.password:
            return text
    except ValueError:  # not a URL we can read: hide it whole if it might hold a password
        return HIDDEN if "@" in text else text
    user, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}").geturl()


def shown_value(setting: Setting, value: Any) -> str:
    """A setting's value as `finder config` prints it: secrets hidden, as does a URL password."""
    if setting.secret and value:
        return HIDDEN
    if isinstance(value, str):
        return repr(_without_password(value))
    return repr(value)


def describe(config: Mapping[str, Any], origins: Mapping[str, str]) -> list[str]:
    """The settings in effect, a `NAME = value  # where it came from` line each."""
    lines = []
    for s in SETTINGS:
        origin = origins.get(s.name, "default")
        if origin == "default" and s.shown:  # say what the default turned into
            origin = f"default: {s.shown.replace('`', '')}"
        lines.append(f"{s.name} = {shown_value(s, config.get(s.name))}  # {origin}")
    return lines


def _default_cell(setting: Setting) -> str:
    value = setting.default
    if setting.shown:
        return setting.shown
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"  # as a FINDER_* variable says it
    return f"`{value}`"


def markdown_table() -> str:
    """The README's table of settings, made from the declarations."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{PREFIX}_{s.name}` | {_default_cell(s)} | {s.help} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"
