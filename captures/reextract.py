"""Today's extraction over the pages as fetched: `scrapy reextract`.

Each archived article with a capture is read back from its WARC record, turned into the
response the crawl had (decoded the same way), and run through the same extract and dates
stages, in the same worker pool. Where the result differs from the stored article, the
article is updated and its previous version kept in article_versions, as a revision is, with
the reason `re-extracted`. Nothing is fetched. Running it twice changes nothing the second
time: extraction is a function of the stored bytes, the feed's hints kept with the capture,
the site's settings and the moment of the fetch.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlite_utils import Database

from archive.status import FetchStatus
from archive.writes import (
    REEXTRACTED,
    VERSIONED_FIELDS,
    archive_article,
    keep_version,
    mark_seen,
    record_failure,
    utc_now,
)
from captures.reading import CaptureUnreadable, read_response, warc_path
from captures.responses import response_of
from crawler.discovery import Lead
from crawler.items import Article, DateCandidate, PageFailure
from crawler.sites import Site
from crawler.spiders.news import UnusablePage, article_of_page
from crawler.workers import PagePool
from pipelines.dates import DatesStage
from pipelines.extract import ExtractStage
from pipelines.store import article_row

logger = logging.getLogger(__name__)

STAGE = "reextract"
# Fields a re-extraction may change, and how the summary groups them.
FIELD_GROUPS = {
    "title": "titles",
    "authors": "authors",
    "published_at": "dates",
    "modified_at": "dates",
    "text": "texts",
    "published_raw": "other fields",
    "description": "other fields",
    "tags": "other fields",
    "image": "other fields",
    "language": "other fields",
    "sitename": "other fields",
}
GROUPS = ("titles", "authors", "dates", "texts", "other fields")
# Stored as JSON arrays: compared as lists.
LIST_FIELDS = {"authors", "tags"}
# Fields derived from others, rewritten with them.
DERIVED_FIELDS = ("word_count", "content_hash")
# Changes are committed in batches of this many.
COMMIT_EVERY = 200
EXAMPLES = 5


class Outcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    UNREADABLE = "capture unreadable"
    REJECTED = "rejected by today's extraction"
    # Pages the crawl fetched but could not archive:
    NEWLY_ARCHIVED = "archived now"
    STILL_REJECTED = "still not archivable"
    ARCHIVED_ELSEWHERE = "archived under another URL already"


@dataclass(frozen=True)
class CapturedArticle:
    """An archived article and where its latest capture is; or (archived False) a page the
    crawl fetched and kept but could not archive, which today's rules may."""

    url: str
    site: str
    warc_file: str
    offset: int
    length: int
    payload_digest: str | None
    fetched_at: str
    hints: str | None
    capture_id: int | None = None
    archived: bool = True


@dataclass(frozen=True)
class Result:
    article: CapturedArticle
    outcome: Outcome
    row: dict[str, Any] | None = None
    why: str = ""


@dataclass(frozen=True)
class Change:
    url: str
    fields: list[str]
    old: dict[str, Any]
    new: dict[str, Any]


@dataclass
class Report:
    """What a re-extraction did (or, in a dry run, would do)."""

    selected: int = 0
    without_capture: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    groups: Counter[str] = field(default_factory=Counter)
    examples: list[Change] = field(default_factory=list)
    sites_not_configured: Counter[str] = field(default_factory=Counter)


class Progress(Protocol):
    def update(self, count: int = 1) -> object: ...

    def close(self) -> None: ...


class ReextractError(ValueError):
    """An option of `scrapy reextract` that cannot be used; the message says which."""


def parse_since(text: str | None) -> str | None:
    """`-a since=YYYY-MM-DD` as the start of that day in the archive's time format."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ReextractError(
            f"since must be a day written YYYY-MM-DD (e.g. since=2024-06-01), not {text!r}"
        ) from None
    return f"{day.isoformat()}T00:00:00Z"


def captured_articles(
    db: Database, sites: list[str] | None, since: str | None
) -> tuple[list[CapturedArticle], int]:
    """The articles (of some sites, or all) whose latest capture was fetched on or after
    `since`, and how many articles have no capture (archived before pages were kept)."""
    where, params = [], []
    if sites is not None:
        where.append(f"articles.site in ({','.join('?' * len(sites))})")
        params.extend(sites)
    captured = [*where, "captures.fetched_at >= ?"] if since else where
    rows = db.execute(
        "select articles.url, articles.site, warc_file, offset, length, payload_digest,"
        " captures.fetched_at, hints from articles join captures on captures.id ="
        f" articles.capture_id {sql_where(captured)} order by articles.rowid",
        [*params, *([since] if since else [])],
    ).fetchall()
    without = db.execute(
        f"select count(*) from articles {sql_where(['capture_id is null', *where])}", params
    ).fetchone()[0]
    return [CapturedArticle(*row) for row in rows], int(without)


def captured_but_not_archived(
    db: Database, sites: list[str] | None, since: str | None
) -> list[CapturedArticle]:
    """The latest capture of each article page the crawl fetched whole (2xx) but did not
    archive (no article points at any capture of its URL): today's rules may archive it."""
    where = [
        "captures.kind = 'article'",
        "captures.status between 200 and 299",
        "captures.id = (select max(id) from captures latest where latest.url = captures.url)",
        "not exists (select 1 from articles join captures linked"
        " on linked.id = articles.capture_id where linked.url = captures.url)",
    ]
    params: list[str] = []
    if sites is not None:
        where.append(f"captures.site in ({','.join('?' * len(sites))})")
        params.extend(sites)
    if since:
        where.append("captures.fetched_at >= ?")
        params.append(since)
    rows = db.execute(
        "select url, site, warc_file, offset, length, payload_digest, fetched_at, hints, id"
        f" from captures {sql_where(where)} order by id",
        params,
    ).fetchall()
    return [
        CapturedArticle(
            url=url,
            site=site,
            warc_file=warc_file,
            offset=offset,
            length=length,
            payload_digest=digest,
            fetched_at=fetched_at,
            hints=hints,
            capture_id=capture_id,
            archived=False,
        )
        for url, site, warc_file, offset, length, digest, fetched_at, hints, capture_id in rows
    ]


def sql_where(conditions: list[str]) -> str:
    return f"where {' and '.join(conditions)}" if conditions else ""


def lead_of(article: CapturedArticle) -> Lead | None:
    """What the feed or sitemap said of the page when it was fetched."""
    if not article.hints:
        return None
    hints = json.loads(article.hints)
    return Lead(
        url=article.url,
        title=hints.get("title"),
        dates=[DateCandidate(date["raw"], date["source"]) for date in hints.get("dates", [])],
        authors=list(hints.get("authors", [])),
    )


class Reextraction:
    """The extract and dates stages of a crawl, run over stored pages."""

    def __init__(
        self,
        archive: str | Path,
        sites: Mapping[str, Site],
        *,
        min_words: int,
        earliest: date,
        pool: PagePool | None,
    ) -> None:
        self.archive = archive
        self.sites = sites
        self.extract = ExtractStage(min_words=min_words, pool=pool)
        self.dates = DatesStage(earliest=earliest, pool=pool)

    async def run(self, article: CapturedArticle) -> Result:
        site = self.sites[article.site]
        try:
            stored = read_response(
                warc_path(self.archive, article.warc_file),
                article.offset,
                article.length,
                expected_digest=article.payload_digest,
            )
            item = article_of_page(
                response_of(stored), site, lead_of(article), fetched_at=article.fetched_at
            )
        except (CaptureUnreadable, UnusablePage) as error:
            return Result(article, Outcome.UNREADABLE, why=str(error))
        if article.archived:
            item.url = article.url  # the archive's key, whatever the page says today
        try:
            extracted = await self.extract.process_item(item)
        except Exception as error:  # ArticleRejected, with the reason, or a library's crash
            return Result(article, Outcome.REJECTED, why=str(error))
        dated: Article = await self.dates.process_item(extracted)
        return Result(article, Outcome.UNCHANGED, row=article_row(dated))


def stored_value(name: str, value: Any) -> Any:
    if name in LIST_FIELDS and isinstance(value, str):
        return json.loads(value)
    return value


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The fields whose value differs between the stored article and today's extraction."""
    return [name for name in FIELD_GROUPS if stored_value(name, old.get(name)) != new.get(name)]


def current_article(db: Database, url: str) -> dict[str, Any] | None:
    columns = list(dict.fromkeys([*FIELD_GROUPS, *VERSIONED_FIELDS]))
    found = db.execute(f"select {', '.join(columns)} from articles where url = ?", [url])
    row = found.fetchone()
    return dict(zip(columns, row, strict=True)) if row else None


def apply_change(db: Database, change: Change, at: str) -> None:
    """Keep the article's version, then write today's extraction over it."""
    keep_version(db, change.url, change.old, at, change.fields, REEXTRACTED)
    values = {name: change.new[name] for name in (*FIELD_GROUPS, *DERIVED_FIELDS)}
    db["articles"].update(change.url, values)  # type: ignore[union-attr]


Item = TypeVar("Item")
Done = TypeVar("Done")


async def bounded(
    items: Iterable[Item], work: Callable[[Item], Awaitable[Done]], limit: int
) -> AsyncIterator[Done]:
    """work(item) for every item, at most `limit` at once, results as they finish."""
    pending: set[asyncio.Task[Done]] = set()
    iterator = iter(items)
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < limit:
            item = next(iterator, None)
            if item is None:
                exhausted = True
            else:
                pending.add(asyncio.ensure_future(work(item)))
        if not pending:
            break
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            yield task.result()


async def reextract(
    db: Database,
    reextraction: Reextraction,
    articles: list[CapturedArticle],
    *,
    dry_run: bool,
    concurrency: int,
    progress: Progress,
) -> Report:
    """Re-extract `articles`, writing (unless dry_run) what changed, in batches."""
    report = Report(selected=sum(article.archived for article in articles))
    at = utc_now()
    pending_writes = 0
    async for result in bounded(articles, reextraction.run, concurrency):
        progress.update()
        outcome, write = decide(db, result, report, at)
        report.outcomes[outcome] += 1
        if dry_run or write is None:
            continue
        if not db.conn.in_transaction:
            db.execute("BEGIN IMMEDIATE")
        write()
        pending_writes += 1
        if pending_writes >= COMMIT_EVERY:
            db.conn.commit()
            pending_writes = 0
    if db.conn.in_transaction:
        db.conn.commit()
    progress.close()
    return report


def decide(
    db: Database, result: Result, report: Report, at: str
) -> tuple[Outcome, Callable[[], None] | None]:
    """What a page's re-extraction comes to, and the write it takes (None: nothing to write).
    A change is noted in the report's counts and examples."""
    if not result.article.archived:
        outcome = rescue_outcome(db, result)
        if outcome is Outcome.NEWLY_ARCHIVED:
            return outcome, lambda: archive_rescued(db, result)
        return outcome, None
    if result.row is None:
        reason = f"{result.outcome}: {result.why}; the article keeps what it had"
        failure = PageFailure(result.article.url, result.article.site, STAGE, reason)
        return result.outcome, lambda: record_failure(db, failure, at=at)
    old = current_article(db, result.article.url)
    fields = changed_fields(old, result.row) if old else []
    if old is None or not fields:
        return Outcome.UNCHANGED, None
    change = Change(result.article.url, fields, old, result.row)
    report.groups.update({FIELD_GROUPS[name] for name in change.fields})
    if len(report.examples) < EXAMPLES:
        report.examples.append(change)
    return Outcome.CHANGED, lambda: apply_change(db, change, at)


def rescue_outcome(db: Database, result: Result) -> Outcome:
    """What today's extraction makes of a page the crawl could not archive."""
    if result.row is None:
        return Outcome.STILL_REJECTED
    if current_article(db, result.row["url"]) is not None:
        return Outcome.ARCHIVED_ELSEWHERE
    return Outcome.NEWLY_ARCHIVED


def archive_rescued(db: Database, result: Result) -> None:
    """Archive a page today's rules can extract, as the crawl would have archived it."""
    assert result.row is not None
    row = {**result.row, "capture_id": result.article.capture_id}
    archive_article(db, row)
    mark_seen(
        db,
        row["url"],
        row["site"],
        FetchStatus.INSERTED,
        row["fetched_at"],
        detail=f"{FetchStatus.INSERTED} ({REEXTRACTED})",
        content_hash=row["content_hash"],
    )


def shortened(value: Any, width: int = 70) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def summary_lines(report: Report, *, dry_run: bool) -> Iterator[str]:
    """What the run did, in a few lines for the terminal."""
    changed = report.outcomes[Outcome.CHANGED]
    verb = "would change" if dry_run else "changed"
    yield (
        f"Re-extracted {report.selected:,} archived pages as fetched: {verb} {changed:,}, "
        f"{report.outcomes[Outcome.UNCHANGED]:,} unchanged."
    )
    if changed:
        yield "  " + ", ".join(f"{report.groups[group]:,} {group}" for group in GROUPS) + "."
    for outcome in (Outcome.REJECTED, Outcome.UNREADABLE):
        if report.outcomes[outcome]:
            where = "" if dry_run else " (each a failures row, stage reextract)"
            yield (
                f"  {report.outcomes[outcome]:,} {outcome}{where}: those articles keep what they "
                "had."
            )
    rescued = report.outcomes[Outcome.NEWLY_ARCHIVED]
    if rescued:
        yield (
            f"  {rescued:,} pages the crawl could not archive "
            f"{'would be' if dry_run else 'are'} archived now."
        )
    if report.outcomes[Outcome.STILL_REJECTED]:
        yield (
            f"  {report.outcomes[Outcome.STILL_REJECTED]:,} pages the crawl could not archive "
            "still cannot be (their failures rows say why)."
        )
    if report.without_capture:
        yield (
            f"  {report.without_capture:,} articles have no page as fetched (archived before "
            "pages were kept, or with ARCHIVE_WARC off): left as they are."
        )
    for site, count in sorted(report.sites_not_configured.items()):
        yield (
            f"  {count:,} articles of {site!r}, a site no longer in the sites file, left as they "
            "are (its language and time zone are not known)."
        )
    for example in report.examples:
        yield f"  {example.url}"
        for name in example.fields:
            old = stored_value(name, example.old.get(name))
            yield f"    {name}: {shortened(old)} → {shortened(example.new.get(name))}"
    if dry_run:
        yield "Dry run: nothing was written."


class LogProgress:
    """Progress as a log line every few seconds, where no terminal shows a bar."""

    def __init__(self, total: int, every: float = 10.0) -> None:
        self.total = total
        self.every = every
        self.done = 0
        self.started = self.last = time.monotonic()

    def update(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            rate = self.done / (now - self.started)
            left = (self.total - self.done) / rate if rate else 0
            logger.info(
                "Re-extracted %d of %d pages (%.1f pages/s, about %.0f s left)",
                self.done,
                self.total,
                rate,
                left,
            )

    def close(self) -> None:
        logger.info("Re-extracted %d pages", self.done)


def pages_by_site(
    articles: list[CapturedArticle], sites: Mapping[str, Site]
) -> tuple[list[CapturedArticle], Counter[str]]:
    """The articles of sites still in the sites file, and how many of each other site's."""
    kept = [article for article in articles if article.site in sites]
    left = Counter(article.site for article in articles if article.site not in sites)
    return kept, left


def run_reextract(
    db: Database,
    reextraction: Reextraction,
    articles: list[CapturedArticle],
    *,
    dry_run: bool,
    concurrency: int,
    progress_for: Callable[[int], Progress],
    without_capture: int = 0,
) -> Report:
    """Everything `scrapy reextract` does between opening the archive and printing."""
    articles, not_configured = pages_by_site(articles, reextraction.sites)
    report = asyncio.run(
        reextract(
            db,
            reextraction,
            articles,
            dry_run=dry_run,
            concurrency=concurrency,
            progress=progress_for(len(articles)),
        )
    )
    report.sites_not_configured = not_configured
    report.without_capture = without_capture
    return report
