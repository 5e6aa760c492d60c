"""Downloader middlewares that make Scrapy's silent decisions visible in the archive."""

from __future__ import annotations

from typing import Self
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom
from w3lib.url import canonicalize_url

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


class RedirectLoopError(IgnoreRequest):
    """A redirect that leads back to a URL already visited on the way."""


def redirect_loop(chain: list[str], target: str) -> bool:
    """True when `target` is one of the URLs the redirect chain already went through, as
    Scrapy's duplicate filter would compare them."""
    seen = {canonicalize_url(url) for url in chain}
    return canonicalize_url(target) in seen


class RedirectLoops:
    """Fail a request whose redirects go round in a circle, naming the circle.

    Scrapy's duplicate filter drops the redirect back to a URL it has already scheduled, so
    the page would vanish without a `failures` row (scrapy/scrapy#1225). Installed, like
    OffsiteRedirects, before RedirectMiddleware sees the response.
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
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirect_loop(chain, target):
            self.crawler.stats.inc_value("redirect/loops")
            raise RedirectLoopError(f"redirect loop: {' -> '.join([*chain, target])}")
        return response


def utf8_for_a_false_utf16_claim(content_type: str, body: bytes) -> str | None:
    """ "utf-8" when a page's only encoding declaration is a <meta> naming UTF-16 or UTF-32.

    A <meta> can only be read if the bytes are ASCII-compatible, so such a claim is always
    false; the HTML standard says to read the page as UTF-8 then. Scrapy believes it and
    turns the page into CJK-looking noise."""
    if http_content_type_encoding(content_type) or read_bom(body)[0]:
        return None
    declared = (html_body_declared_encoding(body) or "").lower().replace("_", "-")
    return "utf-8" if declared.startswith(("utf-16", "utf-32")) else None


class FalseUtf16Claims:
    """Read a page whose <meta> wrongly claims UTF-16 as UTF-8, as browsers do."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        encoding = utf8_for_a_false_utf16_claim(content_type, response.body)
        return response.replace(encoding=encoding) if encoding else response
