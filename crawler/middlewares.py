"""Downloader middlewares that make Scrapy's silent decisions visible in the archive."""

from __future__ import annotations

from typing import Self
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class OffsiteRedirectError(IgnoreRequest):
    """A page redirected to a host outside its site's domains."""


class OffsiteRedirects:
    """Fail a request whose redirect leaves its site's domains, with the target as the reason.

    Scrapy's offsite filter drops such a redirect silently when it is scheduled, so the page
    would vanish without a `failures` row. Installed before RedirectMiddleware sees the
    response (a higher number in DOWNLOADER_MIDDLEWARES).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        site_of = getattr(self.crawler.spider, "site_of", None)
        if site_of is None or "site" not in request.meta:
            return response
        if not site_of(request).allows_url(target):
            self.crawler.stats.inc_value("offsite/redirects_refused")
            raise OffsiteRedirectError(f"redirected outside the site's domains, to {target}")
        return response
