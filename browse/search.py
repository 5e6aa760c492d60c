"""The reader's search page, `/<database>/-/search`: a form made for reading, and its results.

A plugin route: Datasette matches plugin routes before its own (Datasette._routes), and its own
would read this path as the row `search` of a table named `-`, which no archive has (`-` is the
segment Datasette keeps for its own pages, as in /-/versions); a table or saved query called
`search` keeps /<database>/search. What the
reader types goes through `reader_fts` (browse/search_syntax.py), the same SQL function the
saved query `search` in data/metadata.yml uses, so the page, its Atom feed and the saved query's
JSON and CSV find the same articles. Every parameter is read leniently: a value that cannot be
used is ignored, and the page says so next to the form, never with an error page.

The functions that decide what to run (read_search, search_conditions, results_sql, count_sql,
page_href) are pure; the view, search_page, only runs them and renders morgue_search.html.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from datasette.database import QueryInterrupted
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from browse.atom import MARK_CLOSE, MARK_OPEN, authors_of
from browse.search_syntax import fts5_query

ROUTE = r"^/(?P<database>[^/]+)/-/search$"
PAGE_SIZE = 20
# The query parameters the page reads, in the order its links write them.
PARAMETERS = ("q", "site", "author", "language", "from", "to", "sort", "page")
SORTS = {"relevance": "best match", "newest": "newest first", "oldest": "oldest first"}
DEFAULT_SORT = "relevance"
# Relevance as the saved query ranks it: a word in the headline counts five times one in the
# text. Undated articles come last in either date order.
RANK = "bm25(articles_fts, 5.0, 1.0)"
ORDER_BY = {
    "relevance": f"{RANK}, articles.published_at desc",
    "newest": f"articles.published_at is null, articles.published_at desc, {RANK}",
    "oldest": f"articles.published_at is null, articles.published_at, {RANK}",
}
DAY = re.compile(r"\d{4}-\d\d-\d\d")
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# The datalist of the author box: the most frequent names, not every name of a large archive,
# and not at all when counting them takes longer than this.
AUTHOR_SUGGESTIONS = 500
SUGGESTIONS_TIME_LIMIT_MS = 200
NOTHING_TO_SEARCH = "There is nothing to search for in that: type a word."
TOO_SLOW = "That search took too long: add a word, or narrow it by site or date."
SYNTAX_HELP = Markup(
    '<strong>Search tips:</strong> all words must match · <code>"exact phrase"</code> · '
    "<code>budget OR tax</code> either · <code>-word</code> leaves out · "
    "<code>bud*</code> words that start with it"
)


@dataclass(frozen=True)
class Choices:
    """What the archive holds for the form's controls."""

    sites: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Search:
    """The page's parameters as they will be used; `ignored` says what could not be, and why."""

    q: str = ""
    site: str = ""
    author: str = ""
    language: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    ignored: tuple[str, ...] = ()

    def parameters(self, *, page: int | None = None) -> dict[str, str]:
        """The query string that asks for this search (and page), empty values left out."""
        values = {
            "q": self.q,
            "site": self.site,
            "author": self.author,
            "language": self.language,
            "from": self.date_from,
            "to": self.date_to,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "page": "" if (page or self.page) == 1 else str(page or self.page),
        }
        return {name: value for name, value in values.items() if value}


def valid_day(text: str) -> bool:
    if not DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_search(args: Mapping[str, str | None], choices: Choices) -> Search:
    """The request's parameters, each one used if it can be and ignored (and said) if not."""

    def value(name: str) -> str:
        return (args.get(name) or "").strip()

    ignored: list[str] = []
    site, language = value("site"), value("language")
    if site and site not in choices.sites:
        ignored.append(f"site “{site}”: the archive holds no articles from it")
        site = ""
    if language and language not in choices.languages:
        ignored.append(f"language “{language}”: the archive holds no articles in it")
        language = ""
    days: dict[str, str] = {}
    for name in ("from", "to"):
        days[name] = value(name)
        if days[name] and not valid_day(days[name]):
            ignored.append(f"{name} “{days[name]}”: not a date (YYYY-MM-DD)")
            days[name] = ""
    date_from, date_to = days["from"], days["to"]
    if date_from and date_to and date_from > date_to:
        ignored.append(f"from {date_from} is after to {date_to}: the dates were swapped")
        date_from, date_to = date_to, date_from
    sort = value("sort") or DEFAULT_SORT
    if sort not in SORTS:
        ignored.append(f"sort “{sort}”: sorted by {SORTS[DEFAULT_SORT]}")
        sort = DEFAULT_SORT
    page = 1
    if value("page"):
        if PAGE_NUMBER.fullmatch(value("page")):
            page = int(value("page"))
        else:
            ignored.append(f"page “{value('page')}”: not a page number; showing page 1")
    return Search(
        q=value("q"),
        site=site,
        author=value("author"),
        language=language,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=page,
        ignored=tuple(ignored),
    )


def search_conditions(search: Search) -> tuple[str, dict[str, str]]:
    """The WHERE clause of the search (only the filters it uses) and its parameters."""
    clauses = ["articles_fts match reader_fts(:q)"]
    params = {"q": search.q}
    if search.site:
        clauses.append("articles.site = :site")
        params["site"] = search.site
    if search.author:
        # A name or part of one, in any case (ASCII letters): "becker" finds "Tom Becker".
        clauses.append(
            "exists (select 1 from json_each(articles.authors)"
            " where instr(lower(json_each.value), lower(:author)) > 0)"
        )
        params["author"] = search.author
    if search.language:
        clauses.append("articles.language = :language")
        params["language"] = search.language
    if search.date_from:
        clauses.append("substr(articles.published_at, 1, 10) >= :date_from")
        params["date_from"] = search.date_from
    if search.date_to:
        clauses.append("substr(articles.published_at, 1, 10) <= :date_to")
        params["date_to"] = search.date_to
    return "\n  and ".join(clauses), params


FROM = "from articles_fts\njoin articles on articles.rowid = articles_fts.rowid"


def results_sql(search: Search) -> tuple[str, dict[str, Any]]:
    """One page of results: what each result shows, in the order asked for."""
    conditions, params = search_conditions(search)
    sql = (
        "select articles.url, articles.title, articles.site, articles.published_at,\n"
        f"  articles.authors, snippet(articles_fts, 1, '{MARK_OPEN}', '{MARK_CLOSE}', ' … ', 24)"
        " as snippet\n"
        f"{FROM}\nwhere {conditions}\norder by {ORDER_BY[search.sort]}\n"
        "limit :limit offset :offset"
    )
    return sql, {**params, "limit": PAGE_SIZE, "offset": (search.page - 1) * PAGE_SIZE}


def count_sql(search: Search) -> tuple[str, dict[str, str]]:
    conditions, params = search_conditions(search)
    return f"select count(*) {FROM}\nwhere {conditions}", params


def page_count(found: int) -> int:
    return max(1, -(-found // PAGE_SIZE))


def page_href(path: str, search: Search, page: int | None = None) -> str:
    query = urlencode(search.parameters(page=page))
    return f"{path}?{query}" if query else path


def human_date(value: object) -> str:
    """`2024-06-18T14:05:00Z` as "18 June 2024, 14:05 UTC", a bare day `2024-06-18` as
    "18 June 2024"; anything that is not a date, as it is."""
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip()
    try:
        if DAY.fullmatch(text):
            day = date.fromisoformat(text)
            return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} UTC"


def highlighted(snippet: str) -> Markup:
    """A search snippet escaped first, then only its match markers turned back into <mark>."""
    escaped = str(escape(snippet))
    return Markup(
        escaped.replace(str(escape(MARK_OPEN)), MARK_OPEN).replace(
            str(escape(MARK_CLOSE)), MARK_CLOSE
        )
    )


def count_text(found: int) -> str:
    return f"{found:,} article{'' if found == 1 else 's'}"


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class Result:
    title: str
    href: str
    site: str
    authors: list[Link]
    published_at: str | None
    date: str
    snippet: Markup


async def choices_of(db: Any) -> Choices:
    sites = await db.execute("select distinct site from articles where site is not null order by 1")
    languages = await db.execute(
        "select distinct language from articles where coalesce(language, '') != '' order by 1"
    )
    try:
        authors = [
            row[0]
            for row in await db.execute(
                "select json_each.value from articles, json_each(articles.authors)"
                " where json_valid(articles.authors) group by 1 order by count(*) desc, 1"
                " limit :limit",
                {"limit": AUTHOR_SUGGESTIONS},
                custom_time_limit=SUGGESTIONS_TIME_LIMIT_MS,
            )
        ]
    except QueryInterrupted:
        authors = []
    return Choices(
        sites=tuple(row[0] for row in sites),
        languages=tuple(row[0] for row in languages),
        authors=tuple(sorted(authors, key=str.casefold)),
    )


async def archive_database(datasette: Any, request: Any) -> Any:
    """The database the path names, if the reader may see its articles and it has them."""
    route = tilde_decode(request.url_vars["database"])
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        raise NotFound(f"There is no database {route!r} in this reading room.") from None
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (db.name, "articles")), ("view-database", db.name), "view-instance"],
    )
    if not await db.table_exists("articles_fts"):
        raise NotFound(f"The database {db.name!r} is not a Morgue archive: it has no search.")
    return db


def result_of(datasette: Any, database: str, row: Any) -> Result:
    articles = datasette.urls.table(database, "articles")
    return Result(
        title=row["title"] or row["url"],
        href=datasette.urls.row(database, "articles", tilde_encode(row["url"])),
        site=row["site"],
        authors=[
            Link(name, f"{articles}?{urlencode({'authors__arraycontains': name})}")
            for name in authors_of(row["authors"])
        ],
        published_at=row["published_at"],
        date=human_date(row["published_at"]),
        snippet=highlighted(row["snippet"] or ""),
    )


async def saved_query_links(
    datasette: Any, database: str, actor: Any, search: Search
) -> tuple[str | None, str | None]:
    """The saved query `search` with this search's filters (it has no pages): its page, with
    its SQL shown, and its Atom feed; None when the archive's metadata has no such query."""
    if not await datasette.get_canned_query(database, "search", actor):
        return None, None
    parameters = {name: value for name, value in search.parameters().items() if name != "page"}
    sql_href = (
        datasette.urls.query(database, "search") + "?" + urlencode({**parameters, "_show_sql": "1"})
    )
    atom = datasette.urls.query(database, "search", format="atom")
    return sql_href, f"{atom}?{urlencode(parameters)}" if parameters else atom


async def find(
    datasette: Any, db: Any, search: Search
) -> tuple[Search, int | None, list[Result], str | None]:
    """The search (its page moved back to the last when past it), how many articles match
    (None when nothing was searched), the page's results, and what stopped the search."""
    if fts5_query(search.q) is None:
        return search, None, [], NOTHING_TO_SEARCH if search.q else None
    try:
        sql, params = count_sql(search)
        found = int((await db.execute(sql, params)).first()[0])
        last = page_count(found)
        if search.page > last:
            notice = f"page {search.page}: the results end on page {last}, shown here"
            search = replace(search, page=last, ignored=(*search.ignored, notice))
        sql, params = results_sql(search)
        rows = await db.execute(sql, params)
    except QueryInterrupted:
        return search, None, [], TOO_SLOW
    return search, found, [result_of(datasette, db.name, row) for row in rows], None


async def search_page(datasette: Any, request: Any) -> Response:
    db = await archive_database(datasette, request)
    choices = await choices_of(db)
    search = read_search({name: request.args.get(name) for name in PARAMETERS}, choices)
    path = datasette.urls.path(f"{tilde_encode(db.route)}/-/search")
    search, found, results, problem = await find(datasette, db, search)
    pages = page_count(found or 0)
    sql_href, atom_href = await saved_query_links(datasette, db.name, request.actor, search)
    context = {
        "database": db.name,
        "search": search,
        "choices": choices,
        "sorts": SORTS,
        "searched": found is not None,
        "found": found,
        "found_text": count_text(found or 0),
        "results": results,
        "problem": problem,
        "page": search.page,
        "pages": pages,
        "first_shown": (search.page - 1) * PAGE_SIZE + 1,
        "last_shown": (search.page - 1) * PAGE_SIZE + len(results),
        "previous_href": page_href(path, search, search.page - 1) if search.page > 1 else None,
        "next_href": page_href(path, search, search.page + 1) if search.page < pages else None,
        "action": path,
        "syntax_help": SYNTAX_HELP,
        "sql_href": sql_href,
        "atom_href": atom_href,
    }
    html = await datasette.render_template(
        "morgue_search.html", context, request=request, view_name="morgue_search"
    )
    return Response.html(html)
