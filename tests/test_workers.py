"""The worker pool: results come back, a stuck or crashed worker is a clear error and is
replaced, and the setting is checked."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler

from crawler.workers import (
    PagePool,
    WorkerCrashed,
    WorkerSettingError,
    WorkerTimedOut,
    pool_for,
    worker_count,
)


async def run_in(pool: PagePool, *call: object) -> object:
    return await pool.run(*call)  # type: ignore[arg-type]


def test_work_runs_in_another_process_and_survives_a_crash_and_a_timeout() -> None:
    pool = PagePool(workers=1, timeout=1.0, max_tasks=0)
    try:
        assert asyncio.run(run_in(pool, os.getpid)) != os.getpid()
        with pytest.raises(WorkerCrashed, match="died while on this page"):
            asyncio.run(run_in(pool, os._exit, 3))
        with pytest.raises(WorkerTimedOut, match=r"gave up after 1 s .*ARCHIVE_WORKER_TIMEOUT"):
            asyncio.run(run_in(pool, time.sleep, 5))
        assert asyncio.run(run_in(pool, max, 2, 7)) == 7
    finally:
        pool.close()


def test_workers_are_renewed_after_max_tasks() -> None:
    pool = PagePool(workers=1, timeout=0, max_tasks=2)
    try:
        pids = [asyncio.run(run_in(pool, os.getpid)) for _ in range(4)]
    finally:
        pool.close()
    assert pids[0] == pids[1] != pids[2] == pids[3]


@pytest.mark.parametrize(("setting", "expected"), [("0", 0), (3, 3), ("auto", os.cpu_count())])
def test_worker_count(setting: object, expected: int) -> None:
    assert worker_count(setting) == expected


@pytest.mark.parametrize("setting", ["two", "-1"])
def test_a_bad_worker_count_says_what_is_allowed(setting: str) -> None:
    with pytest.raises(WorkerSettingError, match="ARCHIVE_WORKERS must"):
        worker_count(setting)


def dateparser_languages_loaded() -> int:
    from dateparser.languages.loader import default_loader

    return len(default_loader._loaded_languages)


def test_workers_start_with_the_stages_data_loaded() -> None:
    # Forked from the fork server after extraction/warmup.py ran there: no worker loads
    # dateparser's language data on its first page.
    pool = PagePool(workers=1, timeout=10.0, max_tasks=1)
    try:
        assert asyncio.run(run_in(pool, dateparser_languages_loaded)) > 0
        assert asyncio.run(run_in(pool, dateparser_languages_loaded)) > 0  # a renewed worker
    finally:
        pool.close()


def test_the_fork_server_is_made_ready_in_a_thread_when_the_crawl_opens() -> None:
    crawler = get_crawler(settings_dict={"ARCHIVE_WORKERS": 1})
    pool = pool_for(crawler)
    assert pool is not None
    assert pool.started is None
    crawler.signals.send_catch_log(signals.spider_opened, spider=None)
    try:
        assert pool.started is not None
        pool.started.result(timeout=60)  # the server has imported the stages and forked once
        assert asyncio.run(run_in(pool, os.getpid)) != os.getpid()
    finally:
        pool.close()
    assert pool.started is None
