"""Downloader middlewares: the site boundary applied to every request, and Scrapy's silent
decisions made visible in the archive."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NoReturn, Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom
from w3lib.url import canonicalize_url

from crawler.boundary import UNSAFE_CHARACTERS, Refusal, Refused, url_refusal
from crawler.items import PageFailure
from crawler.resolver import GuardedResolver
from crawler.sites import Site, host_in_domains

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class FetchRefused(IgnoreRequest):
    """A request outside its site's boundary (crawler/boundary.py), refused before download."""

    def __init__(self, refusal: Refusal, failure: PageFailure | None = None) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal
        # The failures row it makes (sent with request_refused too).
        self.failure = failure


# Sent with `failure` (a PageFailure) and `request` for every refused request; the store stage
# records it, since requests Scrapy makes itself (robots.txt) have no errback to report through.
# (In a distributed crawl, a leased request's failure goes with its result instead.)
request_refused = object()


def site_for_request(request: Request, sites: Sequence[Site]) -> Site | None:
    """The site a request belongs to: named in its meta by the spider, or, for the requests
    Scrapy makes itself (robots.txt), a site whose boundary holds the URL it started from
    (several sites may share a host, on different ports), else one on its host."""
    name = request.meta.get("site")
    if name is not None:
        return next((site for site in sites if site.name == name), None)
    origin = origin_url(request)
    inside = (site for site in sites if url_refusal(origin, site) is None)
    host = urlsplit(origin).hostname or ""
    on_host = (site for site in sites if host_in_domains(host, site.domains))
    return next(inside, None) or next(on_host, None)


def origin_url(request: Request) -> str:
    """The URL the page is known by: the article's, or the first of a redirect chain."""
    return request.meta.get("lead_url") or request.meta.get("redirect_urls", [request.url])[0]


def refuse(crawler: Crawler, request: Request, refusal: Refusal, site: Site | None) -> NoReturn:
    """Count and record a refusal as a failures row (stage fetch), then refuse the request."""
    assert crawler.stats is not None
    crawler.stats.inc_value(f"boundary/refused/{refusal.kind.name.lower()}")
    if origin_url(request) == refusal.url:
        reason = f"refused: {refusal.why}"
    else:
        reason = f"redirected to {refusal}"
    failure = PageFailure(
        url=origin_url(request),
        site=site.name if site else None,
        stage="fetch",
        reason=reason,
        article="lead_url" in request.meta,
    )
    logger.warning("Not fetched: %s", reason)
    crawler.signals.send_catch_log(signal=request_refused, failure=failure, request=request)
    raise FetchRefused(refusal, failure)


class FetchGuard:
    """Refuse every request the news spider's crawl would download outside its site's
    boundary: start URLs, feeds, sitemaps, listing pages, articles, retries, each redirect hop
    and robots.txt all pass here, as Scrapy will request them (request.url is w3lib's
    normalisation of what we were given).

    First among the downloader middlewares, so that nothing, robots.txt included, is fetched
    for a request that is refused. Scrapy's own offsite filter is off (settings): it lets
    retries and redirects through (dont_filter) and drops the rest without a trace.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        sites = getattr(self.crawler.spider, "sites", None)
        if sites is None:
            return  # not the news spider (the benchmark's fetch-only spider): nothing to guard
        site = site_for_request(request, sites)
        refusal: Refusal | None
        if site is None:
            host = urlsplit(request.url).hostname or ""
            refusal = Refusal(
                Refused.OUTSIDE_DOMAINS,
                request.url,
                host,
                f"the host {host} is not among the domains of any site being crawled",
            )
        else:
            refusal = url_refusal(request.url, site)
        if refusal is not None:
            refuse(self.crawler, request, refusal, site)


class RedirectAndAddressGuard:
    """What FetchGuard cannot see before a download: a redirect whose Location holds a
    backslash or a control character (w3lib turns `http://a\\.b/` into `http://a/.b/`, a
    different host than a browser-minded reader sees), and a host refused by the resolver
    at connection time (crawler/resolver.py), which Twisted reports only as "Couldn't find
    the hostname". Placed before RedirectMiddleware sees responses and before
    RetryMiddleware sees errors, so that neither is retried.
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
        target = location.decode("latin-1")
        if any(character < " " or character in "\\\x7f" for character in target.strip()):
            refusal = Refusal(
                Refused.UNSAFE_CHARACTER,
                target,
                urlsplit(request.url).hostname or "",
                UNSAFE_CHARACTERS,
            )
            refuse(self.crawler, request, refusal, self.site(request))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, CannotResolveHostError):
            return
        resolver = getattr(reactor_module(), "resolver", None)
        host = (urlsplit(request.url).hostname or "").rstrip(".")
        refusal = resolver.refusals.get(host) if isinstance(resolver, GuardedResolver) else None
        if refusal is not None:
            refusal = replace(refusal, url=request.url)
            refuse(self.crawler, request, refusal, self.site(request))

    def site(self, request: Request) -> Site | None:
        return site_for_request(request, getattr(self.crawler.spider, "sites", []))


def reactor_module() -> Any:
    from twisted.internet import reactor

    return reactor


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
    RedirectAndAddressGuard, before RedirectMiddleware sees the response.
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
        read = read_despite_false_claim(response)
        if read is None:
            return response
        self.crawler.stats.inc_value("charset/utf8_despite_declaration")
        return read


def read_despite_false_claim(response: Response) -> Response | None:
    """The response read as UTF-8 when it falsely claims another encoding, else None (the
    crawl's middleware, and `scrapy reextract` reading a page back from its WARC record)."""
    if not isinstance(response, TextResponse):
        return None
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    encoding = utf8_for_a_false_claim(content_type, response.body)
    return response.replace(encoding=encoding) if encoding else None
