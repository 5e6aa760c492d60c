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


def utf8_for_a_false_claim(content_type: str, body: bytes) -> str | None:
    """ "utf-8" when a page's declared encoding is wrong and its bytes are UTF-8, else None.

    Two claims are overruled. A <meta> naming UTF-16 or UTF-32 is always false (a <meta> can
    only be read if the bytes are ASCII-compatible), and the HTML standard says to read the
    page as UTF-8 then. And any other legacy charset, from the header or a <meta>, when the
    bytes hold non-ASCII text that is valid UTF-8: text really written in windows-1252,
    windows-1251, GB2312 or Shift_JIS is practically never valid UTF-8, while servers and
    templates that label UTF-8 pages with a default legacy charset are common. Believed,
    either claim turns the page into noise."""
    if read_bom(body)[0]:
        return None
    header = http_content_type_encoding(content_type)
    declared = header or html_body_declared_encoding(body)
    if not declared or declared == "utf-8":
        return None
    if declared.startswith(("utf-16", "utf-32")):
        return None if header else "utf-8"
    if body.isascii():
        return None  # the same text in UTF-8 and in every ASCII-compatible charset
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


class FalseCharsetClaims:
    """Read a UTF-8 page that claims another encoding as UTF-8 (see utf8_for_a_false_claim)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        encoding = utf8_for_a_false_claim(content_type, response.body)
        if not encoding:
            return response
        self.crawler.stats.inc_value("charset/utf8_despite_declaration")
        return response.replace(encoding=encoding)
