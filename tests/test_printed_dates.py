"""The printed dates' rules (extraction/printed_dates.py), one by one."""

from __future__ import annotations

import pytest

from extraction.printed_dates import is_date_line
from tests.test_cleanup import PARAGRAPH


@pytest.mark.parametrize(
    "line",
    [
        "Mon. Jul 15th, 2024",
        "Jun18,2024",
        "Updated: March 3, 2024 at 10:15 am",
        "2024-06-18",
        "5 hours ago",
    ],
)
def test_date_lines_are_recognised(line: str) -> None:
    assert is_date_line(line)


@pytest.mark.parametrize("line", [PARAGRAPH, "On March 3, 2024 the council met in secret."])
def test_sentences_mentioning_a_date_are_not_date_lines(line: str) -> None:
    assert not is_date_line(line)


def test_a_date_does_not_start_inside_a_number() -> None:
    from extraction.printed_dates import find_date_strings

    # Not "13 November 2013": the 13 belongs to the year before it.
    assert find_date_strings("Archive 2013 November 2013") == []
    assert find_date_strings("Posted 13 November 2013") == ["13 November 2013"]
