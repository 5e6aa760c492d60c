"""Which known article URLs a scheduled run fetches again, and how to ask the server cheaply.

The archive's seen_urls table is the memory: a run fetches a URL it has not seen, a URL whose
feed entry or sitemap `lastmod` is newer than our last fetch, a young article (stories are
often revised in their first days), and a URL whose last fetch failed for a reason that may
pass (a timeout, a 5xx). Everything else is skipped without a request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from archive.reads import SeenUrl
from archive.status import FetchStatus


def fetch_reason(
    seen: SeenUrl | None, updated: str | None, now: datetime, recheck: timedelta
) -> str | None:
    """Why the article should be fetched on this run ("new", "changed", ...), or None to skip.

    `updated` is what a feed or sitemap says of the page's last change, as UTC ISO text;
    timestamps compare as text because they are all in the archive's one format.
    """
    if seen is None:
        return "new"
    if updated and updated > seen.last_fetched:
        return "changed"
    if seen.status is FetchStatus.FAILED_MAY_PASS:
        return "retry"
    try:
        window_start = (now - recheck).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:  # a window longer than the calendar: everything is young
        window_start = ""
    young_since = seen.published_at or seen.first_seen
    if recheck > timedelta(0) and young_since and _as_timestamp(young_since) >= window_start:
        return "recent"
    return None


def conditional_headers(seen: SeenUrl | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators the server gave last time."""
    if seen is None or seen.status.failed:
        return {}
    headers = {}
    if seen.etag:
        headers["If-None-Match"] = seen.etag
    if seen.last_modified:
        headers["If-Modified-Since"] = seen.last_modified
    return headers


def _as_timestamp(value: str) -> str:
    """A day-only date compares as the start of that day."""
    return value if "T" in value else f"{value}T00:00:00Z"
