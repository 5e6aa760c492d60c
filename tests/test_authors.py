"""The authors field's rules (extraction/authors.py), one by one."""

from __future__ import annotations

import time

import pytest

from extraction.authors import (
    MAX_NAMES_FIELD_CHARS,
    choose_authors,
    clean_author_names,
    looks_like_person_name,
    names_field,
    parse_byline,
    without_leading_role,
)
from extraction.metadata import PageMetadata
from extraction.run import extract_article

URL = "https://www.courier.example/news/budget"


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Interview Julia Lauter", ["Julia Lauter"]),
        ("FOCUS-Online-Experte Robin Tschöpe", ["Robin Tschöpe"]),
        ("Korrespondentin Anna Marie Roth", ["Anna Marie Roth"]),
        # A role before a single word is no byline label: that word may be the name.
        ("Editor Tom", ["Editor Tom"]),
    ],
)
def test_a_role_before_a_name_is_the_bylines_label(raw: str, names: list[str]) -> None:
    assert clean_author_names([raw], declared=True) == names


def test_a_name_that_starts_like_a_role_is_kept() -> None:
    assert without_leading_role("Textor Anna Roth") == "Textor Anna Roth"
    assert without_leading_role("Anna Roth") == "Anna Roth"
    # Words in lower case after the role: a phrase, not a label and a name.
    assert without_leading_role("Interview mit Julia Lauter") == "Interview mit Julia Lauter"


BODY = "<p>" + "The council met on Monday to discuss the budget and the roads. " * 8 + "</p>"


def page_declaring(author: str, byline: str) -> str:
    return (
        '<html><head><meta property="og:site_name" content="Courier">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget",'
        f' "author": {{"@type": "Organization", "name": "{author}"}}}}</script></head>'
        f'<body><article><h1>Budget</h1><p class="byline">{byline}</p>{BODY}</article>'
        "</body></html>"
    )


@pytest.mark.parametrize("author", ["Courier Newsroom", "The Courier", "Daily Courier News"])
def test_the_site_declared_under_another_name_yields_to_the_printed_byline(author: str) -> None:
    extraction = extract_article(page_declaring(author, "By Jane Doe"), URL)
    assert extraction.authors == ["Jane Doe"]


def test_the_site_declared_stays_when_the_page_prints_no_person() -> None:
    extraction = extract_article(page_declaring("Courier Newsroom", "Updated Monday"), URL)
    assert extraction.authors == ["Courier Newsroom"]


def test_an_agency_declared_is_no_site_name() -> None:
    extraction = extract_article(page_declaring("dpa", "By Jane Doe"), URL)
    assert extraction.authors == ["dpa"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Jane Doe, Business Reporter"], ["Jane Doe"]),
        (["Maria Gonzalez and Tom Becker"], ["Maria Gonzalez", "Tom Becker"]),
        (["Ann Lee, Bo Chan"], ["Ann Lee", "Bo Chan"]),
        (["jane.doe@example.com (Jane Doe)"], ["Jane Doe"]),
        (["jane.doe@example.com"], []),
        (["Jane Doe <jane@example.com>"], ["Jane Doe"]),
        (["Written by: Omar Haddad"], ["Omar Haddad"]),
        (["Vom Krimiblogger"], ["Krimiblogger"]),
        # A comment form's label, a CMS's default account.
        (["Name", "wordpressadmin", "Webmaster", "Ana Admin"], ["Ana Admin"]),
        (["The Riverside Courier"], []),
        (["Omar Haddad", "omar haddad"], ["Omar Haddad"]),
        (["https://example.com/staff/omar"], []),
        (["李明"], ["李明"]),
        # The byline going on after the name: a short word in lower case, a picture's credit.
        (
            ["Marc Hy le", "Miami Herald on", "Olga Symbolbild imago"],
            ["Marc Hy", "Miami Herald", "Olga"],
        ),
        (
            ["Christian Seiler Illustration", "Hanns-Stiftung e.V"],
            ["Christian Seiler", "Hanns-Stiftung e.V"],
        ),
        # A staff label, and the site's name before it.
        (["Adam Aaronson Riverside Courier Staff"], ["Adam Aaronson"]),
        (["Adam Aaronson Courier Staff Writer", "Adam Staff"], ["Adam Aaronson", "Adam Staff"]),
        # A name that ends abbreviated keeps its dot; a sentence's full stop goes.
        (
            ["By Perry Bacon Jr.", "Ann W.", "Lena Fischer."],
            ["Perry Bacon Jr.", "Ann W.", "Lena Fischer"],
        ),
    ],
)
def test_author_names_are_cleaned(raw: list[str], expected: list[str]) -> None:
    not_authors = ["The Riverside Courier", "Riverside Courier", "Courier"]
    assert clean_author_names(raw, not_authors=not_authors) == expected


def test_a_declared_account_in_lower_case_is_kept_as_written() -> None:
    assert clean_author_names(["mika bo"], declared=True) == ["mika bo"]


def test_a_byline_gives_names_and_the_date() -> None:
    assert parse_byline("Natasha Kumar By Natasha Kumar Jun18,2024") == (
        ["Natasha Kumar"],
        "Jun18,2024",
    )
    assert parse_byline("Posted on May 20, 2024 at 10:15 am by Sam Okafor") == (
        ["Sam Okafor"],
        "May 20, 2024 at 10:15 am",
    )
    assert parse_byline("No byline here") == ([], None)


def test_by_as_a_preposition_is_no_byline() -> None:
    assert parse_byline("Vergleich von zweier Länder: Österreich und Russland") == ([], None)
    assert parse_byline("Prices driven by strong demand, say Anna Berg and Tom Hale") == (
        [],
        None,
    )
    assert parse_byline("Ein Kommentar von Anna Schmidt") == (["Anna Schmidt"], None)


def test_a_number_ends_the_names_of_a_byline() -> None:
    """A date the byline parser does not read, then a photo caption with names: not authors."""
    line = "von Redaktion 30. Juni 2025 Weiter Ann Lee, Bo Chan | Foto: Zvg."
    assert parse_byline(line)[0] == ["Redaktion"]


def test_and_in_other_languages_separates_names_but_not_inside_them() -> None:
    assert clean_author_names(["Mette Holm og Lars Berg"]) == ["Mette Holm", "Lars Berg"]
    (club,) = clean_author_names(["Förderverein e.V."], declared=True)
    assert club.startswith("Förderverein e.V")


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Ann Lee, Political Editor", ["Ann Lee"]),
        ("By Ann Lee, Tom Berg and Eva Holm", ["Ann Lee", "Tom Berg", "Eva Holm"]),
        ("released by Ascom, this new solution helps nurses, BAAR, SWITZERLAND", ["Ascom"]),
    ],
)
def test_a_bylines_names_end_where_a_clause_begins(byline: str, names: list[str]) -> None:
    assert parse_byline(byline)[0] == names


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        # The weekday opens the date that follows the name.
        ("By J.R. Stone Thursday, November 9, 2023 7:35AM", ["J.R. Stone"]),
        # The page goes on in lower case after the name: share buttons, then the caption.
        ("By Ann Lee facebook twitter whatsapp The island, seen from the air", ["Ann Lee"]),
        ("By Ana de la Cruz", ["Ana de la Cruz"]),
        # The byline's next field: the picture's credit, the post's tags, a labelled line.
        ("von Alexander Berg Foto: © Agentur Wien, 02.02.2022", ["Alexander Berg"]),
        ("Von: Wolf Adler Tags: Forschung, Georg von Below, Rudolf Smend", ["Wolf Adler"]),
        ("By Dana Cole - Staff Writer", ["Dana Cole"]),
    ],
)
def test_a_byline_ends_where_the_page_goes_on(byline: str, names: list[str]) -> None:
    assert parse_byline(byline)[0] == names


def test_a_pictures_credit_is_no_byline() -> None:
    zone = "The island, once thought doomed. Photograph by Ed Marsh, Island Restoration Programme"
    assert parse_byline(zone)[0] == []
    zone = f"Monday, 6 January 2020 By Mia Holt facebook twitter {zone}"
    assert parse_byline(zone)[0] == ["Mia Holt"]


def test_a_name_in_running_prose_is_no_byline() -> None:
    # A lower-case "von" is the sentence's: its names are not cut out of the words after them.
    prose = "Die FuelCell-Familie von New Balance nimmt mit dem Echo ein neues Mitglied auf."
    assert parse_byline(prose)[0] == []


def test_a_pictures_credit_or_the_tags_run_into_a_name_are_cut() -> None:
    raw = ["Alexander Berg Foto: © Agentur", "Mia Holt © Agentur", "Wolf Adler Tags: Forschung"]
    assert clean_author_names(raw) == ["Alexander Berg", "Mia Holt", "Wolf Adler"]


def test_the_site_named_by_its_domain_is_not_an_author() -> None:
    assert clean_author_names(["RIVERSIDE1.at"], not_authors=["riverside1"], declared=True) == []
    assert clean_author_names(["Anna Berg"], not_authors=["riverside1"]) == ["Anna Berg"]


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("View all posts by Dana Whitfield", ["Dana Whitfield"]),
        ("Dana Whitfield Published 3 hours ago", ["Dana Whitfield"]),
        ("Dana Whitfield Stand: 05.03.2024", ["Dana Whitfield"]),
        ("Dana Whitfield vor 3 Stunden", ["Dana Whitfield"]),
        ("Dana Whitfield Tiempo de lectura: 4 min", ["Dana Whitfield"]),
        ("Dana Whitfield Über Autorenseite", ["Dana Whitfield"]),
        ("Follow", []),
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),
        ("Stanley Vorhees", ["Stanley Vorhees"]),
    ],
)
def test_a_bylines_next_field_run_into_the_name_is_cut(raw: str, names: list[str]) -> None:
    assert clean_author_names([raw]) == names


# Hostile author fields and text: each must be read at once (a backtracking rule took 31 s on
# the first), and give a sane answer. The bound is a hang guard, far above the milliseconds
# each takes.
PROMPTLY = 1.0


@pytest.mark.parametrize("spaces", [8_000, 50_000])
def test_a_name_with_a_long_run_of_spaces_is_read_at_once(spaces: int) -> None:
    started = time.perf_counter()
    names = clean_author_names(["Ann" + " " * spaces + "Lee"])
    assert time.perf_counter() - started < PROMPTLY
    assert names == ["Ann Lee"]


@pytest.mark.parametrize(
    "raw",
    [
        "Ann" + "\n" * 50_000 + "Lee",
        "Ann" + " and" * 12_500,
        "Ann Lee Follow " * 3_000 + "\nx",
        "a" * 50_000 + "@",
        "a@b.c (" * 7_000,
        "(a" * 25_000,
        "Ann" + " staff" * 8_000 + " x",
        "By " * 16_000,
    ],
    ids=["newlines", "and", "labels", "word-at", "email-name", "brackets", "staff", "by"],
)
def test_hostile_author_fields_are_read_at_once_and_give_names_or_nothing(raw: str) -> None:
    started = time.perf_counter()
    names = clean_author_names([raw])
    assert time.perf_counter() - started < PROMPTLY
    assert all(len(name) <= 60 and "\n" not in name for name in names)


def test_a_long_field_of_names_is_cut_at_the_end_of_a_word() -> None:
    field = names_field("Ann Lee, " * 200)
    assert len(field) <= MAX_NAMES_FIELD_CHARS
    assert field.endswith("Lee,")
    assert names_field("  Ann \n\t Lee ") == "Ann Lee"


def test_an_address_glued_to_a_word_is_still_found_from_where_the_word_starts() -> None:
    assert clean_author_names(["Jane Doe jane_doe.x+news@example.com"]) == ["Jane Doe"]
    assert clean_author_names(["jane@example.com (Jane Doe (Courier))"]) == ["Jane Doe"]


def test_a_declared_site_name_is_not_split_into_people() -> None:
    assert clean_author_names(["Jobs & Hire"], not_authors=["jobshire"], declared=True) == []
    assert clean_author_names(["Ann Lee & Bo Chan"], not_authors=["jobshire"]) == [
        "Ann Lee",
        "Bo Chan",
    ]


@pytest.mark.parametrize(
    "name",
    ["Ann Lee", "Ana de la Cruz", "Ursula von der Leyen", "Perry Bacon Jr.", "Ann W. Lee", "李明"],
)
def test_people_s_names_look_like_names(name: str) -> None:
    assert looks_like_person_name(name)


@pytest.mark.parametrize(
    "words",
    [
        "Natur aus selbstsüchtig",  # prose: a word in lower case that no name holds
        "eigennützig. So heißt es",  # a sentence's end
        "Nesselsetzer under Just For Fun",
        "Revised Edition Edited by Adrian Parr",
        "Wait, Really?",  # sentence punctuation
        "Ann Lee; Bo Chan",
        "ann lee",  # a name written in lower case is only taken as declared
    ],
)
def test_fragments_of_sentences_do_not_look_like_names(words: str) -> None:
    assert not looks_like_person_name(words)


def test_a_fragment_of_a_sentence_after_by_is_no_byline() -> None:
    text = "Der Mensch ist von Natur aus selbstsüchtig und eigennützig. So heißt es."
    assert parse_byline(text)[0] == []


@pytest.mark.parametrize(
    ("guessed", "authors"),
    [
        ("Mika Sato", ["Mika Sato"]),
        ("Courier News", ["courier.news"]),
        (None, ["courier.news"]),
    ],
)
def test_trafilaturas_guess_must_be_a_person_other_than_the_publisher(
    guessed: str | None, authors: list[str]
) -> None:
    # trafilatura writes a domain declared as the author as words ("Ndr De" for ndr.de).
    page = PageMetadata(authors=["courier.news"])
    found = choose_authors(
        page,
        zone_text="",
        text_byline_authors=[],
        trafilatura_author=lambda: guessed,
        not_authors=["Riverside Courier", "courier"],  # the site's names, its domain's too
    )
    assert found == authors


@pytest.mark.parametrize("piece", ["NOVEMBER 20", "2019 10:43", "20. Juni", "Mai 2024"])
def test_a_piece_of_a_date_declared_as_an_author_is_no_name(piece: str) -> None:
    assert clean_author_names(["JERUSALEM POST", piece], declared=True) == ["JERUSALEM POST"]


@pytest.mark.parametrize("name", ["May Lee", "April Ryan", "BR24 Redaktion", "June"])
def test_a_name_that_starts_with_a_month_is_still_a_name(name: str) -> None:
    assert clean_author_names([name], declared=True) == [name]
