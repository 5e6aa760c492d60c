"""The authors field's rules (extraction/authors.py), one by one."""

from __future__ import annotations

import pytest

from extraction.authors import clean_author_names, without_leading_role


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
