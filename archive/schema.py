"""The archive file's schema, and opening it for writing.

The schema is code (sqlite-utils migrations), applied when the archive is opened; applying it
twice is a no-op. The archive is the one source of truth for what has been done: which
article URLs were fetched, when, with what outcome (`seen_urls`), each run (`crawls`,
`crawl_sites`), every earlier version of a revised article (`article_versions`), and where
each page as fetched is kept (`captures`).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archive.status import status_of_old_text

migrations = Migrations("morgue")

HINT = "choose another path with -s ARCHIVE_DB=path/to/archive.db"
# Below this much free space a crawl would fail mid-run; say so before it starts.
MIN_FREE_BYTES = 64 * 1024 * 1024
# SQLite's primary result codes that say the archive cannot take a write.
PRIMARY_RESULT_CODES = {
    5: "SQLITE_BUSY",
    6: "SQLITE_LOCKED",
    8: "SQLITE_READONLY",
    10: "SQLITE_IOERR",
    11: "SQLITE_CORRUPT",
    13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN",
}
# What a crawl counts per site, in the order the crawl_sites table shows them.
SITE_COUNTS = ("discovered", "skipped", "fetched", "archived", "updated", "unchanged", "failed")


@migrations()
def m001_create_articles(db: Database) -> None:
    db["articles"].create(  # type: ignore[union-attr]
        {
            "url": str,
            "site": str,
            "title": str,
            "text": str,
            "authors": str,
            "published_at": str,
            "modified_at": str,
            "published_raw": str,
            "language": str,
            "description": str,
            "tags": str,
            "image": str,
            "sitename": str,
            "word_count": int,
            "fetched_at": str,
            "content_hash": str,
        },
        pk="url",
        not_null={"site", "fetched_at"},
        defaults={"authors": "[]", "tags": "[]"},
    )
    db["articles"].create_index(["site", "published_at"])  # type: ignore[union-attr]
    db["articles"].create_index(["published_at"])  # type: ignore[union-attr]


@migrations()
def m002_create_failures(db: Database) -> None:
    db["failures"].create(  # type: ignore[union-attr]
        {"id": int, "url": str, "site": str, "stage": str, "reason": str, "at": str},
        pk="id",
        not_null={"url", "stage", "reason", "at"},
    )
    db["failures"].create_index(["url"])  # type: ignore[union-attr]
    db["failures"].create_index(["at"])  # type: ignore[union-attr]


@migrations()
def m003_articles_search(db: Database) -> None:
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")  # type: ignore[union-attr]


@migrations()
def m004_create_crawls(db: Database) -> None:
    db["crawls"].create(  # type: ignore[union-attr]
        {"id": int, "started_at": str, "finished_at": str, "finish_reason": str, "sites": str},
        pk="id",
        not_null={"started_at"},
    )
    db["crawl_sites"].create(  # type: ignore[union-attr]
        {"crawl_id": int, "site": str, **dict.fromkeys(SITE_COUNTS, int)},
        pk=("crawl_id", "site"),
        foreign_keys=[("crawl_id", "crawls", "id")],
        defaults=dict.fromkeys(SITE_COUNTS, 0),
    )
    db["failures"].add_column("crawl_id", int, fk="crawls", fk_col="id")  # type: ignore[union-attr]


@migrations()
def m005_create_seen_urls(db: Database) -> None:
    db["seen_urls"].create(  # type: ignore[union-attr]
        {
            "url": str,
            "site": str,
            "first_seen": str,
            "last_fetched": str,
            "last_status": str,
            "content_hash": str,
            "etag": str,
            "last_modified": str,
        },
        pk="url",
        not_null={"first_seen", "last_fetched", "last_status"},
    )
    db["seen_urls"].create_index(["site", "last_fetched"])  # type: ignore[union-attr]
    # Archives made before this table existed: what they hold counts as seen.
    db.execute(
        "insert into seen_urls (url, site, first_seen, last_fetched, last_status, content_hash)"
        " select url, site, fetched_at, fetched_at, 'archived', content_hash from articles"
    )


@migrations()
def m006_create_article_versions(db: Database) -> None:
    db["article_versions"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "url": str,
            "title": str,
            "text": str,
            "content_hash": str,
            "fetched_at": str,
            "replaced_at": str,
            "changed": str,
        },
        pk="id",
        not_null={"url", "replaced_at"},
    )
    db["article_versions"].create_index(["url"])  # type: ignore[union-attr]
    db["article_versions"].create_index(["replaced_at"])  # type: ignore[union-attr]


@migrations()
def m007_create_captures(db: Database) -> None:
    # One row per response kept in a WARC file (captures/), found by file, offset and length.
    db["captures"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "url": str,
            "site": str,
            "kind": str,
            "crawl_id": int,
            "fetched_at": str,
            "status": int,
            "warc_file": str,
            "offset": int,
            "length": int,
            "payload_digest": str,
            "record_id": str,
            # What the feed or sitemap said of an article page (re-extraction reads it too).
            "hints": str,
        },
        pk="id",
        not_null={"url", "kind", "fetched_at", "status", "warc_file", "offset", "length"},
        foreign_keys=[("crawl_id", "crawls", "id")],
    )
    db["captures"].create_index(["url"])  # type: ignore[union-attr]
    db["captures"].create_index(["record_id"], unique=True)  # type: ignore[union-attr]
    db["captures"].create_index(["crawl_id"])  # type: ignore[union-attr]
    # Plain ALTER TABLE: sqlite-utils adds a foreign key by copying the table, which would
    # renumber the rowids its search index points at and drop the triggers that keep it.
    db.execute("alter table articles add column capture_id integer references captures(id)")
    # A version replaced by a re-extraction differs in its authors or dates as often as in
    # its text; and why it was replaced: revised on the site, or re-extracted.
    versions = db["article_versions"]
    versions.add_column("authors", str)  # type: ignore[union-attr]
    versions.add_column("published_at", str)  # type: ignore[union-attr]
    versions.add_column("reason", str)  # type: ignore[union-attr]


@migrations()
def m008_typed_fetch_status(db: Database) -> None:
    # What the next run decides on, typed (archive/status.py); last_status keeps the text.
    db["seen_urls"].add_column("status", str)  # type: ignore[union-attr]
    db.conn.create_function("status_of_old_text", 1, status_of_old_text, deterministic=True)
    db.execute("update seen_urls set status = status_of_old_text(last_status)")


class ArchiveUnavailable(RuntimeError):
    """The archive file cannot be opened for writing; the message says what to do."""


class ArchiveBusy(ArchiveUnavailable):
    """Another crawl is writing to the same archive."""


def open_archive(path: str | Path) -> Database:
    """Open (creating if needed) and migrate the archive; fail early with a usable message."""
    path = Path(path)
    _check_archive_path(path)
    _check_free_space(path)
    try:
        db = Database(sqlite3.connect(str(path), timeout=30, check_same_thread=False))
        db.execute("PRAGMA busy_timeout = 30000")
        db.enable_wal()
        migrations.apply(db)
        # Write once (and roll it back), so that a read-only file fails now rather than on
        # every page of the crawl: SQLite opens such a file read-only without a word, and
        # takes even the write lock (BEGIN IMMEDIATE) before it finds out.
        db.execute("BEGIN IMMEDIATE")
        db.execute("update crawls set finished_at = finished_at where 0")
        db.execute("ROLLBACK")
    except sqlite3.DatabaseError as error:
        raise ArchiveUnavailable(
            f"cannot write to the archive {path}: {error}; check that the file is an SQLite "
            f"database you may write to and that the disk is not full, or {HINT}"
        ) from None
    return db


def _check_archive_path(path: Path) -> None:
    if path.parent.exists() and not path.parent.is_dir():
        raise ArchiveUnavailable(
            f"cannot create the archive {path}: {path.parent} is a file, not a folder; {HINT}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ArchiveUnavailable(
            f"cannot create the folder for the archive {path}: {error.strerror}; {HINT}"
        ) from None
    if path.is_dir():
        raise ArchiveUnavailable(f"the archive path {path} is a folder, not a file; {HINT}")


def _check_free_space(path: Path) -> None:
    free = shutil.disk_usage(path.parent).free
    if free < MIN_FREE_BYTES:
        raise ArchiveUnavailable(
            f"the disk holding the archive {path} is full or nearly so ({free // 1024**2} MB "
            f"free, a crawl needs at least {MIN_FREE_BYTES // 1024**2} MB); free some space, or "
            f"{HINT}"
        )


def sqlite_error_name(error: sqlite3.Error | OSError) -> str:
    """SQLite's primary result code of an error, by name ("SQLITE_FULL", "SQLITE_READONLY")."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return "SQLITE_ERROR"
    primary = code & 0xFF  # extended codes carry the primary one in their low byte
    return PRIMARY_RESULT_CODES.get(primary, f"SQLITE_{primary}")
