"""trafilatura's prune expressions in Python: the same elements as the XPath, on every page."""

from __future__ import annotations

import copy
from contextlib import nullcontext
from typing import Any

import pytest
from lxml import html as lxml_html
from lxml.etree import XPath
from trafilatura import xpaths as trafilatura_xpaths

import extraction.trafilatura_adapters.prune_expressions as prune_expressions
from extraction.body.prune import (
    merge_split_body,
    paragraphs_from_line_breaks,
    prune_furniture,
    unwrap_layout_tables,
)
from extraction.page import ExtractionError, parse_page
from extraction.run import extract_article
from extraction.trafilatura_adapters import body_text
from extraction.trafilatura_adapters.prune_expressions import (
    PythonExpression,
    first_of,
    python_prune_expressions,
    replaced_expressions,
    stand_in_for,
)
from tests.localsite import site_and_generated_pages

# Pages made up to reach each condition of the expressions, in the attribute orders where
# XPath's `@id|@class` (the first of the two on the element) differs from either attribute.
TRICKY_BLOCKS = """
<div class="cookie-banner" id="main">consent, class first</div>
<div id="reply-7" class="post">reply, id first</div>
<div class="post" id="reply-7">reply, class first</div>
<span style="color: red" id="hidden-note">hidden, style first</span>
<span id="hidden-note" style="color: red">hidden, id first</span>
<p style="display:none">no display</p><p style="display: none">no display, spaced</p>
<section aria-hidden="true">aria hidden</section><section aria-hidden="false">aria shown</section>
<div class="comments-title">comments title</div>
<div role="Navigation">navigation, capital N</div><div role="NAV">navigation, capitals</div>
<div data-lp-replacement-content="">replacement, empty</div>
<div data-component="MostPopularStories">most popular</div>
<div class="sidebar">sidebar</div>
<ul class="comment-list"><li>comment list</li></ul><ol id="comments"><li>comments list</li></ol>
<ul class="nav-comments"><li>navigation list</li></ul>
<ul id="dsq-comments"><li>disqus list</li></ul>
<div id="disqus_thread">disqus</div><details class="commentary">commentary</details>
<div class="infinite-scroll"><h1>The story itself</h1><p>infinite, with the headline</p></div>
<div class="infinite-scroll"><p>infinite, the next story</p></div>
<aside id="mvp-post-add-box"><h1>an appended story</h1></aside>
<section class="elementor-share-buttons">share buttons</section>
<!-- a comment --><?pi a processing instruction?>
"""


def tricky_page() -> str:
    return (
        f"<html><head><title>t</title></head><body><article>{TRICKY_BLOCKS}</article></body></html>"
    )


def trees_of(html: str) -> list[Any]:
    """The page as trafilatura gets it from Morgue (pruned), and as it came."""
    try:
        tree = parse_page(html)
    except ExtractionError:
        return []
    pruned = copy.deepcopy(tree)
    prune_furniture(merge_split_body(paragraphs_from_line_breaks(unwrap_layout_tables(pruned))))
    return [tree, pruned]


def test_every_prune_expression_of_this_trafilatura_has_its_stand_in() -> None:
    # If trafilatura rewrites one of them, its stand-in stays out and this test says which.
    replaced = {prune_expressions.shape(stand_in.path) for stand_in in replaced_expressions()}
    assert replaced == set(prune_expressions.STAND_INS)


@pytest.mark.parametrize(
    ("url", "html"),
    [("tricky", tricky_page()), *site_and_generated_pages()],
    ids=lambda value: value if isinstance(value, str) and len(value) < 100 else "",
)
def test_each_stand_in_selects_what_its_expression_selects(url: str, html: str) -> None:
    for tree in trees_of(html):
        for stand_in in replaced_expressions():
            assert stand_in(tree) == stand_in.expression(tree), stand_in


def test_the_tricky_page_reaches_every_kind_of_match() -> None:
    tree = lxml_html.fromstring(tricky_page())
    selected = {
        element.text_content().strip()
        for stand_in in replaced_expressions()
        for element in stand_in(tree)
    }
    assert {
        "consent, class first",
        "reply, id first",
        "hidden, id first",
        "no display",
        "no display, spaced",
        "aria hidden",
        "comments title",
        "navigation, capital N",
        "replacement, empty",
        "most popular",
        "sidebar",
        "comment list",
        "comments list",
        "disqus",
        "infinite, the next story",
        "an appended story",
        "share buttons",
    } <= selected
    assert (
        not {
            "reply, class first",
            "hidden, style first",
            "aria shown",
            "navigation, capitals",
            "navigation list",
            "disqus list",
            "commentary",
            "The story itselfinfinite, with the headline",
        }
        & selected
    )


def test_first_of_two_attributes_follows_the_elements_order() -> None:
    def element(attributes: str) -> Any:
        return lxml_html.fromstring(f"<div {attributes}>x</div>")

    assert first_of(element('class="a" id="b"'), ("id", "class")) == "a"
    assert first_of(element('id="b" class="a"'), ("id", "class")) == "b"
    assert first_of(element('class="a"'), ("id", "class")) == "a"
    assert first_of(element('title="t"'), ("id", "class")) == ""


def test_extraction_is_the_same_with_and_without_the_stand_ins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pages = [("http://127.0.0.1:8767/tricky.html", tricky_page()), *site_and_generated_pages()]

    def extracted(url: str, html: str) -> Any:
        try:
            return extract_article(html, url)
        except ExtractionError as error:
            return str(error)

    with_stand_ins = [extracted(url, html) for url, html in pages]
    monkeypatch.setattr(body_text, "python_prune_expressions", nullcontext)
    with_xpath = [extracted(url, html) for url, html in pages]
    assert with_stand_ins == with_xpath


def test_trafilaturas_lists_are_its_own_outside_the_block() -> None:
    lists = [getattr(trafilatura_xpaths, name) for name in prune_expressions.EXPRESSION_LISTS]
    with python_prune_expressions():
        assert any(isinstance(item, PythonExpression) for items in lists for item in items)
    assert all(isinstance(item, XPath) for items in lists for item in items)


def test_an_expression_of_another_shape_has_no_stand_in() -> None:
    changed = XPath(".//*[self::div or self::section][contains(@class, 'elementor-share-buttons')]")
    assert stand_in_for(changed) is None
    known = XPath(
        ".//*[self::div or self::section or self::aside][contains(@class, "
        "'elementor-share-buttons')]"
    )
    assert stand_in_for(known) is not None
