"""Reads of the archive made without taking any lock a crawl would wait for."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from archive.status import FetchStatus


@dataclass(frozen=True)
class SeenUrl:
    """What the archive knows of an article URL from earlier runs."""

    last_fetched: str
    status: FetchStatus
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
            "select seen_urls.url, last_fetched, status, first_seen, etag, last_modified,"
            " published_at"
            " from seen_urls left join articles on articles.url = seen_urls.url"
            f" where seen_urls.site in ({marks})",
            sites,
        )
        return {
            url: SeenUrl(fetched, FetchStatus(status), *rest)
            for url, fetched, status, *rest in rows
        }
    except sqlite3.OperationalError:
        # An archive from before seen_urls: the crawl's own migration adds it, then all is new.
        return {}
    finally:
        connection.close()


def failure_reasons(path: str | Path, crawl_id: int) -> list[tuple[str | None, str]]:
    """(site, reason) of every failures row of a crawl, read without taking any lock."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(
            "select site, reason from failures where crawl_id = ?", [crawl_id]
        ).fetchall()
    finally:
        connection.close()
