"""End to end: a distributed crawl of real `scrapy crawl news` processes (one coordinator that
holds the archive, workers with none) sharing a real Valkey server, against local sites.

Each test starts the workers first and waits until they have joined the run, so that the
coordinator's requests find them ready; every process leases at most CONCURRENT_REQUESTS
requests at a time, so the work is shared out."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from distributed.connection import RunKeys, open_redis
from distributed.run_state import RunState
from tests.conftest import CRAWL_ENV, REPO, CrawlRun, crawl_command, run_crawl
from tests.localsite import (
    HOSTILE_FAULTS,
    HOSTILE_ROOT,
    WALLED_ROOT,
    hostile_sites_toml,
    serve_site,
    sites_toml,
)
from tests.manysite import article_page, many_sites_toml, serve_many
from tests.redis_server import RunningValkey, free_port, start_valkey, valkey
from tests.test_hostile import MAX_SIZE as HOSTILE_MAX_SIZE
from tests.test_hostile import HostileCrawl, hostile
from tests.test_interruptions import assert_captures_readable, assert_whole
from tests.test_politeness import counting_site
from tests.test_politeness import sites_toml as slow_sites_toml

__all__ = ["hostile", "valkey"]  # fixtures: the one-machine hostile crawl, the module's Valkey

# Every process leases two requests at a time, so that no one takes all the work; leases run
# out fast, so that a killed process's requests go round again within the test.
DISTRIBUTED = {
    "CONCURRENT_REQUESTS": "2",
    "ARCHIVE_LEASE_SECONDS": "2",
    "ARCHIVE_WORKER_IDLE_SECONDS": "60",
    # Extraction inline: each process's extraction workers would cost the tests seconds of
    # start-up on a small machine (the first test runs them, as a worker does by default).
    "ARCHIVE_WORKERS": "0",
    "ARCHIVE_COMMIT_SECONDS": "0.5",
}
COMPARED = "url, site, title, text, authors, published_at, language, word_count, content_hash"


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as connection:
        return connection.execute(sql).fetchall()


def stat(log: str, name: str) -> int:
    """A counter from a process's closing stats dump, 0 when absent."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path
    # The ARCHIVE_DB it was given: a worker must never create it.
    db_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def finish(self, timeout: float = 60) -> int:
        return self.process.wait(timeout=timeout)


@contextmanager
def workers(
    sites_file: Path, folder: Path, url: str, count: int = 2, **settings: str
) -> Iterator[list[Worker]]:
    """`count` workers, started and joined to the run before this yields; killed if the test
    leaves them running."""
    started = []
    for number in range(count):
        log_path = folder / f"worker-{number}.log"
        db_path = folder / f"no-archive-{number}" / "archive.db"
        command = crawl_command(
            sites_file,
            db_path,
            "-a",
            "role=worker",
            ARCHIVE_REDIS_URL=url,
            **{**DISTRIBUTED, **settings},
        )
        with log_path.open("w") as output:
            process = subprocess.Popen(
                command, cwd=REPO, env=CRAWL_ENV, stdout=output, stderr=subprocess.STDOUT
            )
        started.append(Worker(process, log_path, db_path))
    try:
        wait_for_workers(url, started)
        yield started
    finally:
        for worker in started:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()


def wait_for_workers(url: str, started: list[Worker], timeout: float = 30) -> None:
    client = open_redis(url)
    run = RunState(client, RunKeys.under())
    deadline = time.monotonic() + timeout
    try:
        while len(run.live_workers(30)) < len(started):
            for worker in started:
                assert worker.process.poll() is None, worker.log[-3000:]
            assert time.monotonic() < deadline, "the workers did not join the run"
            time.sleep(0.1)
    finally:
        client.close()


def coordinator(sites_file: Path, db_path: Path, url: str, **settings: str) -> CrawlRun:
    run = run_crawl(sites_file, db_path, ARCHIVE_REDIS_URL=url, **{**DISTRIBUTED, **settings})
    # Kept beside the archive, for a person reading a failure.
    with (db_path.parent / "coordinator.log").open("a") as log:
        log.write(run.log)
    return run


def start_coordinator(
    sites_file: Path, db_path: Path, log: Path, url: str, **settings: str
) -> subprocess.Popen[bytes]:
    command = crawl_command(
        sites_file, db_path, ARCHIVE_REDIS_URL=url, **{**DISTRIBUTED, **settings}
    )
    with log.open("w") as output:
        return subprocess.Popen(
            command, cwd=REPO, env=CRAWL_ENV, stdout=output, stderr=subprocess.STDOUT
        )


def assert_finished_without_archive(worker: Worker) -> str:
    """The worker exited 0 when the run was over, and left no archive behind."""
    assert worker.finish() == 0, worker.log[-3000:]
    log = worker.log
    assert "Traceback" not in log, log[-3000:]
    assert "'cluster/exit/run_over': 1" in log
    assert not worker.db_path.parent.exists()
    return log


@pytest.fixture
def server(valkey: RunningValkey) -> str:
    """The module's Valkey, emptied for the test; its URL."""
    client = redis.Redis.from_url(valkey.url)
    client.flushall()
    client.close()
    return valkey.url


def test_a_coordinator_and_two_workers_archive_what_one_machine_does(
    crawled: CrawlRun, local_site: tuple[str, list[str]], server: str, tmp_path: Path
) -> None:
    base, requested = local_site
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml(base))
    db_path = tmp_path / "archive.db"
    with workers(sites_file, tmp_path, server, ARCHIVE_WORKERS="1") as started:
        requested.clear()
        run = coordinator(sites_file, db_path, server)
        logs = [assert_finished_without_archive(worker) for worker in started]
    assert run.returncode == 0, run.log[-3000:]
    assert "Traceback" not in run.log
    # The same archive as the crawl on one machine: articles field by field, the failures.
    articles = f"select {COMPARED} from articles order by url"
    assert query(db_path, articles) == query(crawled.db_path, articles)
    # (Other tests crawl the reference archive again: its first crawl is the one compared.)
    failures = "select url, stage, reason from failures where crawl_id = 1 order by url, stage"
    assert query(db_path, failures) == query(crawled.db_path, failures)
    counts = "select * from crawl_sites where crawl_id = 1"
    assert query(db_path, counts) == query(crawled.db_path, counts)
    # Each worker fetched a share, and sent back what it fetched.
    shares = [stat(log, "cluster/leased") for log in logs]
    assert all(share >= 1 for share in shares), shares
    # Each request pushed was leased once: no lease ran out, nothing was fetched twice.
    assert sum(shares) + stat(run.log, "cluster/leased") == stat(run.log, "cluster/pushed")
    # Every page is kept as fetched, in the coordinator's WARC files, whoever fetched it.
    assert (
        assert_captures_readable(db_path)
        == query(crawled.db_path, "select count(*) from captures where crawl_id = 1")[0][0]
    )
    assert query(db_path, "select count(*) from articles where capture_id is null") == [(0,)]
    # No article page was downloaded twice.
    pages = Counter(path for path in requested if path.startswith("/news/"))
    assert pages
    assert max(pages.values()) == 1, pages


PAGES = 40
# Slow enough that the crawl lasts a few seconds, so that a kill lands mid-run.
PAGE_DELAY = 0.2


def stories(db_path: Path) -> list[tuple[str, str]]:
    return query(db_path, "select url, title from articles order by url")


def expected_stories(base: str, count: int) -> list[tuple[str, str]]:
    found = []
    for number in range(count):
        title = re.search(rb"<h1>(.*?)</h1>", article_page(number))
        assert title
        found.append((f"{base}/news/story-{number}.html", title.group(1).decode()))
    return sorted(found)


def holds_a_lease(url: str, pid: int) -> bool:
    client = open_redis(url)
    try:
        holders = client.hvals(RunKeys.under().frontier_holders)
    finally:
        client.close()
    return any(f":{pid}:" in holder and holder.endswith(":worker") for holder in holders)


def test_a_worker_killed_mid_run_loses_nothing(server: str, tmp_path: Path) -> None:
    with serve_many(PAGES, delay=PAGE_DELAY) as base:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(many_sites_toml(base))
        db_path = tmp_path / "archive.db"
        with workers(sites_file, tmp_path, server) as started:
            process = start_coordinator(sites_file, db_path, tmp_path / "coordinator.log", server)
            victim = started[0].process
            deadline = time.monotonic() + 30
            while not holds_a_lease(server, victim.pid):
                assert time.monotonic() < deadline, "the worker never leased a page"
                time.sleep(0.05)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            assert process.wait(timeout=60) == 0
            log = (tmp_path / "coordinator.log").read_text()
            survivor = assert_finished_without_archive(started[1])
    assert_whole(db_path)
    assert stories(db_path) == expected_stories(base, PAGES)
    assert query(db_path, "select count(*) from failures") == [(0,)]
    # The killed worker's leases ran out and went to the others; each page was stored once.
    assert stat(log, "cluster/leases_expired") >= 1
    assert stat(log, "archive/inserted") == PAGES
    assert query(db_path, "select count(*) from article_versions") == [(0,)]
    assert stat(survivor, "cluster/leased") >= 1
    assert_captures_readable(db_path)


def test_a_coordinator_killed_and_restarted_loses_nothing_and_stores_nothing_twice(
    server: str, tmp_path: Path
) -> None:
    with serve_many(PAGES, delay=PAGE_DELAY) as base:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(many_sites_toml(base))
        db_path = tmp_path / "archive.db"
        with workers(sites_file, tmp_path, server) as started:
            first = start_coordinator(sites_file, db_path, tmp_path / "first.log", server)
            deadline = time.monotonic() + 30
            while not query_or_zero(db_path, "select count(*) from articles"):
                assert first.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the coordinator stored nothing"
                time.sleep(0.05)
            first.send_signal(signal.SIGKILL)
            first.wait()
            stored_before = query(db_path, "select count(*) from articles")[0][0]
            second = coordinator(sites_file, db_path, server)
            for worker in started:
                assert_finished_without_archive(worker)
    assert second.returncode == 0, second.log[-3000:]
    assert stored_before < PAGES, "the kill came too late to test anything"
    assert_whole(db_path)
    assert stories(db_path) == expected_stories(base, PAGES)
    assert query(db_path, "select count(*) from failures") == [(0,)]
    # Nothing stored twice: no page counted as revised, every article one insert.
    assert query(db_path, "select count(*) from article_versions") == [(0,)]
    inserted = query(db_path, "select count(*) from seen_urls where status = 'inserted'")
    assert inserted == [(PAGES,)]
    reasons = [row[0] for row in query(db_path, "select finish_reason from crawls order by id")]
    assert reasons == [None, "finished"]
    # The new coordinator went on with the old one's frontier (what the old one had leased
    # went back to the queue at once, without waiting for its leases to run out).
    assert "Going on with the run an earlier coordinator left" in second.log
    assert_captures_readable(db_path)


def query_or_zero(db_path: Path, sql: str) -> int:
    try:
        return int(query(db_path, sql)[0][0])
    except sqlite3.OperationalError:
        return 0  # the archive is not created yet


def test_a_second_distributed_run_fetches_only_what_is_new(server: str, tmp_path: Path) -> None:
    # Served as it is when each page is asked for: pages added between the runs are new.
    extra = {"/news/story-extra.html": article_page(99)}
    with serve_many(20, extra_pages=extra) as base:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(many_sites_toml(base))
        db_path = tmp_path / "archive.db"
        # The coordinator fetches too: alone, it is the smallest distributed crawl.
        first = coordinator(sites_file, db_path, server)
        assert first.returncode == 0, first.log[-3000:]
        assert query(db_path, "select count(*) from articles") == [(21,)]
        for number in range(100, 105):
            extra[f"/news/story-new-{number}.html"] = article_page(number)
        second = coordinator(sites_file, db_path, server)
    assert second.returncode == 0, second.log[-3000:]
    assert query(db_path, "select count(*) from articles") == [(26,)]
    # Only the five new pages went into the frontier (which the first run left empty); the
    # known ones were skipped.
    assert stat(first.log, "cluster/pushed") == 21
    assert stat(second.log, "cluster/pushed") == 5
    assert stat(second.log, "cluster/leased") == 5
    assert stat(second.log, "sites/many/skipped") == 21
    assert stat(second.log, "sites/many/fetched") == 5


def test_a_sites_politeness_holds_across_workers(server: str, tmp_path: Path) -> None:
    pages, limit = 12, 2
    with counting_site(pages) as (base, gauge):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(slow_sites_toml(base))
        db_path = tmp_path / "archive.db"
        # Each process alone would send the site up to its limit: three processes, three
        # times the limit, without the shared budget.
        polite = {"CONCURRENT_REQUESTS": "4", "CONCURRENT_REQUESTS_PER_DOMAIN": str(limit)}
        with workers(sites_file, tmp_path, server, **polite) as started:
            run = coordinator(sites_file, db_path, server, **polite)
            logs = [assert_finished_without_archive(worker) for worker in started]
    assert run.returncode == 0, run.log[-3000:]
    assert query(db_path, "select count(*) from articles") == [(pages,)]
    assert all(stat(log, "cluster/leased") >= 1 for log in logs)
    assert gauge.served >= pages + 2
    assert gauge.most <= limit, f"{gauge.most} requests at once with a limit of {limit}"
    assert gauge.most == limit


def test_a_worker_without_the_shared_server_stops_at_once_saying_what_to_add(
    tmp_path: Path,
) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(many_sites_toml("http://127.0.0.1:9"))
    run = run_crawl(sites_file, tmp_path / "archive.db", "-a", "role=worker")
    assert run.returncode == 2
    assert (
        "Error: -a role=worker needs the server the coordinator uses: add -s "
        "ARCHIVE_REDIS_URL=redis://host:port/db" in run.log
    )
    assert not (tmp_path / "archive.db").exists()


def test_an_unreachable_server_stops_the_crawl_before_it_starts(tmp_path: Path) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(many_sites_toml("http://127.0.0.1:9"))
    url = f"redis://:secret@127.0.0.1:{free_port()}/0"
    run = run_crawl(sites_file, tmp_path / "archive.db", ARCHIVE_REDIS_URL=url)
    assert run.returncode == 2
    assert "Error: cannot reach the Redis/Valkey server at redis://:***@127.0.0.1:" in run.log
    assert "secret" not in run.log
    assert not (tmp_path / "archive.db").exists()


def test_a_worker_with_nothing_to_do_leaves_after_its_idle_time(
    server: str, tmp_path: Path
) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(many_sites_toml("http://127.0.0.1:9"))
    with workers(sites_file, tmp_path, server, count=1, ARCHIVE_WORKER_IDLE_SECONDS="2") as (
        worker,
    ):
        assert worker.finish(timeout=30) == 0, worker.log[-3000:]
    assert "'cluster/exit/idle': 1" in worker.log
    assert "Morgue worker: finished after" in worker.log
    assert "leased 0 pages" in worker.log
    assert not worker.db_path.parent.exists()


def test_a_worker_whose_server_is_gone_gives_up_after_its_idle_time(tmp_path: Path) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(many_sites_toml("http://127.0.0.1:9"))
    own = start_valkey()
    try:
        with workers(sites_file, tmp_path, own.url, count=1, ARCHIVE_WORKER_IDLE_SECONDS="2") as (
            worker,
        ):
            own.stop()
            assert worker.finish(timeout=30) == 1, worker.log[-3000:]
    finally:
        own.stop()
    log = worker.log
    assert "did not answer" in log
    assert "has not answered for" in log
    assert "Morgue worker: redis_unavailable after" in log


def test_the_hostile_site_crawled_by_a_worker_leaves_what_one_machine_leaves(
    hostile: HostileCrawl, server: str, tmp_path: Path
) -> None:
    """Every fault of the hostile site (gzip bomb, 50 MB pages, redirect loops, broken and
    mislabelled pages, impossible dates...) fetched by a worker and sent back through the
    server: the same articles and the same failures rows as the crawl on one machine."""
    limits = {
        "DOWNLOAD_MAXSIZE": str(HOSTILE_MAX_SIZE),
        "DOWNLOAD_WARNSIZE": str(HOSTILE_MAX_SIZE // 2),
        "ARCHIVE_FEED_MAXSIZE": str(HOSTILE_MAX_SIZE),
        "ARCHIVE_SITEMAP_MAXSIZE": str(HOSTILE_MAX_SIZE),
    }
    with (
        serve_site(HOSTILE_ROOT, faults=HOSTILE_FAULTS) as (base, _),
        serve_site(WALLED_ROOT, faults={}) as (walled_base, _),
    ):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(hostile_sites_toml(base, walled_base))
        db_path = tmp_path / "archive.db"
        with workers(sites_file, tmp_path, server, count=1, **limits) as started:
            run = coordinator(sites_file, db_path, server, **limits)
            (log,) = [assert_finished_without_archive(worker) for worker in started]
    assert run.returncode == hostile.run.returncode, run.log[-3000:]
    assert "Traceback" not in run.log
    assert stat(log, "cluster/leased") >= 1

    def same_site(rows: list[tuple[Any, ...]], served_at: str) -> list[tuple[Any, ...]]:
        # Each crawl served the sites on ports of its own.
        return sorted(
            tuple(str(value).replace(served_at, "<site>") for value in row) for row in rows
        )

    # A relative date ("Updated 5 minutes ago") counts back from each crawl's own fetch time:
    # its words are compared, not the moment.
    articles = f"select {COMPARED.replace('published_at', 'published_raw')} from articles"
    failures = "select url, stage, reason from failures where crawl_id = 1"
    for sql in (articles, failures):
        ours = same_site(same_site(query(db_path, sql), base), walled_base)
        theirs = same_site(
            same_site(query(hostile.run.db_path, sql), hostile.base), hostile.walled_base
        )
        assert ours  # the comparison sees rows
        assert ours == theirs
