"""Datasette hooks: the few things templates and data/metadata.yml cannot do by themselves."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response
from jinja2 import Environment
from markupsafe import Markup

from browse.as_fetched import ROUTE, CaptureLink, capture_link, page_as_fetched
from browse.atom import atom_feed, authors_of, can_render
from browse.charts import daily_articles_svg, extraction_health_svg
from browse.search import ROUTE as SEARCH_ROUTE
from browse.search import highlighted, search_page
from browse.search_syntax import reader_fts, register_search_functions
from browse.summary import ArchiveSummary, archive_summary

# How much of an article's text a row of a table or query shows; the article page shows it all.
TABLE_TEXT_WORDS = 40
SAFE_LINK = re.compile(r"^https?://", re.IGNORECASE)
# Columns that hold JSON arrays of names: shown as names, each a link to its articles.
NAME_LIST_FILTERS = {"authors": "authors__arraycontains", "tags": "tags__arraycontains"}


def paragraphs(text: object) -> list[str]:
    """The stored text holds one paragraph per line."""
    if not isinstance(text, str):
        return []
    return [line.strip() for line in text.split("\n") if line.strip()]


def http_url(value: object) -> str | None:
    """A URL fit for an href: only http(s), so a stored `javascript:` URL never becomes a link."""
    return value if isinstance(value, str) and SAFE_LINK.match(value) else None


def readable_time(value: object) -> str:
    """`2024-02-01T06:00:00Z` as `2024-02-01 06:00 UTC`; a bare day, or anything else, as is."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
        return f"{value[:10]} {value[11:16]} UTC"
    return "" if value is None else str(value)


def first_words(text: str, count: int) -> str:
    words = text.split()
    return text if len(words) <= count else " ".join(words[:count]) + " …"


def name_links(value: str, articles_url: str, array_filter: str) -> Markup | None:
    """A JSON array of names as the names, comma-separated, each linking to the articles
    filtered by it; None (Datasette shows the value as it is) for anything else."""
    try:
        names = json.loads(value)
    except json.JSONDecodeError:
        return None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return None
    if not names:
        return Markup("&nbsp;")  # as Datasette shows an empty value
    return Markup(", ").join(
        Markup('<a href="{}?{}">{}</a>').format(articles_url, urlencode({array_filter: name}), name)
        for name in names
    )


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    """reader_fts(text) for the search page and the saved query; and the same syntax for the
    tables' own search box: Datasette's `_search` runs `match escape_fts(:search)`, and this
    hook runs after Datasette's own (trylast), so this escape_fts replaces its one."""
    register_search_functions(conn)
    conn.create_function("escape_fts", 1, reader_fts, deterministic=True)


@hookimpl
def prepare_jinja2_environment(env: Environment) -> None:
    env.filters["authors_list"] = authors_of
    env.filters["paragraphs"] = paragraphs
    env.filters["http_url"] = http_url
    env.filters["readable_time"] = readable_time


@hookimpl
def render_cell(
    row: sqlite3.Row,
    value: object,
    column: str,
    table: str | None,
    database: str,
    datasette: Any,
) -> Markup | None:
    if column == "snippet" and isinstance(value, str):
        return highlighted(value)
    if column in NAME_LIST_FILTERS and isinstance(value, str):
        articles_url = datasette.urls.table(database, "articles")
        return name_links(value, articles_url, NAME_LIST_FILTERS[column])
    # `in` on an sqlite3.Row looks at its values: the column names are its keys().
    has_url = "url" in row.keys()  # noqa: SIM118
    if column == "title" and has_url and isinstance(row["url"], str) and value:
        article_page = datasette.urls.row(database, "articles", tilde_encode(row["url"]))
        return Markup('<a href="{}">{}</a>').format(article_page, value)
    # In the articles table and in saved queries; a table of earlier versions shows them whole.
    if table in ("articles", None) and column == "text" and isinstance(value, str):
        return Markup('<span class="article-text-start">{}</span>').format(
            first_words(value, TABLE_TEXT_WORDS)
        )
    return None


@hookimpl
def extra_template_vars(
    view_name: str, database: str | None, datasette: Any
) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def template_vars() -> dict[str, Any]:
        found: dict[str, Any] = {
            "daily_articles_svg": lambda rows: Markup(daily_articles_svg(map(dict, rows))),
            "extraction_health_svg": lambda rows: Markup(extraction_health_svg(map(dict, rows))),
        }
        if view_name == "row" and database is not None:
            # Called by row.html with the article's capture_id (Jinja awaits it).
            async def page_as_fetched_link(capture_id: object) -> CaptureLink | None:
                return await capture_link(datasette, database, capture_id)

            found["page_as_fetched"] = page_as_fetched_link
        if view_name == "index":
            summaries: list[ArchiveSummary] = []
            for db in datasette.databases.values():
                if db.name.startswith("_"):
                    continue
                summary = await archive_summary(db)
                if summary is not None:
                    summaries.append(summary)
            found["archives"] = summaries
            found["archive_names"] = [summary.database for summary in summaries]
        return found

    return template_vars


def feed_title(
    datasette: Any, database: str, table: str | None, query_name: str | None, data: Mapping
) -> str:
    site_title = datasette.metadata("title") or "Datasette"
    if query_name:
        query = (datasette.metadata("queries", database=database) or {}).get(query_name) or {}
        return f"{site_title}: {query.get('title') or query_name}"
    if table:
        described = data.get("human_description_en")
        return f"{site_title}: {table}{' ' + described if described else ''}"
    return f"{site_title}: SQL query"


async def render_atom(
    datasette: Any,
    request: Any,
    columns: list[str],
    rows: list[Any],
    database: str,
    table: str | None,
    query_name: str | None,
    data: Mapping[str, Any],
) -> Response:
    body = atom_feed(
        (dict(zip(columns, row, strict=True)) for row in rows),
        feed_url=request.url,
        title=feed_title(datasette, database, table, query_name, data),
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_routes() -> list[tuple[str, Callable[..., Awaitable[Response]]]]:
    # Plugin routes are matched before Datasette's own (datasette/app.py, Datasette._routes).
    return [(ROUTE, page_as_fetched), (SEARCH_ROUTE, search_page)]


@hookimpl
def register_output_renderer() -> dict[str, Any]:
    return {"extension": "atom", "render": render_atom, "can_render": can_render}
