"""Tumor-site education pages: data/sites/ and its translations, validated and rendered."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import nh3
import sqlalchemy as sa
import yaml
from markdown_it import MarkdownIt
from sqlalchemy.orm import Session

from finder import vocab
from finder.models import Listing, tag_filter
from finder.paths import DATA

CONTENT_DIR = DATA / "sites"
# English is the original; each other language lives in a subfolder named by its code.
LANGUAGES = ("en", "es")
# Pages that are not one tumor site: the overview, spread, and why the site matters.
GUIDE_PAGES = ("index", "spread", "why-site-matters")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n(.*)\Z", re.DOTALL)
_MARKER = re.compile(r"\[ref:([^\]]*)\]")
_REF_ID = re.compile(r"[a-z0-9-]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Markdown keeps "[ref:id]" as text; the whitespace before it goes so the number hugs the word.
_RENDERED_MARKER = re.compile(r"\s*\[ref:([a-z0-9-]+)\]")
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_CLEANER = nh3.Cleaner(
    tags={"p", "h2", "h3", "ul", "ol", "li", "strong", "em", "a", "sup", "code", "blockquote"},
    attributes={"a": {"href"}},
    # Only links within the page (to its reference list) survive; any other href is dropped.
    attribute_filter=lambda tag, attr, value: value if value.startswith("#") else None,
    url_schemes=set(),
    link_rel=None,
)


class ContentError(ValueError):
    """A content file that must not be published as it is: the message names file and problem."""


Fail = Callable[[str], ContentError]


@dataclass(frozen=True)
class Reference:
    """A source a page cites, numbered in the order the page first cites it."""

    id: str
    number: int
    title: str
    publisher: str
    year: int | None


@dataclass(frozen=True)
class Stat:
    """A key figure shown as a card, with the reference it comes from."""

    figure: str
    text: str
    ref: Reference


@dataclass(frozen=True)
class Original:
    """The version of an English page a translation was made from."""

    last_reviewed: dt.date
    sha256: str


@dataclass(frozen=True)
class Page:
    """One education page, validated, with its body rendered to sanitized HTML."""

    slug: str
    title: str
    summary: str
    last_reviewed: dt.date
    specialties: tuple[str, ...]
    services: tuple[str, ...]
    references: tuple[Reference, ...]
    stats: tuple[Stat, ...]
    html: str
    lang: str
    sha256: str  # of the file's bytes, so a translation can tell when its original changed
    translated_from: Original | None  # None for the English originals


@dataclass(frozen=True)
class Shown:
    """The page to show for a slug in a language, and what the reader must be told about it."""

    page: Page
    fallback: bool  # no translation yet: this is the English page
    outdated: bool  # the English original changed after this translation was made


@dataclass(frozen=True)
class Marker:
    """A tumor site on the body diagram: its point, and where its label sits."""

    site: vocab.TumorSite
    x: int
    y: int
    side: str  # "left" or "right" of the body
    label_y: int

    @property
    def lines(self) -> list[str]:
        """The label in short lines, so it fits beside the body."""
        return textwrap.wrap(self.site.label, 13)


# Where each site sits on the diagram (viewBox 10 0 480 520, body centred on x=250). The
# diagram fails loudly if a site in vocab.TUMOR_SITES has no place here.
_DIAGRAM: dict[str, tuple[int, int, str, int]] = {
    "medullary-thyroid": (250, 98, "left", 96),
    "thymus": (250, 128, "right", 112),
    "lung": (222, 170, "left", 160),
    "stomach": (270, 210, "right", 190),
    "adrenal-paraganglia": (228, 228, "left", 220),
    "pancreas": (256, 244, "right", 248),
    "colon": (288, 282, "right", 300),
    "small-intestine": (250, 290, "left", 290),
    "appendix": (226, 322, "left", 340),
    "rectum": (250, 352, "left", 390),
    "merkel-cell": (322, 330, "right", 352),
    "unknown-primary": (338, 430, "right", 430),
}


def body_diagram() -> tuple[Marker, ...]:
    """Every tumor site placed on the body diagram, head to toe."""
    return tuple(Marker(s, *_DIAGRAM[s.slug]) for s in vocab.TUMOR_SITES)


def load(directory: Path = CONTENT_DIR, lang: str = "en") -> Mapping[str, Page]:
    """Every page in one language by slug, validated and rendered (read once).

    English must have every page; a translation may lack some (they fall back to English),
    but each of its pages must translate an English page and say which version.
    """
    return _load(Path(directory), lang)  # load() and load(CONTENT_DIR, "en") share one read


@functools.cache
def _load(directory: Path, lang: str) -> Mapping[str, Page]:
    if lang not in LANGUAGES:
        raise ValueError(f"no content language {lang!r} (known: {', '.join(LANGUAGES)})")
    folder = directory if lang == "en" else directory / lang
    pages: dict[str, Page] = {}
    for path in sorted(folder.glob("*.md")):
        page = _read(path, lang)
        pages[page.slug] = page
    if lang == "en":
        expected = [s.slug for s in vocab.TUMOR_SITES] + list(GUIDE_PAGES)
        missing = [slug for slug in expected if slug not in pages]
        if missing:
            raise ContentError(f"{directory}: no page for {', '.join(missing)}")
    else:
        # Each translated slug is a known one (_read checks), and English has a page for every
        # known slug or this raises: so every translation has an original to compare against.
        load(directory)
    return MappingProxyType(pages)


def localized(lang: str, directory: Path = CONTENT_DIR) -> Mapping[str, Shown]:
    """Every page for a reader of this language: its translation, or English as a fallback."""
    originals = load(directory)
    translated = load(directory, lang)
    shown: dict[str, Shown] = {}
    for slug, original in originals.items():
        page = translated.get(slug)
        if page is None:
            shown[slug] = Shown(original, fallback=True, outdated=False)
        else:
            source = page.translated_from
            # A changed file (even a fix of one word) needs a look; a new review date as well.
            stale = source is not None and source != Original(
                original.last_reviewed, original.sha256
            )
            shown[slug] = Shown(page, fallback=False, outdated=stale)
    return MappingProxyType(shown)


def page_for(slug: str, lang: str, directory: Path = CONTENT_DIR) -> Shown | None:
    """The page to show for a slug in a language, or None when there is no such page."""
    return localized(lang, directory).get(slug)


def guide(pages: Mapping[str, Page]) -> tuple[Page, ...]:
    """The pages in reading order: each tumor site head to toe, then spread and why it matters."""
    slugs = [s.slug for s in vocab.TUMOR_SITES] + list(GUIDE_PAGES[1:])
    return tuple(pages[slug] for slug in slugs)


def specialist_count(session: Session, slug: str) -> int:
    """How many published listings name this tumor site as an expertise."""
    stmt = (
        sa.select(sa.func.count())
        .select_from(Listing)
        .where(Listing.published.is_(True), tag_filter(Listing.tumor_sites, slug))
    )
    return session.scalar(stmt) or 0


def _read(path: Path, lang: str = "en") -> Page:
    name = path.name if lang == "en" else f"{lang}/{path.name}"

    def fail(problem: str) -> ContentError:
        return ContentError(f"{name}: {problem}")

    raw = path.read_bytes()
    match = _FRONT_MATTER.match(raw.decode("utf-8"))
    if not match:
        raise fail("no front matter (the file must start with a --- block)")
    try:
        meta = yaml.safe_load(match[1])
    except yaml.YAMLError as exc:
        raise fail(f"front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise fail("front matter must be a mapping of fields")
    body = match[2]

    slug = meta.get("slug")
    if slug not in {s.slug for s in vocab.TUMOR_SITES} | set(GUIDE_PAGES):
        raise fail(f"unknown slug {slug!r} (not a tumor site in finder/vocab.py or a guide page)")
    if slug != path.stem:
        raise fail(f"slug {slug!r} does not match the file name")
    for field in ("title", "summary"):
        if not isinstance(meta.get(field), str) or not meta[field].strip():
            raise fail(f"missing {field}")
    if re.search(r"\d", meta["summary"]):
        raise fail("the summary holds a figure, but a summary can't cite a reference")
    reviewed = meta.get("last_reviewed")
    if not isinstance(reviewed, dt.date) or isinstance(reviewed, dt.datetime):
        raise fail(f"last_reviewed must be a date (YYYY-MM-DD), not {reviewed!r}")
    original = None if lang == "en" else _original(meta.get("translated_from"), fail)
    specialties = _slugs(meta, "specialties", vocab.SPECIALTIES, fail)
    services = _slugs(meta, "services", vocab.SERVICES, fail)

    sources = _sources(meta.get("references"), fail)
    stats = meta.get("stats") or []
    if not isinstance(stats, list) or not all(
        isinstance(s, dict) and all(isinstance(s.get(k), str) for k in ("figure", "text", "ref"))
        for s in stats
    ):
        raise fail("stats must be a list of {figure, text, ref}")
    cited = [s["ref"] for s in stats] + _MARKER.findall(body)
    for ref in cited:
        if ref not in sources:
            raise fail(f"[ref:{ref}] has no matching reference")
    unused = [ref for ref in sources if ref not in cited]
    if unused:
        raise fail(f"reference {unused[0]!r} is never cited")
    _check_figures(body, fail)

    # Numbered in the order a reader meets them: the stat cards, then the body.
    numbers = {ref: n for n, ref in enumerate(dict.fromkeys(cited), start=1)}
    refs = {ref: Reference(ref, numbers[ref], **fields) for ref, fields in sources.items()}
    return Page(
        slug=slug,
        title=meta["title"].strip(),
        summary=meta["summary"].strip(),
        last_reviewed=reviewed,
        specialties=specialties,
        services=services,
        references=tuple(sorted(refs.values(), key=lambda r: r.number)),
        stats=tuple(Stat(s["figure"], s["text"], refs[s["ref"]]) for s in stats),
        html=_render(body, refs),
        lang=lang,
        sha256=hashlib.sha256(raw).hexdigest(),
        translated_from=original,
    )


def _original(raw: Any, fail: Fail) -> Original:
    # Without this record nobody could tell the reader that the English page has moved on.
    usage = "translated_from must give the English page's last_reviewed and sha256"
    if not isinstance(raw, dict):
        raise fail(usage)
    reviewed, digest = raw.get("last_reviewed"), raw.get("sha256")
    if not isinstance(reviewed, dt.date) or isinstance(reviewed, dt.datetime):
        raise fail(f"{usage}: last_reviewed {reviewed!r} is not a date (YYYY-MM-DD)")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise fail(f"{usage}: sha256 {digest!r} is not 64 lowercase hex digits")
    return Original(reviewed, digest)


def _slugs(
    meta: dict[str, Any], field: str, terms: tuple[vocab.Term, ...], fail: Fail
) -> tuple[str, ...]:
    values = meta.get(field) or []
    if not isinstance(values, list):
        raise fail(f"{field} must be a list of slugs")
    known = {t.slug for t in terms}
    for value in values:
        if value not in known:
            raise fail(f"unknown slug {value!r} in {field} (see finder/vocab.py)")
    return tuple(values)


def _sources(raw: Any, fail: Fail) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise fail("references must be a non-empty list")
    sources: dict[str, dict[str, Any]] = {}
    for item in raw:
        if not isinstance(item, dict):
            raise fail("each reference needs an id, a title, a publisher and a year (or null)")
        ref = item.get("id")
        if not isinstance(ref, str) or not _REF_ID.fullmatch(ref):
            raise fail(f"reference id {ref!r} must be lowercase letters, digits and dashes")
        if ref in sources:
            raise fail(f"reference {ref!r} is listed twice")
        title, publisher, year = item.get("title"), item.get("publisher"), item.get("year")
        if not isinstance(title, str) or not isinstance(publisher, str):
            raise fail(f"reference {ref!r} needs a title and a publisher")
        if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
            raise fail(f"reference {ref!r} has year {year!r}: give a year or null")
        sources[ref] = {"title": title.strip(), "publisher": publisher.strip(), "year": year}
    return sources


def _check_figures(body: str, fail: Fail) -> None:
    """Every paragraph or list item that gives a figure must cite where it comes from."""
    tokens = _MARKDOWN.parse(body)
    for before, token in zip(tokens, tokens[1:], strict=False):
        if before.type != "paragraph_open" or token.type != "inline":
            continue
        text = token.content
        if re.search(r"\d", _MARKER.sub("", text)) and not _MARKER.search(text):
            short = textwrap.shorten(text, 70, placeholder="…")
            raise fail(f"a figure with no [ref:] in {short!r}")


def _render(body: str, refs: Mapping[str, Reference]) -> str:
    def cite(match: re.Match[str]) -> str:
        ref = refs[match[1]]
        return f'<sup><a href="#ref-{ref.id}">[{ref.number}]</a></sup>'

    return _CLEANER.clean(_RENDERED_MARKER.sub(cite, _MARKDOWN.render(body)))
