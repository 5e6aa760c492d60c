"""Shared helpers: run a real `scrapy crawl news` process against the local test site."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.localsite import serve_site, sites_toml

REPO = Path(__file__).resolve().parent.parent
# Fast and deterministic for a local site; everything else is the shipped configuration.
TEST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "0",
    "DOWNLOAD_TIMEOUT": "2",
    "LOG_LEVEL": "INFO",
}


@dataclass
class CrawlRun:
    returncode: int
    log: str
    requested: list[str]
    db_path: Path

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of the crawl's archive, as dicts."""
        connection = sqlite3.connect(self.db_path)
        connection.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in connection.execute(sql, params)]
        finally:
            connection.close()

    def stat(self, name: str) -> int:
        """A counter from the closing stats dump, 0 when absent."""
        match = re.search(rf"'{re.escape(name)}': (\d+)", self.log)
        return int(match.group(1)) if match else 0


def crawl_command(sites_file: Path, db_path: Path, *args: str, **settings: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "news", *args]
    for name, value in {
        **TEST_SETTINGS,
        "ARCHIVE_SITES": str(sites_file),
        "ARCHIVE_DB": str(db_path),
        **settings,
    }.items():
        command += ["-s", f"{name}={value}"]
    return command


CRAWL_ENV = {**os.environ, "PYTHONPATH": str(REPO)}
# The capabilities that let root ignore file permissions.
PERMISSION_OVERRIDES = "-dac_override,-dac_read_search,-fowner"


def as_unprivileged(command: list[str]) -> list[str]:
    """`command` run so that file permissions apply to it: as is for a user, and for root
    without the capabilities that override them (setpriv); skips the test where neither."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    return [
        "setpriv",
        f"--inh-caps={PERMISSION_OVERRIDES}",
        f"--bounding-set={PERMISSION_OVERRIDES}",
        *command,
    ]


def run_crawl(
    sites_file: Path, db_path: Path, *args: str, requested: list[str] | None = None, **settings: str
) -> CrawlRun:
    process = run_process(crawl_command(sites_file, db_path, *args, **settings))
    return CrawlRun(process.returncode, process.stderr, list(requested or []), db_path)


def run_process(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """A command (a crawl, maybe wrapped) run from the project's folder, its output kept."""
    return subprocess.run(
        command,
        **{
            "cwd": REPO,
            "env": CRAWL_ENV,
            "capture_output": True,
            "text": True,
            "timeout": 120,
            "check": False,
            **options,
        },
    )


def start_crawl(sites_file: Path, db_path: Path, log: Path, **settings: str) -> subprocess.Popen:
    """A crawl running in the background, its log written to `log`."""
    with log.open("w") as output:
        return subprocess.Popen(
            crawl_command(sites_file, db_path, **settings),
            cwd=REPO,
            env=CRAWL_ENV,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture(scope="session")
def local_site() -> Iterator[tuple[str, list[str]]]:
    with serve_site() as served:
        yield served


@pytest.fixture(scope="session")
def crawled(
    local_site: tuple[str, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> CrawlRun:
    """One full crawl of the local site (feeds, sitemaps and start pages) into a new archive."""
    base, requested = local_site
    folder = tmp_path_factory.mktemp("crawl")
    sites_file = folder / "sites.toml"
    sites_file.write_text(sites_toml(base))
    requested.clear()
    run = run_crawl(sites_file, folder / "archive.db")
    run.requested = list(requested)
    return run
