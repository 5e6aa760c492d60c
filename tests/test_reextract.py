"""`scrapy reextract`, run for real over an archive a real crawl wrote, with one cleanup rule
changed between the crawl and the re-extraction (in every process, by a sitecustomize)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from archive.lock import lock_archive
from archive.status import FetchStatus
from captures.reading import read_response, warc_path
from captures.reextract import (
    CapturedArticle,
    ReextractError,
    changed_fields,
    lead_of,
    parse_since,
)
from captures.responses import response_of
from crawler.items import Article
from crawler.outcome import ExitStatus
from crawler.sites import load_sites
from crawler.spiders.news import article_of_page
from extraction.body import cleanup
from extraction.page import ExtractionError
from extraction.run import extract_article
from tests.conftest import CRAWL_ENV, REPO, CrawlRun, run_process

# The rule changed: credit lines ("Photo: ...", "Prepared by: ...") are no longer removed.
PATCH = "import extraction.body.cleanup as cleanup\ncleanup.is_credit_line = lambda line: False\n"
COMPARED = "url, title, text, authors, published_at, modified_at, content_hash"


def reextract_command(archive: Path, *args: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "reextract", *args]
    for name, value in {
        "ARCHIVE_DB": str(archive),
        "ARCHIVE_SITES": str(archive.parent / "sites.toml"),
    }.items():
        command += ["-s", f"{name}={value}"]
    return command


def reextract(archive: Path, *args: str, patch: Path | None = None) -> Any:
    env = dict(CRAWL_ENV)
    if patch is not None:
        env["PYTHONPATH"] = f"{patch}:{REPO}"
    return run_process(reextract_command(archive, *args), env=env)


def rows(archive: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(archive)) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture
def archive(crawled: CrawlRun, tmp_path: Path) -> Path:
    """A copy of the crawled archive with its WARC files (paths in it are relative)."""
    source = crawled.db_path.parent
    shutil.copy(source / "archive.db", tmp_path / "archive.db")
    shutil.copy(source / "sites.toml", tmp_path / "sites.toml")
    shutil.copytree(source / "warc", tmp_path / "warc")
    return tmp_path / "archive.db"


@pytest.fixture
def patch(tmp_path: Path) -> Path:
    folder = tmp_path / "patch"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(PATCH)
    return folder


def extracted(page: Article, url: str) -> tuple[Any, ...] | None:
    try:
        result = extract_article(page.html, url, hint_authors=page.hint_authors)
    except ExtractionError:
        return None
    return (result.title, result.text, result.authors)


def affected_by_the_patch(archive: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The articles whose extraction the patched rule changes, worked out in this process."""
    sites = load_sites(str(archive.parent / "sites.toml"))
    found = rows(
        archive,
        "select articles.url, articles.site, warc_file, offset, length, payload_digest,"
        " captures.fetched_at, hints from articles join captures on"
        " captures.id = articles.capture_id",
    )
    affected = set()
    for row in found:
        captured = CapturedArticle(*row)
        stored = read_response(
            warc_path(archive, captured.warc_file), captured.offset, captured.length
        )
        site = sites[captured.site]
        page = article_of_page(
            response_of(stored), site, lead_of(captured), fetched_at=captured.fetched_at
        )

        before = extracted(page, captured.url)
        with monkeypatch.context() as patched:
            patched.setattr(cleanup, "is_credit_line", lambda line: False)
            after = extracted(page, captured.url)
        if before != after:
            affected.add(captured.url)
    return affected


def test_right_after_a_crawl_nothing_changes(archive: Path) -> None:
    before = rows(archive, f"select {COMPARED} from articles order by url")
    result = reextract(archive)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"changed 0, {len(before)} unchanged" in result.stdout
    assert rows(archive, f"select {COMPARED} from articles order by url") == before
    assert rows(archive, "select count(*) from article_versions") == [(0,)]


def test_a_changed_rule_updates_exactly_the_affected_articles_once(
    archive: Path, patch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    affected = affected_by_the_patch(archive, monkeypatch)
    assert affected, "the test site has pages with credit lines"
    total = rows(archive, "select count(*) from articles")[0][0]
    assert len(affected) < total, "the rule must leave some articles alone"
    before = {row[0]: row for row in rows(archive, f"select {COMPARED} from articles")}

    result = reextract(archive, patch=patch)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"changed {len(affected)}," in result.stdout
    after = {row[0]: row for row in rows(archive, f"select {COMPARED} from articles")}
    assert {url for url in after if after[url] != before[url]} == affected
    versions = rows(archive, "select url, text, reason, changed from article_versions")
    assert {row[0] for row in versions} == affected
    for url, old_text, reason, changed in versions:
        assert old_text == before[url][2]  # the version kept is the one replaced
        assert reason == "re-extracted"
        assert "text" in json.loads(changed)

    again = reextract(archive, patch=patch)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"changed 0, {total} unchanged" in again.stdout
    assert rows(archive, f"select {COMPARED} from articles order by url") == sorted(after.values())
    assert len(rows(archive, "select * from article_versions")) == len(affected)

    # Today's rule back: the articles are as the crawl made them.
    restored = reextract(archive)
    assert f"changed {len(affected)}," in restored.stdout
    assert {row[0]: row for row in rows(archive, f"select {COMPARED} from articles")} == before


def test_a_dry_run_says_what_would_change_and_writes_nothing(archive: Path, patch: Path) -> None:
    before = archive.read_bytes()
    result = reextract(archive, "-a", "dry_run=1", patch=patch)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "would change" in result.stdout
    assert "texts" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert " → " in result.stdout  # an example, old and new
    assert archive.read_bytes() == before


def test_it_is_refused_while_a_crawl_writes(archive: Path) -> None:
    with lock_archive(archive):
        result = reextract(archive)
    assert result.returncode == ExitStatus.CONFIG
    assert "another crawl" in result.stderr
    assert rows(archive, "select count(*) from article_versions") == [(0,)]


def test_a_missing_warc_file_leaves_failures_and_the_articles_as_they_were(
    archive: Path, patch: Path
) -> None:
    before = rows(archive, f"select {COMPARED} from articles order by url")
    for path in (archive.parent / "warc").glob("*.warc.gz"):
        path.unlink()
    result = reextract(archive, patch=patch)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "capture unreadable" in result.stdout
    assert rows(archive, f"select {COMPARED} from articles order by url") == before
    failures = rows(archive, "select stage, reason from failures where stage = 'reextract'")
    assert len(failures) == len(before)
    assert all("missing file" in reason for _stage, reason in failures)


def test_options_choose_the_pages_and_bad_ones_stop_it(archive: Path, patch: Path) -> None:
    later = reextract(archive, "-a", "since=2999-01-01", patch=patch)
    assert "Re-extracted 0 archived pages" in later.stdout
    other = reextract(archive, "-a", "site=courier", "-a", "since=2000-01-01", patch=patch)
    assert "changed 0" not in other.stdout
    for args, message in (
        (("-a", "site=nosuch"), "no site named 'nosuch'"),
        (("-a", "since=June"), "since must be a day written YYYY-MM-DD"),
        (("-a", "colour=blue"), "unknown argument 'colour'"),
    ):
        result = reextract(archive, *args)
        assert result.returncode == ExitStatus.CONFIG, args
        assert message in result.stderr


def test_no_archive_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sites.toml").write_text("")
    result = reextract(tmp_path / "none.db")
    assert result.returncode == ExitStatus.CONFIG
    assert "no archive at" in result.stderr


def test_changed_fields_compare_stored_json_lists_as_lists() -> None:
    old = {"title": "A", "authors": '["Ann Lee"]', "tags": "[]", "text": "x"}
    assert changed_fields(old, {**old, "authors": ["Ann Lee"], "tags": []}) == []
    assert changed_fields(old, {**old, "authors": ["Bo Chen"], "tags": []}) == ["authors"]


def test_since_is_a_day() -> None:
    assert parse_since("2024-06-01") == "2024-06-01T00:00:00Z"
    assert parse_since(None) is None
    with pytest.raises(ReextractError):
        parse_since("01/06/2024")


def test_a_terminal_gets_a_progress_bar_and_a_log_gets_lines(archive: Path) -> None:
    controller, terminal = pty.openpty()
    with subprocess.Popen(
        reextract_command(archive, "-a", "dry_run=1"),
        cwd=REPO,
        env=CRAWL_ENV,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    ) as process:
        os.close(terminal)
        shown = read_terminal(controller)
        assert process.wait(timeout=120) == 0
    os.close(controller)
    assert "page/s" in shown or "s/page" in shown  # tqdm's rate
    assert "100%|" in shown
    # Not a terminal: log lines, no bar drawn with carriage returns.
    logged = reextract(archive, "-a", "dry_run=1")
    assert "%|" not in logged.stderr
    assert "\r" not in logged.stderr
    assert re.search(r"INFO: Re-extracted \d+ pages", logged.stderr)


def read_terminal(controller: int) -> str:
    """All a process writes to its terminal, until it closes it."""
    chunks = []
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_page_the_crawl_could_not_archive_is_archived_once_todays_rules_can(
    archive: Path,
) -> None:
    """The test site's festival video page has 8 words of prose: under ARCHIVE_MIN_WORDS=15 the
    crawl kept the page as fetched but archived nothing. With the rule at 5, it is archived."""
    page = "%/watch-festival-fireworks.html"
    assert rows(archive, f"select count(*) from articles where url like '{page}'") == [(0,)]
    before = archive.read_bytes()
    dry = reextract(archive, "-a", "dry_run=1", "-s", "ARCHIVE_MIN_WORDS=5")
    assert "1 pages the crawl could not archive would be archived now." in dry.stdout
    assert archive.read_bytes() == before

    done = reextract(archive, "-s", "ARCHIVE_MIN_WORDS=5")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 pages the crawl could not archive are archived now." in done.stdout
    [(url, capture_url, status)] = rows(
        archive,
        "select articles.url, captures.url, seen_urls.status from articles"
        " join captures on captures.id = articles.capture_id"
        f" join seen_urls on seen_urls.url = articles.url where articles.url like '{page}'",
    )
    assert url == capture_url
    assert status == FetchStatus.INSERTED
    # Once archived, it is an article like the others: nothing new the second time.
    again = reextract(archive, "-s", "ARCHIVE_MIN_WORDS=5")
    assert "could not archive are archived now" not in again.stdout
    assert rows(archive, f"select count(*) from articles where url like '{page}'") == [(1,)]
    # With the rule as shipped, the page stays: nothing is ever taken out of the archive.
    shipped = reextract(archive)
    assert "rejected by today's extraction" in shipped.stdout
    assert rows(archive, f"select count(*) from articles where url like '{page}'") == [(1,)]
