"""Crawls that are stopped: kill -9 at random moments, SIGTERM, and a reader (Datasette) on
the archive while a crawl writes. The archive must stay whole, and the next run must finish
the job as if nothing had happened."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from captures.reading import read_response, warc_path
from crawler.outcome import ExitStatus
from tests.conftest import run_crawl, start_crawl
from tests.manysite import article_page, many_sites_toml, serve_many

PAGES = 120
# Slow enough that a crawl of PAGES lasts several seconds (PAGES / 4 connections x delay),
# however fast extraction is, so that a kill or a signal lands mid-crawl.
PAGE_DELAY = 0.25
# A generous timeout: these tests are about interruptions, not slow servers.
FAST = {
    "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
    "ARCHIVE_COMMIT_SECONDS": "0.5",
    "DOWNLOAD_TIMEOUT": "15",
}
COMPARED = "url, site, title, text, authors, published_at, language, word_count, content_hash"


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as connection:
        return connection.execute(sql).fetchall()


def assert_whole(db_path: Path) -> None:
    """The file passes SQLite's own check, the search index matches, no row is half-written."""
    assert query(db_path, "pragma integrity_check") == [("ok",)]
    query(db_path, "insert into articles_fts(articles_fts) values ('integrity-check')")
    assert query(db_path, "select count(*) from articles where title is null or text = ''") == [
        (0,)
    ]


def warc_contents(folder: Path) -> dict[str, str]:
    """Each WARC file under folder/warc by name, with the SHA-256 of its bytes."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((folder / "warc").glob("*.warc.gz"))
    }


def assert_captures_readable(db_path: Path) -> int:
    """No captures row points past what was written: each record reads back, digest checked
    (a record a kill cut short has no row: rows are committed after the write). How many."""
    captures = query(db_path, "select warc_file, offset, length, payload_digest from captures")
    for warc_file, offset, length, digest in captures:
        read_response(warc_path(db_path, warc_file), offset, length, expected_digest=digest)
    dangling = "select count(*) from articles where capture_id not in (select id from captures)"
    assert query(db_path, dangling) == [(0,)]
    return len(captures)


def children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def test_kill_9_at_random_moments_then_resume_equals_an_uninterrupted_crawl(
    tmp_path: Path,
) -> None:
    moments = random.Random(20261128)
    with serve_many(PAGES, delay=PAGE_DELAY) as base:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(many_sites_toml(base))
        # Two connections: about 8 pages a second, so three kills within 4 s of each start
        # leave work for the resumed run, however fast extraction is.
        slow = {**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}
        reference = run_crawl(sites_file, tmp_path / "reference.db", **slow)
        assert reference.returncode == 0, reference.log[-3000:]

        killed = tmp_path / "killed.db"
        for attempt in range(3):
            process = start_crawl(sites_file, killed, tmp_path / f"kill-{attempt}.log", **slow)
            time.sleep(moments.uniform(1.5, 4.0))
            workers = children_of(process.pid)
            process.kill()
            process.wait(timeout=30)
            # Orphaned workers notice their parent is gone and leave.
            deadline = time.monotonic() + 15
            while any(Path(f"/proc/{pid}").exists() for pid in workers):
                assert time.monotonic() < deadline, "worker processes outlived a killed crawl"
                time.sleep(0.2)
            assert_whole(killed)
        archived_before_resume = query(killed, "select count(*) from articles")[0][0]
        written_before_resume = warc_contents(tmp_path)
        assert_captures_readable(killed)
        resumed = run_crawl(sites_file, killed, **slow)
        assert resumed.returncode == 0, resumed.log[-3000:]

    assert_whole(killed)
    # The pages as fetched: what the killed runs wrote is never rewritten; the resumed run
    # wrote files of its own, which the field's checker reads whole.
    assert assert_captures_readable(killed) >= PAGES
    written_after = warc_contents(tmp_path)
    assert {name: written_after[name] for name in written_before_resume} == written_before_resume
    new_files = set(written_after) - set(written_before_resume)
    last_crawl = query(killed, "select max(id) from crawls")[0][0]
    resumed_files = {
        row[0]
        for row in query(killed, f"select warc_file from captures where crawl_id = {last_crawl}")
    }
    assert resumed_files
    assert {Path(name).name for name in resumed_files} <= new_files
    checked = subprocess.run(
        [
            str(Path(sys.executable).parent / "warcio"),
            "check",
            *(str(tmp_path / "warc" / name) for name in sorted(new_files)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout[-2000:]
    assert archived_before_resume < PAGES, "the kills came too late to test anything"
    expected = query(reference.db_path, f"select {COMPARED} from articles order by url")
    assert len(expected) == PAGES
    assert query(killed, f"select {COMPARED} from articles order by url") == expected
    # Every run left its crawls row; only the last one finished.
    reasons = [row[0] for row in query(killed, "select finish_reason from crawls order by id")]
    assert reasons == [None, None, None, "finished"]


def test_sigterm_stops_the_crawl_cleanly_and_commits_what_was_extracted(tmp_path: Path) -> None:
    with serve_many(PAGES, delay=PAGE_DELAY) as base:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(many_sites_toml(base))
        db_path = tmp_path / "archive.db"
        log = tmp_path / "crawl.log"
        process = start_crawl(sites_file, db_path, log, **FAST)
        wait_for_rows(db_path, "articles", process)
        process.send_signal(signal.SIGTERM)
        # Stopped before it finished: exit status 5, so a scheduler knows the run is partial.
        assert process.wait(timeout=60) == ExitStatus.INTERRUPTED
    output = log.read_text()
    assert "shutting down gracefully" in output
    assert_whole(db_path)
    archived = query(db_path, "select count(*) from articles")[0][0]
    assert 0 < archived < PAGES
    # What the crawl says it archived is exactly what the archive holds.
    assert f"'archive/inserted': {archived}," in output
    assert query(db_path, "select finish_reason, finished_at is not null from crawls") == [
        ("shutdown", 1)
    ]
    counted = query(db_path, "select archived, fetched from crawl_sites")[0]
    assert counted[0] == archived


def test_datasette_reads_the_archive_while_a_crawl_writes_to_it(tmp_path: Path) -> None:
    with serve_many(PAGES, delay=PAGE_DELAY) as base:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(many_sites_toml(base))
        db_path = tmp_path / "archive.db"
        process = start_crawl(sites_file, db_path, tmp_path / "crawl.log", **FAST)
        wait_for_rows(db_path, "crawls", process)
        counts = asyncio.run(read_while_running(db_path, process))
        assert process.wait(timeout=60) == 0
    assert counts == sorted(counts)
    assert len(set(counts)) >= 2, f"no write happened between reads: {counts}"
    assert counts[-1] <= PAGES


async def read_while_running(db_path: Path, process: subprocess.Popen) -> list[int]:
    datasette = Datasette([str(db_path)])
    counts = []
    while process.poll() is None:
        response = await datasette.client.get(
            "/archive.json?sql=select+count(*)+as+n+from+articles&_shape=array"
        )
        assert response.status_code == 200, response.text
        counts.append(response.json()[0]["n"])
        page = await datasette.client.get("/archive/articles.json?_size=5&_sort_desc=fetched_at")
        assert page.status_code == 200, page.text
        await asyncio.sleep(0.1)
    return counts


def wait_for_rows(
    db_path: Path, table: str, process: subprocess.Popen, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended before the test could act"
        try:
            if query(db_path, f"select count(*) from {table}")[0][0] > 0:
                return
        except sqlite3.OperationalError:
            pass  # not created yet
        time.sleep(0.1)
    pytest.fail(f"no {table} rows after {timeout} s")


if os.name != "posix":  # pragma: no cover
    pytest.skip("signals and /proc are POSIX", allow_module_level=True)


def test_a_page_too_slow_to_extract_becomes_a_failure_and_the_crawl_goes_on(
    tmp_path: Path,
) -> None:
    # Six megabytes of prose: over a second of extraction, far past the limit set below,
    # while each ordinary page takes a few tens of milliseconds.
    huge = article_page(0).replace(b"</article>", article_page(1) * 2000 + b"</article>")
    with serve_many(10, extra_pages={"/news/huge-story.html": huge}) as base:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(many_sites_toml(base))
        run = run_crawl(
            sites_file, tmp_path / "archive.db", ARCHIVE_WORKER_TIMEOUT="0.4", ARCHIVE_WORKERS="1"
        )
    assert run.returncode == 0, run.log[-3000:]
    failures = query(run.db_path, "select url, stage, reason from failures")
    assert failures == [
        (
            f"{base}/news/huge-story.html",
            "extract",
            "gave up after 0.4 s (the limit is the ARCHIVE_WORKER_TIMEOUT setting); the page is "
            "too large or too complex to extract",
        )
    ]
    # The one worker was replaced, and went on with the other pages.
    assert query(run.db_path, "select count(*) from articles") == [(10,)]
