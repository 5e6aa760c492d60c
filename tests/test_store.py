"""The archive file: schema by migrations, upserts, failures, search triggers, start-up errors."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Spider

from archive import schema as archive
from archive.lock import lock_archive
from archive.reads import SeenUrl, read_seen_urls
from archive.schema import ArchiveUnavailable, open_archive
from archive.status import FetchStatus
from archive.writes import archive_article, finish_crawl, mark_seen, record_failure, start_crawl
from crawler.items import Article, PageFailure
from pipelines.store import ArchiveFull, StoreStage, article_row, site_counts
from tests.conftest import REPO, as_unprivileged


def article(**fields: object) -> Article:
    values: dict[str, object] = {
        "url": "https://ex.com/news/ferry.html",
        "site": "ex",
        "html": "<html></html>",
        "fetched_at": "2026-11-27T12:00:00Z",
        "title": "Ferry returns",
        "text": "The ferry is back on the river.\nCommuters cheered.",
        "authors": ["Omar Haddad"],
        "tags": ["transport"],
        "published_at": "2024-06-18T09:40:00Z",
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def search(db_path: Path, word: str) -> list[str]:
    connection = sqlite3.connect(db_path)
    sql = (
        "select articles.url from articles_fts join articles on articles.rowid = articles_fts.rowid"
        " where articles_fts match ?"
    )
    return [row[0] for row in connection.execute(sql, [word])]


def test_migrations_create_the_schema_once(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    open_archive(path).close()
    db = open_archive(path)
    assert {
        "articles", "failures", "articles_fts", "crawls", "crawl_sites", "seen_urls",
        "article_versions", "captures",
    } <= set(db.table_names())  # fmt: skip
    applied = db.execute("select name from _sqlite_migrations").fetchall()
    assert len(applied) == len(set(applied)) == 8
    columns = set(db["articles"].columns_dict)
    assert {
        "url", "site", "title", "text", "authors", "published_at", "modified_at", "published_raw",
        "language", "description", "tags", "image", "word_count", "fetched_at", "content_hash",
        "capture_id",
    } <= columns  # fmt: skip
    assert db["articles"].pks == ["url"]
    assert set(db["failures"].columns_dict) == {
        "id", "url", "site", "stage", "reason", "at", "crawl_id",
    }  # fmt: skip
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_the_archive_folder_is_created(tmp_path: Path) -> None:
    open_archive(tmp_path / "new" / "folder" / "archive.db").close()
    assert (tmp_path / "new" / "folder" / "archive.db").is_file()


def test_insert_then_unchanged_then_updated(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "archive.db")
    assert archive_article(db, article_row(article())) == "inserted"
    assert (
        archive_article(db, article_row(article(fetched_at="2026-11-28T00:00:00Z"))) == "unchanged"
    )
    assert db.execute("select fetched_at from articles").fetchone()[0] == "2026-11-28T00:00:00Z"
    changed = article(text="The ferry is back on the river.\nA correction was added.")
    assert archive_article(db, article_row(changed)) == "updated"
    assert db.execute("select count(*) from articles").fetchone()[0] == 1
    db.close()
    assert search(tmp_path / "archive.db", "correction") == ["https://ex.com/news/ferry.html"]
    assert search(tmp_path / "archive.db", "cheered") == []


def test_rows_hold_json_arrays_and_counts(tmp_path: Path) -> None:
    row = article_row(article())
    assert row["word_count"] == 9
    assert len(row["content_hash"]) == 64
    db = open_archive(tmp_path / "archive.db")
    archive_article(db, row)
    stored = db.execute("select authors, tags from articles").fetchone()
    assert stored == ('["Omar Haddad"]', '["transport"]')


def test_failures_are_appended(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "archive.db")
    record_failure(
        db, PageFailure("https://ex.com/a", "ex", "fetch", "HTTP 500"), at="2026-01-01T00:00:00Z"
    )
    record_failure(db, PageFailure("https://ex.com/a", "ex", "fetch", "HTTP 503"))
    reasons = [row[0] for row in db.execute("select reason from failures order by id")]
    assert reasons == ["HTTP 500", "HTTP 503"]


def test_a_page_dropped_by_an_earlier_stage_leaves_a_failure_row(tmp_path: Path) -> None:
    stage = StoreStage(str(tmp_path / "archive.db"))
    stage.open_spider()

    class Rejected(Exception):
        stage = "extract"

    stage.item_dropped(article(), Rejected("no article text"))
    stage.close_spider()
    db = sqlite3.connect(tmp_path / "archive.db")
    assert db.execute("select url, stage, reason from failures").fetchall() == [
        ("https://ex.com/news/ferry.html", "extract", "no article text")
    ]
    assert db.execute("select url, last_status from seen_urls").fetchall() == [
        ("https://ex.com/news/ferry.html", "failed: extract: no article text")
    ]


def test_an_archive_that_is_not_sqlite_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ArchiveUnavailable, match=r"cannot write to the archive .*ARCHIVE_DB="):
        open_archive(path)


def test_a_folder_as_archive_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveUnavailable, match="is a folder, not a file"):
        open_archive(tmp_path)


OPEN_IN_ANOTHER_PROCESS = (
    "import sys\n"
    "from archive.schema import ArchiveUnavailable, open_archive\n"
    "try:\n"
    "    open_archive(sys.argv[1])\n"
    "except ArchiveUnavailable as error:\n"
    "    print(error)\n"
    "    sys.exit(2)\n"
)


def test_a_read_only_archive_is_refused_at_open(tmp_path: Path) -> None:
    """SQLite opens a read-only file without a word and even takes its write lock: the
    archive is written to once at open, so that this fails before the crawl, not on each page."""
    path = tmp_path / "archive.db"
    open_archive(path).close()
    path.chmod(0o444)
    opened = subprocess.run(
        as_unprivileged([sys.executable, "-c", OPEN_IN_ANOTHER_PROCESS, str(path)]),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert opened.returncode == 2, opened.stderr
    assert opened.stdout.startswith(
        f"cannot write to the archive {path}: attempt to write a readonly database"
    )


def test_an_update_keeps_the_replaced_version(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "archive.db")
    archive_article(db, article_row(article()))
    revised = article(
        title="Ferry returns after repairs",
        text="The ferry is back on the river.\nCommuters cheered.",
        fetched_at="2026-11-28T06:00:00Z",
    )
    assert archive_article(db, article_row(revised)) == "updated"
    assert archive_article(db, article_row(revised)) == "unchanged"
    versions = list(db["article_versions"].rows)
    assert len(versions) == 1
    assert versions[0]["title"] == "Ferry returns"
    assert versions[0]["fetched_at"] == "2026-11-27T12:00:00Z"
    assert versions[0]["replaced_at"] == "2026-11-28T06:00:00Z"
    assert versions[0]["changed"] == '["title"]'
    current = db.execute("select title from articles").fetchone()[0]
    assert current == "Ferry returns after repairs"


def test_seen_urls_keep_first_seen_and_the_last_validators(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = open_archive(path)
    url = "https://ex.com/news/ferry.html"
    mark_seen(db, url, "ex", FetchStatus.INSERTED, "2026-11-01T00:00:00Z", etag='"v1"')
    mark_seen(db, url, "ex", FetchStatus.NOT_MODIFIED, "2026-11-02T00:00:00Z")
    db.conn.commit()
    row = db.execute(
        "select first_seen, last_fetched, status, last_status, etag from seen_urls"
    ).fetchone()
    assert row == (
        "2026-11-01T00:00:00Z",
        "2026-11-02T00:00:00Z",
        "not modified",
        "not modified",
        '"v1"',
    )
    seen = read_seen_urls(path, ["ex"])
    assert seen == {
        url: SeenUrl(
            last_fetched="2026-11-02T00:00:00Z",
            status=FetchStatus.NOT_MODIFIED,
            first_seen="2026-11-01T00:00:00Z",
            etag='"v1"',
        )
    }
    assert read_seen_urls(path, ["other"]) == {}
    assert read_seen_urls(tmp_path / "missing.db", ["ex"]) == {}


def test_a_crawl_row_records_its_end_and_per_site_counts(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "archive.db")
    crawl_id = start_crawl(db, ["ex", "why"], at="2026-11-28T00:00:00Z")
    stats = {"sites/ex/discovered": 3, "sites/ex/archived": 2, "sites/ex/failed": 1}
    counts = site_counts(stats, ["ex", "why"])
    finish_crawl(db, crawl_id, "finished", counts, at="2026-11-28T00:05:00Z")
    crawl = db["crawls"].get(crawl_id)
    assert (crawl["finished_at"], crawl["finish_reason"]) == ("2026-11-28T00:05:00Z", "finished")
    rows = {row["site"]: row for row in db["crawl_sites"].rows}
    assert (rows["ex"]["discovered"], rows["ex"]["archived"], rows["ex"]["failed"]) == (3, 2, 1)
    assert rows["why"]["discovered"] == 0


def test_the_store_commits_in_batches_and_on_close(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    stage = StoreStage(str(path), commit_every=2, commit_seconds=0)
    stage.open_spider()
    reader = sqlite3.connect(path)
    count = "select count(*) from articles"
    stage.process_item(article(url="https://ex.com/news/1.html"))
    assert reader.execute(count).fetchone()[0] == 0
    stage.process_item(article(url="https://ex.com/news/2.html"))
    assert reader.execute(count).fetchone()[0] == 2
    stage.process_item(article(url="https://ex.com/news/3.html"))
    assert reader.execute(count).fetchone()[0] == 2
    stage.close_spider()
    assert reader.execute(count).fetchone()[0] == 3


LOCK_IN_ANOTHER_PROCESS = (
    "import sys\n"
    "from archive.lock import lock_archive\nfrom archive.schema import ArchiveBusy\n"
    "try:\n"
    "    lock_archive(sys.argv[1])\n"
    "except ArchiveBusy as error:\n"
    "    print(error)\n"
    "    sys.exit(2)\n"
)


def lock_elsewhere(path: Path) -> subprocess.CompletedProcess[str]:
    """Try to take the archive's lock from another process."""
    return subprocess.run(
        [sys.executable, "-c", LOCK_IN_ANOTHER_PROCESS, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_second_writer_on_the_same_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with lock_archive(path):
        refused = lock_elsewhere(path)
        # The same process may take it again (the crawl command, then its store stage).
        lock_archive(path).close()
        assert lock_elsewhere(path).returncode == 2
    assert refused.returncode == 2
    assert re.match(r"another crawl \(pid \d+, since .*\) is writing", refused.stdout)
    assert lock_elsewhere(path).returncode == 0


def test_the_lock_is_the_files_whatever_path_names_it(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "elsewhere" / "link.db"
    link.symlink_to(path)
    with lock_archive(link):
        assert lock_elsewhere(path).returncode == 2
        assert lock_elsewhere(tmp_path / "elsewhere" / ".." / "archive.db").returncode == 2


def test_the_store_stage_takes_the_lock_too(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    stage = StoreStage(str(path))
    stage.open_spider()
    assert lock_elsewhere(path).returncode == 2
    stage.spider_closed(Spider("x"), "finished")
    assert lock_elsewhere(path).returncode == 0


def test_a_nearly_full_disk_is_refused_at_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MIN_FREE_BYTES", 2**62)
    with pytest.raises(ArchiveUnavailable, match=r"is full or nearly so .* free some space"):
        open_archive(tmp_path / "archive.db")


def test_a_disk_that_fills_up_mid_crawl_stops_the_crawl_and_keeps_what_was_committed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "archive.db"
    stops: list[str] = []
    stage = StoreStage(str(path), commit_every=1, commit_seconds=0, stop_crawl=stops.append)
    stage.open_spider()
    assert stage.db is not None
    pages = stage.db.execute("pragma page_count").fetchone()[0]
    # SQLite's own "database or disk is full", as a full disk gives it.
    stage.db.execute(f"pragma max_page_count = {pages + 8}")
    long_text = "The ferry is back on the river and commuters cheered loudly.\n" * 200
    archived = 0
    for number in range(100):
        try:
            stage.process_item(article(url=f"https://ex.com/news/{number}.html", text=long_text))
        except ArchiveFull:
            break
        archived += 1
    else:
        pytest.fail("the archive never filled up")
    assert stops == ["archive_disk_full"]
    with pytest.raises(ArchiveFull):
        stage.process_item(article(url="https://ex.com/news/later.html"))
    assert stops == ["archive_disk_full"]
    stage.close_spider()
    reader = sqlite3.connect(path)
    assert reader.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert reader.execute("select count(*) from articles").fetchone()[0] == archived > 0
