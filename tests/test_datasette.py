"""The reading room: Datasette with data/metadata.yml and the browse/ plugin, serving an archive
made by a real crawl of the local test site, page by page and saved query by saved query."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import yaml
from datasette.app import Datasette
from datasette.utils import tilde_encode
from markupsafe import escape
from sqlite_utils import Database

from archive.writes import archive_article, content_hash
from browse.atom import atom_feed, atom_timestamp
from browse.charts import daily_articles_svg, extraction_health_svg
from tests.conftest import REPO, CrawlRun

METADATA = yaml.safe_load((REPO / "data" / "metadata.yml").read_text())
QUERIES = METADATA["databases"]["archive"]["queries"]
ATOM = "{http://www.w3.org/2005/Atom}"
BUDGET_TITLE = "City council approves $48 million budget after marathon session"
BAKERY_TITLE = "Mill Street bakery wins gold at international bread competition"
SCRIPT_TITLE = "School district website defaced by a prank script"
CORRECTED_TITLE = "Mill Street bakery wins gold in Stuttgart"


def request(
    db_path: Path, path: str, *, method: str = "GET", settings: dict[str, Any] | None = None
) -> httpx.Response:
    async def fetch() -> httpx.Response:
        datasette = Datasette([str(db_path)], metadata=METADATA, settings=settings)
        await datasette.invoke_startup()
        if method == "POST":
            return await datasette.client.post(path, data={"q": "x"})
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def get_html(db_path: Path, path: str, **settings: Any) -> str:
    response = request(db_path, path, settings=settings or None)
    assert response.status_code == 200, response.text[:1000]
    return response.text


def get_json(db_path: Path, path: str) -> Any:
    response = request(db_path, path)
    assert response.status_code == 200, response.text[:1000]
    return response.json()


def get_feed(db_path: Path, path: str) -> ElementTree.Element:
    response = request(db_path, path)
    assert response.status_code == 200, response.text[:1000]
    assert response.headers["content-type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content)


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


@pytest.fixture(scope="session")
def archive(crawled: CrawlRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the crawled archive (other tests crawl into the original again), in which the
    bakery story was then corrected, through the store's own code, as a later crawl would."""
    assert crawled.returncode == 0, crawled.log[-3000:]
    copy = tmp_path_factory.mktemp("reading-room") / "archive.db"
    source = sqlite3.connect(crawled.db_path)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    db = Database(copy)
    (row,) = db.execute_returning_dicts("select * from articles where title = ?", [BAKERY_TITLE])
    corrected = {**row, "title": CORRECTED_TITLE, "fetched_at": "2030-01-02T03:04:05Z"}
    corrected["content_hash"] = content_hash(CORRECTED_TITLE, row["text"])
    assert archive_article(db, corrected) == "updated"
    db.close()
    return copy


def article_page(url: str) -> str:
    return f"/archive/articles/{tilde_encode(url)}"


def url_of(archive: Path, title: str) -> str:
    (row,) = rows(archive, "select url from articles where title = ?", (title,))
    return str(row["url"])


# The home page


def test_the_home_page_says_what_the_archive_holds(archive: Path) -> None:
    page = get_html(archive, "/")
    articles = rows(archive, "select count(*) as n from articles")[0]["n"]
    assert re.search(rf"<strong>{articles}</strong> articles\s+from <strong>1</strong> site", page)
    assert "published <strong>2024-02-01</strong> to <strong>2024-07-02</strong>" in page
    (crawl,) = rows(archive, "select * from crawls order by started_at desc, id desc limit 1")
    finished = crawl["finished_at"]
    assert f"finished {finished[:10]} {finished[11:16]} UTC (finished)" in page
    assert '<a href="/archive/articles?site=courier">courier</a>' in page
    # One box searches the whole archive, or one site, with the search page.
    assert '<form class="morgue-search" action="/archive/-/search" method="get"' in page
    assert '<option value="courier">courier</option>' in page
    for query in QUERIES:
        if query != "search":
            assert f'href="/archive/{query}"' in page


def test_behind_a_reverse_proxy_every_link_keeps_the_base_url(archive: Path) -> None:
    page = get_html(archive, "/", base_url="/morgue/")
    assert 'action="/morgue/archive/-/search"' in page
    assert 'href="/morgue/archive/articles_per_day"' in page
    assert 'href="/archive/' not in page


# Search


def test_search_from_the_home_page_is_ranked_with_highlighted_snippets(archive: Path) -> None:
    found = get_json(archive, "/archive/search.json?q=council&site=&_shape=objects")["rows"]
    titles = [row["title"] for row in found]
    # The word is in this headline; elsewhere it is only in the text.
    assert titles[0] == BUDGET_TITLE
    assert len(titles) >= 2
    assert all("<mark>" in row["snippet"].lower() for row in found)
    page = get_html(archive, "/archive/-/search?q=caraway")
    assert "<mark>caraway</mark>" in page
    assert f'<a href="{article_page(url_of(archive, CORRECTED_TITLE))}">' in page


def test_search_can_be_limited_to_a_site_and_an_empty_box_finds_nothing(archive: Path) -> None:
    assert get_json(archive, "/archive/search.json?q=council&site=courier")["rows"]
    assert get_json(archive, "/archive/search.json?q=council&site=elsewhere")["rows"] == []
    assert get_json(archive, "/archive/search.json?q=&site=")["rows"] == []
    # The box takes the search page's syntax (browse/search_syntax.py); whatever is typed,
    # FTS5's own syntax and an unbalanced quote too, is never an error.
    for typed in ("%22council", "title%3Acouncil", "NEAR(council", "*", "-council"):
        assert get_json(archive, f"/archive/search.json?q={typed}&site=")["ok"], typed
    assert get_json(archive, "/archive/search.json?q=-council&site=")["rows"] == []


def test_full_text_search_finds_an_article_by_a_word_of_its_body(archive: Path) -> None:
    found = get_json(archive, "/archive/articles.json?_search=caraway&_shape=objects")
    assert [row["title"] for row in found["rows"]] == [CORRECTED_TITLE]


def test_search_is_stemmed(archive: Path) -> None:
    found = get_json(archive, "/archive/articles.json?_search=budgets&_shape=objects")
    assert BUDGET_TITLE in [row["title"] for row in found["rows"]]


# The articles table


def test_articles_are_newest_first_with_the_configured_facets(archive: Path) -> None:
    page = get_json(archive, "/archive/articles.json?_shape=objects")
    dates = [row["published_at"] for row in page["rows"]]
    dated = [value for value in dates if value is not None]
    assert dates == [*sorted(dated, reverse=True), None]  # the undated article comes last
    facets = page["facet_results"]
    assert set(facets) == {"site", "authors", "tags", "language", "published_at"}
    authors = {item["value"]: item["count"] for item in facets["authors"]["results"]}
    assert authors["Maria Gonzalez"] == 1
    assert authors["Natasha Kumar"] == 1
    tags = {item["value"]: item["count"] for item in facets["tags"]["results"]}
    assert tags["City Council"] == 1
    assert facets["site"]["results"][0]["value"] == "courier"
    assert facets["published_at"]["type"] == "date"


def test_an_array_facet_filters_by_author(archive: Path) -> None:
    page = get_json(
        archive, "/archive/articles.json?authors__arraycontains=Tom+Becker&_shape=objects"
    )
    assert [json.loads(row["authors"]) for row in page["rows"]] == [
        ["Maria Gonzalez", "Tom Becker"]
    ]


def test_the_table_shows_the_columns_that_matter_first_and_only_the_start_of_the_text(
    archive: Path,
) -> None:
    page = get_html(archive, "/archive/articles")
    headers = re.findall(r'<th class="col-([a-z_]+)"', page)
    assert headers[:5] == ["title", "published_at", "site", "authors", "tags"]
    (budget,) = rows(archive, "select text from articles where title = ?", (BUDGET_TITLE,))
    paragraphs = budget["text"].split("\n")
    assert " ".join(paragraphs[0].split()[:10]) in page
    assert paragraphs[-1] not in page
    assert f'<a href="{article_page(url_of(archive, BUDGET_TITLE))}">' in page


def test_failures_are_browsable_by_stage(archive: Path) -> None:
    page = get_json(archive, "/archive/failures.json?_shape=objects")
    stages = {item["value"] for item in page["facet_results"]["stage"]["results"]}
    assert stages == {"fetch", "discover", "extract"}


# The article page


def test_an_article_page_reads_like_an_article(archive: Path) -> None:
    url = url_of(archive, BUDGET_TITLE)
    page = get_html(archive, article_page(url))
    (row,) = rows(archive, "select * from articles where url = ?", (url,))
    assert f"<title>{BUDGET_TITLE}</title>" in page
    assert f"<h1>{BUDGET_TITLE}</h1>" in page
    assert re.search(r">Maria Gonzalez</a>\s*and\s*<a [^>]*>Tom Becker</a>", page)
    assert f'<time datetime="{row["published_at"]}">' in page
    assert f'<a class="original" href="{url}" rel="noopener noreferrer">' in page
    body = page.split('<div class="article-body">')[1].split("</div>")[0]
    paragraphs = re.findall(r"<p>(.*?)</p>", body)
    assert len(paragraphs) == len(row["text"].split("\n"))
    assert paragraphs[0] == str(escape(row["text"].split("\n")[0]))


def test_stored_text_is_shown_as_text_never_run_as_html(archive: Path) -> None:
    url = url_of(archive, SCRIPT_TITLE)
    (row,) = rows(archive, "select text from articles where url = ?", (url,))
    assert "<script>alert(1)</script>" in row["text"]
    for path in (
        article_page(url),
        "/archive/articles?_search=prank",
        "/archive/search?q=textbook&site=",
        "/archive/-/search?q=textbook",
    ):
        page = get_html(archive, path)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
        assert "<script>alert(1)</script>" not in page, path


# Saved queries


def test_no_saved_query_writes(archive: Path) -> None:
    assert not [name for name, query in QUERIES.items() if query.get("write")]
    before = rows(archive, "select count(*) as n from failures")
    assert request(archive, "/archive/search", method="POST").status_code >= 400
    insert = "insert into failures (url, stage, reason, at) values ('x', 'x', 'x', 'x')"
    response = request(archive, f"/archive.json?sql={insert}")
    assert response.status_code == 400
    assert "Statement must be a SELECT" in response.text
    assert rows(archive, "select count(*) as n from failures") == before


def test_every_saved_query_runs_with_its_parameters_left_empty(archive: Path) -> None:
    for name in QUERIES:
        response = request(archive, f"/archive/{name}.json")
        assert response.status_code == 200, (name, response.text[:500])
        assert response.json()["ok"], name


def test_latest_articles_are_newest_first(archive: Path) -> None:
    found = get_json(archive, "/archive/latest_articles.json?_shape=objects")["rows"]
    dated = [row["published_at"] for row in found if row["published_at"]]
    assert dated == sorted(dated, reverse=True)
    assert next(row["title"] for row in found if row["published_at"]) == SCRIPT_TITLE
    # An undated article counts as published when it was fetched: after every dated one here.
    assert found[0]["published_at"] is None
    assert len(found) == rows(archive, "select count(*) as n from articles")[0]["n"]


def test_articles_by_an_author(archive: Path) -> None:
    found = get_json(archive, "/archive/articles_by_author.json?author=Tom+Becker&_shape=objects")
    assert [row["title"] for row in found["rows"]] == [BUDGET_TITLE]


def test_what_a_site_published_on_a_day(archive: Path) -> None:
    path = "/archive/site_day.json?site=courier&day=2024-03-05&_shape=objects"
    assert [row["title"] for row in get_json(archive, path)["rows"]] == [BUDGET_TITLE]
    path = "/archive/site_day.json?site=&day=2024-07-02&_shape=objects"
    assert [row["title"] for row in get_json(archive, path)["rows"]] == [SCRIPT_TITLE]


def test_articles_that_were_revised_show_what_changed(archive: Path) -> None:
    found = get_json(archive, "/archive/revised_articles.json?_shape=objects")["rows"]
    assert [(row["title"], row["earlier_title"]) for row in found] == [
        (CORRECTED_TITLE, BAKERY_TITLE)
    ]
    assert json.loads(found[0]["changed"]) == ["title"]
    assert found[0]["replaced_at"] == "2030-01-02T03:04:05Z"


def test_earlier_versions_show_their_authors_as_names(archive: Path) -> None:
    page = get_html(archive, "/archive/article_versions")
    name = '<a href="/archive/articles?authors__arraycontains=Lena+Fischer">Lena Fischer</a>'
    assert name in page
    assert "[&#34;Lena" not in page
    (version,) = rows(archive, "select id from article_versions")
    assert name in get_html(archive, f"/archive/article_versions/{version['id']}")


def test_the_last_crawls_and_their_failures(archive: Path) -> None:
    crawls = get_json(archive, "/archive/recent_crawls.json?_shape=objects")["rows"]
    latest = crawls[0]
    assert latest["finish_reason"] == "finished"
    assert latest["site"] == "courier"
    assert latest["archived"] + latest["updated"] + latest["unchanged"] >= 1
    failures = get_json(archive, "/archive/crawl_failures.json?_shape=objects")["rows"]
    stored = rows(archive, "select * from failures where crawl_id = ?", (latest["crawl_id"],))
    assert len(failures) == len(stored) > 0
    assert {row["stage"] for row in failures} == {row["stage"] for row in stored}
    path = f"/archive/crawl_failures.json?crawl_id={latest['crawl_id']}&_shape=objects"
    assert len(get_json(archive, path)["rows"]) == len(stored)


# Pictures


def test_articles_per_day_per_site_is_data_and_a_picture(archive: Path) -> None:
    found = get_json(archive, "/archive/articles_per_day.json?_shape=objects")["rows"]
    dated = rows(archive, "select substr(published_at, 1, 10) as day from articles")
    expected = Counter(row["day"] for row in dated if row["day"])
    assert {row["day"]: row["articles"] for row in found} == expected
    page = get_html(archive, "/archive/articles_per_day")
    chart = page.split('<svg xmlns="http://www.w3.org/2000/svg" class="morgue-chart"')[1]
    assert chart.count("<rect ") == len(expected)
    assert "2024-03-05 courier: 1 article" in chart


def test_extraction_health_is_data_and_a_picture(archive: Path) -> None:
    found = get_json(archive, "/archive/extraction_health.json?_shape=objects")["rows"]
    assert found
    total = sum(row["articles"] for row in found)
    assert total == rows(archive, "select count(*) as n from articles")[0]["n"]
    # The undated library story: not every article has a date.
    assert min(row["with_date_pct"] for row in found) < 100
    page = get_html(archive, "/archive/extraction_health")
    assert page.count("<polyline ") == 3
    assert "% has an author" in page


def test_a_site_whose_extraction_broke_stands_out() -> None:
    days = ["2024-05-01", "2024-05-02", "2024-05-03"]
    healthy = {"with_author_pct": 100, "with_date_pct": 100, "normal_body_pct": 100}
    broken = {"with_author_pct": 0, "with_date_pct": 100, "normal_body_pct": 10}
    data = [
        {"day": day, "site": site, "articles": 5, **(broken if broke else healthy)}
        for day in days
        for site, broke in (("steady", False), ("<redesigned>", day == days[-1]))
    ]
    svg = extraction_health_svg(data)
    assert "&lt;redesigned&gt;" in svg
    assert "<redesigned>" not in svg
    assert "lowest 0%" in svg
    assert "lowest 100%" in svg
    ElementTree.fromstring(svg)
    assert daily_articles_svg([]) == "" == extraction_health_svg([])


# Atom feeds


def test_any_search_is_an_atom_feed(archive: Path) -> None:
    feed = get_feed(archive, "/archive/articles.atom?_search=caraway")
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == CORRECTED_TITLE
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == url_of(archive, CORRECTED_TITLE)
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Lena Fischer"
    feed = get_feed(archive, "/archive/search.atom?q=council&site=")
    assert feed.findtext(f"{ATOM}title") == "Morgue: Search the archive"
    first = feed.find(f"{ATOM}entry")
    assert first is not None
    assert first.findtext(f"{ATOM}title") == BUDGET_TITLE


def test_a_search_with_no_match_yet_is_an_empty_valid_feed(archive: Path) -> None:
    feed = get_feed(archive, "/archive/search.atom?q=zeppelin&site=")
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}updated")


def test_saved_queries_of_articles_are_atom_feeds(archive: Path) -> None:
    feed = get_feed(archive, "/archive/latest_articles.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == rows(archive, "select count(*) as n from articles")[0]["n"]
    script = next(e for e in entries if e.findtext(f"{ATOM}title") == SCRIPT_TITLE)
    # Plain-text content: the XML carries the tag escaped, a feed reader shows it as text.
    content = script.find(f"{ATOM}content")
    assert content is not None
    assert content.get("type") == "text"
    assert "<script>alert(1)</script>" in (content.text or "")
    assert script.findtext(f"{ATOM}updated") == "2024-07-02T16:05:00Z"
    assert get_feed(archive, "/archive/articles_by_author.atom?author=Omar+Haddad")


def test_feed_dates_are_rfc_3339_whatever_the_archive_holds() -> None:
    assert atom_timestamp("2024-03-05") == "2024-03-05T00:00:00Z"
    assert atom_timestamp("2024-03-05T19:30:00Z") == "2024-03-05T19:30:00Z"
    assert atom_timestamp("2024-05-20T10:15:00-04:00") == "2024-05-20T14:15:00Z"
    assert atom_timestamp("not a date") is None
    feed = ElementTree.fromstring(
        atom_feed(
            [
                {
                    "url": "https://x.example/a",
                    "title": "A",
                    "published_at": "2024-03-05",
                    "text": "<script>alert(1)</script>\x00 and more",
                    "authors": '["Ann"]',
                }
            ],
            feed_url="https://morgue.example/archive/articles.atom",
            title="t",
        )
    )
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}updated") == "2024-03-05T00:00:00Z"
    content = entry.find(f"{ATOM}content")
    assert content is not None
    assert content.get("type") == "text"
    assert content.text == "<script>alert(1)</script> and more"


def test_the_metadata_describes_both_the_archive_and_the_demo_database() -> None:
    assert METADATA["databases"]["demo"] == METADATA["databases"]["archive"]
    assert METADATA["databases"]["archive"]["tables"]["articles"]["sort_desc"] == "published_at"
