"""trafilatura's readability/jusText comparison, skipped only where it cannot change the text."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

import pytest
import trafilatura
import trafilatura.core
from lxml import html as lxml_html
from trafilatura.external import compare_extraction
from trafilatura.readability_lxml import Document as Readability
from trafilatura.settings import Extractor
from trafilatura.utils import trim

import extraction.trafilatura_adapters.fallback_gate as gate
from extraction.page import ExtractionError
from extraction.run import extract_article
from extraction.trafilatura_adapters import body_text
from tests.localsite import site_and_generated_pages

PROSE = (
    "The council met on Tuesday evening to discuss the budget for the coming year, and after "
    "a long debate the members agreed to fund the new library branch in the harbour district."
)


def article_page(paragraphs: int, furniture_words: int = 0, script_chars: int = 0) -> str:
    body = "".join(f"<p>{PROSE} Paragraph {n}.</p>" for n in range(paragraphs))
    furniture = " ".join(["menu"] * furniture_words)
    return (
        "<html><head><title>Budget approved</title>"
        f"<script>var state = '{'x ' * script_chars}';</script><style>p {{ color: red }}</style>"
        f"</head><body><div class='sidebar'>{furniture}</div>"
        f"<article><h1>Budget approved</h1>{body}</article></body></html>"
    )


def tree(html: str) -> Any:
    return lxml_html.fromstring(html)


def options(**changes: Any) -> Extractor:
    extractor = Extractor(comments=False, tables=True)
    for name, value in changes.items():
        setattr(extractor, name, value)
    return extractor


def body_of(inner_html: str) -> Any:
    return lxml_html.document_fromstring(f"<html><body>{inner_html}</body></html>").body


def own_extraction(text: str) -> Any:
    return body_of(f"<p>{text}</p>")


# ------------------------------------------------------------------ the bound


def test_page_text_length_leaves_out_scripts_and_styles() -> None:
    page = tree(article_page(2, script_chars=5000))
    visible = trim("".join(page.xpath("//text()[not(ancestor::script or ancestor::style)]")))
    # A space more where a script stood between two words, never fewer.
    assert len(visible) <= gate.page_text_length(page) <= len(visible) + 2


@pytest.mark.parametrize("furniture_words", [0, 50, 2000])
def test_page_text_length_is_never_shorter_than_readabilitys_text(furniture_words: int) -> None:
    html = article_page(6, furniture_words=furniture_words, script_chars=3000)
    found = Readability(tree(html), min_text_length=25).summary()
    readability_text = trim(tree(found).text_content())
    assert gate.page_text_length(tree(html)) >= len(readability_text) > 0


def test_collapsed_length_counts_as_trafilatura_trims() -> None:
    for text in ["", "   ", " a  b\n\tc ", "word", "x\xa0y"]:
        assert gate.collapsed_length(text) == len(trim(text))


# ------------------------------------------------------------------ the decision


def test_skipped_when_the_text_is_most_of_the_page() -> None:
    page = article_page(6, furniture_words=20)
    text = trim(" ".join(PROSE for _ in range(6)))
    assert gate.skip_fallbacks_that_cannot_win(tree(page), own_extraction(text), text, options())


def test_not_skipped_when_the_page_holds_more_than_twice_the_text() -> None:
    page = article_page(6, furniture_words=3000)
    text = trim(" ".join(PROSE for _ in range(6)))
    assert not gate.readability_cannot_win(tree(page), own_extraction(text), text, options())


def test_not_skipped_when_the_text_has_no_paragraphs() -> None:
    page = article_page(6)
    text = trim(" ".join(PROSE for _ in range(6)))
    headings_only = body_of(f"<div>{text}</div>")
    assert not gate.readability_cannot_win(tree(page), headings_only, text, options())


def test_not_skipped_when_justext_would_look_at_the_text() -> None:
    page = tree(article_page(1))
    assert gate.justext_would_run(own_extraction("Short."), "Short.", options())
    with_furniture = body_of(f"<p>{PROSE}</p><nav>Home</nav>")
    assert gate.justext_would_run(with_furniture, PROSE, options())
    assert not gate.skip_fallbacks_that_cannot_win(
        page, own_extraction("Short."), "Short.", options()
    )


def test_not_skipped_in_recall_mode_or_without_text() -> None:
    page = tree(article_page(6))
    text = trim(" ".join(PROSE for _ in range(6)))
    assert not gate.readability_cannot_win(
        page, own_extraction(text), text, options(focus="recall")
    )
    assert not gate.readability_cannot_win(page, own_extraction(""), "", options())


# ------------------------------------------------------------------ installed around extraction


def test_the_comparison_is_trafilaturas_own_outside_the_block() -> None:
    assert trafilatura.core.compare_extraction is compare_extraction
    with gate.fallbacks_only_where_they_can_win():
        assert trafilatura.core.compare_extraction is not compare_extraction
    assert trafilatura.core.compare_extraction is compare_extraction
    with pytest.raises(RuntimeError), gate.fallbacks_only_where_they_can_win():
        raise RuntimeError("extraction failed")
    assert trafilatura.core.compare_extraction is compare_extraction


def test_a_comparison_of_another_shape_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def changed(tree: Any, body: Any, text: str) -> tuple[Any, str]:
        return body, text

    monkeypatch.setattr(trafilatura.core, "compare_extraction", changed)
    with gate.fallbacks_only_where_they_can_win():
        assert trafilatura.core.compare_extraction is changed


def fixture_and_generated_pages() -> Iterator[tuple[str, str]]:
    yield from site_and_generated_pages()
    yield "http://127.0.0.1:8767/a.html", article_page(6, furniture_words=3000)
    yield "http://127.0.0.1:8767/b.html", article_page(1)


def extracted(url: str, html: str) -> Any:
    try:
        return extract_article(html, url)
    except ExtractionError as error:
        return str(error)


def test_extraction_is_the_same_with_and_without_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    decisions: list[bool] = []
    decide = gate.skip_fallbacks_that_cannot_win

    def recorded(*args: Any) -> bool:
        decisions.append(decide(*args))
        return decisions[-1]

    monkeypatch.setattr(gate, "skip_fallbacks_that_cannot_win", recorded)
    pages = list(fixture_and_generated_pages())
    gated = [extracted(url, html) for url, html in pages]
    monkeypatch.setattr(body_text, "fallbacks_only_where_they_can_win", nullcontext)
    ungated = [extracted(url, html) for url, html in pages]
    assert gated == ungated
    # Both branches were taken: the comparison was skipped on some pages and ran on others.
    assert any(decisions)
    assert not all(decisions)
