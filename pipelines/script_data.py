"""The story where a page keeps it only in script data, for pages whose HTML holds no text.

Pages rendered in the browser (Next.js, Nuxt, React Query state...) often send the article as
an HTML string inside a script: the server's document has a spinner where the story will be,
and JSON such as {"content": "<p>The council met ...</p>"} that the page's code renders. A
crawler that runs no scripts sees no article. `embedded_article_html` finds such a string: the
HTML fragment in the page's inline scripts with the most paragraphs, decoded from the
JSON (or JavaScript) string literal it is written as, also when that literal sits inside
another one (React's streamed "flight" data is JSON text inside a JavaScript string).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# A JSON string literal long enough to hold a story (a few paragraphs of markup).
STRING_LITERAL = re.compile(r'"((?:[^"\\]|\\.){200,})"', re.DOTALL)
PARAGRAPH_TAG = re.compile(r"<p[\s>]", re.IGNORECASE)
MIN_PARAGRAPHS = 3
# Literals inside literals: flight data is JSON text in a JavaScript string, once more.
NESTING = 2


def embedded_article_html(tree: Any) -> str | None:
    """The HTML fragment with the most paragraphs (at least MIN_PARAGRAPHS; the longer one on
    a tie) that the page's inline scripts hold as a string, or None."""
    best: str | None = None
    best_paragraphs = MIN_PARAGRAPHS - 1
    for script in tree.iter("script"):
        if script.get("src") or not script.text:
            continue
        for fragment in html_strings(script.text, NESTING):
            paragraphs = len(PARAGRAPH_TAG.findall(fragment))
            if paragraphs > best_paragraphs or (
                paragraphs == best_paragraphs and best is not None and len(fragment) > len(best)
            ):
                best, best_paragraphs = fragment, paragraphs
    return best


def html_strings(text: str, depth: int) -> Iterator[str]:
    """The decoded string literals in `text` that hold paragraph markup, looking `depth`
    levels of literals deep."""
    for match in STRING_LITERAL.finditer(text):
        try:
            decoded = json.loads(f'"{match.group(1)}"')
        except ValueError:
            continue
        if not isinstance(decoded, str):
            continue
        # A literal holding literals (a JSON document, flight data) is not the fragment itself;
        # markup's own quotes (attributes) are no literals.
        markup = decoded.lstrip().startswith("<")
        inner = list(html_strings(decoded, depth - 1)) if depth > 1 and not markup else []
        if inner:
            yield from inner
        elif PARAGRAPH_TAG.search(decoded) and not decoded.lstrip().startswith(("{", "[")):
            yield decoded
