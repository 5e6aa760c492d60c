"""Requests the reading room cannot answer as asked: a page that says what is allowed.

Datasette 0.65 answers some bad parameters in the query string with a 500 (an unknown `_sort`
column, `_sort` with `_sort_desc`, a `_through` that is not JSON, a `_timelimit` that is not a
number) and others with a 400 that does not say what would have worked ("no such column:
nosuch"). When a page fails, `handle_exception` looks at the request again, with the checks
below: when one of its parameters is at fault, the answer is a 400 that names the parameter, the
value and what is allowed (JSON for `.json`, a page otherwise). Any other failure is left to
Datasette, so a server error stays a 500. `asgi_wrapper` does the same for `_shape`, which
Datasette checks without raising (and answers with a 200 on a saved query).

The checks are pure functions of the query string and a few facts about the table, so the
tests call them directly; the messages say the fix (STYLE.md, habit 10).
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import add_cors_headers, tilde_decode, urlsafe_components
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError

Params = Sequence[tuple[str, str]]
Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

# What Datasette's JSON renderer accepts as ?_shape= (datasette/renderer.py).
SHAPES = ("arrays", "objects", "array", "object", "arrayfirst")
# Datasette raises these for an SQL error, a too-slow query and such (views/base.py).
INVALID_SQL = "Invalid SQL"
FACET_PARAMETERS = ("_facet", "_facet_array", "_facet_date")


@dataclass(frozen=True)
class Link:
    """A way out: the same page with the bad value replaced (`query` starts with `?`)."""

    label: str
    query: str


@dataclass(frozen=True)
class BadParameter:
    """One parameter of the request that the page cannot use, and what it can."""

    parameter: str
    value: str
    message: str
    allowed: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    # What the links are, on the page above them.
    heading: str = "Instead:"

    @property
    def title(self) -> str:
        return f"Bad parameter: {self.parameter}"

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": False,
            "error": self.message,
            "status": 400,
            "title": self.title,
            "parameter": self.parameter,
            "value": self.value,
            "allowed": list(self.allowed),
        }


@dataclass(frozen=True)
class TableFacts:
    """What the checks need to know about the table a request asked for."""

    table: str
    columns: tuple[str, ...]
    primary_keys: tuple[str, ...] = ()
    sortable: tuple[str, ...] = ()
    is_view: bool = False
    # Sorted by default (data/metadata.yml's sort or sort_desc), even without _sort.
    sorted_by_default: bool = False
    # The columns of its full-text index; empty when it has none.
    search_columns: tuple[str, ...] = ()
    # Tables with a foreign key to this one: what _through can go through.
    through_tables: tuple[str, ...] = ()
    max_size: int = 1000


# Small helpers on the query string


def values(params: Params, name: str) -> list[str]:
    return [value for key, value in params if key == name]


def first(params: Params, name: str) -> str | None:
    found = values(params, name)
    return found[0] if found else None


def query_with(
    params: Params,
    replace: dict[str, str | None] | None = None,
    *,
    drop: tuple[str, str] | None = None,
    add: tuple[str, str] | None = None,
) -> str:
    """The query string with every value of the names in `replace` replaced (None removes
    them), and one (name, value) pair dropped or one added; always starts with `?`."""
    replace = replace or {}
    kept = [(k, v) for k, v in params if k not in replace and (k, v) != drop]
    kept += [(k, v) for k, v in replace.items() if v is not None]
    if add is not None:
        kept.append(add)
    return "?" + urlencode(kept)


def quoted_list(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names) if names else "(none)"


def did_you_mean(value: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, allowed, n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


# Messages


def sort_error_message(
    table: str, value: str, sortable_columns: Sequence[str], parameter: str = "_sort"
) -> str:
    return (
        f"{parameter}={value}: {table} cannot be sorted by '{value}', it has no such column."
        f"{did_you_mean(value, sortable_columns)} _sort (ascending) and _sort_desc"
        f" (descending) take one of its columns: {quoted_list(sortable_columns)}."
    )


def sort_conflict_message(sort: str, sort_desc: str) -> str:
    return (
        f"_sort={sort} and _sort_desc={sort_desc}: a page is sorted one way. Use _sort for"
        " ascending or _sort_desc for descending, not both."
    )


def column_error_message(
    table: str, parameter: str, bad: Sequence[str], allowed: Sequence[str]
) -> str:
    named = ", ".join(f"'{value}'" for value in bad)
    return (
        f"{parameter}={','.join(bad)}: {table} has no column {named} to "
        f"{'hide' if parameter == '_nocol' else 'show'}.{did_you_mean(bad[0], allowed)}"
        f" {parameter} takes one of: {quoted_list(allowed)}."
    )


def primary_key_nocol_message(table: str, column: str, allowed: Sequence[str]) -> str:
    return (
        f"_nocol={column}: '{column}' is the primary key of {table} and is always shown."
        f" _nocol takes one of its other columns: {quoted_list(allowed)}."
    )


def facet_error_message(table: str, parameter: str, value: str, columns: Sequence[str]) -> str:
    return (
        f"{parameter}={value}: {table} has no column '{value}' to count its rows by."
        f"{did_you_mean(value, columns)} {parameter} takes one of: {quoted_list(columns)}."
    )


def size_error_message(value: str, max_size: int) -> str:
    return (
        f"_size={value}: _size is how many rows a page shows, a whole number from 0 to"
        f" {max_size}, or max."
    )


def timelimit_error_message(value: str) -> str:
    return (
        f"_timelimit={value}: _timelimit is a time limit for the page's queries in"
        " milliseconds, a whole number such as 500 (the server's own limit still applies)."
    )


def through_error_message(table: str, value: str, problem: str, tables: Sequence[str]) -> str:
    if tables:
        allowed = f"one of the tables with a foreign key to {table}: {quoted_list(tables)}"
    else:
        allowed = f"a table with a foreign key to {table}, and {table} has none"
    return (
        f"_through={value}: {problem}. _through takes a JSON object such as"
        ' {"table": "...", "column": "...", "value": "..."}, where table is'
        f" {allowed}."
    )


def search_column_error_message(parameter: str, value: str, columns: Sequence[str]) -> str:
    column = parameter.removeprefix("_search_")
    options = ", ".join(f"_search_{name}" for name in columns)
    return (
        f"{parameter}={value}: the search index has no column '{column}'."
        f"{did_you_mean(column, columns)} Search every column with _search, or one with:"
        f" {options or '(none)'}."
    )


def search_error_message(parameter: str, value: str, detail: str = "") -> str:
    because = f" ({detail})" if detail else ""
    return (
        f"{parameter}={value}: the search index cannot read this search{because}. Give one or"
        ' more words to find; put a phrase in double quotes ("bread competition").'
    )


def next_error_message(table: str, value: str) -> str:
    return (
        f"_next={value}: not a place in {table}. _next takes the value of a page's"
        " 'Next page' link; start again from the first page."
    )


def where_error_message(table: str, value: str, detail: str, columns: Sequence[str]) -> str:
    return (
        f"_where={value}: SQLite cannot use this as a condition ({detail}). _where takes an"
        f" SQL condition on the columns of {table}, such as word_count > 500: "
        f"{quoted_list(columns)}."
    )


def shape_error_message(value: str) -> str:
    return f"_shape={value}: there is no such shape. _shape takes one of: {', '.join(SHAPES)}."


# Checks: each returns the first bad parameter it finds, or None


def sort_problem(params: Params, facts: TableFacts) -> BadParameter | None:
    sort, sort_desc = first(params, "_sort"), first(params, "_sort_desc")
    if sort and sort_desc:
        return BadParameter(
            "_sort",
            sort,
            sort_conflict_message(sort, sort_desc),
            facts.sortable,
            tuple(
                Link(label, query_with(params, replacement))
                for label, replacement, column in (
                    (f"sort by {sort}", {"_sort": sort, "_sort_desc": None, "_next": None}, sort),
                    (
                        f"sort by {sort_desc}, descending",
                        {"_sort": None, "_sort_desc": sort_desc, "_next": None},
                        sort_desc,
                    ),
                )
                if column in facts.sortable
            ),
        )
    for parameter, value in (("_sort", sort), ("_sort_desc", sort_desc)):
        if value and value not in facts.sortable:
            other = "_sort_desc" if parameter == "_sort" else "_sort"
            return BadParameter(
                parameter,
                value,
                sort_error_message(facts.table, value, facts.sortable, parameter),
                facts.sortable,
                tuple(
                    Link(
                        column, query_with(params, {parameter: column, other: None, "_next": None})
                    )
                    for column in facts.sortable
                ),
                heading="Sort by:",
            )
    return None


def column_problem(params: Params, facts: TableFacts) -> BadParameter | None:
    bad_col = [value for value in values(params, "_col") if value not in facts.columns]
    if bad_col:
        return BadParameter(
            "_col",
            ",".join(bad_col),
            column_error_message(facts.table, "_col", bad_col, facts.columns),
            facts.columns,
            tuple(
                Link(column, query_with(params, drop=("_col", bad_col[0]), add=("_col", column)))
                for column in facts.columns
                if column not in facts.primary_keys
            ),
            heading="Show instead:",
        )
    hideable = tuple(column for column in facts.columns if column not in facts.primary_keys)
    for value in values(params, "_nocol"):
        if value in facts.primary_keys:
            message = primary_key_nocol_message(facts.table, value, hideable)
        elif value not in facts.columns:
            message = column_error_message(facts.table, "_nocol", [value], hideable)
        else:
            continue
        return BadParameter(
            "_nocol",
            value,
            message,
            hideable,
            tuple(
                Link(column, query_with(params, drop=("_nocol", value), add=("_nocol", column)))
                for column in hideable
            ),
            heading="Hide instead:",
        )
    return None


def facet_problem(params: Params, facts: TableFacts) -> BadParameter | None:
    for parameter in FACET_PARAMETERS:
        for value in values(params, parameter):
            if value and value not in facts.columns:
                return BadParameter(
                    parameter,
                    value,
                    facet_error_message(facts.table, parameter, value, facts.columns),
                    facts.columns,
                    tuple(
                        Link(
                            column,
                            query_with(params, drop=(parameter, value), add=(parameter, column)),
                        )
                        for column in facts.columns
                    ),
                    heading="Count the rows by:",
                )
    return None


def size_problem(params: Params, max_size: int) -> BadParameter | None:
    value = first(params, "_size")
    if not value or value == "max":
        return None
    try:
        if 0 <= int(value) <= max_size:
            return None
    except ValueError:
        pass
    return BadParameter(
        "_size",
        value,
        size_error_message(value, max_size),
        ("0", str(max_size), "max"),
        (
            Link("the usual page", query_with(params, {"_size": None})),
            Link(f"{max_size} rows", query_with(params, {"_size": str(max_size)})),
        ),
    )


def timelimit_problem(params: Params) -> BadParameter | None:
    value = first(params, "_timelimit")
    if not value:
        return None
    try:
        int(value)
    except ValueError:
        return BadParameter(
            "_timelimit",
            value,
            timelimit_error_message(value),
            links=(
                Link("the page without a time limit", query_with(params, {"_timelimit": None})),
            ),
        )
    return None


def through_problem(params: Params, facts: TableFacts) -> BadParameter | None:
    for value in values(params, "_through"):
        try:
            through = json.loads(value)
        except ValueError:
            problem = "this is not JSON"
        else:
            if not isinstance(through, dict) or not {"table", "column", "value"} <= through.keys():
                problem = "this is not an object with a table, a column and a value"
            elif through["table"] not in facts.through_tables:
                problem = f"{through['table']!r} has no foreign key to {facts.table}"
            else:
                continue
        return BadParameter(
            "_through",
            value,
            through_error_message(facts.table, value, problem, facts.through_tables),
            facts.through_tables,
            (Link(f"{facts.table} without _through", query_with(params, {"_through": None})),),
        )
    return None


def search_problem(params: Params, facts: TableFacts, detail: str = "") -> BadParameter | None:
    """A `_search_<column>` for a column the search index lacks; or, given the index's own
    complaint (`detail`, "fts5: syntax error near ..."), the search it was about."""
    for key, value in params:
        if not key.startswith("_search") or key == "_searchmode":
            continue
        if key != "_search" and key.removeprefix("_search_") not in facts.search_columns:
            return BadParameter(
                key,
                value,
                search_column_error_message(key, value, facts.search_columns),
                tuple(f"_search_{column}" for column in facts.search_columns),
                (Link("search every column", query_with(params, {key: None, "_search": value})),),
            )
        if detail:
            return BadParameter(
                key,
                value,
                search_error_message(key, value, detail),
                links=(Link(f"every row of {facts.table}", query_with(params, {key: None})),),
            )
    return None


def next_problem(params: Params, facts: TableFacts) -> BadParameter | None:
    value = first(params, "_next")
    if not value:
        return None
    if facts.is_view:
        try:
            int(value)
            return None
        except ValueError:
            pass
    else:
        sorted_ = bool(first(params, "_sort") or first(params, "_sort_desc")) or (
            facts.sorted_by_default
        )
        components = urlsafe_components(value)
        if sorted_ and len(components) > 1:
            components = components[1:]
        if not facts.primary_keys or not sorted_ or len(components) == len(facts.primary_keys):
            return None
    return BadParameter(
        "_next",
        value,
        next_error_message(facts.table, value),
        links=(Link("the first page", query_with(params, {"_next": None})),),
    )


def where_problem(params: Params, facts: TableFacts, detail: str) -> BadParameter | None:
    wheres = values(params, "_where")
    if not wheres:
        return None
    # SQLite does not say which condition it could not read: the message names them all.
    value = " and ".join(wheres)
    return BadParameter(
        "_where",
        value,
        where_error_message(facts.table, value, detail, facts.columns),
        facts.columns,
        (Link(f"{facts.table} without _where", query_with(params, {"_where": None})),),
    )


def shape_problem(path: str, params: Params) -> BadParameter | None:
    """An unknown ?_shape= on the JSON of a database, table, row or saved query (the home
    page's /.json and Datasette's own /-/ pages ignore it)."""
    value = first(params, "_shape")
    if value is None or value in SHAPES or not path.endswith(".json"):
        return None
    if path.endswith("/.json") or "/-/" in path:
        return None
    return BadParameter("_shape", value, shape_error_message(value), SHAPES)


def may_be_the_requests_fault(exception: Exception) -> bool:
    """The failures a bad parameter can cause: Datasette's 400s, its generic 500
    (DatasetteError), and what parsing a value raises (int(), json.loads, a missing key)."""
    if isinstance(exception, Base400 | DatasetteError):
        return getattr(exception, "status", None) in (400, 500)
    return isinstance(exception, ValueError | KeyError | TypeError)


def is_bad_request(exception: Exception) -> bool:
    """Datasette's own 400s: a Base400 (BadRequest) or a DatasetteError with status 400."""
    return getattr(exception, "status", None) == 400 and isinstance(
        exception, Base400 | DatasetteError
    )


def diagnose(params: Params, facts: TableFacts | None, exception: Exception) -> BadParameter | None:
    """The bad parameter that explains `exception`, or None when none does (then the failure
    is not the request's fault, or not one these checks know about)."""
    parse_error = isinstance(exception, ValueError | KeyError | TypeError)
    # Datasette's generic error: status 500 unless it says otherwise.
    generic = isinstance(exception, DatasetteError) and exception.status == 500
    found = timelimit_problem(params) if isinstance(exception, ValueError) else None
    if found or facts is None:
        return found
    if parse_error or generic:
        # json.loads, a missing key, a list for an object; or no such foreign key (generic).
        found = through_problem(params, facts)
    if not found and generic:
        found = sort_problem(params, facts)
    if not found and parse_error and facts.is_view:
        found = next_problem(params, facts)
    if found or not is_bad_request(exception):
        return found
    sql_error = isinstance(exception, DatasetteError) and exception.title == INVALID_SQL
    detail = str(exception.message) if isinstance(exception, DatasetteError) and sql_error else ""
    return (
        column_problem(params, facts)
        or facet_problem(params, facts)
        or size_problem(params, facts.max_size)
        or search_problem(params, facts, detail if detail.startswith("fts5") else "")
        or (next_problem(params, facts) if sql_error else None)
        or (where_problem(params, facts, detail) if sql_error else None)
    )


# Datasette's side: the facts of a table, the hooks


async def table_facts(datasette: Any, request: Any) -> TableFacts | None:
    """Facts about the table a table page asked for; None for any other page (a database, a
    saved query, a row) or a table that does not exist."""
    url_vars = request.url_vars
    if "table" not in url_vars or "pks" in url_vars or "database" not in url_vars:
        return None
    try:
        db = datasette.get_database(route=tilde_decode(url_vars["database"]))
    except KeyError:
        return None
    table = tilde_decode(url_vars["table"])
    if await datasette.get_canned_query(db.name, table, request.actor):
        return None
    is_view = bool(await db.get_view_definition(table))
    if not is_view and not await db.table_exists(table):
        return None
    columns = tuple(await db.table_columns(table))
    primary_keys = tuple(await db.primary_keys(table))
    metadata = datasette.table_metadata(db.name, table)
    if "sortable_columns" in metadata:
        sortable = tuple(metadata["sortable_columns"])
    else:
        sortable = columns + (("rowid",) if not primary_keys and not is_view else ())
    fts_table = metadata.get("fts_table") or await db.fts_table(table)
    # An FTS5 table lists itself and `rank` among its columns: neither is searchable text.
    hidden = {fts_table, "rank"}
    search_columns = tuple(
        column
        for column in (await db.table_columns(fts_table) if fts_table else [])
        if column not in hidden
    )
    foreign_keys = (await db.get_all_foreign_keys()).get(table, {})
    through_tables = tuple(
        dict.fromkeys(fk["other_table"] for fk in foreign_keys.get("incoming", []))
    )
    return TableFacts(
        table=table,
        columns=columns,
        primary_keys=primary_keys,
        sortable=sortable,
        is_view=is_view,
        sorted_by_default=bool(metadata.get("sort") or metadata.get("sort_desc")),
        search_columns=search_columns,
        through_tables=through_tables,
        max_size=datasette.max_returned_rows,
    )


ERROR_PAGE = """{% extends "base.html" %}
{% block title %}{{ problem.title }}{% endblock %}
{% block extra_head %}{{ super() }}{% include "_morgue_style.html" %}{% endblock %}
{% block crumbs %}{{ crumbs.nav(request=request, database=database, table=table) }}{% endblock %}
{% block content %}
<div class="morgue-error">
  <h1>{{ problem.title }}</h1>
  <p class="morgue-error-message">{{ problem.message }}</p>
  {% if problem.links %}
  <p>{{ problem.heading }}</p>
  <ul class="morgue-choices">
    {% for link in problem.links %}
    <li><a href="{{ path }}{{ link.query }}" rel="nofollow">{{ link.label }}</a></li>
    {% endfor %}
  </ul>
  {% endif %}
</div>
{% endblock %}"""


def cors_headers(datasette: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    if datasette.cors:
        add_cors_headers(headers)
    return headers


async def bad_parameter_response(datasette: Any, request: Any, problem: BadParameter) -> Response:
    headers = cors_headers(datasette)
    if request.path.endswith(".json"):
        return Response.json(problem.as_json(), status=400, headers=headers)
    url_vars = request.url_vars
    database = tilde_decode(url_vars["database"]) if "database" in url_vars else None
    table = tilde_decode(url_vars["table"]) if "table" in url_vars else None
    page = await datasette.render_template(
        datasette.jinja_env.from_string(ERROR_PAGE),
        {"problem": problem, "path": request.path, "database": database, "table": table},
        request=request,
        view_name="error",
    )
    return Response.html(page, status=400, headers=headers)


@hookimpl
def handle_exception(
    datasette: Any, request: Any, exception: Exception
) -> Callable[[], Awaitable[Response | None]]:
    async def inner() -> Response | None:
        if not may_be_the_requests_fault(exception):
            return None
        params = parse_qsl(request.query_string, keep_blank_values=True)
        try:
            facts = await table_facts(datasette, request)
        except (sqlite3.Error, QueryInterrupted):
            # The database itself is failing: that is Datasette's error to report.
            return None
        problem = diagnose(params, facts, exception)
        if problem is None:
            return None
        return await bad_parameter_response(datasette, request, problem)

    return inner


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Asgi], Asgi]:
    def wrap(app: Asgi) -> Asgi:
        async def checked(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                query = scope.get("query_string", b"").decode("latin-1")
                problem = shape_problem(
                    scope.get("path", ""), parse_qsl(query, keep_blank_values=True)
                )
                if problem is not None:
                    response = Response.json(
                        problem.as_json(), status=400, headers=cors_headers(datasette)
                    )
                    await response.asgi_send(send)
                    return
            await app(scope, receive, send)

        return checked

    return wrap
