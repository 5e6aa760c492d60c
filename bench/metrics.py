"""Scores for extracted articles against ground truth, as the benchmarks print them.

Body text uses the scrapinghub article-extraction-benchmark metric: word 4-gram shingles per
page, their true/false positive and false negative counts scaled so that every page weighs
the same, precision and recall averaged over pages, F1 from the two averages.

Texts are compared as a reader sees them: Unicode NFC, and without the characters that print
as nothing (soft hyphens, zero-width spaces, direction marks: Unicode's "format" category).
Ground truth that keeps a page's soft hyphens ("Bun\u00addes\u00adtag") would otherwise count
the word a reader reads, "Bundestag", as a wrong one, and split it into three.
"""

from __future__ import annotations

import re
import statistics
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime

TOKEN = re.compile(r"\w+", re.UNICODE)
Counts = tuple[float, float, float]
INVISIBLE = dict.fromkeys(
    code for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"
)


def as_read(text: str | None) -> str:
    """A text as a reader sees it (see the module's docstring)."""
    return unicodedata.normalize("NFC", (text or "").translate(INVISIBLE))


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """Word n-grams of a text; a text shorter than `size` words is one shorter shingle."""
    tokens = TOKEN.findall(as_read(text))
    if not tokens:
        return Counter()
    starts = range(max(1, len(tokens) - size + 1))
    return Counter(tuple(tokens[start : start + size]) for start in starts)


def shingle_counts(true: str, predicted: str) -> Counts:
    """True positives, false positives and false negatives of one page, scaled to sum to 1."""
    expected, found = shingles(true), shingles(predicted)
    tp = float(sum((expected & found).values()))
    fp = float(sum((found - expected).values()))
    fn = float(sum((expected - found).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def page_precision(counts: Counts) -> float:
    tp, fp, fn = counts
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def page_recall(counts: Counts) -> float:
    tp, fp, fn = counts
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def text_scores(pages: Sequence[Counts]) -> dict[str, float]:
    """Precision over pages that predicted something; recall over all pages (an empty
    prediction scores 0 recall); F1 from the two averages."""
    precisions = [page_precision(counts) for counts in pages if counts[0] + counts[1] > 0]
    recalls = [page_recall(counts) for counts in pages if counts[0] + counts[2] > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def same_title(expected: str | None, found: str | None) -> bool:
    return _space(expected) == _space(found) and bool(_space(expected))


def same_authors(expected: Iterable[str], found: Iterable[str]) -> bool:
    """Equal as sets of names, ignoring case and spacing (order on the page varies)."""
    return sorted(_space(name).casefold() for name in expected if _space(name)) == sorted(
        _space(name).casefold() for name in found if _space(name)
    )


def published_days(published_at: str | None, published_raw: str | None) -> set[str]:
    """The day of a stored date, in UTC and in the offset the page printed, if any: ground
    truth gives some pages' days in local time and some in UTC."""
    if not published_at:
        return set()
    days = {published_at[:10]}
    if published_raw:
        local = _with_offset(published_raw.strip())
        if local is not None and local.tzinfo is not None:
            days.add(local.date().isoformat())
    return days


def _with_offset(raw: str) -> datetime | None:
    """An ISO 8601 or RFC 822 date ("Sat, 19 Oct 2019 00:04:00 +0200"), or None."""
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None


def day_within(expected: str, days: set[str], margin: int) -> bool:
    try:
        wanted = datetime.fromisoformat(expected[:10]).date()
    except ValueError:
        return False
    for day in days:
        try:
            if abs((datetime.fromisoformat(day).date() - wanted).days) <= margin:
                return True
        except ValueError:
            continue
    return False


def snippets_present(text: str, snippets: Iterable[str]) -> list[bool]:
    flat = _space(text)
    return [_space(snippet) in flat for snippet in snippets]


def _space(text: str | None) -> str:
    return " ".join(as_read(text).split())
