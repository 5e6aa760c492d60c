"""The crawl benchmark's generated site must look like a news site before its numbers mean
anything: pages of real-world size and shape, sitemaps and a feed that list every article."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trafilatura
from lxml import etree
from trafilatura.settings import Document

import bench.crawl
from bench.crawl import (
    WARC_OFF,
    WARC_ON,
    Run,
    parse_setting,
    print_warc_summary,
    run_sampled,
    scrapy_stat,
    warc_enabled,
    warc_summary,
)
from bench.sitegen import (
    FEED_SIZE,
    MAX_PAGE_BYTES,
    MIN_PAGE_BYTES,
    SITEMAP_SIZE,
    article_info,
    body_paragraphs,
    number_of_path,
    render_article,
    rss_feed,
    serve_generated_site,
    sitemap,
    sitemap_index,
)
from crawler.discovery import read_feed, read_sitemap

SEED = 4
BASE = "http://127.0.0.1:8123"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_generated_pages_weigh_50_to_150_kb() -> None:
    sizes = [len(render_article(SEED, number, 2000, BASE).encode()) for number in range(60)]
    assert min(sizes) >= MIN_PAGE_BYTES
    assert max(sizes) <= MAX_PAGE_BYTES
    assert max(sizes) - min(sizes) > 40 * 1024, "pages should vary in size"


def test_the_same_seed_and_number_give_the_same_page() -> None:
    assert render_article(SEED, 7, 100, BASE) == render_article(SEED, 7, 100, BASE)
    assert render_article(SEED, 7, 100, BASE) != render_article(SEED + 1, 7, 100, BASE)


def test_pages_do_not_all_share_one_layout() -> None:
    pages = [render_article(SEED, number, 100, BASE) for number in range(30)]
    layouts = {layout for page in pages for layout in re.findall(r'<body class="(\S+)"', page)}
    assert len(layouts) >= 2


def test_articles_have_6_to_20_paragraphs() -> None:
    counts = [len(body_paragraphs(SEED, number)) for number in range(100)]
    assert min(counts) >= 6
    assert max(counts) <= 20


@pytest.mark.parametrize("number", [0, 5, 13])
def test_trafilatura_finds_every_body_paragraph_and_the_json_ld_authors(number: int) -> None:
    info = article_info(SEED, number)
    html = render_article(SEED, number, 100, BASE)
    document = trafilatura.bare_extraction(html, url=BASE + info.path, with_metadata=True)
    assert isinstance(document, Document)
    for paragraph in body_paragraphs(SEED, number):
        assert paragraph in document.text
    assert document.author == "; ".join(info.authors)
    assert document.title == info.headline


def test_article_paths_lead_back_to_their_number() -> None:
    path = article_info(SEED, 42).path
    assert re.fullmatch(r"/news/\d{4}/\d{2}/\d{2}/[a-z0-9-]+-42\.html", path)
    assert number_of_path(SEED, path, 100) == 42
    assert number_of_path(SEED, path, 42) is None, "beyond the site's pages"
    assert number_of_path(SEED, path.replace("-42.html", "-43.html"), 100) is None
    assert number_of_path(SEED, "/news/elsewhere.html", 100) is None


def test_the_sitemaps_list_every_article_once_at_most_1000_per_file() -> None:
    pages = 2500
    index = etree.fromstring(sitemap_index(BASE, pages).encode())
    locations = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert len(locations) == 3
    assert read_sitemap(sitemap_index(BASE, pages).encode()).sitemaps == locations
    urls: list[str] = []
    for part, location in enumerate(locations):
        assert location == f"{BASE}/sitemaps/news-{part}.xml"
        document = sitemap(SEED, BASE, pages, part).encode()
        entries = etree.fromstring(document).findall("s:url/s:loc", SITEMAP_NS)
        assert len(entries) <= SITEMAP_SIZE
        urls += [lead.url for lead in read_sitemap(document).leads]
    assert len(urls) == len(set(urls)) == pages
    assert {urlsplit(url).path for url in urls} == {
        article_info(SEED, number).path for number in range(pages)
    }


def test_the_feed_is_rss_with_the_newest_articles_and_their_authors() -> None:
    feed = rss_feed(SEED, BASE, 200)
    assert etree.fromstring(feed.encode()).tag == "rss"
    leads = read_feed(feed.encode(), f"{BASE}/feed.xml")
    assert len(leads) == FEED_SIZE
    assert leads[0].url == BASE + article_info(SEED, 0).path
    assert leads[0].authors == list(article_info(SEED, 0).authors)
    assert leads[0].dates, "each entry has its publication date"


def test_the_site_is_served_on_the_loopback_address_compressed_or_not() -> None:
    with serve_generated_site(20, SEED) as site:
        assert site.base.startswith("http://127.0.0.1:")
        path = article_info(SEED, 3).path
        with urllib.request.urlopen(site.base + path) as response:
            plain = response.read().decode()
        assert plain == render_article(SEED, 3, 20, site.base)
        site.render_ahead()
        request = urllib.request.Request(site.base + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.read()).decode() == plain
        with urllib.request.urlopen(site.base + "/robots.txt") as response:
            assert f"Sitemap: {site.base}/sitemap_index.xml" in response.read().decode()
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(site.base + "/news/2024/01/01/not-here-99.html")


def test_extra_settings_must_be_name_equals_value() -> None:
    assert parse_setting("CONCURRENT_REQUESTS=32") == ("CONCURRENT_REQUESTS", "32")
    assert parse_setting("USER_AGENT=a=b") == ("USER_AGENT", "a=b")
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=VALUE"):
        parse_setting("concurrent_requests 32")


def test_scrapy_stats_are_read_from_the_closing_dump() -> None:
    log = "{'downloader/response_count': 2003,\n 'elapsed_time_seconds': 12.5,\n"
    assert scrapy_stat(log, "downloader/response_count") == 2003
    assert scrapy_stat(log, "elapsed_time_seconds") == 12.5
    assert scrapy_stat(log, "archive/inserted") == 0


def test_a_runs_memory_is_summed_over_its_processes(tmp_path: Path) -> None:
    holds_64_mb = "x = bytearray(64 * 2**20); import time; time.sleep(0.8)"
    starts_a_worker = (
        f"import subprocess, sys; subprocess.run([sys.executable, '-c', {holds_64_mb!r}])"
    )
    sampled = run_sampled([sys.executable, "-c", starts_a_worker], tmp_path / "log")
    assert sampled.returncode == 0
    assert sampled.processes == 2
    assert sampled.peak_rss_main < 64 * 2**20
    assert sampled.peak_rss_total >= 64 * 2**20 + sampled.peak_rss_main
    assert sampled.cpu_seconds > 0


def crawl_run(name: str, pages: int, seconds: float, warc_bytes: int = 0, **details: int) -> Run:
    return Run(
        name=name,
        pages=pages,
        seconds=seconds,
        wall_seconds=seconds + 1,
        cpu_seconds=seconds * 2,
        peak_rss_main=100 * 2**20,
        peak_rss_total=400 * 2**20,
        processes=5,
        cpu_seconds_main=seconds / 2,
        details={
            "archived": pages,
            "warc_files": 1 if warc_bytes else 0,
            "warc_bytes": warc_bytes,
            "captures": pages if warc_bytes else 0,
            "article_captures": pages if warc_bytes else 0,
            "articles_with_capture": pages if warc_bytes else 0,
            "archive_db_bytes": pages * 10_000,
            **details,
        },
    )


def test_warc_is_on_unless_set_off() -> None:
    assert warc_enabled({})
    assert warc_enabled({"ARCHIVE_WARC": "True"})
    assert not warc_enabled({"ARCHIVE_WARC": "False"})
    assert not warc_enabled({"ARCHIVE_WARC": "0"})


def test_the_warc_slowdown_and_disk_per_article_are_worked_out_over_the_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    off = [crawl_run("off 1", 1000, 10.0), crawl_run("off 2", 1000, 10.0)]
    on = [
        crawl_run("on 1", 1000, 10.5, warc_bytes=20_000_000),
        crawl_run("on 2", 1000, 10.5, warc_bytes=22_000_000),
    ]
    summary = warc_summary(off, on, page_bytes=100_000.0)
    assert summary["slowdown"] == pytest.approx(1 - 10 / 10.5)
    assert summary["slowdown_per_pair"] == pytest.approx([1 - 10 / 10.5] * 2)
    assert summary["warc_bytes_per_article"] == 21_000
    assert summary["warc_mb_per_1000_articles"] == pytest.approx(21_000_000 / 2**20)
    assert summary["archive_db_mb_per_1000_articles_off"] == pytest.approx(10_000_000 / 2**20)
    assert summary["off_warc_files"] == summary["off_captures"] == 0
    assert print_warc_summary(summary)
    printed = capsys.readouterr().out
    assert "slowdown with WARC, pages/s" in printed
    assert "4.8%" in printed
    assert "WARC bytes per archived article" in printed
    assert "21,000" in printed

    uncaptured = crawl_run("on", 1000, 10.0, warc_bytes=1, articles_with_capture=990)
    assert not print_warc_summary(warc_summary(off[:1], [uncaptured], None))
    assert "NOT OK" in capsys.readouterr().out


def test_the_benchmark_runs_the_crawl_with_warc_off_and_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole benchmark, small: every row, and the WARC figures, sane."""
    monkeypatch.setattr(bench.crawl, "RESULTS", tmp_path)
    assert bench.crawl.main(["--pages", "30", "--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    for row in ("fetch-only", "reference", "Morgue's stages", WARC_OFF, WARC_ON):
        assert f"  {row}" in printed
    for figure in ("slowdown with WARC", "WARC bytes per archived article", "per 1,000 articles"):
        assert figure in printed
    result = json.loads((tmp_path / "crawl-30.json").read_text(encoding="utf-8"))
    assert result["complete"]
    runs = {run["name"]: run for run in result["runs"]}
    off, on = runs[WARC_OFF], runs[WARC_ON]
    assert off["pages"] == on["pages"] == 30
    assert off["pages_per_second"] > 0
    assert on["pages_per_second"] > 0
    assert off["details"]["warc_files"] == off["details"]["warc_bytes"] == 0
    assert off["details"]["captures"] == off["details"]["articles_with_capture"] == 0
    assert on["details"]["warc_files"] >= 1
    assert on["details"]["article_captures"] == on["details"]["articles_with_capture"] == 30
    warc = result["warc"]
    assert warc["off_warc_files"] == 0
    # A page is served gzip-compressed: its records weigh several KB, less than its HTML.
    assert 2_000 < warc["warc_bytes_per_article"] < warc["page_bytes_decompressed_per_article"]
    assert warc["warc_mb_per_1000_articles"] > 0
    assert warc["archive_db_mb_per_1000_articles_on"] > 0
    assert -1 < warc["slowdown"] < 1
