"""The `news` spider: the sites in ARCHIVE_SITES -> article pages for the pipelines.

Discovery runs three ways per site: feeds, sitemaps (indexes, gzip, Google News) and start
pages whose in-domain links are followed to a bounded depth. Every URL is canonicalised before
it is requested, so Scrapy's duplicate filter fetches an article once however it was found.
Whatever fails on the way becomes a PageFailure item, so the archive says what and why.
Articles found wait in the spider and go to Scrapy's scheduler a few at a time, so that a
backfill of a large sitemap holds a short tuple per article rather than a queued Request.

In a distributed crawl (ARCHIVE_REDIS_URL, crawler/cluster.py) the coordinator's spider
discovers as above but pushes its article requests, with what feeds and sitemaps said of each,
into the shared frontier; a worker's spider (`-a role=worker`) discovers nothing and only
fetches the requests its process leases from there.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.python.failure import Failure

from archive.reads import SeenUrl, read_seen_urls
from archive.writes import utc_now
from captures.writing import Capture, CaptureKind
from crawler import settings as defaults
from crawler.boundary import as_requested, url_refusal
from crawler.cluster import Cluster, Role, cluster_for, role_of
from crawler.discovery import (
    SITEMAP_MAX_ENTRIES,
    DiscoveryError,
    Lead,
    SitemapDocument,
    is_page_url,
    looks_like_article_url,
    read_feed,
    read_sitemap_file,
)
from crawler.incremental import conditional_headers, fetch_reason
from crawler.items import Article, DateCandidate, PageFailure, PageNotModified
from crawler.middlewares import FetchRefused
from crawler.sites import Site, load_sites, select_sites
from crawler.urls import canonicalise_url
from crawler.workers import PagePool, Result, WorkerFailed, pool_for

HTML_TYPES = ("text/html", "application/xhtml+xml")
# HTTP statuses that say the page is not there and will not be tomorrow (a lasting failure).
GONE = {404, 410}
# Article requests handed to Scrapy at a time, per concurrent download allowed.
ARTICLES_AHEAD_PER_DOWNLOAD = 2
# A number starts where its digits start, so that a long run of digits is read once.
TOO_LARGE = re.compile(r"(?<!\d)(\d+) bytes which is larger than download max size \((\d+)\)")


@dataclass(frozen=True)
class DiscoveryLimits:
    """How much one site may make a run download and hold (README, Settings)."""

    feed_size: int = defaults.ARCHIVE_FEED_MAXSIZE
    sitemap_size: int = defaults.ARCHIVE_SITEMAP_MAXSIZE
    sitemap_depth: int = defaults.ARCHIVE_SITEMAP_DEPTH
    sitemaps_per_site: int = defaults.ARCHIVE_SITEMAPS_PER_SITE
    urls_per_site: int = defaults.ARCHIVE_URLS_PER_SITE

    @classmethod
    def from_settings(cls, settings: Any) -> DiscoveryLimits:
        return cls(
            feed_size=settings.getint("ARCHIVE_FEED_MAXSIZE"),
            sitemap_size=settings.getint("ARCHIVE_SITEMAP_MAXSIZE"),
            sitemap_depth=settings.getint("ARCHIVE_SITEMAP_DEPTH"),
            sitemaps_per_site=settings.getint("ARCHIVE_SITEMAPS_PER_SITE"),
            urls_per_site=settings.getint("ARCHIVE_URLS_PER_SITE"),
        )


class NewsSpider(Spider):
    name = "news"

    def __init__(
        self, *args: Any, site: str | None = None, role: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site_names = site
        self.role = role_of(role)
        # A distributed crawl's link to the shared server (None on one machine).
        self.cluster: Cluster | None = None
        self.sites: list[Site] = []
        # What feeds and sitemaps said about each article not yet fetched, merged over all
        # the routes that found it, so the hints do not depend on which route came first.
        self.leads: dict[str, Lead] = {}
        self.listing_depth = 1
        # Bounds on what one site can make the spider hold or request in a run (settings).
        self.limits = DiscoveryLimits()
        self.max_download_size = 0
        self.limits_reached: set[tuple[str, str]] = set()
        self.sitemaps_requested: Counter[str] = Counter()
        self.urls_found: Counter[str] = Counter()
        # Feeds and sitemaps are parsed here, off the reactor (None: in a thread).
        self.pool: PagePool | None = None
        # What earlier runs did with each article URL (the archive's seen_urls); the article
        # URLs this run has found, and those it decided not to fetch again.
        self.seen: dict[str, SeenUrl] = {}
        self.discovered: set[str] = set()
        self.pending: set[str] = set()
        self.skipped: set[str] = set()
        self.recheck = timedelta(0)
        self.started = datetime.now(UTC)
        # Articles to fetch, per site, as (url, conditional headers), handed to Scrapy a few
        # at a time, a site at a time in turn: a sitemap of 100,000 articles waits here, not as
        # 100,000 queued Requests. A site's articles wait until its own feeds and sitemaps are
        # read, so that what they say of a page (its date, its author) is there when the page
        # is, whichever route found it first.
        self.waiting: dict[str, deque[tuple[str, dict[str, str] | None]]] = {}
        self.turns: deque[str] = deque()
        self.unread_entries: Counter[str] = Counter()
        self.articles_ahead = 32
        self.handed_over = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.sites = select_sites(load_sites(settings["ARCHIVE_SITES"]), spider.site_names)
        spider.listing_depth = settings.getint("ARCHIVE_LISTING_DEPTH")
        spider.limits = DiscoveryLimits.from_settings(settings)
        spider.max_download_size = settings.getint("DOWNLOAD_MAXSIZE")
        spider.pool = pool_for(crawler)
        spider.recheck = timedelta(days=settings.getfloat("ARCHIVE_RECHECK_DAYS"))
        spider.cluster = cluster_for(crawler)
        if spider.role is Role.WORKER:
            if spider.cluster is None:
                raise ValueError(
                    "-a role=worker needs the shared server: add -s ARCHIVE_REDIS_URL=redis://"
                    "host:port/db, the one the coordinator uses"
                )
        else:
            names = [site.name for site in spider.sites]
            spider.seen = read_seen_urls(settings["ARCHIVE_DB"], names)
        spider.articles_ahead = ARTICLES_AHEAD_PER_DOWNLOAD * settings.getint("CONCURRENT_REQUESTS")
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        if self.role is Role.WORKER:
            return  # a worker fetches what it leases from the frontier (crawler/cluster.py)
        if not self.sites:
            self.logger.warning("No sites to crawl: the sites file lists none")
        for site in self.sites:
            # The site's own entry points: if every one of them fails, the site could not be
            # read at all, and the run says so in its exit status.
            meta = {"site": site.name, "entry": True}
            self.unread_entries[site.name] = len(site.feeds) + len(site.sitemaps)
            for url in site.feeds:
                yield self.feed_request(url, {**meta, "holds_articles": True})
            for url in site.sitemaps:
                self.sitemaps_requested[site.name] += 1
                yield self.sitemap_request(
                    url, {**meta, "sitemap_depth": 0, "holds_articles": True}
                )
            for url in site.start_urls:
                yield Request(
                    url,
                    self.parse_listing,
                    errback=self.discovery_failed,
                    meta={**meta, "listing_depth": 0},
                )

    def feed_request(self, url: str, meta: dict[str, Any]) -> Request:
        meta = {
            **meta,
            "download_maxsize": self.limits.feed_size,
            "size_limit_setting": "ARCHIVE_FEED_MAXSIZE",
        }
        meta["capture_kind"] = CaptureKind.FEED
        return Request(url, self.parse_feed, errback=self.discovery_failed, meta=meta)

    def sitemap_request(self, url: str, meta: dict[str, Any]) -> Request:
        meta = {
            **meta,
            "download_maxsize": self.limits.sitemap_size,
            "size_limit_setting": "ARCHIVE_SITEMAP_MAXSIZE",
        }
        meta["capture_kind"] = CaptureKind.SITEMAP
        return Request(url, self.parse_sitemap, errback=self.discovery_failed, meta=meta)

    # Discovery

    async def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        site = self.site_of(response.request)
        try:
            leads = await self.off_reactor(read_feed, response.body, response.url)
        except (DiscoveryError, WorkerFailed) as error:
            yield self.failure(response.url, site, "discover", f"feed: {error}")
            for request in self.entry_done(response.request):
                yield request
            return
        self.entry_read(response, site)
        self.crawler.stats.inc_value("discover/feed_entries", len(leads))
        for lead in leads:
            for found in self.follow_lead(site, lead, source="feed"):
                yield found
        for request in self.entry_done(response.request):
            yield request

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Any]:
        site = self.site_of(response.request)
        try:
            document = await self.off_reactor(
                read_sitemap_file, response.body, self.limits.sitemap_size
            )
        except (DiscoveryError, WorkerFailed) as error:
            yield self.failure(response.url, site, "discover", f"sitemap: {error}")
            for request in self.entry_done(response.request):
                yield request
            return
        for found in self.follow_sitemap(response, site, document):
            yield found
        for request in self.entry_done(response.request):
            yield request

    def follow_sitemap(
        self, response: Response, site: Site, document: SitemapDocument
    ) -> Iterator[Any]:
        """Requests for a sitemap's child sitemaps, within the limits, and its articles."""
        self.entry_read(response, site)
        if document.ignored:
            self.crawler.stats.inc_value("discover/sitemap_entries_ignored", document.ignored)
            yield self.failure(
                response.url,
                site,
                "discover",
                f"sitemap: {document.ignored} entries past the first {SITEMAP_MAX_ENTRIES:,}, "
                "the sitemap protocol's limit per file, are not read",
            )
        depth = response.meta.get("sitemap_depth", 0) + 1
        for url in document.sitemaps:
            if canonicalise_url(url) == canonicalise_url(response.url):
                self.crawler.stats.inc_value("discover/sitemap_refers_to_itself")
                continue
            refusal = url_refusal(as_requested(url), site)
            if refusal is not None:
                self.crawler.stats.inc_value("discover/outside_site")
                yield self.failure(url, site, "discover", f"sitemap index lists {refusal}")
                continue
            if depth > self.limits.sitemap_depth:
                yield from self.limit_reached(
                    site,
                    "ARCHIVE_SITEMAP_DEPTH",
                    f"sitemap indexes nested deeper than ARCHIVE_SITEMAP_DEPTH="
                    f"{self.limits.sitemap_depth} (from {response.url}); those sitemaps are not "
                    "read",
                )
                continue
            if self.sitemaps_requested[site.name] >= self.limits.sitemaps_per_site:
                yield from self.limit_reached(
                    site,
                    "ARCHIVE_SITEMAPS_PER_SITE",
                    f"more than ARCHIVE_SITEMAPS_PER_SITE={self.limits.sitemaps_per_site} "
                    "sitemaps in this run; the rest are not read",
                )
                continue
            self.sitemaps_requested[site.name] += 1
            yield self.sitemap_request(url, {"site": site.name, "sitemap_depth": depth})
        self.crawler.stats.inc_value("discover/sitemap_entries", len(document.leads))
        for lead in document.leads:
            if site.article_pattern is None or site.article_pattern.search(lead.url):
                yield from self.follow_lead(site, lead, source="sitemap")

    async def off_reactor(self, function: Callable[..., Result], *args: Any) -> Result:
        """function(*args) in a worker process, or a thread when there are none: a feed of a
        few megabytes takes feedparser seconds, which would stop every download meanwhile."""
        if self.pool is None:
            return await asyncio.to_thread(function, *args)
        return await self.pool.run(function, *args)

    def entry_read(self, response: Response, site: Site) -> None:
        """Count one of the site's own feeds, sitemaps or start pages as read."""
        if response.meta.get("entry"):
            self.count(site, "entries_read")

    def take_url(self, site: Site) -> bool:
        """Count one more URL found for the site in this run; False past the limit, so that a
        site generating endless links or sitemaps cannot fill the spider's memory."""
        if self.urls_found[site.name] >= self.limits.urls_per_site:
            return False
        self.urls_found[site.name] += 1
        return True

    def urls_limit_reached(self, site: Site) -> Iterator[PageFailure]:
        yield from self.limit_reached(
            site,
            "ARCHIVE_URLS_PER_SITE",
            f"more than ARCHIVE_URLS_PER_SITE={self.limits.urls_per_site:,} article and listing "
            "URLs found in this run; the rest are not looked at in this run",
        )

    def limit_reached(self, site: Site, setting: str, why: str) -> Iterator[PageFailure]:
        """A failures row the first time a site reaches one of the discovery limits."""
        self.crawler.stats.inc_value(f"discover/limit_reached/{setting}")
        if (site.name, setting) not in self.limits_reached:
            self.limits_reached.add((site.name, setting))
            self.logger.warning("Site %s: %s (raise %s to go further)", site.name, why, setting)
            yield self.failure(site.urls[0], site, "discover", f"limit reached: {why}")

    def parse_listing(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response.request)
        if not isinstance(response, TextResponse):
            return
        self.entry_read(response, site)
        depth = response.meta.get("listing_depth", 0)
        links = LinkExtractor(unique=True).extract_links(response)
        for link in links:
            url = canonicalise_url(link.url)
            if url_refusal(as_requested(url), site) is not None:
                continue  # a page links to other sites all the time: not worth a row
            if self.is_article(site, url):
                yield from self.follow_lead(site, Lead(url=url), source="link")
            elif depth < self.listing_depth and is_page_url(url):
                if not self.take_url(site):
                    yield from self.urls_limit_reached(site)
                    continue
                yield response.follow(
                    url,
                    self.parse_listing,
                    errback=self.discovery_failed,
                    meta={"site": site.name, "listing_depth": depth + 1},
                )

    def follow_lead(self, site: Site, lead: Lead, *, source: str) -> Iterator[Any]:
        url = canonicalise_url(lead.url)
        if urlsplit(url).scheme not in ("http", "https"):
            # javascript:, mailto:, file:, data: ... are no pages: never requested.
            self.crawler.stats.inc_value("discover/not_web_links")
            return
        refusal = url_refusal(as_requested(url), site)
        if refusal is not None:
            self.crawler.stats.inc_value("discover/outside_site")
            yield self.failure(refusal.shown_url, site, "discover", f"{source} links to {refusal}")
            return
        self.crawler.stats.inc_value(f"discover/leads_from/{source}")
        if url in self.pending:
            self.remember_hints(url, lead)
            return
        first_time = url not in self.discovered
        if first_time:
            if not self.take_url(site):
                yield from self.urls_limit_reached(site)
                return
            self.discovered.add(url)
            self.count(site, "discovered")
        elif url not in self.skipped:
            return  # fetched already in this run
        seen = self.seen.get(url)
        reason = fetch_reason(seen, lead.updated, self.started, self.recheck)
        if reason is None:
            if first_time:
                self.skipped.add(url)
                self.count(site, "skipped")
            return
        if not first_time:  # skipped, but a later route says it changed after all
            self.skipped.discard(url)
            self.count(site, "skipped", -1)
        self.crawler.stats.inc_value(f"fetch/{reason}")
        self.pending.add(url)
        self.remember_hints(url, lead)
        if site.name not in self.waiting:
            self.waiting[site.name] = deque()
            self.turns.append(site.name)
        self.waiting[site.name].append((url, conditional_headers(seen) or None))
        yield from self.hand_over()

    def hand_over(self) -> Iterator[Request]:
        """Requests for waiting articles, while fewer than `articles_ahead` are with Scrapy,
        one site after another; a site whose feeds and sitemaps are still being read waits.
        In a distributed crawl they go into the shared frontier instead, while it has room."""
        if self.cluster is not None:
            if self.turns:
                self.cluster.push(self.ready_articles(self.cluster.frontier_room()))
            return
        for request in self.ready_articles(self.articles_ahead - self.handed_over):
            self.handed_over += 1
            yield request

    def ready_articles(self, room: int) -> Iterator[Request]:
        """Up to `room` requests for waiting articles, a site at a time in turn."""
        passed = 0  # sites passed over in a row: when all of them were, nothing is ready
        while self.turns and passed < len(self.turns) and room > 0:
            site_name = self.turns[0]
            self.turns.rotate(-1)
            if self.unread_entries[site_name] > 0:
                passed += 1
                continue
            passed = 0
            queue = self.waiting[site_name]
            url, headers = queue.popleft()
            if not queue:
                del self.waiting[site_name]
                self.turns.remove(site_name)
            room -= 1
            yield self.article_request(url, site_name, headers)

    def entry_done(self, request: Request | None) -> Iterator[Request]:
        """A feed or sitemap the site's articles wait for is read (or failed): let them go."""
        if request is not None and request.meta.get("holds_articles"):
            self.unread_entries[request.meta["site"]] -= 1
            yield from self.hand_over()

    def article_request(self, url: str, site_name: str, headers: dict[str, str] | None) -> Request:
        meta: dict[str, Any] = {
            "site": site_name,
            "lead_url": url,
            "capture_kind": CaptureKind.ARTICLE,
        }
        if headers:
            meta["handle_httpstatus_list"] = [304]
        if self.cluster is not None:
            # Fetched elsewhere, maybe: what feeds and sitemaps said of it goes with it.
            lead = self.leads.pop(url, None)
            if lead is not None:
                meta["hints"] = {
                    "title": lead.title,
                    "dates": [{"raw": date.raw, "source": date.source} for date in lead.dates],
                    "authors": list(lead.authors),
                }
        return Request(
            url,
            self.parse_article,
            errback=self.article_failed,
            headers=headers,
            meta=meta,
            priority=1,  # finish articles before opening more listing pages
        )

    def spider_idle(self) -> None:
        """Nothing left with Scrapy: hand over more waiting articles, if any. (A request Scrapy
        dropped, as a duplicate say, never came back to be counted.) In a distributed crawl,
        the run decides when it is over (crawler/cluster.py)."""
        if self.cluster is not None:
            self.unread_entries.clear()
            for _ in self.hand_over():
                pass
            raise DontCloseSpider
        if not self.waiting:
            return
        self.handed_over = 0
        # Idle: no feed or sitemap is on its way any more (one Scrapy dropped as a duplicate,
        # say, never came back to say so), so no site's articles have anything to wait for.
        self.unread_entries.clear()
        for request in self.hand_over():
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def remember_hints(self, url: str, lead: Lead) -> None:
        """Keep what a feed or sitemap said of a page until it arrives (only if it said
        anything: a sitemap of 20,000 bare URLs should not cost 20,000 objects)."""
        known = self.leads.get(url)
        if known is not None:
            merge_lead(known, lead)
        elif lead.title or lead.dates or lead.authors:
            self.leads[url] = Lead(
                url=url, title=lead.title, dates=list(lead.dates), authors=list(lead.authors)
            )

    def take_lead(self, request: Request) -> Lead | None:
        """The hints for a requested article, which is no longer pending."""
        url = request.meta.get("lead_url", "")
        self.pending.discard(url)
        hints = request.meta.get("hints")
        if hints is not None:  # a distributed crawl's request, from the frontier
            return Lead(
                url=url,
                title=hints["title"],
                dates=[DateCandidate(date["raw"], date["source"]) for date in hints["dates"]],
                authors=list(hints["authors"]),
            )
        return self.leads.pop(url, None)

    def count(self, site: Site, name: str, by: int = 1) -> None:
        """A per-site counter, written to the crawl's crawl_sites row at the end."""
        self.crawler.stats.inc_value(f"sites/{site.name}/{name}", by)

    def is_article(self, site: Site, url: str) -> bool:
        if site.article_pattern is not None:
            return bool(site.article_pattern.search(url))
        return looks_like_article_url(url)

    # Articles

    def parse_article(self, response: Response) -> Iterator[Any]:
        self.handed_over = max(0, self.handed_over - 1)
        yield from self.article_items(response)
        yield from self.hand_over()

    def article_items(self, response: Response) -> Iterator[Any]:
        for item in self.article_item(response):
            if self.cluster is not None:
                self.cluster.tag(item, response.request, fetched=True)
            yield item

    def article_item(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response.request)
        if self.cluster is None:  # else counted by the coordinator as it stores the result
            self.count(site, "fetched")
        capture: Capture | None = response.meta.get("capture")
        fetched_at = capture.fetched_at if capture is not None else utc_now()
        lead = self.take_lead(response.request)  # type: ignore[arg-type]
        if response.status == 304:
            yield PageNotModified(
                url=response.meta["lead_url"], site=site.name, fetched_at=fetched_at
            )
            return
        try:
            yield article_of_page(
                response,
                site,
                lead,
                fetched_at=fetched_at,
                capture_id=capture.record_id if capture is not None else None,
            )
        except UnusablePage as problem:
            yield self.failure(response.url, site, "fetch", str(problem), lasting=problem.lasting)

    # Failures

    def article_failed(self, failure: Failure) -> Iterator[PageFailure | Request]:
        self.handed_over = max(0, self.handed_over - 1)
        request: Request = failure.request  # type: ignore[attr-defined]
        self.take_lead(request)
        fetched = isinstance(failure.value, HttpError)
        if fetched and self.cluster is None:
            self.count(self.site_of(request), "fetched")
        item: PageFailure | None = None
        if not isinstance(failure.value, FetchRefused):
            item = self.request_failure(failure, "fetch")
        elif self.cluster is not None and "lease_id" in request.meta:
            # The guard's failures row, which goes back with the lease's result (on one
            # machine the guard records it itself).
            item = failure.value.failure
        if item is not None:
            if self.cluster is not None:
                self.cluster.tag(item, request, fetched=fetched)
            yield item
        yield from self.hand_over()

    def discovery_failed(self, failure: Failure) -> Iterator[PageFailure | Request]:
        if not isinstance(failure.value, FetchRefused):  # the guard recorded it already
            yield self.request_failure(failure, "discover")
        yield from self.entry_done(failure.request)  # type: ignore[attr-defined]

    def request_failure(self, failure: Failure, stage: str) -> PageFailure:
        request = failure.request  # type: ignore[attr-defined]
        site = self.site_of(request)
        reason = describe_failure(
            failure,
            max_size=request.meta.get("download_maxsize", self.max_download_size),
            size_setting=request.meta.get("size_limit_setting", "DOWNLOAD_MAXSIZE"),
        )
        gone = isinstance(failure.value, HttpError) and failure.value.response.status in GONE
        return self.failure(request.url, site, stage, reason, lasting=gone)

    def failure(
        self, url: str, site: Site, stage: str, reason: str, *, lasting: bool = False
    ) -> PageFailure:
        self.logger.info("Not archived: %s (%s: %s)", url, stage, reason)
        return PageFailure(
            url=url,
            site=site.name,
            stage=stage,
            reason=reason,
            article=stage != "discover",
            lasting=lasting,
        )

    def site_of(self, request: Request | None) -> Site:
        name = request.meta.get("site") if request is not None else None
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(f"request without a known site: {request}")


def merge_lead(known: Lead, other: Lead) -> None:
    """Add what another route said about the same article to what is already known."""
    known.title = known.title or other.title
    known.authors = known.authors or list(other.authors)
    if other.updated and (known.updated is None or other.updated > known.updated):
        known.updated = other.updated
    for candidate in other.dates:
        if all(candidate.raw != existing.raw for existing in known.dates):
            known.dates.append(candidate)


class UnusablePage(ValueError):
    """A fetched article response that cannot be an article page; the message says why."""

    def __init__(self, problem: PageProblem) -> None:
        super().__init__(problem.why)
        self.lasting = problem.lasting


@dataclass(frozen=True)
class PageProblem:
    """Why a response cannot be an article page; lasting when fetching it again would not help
    (a PDF stays a PDF), as opposed to what a server may get right next time (an empty body)."""

    why: str
    lasting: bool = False


def article_of_page(
    response: Response,
    site: Site,
    lead: Lead | None,
    *,
    fetched_at: str,
    capture_id: str | None = None,
) -> Article:
    """The Article the pipelines work on, from an article page's response (as fetched by the
    crawl, or as read back from its WARC record by `scrapy reextract`)."""
    problem = unusable_page(response)
    if problem:
        raise UnusablePage(problem)
    assert isinstance(response, TextResponse)
    lead = lead or Lead(url=response.url)
    return Article(
        url=canonicalise_url(response.url),
        site=site.name,
        html=response.text,
        fetched_at=fetched_at,
        site_language=site.language,
        site_timezone=site.timezone,
        hint_title=lead.title,
        hint_dates=list(lead.dates),
        hint_authors=list(lead.authors),
        etag=header_text(response, b"ETag"),
        last_modified=header_text(response, b"Last-Modified"),
        capture_id=capture_id,
    )


def header_text(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


def unusable_page(response: Response) -> PageProblem | None:
    """Why a fetched article response cannot be an article page, or None when it can."""
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if not response.body.strip():
        return PageProblem("empty response body")
    if content_type and not any(kind in content_type for kind in HTML_TYPES):
        media_type = content_type.split(";")[0].strip()
        return PageProblem(f"not an HTML page (Content-Type: {media_type})", lasting=True)
    if not isinstance(response, TextResponse):
        return PageProblem("not an HTML page (binary content)", lasting=True)
    if b"\x00" in response.body[:4096]:
        return PageProblem("binary content served as HTML")
    return None


def describe_failure(
    failure: Failure, *, max_size: int = 0, size_setting: str = "DOWNLOAD_MAXSIZE"
) -> str:
    error = failure.value
    if isinstance(error, HttpError):
        response = error.response
        retry_after = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
        if retry_after:
            return f"HTTP {response.status} (Retry-After: {retry_after})"
        return f"HTTP {response.status}"
    message = str(error) or type(error).__name__
    if "robots.txt" in message:
        return "forbidden by robots.txt"
    if isinstance(error, DownloadTimeoutError | TimeoutError | defer.TimeoutError):
        return f"timed out: {message} (the limit is the DOWNLOAD_TIMEOUT setting)"
    if isinstance(error, DownloadCancelledError):
        return too_large(str(error), max_size, size_setting)
    if isinstance(error, DownloadFailedError):
        return f"connection failed: {connection_problem(error)}"
    if isinstance(error, CannotResolveHostError | DownloadConnectionRefusedError):
        return f"connection failed: {message}"
    if isinstance(error, IgnoreRequest):
        return message  # ours and Scrapy's say what happened and which setting applies
    return f"{type(error).__name__}: {message}"


def too_large(message: str, max_size: int, size_setting: str = "DOWNLOAD_MAXSIZE") -> str:
    """Scrapy cancels a download over its size limit (DOWNLOAD_MAXSIZE, or a feed's or
    sitemap's own), saying so only when it was announced."""
    announced = TOO_LARGE.search(message)
    if announced:
        return (
            f"too large: the server announced {announced[1]} bytes, "
            f"over {size_setting} ({announced[2]} bytes)"
        )
    if message:
        return f"download cancelled: {message}"
    return f"too large: stopped after {size_setting} ({max_size} bytes)"


def connection_problem(error: DownloadFailedError) -> str:
    """What Twisted says went wrong, instead of the repr of a list of Failure objects."""
    reasons = getattr(error.__cause__, "reasons", None) or []
    found = [f"{type(reason.value).__name__}: {reason.value}" for reason in reasons]
    return "; ".join(found) or str(error)
