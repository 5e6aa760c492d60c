"""trafilatura's second opinion (readability, then jusText), asked only where it can matter.

After its own extraction, trafilatura runs the readability algorithm over the whole page and
keeps readability's text only when it is more than twice as long as its own, or when its own
has no paragraphs (or more tables than paragraphs); jusText runs when the text is short or
still holds page furniture. readability costs a fifth of trafilatura's time per page and
changes the text on about one page in twenty of the dev corpora.

Readability's text is a part of the page's text, so it can never be longer than all of the
page's text outside scripts and styles (which it drops first). Where that is at most twice
trafilatura's own text and its own text is well formed, readability cannot win, and where
jusText would not run either, the comparison's answer is known before it starts: trafilatura's
own text, unchanged. `skip_fallbacks_that_cannot_win` decides that, and
`fallbacks_only_where_they_can_win` puts the check in front of trafilatura's comparison while
Morgue extracts. The text is the same, byte for byte, either way (tests/test_fallback_gate.py).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import trafilatura.core
from lxml import etree
from trafilatura.external import SANITIZED_XPATH

logger = logging.getLogger(__name__)

# What readability removes before it looks at the page, with its text (trafilatura's
# readability_lxml also drops <fencedframe>; counting its text keeps the bound an upper one).
DROPPED_FIRST = ("script", "style")
# The comparison's signature this module was written against.
COMPARISON_PARAMETERS = ["cleaned_tree", "raw_tree", "body", "text", "options"]


def page_text_length(tree: Any) -> int:
    """An upper bound on the length of any text readability can extract from `tree`, as
    trafilatura measures it (spaces collapsed).

    All the page's text, less the collapsed text of each script and style: cutting a run of
    words out of a text shortens it, spaces collapsed, by at least those words and the spaces
    between them. Serialising the tree as text is done by libxml2; walking its text nodes in
    Python would cost as much as readability saves."""
    length = collapsed_length(etree.tostring(tree, method="text", encoding="unicode"))
    for element in tree.iter(*DROPPED_FIRST):
        length -= collapsed_length(element.text or "")
    return max(length, 0)


def collapsed_length(text: str) -> int:
    """len(" ".join(text.split())), without building the string."""
    words = text.split()
    return sum(map(len, words)) + len(words) - 1 if words else 0


def readability_cannot_win(raw_tree: Any, body: Any, text: str, options: Any) -> bool:
    """True when trafilatura would keep its own text whatever readability found."""
    if options.focus == "recall" or not text:  # recall mode takes readability more readily
        return False
    longest_possible = page_text_length(raw_tree)
    if longest_possible > 2 * len(text):
        return False
    # Its own text without paragraphs, or mostly tables: readability wins when long enough.
    ill_formed = not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(
        body.findall(".//p")
    )
    return not (ill_formed and longest_possible > options.min_extracted_size * 2)


def justext_would_run(body: Any, text: str, options: Any) -> bool:
    return bool(body.xpath(SANITIZED_XPATH)) or len(text) < options.min_extracted_size


def skip_fallbacks_that_cannot_win(raw_tree: Any, body: Any, text: str, options: Any) -> bool:
    """True when trafilatura's comparison would return its own body and text unchanged."""
    return not justext_would_run(body, text, options) and readability_cannot_win(
        raw_tree, body, text, options
    )


@contextmanager
def fallbacks_only_where_they_can_win() -> Iterator[None]:
    """Within the block, trafilatura runs readability and jusText only where they can change
    its text. Outside it, trafilatura is left as it is (the benchmarks' plain trafilatura runs
    in the same process). When trafilatura's comparison is not the one this module was written
    against, nothing changes: the check is a saving, never a condition."""
    compare = getattr(trafilatura.core, "compare_extraction", None)
    if compare is None or not _known(compare):
        yield
        return

    def compare_where_it_can_matter(
        cleaned_tree: Any, raw_tree: Any, body: Any, text: str, options: Any
    ) -> tuple[Any, str]:
        if skip_fallbacks_that_cannot_win(raw_tree, body, text, options):
            return body, text
        result: tuple[Any, str] = compare(cleaned_tree, raw_tree, body, text, options)
        return result

    trafilatura.core.compare_extraction = compare_where_it_can_matter
    try:
        yield
    finally:
        trafilatura.core.compare_extraction = compare


@cache
def _known(compare: Callable[..., Any]) -> bool:
    if list(inspect.signature(compare).parameters) == COMPARISON_PARAMETERS:
        return True
    logger.warning("trafilatura's fallback comparison has changed: it now runs on every page")
    return False
