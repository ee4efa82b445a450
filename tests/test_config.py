"""Settings: declared once, layered in flaskr's order, converted to their types, documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Config, Flask

from finder import config, create_app
from finder.config import SETTINGS, SettingError

README = Path(__file__).resolve().parent.parent / "README.md"


def load(
    tmp_path: Path, instance_file: str = "", test_config: dict[str, object] | None = None
) -> tuple[Config, dict[str, str]]:
    """Fill a fresh config as create_app does, with tmp_path as the instance folder."""
    if instance_file:
        (tmp_path / "config.py").write_text(instance_file, encoding="utf-8")
    cfg = Config(str(tmp_path))
    return cfg, config.load(cfg, tmp_path, test_config)


def test_readme_table_is_the_declarations() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    assert table == config.markdown_table().splitlines()


def test_each_setting_is_declared_once_with_a_default_of_its_type(tmp_path: Path) -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    values = config.defaults(tmp_path)
    for s in SETTINGS:
        assert config.convert(s, values[s.name]) == values[s.name], s.name
        assert s.help and "|" not in s.help, s.name
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'finder.sqlite'}"


def test_the_app_starts_with_the_declared_defaults(app: Flask) -> None:
    assert app.config["GEOCODER"] == "offline"
    assert app.config["GEOCODER_TIMEOUT"] == 5.0
    assert app.config["MAX_CONTENT_LENGTH"] == 32 * 1024 * 1024
    assert app.config["WTF_CSRF_SSL_STRICT"] is False
    # Converted to its type: the fixture gives the number 0.
    assert app.config["GEOCODER_MIN_DELAY"] == 0.0
    assert isinstance(app.config["GEOCODER_MIN_DELAY"], float)


def test_later_layers_win_in_flaskr_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDER_TILE_URL", "https://env.example/{z}/{x}/{y}.png")
    monkeypatch.setenv("FINDER_GEOCODER_TIMEOUT", "9")
    cfg, origins = load(
        tmp_path,
        'TILE_URL = "https://file.example/{z}/{x}/{y}.png"\nTILE_ATTRIBUTION = "File"\n'
        'GEOCODER = "nominatim"\n',
        {"GEOCODER": "offline"},
    )
    assert cfg["TILE_ATTRIBUTION"] == "File"  # the file over the default
    assert cfg["TILE_URL"] == "https://env.example/{z}/{x}/{y}.png"  # the environment over it
    assert cfg["GEOCODER"] == "offline"  # and a test's over everything
    assert cfg["GEOCODER_TIMEOUT"] == 9.0 and isinstance(cfg["GEOCODER_TIMEOUT"], float)
    assert origins["GEOCODER_SCHEME"] == "default"
    assert origins["TILE_ATTRIBUTION"] == "instance/config.py"
    assert origins["TILE_URL"] == "FINDER_TILE_URL"
    assert origins["GEOCODER"] == "test_config"


@pytest.mark.parametrize(
    ("variable", "text", "value"),
    [
        ("FINDER_FORCE_HTTPS", "true", True),
        ("FINDER_FORCE_HTTPS", "1", True),
        ("FINDER_FORCE_HTTPS", "off", False),  # text, yet not a true value
        ("FINDER_PROXY_HOPS", "1", 1),
        ("FINDER_ADMIN_IDLE_MINUTES", "30", 30.0),
        ("FINDER_SECRET_KEY", "12345678901234567890", "12345678901234567890"),
        ("FINDER_GEOCODER_USER_AGENT", "net-finder/0.2", "net-finder/0.2"),
        ("FINDER_MAX_CONTENT_LENGTH", "null", None),
    ],
)
def test_variables_become_their_settings_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, text: str, value: object
) -> None:
    monkeypatch.setenv(variable, text)
    cfg, _ = load(tmp_path)
    name = variable.removeprefix("FINDER_")
    assert cfg[name] == value and type(cfg[name]) is type(value)


@pytest.mark.parametrize(
    ("variable", "text", "words"),
    [
        ("FINDER_GEOCODER_TIMEOUT", "soon", "a number"),
        ("FINDER_PROXY_HOPS", "1.5", "a whole number"),
        ("FINDER_FORCE_HTTPS", "maybe", "true or false"),
        ("FINDER_GEOCODER", "true", "text"),
        ("FINDER_ADMIN_SESSION_HOURS", "NaN", "a number"),
        ("FINDER_DATABASE_URL", "null", "text"),
    ],
)
def test_a_value_of_the_wrong_type_names_the_setting_and_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, text: str, words: str
) -> None:
    monkeypatch.setenv(variable, text)
    with pytest.raises(SettingError) as info:
        load(tmp_path)
    message = str(info.value)
    assert variable.removeprefix("FINDER_") in message and f"from {variable}" in message
    assert f"must be {words}" in message


def test_a_bad_value_in_the_instance_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match=r"PROXY_HOPS \(from instance/config.py\) must be"):
        load(tmp_path, 'PROXY_HOPS = "two"\n')


def test_create_app_refuses_a_bad_setting(database_url: str) -> None:
    with pytest.raises(SettingError, match="MAX_CONTENT_LENGTH"):
        create_app({"TESTING": True, "DATABASE_URL": database_url, "MAX_CONTENT_LENGTH": "lots"})


@pytest.mark.parametrize("value", ["censsus", "google", "Census", ""])
def test_an_unknown_geocoder_stops_the_start(
    database_url: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # It used to mean "offline" in silence: an admin who misspelt census got no geocoding.
    monkeypatch.setenv("FINDER_GEOCODER", value)
    with pytest.raises(SettingError) as info:
        create_app({"TESTING": True, "DATABASE_URL": database_url})
    assert str(info.value) == (
        "The setting GEOCODER (from FINDER_GEOCODER) must be one of offline, census, "
        f"nominatim, not {value!r}."
    )


@pytest.mark.parametrize("value", ["offline", "census", "nominatim"])
def test_each_geocoder_starts(database_url: str, value: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "GEOCODER": value})
    assert app.config["GEOCODER"] == value


def test_a_census_url_without_a_scheme_stops_the_start(database_url: str) -> None:
    settings = {"GEOCODER": "census", "GEOCODER_CENSUS_URL": "geocoding.geo.census.gov"}
    with pytest.raises(ValueError, match="must be http"):
        create_app({"TESTING": True, "DATABASE_URL": database_url, **settings})


def test_the_description_hides_secrets() -> None:
    cfg = {
        "SECRET_KEY": "a-long-and-random-secret-key",
        "DATABASE_URL": "postgresql+psycopg://finder:s3cret@db.internal:5432/finder",
        "GEOCODER": "offline",
    }
    text = "\n".join(config.describe(cfg, {"DATABASE_URL": "FINDER_DATABASE_URL"}))
    assert "a-long-and-random" not in text and "s3cret" not in text
    assert "SECRET_KEY = <hidden>  # default: made once in instance/secret_key" in text
    assert (
        "DATABASE_URL = 'postgresql+psycopg://finder:***@db.internal:5432/finder'"
        "  # FINDER_DATABASE_URL"
    ) in text
    assert "GEOCODER = 'offline'  # default" in text
    assert re.search(r"^SESSION_COOKIE_SECURE = None  # default: on, except in debug", text, re.M)
