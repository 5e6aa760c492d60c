"""One stored response read back from its WARC file, by the offset and length the captures
table keeps, and checked against the payload digest written with it.

A record is a gzip member of its own, so reading one touches only its own bytes; a truncated
or damaged record, or a missing file, is a CaptureUnreadable naming what is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed

from captures.writing import Headers

# Encodings a reader may meet that are another name, or no encoding at all.
ENCODING_ALIASES = {"x-gzip": "gzip"}
NO_ENCODING = {"", "identity"}


class Unreadable(StrEnum):
    """Why a capture cannot be read."""

    MISSING_FILE = "missing file"
    TRUNCATED = "truncated record"
    DAMAGED = "damaged record"
    DIGEST_MISMATCH = "digest mismatch"
    TOO_LARGE = "too large"


class CaptureUnreadable(Exception):
    """A capture's record is not there as the captures table says; `problem` says how."""

    def __init__(self, problem: Unreadable, detail: str) -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem = problem


@dataclass(frozen=True)
class StoredResponse:
    """A captured response: its body decoded from its Content-Encoding, as Scrapy would."""

    url: str
    status: int
    headers: Headers
    body: bytes
    fetched_at: str
    record_id: str


def warc_path(archive_db: str | Path, warc_file: str) -> Path:
    """Where a captures row's WARC file is: relative paths are from the archive's folder."""
    return Path(archive_db).parent / warc_file


def payload_digest(payload: bytes) -> str:
    """A WARC payload digest as warcio writes it: `sha1:` and the base32 of the SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def read_record_bytes(path: Path, offset: int, length: int) -> bytes:
    try:
        with path.open("rb") as warc:
            warc.seek(offset)
            data = warc.read(length)
    except FileNotFoundError:
        raise CaptureUnreadable(Unreadable.MISSING_FILE, f"{path} is not there") from None
    except OSError as error:
        raise CaptureUnreadable(
            Unreadable.MISSING_FILE, f"cannot read {path}: {error.strerror}"
        ) from None
    if len(data) < length:
        raise CaptureUnreadable(
            Unreadable.TRUNCATED,
            f"{path} ends {length - len(data)} bytes into the record at offset {offset}",
        )
    return data


def read_response(
    path: Path,
    offset: int,
    length: int,
    *,
    expected_digest: str | None = None,
    max_size: int = 64 * 1024 * 1024,
) -> StoredResponse:
    """The response record at `offset` in the WARC file `path`."""
    data = read_record_bytes(path, offset, length)
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        if record.rec_type != "response" or record.http_headers is None:
            raise CaptureUnreadable(
                Unreadable.DAMAGED, f"the record at {path}:{offset} is a {record.rec_type} record"
            )
        payload = record.raw_stream.read()
    except (ArchiveLoadFailed, StopIteration, zlib.error, EOFError, ValueError) as error:
        raise CaptureUnreadable(
            Unreadable.DAMAGED, f"no readable record at {path}:{offset} ({error})"
        ) from None
    if expected_digest and payload_digest(payload) != expected_digest:
        raise CaptureUnreadable(
            Unreadable.DIGEST_MISMATCH,
            f"the body at {path}:{offset} is not the one captured (its digest differs)",
        )
    headers = record.http_headers
    return StoredResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(headers.get_statuscode() or 0),
        headers=list(headers.headers),
        body=decoded_body(payload, headers.get_header("Content-Encoding") or "", max_size),
        fetched_at=record.rec_headers.get_header("WARC-Date"),
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
    )


def decoded_body(payload: bytes, content_encoding: str, max_size: int) -> bytes:
    """The body without its Content-Encoding (gzip, deflate, br), the last one applied first;
    an encoding no reader knows is left in place, as the crawl left it."""
    encodings = [name.strip().lower() for name in content_encoding.split(",")]
    body = payload
    for name in reversed([name for name in encodings if name not in NO_ENCODING]):
        kind = ENCODING_ALIASES.get(name, name)
        if kind not in BufferedReader.get_supported_decompressors():
            break
        try:
            body = BufferedReader(io.BytesIO(body), decomp_type=kind).read(max_size + 1)
        except Exception as error:  # each decompressor raises its own kind of error
            raise CaptureUnreadable(
                Unreadable.DAMAGED, f"the body does not decode as {name} ({error})"
            ) from None
        if len(body) > max_size:
            raise CaptureUnreadable(
                Unreadable.TOO_LARGE, f"the body decodes to more than {max_size} bytes"
            )
    return body
