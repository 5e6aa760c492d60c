"""Run once in the worker pool's fork server, so that every worker starts warm.

The extract and dates stages load data on first use: dateparser its language data (about a
quarter of a second), trafilatura and htmldate their own tables. Workers are forked from the
fork server and renewed every ARCHIVE_WORKER_MAX_TASKS tasks; without this module, each new
worker paid for that again on its first page. Importing it extracts one small page and reads
one date, in the fork server only (crawler/workers.py preloads it).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from crawler.items import DateCandidate
from extraction.dates import choose_article_dates
from extraction.run import extract_article

PAGE = """<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>
<p>By Ann Lee, March 5, 2024</p><p>The council approved the budget for next year on Tuesday
evening after a debate that lasted more than four hours, and the mayor thanked the members.</p>
</article></body></html>"""


logger = logging.getLogger(__name__)


def warm_up() -> None:
    """One extraction and one date choice, their results thrown away. A failure here is only
    a slower start: it must never keep the fork server from starting workers."""
    try:
        warm_up_stages()
    except Exception as error:
        logger.warning("The extraction workers start cold: warming up failed (%s)", error)


def warm_up_stages() -> None:
    extract_article(PAGE, "http://127.0.0.1/warm-up.html", min_words=1)
    options = {
        "fetched_at": datetime.now(UTC),
        "timezone": None,
        "languages": ["en"],
        "earliest": date(1990, 1, 1),
        "language_tag": "en",
    }
    choose_article_dates([DateCandidate("March 5, 2024", "byline")], [], options)


warm_up()
