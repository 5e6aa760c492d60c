"""The authors field's rules (extraction/authors.py), one by one."""

from __future__ import annotations

import pytest

from extraction.authors import clean_author_names, without_leading_role
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
