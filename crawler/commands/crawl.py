"""`scrapy crawl`, with Morgue's start-up checks: a broken sites file, an unknown -a site=
name, an archive that cannot be written or that another crawl is writing to stops the run at
once with a one-line message and exit status 2, instead of a traceback (or a half-started
crawl). The archive's crawl lock is held until the crawl ends."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.sites import SitesConfigError, load_sites, select_sites
from pipelines.archive import ArchiveUnavailable, lock_archive, open_archive
from pipelines.workers import WorkerSettingError, worker_count

USAGE_ERROR = 2


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] != "news":
            super().run(args, opts)
            return
        assert self.settings is not None
        try:
            select_sites(load_sites(self.settings["ARCHIVE_SITES"]), opts.spargs.get("site"))
            worker_count(self.settings.get("ARCHIVE_WORKERS"))
            lock = lock_archive(self.settings["ARCHIVE_DB"])
            open_archive(self.settings["ARCHIVE_DB"]).close()
        except (SitesConfigError, ArchiveUnavailable, WorkerSettingError) as error:
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = USAGE_ERROR
            return
        with lock:
            super().run(args, opts)
