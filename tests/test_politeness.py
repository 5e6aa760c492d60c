"""Politeness measured where it matters: at the server.

A real `scrapy crawl news` archives a feed's articles from a local site whose server counts
the requests it is answering at once. With no delay between requests (DOWNLOAD_DELAY=0,
AutoThrottle off, as the benchmarks set and as a user may), the server must never see more
than CONCURRENT_REQUESTS_PER_DOMAIN; without crawler/politeness.py, Scrapy 2.14 and later
send a site up to CONCURRENT_REQUESTS at once.
"""

from __future__ import annotations

import inspect
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scrapy.core.downloader import Downloader

from bench.sitegen import GeneratedSiteHandler, base_url
from crawler.politeness import PoliteDownloader
from tests.conftest import run_crawl

# Enough articles that the engine lets far more requests into the downloader than the limit,
# each answered slowly enough that they overlap at the server.
PAGES = 30
ANSWER_SECONDS = 0.2


@dataclass
class Gauge:
    """Requests the server is answering now, and the most it has answered at once."""

    now: int = 0
    most: int = 0
    served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.served += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


class CountingHandler(GeneratedSiteHandler):
    """The benchmark's generated news site (robots.txt, feed, articles), every answer slow."""

    gauge: Gauge

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.gauge.enter()
        try:
            time.sleep(ANSWER_SECONDS)
            super().do_GET()
        finally:
            self.gauge.leave()


@contextmanager
def counting_site(pages: int) -> Iterator[tuple[str, Gauge]]:
    gauge = Gauge()
    handler = type("Handler", (CountingHandler,), {"pages": pages, "rendered": {}, "gauge": gauge})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url(server), gauge
    finally:
        server.shutdown()
        server.server_close()


def sites_toml(base: str) -> str:
    return (
        "[sites.slow]\n"
        'domains = ["127.0.0.1"]\n'
        f'feeds = ["{base}/feed.xml"]\n'
        "article_pattern = '/news/'\n"
        'language = "en"\n'
        'timezone = "UTC"\n'
    )


@pytest.mark.parametrize("limit", [2, 4])
def test_the_site_never_sees_more_than_the_per_domain_limit(tmp_path: Path, limit: int) -> None:
    with counting_site(PAGES) as (base, gauge):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(sites_toml(base))
        run = run_crawl(
            sites_file,
            tmp_path / "archive.db",
            DOWNLOAD_DELAY="0",
            AUTOTHROTTLE_ENABLED="False",
            CONCURRENT_REQUESTS_PER_DOMAIN=str(limit),
            CONCURRENT_REQUESTS="16",
            # Extraction inline: the workers' start-up would double the test's time, and the
            # limit is the downloader's business (the crawl floods the same way with workers).
            ARCHIVE_WORKERS="0",
        )
    assert run.returncode == 0, run.log[-3000:]
    with closing(sqlite3.connect(run.db_path)) as archive:
        (archived,) = archive.execute("select count(*) from articles").fetchone()
    assert archived == PAGES, run.log[-3000:]
    # robots.txt, the feed and every article.
    assert gauge.served >= PAGES + 2
    assert gauge.most <= limit, f"{gauge.most} requests at once with a limit of {limit}"
    # And the guard costs no concurrency: the site was asked for as much as it allows.
    assert gauge.most == limit


def code_lines(function: Callable[..., Any]) -> list[str]:
    """The statements of a function, without comments and indentation."""
    lines = (line.strip() for line in inspect.getsource(function).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_the_guard_is_scrapys_queue_processing_and_one_line() -> None:
    """PoliteDownloader._process_queue is a copy of Scrapy's with one line added. When an
    upgrade changes Scrapy's, this fails: see whether the bug is still there (the test above,
    with DOWNLOADER set back to Scrapy's), then copy the new code or drop the guard."""
    ours = code_lines(PoliteDownloader._process_queue)
    ours.remove("slot.transferring.add(request)")
    assert ours == code_lines(Downloader._process_queue)
