"""Crawl throughput benchmark: how fast `scrapy crawl news` archives a news site, beside
what Scrapy alone can fetch and what plain extraction costs on one core, on the same pages.

    make bench-crawl                          # 2,000 pages
    python -m bench.crawl --pages 500         # a quick look
    python -m bench.crawl --workers 2         # the crawl with -s ARCHIVE_WORKERS=2
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
   checked to hold every page.

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
    return Run(
        name=name,
        pages=sum(run.pages for run in runs),
        seconds=sum(run.seconds for run in runs),
        wall_seconds=sum(run.wall_seconds for run in runs),
        cpu_seconds=sum(run.cpu_seconds for run in runs),
        peak_rss_main=max(run.peak_rss_main for run in runs),
        peak_rss_total=max(run.peak_rss_total for run in runs),
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


def run_crawl(
    site: GeneratedSite, folder: Path, extra: dict[str, str], *, profile_to: Path | None = None
) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "crawl.log"
    sampled = run_sampled(crawl_command(folder, site.base, extra, profile_to=profile_to), log_path)
    log = log_path.read_text(encoding="utf-8")
    if sampled.returncode != 0:
        raise BenchmarkFailed(f"`scrapy crawl news` exited with {sampled.returncode}", log)
    connection = sqlite3.connect(folder / "archive.db")
    archived = connection.execute("select count(*) from articles").fetchone()[0]
    failures = connection.execute(
        "select stage, reason, count(*) from failures group by 1, 2 order by 3 desc"
    ).fetchall()
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
    }
    return _run_of("crawl (scrapy crawl news)", archived, log, sampled, details)


class BenchmarkFailed(RuntimeError):
    """A run did not finish as it must for its numbers to mean anything."""

    def __init__(self, message: str, log: str) -> None:
        super().__init__(message)
        self.log = log


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


def print_crawl_check(crawl: Run, pages: int) -> bool:
    archived = crawl.details["archived"]
    failures = crawl.details["failures"]
    print(f"\n  crawl archived {archived:,} of {pages:,} pages; {failures} failures")
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
        print("  crawl: scrapy crawl news into a new archive ...", flush=True)
        crawl = run_crawl(site, folder / "crawl", extra)
        print("  reference again, after the crawl ...", flush=True)
        after = run_reference(
            args.seed, args.pages, site.base, folder / "after", "  reference, after the crawl"
        )
        reference = combined(REFERENCE, before, after)
        runs = [fetch, before, after, reference, stages, crawl]
        print_runs(runs)
        complete = print_crawl_check(crawl, args.pages)
        summary = ratios(fetch, reference, crawl, cores, stages)
        print()
        for name, value in summary.items():
            print(f"  {name:<50}{value:>8.2f}")
        print(
            f"\n  server CPU s during fetch-only {fetch.server_cpu_seconds:.1f}, "
            f"during crawl {crawl.server_cpu_seconds:.1f} (this process, not in the table)"
        )
        profile = None
        if args.profile:
            profile = profile_crawl(site, folder / "profiled", extra, args.pages)
    output = RESULTS / f"crawl-{args.pages}.json"
    write_results(output, info, args.pages, args, extra, runs, summary, complete, profile)
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
