"""Responses as WARC/1.1 records, appended to files that rotate by size.

Each downloaded response is a `response` record holding its status line, headers and body as
received (before decompression: a gzip-encoded page is stored gzip-encoded, as Common Crawl
stores it), followed by the `request` record that asked for it. warcio builds the records and
their digests. Every record is a gzip member of its own, so that one record can be read by
its offset and length without the rest of the file.

Crash safety: a record pair is compressed in memory and appended with one write(), before
anyone is told where it is, so a captures row never points past what is in the file; a file
is created for each run (never opened again for writing), so nothing written is rewritten.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_VERSION = "1.1"
# zlib's default: a quarter faster than warcio's 9 for the same size within 1%.
GZIP_LEVEL = 6
# Scrapy's HTTP client has undone the chunking, so the header no longer describes the body;
# renamed the way Common Crawl does, so that readers do not try to de-chunk it again.
TRANSFER_ENCODING = "transfer-encoding"
RENAMED_TRANSFER_ENCODING = "X-Crawler-Transfer-Encoding"
FILE_NAME = "morgue-{started}-{serial:05d}.warc.gz"

Headers = list[tuple[str, str]]


class CaptureKind(StrEnum):
    """What a captured response was fetched as."""

    ARTICLE = "article"
    FEED = "feed"
    SITEMAP = "sitemap"


class WarcNotWritable(OSError):
    """The WARC folder or file cannot be written (a full disk, no permission)."""


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as Scrapy had them before decoding the body."""

    url: str
    method: str
    request_headers: Headers
    status: int
    protocol: str
    headers: Headers
    body: bytes


@dataclass(frozen=True)
class Capture:
    """Where a response record was written: a row of the captures table."""

    record_id: str
    url: str
    site: str | None
    kind: CaptureKind
    status: int
    fetched_at: str
    warc_file: str
    offset: int
    length: int
    payload_digest: str


def utc_timestamp(moment: datetime | None = None) -> str:
    """The archive's way of writing a moment: `2024-02-01T06:00:00Z` (also a valid WARC-Date)."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def stored_headers(headers: Iterable[tuple[str, str]]) -> Headers:
    """Response headers as they go into the record (see RENAMED_TRANSFER_ENCODING)."""
    return [
        (RENAMED_TRANSFER_ENCODING if name.lower() == TRANSFER_ENCODING else name, value)
        for name, value in headers
    ]


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def gzip_member(data: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(data) + compressor.flush()


def record_builder() -> WARCWriter:
    """warcio's writer, used here to build records (it writes each into a buffer of its own)."""
    return record_builder_for(io.BytesIO())


def record_bytes(record: object) -> bytes:
    """One record serialised by warcio, as a gzip member of its own."""
    buffer = io.BytesIO()
    record_builder_for(buffer).write_record(record)
    return gzip_member(buffer.getvalue())


def record_builder_for(buffer: io.BytesIO) -> WARCWriter:
    return WARCWriter(buffer, gzip=False, warc_version=WARC_VERSION)


@dataclass(frozen=True)
class RecordPair:
    """A response record and its request record, each a gzip member, ready to append."""

    response: bytes
    request: bytes
    record_id: str
    payload_digest: str


def exchange_records(exchange: Exchange, fetched_at: str) -> RecordPair:
    """The WARC records of one exchange (built by warcio; compressed here, one member each)."""
    writer = record_builder()
    protocol = exchange.protocol or "HTTP/1.1"
    response = writer.create_warc_record(
        exchange.url,
        "response",
        payload=io.BytesIO(exchange.body),
        length=len(exchange.body),
        warc_headers_dict={"WARC-Date": fetched_at},
        http_headers=StatusAndHeaders(
            status_line(exchange.status), stored_headers(exchange.headers), protocol=protocol
        ),
    )
    response_bytes = record_bytes(response)
    record_id = response.rec_headers.get_header("WARC-Record-ID")
    host = urlsplit(exchange.url).netloc
    request = writer.create_warc_record(
        exchange.url,
        "request",
        warc_headers_dict={"WARC-Date": fetched_at, "WARC-Concurrent-To": record_id},
        http_headers=StatusAndHeaders(
            f"{exchange.method} {request_target(exchange.url)} {protocol}",
            [("Host", host), *exchange.request_headers],
            is_http_request=True,
        ),
    )
    return RecordPair(
        response=response_bytes,
        request=record_bytes(request),
        record_id=record_id,
        payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
    )


def warcinfo_record(file_name: str, info: dict[str, str]) -> bytes:
    return record_bytes(record_builder().create_warcinfo_record(file_name, info))


def stored_path(path: Path, archive_folder: Path) -> str:
    """A WARC file's name as the captures table keeps it: relative to the archive's folder
    when inside it (the archive and its captures can move together), else absolute."""
    try:
        return str(path.resolve().relative_to(archive_folder.resolve()))
    except ValueError:
        return str(path.resolve())


class WarcFiles:
    """The WARC files of one run: created on the first record, rotated past `max_bytes`.

    Thread-safe: records are built and compressed by the caller's thread, and appended one
    pair at a time.
    """

    def __init__(
        self,
        folder: Path,
        *,
        archive_folder: Path,
        max_bytes: int,
        info: dict[str, str],
        started: datetime | None = None,
    ) -> None:
        self.folder = folder
        self.archive_folder = archive_folder
        self.max_bytes = max(1, max_bytes)
        self.info = info
        self.started = (started or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
        self.serial = 0
        self.fd: int | None = None
        self.path: Path | None = None
        # The current file's name as the captures table keeps it (see stored_path).
        self.stored_name = ""
        self.size = 0
        self.unsynced = False
        self.files: list[Path] = []
        self._lock = threading.Lock()

    def write(
        self, exchange: Exchange, *, kind: CaptureKind, site: str | None, fetched_at: str
    ) -> Capture:
        """Append the exchange's records; where the response record is (WarcNotWritable if it
        could not be written: then nothing of it is in the file)."""
        records = exchange_records(exchange, fetched_at)
        return self.write_records(
            records,
            url=exchange.url,
            kind=kind,
            site=site,
            status=exchange.status,
            fetched_at=fetched_at,
        )

    def write_records(
        self,
        records: RecordPair,
        *,
        url: str,
        kind: CaptureKind,
        site: str | None,
        status: int,
        fetched_at: str,
    ) -> Capture:
        """Append records built elsewhere (by a worker of a distributed crawl, which keeps no
        WARC files of its own); where the response record is."""
        with self._lock:
            if self.fd is None or self.size >= self.max_bytes:
                self._next_file()
            assert self.path is not None
            offset = self._append(records.response + records.request)
            return Capture(
                record_id=records.record_id,
                url=url,
                site=site,
                kind=kind,
                status=status,
                fetched_at=fetched_at,
                warc_file=self.stored_name,
                offset=offset,
                length=len(records.response),
                payload_digest=records.payload_digest,
            )

    def sync(self) -> None:
        """Make what was appended durable (before the captures rows pointing at it commit)."""
        with self._lock:
            if self.fd is not None and self.unsynced:
                os.fsync(self.fd)
                self.unsynced = False

    def close(self) -> None:
        with self._lock:
            self._close_file()

    def _next_file(self) -> None:
        self._close_file()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WarcNotWritable(
                error.errno, f"cannot create the WARC folder {self.folder}: {error.strerror}"
            ) from None
        while True:
            self.serial += 1
            name = FILE_NAME.format(started=self.started, serial=self.serial)
            path = self.folder / name
            try:
                # O_EXCL: a file is written by one run only, and never opened again to write.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            except FileExistsError:
                continue
            except OSError as error:
                raise WarcNotWritable(
                    error.errno, f"cannot create the WARC file {path}: {error.strerror}"
                ) from None
            break
        self.fd, self.path, self.size = fd, path, 0
        self.stored_name = stored_path(path, self.archive_folder)
        self.files.append(path)
        self._append(warcinfo_record(name, self.info))

    def _append(self, data: bytes) -> int:
        """Write data at the end of the file in one call; its offset. On a short or failed
        write (a full disk) the file is cut back, so that no partial record stays."""
        assert self.fd is not None
        assert self.path is not None
        offset = self.size
        try:
            written = os.write(self.fd, data)
            if written != len(data):
                raise OSError(28, "No space left on device (short write)")
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, offset)
            raise WarcNotWritable(
                error.errno, f"cannot write to the WARC file {self.path}: {error.strerror}"
            ) from None
        self.size += len(data)
        self.unsynced = True
        return offset

    def _close_file(self) -> None:
        if self.fd is not None:
            if self.unsynced:
                os.fsync(self.fd)
                self.unsynced = False
            os.close(self.fd)
            self.fd = None
