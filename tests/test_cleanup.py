"""Each cleanup rule on a small piece of page furniture written for the test."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from extraction.authors import byline_from_text_lines
from extraction.body.cleanup import (
    clean_body,
    drop_menu_runs,
    drop_page_headline,
    is_byline,
    is_company_profile_start,
    is_contact_line,
    is_credit_line,
    is_post_fields_line,
    is_prompt_line,
    is_tail_heading,
    strip_tag_debris,
)
from tests.test_authors import PROMPTLY

PARAGRAPH = (
    "The county board voted on Tuesday to reopen the old river ferry, which has been closed "
    "since the flood of 2019, and to fund two new crews for the summer season."
)


SECOND = (
    "Supporters said the ferry would cut the commute for hundreds of workers on the east bank, "
    "while opponents questioned the cost of repairing the landing."
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "said the minister.” em> – a spokesman added.",
            "said the minister.” – a spokesman added.",
        ),
        ("Quoted text </strong> continues here.", "Quoted text continues here."),
        ("A <span class='x'>marked</span> word.", "A marked word."),
        ("The ratio is 3 > 2 and a->b stays.", "The ratio is 3 > 2 and a->b stays."),
        ("Ends with p>", "Ends with"),
    ],
)
def test_tag_debris_is_removed_and_real_text_is_kept(line: str, expected: str) -> None:
    assert strip_tag_debris(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Natasha Kumar By Natasha Kumar Jun18,2024",
        "By Natasha Kumar",
        "Natasha Kumar",
        "By Natasha Kumar and Omar Haddad, Updated June 18, 2024",
    ],
)
def test_bylines_are_recognised(line: str) -> None:
    assert is_byline(line, ["Natasha Kumar", "Omar Haddad"])


def test_a_sentence_about_the_author_is_not_a_byline() -> None:
    line = "Natasha Kumar reported from Seoul, where the talks were held behind closed doors."
    assert not is_byline(line, ["Natasha Kumar"])


@pytest.mark.parametrize(
    "line",
    [
        "Prepared by: Sergey Daga",
        "Illustrative photo from open sources",
        "Photo: Jane Roe / Agency",
        "Reporting by Ann Lee; Editing by Bo Chan",
    ],
)
def test_credit_lines_are_recognised(line: str) -> None:
    assert is_credit_line(line)


def test_a_long_sentence_starting_with_photo_is_not_a_credit() -> None:
    line = (
        "Photographs taken by residents on the night of the flood show the water reaching the "
        "first floor of the library, the school and the fire station on Main Street."
    )
    assert not is_credit_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Share this article: Facebook Twitter Email",
        "Sign up for our morning newsletter and get the news first.",
        "Read more: Council delays vote on the ferry",
        "Follow us on Telegram",
        "GET FOX BUSINESS ON THE GO BY CLICKING HERE",
    ],
)
def test_prompts_are_recognised(line: str) -> None:
    assert is_prompt_line(line)


@pytest.mark.parametrize(
    "line",
    ["Related Post", "Related Articles", "You may also like", "Comments", "Tags:", "Temas"],
)
def test_tail_headings_are_recognised(line: str) -> None:
    assert is_tail_heading(line)


def test_a_related_block_and_what_follows_it_are_cut() -> None:
    text = "\n".join([PARAGRAPH, SECOND, "Related Post", "Ferry fares to rise", "Bridge closed"])
    assert clean_body(text) == f"{PARAGRAPH}\n{SECOND}"


def test_an_author_box_at_the_end_is_cut() -> None:
    text = "\n".join(
        [
            PARAGRAPH,
            SECOND,
            "Omar Haddad",
            "By Omar Haddad",
            "Omar Haddad has been a reporter on the county desk since 2015. Call 555-0100.",
        ]
    )
    assert clean_body(text, authors=["Omar Haddad"]) == f"{PARAGRAPH}\n{SECOND}"


def test_the_authors_name_early_in_the_story_is_kept() -> None:
    quote = "Omar Haddad, who rode the ferry as a child, said he was glad to see it back."
    text = "\n".join([PARAGRAPH, quote, SECOND])
    # Not a byline (a sentence), and not in the tail: it stays.
    assert quote in clean_body(text, authors=["Omar Haddad"])


def test_the_headline_repeated_in_the_body_and_duplicate_paragraphs_are_dropped() -> None:
    title = "County votes to reopen the river ferry"
    text = "\n".join([title, PARAGRAPH, SECOND, PARAGRAPH])
    assert clean_body(text, title=title) == f"{PARAGRAPH}\n{SECOND}"


def test_menus_around_the_text_are_dropped() -> None:
    lines = ["Home", "Local", "Business", "Sport", PARAGRAPH, SECOND, "About", "Contact", "Jobs"]
    assert drop_menu_runs(lines) == [PARAGRAPH, SECOND]


def test_a_short_opening_line_is_not_taken_for_a_menu() -> None:
    lines = ["Analysis", PARAGRAPH, SECOND]
    assert drop_menu_runs(lines) == lines


def test_the_real_seed_page_text_is_cleaned() -> None:
    """The text of the real page the project started from, when shared/ is beside the repo."""
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    files = sorted(seeds.glob("*.txt")) if seeds.is_dir() else []
    if not files:
        pytest.skip("shared/seeds is not beside the project")
    text = files[0].read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    title = lines[1]
    authors, date = byline_from_text_lines(lines, title)
    assert authors == ["Natasha Kumar"]
    assert date == "Jun18,2024"
    body = clean_body(text, title=title, authors=authors)
    for residue in (
        "Jul 15th",
        "By Natasha",
        "em>",
        "Prepared by",
        "has been a reporter",
        "Related Post",
    ):
        assert residue not in body
    assert body.splitlines()[0].startswith("The United States criticized")
    assert body.splitlines()[-1].endswith("Miller indicated.")


def test_a_story_printed_twice_loses_its_second_copy_but_repeated_list_items_stay() -> None:
    third = "Commuters from the east bank said they would save an hour a day on their trips."
    printed_twice = "\n".join([PARAGRAPH, SECOND, third, PARAGRAPH, SECOND, third])
    assert clean_body(printed_twice) == "\n".join([PARAGRAPH, SECOND, third])
    breakfast = "Breakfast: oatmeal with berries and a glass of fresh orange juice"
    days = [f"Day {day}: a walk of {day} kilometres along the river path." for day in range(1, 8)]
    plan = "\n".join(line for day in days for line in (day, breakfast))
    # The same breakfast on seven days, between other lines: a plan, not a printing error.
    assert clean_body(plan).count(breakfast) == 7


@pytest.mark.parametrize(
    "printed",
    [
        "River ferry to reopen after five years",
        "Transport:River ferry to reopen after five years",
        "County news River ferry to reopen after five years",
    ],
)
def test_the_printed_headline_is_removed_with_its_kicker(printed: str) -> None:
    text = f"May 3, 2024\n{printed}\n{PARAGRAPH}\n{SECOND}"
    assert drop_page_headline(text, ["River ferry to reopen after five years"]) == (
        f"May 3, 2024\n{PARAGRAPH}\n{SECOND}"
    )


def test_a_line_that_only_resembles_the_headline_or_comes_late_is_kept() -> None:
    headline = "River ferry to reopen after five years"
    text = f"{PARAGRAPH}\nWhy the river ferry to reopen after five years matters to the county"
    assert drop_page_headline(text, [headline]) == text
    late = "\n".join([PARAGRAPH] * 5 + [headline])
    assert drop_page_headline(late, [headline]) == late


PROFILE = (
    "Ascom is a global solutions provider focused on healthcare ICT and mobile workflow "
    "solutions, with subsidiaries in 15 countries."
)


def test_a_press_release_ends_before_its_publishers_profile() -> None:
    text = f"{PARAGRAPH}\n{SECOND}\n{PROFILE}\nAscom (SIX: ASCN) employs 1,300 people."
    assert clean_body(text, publishers=["Ascom"]) == f"{PARAGRAPH}\n{SECOND}"
    about = f"{PARAGRAPH}\n{SECOND}\nAbout Ascom\n{PROFILE}"
    assert clean_body(about, publishers=["ascom"]) == f"{PARAGRAPH}\n{SECOND}"


def test_the_publishers_name_alone_or_another_company_is_not_a_profile() -> None:
    other = PROFILE.replace("Ascom", "Dräger")
    text = f"{PARAGRAPH}\n{SECOND}\nAscom\n{other}"
    assert clean_body(text, publishers=["Ascom"]) == text
    assert is_company_profile_start("Ascom, Inc. is a provider of care systems.", ["Ascom"])
    assert not is_company_profile_start("Ascom said the deal closes in May.", ["Ascom"])


def test_a_sentence_that_mentions_clicking_is_not_a_prompt() -> None:
    assert not is_prompt_line(
        "The council said residents who had trouble with the form online should call rather "
        "than click here and there on the old website, which will close in May."
    )
    assert not is_prompt_line("Readers could click here and there without any luck.")


def test_a_line_of_post_fields_and_the_tags_after_it_are_dropped() -> None:
    fields = "05/10/2018 - Publicado por: Clarissa Borba - Categoria: Saúde - Tags: sad"
    text = f"{fields}\narrombamento\nveiculo\n{PARAGRAPH}\n{SECOND}"
    assert clean_body(text) == f"{PARAGRAPH}\n{SECOND}"
    # One label is a sentence's business: "Category: ..." alone is left to the other rules.
    assert not is_post_fields_line("Published by: the city council, on Monday")


def test_a_numbered_list_that_ends_the_text_is_no_menu() -> None:
    items = [f"{rank}. {name}" for rank, name in enumerate(["Ann Lee", "Bo Chan", "Tom Hale"], 98)]
    lines = [PARAGRAPH, "97. Tim “Ripper” Owens", *items]
    assert drop_menu_runs(lines) == lines
    # Numbers that do not go on from the list are a menu's.
    menu = ["1. Home", "2. News", "3. Sport"]
    assert drop_menu_runs([PARAGRAPH, "97. Tim “Ripper” Owens", *menu]) == lines[:2]
    # The same at the top: a list that opens the text.
    opening = ["1. Ann Lee", "2. Bo Chan", "3. Tom Hale", f"4. {PARAGRAPH}"]
    assert drop_menu_runs(opening) == opening


def test_a_long_word_in_the_text_is_read_at_once() -> None:
    word = "a" * 60_000
    started = time.perf_counter()
    text = clean_body(f"{PARAGRAPH}\n{word}@\n{SECOND}")
    assert is_contact_line(f"Contact: {word}@") is False
    assert time.perf_counter() - started < PROMPTLY
    assert text.startswith(PARAGRAPH)
    assert text.endswith(SECOND)
