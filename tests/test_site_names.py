"""The site names' rules (extraction/site_names.py), one by one."""

from __future__ import annotations

import pytest

from extraction.site_names import RepeatedTitleSegments, is_site_name


@pytest.mark.parametrize(
    "name",
    ["Jobs & Hire", "jobs-hire.com", "www.jobshire.com", "JOBS HIRE", "Jobs+Hire"],
)
def test_the_sites_name_in_any_spelling_is_the_site(name: str) -> None:
    assert is_site_name(name, ["Jobs & Hire"])
    assert is_site_name(name, ["jobshire"])


def test_a_name_that_only_shares_words_with_the_site_is_not_the_site() -> None:
    assert not is_site_name("Ann Hire", ["Jobs & Hire"])
    assert not is_site_name("Jobs", ["Jobs & Hire"])
    assert not is_site_name("", ["Jobs & Hire"])


def test_a_segment_the_sites_titles_repeat_is_learned_as_its_name() -> None:
    learned = RepeatedTitleSegments()
    for number in range(3):
        assert learned.names() == []
        learned.add([f"Headline {number}", "Valley Post and Courier"])
    assert learned.names() == ["Valley Post and Courier"]


def test_a_section_on_few_of_the_sites_pages_is_not_its_name() -> None:
    learned = RepeatedTitleSegments()
    for number in range(20):
        learned.add([f"Headline {number}", "Sport" if number % 5 == 0 else "Valley Post"])
    assert learned.names() == ["Valley Post"]  # "Sport" closed 4 titles of 20


def test_what_is_counted_stays_bounded_however_long_the_crawl() -> None:
    learned = RepeatedTitleSegments()
    for number in range(5000):
        learned.add([f"Headline number {number}", "Valley Post"])
    assert len(learned.counts) <= RepeatedTitleSegments.MAX_COUNTED
    assert learned.names() == ["Valley Post"]
