"""The dates field: raw date strings -> ISO 8601 in UTC, or nothing.

A wrong date is worse than no date, so a candidate is only taken when it parses and is
plausible: not after the fetch (with a little slack for clocks and time zones) and not before
ARCHIVE_EARLIEST_DATE. Candidates are tried from the most trusted source down.

A relative date ("5 minutes ago", "Updated 3 hours ago") counts back from the fetch time, even
when it is the page's only date: published_raw keeps the words, so the archive shows that the
date was relative. A relative date that points after the fetch ("in 5 minutes") is rejected.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from crawler.items import DateCandidate

logger = logging.getLogger(__name__)

# An explicit offset from UTC other than zero, at the end of a date: "+02:00", "-0500".
LOCAL_OFFSET = re.compile(
    r"\d:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:GMT|UTC)?[+-](?!00:?00)\d{2}:?\d{2}\s*$"
)
# Structured data beats what a feed said, which beats the visible byline, which beats a guess.
SOURCE_RANK = {"jsonld": 0, "meta": 1, "feed": 2, "sitemap": 2, "byline": 3, "htmldate": 4}
DATETIME_SLACK = timedelta(hours=1)
# When a site's time zone is unknown, its "today" may already be tomorrow in UTC, up to UTC+14.
FURTHEST_AHEAD_ZONE = timedelta(hours=14)
YEAR = re.compile(r"\b\d{4}\b")
LEADING_WORDS = re.compile(
    r"^\s*(?:(?:last\s+)?(?:updated|modified|published|posted|created|date)\s*(?:on|at)?\s*:?"
    r"|on\s+)\s*",
    re.IGNORECASE,
)
STRUCTURED_SOURCES = ("jsonld", "meta")
AMBIGUOUS = "ambiguous"
NUMERIC_DATE = re.compile(r"^\D{0,20}?(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
# Where 03/04/2024 is the 4th of March: the US and a few countries that follow its usage.
MONTH_FIRST_REGIONS = {"US", "PH", "CA", "FM", "MH", "PW"}
# Numeric dates need no language, and English is the lingua franca of date formats in markup.
FALLBACK_LANGUAGES = ("en",)
WIDELY_USED_LANGUAGES = (
    "en", "es", "fr", "de", "pt", "it", "nl", "ru", "pl", "uk", "tr", "sv", "da", "nb", "fi",
    "cs", "hu", "ro", "el", "ar", "he", "hi", "id", "ja", "zh", "ko",
)  # fmt: skip
RFC822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)")
COMMA_THEN_DIGIT = re.compile(r",(?=\d)")
# A date with its time, zone and label is a few dozen characters. A longer string is text that
# stood where a date was expected (a feed's or a page's, as they come): it is set aside before
# any rule reads it, in the crawl's main process too.
MAX_DATE_CHARS = 120


class DateRejected(ValueError):
    """A raw date that cannot be used; the message says why."""


class DateparserNeeded(Exception):
    """Reading this date takes dateparser, which the caller asked not to run (exact_only)."""


@dataclass(frozen=True)
class ChosenDate:
    value: str
    raw: str
    source: str


def normalise_published_date(
    raw: str,
    *,
    fetched_at: datetime,
    timezone: str | None = None,
    languages: Sequence[str] | None = None,
    earliest: date = date(1990, 1, 1),
    date_order: str | None = None,
    exact_only: bool = False,
) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` (UTC) when the string has a time, `YYYY-MM-DD` when only a day.

    Times without an offset are read in the site's `timezone` (UTC when unknown); relative
    dates ("3 hours ago") count back from `fetched_at`. Raises DateRejected with the reason,
    or DateparserNeeded when `exact_only` and the string is not ISO 8601 or RFC 822.
    """
    if _too_long(raw):
        raise DateRejected(f"{raw.strip()[:40]!r}... is too long to be a date")
    zone = ZoneInfo(timezone) if timezone else UTC
    if date_order == AMBIGUOUS:
        raise DateRejected(f"{raw!r} could be day/month or month/day, and the page does not say")
    parsed, has_time = _parse(
        raw,
        fetched_at=fetched_at,
        zone=zone,
        languages=languages,
        date_order=date_order,
        exact_only=exact_only,
    )
    if has_time:
        moment = parsed.astimezone(UTC)
        if moment > fetched_at + _datetime_slack(raw):
            raise DateRejected(f"{raw!r} is in the future (after the fetch at {_iso(fetched_at)})")
        if moment.date() < earliest:
            raise DateRejected(f"{raw!r} is before {earliest.isoformat()}")
        return _iso(moment)
    day = parsed.date()
    if day > _latest_plausible_day(raw, fetched_at, timezone):
        raise DateRejected(f"{raw!r} is in the future (after the fetch at {_iso(fetched_at)})")
    if day < earliest:
        raise DateRejected(f"{raw!r} is before {earliest.isoformat()}")
    return day.isoformat()


def choose_date(
    candidates: Iterable[DateCandidate],
    *,
    fetched_at: datetime,
    timezone: str | None = None,
    languages: Sequence[str] | None = None,
    earliest: date = date(1990, 1, 1),
    language_tag: str | None = None,
    exact_only: bool = False,
) -> tuple[ChosenDate | None, list[str]]:
    """The best usable candidate, and the reasons the unusable ones were set aside.

    The most trusted source wins, except that when the page's structured dates disagree, the
    one its visible byline confirms is taken, and htmldate's 1 January is taken only when
    something else says so too (it is what a bare year, such as a copyright line, gives).
    """
    reasons: list[str] = []
    ranked = sorted(candidates, key=lambda candidate: SOURCE_RANK.get(candidate.source, 9))

    def usable(wanted: Iterable[DateCandidate]) -> Iterator[ChosenDate]:
        """Parsed lazily: dateparser costs milliseconds per string."""
        for candidate in wanted:
            visible = candidate.source not in STRUCTURED_SOURCES
            try:
                value = normalise_published_date(
                    candidate.raw,
                    fetched_at=fetched_at,
                    timezone=timezone,
                    languages=languages,
                    earliest=earliest,
                    date_order=numeric_date_order(candidate.raw, language_tag, visible=visible),
                    exact_only=exact_only,
                )
            except DateRejected as error:
                reasons.append(f"{candidate.source}: {error}")
                continue
            yield ChosenDate(value, candidate.raw, candidate.source)

    structured = list(usable(c for c in ranked if c.source in STRUCTURED_SOURCES))
    if len({date.value[:10] for date in structured}) > 1:
        bylines = usable(c for c in ranked if c.source == "byline")
        shown = {shown_date.value[:10] for shown_date in bylines}
        confirmed = [chosen for chosen in structured if chosen.value[:10] in shown]
        if confirmed:
            return confirmed[0], reasons
    if structured:
        return with_local_offset(structured[0], structured), reasons
    found: list[ChosenDate] = []
    for visible in usable(c for c in ranked if c.source not in STRUCTURED_SOURCES):
        found.append(visible)
        if not _unconfirmed_new_year(visible, found):
            return visible, reasons
    return None, reasons


def with_local_offset(chosen: ChosenDate, same_page: list[ChosenDate]) -> ChosenDate:
    """The chosen instant as the page writes it in its own time zone, when another of its
    structured dates gives the same instant with an offset ("2019-10-18T22:04:00Z" and
    "Sat, 19 Oct 2019 00:04:00 +0200"): the raw date then shows the publisher's local day."""
    if LOCAL_OFFSET.search(chosen.raw):
        return chosen
    return next(
        (
            other
            for other in same_page
            if other.value == chosen.value and LOCAL_OFFSET.search(other.raw)
        ),
        chosen,
    )


def numeric_date_order(raw: str, language_tag: str | None, *, visible: bool) -> str | None:
    """How to read an all-numeric date whose first two numbers could both be the month:
    "DMY", "MDY", AMBIGUOUS, or None when there is nothing to decide."""
    if _too_long(raw):
        return None  # no date: normalise_published_date rejects it
    match = NUMERIC_DATE.match(_tidy(raw))
    if not match:
        return None
    first, separator, second = int(match[1]), match[2], int(match[3])
    if first > 12 or second > 12 or first == second:
        return None
    if separator == ".":
        return "DMY"  # dotted dates are day first wherever they are written
    if not visible:
        return "MDY"  # programs writing markup use the US order
    primary, _, region = (language_tag or "").replace("_", "-").partition("-")
    primary, region = primary.lower(), region[:2].upper()
    if primary and primary != "en":
        return "DMY"
    if primary == "en" and region:
        return "MDY" if region in MONTH_FIRST_REGIONS else "DMY"
    return AMBIGUOUS


def _unconfirmed_new_year(candidate: ChosenDate, usable: list[ChosenDate]) -> bool:
    if candidate.source != "htmldate" or candidate.value[5:10] != "01-01":
        return False
    return not any(
        other.value[:10] == candidate.value[:10] for other in usable if other is not candidate
    )


def _datetime_slack(raw: str) -> timedelta:
    """Slack for clocks and time zones, for a date that names its year; a relative one ("in 5
    minutes", "5 minutes from now") is counted from the fetch itself, so it gets none."""
    return DATETIME_SLACK if YEAR.search(raw) else timedelta(0)


def _latest_plausible_day(raw: str, fetched_at: datetime, timezone: str | None) -> date:
    """The site's own calendar day at fetch time; relative words ("tomorrow") and known time
    zones get no slack."""
    if timezone:
        return fetched_at.astimezone(ZoneInfo(timezone)).date()
    if not YEAR.search(raw):
        return fetched_at.astimezone(UTC).date()
    return (fetched_at.astimezone(UTC) + FURTHEST_AHEAD_ZONE).date()


def _parse(
    raw: str,
    *,
    fetched_at: datetime,
    zone: ZoneInfo | Any,
    languages: Sequence[str] | None,
    date_order: str | None = None,
    exact_only: bool = False,
) -> tuple[datetime, bool]:
    text = raw.strip()
    if not text:
        raise DateRejected("empty date")
    exact = _parse_iso(text, zone) or _parse_rfc822(text)
    if exact is not None:
        return exact
    if exact_only:
        raise DateparserNeeded(raw)
    cleaned = _tidy(text)
    data = _dateparser(cleaned, fetched_at, zone, languages or FALLBACK_LANGUAGES, date_order)
    if data.date_obj is None and re.search(r"[^\W\d_]{3,}", cleaned):
        # Words we could not read in the expected languages: try the widely used ones (not
        # all of dateparser's 200 locales, which costs seconds on a string that is no date).
        data = _dateparser(cleaned, fetched_at, zone, WIDELY_USED_LANGUAGES, date_order)
    if data.date_obj is None:
        raise DateRejected(f"{raw!r} is not a date dateparser understands")
    parsed = data.date_obj
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed, data.period == "time"


def _dateparser(
    text: str,
    fetched_at: datetime,
    zone: Any,
    languages: Sequence[str] | None,
    date_order: str | None = None,
) -> Any:
    known = [lang for lang in dict.fromkeys(languages or ()) if lang in _dateparser_languages()]
    order = {"DATE_ORDER": date_order} if date_order else {}
    parser = DateDataParser(
        languages=known or None,
        settings={
            **order,
            "TIMEZONE": getattr(zone, "key", "UTC"),
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
            "RETURN_TIME_AS_PERIOD": True,
            # Relative dates count back from the fetch, so a re-run gives the same answer.
            "RELATIVE_BASE": fetched_at.astimezone(zone).replace(tzinfo=None),
        },
    )
    return parser.get_date_data(text)


def _too_long(raw: str) -> bool:
    """Longer than a date can be (MAX_DATE_CHARS), spaces around it aside."""
    return len(raw) > MAX_DATE_CHARS and len(raw.strip()) > MAX_DATE_CHARS


def _parse_iso(text: str, zone: Any) -> tuple[datetime, bool] | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    if len(text) == 10:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=zone), False
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed, True


def _parse_rfc822(text: str) -> tuple[datetime, bool] | None:
    """ "Tue, 18 Jun 2024 09:40:00 +0000", as every RSS feed writes dates."""
    if not RFC822.match(text):
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return (parsed, True) if parsed.tzinfo is not None else None


def _tidy(text: str) -> str:
    """Undo the squeezing real pages do ("Jun18,2024") and drop leading labels ("Updated:")."""
    text = LEADING_WORDS.sub("", text)
    text = LETTER_THEN_DIGIT.sub(" ", text)
    text = COMMA_THEN_DIGIT.sub(", ", text)
    return " ".join(text.split())


@cache
def _dateparser_languages() -> frozenset[str]:
    from dateparser.languages.loader import default_loader

    return frozenset(default_loader.get_locale_map())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def choose_article_dates(
    published: list[DateCandidate],
    modified: list[DateCandidate],
    options: dict[str, Any],
    *,
    exact_only: bool = False,
) -> tuple[ChosenDate | None, list[str], ChosenDate | None]:
    """The published date (and why other candidates were set aside), and the modified one.
    DateparserNeeded when `exact_only` and a candidate it reads is not ISO 8601 or RFC 822."""
    published_choice, reasons = choose_date(published, **options, exact_only=exact_only)
    modified_choice, _ = choose_date(modified, **options, exact_only=exact_only)
    return published_choice, reasons, modified_choice
