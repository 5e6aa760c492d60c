"""The project's own news site, served on 127.0.0.1 for tests and `make demo`.

Files come from tests/site/. `{{BASE}}` in a text file becomes the server's base URL and
`{{TODAY}}` today's date as a site header widget prints it. `X.xml.gz` serves `X.xml`
gzip-compressed. A few paths answer the way broken sites do (see FAULTS).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

SITE_ROOT = Path(__file__).parent / "site"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
Reply = tuple[int, str, bytes, dict[str, str]]
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


FAULTS: dict[str, Callable[[SiteHandler], Reply]] = {
    "/errors/500.html": constant(500, "text/html", b"<h1>Internal Server Error</h1>"),
    "/errors/gone.html": constant(404, "text/html", b"<h1>Not Found</h1>"),
    "/files/annual-report.pdf": constant(200, "application/pdf", FAKE_PDF),
    "/news/2024/01/10/annual-report.pdf": constant(200, "application/pdf", FAKE_PDF),
    "/news/2024/01/11/scanned-page.html": constant(200, "text/html", FAKE_PDF),
    "/news/2024/01/13/moved-story.html": redirect_to_another_host,
    "/news/2024/01/14/slow-story.html": stall,
    "/news/2024/01/15/empty-story.html": constant(200, "text/html; charset=utf-8", b""),
}


def header_date(moment: datetime) -> str:
    """Today's date as WordPress news themes print it in their header: "Mon. Jul 15th, 2024"."""
    day = moment.day
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{moment:%a}. {moment:%b} {day}{suffix}, {moment:%Y}"


class SiteHandler(BaseHTTPRequestHandler):
    root: Path = SITE_ROOT
    requested: list[str]

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.requested.append(self.path)
        if path in FAULTS:
            status, content_type, body, headers = FAULTS[path](self)
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
def serve_site(root: Path = SITE_ROOT, port: int = 0) -> Iterator[tuple[str, list[str]]]:
    """Serve the site on 127.0.0.1; yield its base URL and the list of paths requested."""
    requested: list[str] = []
    handler = type("Handler", (SiteHandler,), {"root": root, "requested": requested})
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


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the test news site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with serve_site(port=args.port) as (base, _):
        print(f"Serving the test news site at {base}/ (Ctrl-C to stop)")
        threading.Event().wait()


if __name__ == "__main__":
    main()
