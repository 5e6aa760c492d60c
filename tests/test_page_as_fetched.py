"""The page as fetched: an article's stored response, served by the reading room from its WARC
record under a sandbox, through Datasette's in-process client over archives built here with the
crawl's own writers."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from datasette.app import Datasette
from datasette.utils import tilde_encode
from scrapy.http import HtmlResponse
from sqlite_utils import Database

from archive.schema import open_archive
from archive.writes import archive_article, content_hash, link_capture, record_capture
from browse.as_fetched import (
    PAGE_AS_FETCHED_POLICY,
    capture_id_of,
    header_value,
    is_html,
    page_as_fetched_path,
    served_page,
)
from captures.reading import StoredResponse
from captures.writing import CaptureKind, Exchange, WarcFiles
from tests.conftest import REPO

METADATA = yaml.safe_load((REPO / "data" / "metadata.yml").read_text())
FETCHED_AT = "2024-03-05T07:08:09Z"
PAGE = (
    '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Café crème</title>'
    "<script>document.title = 'changed'</script></head>\n"
    '<body><p id="flag">Ça coûte 3 € — naïve “quotes”</p></body></html>\n'
)
FEED = (
    '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Café</title>'
    "<item><link>https://courier.example/news/1.html</link></item></channel></rss>\n"
)
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Archive:
    path: Path
    db: Database
    files: WarcFiles

    def keep(
        self,
        url: str,
        body: bytes,
        headers: list[tuple[str, str]],
        *,
        kind: CaptureKind = CaptureKind.ARTICLE,
    ) -> int:
        """A response written to the WARC file and its captures row, as the crawl writes
        them; the row's id."""
        capture = self.files.write(
            Exchange(
                url=url,
                method="GET",
                request_headers=[("Accept", "*/*")],
                status=200,
                protocol="HTTP/1.1",
                headers=headers,
                body=body,
            ),
            kind=kind,
            site="courier",
            fetched_at=FETCHED_AT,
        )
        self.files.sync()
        record_capture(self.db, capture, crawl_id=None)
        capture_id = link_capture(self.db, capture.record_id, None)
        assert capture_id is not None
        return capture_id

    def article(self, url: str, title: str, capture_id: int | None) -> None:
        text = "The council met on Tuesday.\nIt voted on the budget."
        row = {
            "url": url,
            "site": "courier",
            "title": title,
            "text": text,
            "authors": ["Ana Ruiz"],
            "fetched_at": FETCHED_AT,
            "word_count": len(text.split()),
            "content_hash": content_hash(title, text),
            "capture_id": capture_id,
        }
        assert archive_article(self.db, row) == "inserted"

    def capture(self, capture_id: int) -> dict[str, Any]:
        (row,) = self.db.execute_returning_dicts(
            "select * from captures where id = ?", [capture_id]
        )
        return row


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    path = tmp_path / "archive.db"
    db = open_archive(path)
    files = WarcFiles(
        tmp_path / "warc", archive_folder=tmp_path, max_bytes=10**9, info={"software": "tests"}
    )
    try:
        yield Archive(path, db, files)
    finally:
        files.close()
        db.close()


def get(
    db_paths: list[Path],
    path: str,
    metadata: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> httpx.Response:
    async def fetch() -> httpx.Response:
        datasette = Datasette(
            [str(db_path) for db_path in db_paths],
            metadata=METADATA if metadata is None else metadata,
            settings=settings,
        )
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def as_fetched(archive: Archive, capture_id: int | str) -> httpx.Response:
    return get([archive.path], f"/-/page-as-fetched/archive/{capture_id}")


def assert_guarded(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


# The stored page


def test_the_page_as_fetched_is_the_stored_html_exactly_under_a_sandbox(archive: Archive) -> None:
    capture_id = archive.keep(
        "https://courier.example/news/1.html", PAGE.encode(), [("Content-Type", HTML_TYPE)]
    )
    response = as_fetched(archive, capture_id)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == PAGE
    assert_guarded(response)
    assert response.headers["content-security-policy"] == PAGE_AS_FETCHED_POLICY


def test_a_gzip_encoded_page_is_served_decoded(archive: Archive) -> None:
    headers = [("Content-Type", HTML_TYPE), ("Content-Encoding", "gzip")]
    capture_id = archive.keep(
        "https://courier.example/news/2.html", gzip.compress(PAGE.encode()), headers
    )
    response = as_fetched(archive, capture_id)
    assert response.status_code == 200
    assert response.text == PAGE
    assert "content-encoding" not in response.headers


LEGACY_PAGE = (
    "<html><head>{meta}<title>Café</title></head><body><p>“Ça” coûte 3 €</p></body></html>"
)


@pytest.mark.parametrize(
    ("content_type", "meta"),
    [
        pytest.param("text/html; charset=windows-1252", "", id="charset-in-the-header"),
        pytest.param("text/html", '<meta charset="windows-1252">', id="charset-in-the-page"),
        pytest.param(None, "", id="no-charset-at-all"),
    ],
)
def test_a_legacy_charset_page_is_decoded_as_the_crawl_decoded_it(
    archive: Archive, content_type: str | None, meta: str
) -> None:
    page = LEGACY_PAGE.format(meta=meta)
    body = page.encode("windows-1252")
    headers = [("Content-Type", content_type)] if content_type else []
    capture_id = archive.keep("https://courier.example/news/3.html", body, headers)
    response = as_fetched(archive, capture_id)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    crawled = HtmlResponse(
        "https://courier.example/news/3.html", body=body, headers=dict(headers)
    ).text
    assert response.text == crawled
    if content_type or meta:
        assert response.text == page


def test_a_feed_is_served_as_plain_text(archive: Archive) -> None:
    capture_id = archive.keep(
        "https://courier.example/feed.xml",
        FEED.encode(),
        [("Content-Type", "application/rss+xml")],
        kind=CaptureKind.FEED,
    )
    response = as_fetched(archive, capture_id)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == FEED
    assert_guarded(response)


def test_the_route_follows_the_base_url_of_a_reading_room_behind_a_proxy(archive: Archive) -> None:
    capture_id = archive.keep(
        "https://courier.example/news/1.html", PAGE.encode(), [("Content-Type", HTML_TYPE)]
    )
    archive.article("https://courier.example/news/1.html", "Budget passes", capture_id)
    settings = {"base_url": "/morgue/"}
    page = get(
        [archive.path],
        "/archive/articles/" + tilde_encode("https://courier.example/news/1.html"),
        settings=settings,
    )
    assert f'href="/morgue/-/page-as-fetched/archive/{capture_id}"' in page.text
    # Datasette's client puts the base URL in front, as the proxy would have sent it.
    response = get([archive.path], f"/-/page-as-fetched/archive/{capture_id}", settings=settings)
    assert response.text == PAGE


# What is not there, or not as recorded


def test_an_unknown_capture_is_a_404_that_says_so(archive: Archive) -> None:
    archive.keep(
        "https://courier.example/news/1.html", PAGE.encode(), [("Content-Type", HTML_TYPE)]
    )
    response = as_fetched(archive, 999)
    assert response.status_code == 404
    assert "There is no capture &#39;999&#39; in the database &#39;archive&#39;." in response.text
    assert_guarded(response)


def test_an_unknown_database_is_a_404_that_says_so(archive: Archive) -> None:
    response = get([archive.path], "/-/page-as-fetched/elsewhere/1")
    assert response.status_code == 404
    assert "There is no database &#39;elsewhere&#39; in this reading room." in response.text
    assert_guarded(response)


def unreadable(archive: Archive, damage: str) -> tuple[httpx.Response, dict[str, Any]]:
    """The page as fetched of an article whose WARC record was then damaged as `damage` says."""
    url = "https://courier.example/news/4.html"
    capture_id = archive.keep(url, PAGE.encode(), [("Content-Type", HTML_TYPE)])
    archive.article(url, "Budget passes", capture_id)
    archive.files.close()
    capture = archive.capture(capture_id)
    warc = archive.path.parent / capture["warc_file"]
    if damage == "missing":
        warc.unlink()
    elif damage == "truncated":
        with warc.open("r+b") as file:
            file.truncate(capture["offset"] + capture["length"] // 2)
    elif damage == "damaged":
        with warc.open("r+b") as file:
            file.seek(capture["offset"] + capture["length"] // 2)
            file.write(b"\0" * 64)
    elif damage == "changed":
        archive.db.execute(
            "update captures set payload_digest = ? where id = ?",
            ["sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", capture_id],
        )
        archive.db.conn.commit()
    return as_fetched(archive, capture_id), capture


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("missing", "its WARC file {warc_file} is missing"),
        ("truncated", "its WARC file {warc_file} ends before the record at offset {offset}"),
        ("damaged", "the record at offset {offset} of {warc_file} is damaged"),
        ("changed", "is not the one captured (its digest differs)"),
    ],
)
def test_an_unreadable_capture_says_what_is_wrong_and_that_the_article_is_intact(
    archive: Archive, damage: str, said: str
) -> None:
    response, capture = unreadable(archive, damage)
    assert response.status_code == 410
    assert_guarded(response)
    assert "Traceback" not in response.text
    assert "The page as fetched cannot be shown: " in response.text
    assert said.format(**capture) in response.text
    article = "/archive/articles/" + tilde_encode("https://courier.example/news/4.html")
    assert (
        f'The article itself is intact: <a href="{article}">read it in the archive</a>.'
        in response.text
    )


@pytest.mark.parametrize(
    "path",
    [
        "/-/page-as-fetched/archive/abc",
        "/-/page-as-fetched/archive/0",
        "/-/page-as-fetched/archive/-1",
        "/-/page-as-fetched/archive/01",
        "/-/page-as-fetched/archive/1.0",
        "/-/page-as-fetched/archive/1e3",
        "/-/page-as-fetched/archive/99999999999999999999999",
        "/-/page-as-fetched/archive/9223372036854775808",
        "/-/page-as-fetched/archive/1%20or%201=1",
        "/-/page-as-fetched/archive/1;drop%20table%20captures",
        "/-/page-as-fetched/_memory/1",
        "/-/page-as-fetched/~2E~2E/1",
        "/-/page-as-fetched/%2e%2e%2farchive/1",
        "/-/page-as-fetched/archive~00/1",
        "/-/page-as-fetched/~FF~FE/1",
        "/-/page-as-fetched/plain/1",
    ],
)
def test_hostile_capture_ids_and_database_names_are_404s(
    archive: Archive, tmp_path: Path, path: str
) -> None:
    archive.keep(
        "https://courier.example/news/1.html", PAGE.encode(), [("Content-Type", HTML_TYPE)]
    )
    plain = tmp_path / "plain.db"
    Database(plain)["things"].insert({"id": 1})
    response = get([archive.path, plain], path)
    assert response.status_code == 404, response.text
    assert "Traceback" not in response.text
    assert_guarded(response)


def test_datasettes_own_database_is_as_forbidden_here_as_it_is_in_datasette(
    archive: Archive,
) -> None:
    response = get([archive.path], "/-/page-as-fetched/_internal/1")
    assert response.status_code == 403
    assert "You may not see the pages kept in &#39;_internal&#39;." in response.text
    assert_guarded(response)


def test_a_hostile_database_name_is_escaped_in_the_404(archive: Archive) -> None:
    response = get([archive.path], "/-/page-as-fetched/~3Cscript~3Ealert(1)~3C~2Fscript~3E/1")
    assert response.status_code == 404
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_an_archive_its_owner_made_private_is_forbidden_there_too(archive: Archive) -> None:
    capture_id = archive.keep(
        "https://courier.example/news/1.html", PAGE.encode(), [("Content-Type", HTML_TYPE)]
    )
    private = {"databases": {"archive": {"allow": {"id": "editor"}}}}
    response = get([archive.path], f"/-/page-as-fetched/archive/{capture_id}", metadata=private)
    assert response.status_code == 403
    assert PAGE not in response.text
    assert_guarded(response)


# The article page


def article_page(archive: Archive, url: str) -> str:
    response = get([archive.path], "/archive/articles/" + tilde_encode(url))
    assert response.status_code == 200, response.text[:1000]
    return response.text


def test_an_article_page_links_to_its_page_as_fetched(archive: Archive) -> None:
    url = "https://courier.example/news/1.html"
    capture_id = archive.keep(url, PAGE.encode(), [("Content-Type", HTML_TYPE)])
    archive.article(url, "Budget passes", capture_id)
    page = article_page(archive, url)
    assert (
        f'<a class="as-fetched" href="/-/page-as-fetched/archive/{capture_id}">'
        "The page as fetched</a> 2024-03-05 07:08 UTC"
    ) in page


def test_an_article_without_a_capture_has_no_such_link(archive: Archive) -> None:
    url = "https://courier.example/news/5.html"
    archive.article(url, "Budget passes", None)
    page = article_page(archive, url)
    assert "Budget passes" in page
    assert "page-as-fetched" not in page
    assert "The page as fetched" not in page


# The pure parts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("42", 42),
        ("9223372036854775807", 2**63 - 1),
        ("0", None),
        ("007", None),
        ("9223372036854775808", None),
        ("-3", None),
        ("4 ", None),
        ("٣", None),
        ("", None),
    ],
)
def test_only_a_positive_sqlite_integer_is_a_capture_id(text: str, expected: int | None) -> None:
    assert capture_id_of(text) == expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (None, True),
        ("", True),
        ("text/html", True),
        ("TEXT/HTML; charset=utf-8", True),
        ("application/xhtml+xml", True),
        ("application/rss+xml", False),
        ("text/xml", False),
        ("text/plain", False),
    ],
)
def test_html_is_what_says_so_or_says_nothing(content_type: str | None, expected: bool) -> None:
    assert is_html(content_type) is expected


def test_a_header_sent_twice_is_read_as_scrapy_reads_it_the_last_one() -> None:
    headers = [("content-type", "text/plain"), ("Server", "x"), ("Content-Type", "text/html")]
    assert header_value(headers, "Content-Type") == "text/html"
    assert header_value(headers, "Content-Encoding") is None


def test_a_byte_order_mark_outranks_the_header() -> None:
    body = "\ufeff<p>Ça</p>".encode("utf-16-le")
    stored = StoredResponse(
        url="https://ex.com/a",
        status=200,
        headers=[("Content-Type", "text/html; charset=windows-1252")],
        body=body,
        fetched_at="2026-12-01T10:00:00Z",
        record_id="<urn:uuid:1>",
    )
    assert served_page(stored) == ("<p>Ça</p>", "text/html; charset=utf-8")


def test_the_path_of_a_database_with_an_awkward_name_is_tilde_encoded() -> None:
    assert page_as_fetched_path("news/2024", 7) == "/-/page-as-fetched/news~2F2024/7"
