"""The dates stage: an article's raw date candidates -> published_at and modified_at, in ISO
8601 UTC, or nothing. The rules are in extraction/dates.py; this stage runs them, inline when
every candidate is exact, in the crawl's worker processes when dateparser must read one.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import Article
from crawler.workers import PagePool, WorkerFailed, pool_for
from extraction.dates import DateparserNeeded, choose_article_dates

logger = logging.getLogger(__name__)


class DatesStage:
    """Pipeline stage: choose and normalise published_at and modified_at.

    dateparser runs in the crawl's worker processes (a single string can take seconds) unless
    ARCHIVE_WORKERS is 0. Most pages need none: their dates are ISO 8601 or RFC 822, read
    here in microseconds, which is cheaper than the trip to a worker. An article whose dates
    could not be read in a worker is still archived, without dates, and counted.
    """

    def __init__(
        self, earliest: date, stats: StatsCollector | None = None, pool: PagePool | None = None
    ) -> None:
        self.earliest = earliest
        self.stats = stats
        self.pool = pool

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        earliest = date.fromisoformat(crawler.settings.get("ARCHIVE_EARLIEST_DATE"))
        return cls(earliest=earliest, stats=crawler.stats, pool=pool_for(crawler))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        fetched_at = datetime.fromisoformat(item.fetched_at.replace("Z", "+00:00"))
        # The site's language, else the page's own, then English; others only if those fail.
        languages = [
            lang.split("-")[0].lower() for lang in (item.site_language, item.language, "en") if lang
        ]
        options: dict[str, Any] = {
            "fetched_at": fetched_at,
            "timezone": item.site_timezone,
            "languages": languages,
            "earliest": self.earliest,
            "language_tag": item.language_tag or item.site_language,
        }
        candidates = (item.published_candidates, item.modified_candidates, options)
        try:
            if self.pool is None:
                published, reasons, modified = choose_article_dates(*candidates)
            else:
                try:
                    published, reasons, modified = choose_article_dates(
                        *candidates, exact_only=True
                    )
                except DateparserNeeded:
                    published, reasons, modified = await self.pool.run(
                        choose_article_dates, *candidates
                    )
        except WorkerFailed as error:
            logger.warning("%s: dates not read: %s", item.url, error)
            self._count(f"dates/{type(error).__name__}")
            return item
        if published is not None:
            item.published_at, item.published_raw = published.value, published.raw
            self._count(f"dates/published_from/{published.source}")
        else:
            self._count("dates/unparsed" if reasons else "dates/missing")
        for reason in reasons:
            self._count("dates/rejected")
            logger.debug("%s: date candidate not used: %s", item.url, reason)
        if modified is not None and (
            item.published_at is None or modified.value >= item.published_at
        ):
            item.modified_at = modified.value
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
