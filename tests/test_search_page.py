"""The reader's search page, /archive/-/search (browse/search.py), through Datasette's in-process
client, over an archive written by the store's own code with articles made for each question:
each operator of the syntax, each filter, the sorts, the pages. Also: the articles table's own
search box takes the same syntax, and authors and tags read as names wherever a reader sees them.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from datasette.app import Datasette
from markupsafe import escape

from archive.schema import open_archive
from archive.writes import archive_article, content_hash
from browse.search import Choices, Search, human_date, page_href, read_search
from tests.conftest import REPO

METADATA = yaml.safe_load((REPO / "data" / "metadata.yml").read_text())
SEARCH = "/archive/-/search"

TIMETABLE = "Harbour ferry timetable changes"
DISPUTE = "Ferry fares dispute at the harbour"
WALK = "Harbour walk reopens"
LIGHTHOUSE = "Lighthouse keeper retires after forty years"
FERRY_DE = "Neue Fähre für den Hafen"
MARKET_REPORTS = 23  # more than one page of 20
# (title, text, site, language, authors, tags, published_at)
ARTICLES: list[tuple[str, str, str, str, list[str], list[str], str | None]] = [
    (
        TIMETABLE,
        "The harbour ferry will run a new timetable from Monday, the port authority said.",
        "courier",
        "en",
        ["Ada Lovelace"],
        ["Transport", "Harbour"],
        "2024-06-18T14:05:00Z",
    ),
    (
        DISPUTE,
        "Ferry operators, the harbour board and the lighthouse trust are in a dispute over fares.",
        "courier",
        "en",
        ["Ada Lovelace", "Ben Okri"],
        [],
        "2024-05-02T08:00:00Z",
    ),
    (
        WALK,
        "The harbour walk reopened with a new timetable of guided tours.",
        "courier",
        "en",
        ["Priya Raman"],
        [],
        None,
    ),
    (
        LIGHTHOUSE,
        "The lighthouse keeper on the north pier retires after forty years of service.",
        "gazette",
        "en",
        ["Dan Brown"],
        [],
        "2023-11-05",
    ),
    (
        FERRY_DE,
        "Der Hafen bekommt eine neue Fähre; die Fahrpläne ändern sich im März.",
        "gazette",
        "de",
        ["Clara Schumann"],
        [],
        "2024-03-10",
    ),
    *(
        (
            f"Marketplace report number {number}",
            f"The weekly marketplace report, issue {number}, lists stall prices.",
            "ledger",
            "en",
            ["Eve Market"],
            [],
            f"2022-01-{number:02d}T12:00:00Z",
        )
        for number in range(1, MARKET_REPORTS + 1)
    ),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search-page") / "archive.db"
    db = open_archive(path)
    for title, text, site, language, authors, tags, published_at in ARTICLES:
        slug = re.sub(r"\W+", "-", title.lower())
        archive_article(
            db,
            {
                "url": f"https://{site}.example/news/{slug}.html",
                "site": site,
                "title": title,
                "text": text,
                "authors": authors,
                "tags": tags,
                "language": language,
                "published_at": published_at,
                "fetched_at": "2024-07-01T00:00:00Z",
                "word_count": len(text.split()),
                "content_hash": content_hash(title, text),
            },
        )
    db.close()
    return path


def fetch(archive: Path, path: str, **settings: Any) -> httpx.Response:
    async def get() -> httpx.Response:
        datasette = Datasette([str(archive)], metadata=METADATA, settings=settings or None)
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(get())


def page(archive: Path, path: str, **settings: Any) -> str:
    response = fetch(archive, path, **settings)
    assert response.status_code == 200, response.text[:1000]
    return response.text


def titles(page_html: str) -> list[str]:
    """The headlines of the results, in order."""
    return [
        html.unescape(title) for title in re.findall(r"<h2><a href=\"[^\"]*\">(.*?)</a>", page_html)
    ]


def search(archive: Path, **parameters: str) -> list[str]:
    query = httpx.QueryParams(parameters)
    return titles(page(archive, f"{SEARCH}?{query}"))


# The syntax, through the page


def test_every_word_must_match(archive: Path) -> None:
    assert sorted(search(archive, q="harbour ferry")) == sorted([TIMETABLE, DISPUTE])


def test_a_quoted_phrase_matches_its_words_next_to_each_other(archive: Path) -> None:
    assert search(archive, q='"harbour ferry"') == [TIMETABLE]


def test_or_finds_either(archive: Path) -> None:
    assert sorted(search(archive, q="keeper OR dispute")) == sorted([LIGHTHOUSE, DISPUTE])
    # Lower-case "or" is a word like any other: no article holds all three.
    assert search(archive, q="keeper or dispute") == []


def test_a_minus_leaves_articles_out(archive: Path) -> None:
    assert sorted(search(archive, q="harbour -dispute")) == sorted([TIMETABLE, WALK])


def test_a_star_finds_words_that_start_with_it(archive: Path) -> None:
    assert sorted(search(archive, q="lighthou*")) == sorted([LIGHTHOUSE, DISPUTE])
    assert search(archive, q="lighthou") == []


def test_a_word_in_the_headline_ranks_first(archive: Path) -> None:
    # The dispute is newer, and has the word only in its text.
    assert search(archive, q="lighthouse") == [LIGHTHOUSE, DISPUTE]
    assert search(archive, q="lighthouse", sort="newest") == [DISPUTE, LIGHTHOUSE]


# Filters, sorts, pages


def test_the_site_filter(archive: Path) -> None:
    assert search(archive, q="harbour OR lighthouse", site="gazette") == [LIGHTHOUSE]


def test_the_author_filter_takes_a_name_or_part_of_one(archive: Path) -> None:
    assert search(archive, q="harbour", author="okri") == [DISPUTE]
    assert sorted(search(archive, q="ferry", author="Ada Lovelace")) == sorted([TIMETABLE, DISPUTE])


def test_the_language_filter(archive: Path) -> None:
    assert search(archive, q="hafen", language="de") == [FERRY_DE]
    assert search(archive, q="hafen", language="en") == []


def test_the_date_range_includes_both_days(archive: Path) -> None:
    broad = "harbour OR lighthouse OR hafen"
    assert search(archive, q=broad, **{"from": "2024-05-01", "to": "2024-05-31"}) == [DISPUTE]
    assert search(archive, q=broad, **{"from": "2024-03-10", "to": "2024-03-10"}) == [FERRY_DE]
    # Undated articles are outside any range.
    assert WALK not in search(archive, q=broad, **{"from": "2000-01-01"})


def test_newest_and_oldest_first_with_undated_articles_last(archive: Path) -> None:
    broad = "harbour OR lighthouse OR hafen"
    dated = [TIMETABLE, DISPUTE, FERRY_DE, LIGHTHOUSE]
    assert search(archive, q=broad, sort="newest") == [*dated, WALK]
    assert search(archive, q=broad, sort="oldest") == [*reversed(dated), WALK]


def test_results_come_twenty_a_page_and_the_links_keep_the_filters(archive: Path) -> None:
    first = page(archive, f"{SEARCH}?q=marketplace&site=ledger&sort=oldest")
    assert "<strong>23 articles</strong>, 1–20 on this page" in first
    assert titles(first) == [f"Marketplace report number {n}" for n in range(1, 21)]
    assert "Page 1 of 2" in first
    (next_href,) = re.findall(r'<a href="([^"]*)" rel="next">', first)
    assert html.unescape(next_href) == f"{SEARCH}?q=marketplace&site=ledger&sort=oldest&page=2"
    assert 'rel="prev"' not in first
    second = page(archive, html.unescape(next_href))
    assert titles(second) == [f"Marketplace report number {n}" for n in range(21, 24)]
    (previous_href,) = re.findall(r'<a href="([^"]*)" rel="prev">', second)
    assert html.unescape(previous_href) == f"{SEARCH}?q=marketplace&site=ledger&sort=oldest"
    assert 'rel="next"' not in second


def test_the_count_says_how_many_articles_match(archive: Path) -> None:
    assert "<strong>1 article</strong>" in page(archive, f"{SEARCH}?q=keeper")
    assert "<strong>2 articles</strong>" in page(archive, f"{SEARCH}?q=harbour+ferry")
    assert "No articles match." in page(archive, f"{SEARCH}?q=zeppelin")


def test_a_result_reads_headline_site_byline_date_and_snippet(archive: Path) -> None:
    found = page(archive, f"{SEARCH}?q=dispute")
    assert re.search(
        r'<h2><a href="/archive/articles/https~3A~2F~2Fcourier[^"]*">' + DISPUTE, found
    )
    assert '<span class="morgue-site">courier</span>' in found
    assert (
        'By <a href="/archive/articles?authors__arraycontains=Ada+Lovelace">Ada Lovelace</a> and'
        ' <a href="/archive/articles?authors__arraycontains=Ben+Okri">Ben Okri</a>'
    ) in found
    assert '<time datetime="2024-05-02T08:00:00Z">2 May 2024, 08:00 UTC</time>' in found
    assert "in a <mark>dispute</mark> over fares" in found
    dated_only = page(archive, f"{SEARCH}?q=hafen")
    assert '<time datetime="2024-03-10">10 March 2024</time>' in dated_only
    assert "no date" in page(archive, f"{SEARCH}?q=walk")


def test_the_controls_are_filled_from_the_archive_and_show_the_search(archive: Path) -> None:
    found = page(archive, f"{SEARCH}?q=ferry&site=gazette&language=de&from=2024-01-01&sort=oldest")
    assert '<option value="gazette" selected>gazette</option>' in found
    assert '<option value="ledger">ledger</option>' in found
    assert '<option value="de" selected>de</option>' in found
    assert '<option value="en">en</option>' in found
    assert '<input type="date" name="from" value="2024-01-01">' in found
    assert '<input type="date" name="to" value="">' in found
    assert '<option value="oldest" selected>oldest first</option>' in found
    assert '<option value="Clara Schumann">' in found  # the author box's suggestions


# What a reader cannot break


def test_an_empty_box_shows_the_form_and_the_help_not_an_error(archive: Path) -> None:
    for path in (SEARCH, f"{SEARCH}?q=", f"{SEARCH}?q=+++&site=courier"):
        empty = page(archive, path)
        assert "<title>Search the archive</title>" in empty
        assert 'name="q" value=""' in empty
        assert '"exact phrase"' in html.unescape(empty)
        assert 'class="morgue-count"' not in empty
        assert 'class="morgue-result"' not in empty
    assert "There is nothing to search for" in page(archive, f"{SEARCH}?q=-harbour")


def test_a_hostile_search_is_shown_as_text(archive: Path) -> None:
    for hostile in ("<img src=x onerror=alert(1)>", '"><script>alert(1)</script>'):
        shown = page(archive, f"{SEARCH}?{httpx.QueryParams(q=hostile, author=hostile)}")
        assert hostile not in shown
        assert f'name="q" value="{escape(hostile)}"' in shown
        assert "<script>alert(1)</script>" not in shown


def test_the_page_has_no_sql_form(archive: Path) -> None:
    found = page(archive, f"{SEARCH}?q=harbour")
    for sql_form in ("<textarea", "Run SQL", "Edit SQL", "articles_fts", "from articles"):
        assert sql_form not in found, sql_form
    assert ">The SQL behind this search, for researchers</a>" in found
    researchers = re.search(r'<a href="([^"]*)">The SQL behind', found)
    assert researchers is not None
    assert html.unescape(researchers.group(1)) == "/archive/search?q=harbour&_show_sql=1"
    assert 'href="/archive/search.atom?q=harbour"' in found


@pytest.mark.parametrize(
    "query",
    [
        "q=harbour&from=2024-02-30",
        "q=harbour&to=yesterday",
        "q=harbour&sort=;drop table articles",
        "q=harbour&page=abc",
        "q=harbour&page=0",
        "q=harbour&page=-1",
        "q=harbour&page=99999999999999999999",
        "q=harbour&site=nowhere",
        "q=harbour&language=xx",
        "q=harbour&author=%25_%22",
        "q=%22",
        "q=*",
        "q=OR",
        "q=-",
        "q=NEAR(harbour+ferry)",
        "q=title:harbour",
        "q=harbour%00ferry",
        "q=" + "harbour+" * 500,
        "q=harbour&q=ferry",
    ],
)
def test_bad_parameters_are_read_leniently_never_an_error(archive: Path, query: str) -> None:
    assert fetch(archive, f"{SEARCH}?{query}").status_code == 200


def test_an_ignored_parameter_is_said_and_its_control_shows_it(archive: Path) -> None:
    found = page(archive, f"{SEARCH}?q=harbour&from=2024-02-30&sort=loudest&page=abc&page=x")
    assert '<input type="date" name="from" value="">' in found
    assert "from “2024-02-30”: not a date (YYYY-MM-DD)" in found
    assert '<option value="relevance" selected>' in found
    assert "sort “loudest”" in found
    assert sorted(titles(found)) == sorted([TIMETABLE, DISPUTE, WALK])
    past_the_end = page(archive, f"{SEARCH}?q=marketplace&page=9")
    assert "Page 2 of 2" in past_the_end
    assert "page 9: the results end on page 2, shown here" in past_the_end


def test_a_database_that_is_not_there_is_a_404(archive: Path) -> None:
    assert fetch(archive, "/nowhere/-/search?q=x").status_code == 404


# The page, the saved query and the table agree


@pytest.mark.parametrize(
    "parameters",
    [
        {"q": "harbour OR lighthouse OR hafen"},
        {"q": "harbour OR lighthouse OR hafen", "sort": "newest"},
        {"q": "harbour OR lighthouse OR hafen", "sort": "oldest", "from": "2024-01-01"},
        {"q": '"harbour ferry" OR keep*', "site": "courier"},
        {"q": "harbour -dispute", "author": "lovelace"},
        {"q": "harbour OR keeper", "to": "2024-06-01"},
        {"q": "hafen", "language": "de"},
        {"q": "marketplace", "sort": "newest"},
    ],
)
def test_the_saved_query_finds_what_the_page_finds(
    archive: Path, parameters: dict[str, str]
) -> None:
    query = httpx.QueryParams(parameters)
    saved = fetch(archive, f"/archive/search.json?{query}&_shape=objects").json()["rows"]
    assert [row["title"] for row in saved][:20] == search(archive, **parameters)


def test_the_tables_search_box_takes_the_same_syntax_and_never_fails(archive: Path) -> None:
    def table_search(text: str) -> list[str]:
        query = httpx.QueryParams(_search=text, _shape="objects")
        response = fetch(archive, f"/archive/articles.json?{query}")
        assert response.status_code == 200, response.text[:500]
        return sorted(row["title"] for row in response.json()["rows"])

    assert table_search("harbour -dispute") == sorted([TIMETABLE, WALK])
    assert table_search('"harbour ferry"') == [TIMETABLE]
    assert table_search("keep*") == [LIGHTHOUSE]
    assert table_search('"') == []
    assert table_search("-") == []
    assert fetch(archive, "/archive/articles?_search=%22").status_code == 200


def test_the_home_page_searches_with_the_search_page(archive: Path) -> None:
    home = page(archive, "/")
    assert '<form class="morgue-search" action="/archive/-/search" method="get"' in home
    behind_a_proxy = page(archive, "/", base_url="/morgue/")
    assert 'action="/morgue/archive/-/search"' in behind_a_proxy


def test_behind_a_reverse_proxy_the_page_keeps_the_prefix(archive: Path) -> None:
    found = page(archive, f"{SEARCH}?q=marketplace", base_url="/morgue/")
    assert 'action="/morgue/archive/-/search"' in found
    assert 'href="/morgue/archive/-/search?q=marketplace&amp;page=2" rel="next"' in found
    assert 'href="/morgue/archive/search.atom?q=marketplace"' in found
    assert re.search(r'<h2><a href="/morgue/archive/articles/', found)


# Names, not JSON


def test_authors_and_tags_read_as_names_in_the_articles_table(archive: Path) -> None:
    table = page(archive, "/archive/articles?site=courier")
    assert (
        '<a href="/archive/articles?authors__arraycontains=Ada+Lovelace">Ada Lovelace</a>, '
        '<a href="/archive/articles?authors__arraycontains=Ben+Okri">Ben Okri</a>'
    ) in table
    assert '<a href="/archive/articles?tags__arraycontains=Transport">Transport</a>' in table
    assert "[&#34;" not in table
    assert "[&quot;" not in table
    # The data itself is unchanged.
    rows = fetch(archive, "/archive/articles.json?site=courier&_shape=objects").json()["rows"]
    assert {row["authors"] for row in rows} >= {'["Ada Lovelace", "Ben Okri"]'}
    csv = fetch(archive, "/archive/articles.csv?site=courier").text
    assert '"[""Ada Lovelace"", ""Ben Okri""]"' in csv


def test_authors_read_as_names_in_a_saved_query(archive: Path) -> None:
    latest = page(archive, "/archive/latest_articles")
    assert '<a href="/archive/articles?authors__arraycontains=Dan+Brown">Dan Brown</a>' in latest
    assert "[&#34;" not in latest
    assert "[&quot;" not in latest
    rows = fetch(archive, "/archive/latest_articles.json?_shape=objects").json()["rows"]
    assert json.loads(rows[0]["authors"])


# The pure functions


def test_a_date_reads_in_words() -> None:
    assert human_date("2024-06-18T14:05:00Z") == "18 June 2024, 14:05 UTC"
    assert human_date("2024-06-18T16:05:00+02:00") == "18 June 2024, 14:05 UTC"
    assert human_date("2024-06-18") == "18 June 2024"
    assert human_date("sometime in June") == "sometime in June"
    assert human_date(None) == ""


def test_parameters_that_cannot_be_used_are_ignored_and_said() -> None:
    choices = Choices(sites=("courier",), languages=("en",))
    read = read_search(
        {"q": " ferry ", "site": "elsewhere", "from": "2024-06-31", "to": "2024-01-01"}, choices
    )
    assert (read.q, read.site, read.date_from, read.date_to) == ("ferry", "", "", "2024-01-01")
    assert len(read.ignored) == 2
    swapped = read_search({"from": "2024-06-30", "to": "2024-01-01"}, choices)
    assert (swapped.date_from, swapped.date_to) == ("2024-01-01", "2024-06-30")
    assert read_search({"sort": "newest", "page": "3"}, choices).page == 3
    assert read_search({"page": "3x"}, choices).page == 1


def test_a_page_link_keeps_the_search_and_leaves_out_what_is_default() -> None:
    kept = Search(q="a b", site="courier", sort="newest", page=2)
    assert page_href("/archive/-/search", kept, 3) == (
        "/archive/-/search?q=a+b&site=courier&sort=newest&page=3"
    )
    assert page_href("/archive/-/search", Search(q="x", page=2), 1) == "/archive/-/search?q=x"
