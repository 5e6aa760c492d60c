"""What a scheduled crawl tells cron: the archive checked before any request, an exit status
for each way a run can go wrong, and a summary on stderr. Real `scrapy crawl news` processes;
then the decisions behind them, on tiny inputs."""

from __future__ import annotations

import resource
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from archive.lock import lock_archive
from archive.schema import open_archive
from crawler.outcome import (
    REASONS_SHOWN,
    CrawlOutcome,
    ExitStatus,
    SiteOutcome,
    crawl_outcome,
    format_summary,
    group_reasons,
    reason_kind,
)
from crawler.sites import parse_site
from tests.conftest import REPO, CrawlRun, as_unprivileged, crawl_command, run_crawl, run_process
from tests.localsite import serve_site, sites_toml
from tests.manysite import many_sites_toml, serve_many


def run_unprivileged(sites_file: Path, db_path: Path) -> subprocess.CompletedProcess[str]:
    return run_process(as_unprivileged(crawl_command(sites_file, db_path)))


def test_a_read_only_archive_stops_the_crawl_before_any_request(tmp_path: Path) -> None:
    with serve_site() as (base, requested):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(sites_toml(base))
        db_path = tmp_path / "archive.db"
        open_archive(db_path).close()
        db_path.chmod(0o444)
        run = run_unprivileged(sites_file, db_path)
    assert run.returncode == ExitStatus.CONFIG
    assert requested == []
    assert (
        f"Error: cannot write to the archive {db_path}: attempt to write a readonly database;"
        in run.stderr
    )
    assert "Traceback" not in run.stderr


def test_a_folder_that_cannot_be_written_stops_the_crawl_before_any_request(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with serve_site() as (base, requested):
            sites_file = tmp_path / "sites.toml"
            sites_file.write_text(sites_toml(base))
            run = run_unprivileged(sites_file, folder / "archive.db")
    finally:
        folder.chmod(0o755)
    assert run.returncode == ExitStatus.CONFIG
    assert requested == []
    assert f"Error: cannot write next to the archive {folder / 'archive.db'}:" in run.stderr
    assert "Permission denied; make" in run.stderr
    assert "Traceback" not in run.stderr


def test_two_crawls_of_one_archive_by_two_paths_do_not_both_run(tmp_path: Path) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text('[sites.x]\nfeeds = ["http://127.0.0.1:1/rss"]\n')
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "archive.db"
    link.symlink_to(tmp_path / "archive.db")
    with lock_archive(tmp_path / "archive.db"):
        run = run_crawl(sites_file, link)
    assert run.returncode == ExitStatus.CONFIG
    assert "Error: another crawl (pid " in run.log


def test_a_good_run_exits_0_with_a_summary_per_site(crawled: CrawlRun) -> None:
    assert crawled.returncode == ExitStatus.OK
    summary = crawled.log[crawled.log.index("Morgue: crawl finished after") :]
    lines = summary.splitlines()
    assert lines[1].split() == [
        "site",
        "found",
        "fetched",
        "archived",
        "updated",
        "unchanged",
        "failed",
    ]
    row = lines[2].split()
    assert row[0] == "courier"
    assert int(row[3]) == crawled.stat("archive/inserted")
    assert int(row[6]) == crawled.stat("failures/fetch") + crawled.stat("failures/extract") + (
        crawled.stat("failures/discover")
    )
    # The commonest reasons (here each happened once: which three are shown depends on the
    # order the pages failed in), each a kind of failure the archive recorded.
    shown = [line.split(" × ", 1)[1] for line in lines if " × " in line]
    assert len(shown) == REASONS_SHOWN
    recorded = {reason_kind(row["reason"]) for row in crawled.rows("select reason from failures")}
    assert set(shown) <= recorded
    assert "Exit status" not in summary


def test_a_site_that_cannot_be_read_at_all_exits_3(tmp_path: Path) -> None:
    with serve_site() as (base, _):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(
            sites_toml(base)
            + "\n[sites.gone]\n"
            + 'feeds = ["http://127.0.0.1:1/feed.xml"]\n'
            + 'start_urls = ["http://127.0.0.1:1/"]\n'
        )
        run = run_crawl(sites_file, tmp_path / "archive.db")
    assert run.returncode == ExitStatus.SITE_UNREADABLE, run.log[-3000:]
    assert "Exit status 3 (site unreadable):" in run.log
    assert (
        "site 'gone' could not be read at all: all 2 of its feeds, sitemaps and start pages"
        " failed" in run.log
    )
    assert "connection failed: " in run.log
    # The other site was archived as usual.
    connection = sqlite3.connect(tmp_path / "archive.db")
    assert connection.execute("select count(*) from articles").fetchone()[0] > 5
    connection.close()


def limit_file_size(size: int) -> None:
    """In the child: files may not grow past `size` bytes (a full disk, for one process).
    Python ignores SIGXFSZ, so a write past it fails with EFBIG instead of killing it."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def test_pages_that_cannot_be_stored_stop_the_crawl_and_exit_4(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    open_archive(db_path).close()  # the schema, written before the limit
    limit = db_path.stat().st_size + 200_000
    with serve_many(200) as base:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(many_sites_toml(base))
        process = run_process(
            crawl_command(sites_file, db_path, ARCHIVE_COMMIT_EVERY="5"),
            preexec_fn=lambda: limit_file_size(limit),
        )
    log = process.stderr
    assert process.returncode == ExitStatus.NOT_STORED, log[-3000:]
    assert "cannot be written any more" in log
    assert "Exit status 4 (not stored):" in log
    assert "could not be stored in the archive (the crawl stopped: archive_" in log
    connection = sqlite3.connect(db_path)
    assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
    archived = connection.execute("select count(*) from articles").fetchone()[0]
    connection.close()
    assert 0 < archived < 200


# --- The decisions ---------------------------------------------------------------------------


SITE = parse_site("courier", {"feeds": ["https://ex.com/feed.xml", "https://ex.com/rss"]})


def outcome(finish_reason: str = "finished", **stats: int) -> CrawlOutcome:
    return crawl_outcome(
        {"finish_reason": finish_reason, "sites/courier/entries_read": 1, **stats}, [SITE]
    )


def test_a_finished_run_whose_sites_were_read_is_ok_even_with_failed_pages() -> None:
    assert outcome(**{"sites/courier/failed": 12}).status is ExitStatus.OK
    assert outcome("closespider_timeout").status is ExitStatus.OK


def test_each_kind_of_trouble_has_its_exit_status() -> None:
    assert outcome(**{"sites/courier/entries_read": 0}).status is ExitStatus.SITE_UNREADABLE
    assert outcome(**{"archive/not_stored": 1}).status is ExitStatus.NOT_STORED
    assert outcome("archive_disk_full").status is ExitStatus.NOT_STORED
    assert outcome("shutdown").status is ExitStatus.INTERRUPTED
    assert outcome("cancelled").status is ExitStatus.FAILED


def test_the_most_serious_trouble_gives_the_status() -> None:
    both = outcome("shutdown", **{"archive/not_stored": 3, "sites/courier/entries_read": 0})
    assert both.status is ExitStatus.NOT_STORED
    # Interrupted before its feeds came back, a site is not called unreadable.
    interrupted = outcome("shutdown", **{"sites/courier/entries_read": 0})
    assert interrupted.status is ExitStatus.INTERRUPTED
    assert not any("could not be read" in problem for problem in interrupted.problems())


def test_failure_reasons_count_together_whatever_their_urls() -> None:
    assert reason_kind("redirect loop: https://a.org/x -> https://a.org/y") == (
        "redirect loop: … -> …"
    )
    grouped = group_reasons(
        [
            ("courier", "HTTP 404"),
            ("courier", "timed out: Getting https://ex.com/a took longer than 2 seconds."),
            ("courier", "timed out: Getting https://ex.com/b took longer than 2 seconds."),
            ("courier", "HTTP 404"),
            ("courier", "HTTP 404"),
        ]
    )
    assert grouped["courier"].most_common() == [
        ("HTTP 404", 3),
        ("timed out: Getting … took longer than 2 seconds.", 2),
    ]


def test_the_summary_says_what_went_wrong() -> None:
    summary = format_summary(
        CrawlOutcome(
            "finished",
            [
                SiteOutcome(
                    "courier",
                    dict.fromkeys(
                        ("discovered", "fetched", "archived", "updated", "unchanged", "failed"), 0
                    ),
                    entries=2,
                    entries_read=0,
                    reasons=Counter({"connection failed: refused": 2}).most_common(),
                )
            ],
            seconds=3,
        ),
        "data/archive.db",
    )
    assert summary.splitlines() == [
        "Morgue: crawl finished after 3 s: 0 articles archived, 0 updated, 0 pages not"
        " archived, into data/archive.db",
        "  site         found    fetched   archived    updated  unchanged     failed",
        "  courier          0          0          0          0          0          0  could not"
        " be read",
        "                 2 × connection failed: refused",
        "Exit status 3 (site unreadable):",
        "  - site 'courier' could not be read at all: all 2 of its feeds, sitemaps and start"
        " pages failed",
    ]


@pytest.mark.parametrize("status", list(ExitStatus))
def test_every_exit_status_is_documented(status: ExitStatus) -> None:
    readme = (REPO / "README.md").read_text()
    assert f"| {status.value} |" in readme
