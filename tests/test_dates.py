import asyncio
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from crawler.items import Article, DateCandidate
from crawler.workers import PagePool
from extraction.dates import DateparserNeeded, DateRejected, choose_date, normalise_published_date
from pipelines.dates import DatesStage

FETCHED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def normalise(raw: str, timezone: str | None = None, languages: list[str] | None = None) -> str:
    return normalise_published_date(raw, fetched_at=FETCHED, timezone=timezone, languages=languages)


@pytest.mark.parametrize(
    ("raw", "timezone", "expected"),
    [
        ("2024-03-05T14:30:00-05:00", None, "2024-03-05T19:30:00Z"),
        ("2024-04-12T08:15:00Z", "Europe/Berlin", "2024-04-12T08:15:00Z"),
        ("2024-04-12T08:15:00", "Europe/Berlin", "2024-04-12T06:15:00Z"),
        ("2024-02-01", "Asia/Tokyo", "2024-02-01"),
        ("Tue, 12 Mar 2024 08:00:00 GMT", None, "2024-03-12T08:00:00Z"),
        ("May 20, 2024 at 10:15 am", "America/Chicago", "2024-05-20T15:15:00Z"),
        ("Published: March 3, 2024", None, "2024-03-03"),
    ],
)
def test_dates_become_utc_with_time_or_a_bare_day(
    raw: str, timezone: str | None, expected: str
) -> None:
    assert normalise(raw, timezone) == expected


def test_a_squeezed_date_like_jun18_2024_is_read() -> None:
    assert normalise("Jun18,2024") == "2024-06-18"


def test_a_day_without_time_keeps_the_sites_calendar_day() -> None:
    # Midnight in Auckland is the previous day in UTC; the day printed is what counts.
    assert normalise("18 June 2024", "Pacific/Auckland") == "2024-06-18"


def test_relative_dates_count_back_from_the_fetch_time() -> None:
    assert normalise("3 hours ago", "Europe/Berlin") == "2026-11-27T09:00:00Z"
    assert normalise("Updated 5 minutes ago") == "2026-11-27T11:55:00Z"


def test_the_sites_language_is_used_for_month_names() -> None:
    assert normalise("5. März 2024", "Europe/Berlin", ["de"]) == "2024-03-05"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("32/13/2024", "not a date"),
        ("tomorrow", "in the future"),
        ("2099-01-01", "in the future"),
        ("2026-11-27T14:00:00Z", "in the future"),
        ("10/10/49", "before 1990-01-01"),
        ("1970-01-01T00:00:00Z", "before 1990-01-01"),
        ("Share this article", "not a date"),
        ("", "empty"),
    ],
)
def test_implausible_dates_are_rejected_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(DateRejected, match=reason):
        normalise(raw)


def test_a_day_later_than_today_is_accepted_only_when_the_site_zone_is_unknown() -> None:
    # At 12:00 UTC it is already the 28th in Kiribati (UTC+14).
    assert normalise("2026-11-28") == "2026-11-28"
    with pytest.raises(DateRejected, match="future"):
        normalise("2026-11-28", "Europe/London")


def test_the_most_trusted_usable_candidate_wins_and_the_rest_are_explained() -> None:
    candidates = [
        DateCandidate("2024-06-18", "htmldate"),
        DateCandidate("Jun18,2024 10:00", "byline"),
        DateCandidate("not a date at all", "jsonld"),
        DateCandidate("2099-05-01T00:00:00Z", "meta"),
    ]
    chosen, reasons = choose_date(candidates, fetched_at=FETCHED, earliest=date(1990, 1, 1))
    assert chosen is not None
    assert (chosen.value, chosen.source) == ("2024-06-18T10:00:00Z", "byline")
    assert len(reasons) == 2
    assert reasons[0].startswith("jsonld:")
    assert "future" in reasons[1]


def test_no_candidate_means_no_date() -> None:
    chosen, reasons = choose_date([], fetched_at=FETCHED)
    assert chosen is None
    assert reasons == []


def test_rss_dates_are_read_without_dateparser() -> None:
    assert normalise("Tue, 18 Jun 2024 09:40:00 +0000") == "2024-06-18T09:40:00Z"
    assert normalise("18 Jun 2024 11:40:00 +0200") == "2024-06-18T09:40:00Z"


def test_an_unknown_or_regional_language_code_still_parses() -> None:
    assert normalise("5. März 2024", "Europe/Berlin", ["de-AT"]) == "2024-03-05"
    assert normalise("March 5, 2024", None, ["xx"]) == "2024-03-05"


def test_month_names_in_a_widely_used_language_are_read_when_the_language_is_unknown() -> None:
    assert normalise("5 mars 2024", "Europe/Paris") == "2024-03-05"


@pytest.mark.parametrize(
    ("raw", "tag", "source", "expected"),
    [
        ("06.10.2023", "en-US", "byline", "2023-10-06"),  # dots: day first everywhere
        ("06/10/2023", "en-GB", "byline", "2023-10-06"),
        ("06/10/2023", "en-US", "byline", "2023-06-10"),
        ("06/10/2023", "de", "byline", "2023-10-06"),
        ("06/10/2023", "en-GB", "meta", "2023-06-10"),  # markup is written by programs: US order
        ("25/10/2023", "en-US", "byline", "2023-10-25"),  # only one reading
    ],
)
def test_numeric_dates_are_read_in_the_pages_order(
    raw: str, tag: str, source: str, expected: str
) -> None:
    chosen, _ = choose_date([DateCandidate(raw, source)], fetched_at=FETCHED, language_tag=tag)
    assert chosen is not None
    assert chosen.value == expected


def test_a_numeric_date_that_could_be_either_order_is_not_guessed() -> None:
    chosen, reasons = choose_date([DateCandidate("06/10/2023", "byline")], fetched_at=FETCHED)
    assert chosen is None
    assert "could be day/month or month/day" in reasons[0]


def test_disagreeing_structured_dates_are_settled_by_the_byline() -> None:
    candidates = [
        DateCandidate("2024-03-01T10:00:00Z", "jsonld"),
        DateCandidate("2024-03-05T10:00:00Z", "meta"),
        DateCandidate("March 5, 2024", "byline"),
    ]
    chosen, _ = choose_date(candidates, fetched_at=FETCHED)
    assert chosen is not None
    assert (chosen.value, chosen.source) == ("2024-03-05T10:00:00Z", "meta")


def test_the_chosen_instant_keeps_the_offset_another_structured_date_gives_it() -> None:
    utc = DateCandidate("2024-03-09T23:04:00Z", "jsonld")
    local = DateCandidate("Sun, 10 Mar 2024 00:04:00 +0100", "meta")
    chosen, _ = choose_date([utc, local], fetched_at=FETCHED)
    assert chosen is not None
    assert (chosen.value, chosen.raw) == ("2024-03-09T23:04:00Z", local.raw)
    # Another instant is another date: the most trusted one stays as it is written.
    later = DateCandidate("Sun, 10 Mar 2024 09:00:00 +0100", "meta")
    chosen, _ = choose_date([utc, later], fetched_at=FETCHED)
    assert chosen is not None
    assert chosen.raw == utc.raw


def test_htmldates_new_year_needs_confirmation() -> None:
    alone, _ = choose_date([DateCandidate("2024-01-01", "htmldate")], fetched_at=FETCHED)
    assert alone is None
    confirmed, _ = choose_date(
        [DateCandidate("2024-01-01", "htmldate"), DateCandidate("2024-01-01T08:00:00Z", "meta")],
        fetched_at=FETCHED,
    )
    assert confirmed is not None


def test_exact_only_reads_machine_dates_and_asks_for_dateparser_otherwise() -> None:
    agreeing = [
        DateCandidate("2024-03-05T10:00:00Z", "jsonld"),
        DateCandidate("March 5, 2024", "byline"),  # not read: the structured dates agree
    ]
    assert choose_date(agreeing, fetched_at=FETCHED, exact_only=True) == choose_date(
        agreeing, fetched_at=FETCHED
    )
    disagreeing = [*agreeing, DateCandidate("2024-03-06T10:00:00Z", "meta")]
    with pytest.raises(DateparserNeeded):
        choose_date(disagreeing, fetched_at=FETCHED, exact_only=True)


class CountingPool:
    """A stand-in for the worker pool that runs each call here and counts it."""

    def __init__(self) -> None:
        self.calls = 0

    async def run(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return function(*args, **kwargs)


@pytest.mark.parametrize(
    ("raw", "trips"),
    [("2024-03-05T10:00:00Z", 0), ("Tue, 5 Mar 2024 10:00:00 GMT", 0), ("5 March 2024", 1)],
)
def test_only_dates_that_need_dateparser_go_to_a_worker(raw: str, trips: int) -> None:
    pool = CountingPool()
    stage = DatesStage(earliest=date(1990, 1, 1), pool=cast(PagePool, pool))
    item = Article(
        url="https://example.org/a",
        site="example",
        html="",
        fetched_at="2026-11-27T12:00:00Z",
        published_candidates=[DateCandidate(raw, "byline")],
    )
    archived = asyncio.run(stage.process_item(item))
    assert archived.published_at is not None
    assert archived.published_at.startswith("2024-03-05")
    assert pool.calls == trips


@pytest.mark.parametrize(
    "hostile",
    ["1" * 50_000, "03/04/" * 8_000, "Updated: " + " " * 50_000 + "x", "2024-03-05" + "T" * 50_000],
    ids=["digits", "numbers", "spaces", "iso-prefix"],
)
def test_a_date_too_long_to_be_one_is_set_aside_at_once_in_the_main_process(hostile: str) -> None:
    """The main process reads feeds' and pages' raw dates (exact_only): a hostile one is set
    aside before any rule reads it, and the page's real date is still taken."""
    candidates = [DateCandidate(hostile, "feed"), DateCandidate("2024-03-05T10:00:00Z", "feed")]
    started = time.perf_counter()
    chosen, reasons = choose_date(candidates, fetched_at=FETCHED, exact_only=True)
    assert time.perf_counter() - started < 1.0  # a hang guard: it takes microseconds
    assert chosen is not None
    assert chosen.value == "2024-03-05T10:00:00Z"
    assert reasons == [f"feed: {hostile[:40]!r}... is too long to be a date"]
    assert len(reasons[0]) < 100


def test_a_short_date_padded_with_spaces_is_still_read() -> None:
    assert normalise(" " * 500 + "2024-03-05" + "\n" * 500) == "2024-03-05"
