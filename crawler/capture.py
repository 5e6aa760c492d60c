"""Keep what the crawl fetched: article responses (and, with ARCHIVE_WARC_DISCOVERY, feeds and
sitemaps) written to WARC files as received, before Scrapy decompresses or decodes them.

WarcCapture sits next to the downloader, so it sees each response first. The record is
built, compressed and appended in a thread (zlib and SHA-1 let go of the GIL), and only then
does the response go on, carrying its Capture in `request.meta["capture"]`; the store stage
writes the captures row when the `response_captured` signal says so, and flushes the WARC file
to disk before it commits that row.

In a distributed crawl, a request leased from the frontier is not written here: its records
are built the same way and travel with its result (`request.meta["shipped_captures"]`), and
the coordinator appends them to the archive's own WARC files (crawler/cluster.py).
"""

from __future__ import annotations

import asyncio
import logging
from importlib.metadata import version
from pathlib import Path
from typing import Self
from weakref import WeakKeyDictionary

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.settings import BaseSettings

from captures.writing import (
    WARC_VERSION,
    Capture,
    CaptureKind,
    Exchange,
    WarcFiles,
    WarcNotWritable,
    exchange_records,
    utc_timestamp,
)
from distributed.results import ShippedCapture

logger = logging.getLogger(__name__)

# Sent with `capture` (a Capture) for every response written to a WARC file.
response_captured = object()
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
MEGABYTE = 1024 * 1024


def warc_folder(settings: BaseSettings) -> Path:
    """ARCHIVE_WARC_DIR, or the folder `warc` beside the archive."""
    folder = settings.get("ARCHIVE_WARC_DIR")
    if folder:
        return Path(folder)
    return Path(settings.get("ARCHIVE_DB") or ".").parent / "warc"


def warcinfo_fields(settings: BaseSettings) -> dict[str, str]:
    """What the warcinfo record at the head of each file says about the crawl that wrote it."""
    return {
        "software": f"Morgue {version('morgue')} (Scrapy {scrapy.__version__}, "
        f"warcio {version('warcio')})",
        "format": f"WARC File Format {WARC_VERSION}",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/"
        "warc-1.1/",
        "http-header-user-agent": settings.get("USER_AGENT") or "",
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "download-delay": str(settings.getfloat("DOWNLOAD_DELAY")),
        "concurrent-requests-per-domain": str(settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")),
        "discovery-captured": "yes" if settings.getbool("ARCHIVE_WARC_DISCOVERY") else "no",
    }


_files: WeakKeyDictionary[Crawler, WarcFiles | None] = WeakKeyDictionary()


def warc_files_for(crawler: Crawler) -> WarcFiles | None:
    """The crawl's WARC files, shared by the capture middleware and the store stage; None when
    ARCHIVE_WARC is off."""
    if crawler not in _files:
        settings = crawler.settings
        files = None
        if settings.getbool("ARCHIVE_WARC"):
            files = WarcFiles(
                warc_folder(settings),
                archive_folder=Path(settings.get("ARCHIVE_DB") or ".").parent,
                max_bytes=int(settings.getfloat("ARCHIVE_WARC_MAX_MB") * MEGABYTE),
                info=warcinfo_fields(settings),
            )
            crawler.signals.connect(files.close, signal=signals.engine_stopped)
        _files[crawler] = files
    return _files[crawler]


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy's headers as (name, value) pairs, a repeated header once per value."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def capture_kind(request: Request, response: Response, discovery: bool) -> CaptureKind | None:
    """What to keep a response as, if at all: an article page's HTML and its redirects; feeds
    and sitemaps only when asked to. Errors, 304s and binary files are not kept."""
    kind = request.meta.get("capture_kind")
    if kind is None or response.status >= 400 or response.status == 304:
        return None
    if kind != CaptureKind.ARTICLE:
        return CaptureKind(kind) if discovery and response.status < 300 else None
    if 300 <= response.status < 400:
        return CaptureKind.ARTICLE
    content_type = (response.headers.get(b"Content-Type") or b"").lower()
    if content_type and not any(html in content_type for html in HTML_TYPES):
        return None
    return CaptureKind.ARTICLE


def exchange_of(request: Request, response: Response) -> Exchange:
    return Exchange(
        url=response.url,
        method=request.method,
        request_headers=header_pairs(request.headers),
        status=response.status,
        protocol=response.protocol or "HTTP/1.1",
        headers=header_pairs(response.headers),
        body=response.body,
    )


class WarcCapture:
    """Downloader middleware: write the responses worth keeping to the crawl's WARC files."""

    def __init__(self, crawler: Crawler, files: WarcFiles, *, discovery: bool) -> None:
        self.crawler = crawler
        self.files = files
        self.discovery = discovery
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        files = warc_files_for(crawler)
        if files is None:
            raise NotConfigured("ARCHIVE_WARC is off: pages are not kept as fetched")
        return cls(crawler, files, discovery=crawler.settings.getbool("ARCHIVE_WARC_DISCOVERY"))

    async def process_response(self, request: Request, response: Response) -> Response:
        kind = capture_kind(request, response, self.discovery)
        request.meta["capture"] = None  # a redirect's capture is not the page's
        if kind is None:
            return response
        fetched_at = utc_timestamp()
        stats = self.crawler.stats
        assert stats is not None
        if "lease_id" in request.meta:
            capture = await asyncio.to_thread(
                shipped_capture, exchange_of(request, response), kind, request, fetched_at
            )
            stats.inc_value(f"warc/{kind}_shipped")
            stats.inc_value("warc/bytes_shipped", capture.length)
            request.meta["capture"] = capture
            return response
        try:
            capture = await asyncio.to_thread(
                self.files.write,
                exchange_of(request, response),
                kind=kind,
                site=request.meta.get("site"),
                fetched_at=fetched_at,
            )
        except WarcNotWritable as error:
            stats.inc_value("warc/not_written")
            if not self.failed:
                self.failed = True
                logger.error(
                    "Pages are archived but not kept as fetched: %s. Free some space or make "
                    "the folder writable (or set ARCHIVE_WARC_DIR); each later page is tried "
                    "again.",
                    error,
                )
            return response
        stats.inc_value(f"warc/{kind}")
        stats.inc_value("warc/bytes", capture.length)
        request.meta["capture"] = capture
        self.crawler.signals.send_catch_log(signal=response_captured, capture=capture)
        return response


def shipped_capture(
    exchange: Exchange, kind: CaptureKind, request: Request, fetched_at: str
) -> Capture:
    """The exchange's records, for the coordinator to write (a leased request's): kept in
    `request.meta["shipped_captures"]`, which redirects share; the Capture says where nothing
    is yet (no file, offset 0), but holds the record's id and time, as the spider needs."""
    records = exchange_records(exchange, fetched_at)
    shipped = ShippedCapture(
        record_id=records.record_id,
        url=exchange.url,
        site=request.meta.get("site"),
        kind=str(kind),
        status=exchange.status,
        fetched_at=fetched_at,
        payload_digest=records.payload_digest,
        response=records.response,
        request=records.request,
    )
    request.meta.setdefault("shipped_captures", []).append(shipped)
    return Capture(
        record_id=records.record_id,
        url=exchange.url,
        site=shipped.site,
        kind=kind,
        status=exchange.status,
        fetched_at=fetched_at,
        warc_file="",
        offset=0,
        length=len(records.response),
        payload_digest=records.payload_digest,
    )
