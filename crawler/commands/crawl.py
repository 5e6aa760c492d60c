"""`scrapy crawl`, with Morgue's start-up checks and its ending.

Before any request: a broken sites file, an unknown -a site= name, a bad setting, or an
archive that cannot be written (a read-only file or folder, a full disk) or that another crawl
is writing to stops the run at once with one line saying what to fix, and exit status 2. The
archive's writer lock is held until the crawl ends. After the crawl: a short summary on
stderr, and an exit status a scheduler can trust (crawler/outcome.py, README "Exit status").

With ARCHIVE_REDIS_URL (a distributed crawl), the shared server must answer before anything
starts too; a worker (`-a role=worker`) neither opens nor locks an archive, and has no store
stage: what it fetches goes to the coordinator (crawler/cluster.py).
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)

from archive.lock import lock_archive
from archive.reads import failure_reasons
from archive.schema import ArchiveUnavailable, open_archive
from crawler.cluster import (
    ROLE_SETTING,
    ClusterSettingError,
    Role,
    check_cluster_settings,
    role_of,
)
from crawler.outcome import ExitStatus, crawl_outcome, format_summary, group_reasons
from crawler.sites import SitesConfigError, load_sites, select_sites
from crawler.workers import WorkerSettingError, worker_count
from distributed.connection import RedisUnavailable, open_redis, redacted

logger = logging.getLogger(__name__)

NETWORK_ERRORS = (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)

LIMIT_SETTINGS = (
    "ARCHIVE_FEED_MAXSIZE",
    "ARCHIVE_SITEMAP_MAXSIZE",
    "ARCHIVE_SITEMAP_DEPTH",
    "ARCHIVE_SITEMAPS_PER_SITE",
    "ARCHIVE_URLS_PER_SITE",
    "ARCHIVE_LISTING_DEPTH",
    "ARCHIVE_MIN_WORDS",
)


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] != "news":
            super().run(args, opts)
            return
        assert self.settings is not None
        assert self.crawler_process is not None
        path = self.settings["ARCHIVE_DB"]
        redis_url = self.settings.get("ARCHIVE_REDIS_URL")
        lock: AbstractContextManager[Any] = nullcontext()
        try:
            role = role_of(opts.spargs.get("role"))
            if role is Role.WORKER and not redis_url:
                raise ClusterSettingError(
                    "-a role=worker needs the server the coordinator uses: add -s "
                    "ARCHIVE_REDIS_URL=redis://host:port/db (README, 'A distributed crawl')"
                )
            sites = select_sites(
                load_sites(self.settings["ARCHIVE_SITES"]), opts.spargs.get("site")
            )
            if not sites:
                raise SitesConfigError(
                    f"{self.settings['ARCHIVE_SITES']}: lists no sites; add one (README, "
                    "'Adding a site'), or point to another file with -s ARCHIVE_SITES=path"
                )
            check_settings(self.settings)
            if redis_url:
                check_cluster_settings(self.settings)
                open_redis(redis_url).close()
                self.settings.set(ROLE_SETTING, str(role), priority="cmdline")
            if role is Role.WORKER:
                # No archive here: no store stage, nothing opened or locked.
                pipelines = dict(self.settings.getdict("ITEM_PIPELINES"))
                pipelines["pipelines.store.StoreStage"] = None
                self.settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
            else:
                lock = lock_archive(path)
                open_archive(path).close()
        except (
            SitesConfigError,
            SettingError,
            ArchiveUnavailable,
            WorkerSettingError,
            ClusterSettingError,
            RedisUnavailable,
            ValueError,
        ) as error:
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = ExitStatus.CONFIG
            return
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(RobotsNetworkErrors())
        with lock:
            crawler = self._create_crawler("news")
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or crawler.stats is None:
            self.exitcode = ExitStatus.FAILED
            return
        stats = crawler.stats.get_stats()
        if role is Role.WORKER:
            print(worker_summary(stats, redacted(redis_url)), file=sys.stderr)
            self.exitcode = worker_status(str(stats.get("finish_reason", "unknown")))
            return
        outcome = crawl_outcome(stats, sites, group_reasons(run_failures(path, stats)))
        print(format_summary(outcome, path), file=sys.stderr)
        self.exitcode = outcome.status


def worker_summary(stats: dict[str, Any], server: str) -> str:
    """What a worker did, in one line: its results went to the coordinator through `server`."""
    shipped = sum(
        int(value) for name, value in stats.items() if name.startswith("cluster/shipped/")
    )
    return (
        f"Morgue worker: {stats.get('finish_reason', 'unknown')} after "
        f"{float(stats.get('elapsed_time_seconds', 0.0)):.0f} s: leased "
        f"{int(stats.get('cluster/leased', 0))} pages, sent {shipped} results to the "
        f"coordinator through {server}"
    )


def worker_status(reason: str) -> ExitStatus:
    """A worker's exit status: 0 when the run is over or it had nothing left to do."""
    if reason == "finished":
        return ExitStatus.OK
    if reason == "shutdown":
        return ExitStatus.INTERRUPTED
    return ExitStatus.FAILED


class SettingError(ValueError):
    """A Morgue setting holds a value it cannot use; the message names it."""


class RobotsNetworkErrors(logging.Filter):
    """Scrapy logs a robots.txt it could not download as an error with a traceback. When the
    network is the reason (a name that does not resolve, a refused connection, a timeout),
    that is a warning of one line: the page's own request fails too, and leaves its row."""

    def filter(self, record: logging.LogRecord) -> bool:
        exception = record.args.get("f_exception") if isinstance(record.args, dict) else None
        if isinstance(exception, NETWORK_ERRORS):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def check_settings(settings: Any) -> None:
    """Morgue's numeric settings, read once here so that a typo stops the run before it starts."""
    worker_count(settings.get("ARCHIVE_WORKERS"))
    for name in LIMIT_SETTINGS:
        try:
            value = settings.getint(name)
        except ValueError:
            value = -1
        if value < 0:
            raise SettingError(
                f"the setting {name} must be a whole number of 0 or more, not "
                f"{settings.get(name)!r} (README, 'Settings')"
            )


def run_failures(path: str, stats: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The failures rows the crawl wrote, for the summary (none when it wrote none)."""
    crawl_id = stats.get("archive/crawl_id")
    if crawl_id is None:
        return []
    try:
        return failure_reasons(path, int(crawl_id))
    except sqlite3.Error as error:
        logger.warning("Could not read the crawl's failures back from %s: %s", path, error)
        return []
