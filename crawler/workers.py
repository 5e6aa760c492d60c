"""Worker processes for the CPU-bound stages, so the reactor keeps downloading meanwhile.

trafilatura and dateparser take tens of milliseconds of CPU per page, sometimes seconds, and
hold the GIL while they do: run inline, every download waits for them and only one core
works. The extract and dates stages send their pure functions here instead. pebble's pool
gives each call a time limit, replaces a worker that ran past it or crashed, and recycles
workers after a number of pages so that library caches cannot grow for a whole crawl.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from pebble import ProcessExpired, ProcessPool
from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
# What the workers run (the extract and dates stages, and the spider's feed and sitemap
# parsing), imported (and the stages run once, extraction/warmup.py) in the fork server
# rather than in every worker.
PRELOADED_MODULES = (
    "pipelines.extract",
    "pipelines.dates",
    "extraction.warmup",
    "crawler.discovery",
)


class WorkerSettingError(ValueError):
    """ARCHIVE_WORKERS holds something that is not a number of processes."""


class WorkerFailed(RuntimeError):
    """A page's work did not finish in its worker; the message says why."""


class WorkerTimedOut(WorkerFailed):
    pass


class WorkerCrashed(WorkerFailed):
    pass


class PagePool:
    """A pool of worker processes, started when the crawl opens (or on first use)."""

    def __init__(self, workers: int, timeout: float, max_tasks: int) -> None:
        self.workers = workers
        self.timeout = timeout if timeout > 0 else None
        self.max_tasks = max(0, max_tasks)
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()
        # Done when the fork server is ready to fork workers; None until start().
        self.started: Future[None] | None = None

    def start(self) -> None:
        """Get the fork server ready in a thread, and return at once. It imports the stages
        before it forks anything, about a second: the reactor thread must not wait for that,
        or the crawl's first page stops every download meanwhile."""
        with self._lock:
            if self.started is not None:
                return
            started: Future[None] = Future()
            self.started = started
        threading.Thread(
            target=self._start_fork_server, args=(started,), name="fork-server-start", daemon=True
        ).start()

    def _start_fork_server(self, started: Future[None]) -> None:
        try:
            # A process that does nothing, forked once the server is ready: from then on, a
            # worker starts in milliseconds.
            process = forkserver_context().Process(target=ready, name="fork-server-check")
            process.start()
            process.join()
        except BaseException as error:
            with self._lock:
                if self.started is started:
                    self.started = None  # the next page tries again
            started.set_exception(error)
        else:
            started.set_result(None)

    async def run(self, function: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        """function(*args, **kwargs) in a worker; WorkerFailed if it times out or crashes."""
        self.start()
        started = self.started
        if started is not None and not started.done():
            await asyncio.wrap_future(started)
        with self._lock:
            pool = self._started()
        future = pool.schedule(function, args=args, kwargs=kwargs, timeout=self.timeout)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeoutError:
            raise WorkerTimedOut(
                f"gave up after {self.timeout:g} s (the limit is the ARCHIVE_WORKER_TIMEOUT "
                "setting); the page is too large or too complex to extract"
            ) from None
        except ProcessExpired as error:
            raise WorkerCrashed(
                f"the worker process died while on this page (exit code {error.exitcode})"
            ) from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool, self.started = self._pool, None, None
        if pool is not None:
            pool.close()
            pool.join(timeout=30)

    def _started(self) -> ProcessPool:
        """The pool, created if need be; the caller holds self._lock."""
        if self._pool is None:
            # Not forks of this process, which runs a reactor and threads: forks of a clean
            # server process that has imported the stages once, so that starting (or renewing)
            # a worker costs milliseconds, not a second of imports.
            self._pool = ProcessPool(
                max_workers=self.workers, max_tasks=self.max_tasks, context=forkserver_context()
            )
            logger.info("Extracting in %d worker processes", self.workers)
        return self._pool


def forkserver_context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOADED_MODULES))
    return context


def ready() -> None:
    """What the fork server's first child runs: nothing."""


_pools: WeakKeyDictionary[Crawler, PagePool | None] = WeakKeyDictionary()


def pool_for(crawler: Crawler) -> PagePool | None:
    """The crawl's one pool, shared by its stages; None when ARCHIVE_WORKERS is 0 (inline)."""
    if crawler not in _pools:
        settings = crawler.settings
        workers = worker_count(settings.get("ARCHIVE_WORKERS"))
        pool = None
        if workers > 0:
            pool = PagePool(
                workers,
                timeout=settings.getfloat("ARCHIVE_WORKER_TIMEOUT"),
                max_tasks=settings.getint("ARCHIVE_WORKER_MAX_TASKS"),
            )
            crawler.signals.connect(pool.start, signal=signals.spider_opened)
            crawler.signals.connect(pool.close, signal=signals.engine_stopped)
        _pools[crawler] = pool
    return _pools[crawler]


def worker_count(setting: Any) -> int:
    """ARCHIVE_WORKERS: a number, or empty/"auto" for one per core."""
    if setting in (None, "", "auto"):
        return os.cpu_count() or 1
    try:
        count = int(setting)
    except (TypeError, ValueError):
        raise WorkerSettingError(
            f"ARCHIVE_WORKERS must be a whole number of processes (0 to extract inline) or "
            f"'auto', not {setting!r}"
        ) from None
    if count < 0:
        raise WorkerSettingError(f"ARCHIVE_WORKERS must not be negative, not {count}")
    return count
