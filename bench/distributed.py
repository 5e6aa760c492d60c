"""Distributed crawl benchmark: pages/s of one process, and of a coordinator with 1 and 2
workers on this machine, sharing a real Valkey server; what the server carries per article;
and how fast the coordinator stores, so how many workers one archive can take.

    make bench-distributed                    # 1,000 pages
    python -m bench.distributed --pages 300   # a quick look
    python -m bench.distributed --workers 1,2,4

The site is bench/sitegen.py's (gzip-compressed article pages of about 100 KB, served by a
thread of this process), crawled with bench/crawl.py's settings (no delay, 16 requests at once
per site); each distributed run has a new archive and an emptied server. All processes share
this machine's cores, so the gain from workers here is bounded by them: on separate machines
each worker brings its own. What does not depend on that is the coordinator's store rate:
the time its store stage spent storing what came back (WARC records appended, SQLite rows,
commits), against the number of results; a worker machine fetching and extracting at the
one-process rate, one archive can take about store rate / one-process rate of them.

Prints a table and writes it as JSON to bench/results/distributed-<pages>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from bench.crawl import (
    BENCH_SETTINGS,
    DEFAULT_SEED,
    REPO,
    RESULTS,
    BenchmarkFailed,
    machine,
    run_crawl,
    run_sampled,
    scrapy_stat,
    settings_arguments,
    write_sites_file,
)
from bench.sitegen import GeneratedSite, serve_generated_site
from distributed.connection import RunKeys, open_redis
from distributed.run_state import RunState
from tests.redis_server import running_valkey

JOIN_TIMEOUT = 60.0
WORKER_EXIT_TIMEOUT = 120.0


@dataclass
class DistributedRun:
    name: str
    workers: int
    archived: int
    seconds: float
    wall_seconds: float
    # Per worker: the pages it leased (fetched and extracted).
    worker_pages: list[int]
    coordinator_pages: int
    redis_commands: int
    redis_bytes: int
    stored: int
    store_seconds: float
    store_cpu_seconds: float
    result_bytes: int

    @property
    def pages_per_second(self) -> float:
        return self.archived / self.seconds if self.seconds else 0.0

    @property
    def store_rate(self) -> float:
        """Results stored per second of the coordinator's time storing them."""
        return self.stored / self.store_seconds if self.store_seconds else 0.0

    @property
    def store_cpu_rate(self) -> float:
        """Results stored per second of CPU (of the coordinator's main thread) spent on it."""
        return self.stored / self.store_cpu_seconds if self.store_cpu_seconds else 0.0


def server_totals(client: redis.Redis) -> tuple[int, int]:
    """Commands the server processed, and bytes in and out, since its stats were reset."""
    stats = client.info("stats")
    return (
        int(stats["total_commands_processed"]),
        int(stats["total_net_input_bytes"]) + int(stats["total_net_output_bytes"]),
    )


def start_worker(folder: Path, site: GeneratedSite, url: str, number: int) -> subprocess.Popen:
    settings = {
        **BENCH_SETTINGS,
        "ARCHIVE_SITES": str(write_sites_file(folder, site.base)),
        # A worker opens no archive: a path that does not exist, checked afterwards.
        "ARCHIVE_DB": str(folder / f"worker-{number}" / "archive.db"),
        "ARCHIVE_REDIS_URL": url,
    }
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-a",
        "role=worker",
        *settings_arguments(settings),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with (folder / f"worker-{number}.log").open("w", encoding="utf-8") as log:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def run_distributed(site: GeneratedSite, folder: Path, url: str, workers: int) -> DistributedRun:
    folder.mkdir(parents=True)
    client = open_redis(url)
    client.flushall()
    run_state = RunState(client, RunKeys.under())
    processes = [start_worker(folder, site, url, number) for number in range(workers)]
    try:
        deadline = time.monotonic() + JOIN_TIMEOUT
        while len(run_state.live_workers(60)) < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise BenchmarkFailed("the workers did not join the run", worker_log(folder, 0))
            time.sleep(0.1)
        client.config_resetstat()
        command = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "news",
            *settings_arguments(
                {
                    **BENCH_SETTINGS,
                    "ARCHIVE_SITES": str(write_sites_file(folder, site.base)),
                    "ARCHIVE_DB": str(folder / "archive.db"),
                    "ARCHIVE_REDIS_URL": url,
                }
            ),
        ]
        log_path = folder / "coordinator.log"
        sampled = run_sampled(command, log_path)
        commands, carried = server_totals(client)
        log = log_path.read_text(encoding="utf-8")
        if sampled.returncode != 0:
            raise BenchmarkFailed(f"the coordinator exited with {sampled.returncode}", log)
        worker_pages = []
        for number, process in enumerate(processes):
            if process.wait(timeout=WORKER_EXIT_TIMEOUT) != 0:
                raise BenchmarkFailed(f"worker {number} failed", worker_log(folder, number))
            if (folder / f"worker-{number}").exists():
                raise BenchmarkFailed(f"worker {number} created an archive", "")
            worker_pages.append(int(scrapy_stat(worker_log(folder, number), "cluster/leased")))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        client.close()
    with sqlite3.connect(folder / "archive.db") as connection:
        archived = connection.execute("select count(*) from articles").fetchone()[0]
    result_bytes = int(scrapy_stat(log, "cluster/shipped_bytes")) + sum(
        int(scrapy_stat(worker_log(folder, number), "cluster/shipped_bytes"))
        for number in range(workers)
    )
    return DistributedRun(
        name=f"coordinator + {workers} worker{'s' if workers != 1 else ''}",
        workers=workers,
        archived=archived,
        seconds=scrapy_stat(log, "elapsed_time_seconds"),
        wall_seconds=sampled.wall_seconds,
        worker_pages=worker_pages,
        coordinator_pages=int(scrapy_stat(log, "cluster/leased")),
        redis_commands=commands,
        redis_bytes=carried,
        stored=int(scrapy_stat(log, "cluster/stored")),
        store_seconds=scrapy_stat(log, "cluster/store_seconds"),
        store_cpu_seconds=scrapy_stat(log, "cluster/store_cpu_seconds"),
        result_bytes=result_bytes,
    )


def worker_log(folder: Path, number: int) -> str:
    path = folder / f"worker-{number}.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="article pages (default 1000)")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="numbers of workers beside the coordinator, comma-separated (default 1,2)",
    )
    args = parser.parse_args(argv)
    counts = [int(count) for count in args.workers.split(",") if count.strip()]
    info = machine()
    print(
        f"Distributed crawl benchmark: {args.pages:,} generated article pages on 127.0.0.1, "
        f"{info['cores_usable']} usable cores ({info['cpu']}), one Valkey server"
    )
    try:
        with (
            serve_generated_site(args.pages, DEFAULT_SEED) as site,
            running_valkey() as server,
            tempfile.TemporaryDirectory(prefix="morgue-bench-distributed-") as temporary,
        ):
            site.render_ahead()
            folder = Path(temporary)
            single = run_crawl(site, folder / "single", {}, name="one process (no server)")
            runs = [
                run_distributed(site, folder / f"workers-{count}", server.url, count)
                for count in counts
            ]
    except BenchmarkFailed as error:
        print(f"\nError: {error}; the end of its log:\n{error.log[-4000:]}", file=sys.stderr)
        return 1
    single_rate = single.pages_per_second
    print(f"\n  {'run':<28}{'archived':>9}{'s':>8}{'pages/s':>9}{'x one':>7}  pages fetched by")
    print(f"  {single.name:<28}{single.pages:>9}{single.seconds:>8.1f}{single_rate:>9.1f}")
    for run in runs:
        shares = ", ".join(
            [f"coordinator {run.coordinator_pages}"]
            + [f"worker {n + 1} {pages}" for n, pages in enumerate(run.worker_pages)]
        )
        print(
            f"  {run.name:<28}{run.archived:>9}{run.seconds:>8.1f}{run.pages_per_second:>9.1f}"
            f"{run.pages_per_second / single_rate if single_rate else 0:>7.2f}  {shares}"
        )
    print(f"\n  {'run':<28}{'commands/article':>17}{'KB/article':>11}{'results KB/article':>19}")
    for run in runs:
        per = max(1, run.archived)
        print(
            f"  {run.name:<28}{run.redis_commands / per:>17.1f}"
            f"{run.redis_bytes / per / 1024:>11.1f}{run.result_bytes / per / 1024:>19.1f}"
        )
    print("\n  the coordinator's store (WARC records appended, rows written, commits):")
    for run in runs:
        print(
            f"  {run.name:<28}{run.store_rate:>8,.0f} articles/s of its time, "
            f"{run.store_cpu_rate:>6,.0f} per CPU second"
        )
    rates = [run.store_rate for run in runs if run.store_rate]
    store_rate = min(rates) if rates else 0.0
    cpu_rates = [run.store_cpu_rate for run in runs if run.store_cpu_rate]
    store_cpu_rate = min(cpu_rates) if cpu_rates else 0.0
    if single_rate:
        print(
            f"  one archive can take about {store_rate / single_rate:,.0f} to "
            f"{store_cpu_rate / single_rate:,.0f} workers that each fetch and extract "
            f"{single_rate:,.1f} pages/s (this machine's one-process rate): the first at the "
            "store's rate measured here, on cores it shares with the workers, the second at "
            "its CPU rate, for a coordinator with a core to itself (slowest runs above)"
        )
    output = RESULTS / f"distributed-{args.pages}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": info,
        "pages": args.pages,
        "settings": BENCH_SETTINGS,
        "single": {**asdict(single), "pages_per_second": single_rate},
        "runs": [
            {
                **asdict(run),
                "pages_per_second": run.pages_per_second,
                "store_rate": run.store_rate,
                "store_cpu_rate": run.store_cpu_rate,
            }
            for run in runs
        ],
        "store_rate": store_rate,
        "store_cpu_rate": store_cpu_rate,
        "workers_per_archive": (
            [store_rate / single_rate, store_cpu_rate / single_rate] if single_rate else None
        ),
    }
    output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"\nResults: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
