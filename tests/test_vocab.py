"""The vocabularies an import understands: every slug, label and documented synonym of each
column names its term, in any case and punctuation, and nothing names two terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from finder import vocab
from finder.directory import cells

DATA_README = Path(__file__).resolve().parent.parent / "data" / "README.md"
COLUMNS = {"kind": vocab.KINDS, **cells.VOCABULARIES}


def documented() -> list[tuple[str, str, str]]:
    """(column, value, name) for every name data/README.md's vocabulary table accepts."""
    text = DATA_README.read_text(encoding="utf-8")
    table = text.split("<!-- vocabularies: generated from finder/vocab.py -->")[1]
    table = table.split("<!-- end vocabularies -->")[0]
    rows = []
    for line in table.strip().splitlines()[2:]:
        column, value, label, also = (c.strip() for c in line.strip("|").split("|"))
        column, value = column.strip("`"), value.strip("`")
        for name in [value, label, *also.split(", ")]:
            if name:
                rows.append((column, value, name))
    return rows


def read(column: str, cell: str) -> tuple[tuple[str, ...], str | None]:
    if column == "kind":
        slug, message = cells.kind(cell)
        return ((slug,) if slug else ()), message
    return cells.terms(cell, column)


def test_the_documented_table_is_the_code() -> None:
    text = DATA_README.read_text(encoding="utf-8")
    assert vocab.markdown_table(COLUMNS) in text, (
        "data/README.md's vocabulary table differs from finder/vocab.py; paste "
        "vocab.markdown_table({'kind': vocab.KINDS, **cells.VOCABULARIES}) there."
    )


@pytest.mark.parametrize(("column", "value", "name"), documented())
def test_every_documented_name_is_read_as_its_value(column: str, value: str, name: str) -> None:
    assert read(column, name) == ((value,), None)
    # Case, spacing and punctuation don't matter: "NETSPOT", "netspot", "Net-Spot".
    shouted = re.sub(r"[\s\-/]", "", name).upper()
    assert read(column, f"  {shouted} ") == ((value,), None)


def test_no_name_means_two_terms() -> None:
    for column, terms in COLUMNS.items():
        owner: dict[str, str] = {}
        for t in terms:
            for name in (t.slug, t.label, *t.synonyms):
                key = vocab.spelling(name)
                assert owner.setdefault(key, t.slug) == t.slug, (column, name)


@pytest.mark.parametrize(
    ("column", "cell", "expected"),
    [
        ("services", "Ga-68 DOTATATE PET; Lutathera", ("dotatate-pet", "prrt")),
        ("services", "NETSPOT;Detectnet;Cu-64 DOTATATE", ("dotatate-pet",)),
        ("services", "Lu-177 DOTATATE; PRRT (Lu-177 DOTATATE)", ("prrt",)),
        ("tumor_sites", "small bowel; Pancreatic", ("small-intestine", "pancreas")),
        ("specialties", "Medical Oncology", ("medical-oncology",)),
        (
            "languages",
            "english; Español; FARSI; asl",
            ("English", "Spanish", "Persian", "American Sign Language"),
        ),
        ("kind", "NET Support Group", ("support_group",)),
        ("kind", "Physician", ("doctor",)),
    ],
)
def test_what_spreadsheets_say(column: str, cell: str, expected: tuple[str, ...]) -> None:
    assert read(column, cell) == (expected, None)


@pytest.mark.parametrize(
    ("column", "cell", "suggestion"),
    [
        ("services", "Lutathra", "PRRT (Lu-177 DOTATATE)"),
        ("tumor_sites", "pancreass", "Pancreas"),
        ("languages", "Spansih", "Spanish"),
        ("kind", "docter", "NET doctor"),
    ],
)
def test_an_unknown_value_names_the_closest_and_the_choices(
    column: str, cell: str, suggestion: str
) -> None:
    values, message = read(column, cell)
    assert values == ()
    assert message is not None
    assert f"“{cell}”" in message and f"Did you mean “{suggestion}”?" in message
    assert "Use: " in message


def test_nothing_close_suggests_nothing() -> None:
    _, message = cells.terms("Acupuncture", "services")
    assert message is not None and "Did you mean" not in message
    assert "prrt, dotatate-pet" in message
