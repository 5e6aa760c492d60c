"""The crawl benchmark's fetch-only spider: reads a sitemap and downloads every page in it,
nothing else. Run with the project's settings, it measures what Scrapy alone can fetch on
this machine, the ceiling for `scrapy crawl news`:

    scrapy crawl fetch_only -s SPIDER_MODULES=bench.fetch_spider -a sitemap=URL
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spiders import SitemapSpider


class FetchOnlySpider(SitemapSpider):
    name = "fetch_only"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # No extraction and no storage: nothing may open the archive.
        settings.set("ITEM_PIPELINES", {}, priority="spider")

    def __init__(self, *args: Any, sitemap: str, **kwargs: Any) -> None:
        self.sitemap_urls = [sitemap]
        super().__init__(*args, **kwargs)

    def parse(self, response: Response) -> Iterator[Any]:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("fetch_only/pages")
        self.crawler.stats.inc_value("fetch_only/bytes", len(response.body))
        yield from ()
