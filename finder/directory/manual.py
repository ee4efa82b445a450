"""The listings CSV format for admins: data/README.md, rendered once for the admin's format
page, so the page and the file in the repository can never differ."""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt

from finder.paths import DATA

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
_TAGS = {"h1", "h2", "h3", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "a"}
_TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td"}


@functools.cache
def csv_format_html(template_url: str) -> str:
    """data/README.md as safe HTML; its link to the template file points at `template_url`."""
    text = (DATA / "README.md").read_text(encoding="utf-8")
    text = text.replace("](listings_template.csv)", f"]({template_url})")
    return nh3.clean(
        _MARKDOWN.render(text),
        tags=_TAGS | _TABLE_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"https"},
        link_rel="noopener noreferrer",
    )
