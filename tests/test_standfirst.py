"""The standfirst's rules (extraction/body/standfirst.py), one by one."""

from __future__ import annotations

from lxml import html as lxml_html

from extraction.body.standfirst import _innermost_holding


def test_the_innermost_element_holding_a_phrase_is_found_however_its_words_are_spread() -> None:
    page = lxml_html.fromstring(
        "<html><body><nav><a>The ferry timetable</a></nav>"
        "<header><h1>Ferry</h1><p id=lead><b>The ferry</b> is back\u00a0after two"
        " years</p></header><div><p id=later>The ferry is back after two years</p>"
        "<script>var s = 'The ferry is back after two years';</script></div></body></html>"
    )
    found = _innermost_holding(page, "The ferry is back after two years")
    # Not the <header> that holds the lead paragraph, nor the script or the <nav> word.
    assert [element.get("id") for element in found] == ["lead", "later"]
    assert _innermost_holding(page, "a phrase the page never prints") == []
