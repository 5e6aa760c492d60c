"""Pages as fetched: WARC records written by a real crawl, read back by offset and by the
field's own tools (warcio, cdxj-indexer), and the writer's guarantees on its own."""

from __future__ import annotations

import gzip
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.schema import open_archive
from archive.writes import archive_article
from captures.reading import (
    CaptureUnreadable,
    Unreadable,
    payload_digest,
    read_response,
    warc_path,
)
from captures.writing import (
    RENAMED_TRANSFER_ENCODING,
    CaptureKind,
    Exchange,
    WarcFiles,
    WarcNotWritable,
)
from pipelines.store import article_row
from tests.conftest import REPO, CrawlRun, run_crawl
from tests.localsite import SiteHandler, serve_site, sites_toml
from tests.test_store import article

BIN = Path(sys.executable).parent
# The page the server sends in chunks (the rest go whole, gzip-encoded).
CHUNKED_PAGE = "/news/2024/02/01/bakery-wins-award.html"


class RecordingHandler(SiteHandler):
    """The test site, sending HTML gzip-encoded (one page also chunked) as most news sites do,
    and keeping the exact body bytes it sent for each path."""

    protocol_version = "HTTP/1.1"
    sent: ClassVar[dict[str, bytes]] = {}

    def reply(
        self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        headers = dict(headers or {})
        path = self.path.split("?")[0]
        if status == 200 and content_type.startswith("text/html"):
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
            self.sent[path] = body
            if path == CHUNKED_PAGE:
                self.send_chunked(content_type, body, headers)
                return
        super().reply(status, content_type, body, headers)

    def send_chunked(self, content_type: str, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(body), 500):
            chunk = body[start : start + 500]
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


@dataclass
class CapturedCrawl:
    run: CrawlRun
    sent: dict[str, bytes]
    base: str


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CapturedCrawl]:
    folder = tmp_path_factory.mktemp("captured")
    RecordingHandler.sent.clear()
    with serve_site(handler_class=RecordingHandler) as (base, _requested):
        sites_file = folder / "sites.toml"
        sites_file.write_text(sites_toml(base))
        run = run_crawl(sites_file, folder / "archive.db")
        assert run.returncode == 0, run.log[-3000:]
        yield CapturedCrawl(run, dict(RecordingHandler.sent), base)


def warc_files(folder: Path) -> list[Path]:
    return sorted((folder / "warc").glob("*.warc.gz"))


def raw_payload(path: Path, offset: int, length: int) -> bytes:
    """The body bytes of a record as stored (before any decoding), read by offset."""
    with path.open("rb") as warc:
        warc.seek(offset)
        record = next(iter(ArchiveIterator(io.BytesIO(warc.read(length)))))
        return record.raw_stream.read()


def test_every_article_has_a_capture_holding_the_bytes_the_server_sent(
    captured: CapturedCrawl,
) -> None:
    run = captured.run
    rows = run.rows(
        "select articles.url, captures.url as fetched_url, status, kind, warc_file, offset,"
        " length, payload_digest, captures.fetched_at, articles.fetched_at as archived_at"
        " from articles left join captures on captures.id = articles.capture_id"
    )
    assert len(rows) >= 7
    for row in rows:
        assert row["warc_file"] is not None, f"{row['url']} has no capture"
        path = warc_path(run.db_path, row["warc_file"])
        body = raw_payload(path, row["offset"], row["length"])
        sent = captured.sent[row["fetched_url"].removeprefix(captured.base)]
        assert body == sent  # gzip-encoded as sent, not decompressed
        assert body[:2] == b"\x1f\x8b"
        assert payload_digest(body) == row["payload_digest"]
        assert (row["status"], row["kind"]) == (200, "article")
        # The article's fetch time is its capture's, so a re-extraction dates it the same.
        assert row["fetched_at"] == row["archived_at"]


def test_a_chunked_response_is_stored_de_chunked_with_its_header_renamed(
    captured: CapturedCrawl,
) -> None:
    run = captured.run
    [row] = run.rows(
        "select warc_file, offset, length, payload_digest from captures where url like ?",
        (f"%{CHUNKED_PAGE}",),
    )
    stored = read_response(
        warc_path(run.db_path, row["warc_file"]),
        row["offset"],
        row["length"],
        expected_digest=row["payload_digest"],
    )
    # Scrapy's HTTP client undoes the chunking and drops the header with it.
    assert "transfer-encoding" not in {name.lower() for name, _value in stored.headers}
    assert (
        raw_payload(warc_path(run.db_path, row["warc_file"]), row["offset"], row["length"])
        == (captured.sent[CHUNKED_PAGE])
    )
    assert b"Mill Street bakery" in stored.body  # decoded from gzip for a reader


def test_a_transfer_encoding_header_is_renamed_since_the_body_is_stored_de_chunked(
    tmp_path: Path,
) -> None:
    files = writer(tmp_path)
    headers = [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]
    capture = files.write(
        Exchange("https://ex.com/a", "GET", [], 200, "HTTP/1.1", headers, b"<p>whole</p>"),
        kind=CaptureKind.ARTICLE,
        site=None,
        fetched_at="2026-12-01T10:00:00Z",
    )
    files.close()
    stored = read_response(tmp_path / capture.warc_file, capture.offset, capture.length)
    assert stored.headers == [
        ("Content-Type", "text/html"),
        (RENAMED_TRANSFER_ENCODING, "chunked"),
    ]
    assert stored.body == b"<p>whole</p>"


def test_a_redirect_is_kept_and_the_article_points_at_the_final_page(
    captured: CapturedCrawl,
) -> None:
    redirects = captured.run.rows(
        "select url, status from captures where status between 300 and 399"
    )
    assert redirects, "the test site has a redirected article"
    pointed = captured.run.rows(
        "select captures.status from articles join captures on captures.id = articles.capture_id"
    )
    assert {row["status"] for row in pointed} == {200}


def test_the_warc_files_pass_warcio_check_and_index_and_cdxj_indexer(
    captured: CapturedCrawl,
) -> None:
    files = warc_files(captured.run.db_path.parent)
    assert files
    for tool in (["warcio", "check", "-v"], ["warcio", "index"], ["cdxj-indexer"]):
        result = subprocess.run(
            [str(BIN / tool[0]), *tool[1:], *map(str, files)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert "Traceback" not in result.stderr
    indexed = subprocess.run(
        [str(BIN / "cdxj-indexer"), *map(str, files)], capture_output=True, text=True, check=True
    ).stdout
    articles = captured.run.rows("select url from captures where status = 200")
    # Every captured page can be looked up for replay (pywb, ReplayWeb.page).
    for row in articles:
        assert f'"url": "{row["url"]}"' in indexed
    # Each file starts with a warcinfo record saying what wrote it.
    with files[0].open("rb") as warc:
        first = next(iter(ArchiveIterator(warc)))
        assert first.rec_type == "warcinfo"
        assert b"Morgue" in first.content_stream().read()


def test_a_crawl_without_warc_keeps_no_pages(tmp_path: Path, local_site: Any) -> None:
    base, _requested = local_site
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml(base))
    run = run_crawl(sites_file, tmp_path / "archive.db", ARCHIVE_WARC="False")
    assert run.returncode == 0, run.log[-3000:]
    assert not (tmp_path / "warc").exists()
    assert run.rows("select count(*) as n from captures") == [{"n": 0}]
    assert run.rows("select count(capture_id) as n from articles") == [{"n": 0}]


def test_feeds_and_sitemaps_are_kept_when_asked_in_the_folder_asked(
    tmp_path: Path, local_site: Any
) -> None:
    base, _requested = local_site
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml(base))
    elsewhere = tmp_path / "kept" / "pages"
    run = run_crawl(
        sites_file,
        tmp_path / "archive.db",
        ARCHIVE_WARC_DISCOVERY="True",
        ARCHIVE_WARC_DIR=str(elsewhere),
        ARCHIVE_WARC_MAX_MB="0.01",
    )
    assert run.returncode == 0, run.log[-3000:]
    kinds = {row["kind"] for row in run.rows("select distinct kind from captures")}
    assert kinds == {"article", "feed", "sitemap"}
    files = sorted(elsewhere.glob("morgue-*.warc.gz"))
    assert len(files) > 1, "10 KB files: the crawl's captures need several"
    assert not (tmp_path / "warc").exists()
    for row in run.rows("select warc_file, offset, length, payload_digest from captures"):
        path = warc_path(run.db_path, row["warc_file"])
        assert path.parent == elsewhere
        read_response(path, row["offset"], row["length"], expected_digest=row["payload_digest"])


# The writer and the reader on their own


def exchange(body: bytes = b"<html><body><p>Ferry returns</p></body></html>") -> Exchange:
    return Exchange(
        url="https://ex.com/news/ferry.html",
        method="GET",
        request_headers=[("User-Agent", "Morgue"), ("Accept-Encoding", "gzip")],
        status=200,
        protocol="HTTP/1.1",
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body,
    )


def writer(folder: Path, max_bytes: int = 10**6) -> WarcFiles:
    return WarcFiles(folder / "warc", archive_folder=folder, max_bytes=max_bytes, info={})


def write(files: WarcFiles, body: bytes = b"<p>Ferry</p>") -> Any:
    return files.write(
        exchange(body), kind=CaptureKind.ARTICLE, site="ex", fetched_at="2026-12-01T10:00:00Z"
    )


def test_a_record_reads_back_by_offset_alone(tmp_path: Path) -> None:
    files = writer(tmp_path)
    first, second = write(files, b"<p>one</p>"), write(files, b"<p>two</p>")
    files.close()
    assert first.warc_file == second.warc_file
    assert first.warc_file.startswith("warc/morgue-")  # relative to the archive's folder
    path = warc_path(tmp_path / "archive.db", second.warc_file)
    stored = read_response(
        path, second.offset, second.length, expected_digest=second.payload_digest
    )
    assert (stored.body, stored.status, stored.fetched_at) == (
        b"<p>two</p>",
        200,
        "2026-12-01T10:00:00Z",
    )
    assert stored.record_id == second.record_id


def test_files_rotate_past_their_size_each_with_a_warcinfo_record(tmp_path: Path) -> None:
    files = writer(tmp_path, max_bytes=1500)
    captures = [write(files, os.urandom(1000)) for _ in range(4)]
    files.close()
    assert len(files.files) >= 3
    assert len({capture.warc_file for capture in captures}) >= 3
    for path in files.files:
        with path.open("rb") as warc:
            assert next(iter(ArchiveIterator(warc))).rec_type == "warcinfo"


def test_a_new_run_never_writes_into_an_earlier_file(tmp_path: Path) -> None:
    first = writer(tmp_path)
    write(first)
    first.close()
    before = first.files[0].read_bytes()
    # A run started in the same second: its first file gets the next serial number.
    second = WarcFiles(
        tmp_path / "warc", archive_folder=tmp_path, max_bytes=10**6, info={}, started=None
    )
    second.started = first.started
    write(second)
    second.close()
    assert second.files[0] != first.files[0]
    assert first.files[0].read_bytes() == before


def test_a_failed_write_leaves_no_partial_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = writer(tmp_path)
    kept = write(files, b"<p>kept</p>")
    size = files.files[0].stat().st_size
    real_write = os.write

    def disk_full_halfway(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full_halfway)
    with pytest.raises(WarcNotWritable, match="No space left"):
        write(files, b"<p>lost</p>")
    monkeypatch.undo()
    assert files.files[0].stat().st_size == size
    later = write(files, b"<p>later</p>")
    files.close()
    assert later.offset == size
    for capture in (kept, later):
        read_response(
            tmp_path / capture.warc_file,
            capture.offset,
            capture.length,
            expected_digest=capture.payload_digest,
        )


def test_unreadable_captures_say_why(tmp_path: Path) -> None:
    files = writer(tmp_path)
    capture = write(files, b"<p>" + b"news " * 2000 + b"</p>")
    files.close()
    path = tmp_path / capture.warc_file

    def problem(offset: int, length: int, digest: str | None = None) -> Unreadable:
        with pytest.raises(CaptureUnreadable) as raised:
            read_response(path, offset, length, expected_digest=digest)
        return raised.value.problem

    assert problem(capture.offset, capture.length, "sha1:AAAA") == Unreadable.DIGEST_MISMATCH
    assert problem(capture.offset + 1, capture.length - 1) == Unreadable.DAMAGED
    data = path.read_bytes()
    path.write_bytes(data[: capture.offset + capture.length // 2])  # a truncated tail
    assert problem(capture.offset, capture.length) == Unreadable.TRUNCATED
    path.unlink()
    assert problem(capture.offset, capture.length) == Unreadable.MISSING_FILE


def test_an_unchanged_refetch_points_the_article_at_its_new_capture(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "archive.db")
    for capture_id in (None, 7):
        row = {**article_row(article()), "capture_id": capture_id}
        archive_article(db, row)
    assert db.execute("select capture_id from articles").fetchone()[0] == 7
    # Without a capture (WARC off), the article keeps the one it had.
    assert archive_article(db, article_row(article())) == "unchanged"
    assert db.execute("select capture_id from articles").fetchone()[0] == 7


def test_an_archive_from_before_captures_keeps_its_search_index(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = open_archive(path)
    archive_article(db, article_row(article()))
    # As an archive made before captures existed: the migration undone, then applied again.
    with db.conn:
        db.execute("drop table captures")
        db.execute("alter table articles drop column capture_id")
        for column in ("authors", "published_at", "reason"):
            db.execute(f"alter table article_versions drop column {column}")
        db.execute("delete from _sqlite_migrations where name = 'm007_create_captures'")
    db.close()
    db = open_archive(path)
    assert "m007_create_captures" in {
        row[0] for row in db.execute("select name from _sqlite_migrations")
    }
    changed = article(text="The ferry is back on the river.\nA correction was added.")
    assert archive_article(db, article_row(changed)) == "updated"
    db.close()
    with closing(sqlite3.connect(path)) as connection:
        found = connection.execute(
            "select articles.url from articles_fts join articles on"
            " articles.rowid = articles_fts.rowid where articles_fts match 'correction'"
        ).fetchall()
        assert found == [("https://ex.com/news/ferry.html",)]
        connection.execute("insert into articles_fts(articles_fts) values ('integrity-check')")


def test_the_pages_kept_beside_the_shipped_archive_path_are_not_committed() -> None:
    """data/archive.db is git-ignored; so are the WARC files the crawl writes beside it."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    for path in ("data/warc/morgue-20261203000000-00001.warc.gz", "data/archive.db"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False)
        assert ignored.returncode == 0, f"{path} would be committed"
