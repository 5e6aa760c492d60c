"""What the spider hands to the pipelines: an article page to archive, or a page that failed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DateCandidate:
    """A raw date string and where it was found, most trusted sources first in a list."""

    raw: str
    source: str


@dataclass
class Article:
    """One article page, filled in stage by stage: spider, extract, dates, store."""

    # Set by the spider.
    url: str
    site: str
    html: str = field(repr=False)
    fetched_at: str
    site_language: str | None = None
    site_timezone: str | None = None
    # What a feed or sitemap said about the page before it was fetched.
    hint_title: str | None = None
    hint_dates: list[DateCandidate] = field(default_factory=list)
    hint_authors: list[str] = field(default_factory=list)
    # The response's validators, kept for a conditional request on the next run.
    etag: str | None = None
    last_modified: str | None = None
    # The WARC-Record-ID of the response as fetched, when it was kept (crawler/capture.py).
    capture_id: str | None = None

    # Set by the extract stage.
    title: str | None = None
    text: str = field(default="", repr=False)
    authors: list[str] = field(default_factory=list)
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    language: str | None = None
    language_tag: str | None = None
    sitename: str | None = None
    published_candidates: list[DateCandidate] = field(default_factory=list)
    modified_candidates: list[DateCandidate] = field(default_factory=list)

    # Set by the dates stage.
    published_at: str | None = None
    published_raw: str | None = None
    modified_at: str | None = None

    def __str__(self) -> str:
        """Short, for log lines such as Scrapy's "Dropped: ..." message."""
        return f"<Article {self.url}>"


@dataclass
class PageFailure:
    """A page that was requested or fetched but is not archived, and why."""

    url: str
    site: str | None
    stage: str
    reason: str
    # An article page (as opposed to a feed, sitemap, listing page or robots.txt): the
    # archive remembers its outcome in seen_urls, so that the next run knows it was tried.
    article: bool = True
    # A failure that will not pass by trying again (the page is gone, is no HTML, or holds
    # no article): the next run tries it only when its feed or sitemap says it changed.
    lasting: bool = False


@dataclass
class PageNotModified:
    """An article fetched again that the server says has not changed since (HTTP 304)."""

    url: str
    site: str
    fetched_at: str
