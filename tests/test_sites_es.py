"""Spanish education pages: one per English page, checked and cited like it, plain, kept current."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

import pytest

from finder.content import sites

SLUGS = sorted(sites.load())
# The figures a reader sees: "1,100", "0.84", "53.8", "5-HIAA", "Lu-177", "MEN1"'s 1, "10%".
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def main_text(page: sites.Page) -> str:
    """What a patient reads in the body: no reference numbers, no headings, no tags."""
    html = re.sub(r"<sup>.*?</sup>", "", page.html)
    html = re.sub(r"<(h2|h3)>.*?</\1>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def figures(page: sites.Page) -> Counter[str]:
    """Every number on the page (body, stat cards and summary), as often as it appears."""
    cards = " ".join(f"{s.figure} {s.text}" for s in page.stats)
    return Counter(NUMBER.findall(f"{page.summary} {cards} {main_text(page)}"))


def test_every_english_page_has_a_current_spanish_page() -> None:
    shown = sites.localized("es")
    assert sorted(sites.load(sites.CONTENT_DIR, "es")) == SLUGS
    assert sorted(shown) == SLUGS
    for slug, item in shown.items():
        assert item.page.lang == "es" and not item.fallback, slug
        assert not item.outdated, f"es/{slug}.md translates an older {slug}.md: review it"


@pytest.mark.parametrize("slug", SLUGS)
def test_a_spanish_page_cites_and_counts_what_its_original_does(slug: str) -> None:
    english, spanish = sites.load()[slug], sites.load(sites.CONTENT_DIR, "es")[slug]
    assert spanish.title != english.title and spanish.summary != english.summary
    # The same sources, listed and numbered the same, so [3] means the same source in both.
    assert spanish.references == english.references
    assert [s.ref for s in spanish.stats] == [s.ref for s in english.stats]
    assert set(re.findall(r'href="#ref-([a-z0-9-]+)"', spanish.html)) == set(
        re.findall(r'href="#ref-([a-z0-9-]+)"', english.html)
    )
    assert figures(spanish) == figures(english)
    # A Spanish reader's search box offers the same specialists as an English reader's.
    assert (spanish.specialties, spanish.services) == (english.specialties, english.services)
    original = (sites.CONTENT_DIR / f"{slug}.md").read_bytes()
    assert spanish.translated_from == sites.Original(
        english.last_reviewed, hashlib.sha256(original).hexdigest()
    )
    assert spanish.last_reviewed >= english.last_reviewed


@pytest.fixture
def textstat_es(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """textstat set to Spanish, with syllables from pyphen only, left in English afterwards.

    As in test_sites.py, textstat must not look English words up in NLTK's cmudict (it would
    download it). pyphen's Spanish dictionary is bundled; its default leaves at least two letters
    each side of a break (a typesetting rule), which counts "o-cho" or "i-de-al" one syllable
    short, so breaks next to the word's first or last letter are allowed here: it scores lower,
    and closer to a count by hand.
    """
    textstat = pytest.importorskip("textstat")
    import nltk
    import pyphen
    import textstat.backend.counts._count_syllables as syllables

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("textstat tried to download NLTK data")

    monkeypatch.setattr(syllables, "get_cmudict", lambda lang: None)
    monkeypatch.setattr(
        syllables, "get_pyphen", lambda lang: pyphen.Pyphen(lang=lang, left=1, right=1)
    )
    monkeypatch.setattr(nltk, "download", no_download)
    textstat.set_lang("es")
    yield textstat
    textstat.set_lang("en_US")


# The English pages must read at grade 9 or below (test_sites.py): Flesch reading ease 60 or
# more, the band Flesch calls "plain English" (8th-9th grade). Fernández-Huerta is Flesch's
# formula refitted to Spanish on the same 0-100 scale, where 60-70 is "normal" (7th-8th grade);
# Szigriszt-Pazos's INFLESZ scale calls 55-65 "normal" (Barrio-Cantalejo et al., 2008).
FERNANDEZ_HUERTA_MIN = 60
SZIGRISZT_PAZOS_MIN = 55


@pytest.mark.parametrize("slug", SLUGS)
def test_each_spanish_page_reads_as_plainly_as_the_english_target(
    textstat_es: object, slug: str
) -> None:
    text = main_text(sites.load(sites.CONTENT_DIR, "es")[slug])
    assert len(text.split()) > 150
    assert "[ref:" not in text
    assert textstat_es.syllable_count("ocho") == 2  # type: ignore[attr-defined]
    assert textstat_es.fernandez_huerta(text) >= FERNANDEZ_HUERTA_MIN  # type: ignore[attr-defined]
    assert textstat_es.szigriszt_pazos(text) >= SZIGRISZT_PAZOS_MIN  # type: ignore[attr-defined]


@pytest.fixture
def content(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the shipped content with files changed by (pattern, replacement) pairs."""

    def make(*edits: tuple[str, str, str]) -> Path:
        folder = tmp_path / "sites"
        shutil.copytree(sites.CONTENT_DIR, folder)
        for name, pattern, replacement in edits:
            path = folder / name
            text, n = re.subn(pattern, replacement, path.read_text(encoding="utf-8"), count=1)
            assert n == 1, pattern
            path.write_text(text, encoding="utf-8")
        return folder

    return make


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        ("surgery cures most of them", "surgery cures most of these"),  # one word, same date
        ("last_reviewed: 2026-11-25", "last_reviewed: 2027-01-15"),  # reviewed again
    ],
)
def test_a_changed_english_page_marks_its_translation_outdated(
    content: Callable[..., Path], pattern: str, replacement: str
) -> None:
    folder = content(("lung.md", pattern, replacement))
    shown = sites.page_for("lung", "es", folder)
    assert shown is not None and not shown.fallback and shown.outdated
    assert shown.page.lang == "es" and shown.page.title == "TNE de pulmón"
    others = sites.localized("es", folder)
    assert [slug for slug, item in others.items() if item.outdated] == ["lung"]


def test_a_translation_recorded_from_another_version_is_outdated(
    content: Callable[..., Path],
) -> None:
    folder = content(("es/thymus.md", r'sha256: "[0-9a-f]{64}"', f'sha256: "{"0" * 64}"'))
    shown = sites.page_for("thymus", "es", folder)
    assert shown is not None and shown.outdated and not shown.fallback


def test_an_untranslated_page_falls_back_to_english(content: Callable[..., Path]) -> None:
    folder = content()
    (folder / "es" / "merkel-cell.md").unlink()
    shown = sites.page_for("merkel-cell", "es", folder)
    assert shown is not None and shown.fallback and not shown.outdated
    assert shown.page == sites.load(folder)["merkel-cell"]
    assert shown.page.lang == "en" and shown.page.title == "Merkel cell carcinoma"
    lung = sites.page_for("lung", "es", folder)
    assert lung is not None and not lung.fallback and lung.page.lang == "es"


def test_english_readers_get_the_english_page_and_no_note() -> None:
    shown = sites.page_for("pancreas", "en")
    assert shown == sites.Shown(sites.load()["pancreas"], fallback=False, outdated=False)
    assert shown.page.translated_from is None
    assert sites.page_for("liver", "es") is None
    with pytest.raises(ValueError, match="no content language 'fr'"):
        sites.page_for("lung", "fr")


def test_english_callers_see_the_english_pages_only() -> None:
    pages = sites.load()
    assert pages is sites.load(sites.CONTENT_DIR)  # read once, as before
    assert {page.lang for page in pages.values()} == {"en"}
    assert pages["lung"].title == "Lung NETs"


BODY = r"\n## "  # the first heading of the body: a change goes just before it


@pytest.mark.parametrize(
    ("name", "pattern", "replacement", "message"),
    [
        (
            "es/lung.md",
            BODY,
            "\nCerca del 90% de las personas.\n\n## ",
            "es/lung.md: a figure with no [ref:] in 'Cerca del 90% de las personas.'",
        ),
        (
            "es/lung.md",
            BODY,
            "\n- Tiene 3 partes.\n\n## ",
            "es/lung.md: a figure with no [ref:] in 'Tiene 3 partes.'",
        ),
        (
            "es/lung.md",
            BODY,
            "\nVea [ref:ninguna].\n\n## ",
            "es/lung.md: [ref:ninguna] has no matching reference",
        ),
        (
            "es/lung.md",
            r"translated_from:.*\n",
            "",
            "es/lung.md: translated_from must give the English page's last_reviewed and sha256",
        ),
        (
            "es/lung.md",
            r'sha256: "[0-9a-f]{64}"',
            "sha256: abc",
            "es/lung.md: translated_from must give the English page's last_reviewed and sha256: "
            "sha256 'abc' is not 64 lowercase hex digits",
        ),
        (
            "es/lung.md",
            r"translated_from: \{last_reviewed: [0-9-]+",
            "translated_from: {last_reviewed: pronto",
            "last_reviewed 'pronto' is not a date",
        ),
        (
            "es/lung.md",
            r"last_reviewed: 2026-12-02",
            "",
            "es/lung.md: last_reviewed must be a date",
        ),
        ("es/lung.md", "slug: lung", "slug: liver", "es/lung.md: unknown slug 'liver'"),
        ("es/lung.md", r"summary: .*\n", "summary: Unos 3 de cada 4.\n", "summary holds a figure"),
    ],
)
def test_broken_spanish_content_is_refused_with_file_and_problem(
    content: Callable[..., Path], name: str, pattern: str, replacement: str, message: str
) -> None:
    folder = content((name, pattern, replacement))
    with pytest.raises(sites.ContentError) as info:
        sites.load(folder, "es")
    assert message in str(info.value)
    with pytest.raises(sites.ContentError):
        sites.localized("es", folder)  # the web's way in stops too, not just load()


def test_a_spanish_page_with_no_english_original_is_refused(content: Callable[..., Path]) -> None:
    folder = content()
    text = (folder / "es" / "lung.md").read_text(encoding="utf-8")
    (folder / "es" / "liver.md").write_text(text.replace("slug: lung", "slug: liver"), "utf-8")
    with pytest.raises(sites.ContentError, match=r"es/liver\.md: unknown slug 'liver'"):
        sites.load(folder, "es")
    (folder / "es" / "liver.md").unlink()
    (folder / "thymus.md").unlink()
    with pytest.raises(sites.ContentError, match="no page for thymus"):
        sites.load(folder, "es")
