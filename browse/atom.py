"""Atom feeds of archive rows: any table page, search or saved query whose rows have a `url`
and a `title` becomes a feed a reader can subscribe to.

datasette-atom (0.9) was measured and not used: it needs `atom_id`, `atom_title` and
`atom_updated` columns, so the articles table and its searches get no feed; it answers 500 for a
search with no results yet (the very feed a reader subscribes to ahead of time) and for rows
without a link or content; and it needs every date with a time and a zone. Here rows are mapped
by the archive's own column names, and an empty result is an empty, valid feed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
REQUIRED_COLUMNS = frozenset({"url", "title"})
# Characters XML 1.0 cannot carry at all; a stray one in a page would make the feed unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Search snippets mark the matched words so pages can highlight them; a feed reader shows text.
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
DATE_COLUMNS = ("modified_at", "published_at", "fetched_at", "replaced_at")


def can_render(columns: Iterable[str]) -> bool:
    return REQUIRED_COLUMNS.issubset(columns)


def atom_timestamp(value: object) -> str | None:
    """An archive date (`YYYY-MM-DD` or ISO 8601, UTC when no zone) as an RFC 3339 timestamp."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def authors_of(value: object) -> list[str]:
    """The names in an `authors` cell: a JSON array, or one plain name."""
    if not isinstance(value, str) or not value.strip():
        return []
    try:
        names = json.loads(value)
    except json.JSONDecodeError:
        return [value]
    if isinstance(names, list):
        return [str(name) for name in names if name]
    return [str(names)]


def xml_text(value: object) -> str:
    return NOT_XML.sub("", str(value))


def add_text(parent: ElementTree.Element, tag: str, text: object, **attributes: str) -> None:
    element = ElementTree.SubElement(parent, f"{{{ATOM_NAMESPACE}}}{tag}", attributes)
    element.text = xml_text(text)


def entry_updated(row: Mapping[str, Any]) -> str | None:
    for column in DATE_COLUMNS:
        stamp = atom_timestamp(row.get(column))
        if stamp:
            return stamp
    return None


def atom_feed(
    rows: Iterable[Mapping[str, Any]], *, feed_url: str, title: str, now: datetime | None = None
) -> bytes:
    """An Atom 1.0 document: one entry per row, its text as plain text (never as HTML)."""
    ElementTree.register_namespace("", ATOM_NAMESPACE)
    feed = ElementTree.Element(f"{{{ATOM_NAMESPACE}}}feed")
    add_text(feed, "title", title)
    add_text(feed, "id", feed_url)
    ElementTree.SubElement(feed, f"{{{ATOM_NAMESPACE}}}link", {"rel": "self", "href": feed_url})
    add_text(feed, "generator", "Morgue")
    updated_element = ElementTree.SubElement(feed, f"{{{ATOM_NAMESPACE}}}updated")
    fallback = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    newest: str | None = None
    for row in rows:
        updated = entry_updated(row) or fallback
        newest = max(newest or updated, updated)
        entry = ElementTree.SubElement(feed, f"{{{ATOM_NAMESPACE}}}entry")
        add_text(entry, "title", row.get("title") or row["url"])
        add_text(entry, "id", row["url"])
        ElementTree.SubElement(
            entry, f"{{{ATOM_NAMESPACE}}}link", {"rel": "alternate", "href": xml_text(row["url"])}
        )
        add_text(entry, "updated", updated)
        published = atom_timestamp(row.get("published_at"))
        if published:
            add_text(entry, "published", published)
        for name in authors_of(row.get("authors")):
            author = ElementTree.SubElement(entry, f"{{{ATOM_NAMESPACE}}}author")
            add_text(author, "name", name)
        summary = row.get("description") or row.get("snippet")
        if summary:
            summary = str(summary).replace(MARK_OPEN, "").replace(MARK_CLOSE, "")
            add_text(entry, "summary", summary, type="text")
        if row.get("text"):
            add_text(entry, "content", row["text"], type="text")
    # An empty feed is still valid: its `updated` is the time it was asked for.
    updated_element.text = newest or fallback
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
