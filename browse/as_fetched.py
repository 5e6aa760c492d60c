"""The page as fetched: an article's stored response, read back from its WARC record and served
by the reading room so that none of it can act.

The stored HTML is the publisher's, scripts and all, and the reading room may hold a session
(Datasette's actor cookie). Every response of the route goes out under PAGE_AS_FETCHED_POLICY:
no script of the stored page runs, the page gets an opaque origin of its own (it cannot read
or call the reading room), and it loads nothing from anywhere, so viewing an archived page never
pings its publisher. Its images, stylesheets and scripts from the web are not shown: the page
reads as its markup and inline styles alone.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

from datasette import Forbidden
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup

from captures.reading import (
    CaptureUnreadable,
    StoredResponse,
    Unreadable,
    read_response,
    warc_path,
)
from captures.responses import text_of
from captures.writing import Headers

logger = logging.getLogger(__name__)

# `sandbox` (with no allow-* token): no script runs, forms do not submit, and the page has an
# opaque origin, so it can neither read the reading room's cookies nor call its pages.
# `default-src 'none'`: nothing is fetched, from the publisher or anywhere (images, styles,
# fonts, frames, prefetches); only inline styles and inline (data:) images are drawn.
PAGE_AS_FETCHED_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
PAGE_AS_FETCHED_HEADERS = {
    "Content-Security-Policy": PAGE_AS_FETCHED_POLICY,
    # A stored body is served as the type chosen here, never as one a browser guesses.
    "X-Content-Type-Options": "nosniff",
    # A link followed from a stored page does not tell the publisher what was being read.
    "Referrer-Policy": "no-referrer",
}
ROUTE = r"^/-/page-as-fetched/(?P<database>[^/]+)/(?P<capture_id>[^/]+)$"
PATH = "/-/page-as-fetched/{database}/{capture_id}"
# A captures id is an SQLite integer; a longer number cannot be one (and SQLite would refuse it).
LARGEST_ID = 2**63 - 1
HTML_TYPES = {"text/html", "application/xhtml+xml"}
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# The capture is known (its row is there) but its record is not as the row says: the file is
# gone, cut short, damaged or changed. 410 Gone, not a 5xx: nothing failed in serving it, and
# asking again cannot bring it back; not 404: the capture id is right.
UNREADABLE_STATUS = 410
# What is wrong with a record, as a reader is told it (the log has the full detail).
UNREADABLE_EXPLANATIONS = {
    Unreadable.MISSING_FILE: "its WARC file {warc_file} is missing",
    Unreadable.TRUNCATED: "its WARC file {warc_file} ends before the record at offset {offset}",
    Unreadable.DAMAGED: "the record at offset {offset} of {warc_file} is damaged",
    Unreadable.DIGEST_MISMATCH: (
        "the body at offset {offset} of {warc_file} is not the one captured (its digest differs)"
    ),
    Unreadable.TOO_LARGE: "the body at offset {offset} of {warc_file} is too large to show",
}
ERROR_PAGE = Markup(
    "<!DOCTYPE html>\n"
    '<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
    "<style>body {{ font-family: sans-serif; max-width: 40em; margin: 2em auto; }}</style>"
    "</head><body><h1>{title}</h1><p>{explanation}</p>{article}</body></html>\n"
)


@dataclass(frozen=True)
class CaptureLink:
    """Where an article's page as fetched is, and when it was fetched."""

    href: str
    fetched_at: str


def page_as_fetched_path(database_route: str, capture_id: int) -> str:
    return PATH.format(database=tilde_encode(database_route), capture_id=capture_id)


def capture_id_of(text: str) -> int | None:
    """The captures id in a URL, or None for anything that cannot be one."""
    if not re.fullmatch(r"[1-9][0-9]{0,18}", text):
        return None
    number = int(text)
    return number if number <= LARGEST_ID else None


def header_value(headers: Headers, name: str) -> str | None:
    """A stored response header; the last one when it was sent more than once, as Scrapy reads
    it."""
    values = [value for key, value in headers if key.lower() == name.lower()]
    return values[-1] if values else None


def is_html(content_type: str | None) -> bool:
    """HTML, or no type said (as a browser would take a page without one)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    return not media_type or media_type in HTML_TYPES


def served_page(stored: StoredResponse) -> tuple[str, str]:
    """The text served for a stored response and its Content-Type: HTML as HTML, anything
    else (a feed, a sitemap) as plain text, all of it in UTF-8."""
    content_type = header_value(stored.headers, "Content-Type")
    return text_of(stored), HTML if is_html(content_type) else TEXT


def guarded(body: str, status: int = 200, content_type: str = HTML) -> Response:
    """A response of the route, under PAGE_AS_FETCHED_HEADERS whatever it says."""
    return Response(
        body, status=status, headers=dict(PAGE_AS_FETCHED_HEADERS), content_type=content_type
    )


def error_page(title: str, explanation: str, article_href: str | None = None) -> str:
    article = (
        Markup(
            '<p>The article itself is intact: <a href="{}">read it in the archive</a>.</p>'
        ).format(article_href)
        if article_href
        else Markup("")
    )
    return str(ERROR_PAGE.format(title=title, explanation=explanation, article=article))


def not_found(explanation: str) -> Response:
    return guarded(error_page("Not found", explanation), status=404)


def unreadable_page(
    problem: Unreadable, warc_file: str, offset: int, article_href: str | None
) -> Response:
    what = UNREADABLE_EXPLANATIONS[problem].format(warc_file=warc_file, offset=offset)
    explanation = f"The page as fetched cannot be shown: {what}."
    if article_href is None:
        explanation += " The archive's rows are intact; only this stored response is unreadable."
    return guarded(
        error_page("The page as fetched is unreadable", explanation, article_href),
        status=UNREADABLE_STATUS,
    )


async def article_href(datasette: Any, db: Any, capture_id: int) -> str | None:
    """The article page of the article kept from this capture, if there is one."""
    found = (
        await db.execute("select url from articles where capture_id = ? limit 1", [capture_id])
    ).first()
    if found is None:
        return None
    return str(datasette.urls.row(db.name, "articles", tilde_encode(found["url"])))


async def page_as_fetched(datasette: Any, request: Any) -> Response:
    """The route: a stored response served as text under PAGE_AS_FETCHED_HEADERS; a page saying
    what is missing or wrong otherwise, never a traceback."""
    route = tilde_decode(request.url_vars["database"])
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        return not_found(f"There is no database {route!r} in this reading room.")
    try:
        await datasette.ensure_permissions(
            request.actor,
            [("view-table", (db.name, "captures")), ("view-database", db.name), "view-instance"],
        )
    except Forbidden:
        return guarded(
            error_page("Forbidden", f"You may not see the pages kept in {db.name!r}."),
            status=403,
        )
    if db.path is None or not await db.table_exists("captures"):
        return not_found(f"The database {db.name!r} keeps no pages as fetched.")
    capture_id = capture_id_of(request.url_vars["capture_id"])
    row = (
        None
        if capture_id is None
        else (
            await db.execute(
                "select warc_file, offset, length, payload_digest from captures where id = ?",
                [capture_id],
            )
        ).first()
    )
    if capture_id is None or row is None:
        return not_found(
            f"There is no capture {request.url_vars['capture_id']!r} in the database {db.name!r}."
        )
    try:
        stored = await asyncio.to_thread(
            read_response,
            warc_path(db.path, row["warc_file"]),
            row["offset"],
            row["length"],
            expected_digest=row["payload_digest"],
        )
    except CaptureUnreadable as error:
        logger.warning("capture %d of %s is unreadable: %s", capture_id, db.name, error)
        return unreadable_page(
            error.problem,
            row["warc_file"],
            row["offset"],
            await article_href(datasette, db, capture_id),
        )
    body, content_type = served_page(stored)
    return guarded(body, content_type=content_type)


async def capture_link(datasette: Any, database: str, capture_id: object) -> CaptureLink | None:
    """The link to an article's page as fetched; None when it has no capture (or its captures
    row is gone)."""
    if not isinstance(capture_id, int) or isinstance(capture_id, bool):
        return None
    db = datasette.get_database(database)
    if not await db.table_exists("captures"):
        return None
    found = (await db.execute("select fetched_at from captures where id = ?", [capture_id])).first()
    if found is None:
        return None
    href = datasette.urls.path(page_as_fetched_path(db.route, capture_id))
    return CaptureLink(href=str(href), fetched_at=str(found["fetched_at"]))
