"""Education pages: every site has a page that cites its sources and leads to a filtered search."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from finder import db, vocab
from finder.content import sites
from finder.models import Listing

SITE_SLUGS = [s.slug for s in vocab.TUMOR_SITES]
PAGE_SLUGS = [*SITE_SLUGS, "spread", "why-site-matters"]
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "circle", "line", "rect", "ellipse"}


class Node:
    """One element of a parsed page: enough to find forms, links and their text."""

    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()
            if n.tag == tag and (cls is None or cls in (n.attrs.get("class") or "").split())
        ]

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root


def search_form(root: Node) -> tuple[str, dict[str, str]]:
    """The page's search form: where it goes and what it sends when a patient types 02115."""
    (form,) = root.find_all("form", "search-form")
    fields: dict[str, str] = {}
    for field in form.iter():
        name = field.attrs.get("name")
        if field.tag == "input" and name:
            fields[name] = field.attrs.get("value") or ""
        elif field.tag == "select" and name:
            options = field.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options
            fields[name] = chosen[0].attrs.get("value") or ""
    fields["q"] = "02115"
    return form.attrs.get("action") or "", fields


@pytest.mark.parametrize("slug", PAGE_SLUGS)
def test_every_page_cites_its_sources_and_has_a_search(client: FlaskClient, slug: str) -> None:
    page = sites.load()[slug]
    res = client.get(f"/sites/{slug}")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    root = parse(html)
    assert root.find_all("h1")[0].text() == page.title
    assert root.find_all("p", "lede")[0].text() == page.summary
    (references,) = root.find_all("section", "references")
    assert [li.attrs["id"] for li in references.find_all("li")] == [
        f"ref-{r.id}" for r in page.references
    ]
    for ref in page.references:
        assert f'href="#ref-{ref.id}"' in html  # cited on the page, and the link has a target
    reviewed = page.last_reviewed.strftime("%B %-d, %Y")
    assert "Last reviewed" in html and reviewed in html
    assert "not medical advice" in html and "care team" in html
    action, fields = search_form(root)
    assert action == "/search"
    site = vocab.site(slug)
    if site:
        assert f"Find specialists for {site.label} NETs near you" in html
        assert fields["site"] == slug
    else:
        assert "Find a NET specialist near you" in html and "site" not in fields


def test_a_reference_without_a_year_shows_no_year(client: FlaskClient) -> None:
    root = parse(client.get("/sites/pancreas").get_data(as_text=True))
    items = {
        li.attrs["id"]: li.text()
        for li in root.find_all("section", "references")[0].iter()
        if li.tag == "li"
    }
    assert items["ref-cancernet2023"].endswith("Cancer.Net, 2023.")
    assert items["ref-netrf"].endswith("Foundation (NETRF).")


def test_site_search_box_leads_to_a_search_filtered_by_that_site(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Dr. Lung Expert", tumor_sites=["lung"])
    add(name="Dr. Pancreas Expert", tumor_sites=["pancreas"])
    for slug, wanted, other in (
        ("lung", "Dr. Lung Expert", "Dr. Pancreas Expert"),
        ("pancreas", "Dr. Pancreas Expert", "Dr. Lung Expert"),
    ):
        action, fields = search_form(parse(client.get(f"/sites/{slug}").get_data(as_text=True)))
        res = client.get(action, query_string=fields)
        assert res.status_code == 200
        html = res.get_data(as_text=True)
        assert "1 result within 100 miles of 02115" in html
        assert wanted in html and other not in html


def test_site_page_says_how_many_listings_have_that_expertise(
    app: Flask, client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(tumor_sites=["pancreas", "small-intestine"])
    add(tumor_sites=["pancreas"], kind="program")
    add(tumor_sites=["pancreas"], published=False)
    add(tumor_sites=["lung"])
    html = client.get("/sites/pancreas").get_data(as_text=True)
    assert "2 listings in NET Finder have expertise in Pancreas NETs." in html
    html = client.get("/sites/lung").get_data(as_text=True)
    assert "1 listing in NET Finder has expertise in Lung NETs." in html
    html = client.get("/sites/thymus").get_data(as_text=True)
    assert "No listing in NET Finder has expertise in Thymus NETs yet." in html
    with app.app_context():
        assert sites.specialist_count(db.session(), "small-intestine") == 1


def test_unknown_site_is_a_helpful_404(client: FlaskClient) -> None:
    res = client.get("/sites/liver")
    assert res.status_code == 404
    root = parse(res.get_data(as_text=True))
    links = {a.attrs.get("href") for a in root.find_all("a")}
    assert {f"/sites/{slug}" for slug in PAGE_SLUGS} <= links
    assert "/sites/" in links


def test_index_slug_goes_to_the_overview(client: FlaskClient) -> None:
    res = client.get("/sites/index")
    assert res.status_code == 302 and res.headers["Location"] == "/sites/"


def test_overview_figures_each_cite_a_reference(client: FlaskClient) -> None:
    html = client.get("/sites/").get_data(as_text=True)
    root = parse(html)
    cards = root.find_all("li", "stat-card")
    figures = [card.find_all("strong")[0].text() for card in cards]
    assert figures[:3] == ["1 in 4", "1 in 2", "Fewer than half"]
    reference_ids = {
        li.attrs["id"] for li in root.find_all("section", "references")[0].iter() if li.tag == "li"
    }
    for card in cards:
        (link,) = card.find_all("a")
        target = (link.attrs.get("href") or "").removeprefix("#")
        assert target in reference_ids, card.text()
        number = next(r.number for r in sites.load()["index"].references if f"ref-{r.id}" == target)
        assert link.text() == f"[{number}]"
    assert "Find a NET specialist near you" in html
    assert search_form(root)[0] == "/search"


def test_body_diagram_links_every_site_by_name(client: FlaskClient) -> None:
    root = parse(client.get("/sites/").get_data(as_text=True))
    (svg,) = root.find_all("svg", "body-map")
    assert svg.attrs.get("aria-hidden") is None and svg.attrs.get("role") != "img"
    links = {a.attrs["href"]: a for a in svg.find_all("a")}
    assert set(links) == {f"/sites/{s.slug}" for s in vocab.TUMOR_SITES}
    for site in vocab.TUMOR_SITES:
        link = links[f"/sites/{site.slug}"]
        assert link.find_all("title")[0].text() == site.label  # the name a screen reader reads
        assert link.find_all("text")[0].text() == site.label  # the label a reader sees
        assert link.attrs.get("tabindex") in (None, "0")  # reachable with the Tab key
    (nav,) = [n for n in root.find_all("nav") if n.attrs.get("aria-label") == "Tumor sites"]
    listed = [a.attrs["href"] for a in nav.find_all("ul")[0].find_all("a")]
    assert listed == [f"/sites/{s.slug}" for s in vocab.TUMOR_SITES]


@pytest.fixture
def content(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the shipped content with one file changed by (pattern, replacement) pairs."""

    def make(name: str = "lung.md", *changes: tuple[str, str]) -> Path:
        folder = tmp_path / "sites"
        shutil.copytree(sites.CONTENT_DIR, folder)
        path = folder / name
        for pattern, replacement in changes:
            text, n = re.subn(pattern, replacement, path.read_text(encoding="utf-8"), count=1)
            assert n == 1, pattern
            path.write_text(text, encoding="utf-8")
        return folder

    return make


def test_the_shipped_content_is_valid(content: Callable[..., Path]) -> None:
    assert set(sites.load(content())) == {*PAGE_SLUGS, "index"}


BODY = r"\n## "  # the first heading of the body: a change goes just before it
NEW_REF = "references:\n  - {id: extra, title: T, publisher: P, year: null}\n"


@pytest.mark.parametrize(
    ("pattern", "replacement", "message"),
    [
        ("slug: lung", "slug: liver", "lung.md: unknown slug 'liver'"),
        (r"last_reviewed:.*\n", "", "lung.md: last_reviewed must be a date"),
        (r"last_reviewed:.*\n", "last_reviewed: soon\n", "lung.md: last_reviewed must be a date"),
        (BODY, "\nSee [ref:nowhere].\n\n## ", "lung.md: [ref:nowhere] has no matching reference"),
        ("references:\n", NEW_REF, "lung.md: reference 'extra' is never cited"),
        (BODY, "\nAbout 90% of people.\n\n## ", "lung.md: a figure with no [ref:] in 'About"),
        (BODY, "\n- It has 3 parts.\n\n## ", "lung.md: a figure with no [ref:] in 'It has"),
        (r"specialties: \[", "specialties: [astrology, ", "'astrology' in specialties"),
        (r"services: \[", "services: [massage, ", "lung.md: unknown slug 'massage' in services"),
        (r"title: .*\n", "", "lung.md: missing title"),
        ("---\n", "", "lung.md: no front matter"),
        ("slug: lung\n", "slug: lung\n  bad: [\n", "lung.md: front matter is not valid YAML"),
    ],
)
def test_broken_content_is_refused_with_file_and_problem(
    content: Callable[..., Path], pattern: str, replacement: str, message: str
) -> None:
    with pytest.raises(sites.ContentError) as info:
        sites.load(content("lung.md", (pattern, replacement)))
    assert message in str(info.value)


def test_a_site_without_a_page_is_refused(content: Callable[..., Path]) -> None:
    folder = content()
    (folder / "thymus.md").unlink()
    with pytest.raises(sites.ContentError, match="no page for thymus"):
        sites.load(folder)


def test_script_in_content_is_escaped_or_stripped(
    content: Callable[..., Path], client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = content(
        "lung.md",
        ("title: Lung NETs", "title: <script>alert('title')</script>Lung NETs"),
        (BODY, '\n<script>alert("body")</script> <img src=x onerror=alert(document)>\n\n## '),
        (BODY, "\n[a link](javascript:alert(document)), [another](https://example.com).\n\n## "),
    )
    monkeypatch.setattr(sites, "CONTENT_DIR", folder)
    html = client.get("/sites/lung").get_data(as_text=True)
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;Lung NETs" in html
    assert 'href="javascript' not in html and 'href="https://example.com"' not in html
    assert "another" in html  # the words stay; only the link goes


@pytest.fixture
def offline_textstat(monkeypatch: pytest.MonkeyPatch) -> object:
    """textstat with syllables from pyphen only.

    textstat 0.7.13 looks English words up in NLTK's cmudict and downloads it from the internet
    when it is missing, which hangs or fails without a network. Returning None makes it fall
    back to pyphen's bundled dictionaries; nltk.download is made to fail loudly in case a
    newer textstat looks the dictionary up somewhere else.
    """
    textstat = pytest.importorskip("textstat")
    import nltk
    import textstat.backend.counts._count_syllables as syllables

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("textstat tried to download NLTK data")

    monkeypatch.setattr(syllables, "get_cmudict", lambda lang: None)
    monkeypatch.setattr(nltk, "download", no_download)
    return textstat


def main_text(page: sites.Page) -> str:
    """What a patient reads in the body: no reference numbers, no headings, no tags."""
    html = re.sub(r"<sup>.*?</sup>", "", page.html)
    html = re.sub(r"<(h2|h3)>.*?</\1>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.mark.parametrize("slug", [*PAGE_SLUGS, "index"])
def test_each_page_reads_at_grade_nine_or_below(offline_textstat: object, slug: str) -> None:
    text = main_text(sites.load()[slug])
    assert len(text.split()) > 150
    assert "[ref:" not in text
    assert offline_textstat.flesch_kincaid_grade(text) <= 9  # type: ignore[attr-defined]
    assert offline_textstat.text_standard(text, float_output=True) <= 9  # type: ignore[attr-defined]
