"""What became of an article URL the last time it was fetched, as a typed value.

The next run decides on it (crawler/incremental.py): a failure that may pass (a timeout, a
server error, a reset connection) is tried again on every run; a lasting one (the page is gone,
is no HTML, or holds no article) only when its feed or sitemap says the page changed. The
failure's reason, written for people, is kept beside it and decides nothing.
"""

from __future__ import annotations

from enum import StrEnum


class FetchStatus(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not modified"
    FAILED_MAY_PASS = "failed, may pass"
    FAILED_LASTING = "failed, lasting"

    @property
    def failed(self) -> bool:
        return self in (FetchStatus.FAILED_MAY_PASS, FetchStatus.FAILED_LASTING)


def failure_status(lasting: bool) -> FetchStatus:
    return FetchStatus.FAILED_LASTING if lasting else FetchStatus.FAILED_MAY_PASS


# How archives made before the status was typed wrote a lasting failure in seen_urls'
# last_status; read once, by the migration that types them (archive/schema.py).
OLD_LASTING_FAILURES = (
    "failed: extract",
    "failed: dates",
    "failed: fetch: HTTP 404",
    "failed: fetch: HTTP 410",
    "failed: fetch: not an HTML page",
)


def status_of_old_text(last_status: str) -> FetchStatus:
    """The typed status of a seen_urls row written before statuses were typed."""
    if last_status.startswith(OLD_LASTING_FAILURES):
        return FetchStatus.FAILED_LASTING
    if last_status.startswith("failed"):
        return FetchStatus.FAILED_MAY_PASS
    try:
        return FetchStatus(last_status)
    except ValueError:
        return FetchStatus.UNCHANGED
