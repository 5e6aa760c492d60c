"""The site names' rules (extraction/site_names.py), one by one."""

from __future__ import annotations

import pytest

from extraction.site_names import is_site_name


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
