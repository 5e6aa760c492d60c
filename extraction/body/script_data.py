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

# The inside of a JSON string literal, read from just after its opening quote: up to the
# closing quote, or to the end of the text when there is none.
LITERAL_BODY = re.compile(r'(?:[^"\\]++|\\.)*+', re.DOTALL)
# A literal long enough to hold a story (a few paragraphs of markup), in characters or escapes.
STORY_LITERAL_UNITS = re.compile(r'(?:[^"\\]|\\.){200}', re.DOTALL)
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


def long_literals(text: str) -> Iterator[str]:
    """The insides of the string literals in `text` with at least 200 characters or escapes,
    from left to right, each found from the first quote not inside an earlier one.

    A quote inside a literal that is too short or never closed starts no long literal either:
    read from there, the literal ends where the outer one does. So the search goes on from the
    end of each literal it reads, and reads the text once; a regular expression that tried
    every quote again would read a long unclosed literal of escaped quotes once per quote."""
    start = text.find('"')
    while start != -1:
        body = LITERAL_BODY.match(text, start + 1)
        end = body.end() if body else start + 1
        closed = text.startswith('"', end)
        if closed and STORY_LITERAL_UNITS.match(text, start + 1):
            yield text[start + 1 : end]
            start = text.find('"', end + 1)
        elif closed:
            start = end  # the closing quote may open the next literal
        else:
            return


def html_strings(text: str, depth: int) -> Iterator[str]:
    """The decoded string literals in `text` that hold paragraph markup, looking `depth`
    levels of literals deep."""
    for body in long_literals(text):
        try:
            decoded = json.loads(f'"{body}"')
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
