"""`scrapy crawl`, with Morgue's start-up checks: a broken sites file, an unknown -a site=
name or an archive that cannot be written stops the run at once with a one-line message and
exit status 2, instead of a traceback (or a half-started crawl)."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.sites import SitesConfigError, load_sites, select_sites
from pipelines.store import ArchiveUnavailable, open_archive

USAGE_ERROR = 2


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args and args[0] == "news":
            assert self.settings is not None
            try:
                select_sites(load_sites(self.settings["ARCHIVE_SITES"]), opts.spargs.get("site"))
                open_archive(self.settings["ARCHIVE_DB"]).close()
            except (SitesConfigError, ArchiveUnavailable) as error:
                print(f"Error: {error}", file=sys.stderr)
                self.exitcode = USAGE_ERROR
                return
        super().run(args, opts)
