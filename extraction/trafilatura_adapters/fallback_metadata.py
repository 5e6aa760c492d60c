"""trafilatura's reading of a page's metadata, field by field and only when a field is asked for.

`trafilatura.bare_extraction(with_metadata=True)` runs `trafilatura.metadata.extract_metadata`,
which searches the whole page for every field at once: authors by a long list of XPaths,
categories and tags by links, a licence among the footer's links, the date with htmldate. On
real pages that costs a quarter of the whole extraction, while Morgue reads a page's own
structured data first (extraction/metadata.py) and needs trafilatura's guesses only where the
page declares nothing. `FallbackMetadata` gives the same values `extract_metadata` gives, step
for step, but works each out on first use; categories and the licence, which the archive does
not keep, never.
"""

from __future__ import annotations

import logging
from functools import cached_property
from html import unescape
from typing import Any

from htmldate import find_date
from lxml import html as lxml_html
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_catstags,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.utils import line_processing

logger = logging.getLogger(__name__)

# Longer strings are cut there by trafilatura (Document.clean_and_trim).
MAX_FIELD_CHARS = 10000


class FallbackMetadata:
    """What trafilatura would say of the page's title, authors, date, site name, description,
    tags and image; each read from `tree` the first time it is asked for."""

    def __init__(
        self,
        tree: lxml_html.HtmlElement,
        url: str | None,
        date_params: dict[str, Any],
        *,
        author_tree: lxml_html.HtmlElement | None = None,
    ) -> None:
        self.tree = tree
        self.default_url = url
        self.date_params = date_params
        # The page before furniture was cut from it: author boxes are furniture in the body,
        # and where a page declares no author they are what trafilatura's search finds.
        self.author_tree = author_tree if author_tree is not None else tree

    @cached_property
    def declared(self) -> Document:
        """What <meta> tags and JSON-LD declare: read before any search of the page."""
        metadata = examine_meta(self.tree)
        if metadata.author and " " not in metadata.author:
            metadata.author = None  # a lone word is a handle or a site, not a name
        try:
            metadata = extract_meta_json(self.tree, metadata)
        except Exception as error:  # trafilatura's JSON-LD reader has bugs of its own
            logger.debug("trafilatura could not read the JSON-LD: %s", error)
        return metadata

    @cached_property
    def title(self) -> str | None:
        return finished(self.declared.title or extract_title(self.tree))

    @cached_property
    def author(self) -> str | None:
        return finished(self.declared.author or extract_author(self.author_tree))

    @cached_property
    def url(self) -> str | None:
        return self.declared.url or extract_url(self.tree, self.default_url)

    @cached_property
    def date(self) -> str | None:
        return finished(find_date(self.tree, **{**self.date_params, "url": self.url}))

    @cached_property
    def sitename(self) -> str | None:
        name = self.declared.sitename or extract_sitename(self.tree)
        if name:
            name = name.lstrip("@")  # a Twitter handle
            if name and "." not in name and not name[0].isupper():
                name = name.title()
        elif self.url and (match := META_URL.match(self.url)):
            name = match[1]
        return finished(name)

    @property
    def description(self) -> str | None:
        return finished(self.declared.description)

    @property
    def image(self) -> str | None:
        return finished(self.declared.image)

    @cached_property
    def tags(self) -> list[str]:
        return list(self.declared.tags or extract_catstags("tag", self.tree))


def finished(value: str | None) -> str | None:
    """A field as trafilatura hands it out: entities decoded, spaces and control characters
    cleaned, at most MAX_FIELD_CHARS long; None when nothing is left."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_FIELD_CHARS:
        value = value[: MAX_FIELD_CHARS - 1] + "…"
    return line_processing(unescape(value))
