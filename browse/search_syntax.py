"""The reader's search box, translated to an SQLite FTS5 MATCH expression.

Readers type the syntax they know from web search engines; none of what they type reaches FTS5
as syntax. Every term goes out as an FTS5 string ("word", any `"` inside doubled), so column
filters (`title:x`), `NEAR(...)`, `^`, `+`, parentheses and the keywords AND, OR, NOT are only
ever words, and only the operators written here are FTS5's. The rules:

- Words: every one must match (AND). Stemming is the index's (tokenize="porter"), so `budgets`
  finds "budget"; case and diacritics do not matter.
- Punctuation inside a word splits it the way the index splits the text, and the pieces must
  be next to each other: `north-korea` is the phrase "north korea", `U.S.` the phrase "u s".
- `"exact phrase"`: the words next to each other, in that order. A quote opens a phrase only at
  the start of a term (`don"t` is a word); a phrase missing its closing quote runs to the end.
- `OR`, in capitals and between two wanted terms: either. It binds the terms next to it:
  `a b OR c` is a AND (b OR c); `a OR b OR c` is one choice of three. An OR with no wanted term
  on either side (leading, trailing, doubled, next to an excluded term) is dropped; lower-case
  `or`, and `"OR"` quoted, are the word "or".
- `-word`, `-"a phrase"`: articles with it are left out. Only exclusions, with no wanted term,
  is nothing to search for (None).
- `word*`, `"a phrase"*`: the last word is a prefix; `bud*` finds "budget". The prefix is
  stemmed like any word, so `budgets*` finds what `budget*` does.
- A term with no letter or digit (a bare `*`, `-`, `""`, `...`, an emoji) is dropped: FTS5
  reads an empty string as a phrase that matches nothing, which would empty the whole result.
  Control characters (NUL too, which ends an FTS5 expression early) separate terms.
- The work is bounded: only the first MAX_CHARS characters are read and the first MAX_TERMS
  terms kept; the rest is ignored.

The expression has parentheses wherever FTS5's precedence (NOT, then AND, then OR) would decide:
`a b OR c -d -e` becomes `("a" AND ("b" OR "c")) NOT ("d" OR "e")`.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

MAX_CHARS: Final = 1_000
MAX_TERMS: Final = 32
# An FTS5 expression that is valid and matches no row: the empty phrase.
MATCH_NOTHING: Final = '""'


@dataclass(frozen=True)
class Term:
    """A word or a phrase as typed (unquoted), and what the reader asked of it."""

    text: str
    excluded: bool = False
    prefix: bool = False


class Or:
    """The OR operator, where it was typed."""


OR: Final = Or()


def fts5_query(text: str) -> str | None:
    """The search box's text as an FTS5 MATCH expression, or None when it asks for nothing
    (empty, only punctuation, only excluded terms)."""
    groups: list[list[Term]] = []  # ANDed together; the terms in each are ORed
    excluded: list[Term] = []
    joining = False  # an OR follows a wanted term
    previous: Term | Or | None = None
    for item in search_terms(text):
        if isinstance(item, Or):
            joining = isinstance(previous, Term) and not previous.excluded
        elif item.excluded:
            excluded.append(item)
            joining = False
        elif joining:
            groups[-1].append(item)
            joining = False
        else:
            groups.append([item])
        previous = item
    if not groups:
        return None
    wanted = " AND ".join(any_of(group) for group in groups)
    if not excluded:
        return wanted
    if len(groups) > 1:
        wanted = f"({wanted})"
    return f"{wanted} NOT {any_of(excluded)}"


def search_terms(text: str) -> Iterator[Term | Or]:
    """The terms and ORs of the search box's text, left to right, at most MAX_TERMS terms."""
    text = "".join(" " if unicodedata.category(char) == "Cc" else char for char in text[:MAX_CHARS])
    count = 0
    position = 0
    while position < len(text) and count < MAX_TERMS:
        if text[position].isspace():
            position += 1
            continue
        excluded = text[position] == "-"
        if excluded:
            position += 1
        if text.startswith('"', position):
            end = text.find('"', position + 1)
            end = len(text) if end == -1 else end
            body = text[position + 1 : end]
            position = end + 1
            prefix = text.startswith("*", position)
            if prefix:
                position += 1
        else:
            end = position
            while end < len(text) and not text[end].isspace():
                end += 1
            word = text[position:end]
            position = end
            if word == "OR" and not excluded:
                yield OR
                continue
            body = word.rstrip("*")
            prefix = body != word
        if any(is_token_character(char) for char in body):
            count += 1
            yield Term(body, excluded, prefix)


def is_token_character(char: str) -> bool:
    """A character FTS5's unicode61 tokenizer keeps in a token (letters, digits, private use);
    all others separate tokens."""
    category = unicodedata.category(char)
    return category[0] in "LN" or category == "Co"


def quoted(term: Term) -> str:
    """A term as an FTS5 string, so that nothing in it is FTS5 syntax."""
    escaped = term.text.replace('"', '""')
    return f'"{escaped}"' + ("*" if term.prefix else "")


def any_of(terms: list[Term]) -> str:
    if len(terms) == 1:
        return quoted(terms[0])
    return "(" + " OR ".join(quoted(term) for term in terms) + ")"


def reader_fts(text: object) -> str:
    """The SQL function reader_fts(text): the text's expression, or MATCH_NOTHING when it asks
    for nothing, so that `match reader_fts(:q)` never fails on what a reader typed."""
    if text is None:
        return MATCH_NOTHING
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return fts5_query(str(text)) or MATCH_NOTHING


def register_search_functions(connection: sqlite3.Connection) -> None:
    """Make reader_fts(text) available to SQL on the connection (Datasette's prepare_connection
    hook can call this)."""
    connection.create_function("reader_fts", 1, reader_fts, deterministic=True)
