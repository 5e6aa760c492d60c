"""The project's own news site, served on 127.0.0.1 for tests and `make demo`.

Files come from tests/site/. `{{BASE}}` in a text file becomes the server's base URL and
`{{TODAY}}` today's date as a site header widget prints it. `X.xml.gz` serves `X.xml`
gzip-compressed. A few paths answer the way broken sites do (see FAULTS).

`serve_site(HOSTILE_ROOT, faults=HOSTILE_FAULTS)` serves the hostile site: every page on it
answers the way a broken or hostile server does (see HOSTILE_FAULTS); `WALLED_ROOT` is a site
whose robots.txt forbids everything.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from bench.sitegen import DEFAULT_SEED, article_info, render_article

SITE_ROOT = Path(__file__).parent / "site"
HOSTILE_ROOT = SITE_ROOT / "hostile"
WALLED_ROOT = HOSTILE_ROOT / "walled"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
Reply = tuple[int, str, bytes, dict[str, str]]
# A fault that answers by itself (streams, resets the connection) returns None.
Fault = Callable[["SiteHandler"], Reply | None]
FAKE_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x01\x02" * 50

# Longer than the DOWNLOAD_TIMEOUT the tests use, so the crawl gives up on it.
STALL_SECONDS = 4.0


def redirect_to_another_host(handler: SiteHandler) -> Reply:
    port = handler.server.server_address[1]
    # "localhost" is not among the test site's domains: the crawler must not follow.
    location = f"http://localhost:{port}/news/2024/01/13/moved-story.html"
    return 301, "text/html", b"", {"Location": location}


def stall(handler: SiteHandler) -> Reply:
    time.sleep(STALL_SECONDS)
    return 200, "text/html", b"<html><body><p>Too late.</p></body></html>", {}


def constant(status: int, content_type: str, body: bytes) -> Callable[[SiteHandler], Reply]:
    return lambda handler: (status, content_type, body, {})


FAULTS: dict[str, Fault] = {
    "/errors/500.html": constant(500, "text/html", b"<h1>Internal Server Error</h1>"),
    "/errors/gone.html": constant(404, "text/html", b"<h1>Not Found</h1>"),
    "/files/annual-report.pdf": constant(200, "application/pdf", FAKE_PDF),
    "/news/2024/01/10/annual-report.pdf": constant(200, "application/pdf", FAKE_PDF),
    "/news/2024/01/11/scanned-page.html": constant(200, "text/html", FAKE_PDF),
    "/news/2024/01/13/moved-story.html": redirect_to_another_host,
    "/news/2024/01/14/slow-story.html": stall,
    "/news/2024/01/15/empty-story.html": constant(200, "text/html; charset=utf-8", b""),
}


# Hostile pages. The tests crawl them with a DOWNLOAD_MAXSIZE far below these sizes.
HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 64 * 1024 * 1024
DEEPER_THAN_THE_PARSER_GOES = 300  # libxml2 stops at 256 levels


def source_page(handler: SiteHandler, name: str, **fields: str) -> bytes:
    """A page from the hostile site's sources/ folder with its {{FIELDS}} filled in."""
    text = (handler.root / "sources" / name).read_text(encoding="utf-8")
    blanks = dict.fromkeys(("CHARSET_META", "NEST_OPEN", "NEST_CLOSE", "INVALID"), "")
    for field, value in {**blanks, **fields}.items():
        text = text.replace("{{" + field + "}}", value)
    return text


def plain(title: str, **fields: str) -> Fault:
    def reply(handler: SiteHandler) -> Reply:
        page = source_page(handler, "plain.html", TITLE=title, **fields)
        return 200, "text/html; charset=utf-8", page.encode(), {}

    return reply


def legacy_charset(source: str, encoding: str, *, meta: bool, header: bool) -> Fault:
    """A page encoded in a legacy charset, declared in a <meta>, the header, or nowhere."""

    def reply(handler: SiteHandler) -> Reply:
        charset_meta = f'<meta charset="{encoding}">' if meta else ""
        page = source_page(handler, source, CHARSET_META=charset_meta)
        content_type = f"text/html; charset={encoding}" if header else "text/html"
        return 200, content_type, page.encode(encoding), {}

    return reply


def mislabelled_utf8(source: str, claimed: str, *, header: bool) -> Fault:
    """UTF-8 bytes labelled with a legacy charset, by the header or a <meta>."""

    def reply(handler: SiteHandler) -> Reply:
        charset_meta = "" if header else f'<meta charset="{claimed}">'
        page = source_page(handler, source, CHARSET_META=charset_meta)
        content_type = f"text/html; charset={claimed}" if header else "text/html"
        return 200, content_type, page.encode("utf-8"), {}

    return reply


def invalid_utf8(handler: SiteHandler) -> Reply:
    page = source_page(handler, "plain.html", TITLE="Late ferries for shift workers", INVALID="@@")
    # Bytes no UTF-8 decoder accepts, in the middle of a sentence of a page that says UTF-8.
    return 200, "text/html; charset=utf-8", page.encode().replace(b"@@", b"\xff\xfe\xc3"), {}


def utf16_meta(handler: SiteHandler) -> Reply:
    """UTF-8 bytes whose <meta> claims UTF-16: browsers ignore such a claim (HTML standard)."""
    page = source_page(handler, "plain.html", TITLE="A page that lies about UTF-16")
    page = page.replace('<meta charset="utf-8">', '<meta charset="utf-16">')
    return 200, "text/html", page.encode(), {}


def deep_nesting(handler: SiteHandler) -> Reply:
    page = source_page(
        handler,
        "plain.html",
        TITLE="Ferry timetable nested too deep",
        NEST_OPEN="<div>" * DEEPER_THAN_THE_PARSER_GOES,
        NEST_CLOSE="</div>" * DEEPER_THAN_THE_PARSER_GOES,
    )
    return 200, "text/html; charset=utf-8", page.encode(), {}


def fake_gzip(handler: SiteHandler) -> Reply:
    page = source_page(handler, "plain.html", TITLE="A page that says gzip and is not")
    return 200, "text/html; charset=utf-8", page.encode(), {"Content-Encoding": "gzip"}


@cache
def gzip_bomb() -> bytes:
    """BOMB_BYTES of spaces after an HTML start, gzip-compressed to about 64 KB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1024 * 1024)
    parts = [compressor.compress(b"<html><body><p>")]
    parts += [compressor.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzip_bomb_page(handler: SiteHandler) -> Reply:
    return 200, "text/html; charset=utf-8", gzip_bomb(), {"Content-Encoding": "gzip"}


def gzip_bomb_sitemap(handler: SiteHandler) -> Reply:
    return 200, "application/x-gzip", gzip_bomb(), {}


def huge(*, announced: bool) -> Fault:
    """HUGE_BYTES of HTML, with or without a Content-Length saying so, until the client hangs up."""

    def reply(handler: SiteHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if announced:
            handler.send_header("Content-Length", str(HUGE_BYTES))
        handler.end_headers()
        chunk = b"<p>" + b"Filler words for a page that never ends. " * 1500 + b"</p>\n"
        sent = 0
        try:
            while sent < HUGE_BYTES:
                handler.wfile.write(chunk[: HUGE_BYTES - sent])
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up: what the test wants

    return reply


def reset_connection(handler: SiteHandler) -> None:
    """Close with a TCP RST before answering, as an overloaded proxy does."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def stall_after_headers(handler: SiteHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        handler.wfile.write(b"<html><body><p>The first words arrive, then nothing")
        time.sleep(STALL_SECONDS)
    except (BrokenPipeError, ConnectionResetError):
        pass


def redirect(target: str) -> Fault:
    return lambda handler: (302, "text/html", b"", {"Location": target})


def binary_without_nul(handler: SiteHandler) -> Reply:
    """High bytes only, as a compressed or encrypted file is: no NUL for a quick check to see."""
    body = bytes((i * 131 + 17) % 128 + 128 for i in range(20000))
    return 200, "text/html", body, {}


HOSTILE_FAULTS: dict[str, Fault] = {
    "/news/gone.html": constant(410, "text/html", b"<h1>Gone</h1>"),
    "/news/busy.html": lambda handler: (503, "text/html", b"<h1>Busy</h1>", {"Retry-After": "120"}),
    "/news/reset.html": reset_connection,
    "/news/stall-body.html": stall_after_headers,
    "/news/loop-self.html": redirect("/news/loop-self.html"),
    "/news/loop-a.html": redirect("/news/loop-b.html"),
    "/news/loop-b.html": redirect("/news/loop-a.html"),
    "/news/huge.html": huge(announced=True),
    "/news/huge-unannounced.html": huge(announced=False),
    "/news/gzip-bomb.html": gzip_bomb_page,
    "/news/fake-gzip.html": fake_gzip,
    "/news/binary-no-nul.html": binary_without_nul,
    "/news/cyrillic-declared.html": legacy_charset(
        "cyrillic.html", "windows-1251", meta=True, header=False
    ),
    "/news/cyrillic-undeclared.html": legacy_charset(
        "cyrillic.html", "windows-1251", meta=False, header=False
    ),
    "/news/japanese-declared.html": legacy_charset(
        "japanese.html", "shift_jis", meta=False, header=True
    ),
    "/news/japanese-undeclared.html": legacy_charset(
        "japanese.html", "shift_jis", meta=False, header=False
    ),
    "/news/utf16-meta.html": utf16_meta,
    "/news/utf8-claiming-windows-1251.html": mislabelled_utf8(
        "cyrillic.html", "windows-1251", header=False
    ),
    "/news/utf8-claiming-shift-jis.html": mislabelled_utf8(
        "japanese.html", "shift_jis", header=True
    ),
    "/news/invalid-utf8.html": invalid_utf8,
    "/news/deep-nesting.html": deep_nesting,
    "/news/from-broken-sitemap.html": plain("Ferries found through a broken sitemap"),
    "/sitemap-bomb.xml.gz": gzip_bomb_sitemap,
}


def site_and_generated_pages(generated: int = 12) -> Iterator[tuple[str, str]]:
    """(URL, HTML) of every page of the test site, as stored, then of a few pages of the
    benchmark's generated site: the pages a rewrite of an extraction step must not change."""
    for path in sorted(SITE_ROOT.rglob("*.html")):
        html = path.read_text(encoding="utf-8", errors="replace")
        yield f"http://127.0.0.1:8765/{path.relative_to(SITE_ROOT)}", html
    base = "http://127.0.0.1:8766"
    for number in range(generated):
        yield (
            f"{base}{article_info(DEFAULT_SEED, number).path}",
            render_article(DEFAULT_SEED, number, 100, base),
        )


def header_date(moment: datetime) -> str:
    """Today's date as WordPress news themes print it in their header: "Mon. Jul 15th, 2024"."""
    day = moment.day
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{moment:%a}. {moment:%b} {day}{suffix}, {moment:%Y}"


class SiteHandler(BaseHTTPRequestHandler):
    root: Path = SITE_ROOT
    faults: dict[str, Fault] = FAULTS
    requested: list[str]

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.requested.append(self.path)
        if path in self.faults:
            answer = self.faults[path](self)
            if answer is not None:
                status, content_type, body, headers = answer
                self.reply(status, content_type, body, headers)
            return
        compressed = path.endswith(".xml.gz")
        file = self.resolve(path[: -len(".gz")] if compressed else path)
        if file is None:
            self.reply(404, "text/html", b"<h1>Not Found</h1>")
            return
        body = file.read_bytes()
        if file.suffix in CONTENT_TYPES:
            body = self.fill_placeholders(body)
        if compressed:
            self.reply(200, "application/x-gzip", gzip.compress(body))
            return
        # Like any web server's static files: an ETag, and 304 when the client has this one.
        etag = f'"{hashlib.sha1(body).hexdigest()}"'
        if self.headers.get("If-None-Match") == etag:
            self.reply(304, "", b"", {"ETag": etag})
            return
        content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        self.reply(200, content_type, body, {"ETag": etag})

    def resolve(self, path: str) -> Path | None:
        candidate = (self.root / path.lstrip("/")).resolve()
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_file() or self.root.resolve() not in candidate.parents:
            return None
        return candidate

    def fill_placeholders(self, body: bytes) -> bytes:
        host, port = self.server.server_address[:2]
        base = f"http://{host}:{port}"
        today = header_date(datetime.now(UTC))
        return body.replace(b"{{BASE}}", base.encode()).replace(b"{{TODAY}}", today.encode())

    def reply(
        self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the crawl's own log says what was fetched."""


@contextmanager
def serve_site(
    root: Path = SITE_ROOT,
    port: int = 0,
    faults: dict[str, Fault] = FAULTS,
    handler_class: type[SiteHandler] = SiteHandler,
) -> Iterator[tuple[str, list[str]]]:
    """Serve the site on 127.0.0.1; yield its base URL and the list of paths requested."""
    requested: list[str] = []
    handler = type(
        "Handler", (handler_class,), {"root": root, "requested": requested, "faults": faults}
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


def sites_toml(base: str, name: str = "courier", *, timezone: str = "America/New_York") -> str:
    """A sites file that follows the local site through all three kinds of discovery."""
    return (
        f"[sites.{name}]\n"
        f'domains = ["127.0.0.1"]\n'
        f'feeds = ["{base}/feed.xml", "{base}/atom.xml"]\n'
        f'sitemaps = ["{base}/sitemap_index.xml"]\n'
        f'start_urls = ["{base}/"]\n'
        f"article_pattern = '/news/'\n"
        f'language = "en"\n'
        f'timezone = "{timezone}"\n'
    )


def hostile_sites_toml(base: str, walled_base: str) -> str:
    """A sites file for the hostile site (every discovery route) and the walled one."""
    return (
        "[sites.hostile]\n"
        'domains = ["127.0.0.1"]\n'
        f'feeds = ["{base}/feed.xml", "{base}/not-a-feed.xml"]\n'
        f'sitemaps = ["{base}/sitemap_index.xml"]\n'
        f'start_urls = ["{base}/"]\n'
        "article_pattern = '/news/'\n"
        'language = "en"\n'
        "\n"
        "[sites.walled]\n"
        'domains = ["127.0.0.1"]\n'
        f'feeds = ["{walled_base}/feed.xml"]\n'
        f'start_urls = ["{walled_base}/"]\n'
        "article_pattern = '/news/'\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the test news site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with serve_site(port=args.port) as (base, _):
        print(f"Serving the test news site at {base}/ (Ctrl-C to stop)")
        threading.Event().wait()


if __name__ == "__main__":
    main()
