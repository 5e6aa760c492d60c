"""The standfirst: the paragraph under the headline that sums the story up, which trafilatura
often leaves out of the body; it is put back when the page prints it before the story.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import html as lxml_html

from extraction.page import UNSEEN_TAGS, has_skipped_ancestor
from extraction.text import normalise_space, squashed

# A standfirst: the description, at least this long, found by its first characters, and
# agreeing with the visible text over this share of the longer of the two.
STANDFIRST_MIN_WORDS = 6
STANDFIRST_KEY_CHARS = 40
STANDFIRST_AGREEMENT = 0.6
STANDFIRST_OUTSIDE = {"a", "nav", "aside", "footer", "figure", "figcaption", "li", "form"}


@dataclass
class Standfirst:
    """The paragraph under the headline that sums the story up, and where the page prints it."""

    text: str
    position: int
    order: dict[Any, int]

    def comes_before(self, tree: lxml_html.HtmlElement, body_lines: list[str]) -> bool:
        """True when the story's first line is printed after the standfirst (a copy of the
        description further down is a teaser or a box) and the text does not hold it yet."""
        if squashed(self.text)[:80] in squashed(" ".join(body_lines)):
            return False
        first = next((line for line in body_lines if len(line.split()) >= 5), None)
        if first is None:
            return True
        holders = _innermost_holding(tree, first[:STANDFIRST_KEY_CHARS])
        positions = [self.order[el] for el in holders if el in self.order]
        return not positions or self.position < positions[0]


def find_standfirst(tree: lxml_html.HtmlElement, description: str | None) -> Standfirst | None:
    """The element after the <h1> whose text is the page's description: publishers print the
    summary they give search engines as the story's lead paragraph, which the body container
    often leaves out (it sits in the header, beside the headline)."""
    if not description or len(description.split()) < STANDFIRST_MIN_WORDS:
        return None
    wanted = normalise_space(description).rstrip(".… ")
    holders = _innermost_holding(tree, wanted[:STANDFIRST_KEY_CHARS])
    for element in holders:
        text = normalise_space(element.text_content())
        shorter, longer = sorted((squashed(text), squashed(wanted)), key=len)
        if shorter not in longer or len(shorter) < STANDFIRST_AGREEMENT * len(longer):
            continue
        if any(parent.tag in STANDFIRST_OUTSIDE for parent in element.iterancestors()):
            continue
        if not element.xpath("preceding::h1"):
            continue
        order = {el: index for index, el in enumerate(tree.iter())}
        return Standfirst(text, order[element], order)
    return None


def _innermost_holding(tree: lxml_html.HtmlElement, key: str) -> list[Any]:
    """The deepest visible elements whose text contains `key`, in document order.

    Found from the text nodes that hold the key's longest word: each innermost holder of the
    whole key is the first of their ancestors that holds it. Asking every element of the
    page for its whole text instead costs more than trafilatura's own extraction."""
    key = normalise_space(key)
    if not key:
        return []
    word = max(key.split(), key=len)
    holders: dict[Any, None] = {}
    for found in tree.xpath("//body//text()[contains(., $word)]", word=word):
        element = found.getparent()
        if found.is_tail:
            element = element.getparent()
        while element is not None and isinstance(element.tag, str):
            if element.tag in ("body", "html"):
                element = None
                break
            if key in normalise_space(element.text_content()):
                break
            element = element.getparent()
        if element is not None and element.tag not in UNSEEN_TAGS:
            holders[element] = None
    # The word also appears elsewhere: the walk up from there may stop at an element that
    # holds the key only through a holder found from another text node.
    outer = {parent for element in holders for parent in element.iterancestors()}
    return [
        element for element in holders if element not in outer and not has_skipped_ancestor(element)
    ]
