"""Crawl throughput benchmark: how fast `scrapy crawl news` archives a news site, beside
what Scrapy alone can fetch and what plain extraction costs on one core, on the same pages.

    make bench-crawl                          # 2,000 pages
    python -m bench.crawl --pages 500         # a quick look
    python -m bench.crawl --workers 2         # the crawl with -s ARCHIVE_WORKERS=2
    python -m bench.crawl --repeat 3          # 3 crawls with WARC capture off, 3 with it on
    python -m bench.crawl --profile           # then the crawl once more, under cProfile
    python -m bench.crawl --memory            # peak memory of 5,000- and 20,000-page crawls

The site (bench/sitegen.py) is generated from a seed and served on 127.0.0.1 by a thread of
this process. Three runs over its pages:

1. fetch-only: bench/fetch_spider.py, a Scrapy process with the project's settings and no
   pipelines, downloads every article in the sitemap: Scrapy's ceiling here;
2. reference: plain trafilatura plus a sqlite-utils insert per page, in this process, on the
   same pages rendered by the same generator (timed without the rendering): one core's
   extraction rate;
3. crawl: the real `scrapy crawl news` over the site's sitemap and feed into a new archive,
   checked to hold every page; run with WARC capture off (-s ARCHIVE_WARC=False, checked to
   write no WARC file and no captures row) and on (the default), alternated off, on, on, off,
   ... (`--repeat N` pairs, 2 by default), so that a drift of the machine's speed mostly
   cancels out of the comparison. Each setting's row adds its runs up (pages ÷ seconds over
   all of them); below the table, the slowdown with WARC (and each pair's, and their
   median), and the disk the WARC files take per archived article beside the archive's.

Prints a table and writes it as JSON to bench/results/crawl-<pages>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import pstats
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from statistics import median
from typing import Any

import psutil
import trafilatura
from sqlite_utils import Database
from trafilatura.settings import Document

from bench.sitegen import (
    DEFAULT_SEED,
    GeneratedSite,
    article_info,
    render_article,
    serve_generated_site,
)
from crawler.items import Article
from pipelines.dates import DatesStage
from pipelines.extract import ArticleRejected, ExtractStage
from pipelines.store import StoreStage

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
SAMPLE_SECONDS = 0.2
# Rendering ahead keeps about 20 KB per page in this process; above this, pages are rendered
# as they are requested.
RENDER_AHEAD_LIMIT = 5000
MEMORY_SIZES = (5000, 20000)
# Below the reactor's call chain, where a crawl's time goes (a regular expression on paths).
PROFILED_CODE = r"(crawler|pipelines)/|trafilatura/|lxml/|sqlite_utils/|htmldate/|dateparser/"
REFERENCE = "reference (trafilatura + insert, 1 process)"
# A crawl that archives fewer pages than this share of the site failed the benchmark.
ARCHIVED_SHARE_REQUIRED = 0.99
# Fast on a local site; everything else is the shipped configuration (crawler/settings.py).
BENCH_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "INFO",
}
MB = 1024 * 1024
NEWLINE = "\n"
# Crawls with WARC capture off and on (pairs of them) in a throughput run.
DEFAULT_REPEAT = 2
# Writing WARC may cost the crawl at most this share of its pages/s (the goal, not a check:
# a shared machine's noise is of the same order).
WARC_SLOWDOWN_GOAL = 0.05
WARC_OFF = "crawl, WARC off (ARCHIVE_WARC=False)"
WARC_ON = "crawl, WARC on (the default)"


@dataclass
class Run:
    """One measured run: what it did, how long, how much CPU and memory."""

    name: str
    pages: int
    # From start to end of the work: Scrapy's elapsed_time_seconds (engine start to close,
    # without the process's start-up), or the reference's time spent extracting and storing.
    seconds: float
    # The whole process, start-up included.
    wall_seconds: float
    cpu_seconds: float
    peak_rss_main: int
    peak_rss_total: int
    processes: int = 1
    # The main process alone (the reactor's thread, where Scrapy runs): None when it is the
    # only process.
    cpu_seconds_main: float | None = None
    # CPU of this process meanwhile: the site's server threads and the memory sampler.
    server_cpu_seconds: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass
class Sampled:
    returncode: int
    wall_seconds: float
    cpu_seconds: float
    cpu_seconds_main: float
    peak_rss_main: int
    peak_rss_total: int
    processes: int
    server_cpu_seconds: float


class ProcessTree:
    """A process and its descendants, polled: each one's peak RSS and CPU time so far."""

    def __init__(self, root: psutil.Process) -> None:
        self.root = root
        self.peaks: dict[tuple[int, float], int] = {}
        self.cpu: dict[tuple[int, float], float] = {}
        self.root_key = (root.pid, root.create_time())
        self.peak_together = 0

    def sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return  # the root ended between two samples
        held_now = 0
        for process in processes:
            try:
                key = (process.pid, process.create_time())
                rss = process.memory_info().rss
                times = process.cpu_times()
            except psutil.Error:
                continue  # a worker ended between listing and reading it
            self.peaks[key] = max(self.peaks.get(key, 0), rss)
            self.cpu[key] = times.user + times.system
            held_now += rss
        self.peak_together = max(self.peak_together, held_now)

    @property
    def main(self) -> int:
        return self.peaks.get(self.root_key, 0)

    @property
    def cpu_seconds_main(self) -> float:
        return self.cpu.get(self.root_key, 0.0)

    @property
    def total(self) -> int:
        """The most all processes held at once (a renewed worker does not count twice)."""
        return self.peak_together

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())


def run_sampled(command: Sequence[str], log_path: Path) -> Sampled:
    """Run a command to its end, its output into a log, sampling its processes meanwhile.

    CPU is user + system time of the process and its descendants: RUSAGE_CHILDREN before and
    after counts every descendant that was waited for, to the end; polling also counts those
    that were not (a pool's helper process, say) but misses each one's last moments. The
    larger of the two is the better figure.
    """
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        tree = ProcessTree(psutil.Process(process.pid))
        while True:
            tree.sample()
            try:
                returncode = process.wait(timeout=SAMPLE_SECONDS)
                break
            except subprocess.TimeoutExpired:
                continue
    wall = time.perf_counter() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    return Sampled(
        returncode=returncode,
        wall_seconds=wall,
        cpu_seconds=max(_cpu(children_after) - _cpu(children_before), tree.cpu_seconds),
        cpu_seconds_main=tree.cpu_seconds_main,
        peak_rss_main=tree.main,
        peak_rss_total=tree.total,
        processes=len(tree.peaks),
        server_cpu_seconds=_cpu(self_after) - _cpu(self_before),
    )


@contextmanager
def sampling_this_process() -> Iterator[ProcessTree]:
    """Sample this process's memory in a thread while the block runs."""
    memory = ProcessTree(psutil.Process())
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            memory.sample()
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield memory
    finally:
        done.set()
        sampler.join()
        memory.sample()


def scrapy_stat(log: str, name: str) -> float:
    """A number from Scrapy's closing stats dump, 0 when absent."""
    match = re.search(rf"'{re.escape(name)}': (\d+(?:\.\d+)?)", log)
    return float(match.group(1)) if match else 0.0


def settings_arguments(settings: dict[str, str]) -> list[str]:
    arguments = []
    for name, value in settings.items():
        arguments += ["-s", f"{name}={value}"]
    return arguments


def sites_file_text(base: str) -> str:
    return (
        "[sites.bench]\n"
        'domains = ["127.0.0.1"]\n'
        f'feeds = ["{base}/feed.xml"]\n'
        f'sitemaps = ["{base}/sitemap_index.xml"]\n'
        "article_pattern = '/news/'\n"
        'language = "en"\n'
        'timezone = "UTC"\n'
    )


def write_sites_file(folder: Path, base: str) -> Path:
    sites_file = folder / "sites.toml"
    sites_file.write_text(sites_file_text(base), encoding="utf-8")
    return sites_file


def crawl_command(
    folder: Path, base: str, extra: dict[str, str], *, profile_to: Path | None = None
) -> list[str]:
    settings = {
        **BENCH_SETTINGS,
        "ARCHIVE_SITES": str(write_sites_file(folder, base)),
        "ARCHIVE_DB": str(folder / "archive.db"),
        **extra,
    }
    profiler = ["-m", "cProfile", "-o", str(profile_to)] if profile_to else []
    return [
        sys.executable,
        *profiler,
        "-m",
        "scrapy",
        "crawl",
        "news",
        *settings_arguments(settings),
    ]


def run_fetch_only(site: GeneratedSite, folder: Path) -> Run:
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "fetch_only",
        "-a",
        f"sitemap={site.base}/sitemap_index.xml",
        *settings_arguments(
            {
                **BENCH_SETTINGS,
                "SPIDER_MODULES": "bench.fetch_spider",
                # The same sites file as the crawl's: its hosts are the ones the resolver allows.
                "ARCHIVE_SITES": str(write_sites_file(folder, site.base)),
            }
        ),
    ]
    log_path = folder / "fetch-only.log"
    sampled = run_sampled(command, log_path)
    log = log_path.read_text(encoding="utf-8")
    if sampled.returncode != 0:
        raise BenchmarkFailed(f"the fetch-only crawl exited with {sampled.returncode}", log)
    details = {
        "bytes_decompressed": int(scrapy_stat(log, "fetch_only/bytes")),
        "responses": int(scrapy_stat(log, "downloader/response_count")),
    }
    fetched = int(scrapy_stat(log, "fetch_only/pages"))
    return _run_of("fetch-only (Scrapy, no pipelines)", fetched, log, sampled, details)


def run_reference(seed: int, pages: int, base: str, folder: Path, name: str = REFERENCE) -> Run:
    """Plain trafilatura + one sqlite-utils insert per page, in this process, on one core."""
    folder.mkdir(parents=True, exist_ok=True)
    db = Database(folder / "reference.db")
    db.enable_wal()
    table = db.table("articles", pk="url")
    extracted = 0
    seconds = cpu = 0.0
    with sampling_this_process() as memory:
        for number in range(pages):
            url = f"{base}{article_info(seed, number).path}"
            html = render_article(seed, number, pages, base)
            started, cpu_started = time.perf_counter(), time.process_time()
            document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
            if isinstance(document, Document) and document.text:
                table.insert(
                    {
                        "url": url,
                        "title": document.title,
                        "text": document.text,
                        "authors": json.dumps((document.author or "").split("; ")),
                        "published": document.date,
                        "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                )
                if extracted == 0:
                    table.enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
                extracted += 1
            seconds += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
    stored = db.execute("select count(*) from articles").fetchone()[0]
    db.close()
    return Run(
        name=name,
        pages=extracted,
        seconds=seconds,
        wall_seconds=seconds,
        cpu_seconds=cpu,
        peak_rss_main=memory.main,
        peak_rss_total=memory.total,
        details={"stored": stored},
    )


def combined(name: str, *runs: Run) -> Run:
    """Runs of the same work as one: pages and seconds added up, the highest peaks.

    The reference is run before and after the crawl: this machine's speed drifts over
    minutes (other tenants, clock changes), and a crawl compared with one run measured
    minutes earlier can be off by a fifth either way; with both, a drift mostly cancels."""
    mains = [run.cpu_seconds_main for run in runs]
    servers = [run.server_cpu_seconds for run in runs]
    return Run(
        name=name,
        pages=sum(run.pages for run in runs),
        seconds=sum(run.seconds for run in runs),
        wall_seconds=sum(run.wall_seconds for run in runs),
        cpu_seconds=sum(run.cpu_seconds for run in runs),
        peak_rss_main=max(run.peak_rss_main for run in runs),
        peak_rss_total=max(run.peak_rss_total for run in runs),
        processes=max(run.processes for run in runs),
        cpu_seconds_main=None if None in mains else sum(main or 0.0 for main in mains),
        server_cpu_seconds=None if None in servers else sum(cpu or 0.0 for cpu in servers),
    )


def run_morgue_stages(seed: int, pages: int, base: str, folder: Path) -> Run:
    """Morgue's own extract, dates and store stages, inline in this process, on one core:
    what one worker process can do, so the crawl can be compared with cores × this."""
    extract = ExtractStage(min_words=ExtractStage.DEFAULT_MIN_WORDS)
    dates = DatesStage(earliest=date(1990, 1, 1))
    store = StoreStage(str(folder / "stages.db"), commit_seconds=0)
    store.open_spider()
    loop = asyncio.new_event_loop()
    archived = 0
    seconds = cpu = 0.0
    with sampling_this_process() as memory:
        for number in range(pages):
            url = f"{base}{article_info(seed, number).path}"
            item = Article(
                url=url,
                site="bench",
                html=render_article(seed, number, pages, base),
                fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                site_language="en",
            )
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                item = loop.run_until_complete(extract.process_item(item))
                item = loop.run_until_complete(dates.process_item(item))
                store.process_item(item)
                archived += 1
            except ArticleRejected:
                pass
            seconds += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
    store.close_spider()
    loop.close()
    return Run(
        name="Morgue's stages (1 process)",
        pages=archived,
        seconds=seconds,
        wall_seconds=seconds,
        cpu_seconds=cpu,
        peak_rss_main=memory.main,
        peak_rss_total=memory.total,
        details={"stored": archived},
    )


def warc_enabled(settings: dict[str, str]) -> bool:
    """Whether a crawl with these settings writes WARC (ARCHIVE_WARC, True unless set off)."""
    return settings.get("ARCHIVE_WARC", "True").strip().lower() not in {"false", "0", "no", "off"}


def warc_folder_of(folder: Path, settings: dict[str, str]) -> Path:
    """Where a crawl into folder/archive.db writes its WARC files (crawler/capture.py)."""
    return (
        Path(settings["ARCHIVE_WARC_DIR"]) if settings.get("ARCHIVE_WARC_DIR") else folder / "warc"
    )


def warc_file_sizes(folder: Path) -> dict[Path, int]:
    if not folder.is_dir():
        return {}
    return {path: path.stat().st_size for path in folder.iterdir() if ".warc" in path.name}


def file_bytes(path: Path) -> int:
    """An SQLite file's size on disk with its write-ahead log, if one is left."""
    return sum(
        part.stat().st_size for part in (path, path.with_name(path.name + "-wal")) if part.exists()
    )


def run_crawl(
    site: GeneratedSite,
    folder: Path,
    extra: dict[str, str],
    *,
    profile_to: Path | None = None,
    name: str = "crawl (scrapy crawl news)",
) -> Run:
    """The real crawl into folder/archive.db; what it archived, and the WARC it wrote (the
    files new in its WARC folder). With ARCHIVE_WARC off, BenchmarkFailed if it wrote any."""
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "crawl.log"
    warc_folder = warc_folder_of(folder, extra)
    warc_before = warc_file_sizes(warc_folder)
    sampled = run_sampled(crawl_command(folder, site.base, extra, profile_to=profile_to), log_path)
    log = log_path.read_text(encoding="utf-8")
    if sampled.returncode != 0:
        raise BenchmarkFailed(f"`scrapy crawl news` exited with {sampled.returncode}", log)
    warc_written = {
        path: size for path, size in warc_file_sizes(warc_folder).items() if path not in warc_before
    }
    connection = sqlite3.connect(folder / "archive.db")
    archived = connection.execute("select count(*) from articles").fetchone()[0]
    failures = connection.execute(
        "select stage, reason, count(*) from failures group by 1, 2 order by 3 desc"
    ).fetchall()
    captures = dict(connection.execute("select kind, count(*) from captures group by 1"))
    linked = connection.execute(
        "select count(*) from articles where capture_id is not null"
    ).fetchone()[0]
    connection.close()
    details = {
        "archived": archived,
        "failures": sum(count for _, _, count in failures),
        "failure_reasons": [
            {"stage": stage, "reason": reason, "count": count}
            for stage, reason, count in failures[:10]
        ],
        "responses": int(scrapy_stat(log, "downloader/response_count")),
        "settings": extra,
        "warc": warc_enabled(extra),
        "warc_files": len(warc_written),
        "warc_bytes": sum(warc_written.values()),
        # The response records alone (captures.length added up), without request records.
        "warc_response_record_bytes": int(scrapy_stat(log, "warc/bytes")),
        "captures": sum(captures.values()),
        "article_captures": captures.get("article", 0),
        "articles_with_capture": linked,
        "archive_db_bytes": file_bytes(folder / "archive.db"),
    }
    if not details["warc"] and (details["warc_files"] or details["captures"] or linked):
        raise BenchmarkFailed(
            f"the crawl with ARCHIVE_WARC off wrote {details['warc_files']} WARC files "
            f"({details['warc_bytes']:,} bytes) in {warc_folder} and {details['captures']} "
            "captures rows",
            log,
        )
    return _run_of(name, archived, log, sampled, details)


class BenchmarkFailed(RuntimeError):
    """A run did not finish as it must for its numbers to mean anything."""

    def __init__(self, message: str, log: str) -> None:
        super().__init__(message)
        self.log = log


def crawls_with_and_without_warc(
    site: GeneratedSite, folder: Path, extra: dict[str, str], repeat: int
) -> tuple[list[Run], list[Run]]:
    """The real crawl `repeat` times with WARC capture off and as many with it on, in pairs
    alternately ordered (off, on, on, off, ...): a drift of the machine's speed over minutes
    then weighs on both alike. Each into an archive of its own; the runs off, the runs on."""
    off: list[Run] = []
    on: list[Run] = []
    total = 2 * repeat
    for pair in range(repeat):
        for warc in (False, True) if pair % 2 == 0 else (True, False):
            runs = on if warc else off
            state = "on" if warc else "off"
            number = len(off) + len(on) + 1
            name = (
                (WARC_ON if warc else WARC_OFF)
                if repeat == 1
                else f"  crawl {number}, WARC {state}"
            )
            print(
                f"  crawl {number} of {total}: scrapy crawl news, WARC {state}, into a new "
                "archive ...",
                flush=True,
            )
            settings = {**extra, "ARCHIVE_WARC": str(warc)}
            folder_of_run = folder / f"crawl-warc-{state}-{len(runs) + 1}"
            run = run_crawl(site, folder_of_run, settings, name=name)
            run.details["order"] = number
            runs.append(run)
    return off, on


def warc_summary(off: Sequence[Run], on: Sequence[Run], page_bytes: float | None) -> dict[str, Any]:
    """What WARC capture costs: the slowdown (all runs added up, and each pair's), the disk
    per archived article (the median over the crawls with it on) beside the archive's own,
    and the captures rows beside the articles. page_bytes: a page's HTML as served,
    decompressed, for scale."""
    off_all = combined(WARC_OFF, *off)
    on_all = combined(WARC_ON, *on)
    pairs = [
        1 - _ratio(b.pages_per_second, a.pages_per_second) for a, b in zip(off, on, strict=True)
    ]
    cpu_off = _ratio(off_all.cpu_seconds, off_all.pages) * 1000
    cpu_on = _ratio(on_all.cpu_seconds, on_all.pages) * 1000
    warc_per_article = [run.details["warc_bytes"] / run.pages for run in on if run.pages]
    db_on = [run.details["archive_db_bytes"] / run.pages for run in on if run.pages]
    db_off = [run.details["archive_db_bytes"] / run.pages for run in off if run.pages]
    per_article = median(warc_per_article) if warc_per_article else 0.0
    return {
        "pages_per_second_off": off_all.pages_per_second,
        "pages_per_second_on": on_all.pages_per_second,
        "slowdown": 1 - _ratio(on_all.pages_per_second, off_all.pages_per_second),
        "slowdown_per_pair": pairs,
        "slowdown_median_of_pairs": median(pairs) if pairs else float("nan"),
        "slowdown_goal": WARC_SLOWDOWN_GOAL,
        # Steadier than pages/s on a shared machine: what writing WARC costs in CPU.
        "cpu_ms_per_page_off": cpu_off,
        "cpu_ms_per_page_on": cpu_on,
        "off_crawls": len(off),
        "off_warc_files": sum(run.details["warc_files"] for run in off),
        "off_captures": sum(run.details["captures"] for run in off),
        "warc_files_per_crawl": [run.details["warc_files"] for run in on],
        "warc_bytes_per_crawl": [run.details["warc_bytes"] for run in on],
        "warc_bytes_per_article": per_article,
        "warc_mb_per_1000_articles": per_article * 1000 / MB,
        "archive_db_mb_per_1000_articles_on": median(db_on) * 1000 / MB if db_on else 0.0,
        "archive_db_mb_per_1000_articles_off": median(db_off) * 1000 / MB if db_off else 0.0,
        "page_bytes_decompressed_per_article": page_bytes,
        "captures_per_crawl": [
            {
                "crawl": run.details.get("order", number),
                "archived": run.details["archived"],
                "captures": run.details["captures"],
                "article_captures": run.details["article_captures"],
                "articles_with_capture": run.details["articles_with_capture"],
            }
            for number, run in enumerate(on, 1)
        ],
    }


def print_warc_summary(summary: dict[str, Any]) -> bool:
    """Print what WARC capture costs; False if a crawl with it on failed to capture a page."""
    slowdown = summary["slowdown"]
    goal = summary["slowdown_goal"]
    verdict = "within" if slowdown <= goal else "OVER"
    print("\n  WARC capture (every article page kept as fetched), crawls with it on vs off:")
    print(
        f"    {'slowdown with WARC, pages/s':<44}{slowdown:>8.1%}   {verdict} the goal of "
        f"at most {goal:.0%}"
    )
    pairs = summary["slowdown_per_pair"]
    if len(pairs) > 1:
        each = ", ".join(f"{pair:.1%}" for pair in pairs)
        print(
            f"    {'  each pair (off, on), median':<44}"
            f"{summary['slowdown_median_of_pairs']:>8.1%}   ({each}; below 0: faster)"
        )
    cpu_on, cpu_off = summary["cpu_ms_per_page_on"], summary["cpu_ms_per_page_off"]
    print(
        f"    {'CPU ms per page, WARC on − off':<44}{cpu_on - cpu_off:>+8.1f}   "
        f"({cpu_on:.1f} − {cpu_off:.1f}, all processes)"
    )
    print(
        f"    {'WARC off: WARC files, captures rows':<44}{summary['off_warc_files']:>8}"
        f"{summary['off_captures']:>8}   (checked, in {summary['off_crawls']} crawls)"
    )
    sizes = summary["warc_bytes_per_crawl"]
    files = summary["warc_files_per_crawl"]
    print(
        f"    {'WARC written per crawl with it on (bytes)':<44}"
        + ", ".join(
            f"{size:,} in {count} file{'s' if count != 1 else ''}"
            for size, count in zip(sizes, files, strict=True)
        )
    )
    page = summary["page_bytes_decompressed_per_article"]
    scale = f"   (a page's HTML, decompressed: {page:,.0f})" if page else ""
    print(
        f"    {'WARC bytes per archived article':<44}"
        f"{summary['warc_bytes_per_article']:>8,.0f}{scale}"
    )
    print(f"    {'WARC MB per 1,000 articles':<44}{summary['warc_mb_per_1000_articles']:>8.1f}")
    print(
        f"    {'archive.db MB per 1,000 articles, WARC on':<44}"
        f"{summary['archive_db_mb_per_1000_articles_on']:>8.1f}   "
        f"(off: {summary['archive_db_mb_per_1000_articles_off']:.1f})"
    )
    ok = True
    for counts in summary["captures_per_crawl"]:
        archived = counts["archived"]
        captured = counts["article_captures"]
        linked = counts["articles_with_capture"]
        label = f"crawl {counts['crawl']}, WARC on: article captures, articles"
        print(
            f"    {label:<44}"
            f"{captured:>8,}"
            f"{archived:>8,}   ({linked:,} articles linked to their capture; "
            f"{counts['captures']:,} captures rows in all)"
        )
        if captured < archived or linked != archived:
            print("    NOT OK: an archived article has no capture")
            ok = False
    if not all(sizes):
        print("    NOT OK: a crawl with WARC on wrote no WARC file")
        ok = False
    return ok


def ratios(fetch: Run, reference: Run, crawl: Run, cores: int, stages: Run) -> dict[str, float]:
    ceiling = min(fetch.pages_per_second, cores * reference.pages_per_second)
    own_ceiling = min(fetch.pages_per_second, cores * stages.pages_per_second)
    return {
        "reference ÷ fetch-only (pages/s)": _ratio(
            reference.pages_per_second, fetch.pages_per_second
        ),
        "crawl ÷ reference (pages/s)": _ratio(crawl.pages_per_second, reference.pages_per_second),
        f"crawl ÷ min(fetch-only, {cores} cores × reference)": _ratio(
            crawl.pages_per_second, ceiling
        ),
        f"crawl ÷ min(fetch-only, {cores} cores × Morgue's stages)": _ratio(
            crawl.pages_per_second, own_ceiling
        ),
        "Morgue's stages ÷ reference (pages/s)": _ratio(
            stages.pages_per_second, reference.pages_per_second
        ),
        "crawl peak RSS, main process (MB)": crawl.peak_rss_main / MB,
        "crawl peak RSS, all processes (MB)": crawl.peak_rss_total / MB,
    }


def machine() -> dict[str, Any]:
    packages = {}
    for name in ("scrapy", "trafilatura", "lxml", "sqlite-utils", "twisted"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "cores_usable": len(os.sched_getaffinity(0)),
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "cpu": _cpu_model(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "packages": packages,
    }


def print_header(info: dict[str, Any], what: str) -> None:
    packages = ", ".join(f"{name} {number}" for name, number in info["packages"].items())
    print(f"Crawl benchmark: {what}, generated article pages served on 127.0.0.1")
    print(
        f"  machine: {info['cores_usable']} usable cores ({info['cores_logical']} logical, "
        f"{info['cores_physical']} physical), {info['memory_gb']} GB, {info['cpu']}"
    )
    print(f"  python {info['python']} on {info['platform']}, SQLite {info['sqlite']}")
    print(f"  {packages}")


def print_runs(runs: Sequence[Run]) -> None:
    print(
        f"\n  {'run':<44}{'pages':>7}{'s':>8}{'wall s':>8}{'pages/s':>9}{'CPU s':>8}"
        f"{'CPU ms/page':>12}{'main':>6}{'peak RSS main MB':>18}{'all procs MB':>14}{'procs':>6}"
    )
    for run in runs:
        per_page = run.cpu_seconds / run.pages * 1000 if run.pages else 0.0
        main = (
            f"{run.cpu_seconds_main / run.pages * 1000:>6.1f}"
            if run.cpu_seconds_main is not None and run.pages
            else f"{'':>6}"
        )
        print(
            f"  {run.name:<44}{run.pages:>7}{run.seconds:>8.1f}{run.wall_seconds:>8.1f}"
            f"{run.pages_per_second:>9.1f}"
            f"{run.cpu_seconds:>8.1f}{per_page:>12.1f}{main}{run.peak_rss_main / MB:>18.0f}"
            f"{run.peak_rss_total / MB:>14.0f}{run.processes:>6}"
        )


def print_crawl_check(crawl: Run, pages: int, label: str = "crawl", *, blank: bool = True) -> bool:
    archived = crawl.details["archived"]
    failures = crawl.details["failures"]
    print(
        f"{NEWLINE if blank else ''}  {label} archived {archived:,} of {pages:,} pages; "
        f"{failures} failures"
    )
    for failure in crawl.details["failure_reasons"]:
        print(f"    {failure['count']:>6}  {failure['stage']}: {failure['reason']}")
    if archived < ARCHIVED_SHARE_REQUIRED * pages:
        print(f"  NOT OK: fewer than {ARCHIVED_SHARE_REQUIRED:.0%} of the pages were archived")
        return False
    return True


def throughput(args: argparse.Namespace, extra: dict[str, str]) -> int:
    info = machine()
    cores = info["cores_usable"]
    print_header(info, f"throughput on {args.pages:,} pages")
    if "ARCHIVE_WARC" in extra:
        print(
            f"  (ARCHIVE_WARC={extra['ARCHIVE_WARC']} ignored: the crawl runs with it off and on)"
        )
    with (
        tempfile.TemporaryDirectory(prefix="morgue-bench-") as temporary,
        serve_generated_site(args.pages, args.seed) as site,
    ):
        folder = Path(temporary)
        print("\n  Morgue's stages: the pages through extract, dates, store ...", flush=True)
        stages = run_morgue_stages(args.seed, args.pages, site.base, folder)
        print(f"  reference: extracting {args.pages:,} pages in this process ...", flush=True)
        before = run_reference(
            args.seed, args.pages, site.base, folder / "before", "  reference, before the crawl"
        )
        if args.pages <= RENDER_AHEAD_LIMIT:
            started = time.perf_counter()
            site.render_ahead()
            print(f"  site rendered ahead in {time.perf_counter() - started:.1f} s", flush=True)
        print("  fetch-only: Scrapy downloading every page ...", flush=True)
        fetch = run_fetch_only(site, folder)
        off, on = crawls_with_and_without_warc(site, folder, extra, args.repeat)
        print("  reference again, after the crawls ...", flush=True)
        after = run_reference(
            args.seed, args.pages, site.base, folder / "after", "  reference, after the crawls"
        )
        reference = combined(REFERENCE, before, after)
        if args.repeat == 1:
            crawl_off, crawl = off[0], on[0]
            crawls = [crawl_off, crawl]
        else:
            crawl_off, crawl = combined(WARC_OFF, *off), combined(WARC_ON, *on)
            in_order = sorted([*off, *on], key=lambda run: run.details["order"])
            crawls = [*in_order, crawl_off, crawl]
        runs = [fetch, before, after, reference, stages, *crawls]
        print_runs(runs)
        print()
        complete = True
        for run in [*off, *on]:
            complete = (
                print_crawl_check(run, args.pages, run.name.strip(), blank=False) and complete
            )
        page_bytes = fetch.details["bytes_decompressed"] / fetch.pages if fetch.pages else None
        warc = warc_summary(off, on, page_bytes)
        complete = print_warc_summary(warc) and complete
        summary = ratios(fetch, reference, crawl, cores, stages)
        summary["crawl WARC on ÷ WARC off (pages/s)"] = _ratio(
            crawl.pages_per_second, crawl_off.pages_per_second
        )
        print("\n  In the ratios below, the crawl is the one with WARC on (the default):")
        for name, value in summary.items():
            print(f"  {name:<50}{value:>8.2f}")
        print(
            f"\n  server CPU s during fetch-only {fetch.server_cpu_seconds:.1f}, "
            f"during the crawls with WARC off {crawl_off.server_cpu_seconds or 0.0:.1f}, "
            f"on {crawl.server_cpu_seconds or 0.0:.1f} (this process, not in the table)"
        )
        profile = None
        if args.profile:
            profile = profile_crawl(site, folder / "profiled", extra, args.pages)
    output = RESULTS / f"crawl-{args.pages}.json"
    write_results(
        output, info, args.pages, args, extra, runs, summary, complete, profile, warc=warc
    )
    print(f"\nResults: {output}")
    return 0 if complete else 1


def profile_crawl(site: GeneratedSite, folder: Path, extra: dict[str, str], pages: int) -> str:
    """The real crawl once more, under cProfile; print where its main process spends time."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    profile_path = RESULTS / f"crawl-{pages}.prof"
    print("\n  profiling: scrapy crawl news under cProfile ...", flush=True)
    run = run_crawl(site, folder, extra, profile_to=profile_path)
    print(
        f"  profiled crawl: {run.pages} pages in {run.wall_seconds:.1f} s "
        f"({run.pages_per_second:.1f} pages/s under the profiler); main process only\n"
    )
    stats = pstats.Stats(str(profile_path))
    stats.sort_stats("cumulative").print_stats(25)
    print("  The same, in the project's code and the libraries that extract and store:")
    stats.print_stats(PROFILED_CODE, 25)
    print("  By time spent in the function itself:")
    stats.sort_stats("tottime").print_stats(15)
    return str(profile_path)


def memory(args: argparse.Namespace, extra: dict[str, str]) -> int:
    info = machine()
    print_header(info, "peak memory at " + " and ".join(f"{size:,}" for size in MEMORY_SIZES))
    output = RESULTS / "crawl-memory.json"
    runs: list[Run] = []
    complete = True
    with tempfile.TemporaryDirectory(prefix="morgue-bench-") as temporary:
        for pages in MEMORY_SIZES:
            print(f"\n  crawl: {pages:,} pages, rendered as requested ...", flush=True)
            with serve_generated_site(pages, args.seed) as site:
                run = run_crawl(site, Path(temporary) / f"crawl-{pages}", extra)
            run.name = f"crawl of {pages:,} pages"
            runs.append(run)
            complete = print_crawl_check(run, pages) and complete
            # Each run's figures as soon as it ends: the larger crawl takes a while.
            print_runs([run])
            write_results(output, info, MEMORY_SIZES, args, extra, runs, {}, complete, None)
    small, large = runs
    label = f"peak RSS {MEMORY_SIZES[1]:,} ÷ {MEMORY_SIZES[0]:,} pages"
    summary = {
        f"{label}, main process": _ratio(large.peak_rss_main, small.peak_rss_main),
        f"{label}, all processes": _ratio(large.peak_rss_total, small.peak_rss_total),
    }
    print_runs(runs)
    print()
    for name, value in summary.items():
        print(f"  {name:<50}{value:>8.2f}")
    write_results(output, info, MEMORY_SIZES, args, extra, runs, summary, complete, None)
    print(f"\nResults: {output}")
    return 0 if complete else 1


def write_results(
    output: Path,
    info: dict[str, Any],
    pages: int | Sequence[int],
    args: argparse.Namespace,
    extra: dict[str, str],
    runs: Sequence[Run],
    summary: dict[str, float],
    complete: bool,
    profile: str | None,
    *,
    warc: dict[str, Any] | None = None,
) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": info,
        "pages": pages,
        "seed": args.seed,
        "settings": {**BENCH_SETTINGS, **extra},
        "runs": [{**asdict(run), "pages_per_second": run.pages_per_second} for run in runs],
        "ratios": summary,
        "warc": warc,
        "repeat": getattr(args, "repeat", None),
        "complete": complete,
        "profile": profile,
    }
    output.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def parse_setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not NAME=VALUE with a Scrapy setting name, e.g. CONCURRENT_REQUESTS=32"
        )
    return name, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages (default 2000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the site's seed")
    parser.add_argument("--workers", type=int, help="pass -s ARCHIVE_WORKERS=N to the real crawl")
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        metavar="N",
        help=f"run the crawl N times with WARC capture off and N times on, alternately "
        f"(default {DEFAULT_REPEAT})",
    )
    parser.add_argument(
        "-s",
        "--extra-setting",
        type=parse_setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting for the real crawl (repeatable)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="then run the crawl once more under cProfile"
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help=f"only the real crawl, at {MEMORY_SIZES[0]:,} and {MEMORY_SIZES[1]:,} pages: "
        "peak memory and its growth",
    )
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    extra = dict(args.extra_setting)
    if args.workers is not None:
        extra["ARCHIVE_WORKERS"] = str(args.workers)
    try:
        return memory(args, extra) if args.memory else throughput(args, extra)
    except BenchmarkFailed as error:
        print(f"\nError: {error}; the end of its log:\n{error.log[-4000:]}", file=sys.stderr)
        return 1


def _run_of(name: str, pages: int, log: str, sampled: Sampled, details: dict[str, Any]) -> Run:
    return Run(
        name=name,
        pages=pages,
        seconds=scrapy_stat(log, "elapsed_time_seconds"),
        wall_seconds=sampled.wall_seconds,
        cpu_seconds=sampled.cpu_seconds,
        cpu_seconds_main=sampled.cpu_seconds_main if sampled.processes > 1 else None,
        peak_rss_main=sampled.peak_rss_main,
        peak_rss_total=sampled.peak_rss_total,
        processes=sampled.processes,
        server_cpu_seconds=sampled.server_cpu_seconds,
        details=details,
    )


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
