"""The reader's search syntax (browse/search_syntax.py): what each operator becomes in FTS5, what
it finds in a full-text index built like the archive's, and that nothing a reader types makes
SQLite fail."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator

import pytest
import sqlite_utils

from browse.search_syntax import (
    MATCH_NOTHING,
    MAX_CHARS,
    MAX_TERMS,
    fts5_query,
    register_search_functions,
)

ARTICLES = [
    (1, "Council passes the budget", "The city council did not delay the budgets."),
    (2, "Schools face budget cuts", "Teachers said the cuts would hurt pupils."),
    (3, "Budgetary rules tightened", "Ministers agreed new fiscal rules."),
    (4, "Talks with North Korea", "Envoys from north-korea met officials in the U.S. capital."),
    (5, "Weather in the north", "Snow fell across the north, and Korea saw rain."),
    (6, "Orchestra plays on", "Rain or shine, the concert will go on."),
    (7, "Table tennis: drop shots", "Three articles on the drop shot."),
]
ALL = {article_id for article_id, _, _ in ARTICLES}
# SQLite's flag for a deterministic function, as pragma_function_list shows it.
SQLITE_DETERMINISTIC = 0x800


@pytest.fixture(scope="module")
def connection() -> Iterator[sqlite3.Connection]:
    """A tiny archive: the articles table and its FTS5 index, made as the archive's migration
    makes them."""
    db = sqlite_utils.Database(memory=True)
    db["articles"].insert_all(  # type: ignore[union-attr]
        [{"id": id_, "title": title, "text": text} for id_, title, text in ARTICLES], pk="id"
    )
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")  # type: ignore[union-attr]
    register_search_functions(db.conn)
    yield db.conn
    db.conn.close()


def found(connection: sqlite3.Connection, search: str) -> set[int]:
    """The articles a reader's search finds, through SQL as the search page asks it."""
    rows = connection.execute(
        "select articles.id from articles join articles_fts"
        " on articles.rowid = articles_fts.rowid"
        " where articles_fts match reader_fts(?)",
        [search],
    )
    return {article_id for (article_id,) in rows}


@pytest.mark.parametrize(
    ("search", "expression"),
    [
        ("budget", '"budget"'),
        ("council budget", '"council" AND "budget"'),
        ('"north korea"', '"north korea"'),
        ("council OR teachers", '("council" OR "teachers")'),
        ("a b OR c", '"a" AND ("b" OR "c")'),
        ("a OR b OR c d", '("a" OR "b" OR "c") AND "d"'),
        ("a OR b c OR d", '("a" OR "b") AND ("c" OR "d")'),
        ("budget -cuts", '"budget" NOT "cuts"'),
        ('budget -"budget cuts"', '"budget" NOT "budget cuts"'),
        ("a b -c -d", '("a" AND "b") NOT ("c" OR "d")'),
        ("a OR b -c", '("a" OR "b") NOT "c"'),
        ("a b OR c -d -e", '("a" AND ("b" OR "c")) NOT ("d" OR "e")'),
        ("bud*", '"bud"*'),
        ("bud***", '"bud"*'),
        ('"north kor"*', '"north kor"*'),
        ("-bud*", None),
        ("a -bud*", '"a" NOT "bud"*'),
    ],
)
def test_each_operator_becomes_its_fts5_expression(search: str, expression: str | None) -> None:
    assert fts5_query(search) == expression


@pytest.mark.parametrize(
    ("search", "expression"),
    [
        # Nothing to search for.
        ("", None),
        ("   \t\n", None),
        ("-cuts", None),
        ('-cuts -"north korea"', None),
        ("* - ** --", None),
        ('"" "', None),
        ("... !!! 😀", None),
        ("OR", None),
        # OR with no wanted term on one side is dropped; lower case is a word.
        ("OR budget", '"budget"'),
        ("budget OR", '"budget"'),
        ("a OR OR b", '"a" AND "b"'),
        ("a OR -b", '"a" NOT "b"'),
        ("-a OR b", '"b" NOT "a"'),
        ("a or b", '"a" AND "or" AND "b"'),
        ('a "OR" b', '"a" AND "OR" AND "b"'),
        ("a Or b", '"a" AND "Or" AND "b"'),
        # A term with no letter or digit is dropped, also next to an OR.
        ("budget *", '"budget"'),
        ("budget - cuts", '"budget" AND "cuts"'),
        ("a OR * b", '("a" OR "b")'),
        ("budget 😀", '"budget"'),
        # Quotes: an unclosed phrase runs to the end; inside a word a quote is doubled.
        ('budget "city council', '"budget" AND "city council"'),
        ('don"t', '"don""t"'),
        ('"a b"c', '"a b" AND "c"'),
        ('-"', None),
        ('"a b', '"a b"'),
        ('"a" "b"', '"a" AND "b"'),
        # FTS5's own syntax is only ever words.
        ("title:budget", '"title:budget"'),
        ("NEAR(a b)", '"NEAR(a" AND "b)"'),
        ("^a +b", '"^a" AND "+b"'),
        ("a AND", '"a" AND "AND"'),
        ("NOT a", '"NOT" AND "a"'),
        ("{title text}: a", '"{title" AND "text}:" AND "a"'),
        ("(a OR b)", '("(a" OR "b)")'),
        ("'; drop table articles; --", '"drop" AND "table" AND "articles;"'),
        # Punctuation inside a word is left for the tokenizer to split.
        ("north-korea", '"north-korea"'),
        ("U.S.", '"U.S."'),
        # Control characters, NUL among them, separate terms.
        ("a\x00b", '"a" AND "b"'),
        ('"a\x00b"', '"a b"'),
        ("a\x1bb\x7fc", '"a" AND "b" AND "c"'),
    ],
)
def test_malformed_input_is_read_as_words(search: str, expression: str | None) -> None:
    assert fts5_query(search) == expression


def test_only_the_first_terms_are_kept() -> None:
    expression = fts5_query(" ".join(f"w{number}" for number in range(1_000)))
    assert expression == " AND ".join(f'"w{number}"' for number in range(MAX_TERMS))


def test_only_the_first_characters_are_read() -> None:
    assert fts5_query("a" + " " * (MAX_CHARS - 2) + "b c") == '"a" AND "b"'


def test_match_nothing_is_valid_and_matches_nothing(connection: sqlite3.Connection) -> None:
    rows = connection.execute(
        "select rowid from articles_fts where articles_fts match ?", [MATCH_NOTHING]
    )
    assert rows.fetchall() == []


def test_reader_fts_is_registered_as_deterministic(connection: sqlite3.Connection) -> None:
    (flags,) = connection.execute(
        "select flags from pragma_function_list where name = 'reader_fts' and narg = 1"
    ).fetchone()
    assert flags & SQLITE_DETERMINISTIC


@pytest.mark.parametrize(
    ("value", "expression"),
    [
        ("bud*", '"bud"*'),
        ("-cuts", MATCH_NOTHING),
        ("", MATCH_NOTHING),
        (None, MATCH_NOTHING),
        (2025, '"2025"'),
        (b"budget", '"budget"'),
        (b"\xffbudget", '"\ufffdbudget"'),
    ],
)
def test_reader_fts_gives_an_expression_for_any_sql_value(
    connection: sqlite3.Connection, value: object, expression: str
) -> None:
    assert connection.execute("select reader_fts(?)", [value]).fetchone() == (expression,)


@pytest.mark.parametrize(
    ("search", "articles"),
    [
        # Words: all of them, stemmed, in the title or the text, whatever the case.
        ("budget", {1, 2}),
        ("budgets", {1, 2}),
        ("BUDGET", {1, 2}),
        ("council budget", {1}),
        ("north korea", {4, 5}),
        ("rain", {5, 6}),
        ("rain or shine", {6}),
        # Phrases: next to each other, in order.
        ('"north korea"', {4}),
        ('"korea north"', set()),
        ('"rain or shine"', {6}),
        ('budget "city council', {1}),
        # Punctuation inside a word, split as the index splits the text.
        ("north-korea", {4}),
        ("U.S.", {4}),
        ("u.s", {4}),
        # OR: either, binding the terms next to it.
        ("council OR teachers", {1, 2}),
        ("rain OR shine", {5, 6}),
        ("budget cuts OR council", {1, 2}),
        ("rain OR budget fiscal OR snow", {5}),
        ("council or teachers", set()),
        # Exclusions.
        ("budget -cuts", {1}),
        ('budget -"budget cuts"', {1}),
        ('north -"north korea"', {5}),
        ("budget -cuts -council", set()),
        ("-budget", set()),
        # Prefixes (stemmed too).
        ("bud*", {1, 2, 3}),
        ("budgets*", {1, 2, 3}),
        ('"north kor"*', {4}),
        ("bud* -rules", {1, 2}),
        # Combinations.
        ('north OR budget* -cuts -"north korea"', {1, 3, 5}),
        ("korea OR bud* -north", {1, 2, 3}),
        # Operators of FTS5's own are words here.
        ("budget NOT council", {1}),
        ("title:council", set()),
        ("NEAR(drop shot)", set()),
        ("'; drop table articles; --", {7}),
        ("drop table articles", {7}),
        # The cap on terms: the 33rd and later are not read.
        (" ".join(["budget"] * MAX_TERMS + ["nowhere"]), {1, 2}),
    ],
)
def test_each_operator_finds_what_it_should(
    connection: sqlite3.Connection, search: str, articles: set[int]
) -> None:
    assert found(connection, search) == articles


NASTY_SEARCHES = [
    '"',
    '""',
    '"""',
    '"budget',
    'budget"',
    '"budget""',
    "(",
    ")",
    "((budget",
    "budget))",
    "(budget OR",
    "title:",
    "title:budget",
    "text : council",
    "{title}: budget",
    "- title : budget",
    "NEAR(a b)",
    "NEAR(budget council, 2)",
    "NEAR(",
    "^a",
    "^",
    "+",
    "a AND",
    "AND",
    "NOT",
    "NOT budget",
    "budget NOT",
    "OR",
    "OR OR",
    "OR OR OR budget OR OR",
    "*",
    "**",
    "budget**",
    "*budget",
    "-",
    "--",
    "-budget",
    "--budget",
    '-"',
    '-""',
    "-*",
    ",",
    ".",
    "'",
    "\\",
    "\\0",
    "%",
    "_",
    ";",
    "\x00",
    "budget\x00",
    '"budget\x00council"',
    "\x00\x01\x02\x1f\x7f\x9f",
    "\t\n\r\x0b\x0c",
    "😀",
    "budget 😀",
    "👩‍👩‍👧‍👦",
    "\u202ebudget\u202c",
    "\u200f\u200e\u200b\ufeff",
    "ميزانية المدينة",
    "תקציב העירייה",
    "预算",
    "e\u0301",
    "\u0301",
    "\ufffd",
    "\U0010ffff",
    "\ue000",
    "a" * 10_000,
    "budget " * 1_000,
    " ".join(f"w{number}" for number in range(1_000)),
    " OR ".join(f"w{number}" for number in range(1_000)),
    " ".join(f"-w{number}" for number in range(1_000)),
    '"' * 10_000,
    "(" * 10_000,
    "- " * 5_000,
    "'; drop table articles; --",
    "budget'); drop table articles; --",
    '"; drop table articles; --',
    "') or 1=1 --",
    '" OR 1=1 --',
    "* from articles",
    "reader_fts(budget)",
    "rank:bm25",
    "rowid:1",
    "articles_fts",
]


@pytest.mark.parametrize("search", NASTY_SEARCHES)
def test_nothing_a_reader_types_makes_sqlite_fail(
    connection: sqlite3.Connection, search: str
) -> None:
    assert found(connection, search) <= ALL
    assert connection.execute("select count(*) from articles").fetchone() == (len(ARTICLES),)


@pytest.mark.parametrize("start", range(0, 0x3000, 0x100), ids=lambda start: f"U+{start:04X}")
def test_every_character_is_searchable_without_failing(
    connection: sqlite3.Connection, start: int
) -> None:
    characters = "".join(chr(code) for code in range(start, start + 0x100))
    for search in (characters, f'"{characters}', f"-{characters} budget", f"{characters}*"):
        assert found(connection, search) <= ALL


def test_random_searches_never_make_sqlite_fail(connection: sqlite3.Connection) -> None:
    pieces = [
        '"', '"', "-", "-", "*", "(", ")", ":", "^", "+", "{", "}", ",", ".", "'", ";",
        " ", " ", " ", "\t", "\x00", "é", "😀",
        "a", "b", "u", "s", "OR", "OR", "or", "AND", "NOT", "NEAR", "title", "text",
        "budget", "north", "korea", "bud",
    ]  # fmt: skip
    rng = random.Random(20_240_601)
    for _ in range(2_000):
        search = "".join(rng.choices(pieces, k=rng.randint(0, 24)))
        try:
            result = found(connection, search)
        except sqlite3.Error as error:
            pytest.fail(f"{search!r} -> {fts5_query(search)!r}: {error}")
        assert result <= ALL
