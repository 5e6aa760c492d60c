"""The writes every part of Morgue shares: articles and their versions, captures, failures,
the seen URLs, and each run."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from sqlite_utils import Database

from archive.status import FetchStatus
from captures.writing import Capture, utc_timestamp


class FailureFields(Protocol):
    """A page that was not archived, as the failures table keeps it."""

    url: str
    site: str | None
    stage: str
    reason: str


# Every moment in the archive is written the one way (a WARC-Date is the same string).
utc_now = utc_timestamp


def content_hash(title: str | None, text: str) -> str:
    return hashlib.sha256(f"{title or ''}\n{text}".encode()).hexdigest()


# Why an article_versions row was replaced.
REVISED = "revised on the site"
REEXTRACTED = "re-extracted"


def archive_article(db: Database, row: dict[str, Any]) -> FetchStatus:
    """Insert or update one article; say which: inserted, updated or unchanged.

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
            return FetchStatus.INSERTED
        old = dict(zip(VERSIONED_FIELDS, existing, strict=True))
        if old["content_hash"] == row["content_hash"]:
            db.execute(
                "update articles set fetched_at = ?, capture_id = coalesce(?, capture_id)"
                " where url = ?",
                [row["fetched_at"], row.get("capture_id"), row["url"]],
            )
            return FetchStatus.UNCHANGED
        changed = [name for name in ("title", "text") if old[name] != row.get(name)]
        keep_version(db, row["url"], old, row["fetched_at"], changed, REVISED)
        db["articles"].upsert(row, pk="url")  # type: ignore[union-attr]
        return FetchStatus.UPDATED


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
    db: Database, failure: FailureFields, at: str | None = None, crawl_id: int | None = None
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
    status: FetchStatus,
    at: str,
    *,
    detail: str | None = None,
    content_hash: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """Record that an article URL was fetched (or tried) at `at`, and how it went: `status`
    decides the next run; `last_status` says it for people (a failure's stage and reason)."""
    db.execute(
        "insert into seen_urls (url, site, first_seen, last_fetched, status, last_status,"
        " content_hash, etag, last_modified)"
        " values (:url, :site, :at, :at, :status, :text, :hash, :etag, :last_modified)"
        " on conflict (url) do update set last_fetched = excluded.last_fetched,"
        " status = excluded.status, last_status = excluded.last_status,"
        " content_hash = coalesce(excluded.content_hash, seen_urls.content_hash),"
        " etag = coalesce(excluded.etag, seen_urls.etag),"
        " last_modified = coalesce(excluded.last_modified, seen_urls.last_modified)",
        {
            "url": url,
            "site": site,
            "at": at,
            "status": str(status),
            "text": detail or str(status),
            "hash": content_hash,
            "etag": etag,
            "last_modified": last_modified,
        },
    )


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
