"""Bad parameters get a 400 that says what is allowed (browse/errors.py): the checks on their
own, then through Datasette's in-process client over a crawled archive, as a reader's browser
or a script asking for JSON would meet them."""

from __future__ import annotations

import asyncio
import copy
import re
import sqlite3
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import yaml
from datasette.app import Datasette
from datasette.utils.asgi import NotFound
from datasette.views.base import DatasetteError

from browse.errors import (
    SHAPES,
    TableFacts,
    diagnose,
    next_problem,
    query_with,
    shape_problem,
    size_problem,
    sort_error_message,
    sort_problem,
    through_problem,
    timelimit_problem,
)
from tests.conftest import REPO, CrawlRun

METADATA = yaml.safe_load((REPO / "data" / "metadata.yml").read_text())
ARTICLES = TableFacts(
    table="articles",
    columns=("url", "site", "title", "published_at"),
    primary_keys=("url",),
    sortable=("url", "site", "title", "published_at"),
    sorted_by_default=True,
    search_columns=("title", "text"),
    through_tables=(),
)
HOSTILE = '<script>alert("x")</script>'


def params(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


# The checks, on tiny inputs


def test_a_sort_error_names_the_value_and_every_column_it_could_have_been() -> None:
    assert sort_error_message("articles", "nosuch", ["title", "site"]) == (
        "_sort=nosuch: articles cannot be sorted by 'nosuch', it has no such column."
        " _sort (ascending) and _sort_desc (descending) take one of its columns: title, site."
    )


def test_a_sort_error_suggests_the_column_that_was_meant() -> None:
    message = sort_error_message("articles", "publishd_at", ARTICLES.sortable, "_sort_desc")
    assert message.startswith("_sort_desc=publishd_at: ")
    assert "Did you mean 'published_at'?" in message


def test_an_unknown_sort_column_links_to_each_sortable_one_keeping_the_other_parameters() -> None:
    problem = sort_problem(params("site=courier&_sort=nosuch&_next=abc"), ARTICLES)
    assert problem is not None
    assert (problem.parameter, problem.value, problem.allowed) == (
        "_sort",
        "nosuch",
        ARTICLES.sortable,
    )
    assert [link.query for link in problem.links][:2] == [
        "?site=courier&_sort=url",
        "?site=courier&_sort=site",
    ]


def test_sort_and_sort_desc_together_offer_either_one() -> None:
    problem = sort_problem(params("_sort=title&_sort_desc=site"), ARTICLES)
    assert problem is not None
    assert "not both" in problem.message
    assert [link.query for link in problem.links] == ["?_sort=title", "?_sort_desc=site"]


def test_a_known_sort_column_or_none_is_no_problem() -> None:
    assert sort_problem(params("_sort=title"), ARTICLES) is None
    assert sort_problem(params("_sort_desc="), ARTICLES) is None
    assert sort_problem([], ARTICLES) is None


@pytest.mark.parametrize("good", ["", "max", "0", "20", "1000"])
def test_a_page_size_from_0_to_the_maximum_or_max_is_allowed(good: str) -> None:
    assert size_problem([("_size", good)], 1000) is None


@pytest.mark.parametrize("bad", ["abc", "-1", "1001", "1.5"])
def test_any_other_page_size_is_refused_saying_what_is_allowed(bad: str) -> None:
    problem = size_problem([("_size", bad)], 1000)
    assert problem is not None
    assert problem.message == (
        f"_size={bad}: _size is how many rows a page shows, a whole number from 0 to 1000, or max."
    )


def test_a_time_limit_must_be_a_whole_number_of_milliseconds() -> None:
    assert timelimit_problem([("_timelimit", "500")]) is None
    problem = timelimit_problem([("_timelimit", "abc")])
    assert problem is not None
    assert "in milliseconds, a whole number such as 500" in problem.message


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "this is not JSON"),
        ("zzz", "this is not JSON"),
        ("[1]", "this is not an object with a table, a column and a value"),
        ('{"table": "x"}', "this is not an object with a table, a column and a value"),
        ('{"table": "x", "column": "y", "value": 1}', "'x' has no foreign key to articles"),
    ],
)
def test_a_bad_through_says_what_is_wrong_and_which_tables_it_could_go_through(
    value: str, problem: str
) -> None:
    found = through_problem([("_through", value)], ARTICLES)
    assert found is not None
    assert f"_through={value}: {problem}. _through takes a JSON object" in found.message
    assert found.message.endswith(
        "where table is a table with a foreign key to articles, and articles has none."
    )
    facts = TableFacts("crawls", ("id",), ("id",), through_tables=("failures", "captures"))
    found = through_problem([("_through", value)], facts)
    assert found is not None
    assert "one of the tables with a foreign key to crawls: failures, captures." in found.message


def test_a_through_over_a_real_foreign_key_is_no_problem() -> None:
    facts = TableFacts("crawls", ("id",), ("id",), through_tables=("failures",))
    value = '{"table": "failures", "column": "site", "value": "courier"}'
    assert through_problem([("_through", value)], facts) is None


def test_a_next_token_with_more_parts_than_the_sort_and_the_key_is_refused() -> None:
    assert next_problem(params("_next=2024-01-01,http~3A~2F~2Fx"), ARTICLES) is None
    assert next_problem(params("_next=1,2,3"), ARTICLES) is not None
    # Unsorted, Datasette ignores the parts it cannot use; a view pages by offset.
    unsorted = TableFacts("articles", ("url",), ("url",))
    assert next_problem(params("_next=1,2,3"), unsorted) is None
    view = TableFacts("recent", ("url",), is_view=True)
    assert next_problem(params("_next=20"), view) is None
    assert next_problem(params("_next=zzz"), view) is not None


def test_an_unknown_shape_is_refused_on_data_only() -> None:
    problem = shape_problem("/archive/articles.json", [("_shape", "nosuch")])
    assert problem is not None
    assert (
        problem.message
        == f"_shape=nosuch: there is no such shape. _shape takes one of: {', '.join(SHAPES)}."
    )
    assert shape_problem("/archive/articles.json", [("_shape", "objects")]) is None
    assert shape_problem("/archive/articles", [("_shape", "nosuch")]) is None
    assert shape_problem("/-/versions.json", [("_shape", "nosuch")]) is None


def test_query_with_replaces_removes_and_adds_values() -> None:
    given = params("a=1&_facet=x&_facet=y&b=")
    assert query_with(given, {"a": None}) == "?_facet=x&_facet=y&b="
    assert (
        query_with(given, drop=("_facet", "x"), add=("_facet", "z")) == "?a=1&_facet=y&b=&_facet=z"
    )
    assert query_with([], {"_sort": None}) == "?"


def test_a_server_error_stays_a_server_error_even_with_a_bad_parameter() -> None:
    bad_sort = params("_sort=nosuch&_timelimit=abc")
    assert diagnose(bad_sort, ARTICLES, sqlite3.OperationalError("disk I/O error")) is None
    assert diagnose(bad_sort, ARTICLES, RuntimeError("boom")) is None
    assert diagnose(bad_sort, ARTICLES, NotFound("Table not found")) is None
    # The table's default sort (data/metadata.yml) naming a missing column is not the request's.
    assert diagnose([], ARTICLES, DatasetteError("Cannot sort table by nosuch")) is None
    # And the errors a bad parameter does cause are recognised.
    found = diagnose(bad_sort, ARTICLES, DatasetteError("Cannot sort table by nosuch"))
    assert found is not None
    assert found.parameter == "_sort"
    found = diagnose(bad_sort, None, ValueError("invalid literal for int()"))
    assert found is not None
    assert found.parameter == "_timelimit"


# Through Datasette, over a crawled archive


@pytest.fixture(scope="module")
def archive(crawled: CrawlRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the crawled archive (other tests crawl into the original again)."""
    assert crawled.returncode == 0, crawled.log[-3000:]
    path = tmp_path_factory.mktemp("errors") / "archive.db"
    source, target = sqlite3.connect(crawled.db_path), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    return path


def get(
    db_path: Path,
    path: str,
    *,
    metadata: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> httpx.Response:
    async def fetch() -> httpx.Response:
        datasette = Datasette([str(db_path)], metadata=metadata or METADATA, settings=settings)
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def choices(page: str) -> list[str]:
    """The links of an error page's list of ways out, unescaped."""
    listed = re.search(r'<ul class="morgue-choices">(.*?)</ul>', page, re.S)
    assert listed is not None, page
    return [unescape(href) for href in re.findall(r'<a href="([^"]*)"', listed.group(1))]


# A facet over a missing column fails while Datasette's other facets are still coroutines that
# are never awaited; Python warns when they are collected (Datasette's, not ours to fix).
DATASETTE_LEAVES_FACETS_UNAWAITED = pytest.mark.filterwarnings(
    "ignore:coroutine '.*Facet.facet_results' was never awaited:RuntimeWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
)

# Each: the request, the parameter at fault, what the page must offer instead. The first ones
# were 500s in Datasette 0.65.5; the others were 400s that did not say what would work.
BAD_REQUESTS = [
    ("/archive/articles?_sort=nosuch", "_sort", "published_at"),
    ("/archive/articles?_sort_desc=nosuch", "_sort_desc", "published_at"),
    ("/archive/articles?_sort=rowid", "_sort", "word_count"),
    ("/archive/articles?_sort=title&_sort_desc=site", "_sort", "not both"),
    ("/archive/failures?_sort=nosuch", "_sort", "reason"),
    ("/archive/articles?_through=", "_through", "takes a JSON object"),
    ("/archive/articles?_through=zzz", "_through", "takes a JSON object"),
    ('/archive/articles?_through={"table":"x","column":"y","value":"1"}', "_through", "has none"),
    ("/archive/articles?_timelimit=abc", "_timelimit", "milliseconds"),
    ("/archive/latest_articles?_timelimit=abc", "_timelimit", "milliseconds"),
    ("/archive/articles?_size=abc", "_size", "from 0 to 1000, or max"),
    ("/archive/articles?_size=-1", "_size", "from 0 to 1000, or max"),
    pytest.param(
        "/archive/articles?_facet=nosuch",
        "_facet",
        "published_at",
        marks=DATASETTE_LEAVES_FACETS_UNAWAITED,
    ),
    pytest.param(
        "/archive/articles?_facet_array=nosuch",
        "_facet_array",
        "authors",
        marks=DATASETTE_LEAVES_FACETS_UNAWAITED,
    ),
    ("/archive/articles?_col=nosuch", "_col", "word_count"),
    ("/archive/articles?_nocol=nosuch", "_nocol", "word_count"),
    ("/archive/articles?_nocol=url", "_nocol", "is the primary key of articles"),
    ("/archive/articles?_where=", "_where", "takes an SQL condition"),
    ("/archive/articles?_where=nosuch", "_where", "no such column: nosuch"),
    ("/archive/articles?_next=1,2,3", "_next", "start again from the first page"),
    ("/archive/articles?_search_nosuch=x", "_search_nosuch", "_search_title"),
]


@pytest.mark.parametrize(("path", "parameter", "allowed"), BAD_REQUESTS)
def test_a_bad_parameter_gets_a_400_page_that_says_what_is_allowed(
    archive: Path, path: str, parameter: str, allowed: str
) -> None:
    response = get(archive, path)
    assert response.status_code == 400, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f"<h1>Bad parameter: {parameter}</h1>" in page
    message = re.search(r'<p class="morgue-error-message">(.*?)</p>', page, re.S)
    assert message is not None
    assert unescape(message.group(1)).startswith(f"{parameter}=")
    assert allowed in unescape(message.group(1))
    # In the reading room's style, with a way out.
    assert ".morgue-error" in page
    assert choices(page)


@pytest.mark.parametrize(("path", "parameter", "allowed"), BAD_REQUESTS)
def test_a_bad_parameter_in_json_gets_a_400_json_error(
    archive: Path, path: str, parameter: str, allowed: str
) -> None:
    base, _, query = path.partition("?")
    response = get(archive, f"{base}.json?{query}")
    assert response.status_code == 400, response.text[:2000]
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()
    assert error["ok"] is False
    assert error["status"] == 400
    assert error["parameter"] == parameter
    assert error["error"].startswith(f"{parameter}=")
    assert allowed in error["error"]


def test_the_sort_page_links_to_every_sortable_column_and_each_link_works(archive: Path) -> None:
    page = get(archive, "/archive/articles?site=courier&_sort=nosuch").text
    links = choices(page)
    columns = [row[1] for row in sqlite3.connect(archive).execute("pragma table_info(articles)")]
    assert links == [f"/archive/articles?site=courier&_sort={column}" for column in columns]
    assert get(archive, links[2]).status_code == 200


def test_an_unknown_shape_is_a_400_on_a_table_and_on_a_saved_query(archive: Path) -> None:
    for path in ("/archive/articles.json", "/archive/latest_articles.json"):
        response = get(archive, f"{path}?_shape=nosuch")
        assert response.status_code == 400
        assert response.json()["error"] == (
            "_shape=nosuch: there is no such shape. _shape takes one of:"
            " arrays, objects, array, object, arrayfirst."
        )
        assert response.json()["allowed"] == list(SHAPES)


@pytest.mark.parametrize(
    "path",
    [
        f"/archive/articles?_sort={HOSTILE}",
        f"/archive/articles?_sort_desc={HOSTILE}",
        f"/archive/articles?_where={HOSTILE}",
        f"/archive/articles?_through={HOSTILE}",
        pytest.param(
            f"/archive/articles?_facet={HOSTILE}", marks=DATASETTE_LEAVES_FACETS_UNAWAITED
        ),
        f"/archive/articles?_col={HOSTILE}",
        f"/archive/latest_articles?_timelimit={HOSTILE}",
    ],
)
def test_a_hostile_value_is_shown_escaped_never_as_markup(archive: Path, path: str) -> None:
    response = get(archive, path)
    assert response.status_code == 400
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    base, _, query = path.partition("?")
    assert get(archive, f"{base}.json?{query}").json()["value"] == HOSTILE


@pytest.mark.parametrize(
    "path",
    [
        "/archive/articles?_sort=title",
        "/archive/articles?_sort_desc=word_count&_size=max",
        "/archive/articles?_facet=site&_col=title&_nocol=text",
        "/archive/articles?_size=0",
        "/archive/articles.json?_shape=objects&_timelimit=500",
        "/archive/latest_articles.json?_shape=array",
        "/archive/latest_articles?_sort=nosuch",
        "/-/versions.json?_shape=nosuch",
    ],
)
def test_a_good_request_is_unaffected(archive: Path, path: str) -> None:
    response = get(archive, path)
    assert response.status_code == 200, response.text[:2000]


def test_a_missing_table_is_still_a_404(archive: Path) -> None:
    assert get(archive, "/archive/nosuch?_sort=nosuch").status_code == 404


def test_a_bad_default_sort_in_the_configuration_stays_a_500(archive: Path) -> None:
    metadata = copy.deepcopy(METADATA)
    metadata["databases"]["archive"]["tables"]["failures"]["sort_desc"] = "nosuch"
    assert get(archive, "/archive/failures", metadata=metadata).status_code == 500


def test_behind_a_reverse_proxy_the_ways_out_keep_the_base_url(archive: Path) -> None:
    response = get(archive, "/archive/articles?_sort=nosuch", settings={"base_url": "/morgue/"})
    assert response.status_code == 400
    assert all(
        link.startswith("/morgue/archive/articles?_sort=") for link in choices(response.text)
    )
