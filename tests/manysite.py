"""A generated news site of many small articles, for tests that need a crawl to last a while
(interruptions, a reader during a crawl). Served on 127.0.0.1; every page is made from its
number, so two runs see exactly the same site."""

from __future__ import annotations

import html
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

WORDS = [
    "council",
    "budget",
    "river",
    "ferry",
    "harbour",
    "school",
    "library",
    "bakery",
    "market",
    "festival",
    "bridge",
    "tram",
    "station",
    "mayor",
    "residents",
    "committee",
    "vote",
    "plan",
    "funding",
    "repairs",
    "season",
    "weather",
    "storm",
    "road",
    "hospital",
    "nurses",
    "teachers",
    "students",
    "parents",
    "museum",
    "exhibition",
    "artists",
    "concert",
    "park",
    "trees",
    "volunteers",
    "neighbours",
    "business",
    "owners",
    "shop",
    "prices",
    "rent",
    "housing",
    "project",
    "report",
    "inquiry",
]
AUTHORS = ("Maria Gonzalez", "Tom Becker", "Aisha Karimi", "Lena Fischer", "Omar Haddad")


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(9, 16))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def article_page(number: int) -> bytes:
    rng = random.Random(number)
    title = f"Story {number}: the {' '.join(rng.choices(WORDS, k=4))}"
    author = AUTHORS[number % len(AUTHORS)]
    day = f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}"
    paragraphs = "\n".join(
        f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(2, 4)))}</p>"
        for _ in range(rng.randint(4, 8))
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | Many Stories</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{html.escape(title)}", "datePublished": "{day}T09:00:00Z",
"author": {{"@type": "Person", "name": "{author}"}}}}</script></head>
<body><nav><a href="/">Home</a> <a href="/local/">Local</a></nav>
<article><h1>{html.escape(title)}</h1><p class="byline">By {author}</p>
{paragraphs}
</article><footer>© Many Stories</footer></body></html>""".encode()


def sitemap(base: str, count: int, extra_paths: list[str]) -> bytes:
    paths = [f"/news/story-{n}.html" for n in range(count)] + extra_paths
    urls = "".join(f"<url><loc>{base}{path}</loc></url>" for path in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


@contextmanager
def serve_many(
    count: int, delay: float = 0.0, extra_pages: dict[str, bytes] | None = None
) -> Iterator[str]:
    """Serve `count` articles (each answered after `delay` seconds) and any `extra_pages`
    (path -> HTML), all listed in /sitemap.xml; yield the base URL."""
    extra = extra_pages or {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            host, port = self.server.server_address[:2]
            if path == "/sitemap.xml":
                body = sitemap(f"http://{host}:{port}", count, list(extra))
                self.reply(200, "application/xml", body)
            elif path in extra:
                self.reply(200, "text/html; charset=utf-8", extra[path])
            elif path.startswith("/news/story-") and path.endswith(".html"):
                number = int(path.removeprefix("/news/story-").removesuffix(".html"))
                time.sleep(delay)
                self.reply(200, "text/html; charset=utf-8", article_page(number))
            elif path == "/robots.txt":
                self.reply(200, "text/plain", b"User-agent: *\nAllow: /\n")
            else:
                self.reply(404, "text/html", b"<h1>Not Found</h1>")

        def reply(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def many_sites_toml(base: str) -> str:
    return (
        "[sites.many]\n"
        'domains = ["127.0.0.1"]\n'
        f'sitemaps = ["{base}/sitemap.xml"]\n'
        "article_pattern = '/news/'\n"
        'language = "en"\n'
    )
