"""Where the app finds its files, and that a wheel carries every one of them."""

from __future__ import annotations

import importlib.util
import shutil
from distutils.core import run_setup
from pathlib import Path

import pytest
from setuptools.command.build_py import build_py

from finder import paths


def test_templates_and_data_resolve() -> None:
    assert (paths.TEMPLATES / "base.html").is_file()
    assert (paths.DATA / "sites" / "index.md").is_file()
    assert (paths.DATA / "us_states.geojson").is_file()
    assert (paths.DATA / "demo_listings.csv").is_file()
    assert (paths.DATA / "listings_template.csv").is_file()


def test_a_checkout_reads_the_top_level_folders() -> None:
    assert Path(__file__).resolve().parent.parent == paths.ROOT
    assert paths.TEMPLATES == paths.ROOT / "templates"
    assert paths.DATA == paths.ROOT / "data"


def wheel_contents(root: Path) -> dict[str, str]:
    """What a wheel built from `root` holds: its path in the wheel -> the source file."""
    dist = run_setup(str(root / "setup.py"), stop_after="config")  # setup.cfg is read from cwd
    command = dist.get_command_obj("build_py")
    assert isinstance(command, build_py)  # setup.py's own
    command.ensure_finalized()
    return {
        Path(built).relative_to(command.build_lib).as_posix(): Path(source).as_posix()
        for built, source in command.get_output_mapping().items()
    }


def test_the_wheel_carries_every_file_the_app_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every module, template, static file, data file and migration, where finder.paths and
    the code look for it: templates/ and data/ inside the package, the rest as in the repo."""
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    shipped = wheel_contents(root)
    expected = {}
    for folder in ("finder", "templates", "data"):
        for path in (root / folder).rglob("*"):
            name = path.relative_to(root).as_posix()
            if path.is_file() and "__pycache__" not in path.parts:
                expected[name if folder == "finder" else f"finder/{name}"] = name
    missing = sorted(set(expected) - set(shipped))
    assert not missing, "not in the wheel: add to setup.cfg's package_data (or an __init__.py)"
    assert {built: shipped[built] for built in expected} == expected


def test_an_installed_package_reads_its_own_folders(tmp_path: Path) -> None:
    """paths.py in a wheel's layout (finder/templates beside it) looks inside the package."""
    package = tmp_path / "site-packages" / "finder"
    (package / "templates").mkdir(parents=True)
    (tmp_path / "site-packages" / "templates").mkdir()  # some other project's, ignored
    shutil.copy(paths.__file__, package / "paths.py")
    spec = importlib.util.spec_from_file_location("installed_paths", package / "paths.py")
    assert spec and spec.loader
    installed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(installed)
    assert package / "templates" == installed.TEMPLATES
    assert package / "data" == installed.DATA
