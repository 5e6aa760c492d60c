"""Dates as pages print them in text ("Mon. Jul 15th, 2024", "05.08.2024, 20:59 Uhr"): found
in bylines and the lines above a headline, and recognised as lines that say nothing else. They
are read, not resolved: extraction/dates.py turns them into moments.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from extraction.page import SKIPPED_TAGS
from extraction.text import normalise_space
from extraction.words import ENGLISH, alternation

# English dates ("Mon. Jul 15th, 2024"), in English's order, handed to the date parser as
# found; other languages' dates are INTL_DATE's, below.
MONTH = rf"(?:{alternation('months', 'month_abbreviations', languages=ENGLISH)})\.?"
WEEKDAY = rf"(?:{alternation('weekdays', 'weekday_abbreviations', languages=ENGLISH)})\.?"
CLOCK = (
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?\s?m\.?)?"
    r"(?:\s*(?-i:[A-Z]{2,5})\b)?)?"  # a zone abbreviation is in capitals: "EST", not "by"
)
DATE_IN_TEXT = re.compile(
    r"(?<![\w])(?:"  # a date does not start inside a number: "2013 November 2013"
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    rf"|{MONTH}\s*\d{{1,2}}(?:st|nd|rd|th)?,?\s*\d{{4}}{CLOCK}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s*(?:of\s+)?{MONTH},?\s*\d{{4}}{CLOCK}"
    rf"|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}{CLOCK}"
    r"|\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago"
    r")",
    re.IGNORECASE,
)
DATE_LINE_WORDS = re.compile(
    rf"\b(?:{WEEKDAY}|{alternation('date_labels', 'hour_words', languages=ENGLISH)})\b|[\W_]",
    re.IGNORECASE,
)
WEEKDAY_BEFORE_DATE = re.compile(rf"\b{WEEKDAY},?\s*\|", re.IGNORECASE)


def find_date_strings(text: str) -> list[str]:
    return [match.group(0).strip(" ,") for match in DATE_IN_TEXT.finditer(text)]


def is_date_line(line: str) -> bool:
    """A line that holds a date and nothing else of substance ("Mon. Jul 15th, 2024")."""
    if len(line) > 80 or not DATE_IN_TEXT.search(line):
        return False
    rest = DATE_LINE_WORDS.sub("", DATE_IN_TEXT.sub("", line))
    return not rest


# Date lines in every language: "segunda-feira, 22 de outubro de 2010 às 20:13", "5. März 2024,
# 20:59 Uhr", "05.08.2024".
JOINER = rf"(?:(?:{alternation('date_joiners')})\s+)?"
DAY_AND_MONTH = rf"\d{{1,2}}\.?\s*{JOINER}(?:{alternation('months')})"
NUMERIC_DATE = r"\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2}"
INTL_DATE_START = re.compile(rf"{DAY_AND_MONTH}|{NUMERIC_DATE}", re.IGNORECASE)
INTL_DATE = re.compile(
    rf"{DAY_AND_MONTH}\.?,?\s*{JOINER}\d{{4}}|{NUMERIC_DATE}|\d{{1,2}}[:.h]\d{{2}}", re.IGNORECASE
)
INTL_DATE_WORDS = re.compile(
    rf"\b(?:{alternation('date_labels', 'hour_words', 'time_zones', 'weekdays')})\b|[\W\d_]",
    re.IGNORECASE,
)


def intl_date_line(line: str) -> bool:
    if len(line) > 80 or not INTL_DATE_START.search(line):
        return False
    rest = INTL_DATE.sub(" ", line)
    rest = INTL_DATE_WORDS.sub(" ", rest)
    return not rest.split()


def date_above_headline(tree: lxml_html.HtmlElement) -> str | None:
    """A date set directly above the headline: the element just before the <h1> holds a date
    and nothing else. A clock in the site's header is not the headline's neighbour."""
    headings = tree.xpath("//h1")
    if not headings:
        return None
    previous = headings[0].getprevious()
    while previous is not None and not isinstance(previous.tag, str):
        previous = previous.getprevious()  # comments, processing instructions
    if previous is None or previous.tag in SKIPPED_TAGS:
        return None
    text = normalise_space(previous.text_content())
    return find_date_strings(text)[0] if is_date_line(text) else None
