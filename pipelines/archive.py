"""The archive file: its schema, and the few reads and writes every part of Morgue shares.

The schema is code (sqlite-utils migrations), applied when the archive is opened; applying it
twice is a no-op. The archive is the one source of truth for what has been done: which
article URLs were fetched, when, with what outcome (`seen_urls`), each run (`crawls`,
`crawl_sites`), and every earlier version of a revised article (`article_versions`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, ClassVar

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from captures.writing import Capture, utc_timestamp
from crawler.items import PageFailure

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


class ArchiveLock:
    """The archive's writer lock, held until close() (or until the process dies: the kernel
    releases it even after kill -9).

    SQLite alone would let two overlapping scheduled runs interleave their writes; the lock
    makes the second one stop at once. It is keyed on the archive file itself, its path with
    symbolic links resolved, so that two spellings of one file share one lock; and it is
    taken by whatever writes (the crawl command before it starts, the store stage when it
    opens), the same process taking it again freely.
    """

    _held: ClassVar[dict[Path, tuple[IO[str], int]]] = {}

    def __init__(self, path: str | Path) -> None:
        self.key = Path(path).resolve()
        self.closed = False
        if self.key in self._held:
            handle, holders = self._held[self.key]
            self._held[self.key] = (handle, holders + 1)
            return
        self._held[self.key] = (_take_lock(path, self.key), 1)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        handle, holders = self._held.pop(self.key)
        if holders > 1:
            self._held[self.key] = (handle, holders - 1)
        else:
            handle.close()

    def __enter__(self) -> ArchiveLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def lock_archive(path: str | Path) -> ArchiveLock:
    """Take the archive's writer lock; ArchiveBusy when another process holds it."""
    return ArchiveLock(path)


def _take_lock(path: str | Path, resolved: Path) -> IO[str]:
    lock_path = resolved.with_name(f"{resolved.name}.lock")
    _check_archive_path(lock_path)
    try:
        handle = lock_path.open("a+", encoding="utf-8")
    except OSError as error:
        raise ArchiveUnavailable(
            f"cannot write next to the archive {path}: {lock_path}: {error.strerror}; make "
            f"{lock_path.parent} writable, or {HINT}"
        ) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ArchiveBusy(
            f"another crawl ({holder}) is writing to the archive {path}; wait for it to finish, "
            f"or {HINT}"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}, since {utc_now()}\n")
    handle.flush()
    return handle


def sqlite_error_name(error: sqlite3.Error | OSError) -> str:
    """SQLite's primary result code of an error, by name ("SQLITE_FULL", "SQLITE_READONLY")."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return "SQLITE_ERROR"
    primary = code & 0xFF  # extended codes carry the primary one in their low byte
    return PRIMARY_RESULT_CODES.get(primary, f"SQLITE_{primary}")


# Every moment in the archive is written the one way (a WARC-Date is the same string).
utc_now = utc_timestamp


def content_hash(title: str | None, text: str) -> str:
    return hashlib.sha256(f"{title or ''}\n{text}".encode()).hexdigest()


# Why an article_versions row was replaced.
REVISED = "revised on the site"
REEXTRACTED = "re-extracted"


def archive_article(db: Database, row: dict[str, Any]) -> str:
    """Insert or update one article; say which: "inserted", "updated" or "unchanged".

    An update keeps the replaced version in article_versions.
    """
    existing = db.execute(
        "select title, text, content_hash, fetched_at, authors, published_at from articles"
        " where url = ?",
        [row["url"]],
    ).fetchone()
    with db.atomic():
        if existing is None:
            db["articles"].insert(row)  # type: ignore[union-attr]
            return "inserted"
        old = dict(zip(VERSIONED_FIELDS, existing, strict=True))
        if old["content_hash"] == row["content_hash"]:
            db.execute(
                "update articles set fetched_at = ?, capture_id = coalesce(?, capture_id)"
                " where url = ?",
                [row["fetched_at"], row.get("capture_id"), row["url"]],
            )
            return "unchanged"
        changed = [name for name in ("title", "text") if old[name] != row.get(name)]
        keep_version(db, row["url"], old, row["fetched_at"], changed, REVISED)
        db["articles"].upsert(row, pk="url")  # type: ignore[union-attr]
        return "updated"


# The fields of an article an article_versions row keeps, as read by archive_article.
VERSIONED_FIELDS = ("title", "text", "content_hash", "fetched_at", "authors", "published_at")


def keep_version(
    db: Database,
    url: str,
    old: dict[str, Any],
    replaced_at: str,
    changed: list[str],
    reason: str,
) -> None:
    """Keep an article's version that is about to be replaced, and which fields changed."""
    db["article_versions"].insert(  # type: ignore[union-attr]
        {
            "url": url,
            **{name: old[name] for name in VERSIONED_FIELDS},
            "replaced_at": replaced_at,
            "changed": json.dumps(changed),
            "reason": reason,
        }
    )


def record_capture(db: Database, capture: Capture, crawl_id: int | None) -> None:
    """The captures row of a response written to a WARC file."""
    db["captures"].insert(  # type: ignore[union-attr]
        {
            "url": capture.url,
            "site": capture.site,
            "kind": str(capture.kind),
            "crawl_id": crawl_id,
            "fetched_at": capture.fetched_at,
            "status": capture.status,
            "warc_file": capture.warc_file,
            "offset": capture.offset,
            "length": capture.length,
            "payload_digest": capture.payload_digest,
            "record_id": capture.record_id,
        }
    )


def link_capture(db: Database, record_id: str, hints: dict[str, Any] | None) -> int | None:
    """The captures row id of a record, with what the feed or sitemap said of the page kept
    beside it (None if the record has no row: WARC capture was off, or failed)."""
    found = db.execute("select id from captures where record_id = ?", [record_id]).fetchone()
    if found is None:
        return None
    if hints:
        db.execute("update captures set hints = ? where id = ?", [json.dumps(hints), found[0]])
    return int(found[0])


def record_failure(
    db: Database, failure: PageFailure, at: str | None = None, crawl_id: int | None = None
) -> None:
    with db.atomic():
        db["failures"].insert(  # type: ignore[union-attr]
            {
                "url": failure.url,
                "site": failure.site,
                "stage": failure.stage,
                "reason": failure.reason,
                "at": at or utc_now(),
                "crawl_id": crawl_id,
            }
        )


def mark_seen(
    db: Database,
    url: str,
    site: str | None,
    status: str,
    at: str,
    *,
    content_hash: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """Record that an article URL was fetched (or tried) at `at`, and how it went."""
    db.execute(
        "insert into seen_urls"
        " (url, site, first_seen, last_fetched, last_status, content_hash, etag, last_modified)"
        " values (:url, :site, :at, :at, :status, :hash, :etag, :last_modified)"
        " on conflict (url) do update set last_fetched = excluded.last_fetched,"
        " last_status = excluded.last_status,"
        " content_hash = coalesce(excluded.content_hash, seen_urls.content_hash),"
        " etag = coalesce(excluded.etag, seen_urls.etag),"
        " last_modified = coalesce(excluded.last_modified, seen_urls.last_modified)",
        {
            "url": url,
            "site": site,
            "at": at,
            "status": status,
            "hash": content_hash,
            "etag": etag,
            "last_modified": last_modified,
        },
    )


@dataclass(frozen=True)
class SeenUrl:
    """What the archive knows of an article URL from earlier runs."""

    last_fetched: str
    last_status: str
    first_seen: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # The article's own date when it was archived: young articles are checked again.
    published_at: str | None = None


def read_seen_urls(path: str | Path, sites: list[str]) -> dict[str, SeenUrl]:
    """The seen URLs of some sites, read without taking any lock a crawl would wait for."""
    if not Path(path).is_file() or not sites:
        return {}
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        marks = ",".join("?" * len(sites))
        rows = connection.execute(
            "select seen_urls.url, last_fetched, last_status, first_seen, etag, last_modified,"
            " published_at"
            " from seen_urls left join articles on articles.url = seen_urls.url"
            f" where seen_urls.site in ({marks})",
            sites,
        )
        return {row[0]: SeenUrl(*row[1:]) for row in rows}
    except sqlite3.OperationalError:
        # An archive from before seen_urls: the crawl's own migration adds it, then all is new.
        return {}
    finally:
        connection.close()


def start_crawl(db: Database, sites: list[str], at: str | None = None) -> int:
    with db.atomic():
        table = db["crawls"]
        table.insert({"started_at": at or utc_now(), "sites": json.dumps(sites)})  # type: ignore[union-attr]
        return int(table.last_pk)  # type: ignore[union-attr,arg-type]


def finish_crawl(
    db: Database,
    crawl_id: int,
    reason: str,
    counts: dict[str, dict[str, int]],
    at: str | None = None,
) -> None:
    """Close a crawls row: when and why it stopped, and the per-site counts."""
    with db.atomic():
        db.execute(
            "update crawls set finished_at = ?, finish_reason = ? where id = ?",
            [at or utc_now(), reason, crawl_id],
        )
        db["crawl_sites"].upsert_all(  # type: ignore[union-attr]
            [{"crawl_id": crawl_id, "site": site, **values} for site, values in counts.items()],
            pk=("crawl_id", "site"),
        )


def failure_reasons(path: str | Path, crawl_id: int) -> list[tuple[str | None, str]]:
    """(site, reason) of every failures row of a crawl, read without taking any lock."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(
            "select site, reason from failures where crawl_id = ?", [crawl_id]
        ).fetchall()
    finally:
        connection.close()
