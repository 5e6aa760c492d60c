"""Hostile and broken input: one crawl of the hostile site (tests/site/hostile/, every page a
fault) and a site whose robots.txt forbids everything, checked case by case in the archive;
then the pure functions behind each decision, on tiny inputs."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadFailedError
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from captures.reading import CaptureUnreadable, Unreadable, read_response, warc_path
from crawler.discovery import read_feed
from crawler.items import DateCandidate
from crawler.middlewares import redirect_loop, utf8_for_a_false_claim
from crawler.outcome import ExitStatus
from crawler.spiders.news import describe_failure
from extraction.dates import DateRejected, choose_date, normalise_published_date
from extraction.page import ExtractionError, parse_page
from extraction.run import extract_article
from tests.conftest import CrawlRun, run_crawl, run_process
from tests.localsite import (
    DEEPER_THAN_THE_PARSER_GOES,
    HOSTILE_FAULTS,
    HOSTILE_ROOT,
    WALLED_ROOT,
    hostile_sites_toml,
    serve_site,
)

# Far below the 50 MB pages and the 64 MB gzip bomb, far above every real page of the site.
MAX_SIZE = 1024 * 1024


@dataclass
class HostileCrawl:
    run: CrawlRun
    base: str
    walled_base: str
    walled_requested: list[str]

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return self.run.rows(sql, params)

    def failure(self, path: str, base: str | None = None) -> tuple[str, str, str]:
        found = self.rows("select * from failures where url = ?", ((base or self.base) + path,))
        assert len(found) == 1, f"{path}: {found}"
        return found[0]["site"], found[0]["stage"], found[0]["reason"]

    def article(self, path: str) -> dict[str, Any]:
        (row,) = self.rows("select * from articles where url = ?", (self.base + path,))
        return row


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    folder = tmp_path_factory.mktemp("hostile")
    with (
        serve_site(HOSTILE_ROOT, faults=HOSTILE_FAULTS) as (base, requested),
        serve_site(WALLED_ROOT, faults={}) as (walled_base, walled_requested),
    ):
        sites_file = folder / "sites.toml"
        sites_file.write_text(hostile_sites_toml(base, walled_base))
        run = run_crawl(
            sites_file,
            folder / "archive.db",
            requested=requested,
            DOWNLOAD_MAXSIZE=str(MAX_SIZE),
            DOWNLOAD_WARNSIZE=str(MAX_SIZE // 2),
            ARCHIVE_FEED_MAXSIZE=str(MAX_SIZE),
            ARCHIVE_SITEMAP_MAXSIZE=str(MAX_SIZE),
        )
        run.requested = list(requested)
        yield HostileCrawl(run, base, walled_base, list(walled_requested))


def test_the_hostile_crawl_finishes_cleanly(hostile: HostileCrawl) -> None:
    # The walled site's robots.txt forbids everything: it could not be read at all, and the
    # exit status says so; the hostile site, every page a fault, was read.
    assert hostile.run.returncode == ExitStatus.SITE_UNREADABLE, hostile.run.log[-3000:]
    assert "site 'walled' could not be read at all" in hostile.run.log
    assert "site 'hostile' could not be read" not in hostile.run.log
    assert "'finish_reason': 'finished'" in hostile.run.log
    assert "Traceback" not in hostile.run.log


# --- Each fault leaves a failures row saying why ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "stage", "reason"),
    [
        pytest.param("/news/gone.html", "fetch", "HTTP 410", id="410"),
        pytest.param("/news/busy.html", "fetch", "HTTP 503 (Retry-After: 120)", id="503"),
        pytest.param(
            "/news/reset.html",
            "fetch",
            "connection failed: ConnectionLost: Connection to the other side was lost in a"
            " non-clean fashion.",
            id="connection-reset",
        ),
        pytest.param(
            "/news/stall-body.html",
            "fetch",
            "timed out: Getting {base}/news/stall-body.html took longer than 2.0 seconds."
            " (the limit is the DOWNLOAD_TIMEOUT setting)",
            id="stall-after-headers",
        ),
        pytest.param(
            "/news/loop-self.html",
            "fetch",
            "redirect loop: {base}/news/loop-self.html -> {base}/news/loop-self.html",
            id="redirect-to-itself",
        ),
        pytest.param(
            # The row names the URL the loop closed on; the reason gives the whole circle.
            "/news/loop-b.html",
            "fetch",
            "redirect loop: {base}/news/loop-a.html -> {base}/news/loop-b.html"
            " -> {base}/news/loop-a.html",
            id="redirect-loop",
        ),
        pytest.param(
            "/news/huge.html",
            "fetch",
            f"too large: the server announced 52428800 bytes, over DOWNLOAD_MAXSIZE ({MAX_SIZE}"
            " bytes)",
            id="50MB-announced",
        ),
        pytest.param(
            "/news/huge-unannounced.html",
            "fetch",
            f"too large: stopped after DOWNLOAD_MAXSIZE ({MAX_SIZE} bytes)",
            id="50MB-unannounced",
        ),
        pytest.param(
            "/news/gzip-bomb.html",
            "fetch",
            # Sizes depend on the zlib build and Scrapy's chunking: only the limit is fixed.
            re.compile(
                r"Ignored response <200 {base}/news/gzip-bomb\.html> because its body \(\d+ B"
                r" compressed, \d+ B decompressed so far\) exceeded DOWNLOAD_MAXSIZE"
                rf" \({MAX_SIZE} B\) during decompression\."
            ),
            id="gzip-bomb",
        ),
        pytest.param(
            "/news/fake-gzip.html",
            "fetch",
            "BadGzipFile: Not a gzipped file (b'<!')",
            id="says-gzip-is-not",
        ),
        pytest.param(
            "/news/binary-no-nul.html",
            "extract",
            "the page could not be parsed as HTML",
            id="binary-without-nul-bytes",
        ),
        pytest.param(
            "/news/deep-nesting.html",
            "extract",
            "the page's HTML is nested deeper than the parser reads (256 levels);"
            " its text would be cut short",
            id="nested-300-deep",
        ),
        pytest.param(
            "/not-a-feed.xml",
            "discover",
            "feed: not a readable RSS or Atom feed: no RSS or Atom elements found",
            id="feed-that-is-html",
        ),
        pytest.param(
            "/sitemap-html.xml",
            "discover",
            "sitemap: not a sitemap: the root element is <html>, not <urlset>",
            id="sitemap-that-is-html",
        ),
        pytest.param(
            "/sitemap-bomb.xml.gz",
            "discover",
            f"sitemap: too large: more than ARCHIVE_SITEMAP_MAXSIZE ({MAX_SIZE} bytes) once"
            " decompressed",
            id="sitemap-gzip-bomb",
        ),
    ],
)
def test_each_fault_leaves_a_failure_row_saying_why(
    hostile: HostileCrawl, path: str, stage: str, reason: str | re.Pattern[str]
) -> None:
    site, found_stage, found_reason = hostile.failure(path)
    assert (site, found_stage) == ("hostile", stage)
    if isinstance(reason, re.Pattern):
        pattern = reason.pattern.replace("{base}", re.escape(hostile.base))
        assert re.fullmatch(pattern, found_reason), found_reason
    else:
        assert found_reason == reason.format(base=hostile.base)
    assert not hostile.rows("select url from articles where url = ?", (hostile.base + path,))


def test_no_fault_is_left_unexplained(hostile: HostileCrawl) -> None:
    """Every fault page is either archived or in the failures table: nothing vanishes."""
    archived = {row["url"] for row in hostile.rows("select url from articles")}
    failed = {row["url"] for row in hostile.rows("select url from failures")}
    for path in HOSTILE_FAULTS:
        url = hostile.base + path
        if path == "/news/loop-a.html":
            url = hostile.base + "/news/loop-b.html"  # where its circle closed
        if path.startswith("/news/"):
            assert url in archived | failed, path
    assert not archived & failed


def test_redirect_loops_are_counted_and_not_followed_round(hostile: HostileCrawl) -> None:
    assert hostile.run.stat("redirect/loops") == 2
    assert hostile.run.requested.count("/news/loop-self.html") == 1
    assert hostile.run.requested.count("/news/loop-a.html") == 1


def test_oversized_responses_are_not_read_to_the_end(hostile: HostileCrawl) -> None:
    """The download limit applies to the body as sent and to the body decompressed."""
    assert hostile.run.stat("downloader/response_bytes") < 5 * MAX_SIZE


# --- Robots.txt, links that are no web pages, odd feeds and sitemaps --------------------------


def test_a_site_whose_robots_txt_forbids_everything_is_not_fetched(hostile: HostileCrawl) -> None:
    assert hostile.walled_requested == ["/robots.txt"]
    for path in ("/", "/feed.xml"):
        assert hostile.failure(path, hostile.walled_base) == (
            "walled",
            "discover",
            "forbidden by robots.txt",
        )
    assert hostile.run.stat("robotstxt/forbidden") == 2


def test_links_that_are_not_web_pages_are_never_requested(hostile: HostileCrawl) -> None:
    requested = " ".join(hostile.run.requested)
    for sign in ("passwd", "javascript", "alert", "mailto", "base64", "tel:", "data:"):
        assert sign not in requested
    # The feed's javascript:, file: and data: entries are counted, not archived as failures.
    assert hostile.run.stat("discover/not_web_links") == 3
    urls = [row["url"] for row in hostile.rows("select url from failures")]
    assert all(url.startswith("http://127.0.0.1:") for url in urls)


def test_a_malformed_feed_still_gives_its_readable_entries(hostile: HostileCrawl) -> None:
    assert hostile.run.stat("discover/feed_entries") == 4
    assert hostile.run.stat("discover/leads_from/feed") == 1
    assert not hostile.rows("select * from failures where url = ?", (hostile.base + "/feed.xml",))


def test_a_malformed_sitemap_still_gives_its_readable_entries(hostile: HostileCrawl) -> None:
    row = hostile.article("/news/from-broken-sitemap.html")
    assert row["title"] == "Ferries found through a broken sitemap"


def test_a_sitemap_index_that_lists_itself_is_read_once(hostile: HostileCrawl) -> None:
    assert hostile.run.requested.count("/sitemap_index.xml") == 1
    assert hostile.run.stat("discover/sitemap_refers_to_itself") == 1


# --- Pages that are archived, with the right text ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "title", "words"),
    [
        pytest.param(
            "/news/cyrillic-declared.html",
            "Городской совет утвердил новый бюджет",
            ["Депутаты решили увеличить расходы", "северном районе города"],
            id="windows-1251-in-meta",
        ),
        pytest.param(
            "/news/cyrillic-undeclared.html",
            "Городской совет утвердил новый бюджет",
            ["Депутаты решили увеличить расходы", "северном районе города"],
            id="windows-1251-undeclared",
        ),
        pytest.param(
            "/news/japanese-declared.html",
            "市議会が新しい予算を承認",
            ["北部地区に新しい図書館", "地方税を引き上げる"],
            id="shift-jis-in-header",
        ),
        pytest.param(
            "/news/japanese-undeclared.html",
            "市議会が新しい予算を承認",
            ["北部地区に新しい図書館", "地方税を引き上げる"],
            id="shift-jis-undeclared",
        ),
        pytest.param(
            "/news/utf16-meta.html",
            "A page that lies about UTF-16",
            ["The harbour commission approved", "six weeks"],
            id="utf-8-claiming-utf-16",
        ),
        pytest.param(
            "/news/utf8-claiming-windows-1251.html",
            "Городской совет утвердил новый бюджет",
            ["Депутаты решили увеличить расходы", "северном районе города"],
            id="utf-8-claiming-windows-1251-in-meta",
        ),
        pytest.param(
            "/news/utf8-claiming-shift-jis.html",
            "市議会が新しい予算を承認",
            ["北部地区に新しい図書館", "地方税を引き上げる"],
            id="utf-8-claiming-shift-jis-in-header",
        ),
    ],
)
def test_legacy_and_mislabelled_charsets_are_archived_as_readable_text(
    hostile: HostileCrawl, path: str, title: str, words: list[str]
) -> None:
    row = hostile.article(path)
    assert row["title"] == title
    for word in words:
        assert word in row["text"]
    assert "\ufffd" not in row["text"]


def test_each_overruled_charset_claim_is_counted(hostile: HostileCrawl) -> None:
    # The page claiming UTF-16 and the two UTF-8 pages labelled windows-1251 and Shift_JIS.
    assert hostile.run.stat("charset/utf8_despite_declaration") == 3


def test_invalid_utf8_becomes_replacement_characters_and_the_rest_is_kept(
    hostile: HostileCrawl,
) -> None:
    text = hostile.article("/news/invalid-utf8.html")["text"]
    assert "arrives from the city\ufffd" in text
    assert "\ufffd at night." in text
    assert text.endswith("told reporters after the vote.")


def test_scripts_and_iframes_are_dropped_and_escaped_markup_is_kept_as_text(
    hostile: HostileCrawl,
) -> None:
    text = hostile.article("/news/script-iframe.html")["text"]
    assert "the classic <script>alert(1)</script>, which opened" in text
    for marker in ("SCRIPT-WROTE-THIS", "SCRIPT-SOURCE-MARKER", "IFRAME-FALLBACK", "NOSCRIPT"):
        assert marker not in text
    assert text.endswith("before the repair.")


def test_impossible_dates_leave_published_at_empty(hostile: HostileCrawl) -> None:
    # 2099 in JSON-LD, "32/13/2024" in <meta>, "10/10/49" in the byline, "tomorrow" modified.
    row = hostile.article("/news/date-traps.html")
    assert (row["published_at"], row["published_raw"], row["modified_at"]) == (None, None, None)
    assert hostile.run.stat("dates/unparsed") == 1
    assert hostile.run.stat("dates/rejected") >= 3


def test_updated_minutes_ago_counts_back_from_the_fetch(hostile: HostileCrawl) -> None:
    """The page's only date is relative: it is read against fetched_at, and published_raw
    keeps the words, so the archive shows the date was relative."""
    row = hostile.article("/news/date-relative.html")
    fetched = datetime.fromisoformat(row["fetched_at"].replace("Z", "+00:00"))
    published = datetime.fromisoformat(row["published_at"].replace("Z", "+00:00"))
    assert row["published_raw"] == "5 minutes ago"
    assert fetched - published == timedelta(minutes=5)


def test_every_archived_hostile_page_has_its_whole_text(hostile: HostileCrawl) -> None:
    rows = hostile.rows("select url, text from articles")
    assert len(rows) == hostile.run.stat("archive/inserted") == 12
    for row in rows:
        # Every fixture article has three paragraphs; none may come out cut or empty.
        assert row["text"].count("\n") == 2, row["url"]


# --- The pure functions behind those decisions -------------------------------------------------

FETCHED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def nested(depth: int) -> str:
    return (
        "<html><body><p>Before the nesting.</p>"
        + "<div>" * depth
        + "<p>Deep inside.</p>"
        + "</div>" * depth
        + "<p>After the nesting.</p></body></html>"
    )


def test_a_page_within_the_parsers_limits_has_no_problem() -> None:
    tree = parse_page(nested(200))
    assert "Deep inside." in tree.text_content()


def test_a_page_nested_past_the_parsers_depth_limit_is_caught() -> None:
    with pytest.raises(
        ExtractionError, match=r"nested deeper than the parser reads \(256 levels\)"
    ):
        parse_page(nested(DEEPER_THAN_THE_PARSER_GOES))


def test_a_clean_parse_after_a_cut_one_is_not_blamed_for_it() -> None:
    """The parser's log is read for each page: one deep page must not fail the next."""
    with pytest.raises(ExtractionError):
        parse_page(nested(DEEPER_THAN_THE_PARSER_GOES))
    assert "After the nesting." in parse_page(nested(10)).text_content()


def test_a_text_run_over_10_mb_is_an_extraction_failure_not_a_truncated_article() -> None:
    words = "The council met again on Tuesday to vote on the harbour budget. " * 170_000
    html = f"<html><body><article><h1>Long</h1><p>{words}</p><p>Closing words.</p></article>"
    with pytest.raises(ExtractionError, match="stops part-way through the page"):
        extract_article(html, "https://ex.com/news/long-story-here.html")


def test_a_redirect_back_to_any_url_of_the_chain_is_a_loop() -> None:
    chain = ["https://ex.com/a?x=1&y=2", "https://ex.com/b"]
    assert redirect_loop(chain, "https://ex.com/a?y=2&x=1")
    assert redirect_loop(chain, "https://ex.com/b#top")
    assert not redirect_loop(chain, "https://ex.com/c")


CYRILLIC = "Городской совет утвердил новый бюджет"
CHINESE = "市议会批准了新的预算"


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html", b'<meta charset="utf-16"><p>Hi</p>', "utf-8"),
        ("text/html", b'<meta charset="UTF-32LE"><p>Hi</p>', "utf-8"),
        ("text/html; charset=utf-16", b'<meta charset="utf-16"><p>Hi</p>', None),
        ("text/html", b"\xff\xfe<\x00m\x00e\x00t\x00a\x00 \x00c\x00", None),
        ("text/html", b'<meta charset="windows-1251"><p>Hi</p>', None),
        ("text/html", b"<p>Hi</p>", None),
        # Legacy text in its own charset stays as declared...
        ("text/html", f'<meta charset="windows-1251"><p>{CYRILLIC}</p>'.encode("cp1251"), None),
        ("text/html; charset=gb2312", f"<p>{CHINESE}</p>".encode("gb2312"), None),
        ("text/html; charset=shift_jis", "<p>市議会が予算を承認</p>".encode("shift_jis"), None),
        ("text/html; charset=iso-8859-1", "<p>Café in Zürich</p>".encode("latin-1"), None),
        # ...while UTF-8 bytes under a legacy label are read as UTF-8.
        ("text/html", f'<meta charset="gb2312"><p>{CHINESE}</p>'.encode(), "utf-8"),
        ("text/html", f'<meta charset="windows-1251"><p>{CYRILLIC}</p>'.encode(), "utf-8"),
        ("text/html; charset=iso-8859-1", "<p>Café in Zürich</p>".encode(), "utf-8"),
        ("text/html; charset=utf-8", "<p>Café</p>".encode(), None),
    ],
)
def test_a_false_charset_claim_is_overruled_only_for_utf8_bytes(
    content_type: str, body: bytes, expected: str | None
) -> None:
    assert utf8_for_a_false_claim(content_type, body) == expected


def test_download_failures_are_described_with_the_setting_that_applies() -> None:
    request = Request("https://ex.com/news/a.html")
    announced = DownloadCancelledError(
        f"Expected to receive 52428800 bytes which is larger than download max size (1048576)"
        f" in request {request}."
    )
    assert describe_failure(Failure(announced), max_size=1048576) == (
        "too large: the server announced 52428800 bytes, over DOWNLOAD_MAXSIZE (1048576 bytes)"
    )
    assert describe_failure(Failure(DownloadCancelledError()), max_size=1048576) == (
        "too large: stopped after DOWNLOAD_MAXSIZE (1048576 bytes)"
    )
    lost = ResponseFailed([Failure(ConnectionLost())])
    failed = DownloadFailedError(str(lost))
    failed.__cause__ = lost
    assert describe_failure(Failure(failed)) == (
        "connection failed: ConnectionLost: Connection to the other side was lost in a"
        " non-clean fashion."
    )


def test_an_empty_but_valid_feed_is_no_error() -> None:
    body = b'<rss version="2.0"><channel><title>Quiet week</title></channel></rss>'
    assert read_feed(body, "https://ex.com/feed.xml") == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("32/13/2024", "not a date"),
        ("tomorrow", "in the future"),
        ("2099-01-01T08:00:00Z", "in the future"),
        ("1 January 2099", "in the future"),
        ("10/10/49", "before 1990-01-01"),
        ("in 5 minutes", "in the future"),
        ("in 3 days", "in the future"),
        ("Copyright 2024 " + "x" * 200, "too long"),
    ],
)
def test_nonsense_and_future_dates_are_rejected(raw: str, reason: str) -> None:
    with pytest.raises(DateRejected, match=reason):
        normalise_published_date(raw, fetched_at=FETCHED)


def test_a_relative_date_is_read_against_the_fetch_time() -> None:
    value = normalise_published_date("Updated 5 minutes ago", fetched_at=FETCHED)
    assert value == "2026-11-27T11:55:00Z"


def test_when_every_date_is_nonsense_none_is_chosen() -> None:
    candidates = [
        DateCandidate("2099-01-01T08:00:00Z", "jsonld"),
        DateCandidate("32/13/2024", "meta"),
        DateCandidate("10/10/49", "byline"),
        DateCandidate("tomorrow", "htmldate"),
    ]
    chosen, reasons = choose_date(candidates, fetched_at=FETCHED, language_tag="en-US")
    assert chosen is None
    assert len(reasons) == 4


def test_a_plausible_date_wins_over_a_future_one_from_a_more_trusted_source() -> None:
    candidates = [
        DateCandidate("2099-01-01T08:00:00Z", "jsonld"),
        DateCandidate("2024-06-18T09:40:00Z", "meta"),
    ]
    chosen, _ = choose_date(candidates, fetched_at=FETCHED)
    assert chosen is not None
    assert chosen.value == "2024-06-18T09:40:00Z"


def test_the_hostile_sites_pages_as_fetched_are_whole_and_re_extraction_survives_them(
    hostile: HostileCrawl,
) -> None:
    """Every page the hostile site answered with is kept as sent (the gzip bomb compressed,
    broken charsets as bytes): each captures row reads back, or says in a typed problem why
    it cannot be decoded within the size limit; the field's checker reads the files; and a
    re-extraction over them runs to its end without an error."""
    archive = hostile.run.db_path
    captures = hostile.rows("select url, warc_file, offset, length, payload_digest from captures")
    assert len(captures) >= 5
    problems = []
    for row in captures:
        try:
            read_response(
                warc_path(archive, row["warc_file"]),
                row["offset"],
                row["length"],
                expected_digest=row["payload_digest"],
                max_size=MAX_SIZE,
            )
        except CaptureUnreadable as error:
            problems.append((row["url"].removeprefix(hostile.base), error.problem))
    # Only a body too large once decoded can fail (the bomb, kept compressed); none damaged.
    assert problems == [("/news/gzip-bomb.html", Unreadable.TOO_LARGE)]
    files = sorted((archive.parent / "warc").glob("*.warc.gz"))
    checked = run_process([str(Path(sys.executable).parent / "warcio"), "check", *map(str, files)])
    assert checked.returncode == 0, checked.stdout[-2000:]

    before = hostile.rows("select url, title, text, authors, published_at from articles")
    result = run_process(
        [
            sys.executable, "-m", "scrapy", "reextract", "-a", "dry_run=1",
            "-s", f"ARCHIVE_DB={archive}", "-s", f"ARCHIVE_SITES={archive.parent / 'sites.toml'}",
            "-s", f"DOWNLOAD_MAXSIZE={MAX_SIZE}",
        ]
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"would change 0, {len(before)} unchanged" in result.stdout
    assert hostile.rows("select url, title, text, authors, published_at from articles") == before
