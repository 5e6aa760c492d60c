"""The extract stage: an article page's HTML -> title, body, authors, raw dates and metadata.

The extraction itself is `extraction.run.extract_article`, a pure function of (html, url);
this stage runs it in the crawl's worker processes and copies the result onto the item.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import Article
from crawler.workers import PagePool, WorkerFailed, pool_for
from extraction.page import ExtractionError
from extraction.run import Extraction, extract_article
from extraction.site_names import RepeatedTitleSegments
from extraction.text import normalised_text


class ArticleRejected(DropItem):
    """A fetched page that will not be archived; `stage` and the message say why. Lasting:
    the same page would be rejected again (see PageFailure.lasting)."""

    lasting = True

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


class ExtractStage:
    """Pipeline stage: fill an Article's fields from its HTML, or reject it with the reason.

    The work runs in the crawl's worker processes (crawler/workers.py) unless
    ARCHIVE_WORKERS is 0.
    """

    DEFAULT_MIN_WORDS = 15

    def __init__(
        self, min_words: int, stats: StatsCollector | None = None, pool: PagePool | None = None
    ) -> None:
        self.min_words = min_words
        self.stats = stats
        self.pool = pool
        # What each site's <title>s repeat: its names, learned over the crawl.
        self.title_segments: dict[str, RepeatedTitleSegments] = defaultdict(RepeatedTitleSegments)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            min_words=crawler.settings.getint("ARCHIVE_MIN_WORDS"),
            stats=crawler.stats,
            pool=pool_for(crawler),
        )

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        learned = self.title_segments[item.site]
        arguments = (item.html, item.url)
        options: dict[str, Any] = {
            "min_words": self.min_words,
            "hint_authors": item.hint_authors,
            "known_site_names": learned.names(),
        }
        try:
            if self.pool is None:
                extraction = extract_article(*arguments, **options)
            else:
                extraction = await self.pool.run(extract_article, *arguments, **options)
        except ExtractionError as error:
            self._count("extract/rejected")
            raise ArticleRejected("extract", str(error)) from None
        except WorkerFailed as error:
            self._count(f"extract/{type(error).__name__}")
            raise ArticleRejected("extract", str(error)) from None
        learned.add(extraction.title_segments)
        apply_extraction(item, extraction)
        item.html = ""  # not needed any more; items wait in queues, keep them small
        self._count("extract/ok")
        if not item.authors:
            self._count("extract/no_authors")
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def apply_extraction(item: Article, extraction: Extraction) -> None:
    """Copy the extraction into the item; what the page lacks, the feed or sitemap may give
    (its authors were taken in extract_article, which cleans them)."""
    item.url = extraction.url
    item.title = extraction.title or (item.hint_title and normalised_text(item.hint_title))
    item.text = extraction.text
    item.authors = extraction.authors
    item.description = extraction.description
    item.tags = extraction.tags
    item.image = extraction.image
    item.language = extraction.language or item.site_language
    item.language_tag = extraction.language_tag
    item.sitename = extraction.sitename
    item.published_candidates = [*extraction.published, *item.hint_dates]
    item.modified_candidates = extraction.modified
