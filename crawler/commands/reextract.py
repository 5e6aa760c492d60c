"""`scrapy reextract`: run today's extraction over the pages as fetched (captures/reextract.py).

    scrapy reextract [-a site=NAME[,NAME]] [-a since=YYYY-MM-DD] [-a dry_run=1]

No network. Exit status 0 when it ran (pages it could not read are failures rows), 2 when an
option, the sites file or the archive stops it before it starts (another crawl writing, say).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.utils.conf import arglist_to_dict
from scrapy.utils.log import configure_logging
from sqlite_utils import Database
from tqdm import tqdm

from archive.lock import ArchiveLock, lock_archive
from archive.schema import ArchiveUnavailable, open_archive
from captures.reextract import (
    LogProgress,
    Progress,
    ReextractError,
    Reextraction,
    captured_articles,
    captured_but_not_archived,
    parse_since,
    run_reextract,
    summary_lines,
)
from crawler.outcome import ExitStatus
from crawler.sites import SitesConfigError, load_sites, select_sites
from crawler.workers import PagePool, WorkerSettingError, worker_count

OPTIONS = ("site", "since", "dry_run")
TRUE_WORDS = {"1", "true", "yes", "on"}
# Pages handed to the worker pool at a time, per worker: enough to keep every worker busy.
PAGES_AHEAD_PER_WORKER = 4


def progress_for(total: int) -> Progress:
    """A bar with rate and time left on a terminal; a log line now and then otherwise."""
    if not sys.stderr.isatty():
        return LogProgress(total)
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except OSError:
        columns = 0
    if columns > 0:
        return tqdm(total=total, unit="page", file=sys.stderr, dynamic_ncols=True)
    # A terminal that reports no size (a bare pseudo-terminal) would get no bar at all.
    return tqdm(total=total, unit="page", file=sys.stderr, ncols=80, nrows=24)


def open_read_only(path: str) -> Database:
    """The archive for a dry run: read without taking the writer lock a crawl holds."""
    return Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30))


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[-a site=NAME] [-a since=YYYY-MM-DD] [-a dry_run=1]"

    def short_desc(self) -> str:
        return "Run today's extraction over the archived pages as fetched (no network)"

    def long_desc(self) -> str:
        return (
            "Read every archived article's page as fetched from its WARC record, extract it "
            "again with today's rules, and update the articles whose result changed (their "
            "earlier version goes to article_versions). -a site=NAME[,NAME] limits it to some "
            "sites, -a since=YYYY-MM-DD to pages fetched since that day, -a dry_run=1 only "
            "says what would change."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-a",
            dest="reextract_args",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="site=NAME[,NAME], since=YYYY-MM-DD, dry_run=1",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        try:
            opts.reextract_args = arglist_to_dict(opts.reextract_args)
        except ValueError:
            raise argparse.ArgumentTypeError("-a takes NAME=VALUE, e.g. -a site=courier") from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        settings = self.settings
        configure_logging(settings)
        options: dict[str, str] = opts.reextract_args
        path = settings["ARCHIVE_DB"]
        dry_run = options.get("dry_run", "").strip().lower() in TRUE_WORDS
        lock: ArchiveLock | None = None
        try:
            unknown = sorted(set(options) - set(OPTIONS))
            if args or unknown:
                raise ReextractError(
                    f"unknown argument {(args or unknown)[0]!r}; scrapy reextract takes "
                    "-a site=NAME, -a since=YYYY-MM-DD and -a dry_run=1"
                )
            sites = load_sites(settings["ARCHIVE_SITES"])
            chosen = (
                [site.name for site in select_sites(sites, options["site"])]
                if options.get("site")
                else None
            )
            since = parse_since(options.get("since"))
            workers = worker_count(settings.get("ARCHIVE_WORKERS"))
            if not Path(path).is_file():
                raise ArchiveUnavailable(
                    f"no archive at {path}: run scrapy crawl news first, or choose it with "
                    "-s ARCHIVE_DB=path/to/archive.db"
                )
            if dry_run:
                db = open_read_only(path)
            else:
                lock = lock_archive(path)
                db = open_archive(path)
        except (
            ReextractError,
            SitesConfigError,
            ArchiveUnavailable,
            WorkerSettingError,
        ) as error:
            if lock is not None:
                lock.close()
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = ExitStatus.CONFIG
            return
        pool = (
            PagePool(
                workers,
                timeout=settings.getfloat("ARCHIVE_WORKER_TIMEOUT"),
                max_tasks=settings.getint("ARCHIVE_WORKER_MAX_TASKS"),
            )
            if workers
            else None
        )
        try:
            articles, without_capture = captured_articles(db, chosen, since)
            articles += captured_but_not_archived(db, chosen, since)
            reextraction = Reextraction(
                path,
                sites,
                min_words=settings.getint("ARCHIVE_MIN_WORDS"),
                earliest=date.fromisoformat(settings.get("ARCHIVE_EARLIEST_DATE")),
                pool=pool,
            )
            report = run_reextract(
                db,
                reextraction,
                articles,
                dry_run=dry_run,
                concurrency=max(1, workers) * PAGES_AHEAD_PER_WORKER,
                progress_for=progress_for,
                without_capture=without_capture,
            )
        finally:
            if pool is not None:
                pool.close()
            db.close()
            if lock is not None:
                lock.close()
        for line in summary_lines(report, dry_run=dry_run):
            print(line)
