"""trafilatura's metadata, field by field: what extract_metadata gives, each searched for lazily."""

from __future__ import annotations

from typing import Any

import pytest
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from bench.sitegen import DEFAULT_SEED, article_info, render_article
from extraction.run import HTMLDATE_PARAMS, extract_article
from extraction.trafilatura_adapters import fallback_metadata
from extraction.trafilatura_adapters.fallback_metadata import (
    MAX_FIELD_CHARS,
    FallbackMetadata,
    finished,
)
from tests.localsite import SITE_ROOT

FIELDS = ("title", "author", "date", "sitename", "description", "image", "tags")
BYLINE_ONLY = """<html><head><title>Harbour ferry resumes service | The Courier</title></head>
<body><h1>Harbour ferry resumes service</h1>
<div class="author-name">Maria Gonzalez</div>
<article><p>The harbour ferry carried its first passengers in three months on Monday, after
repairs to the landing stage took longer than the city had planned for the winter.</p>
<p>Commuters said the crossing saves them forty minutes each way compared with the bridge.</p>
</article></body></html>"""
DECLARED = BYLINE_ONLY.replace(
    "</head>",
    '<meta name="author" content="Maria Gonzalez"><meta property="og:site_name" '
    'content="The Courier"><meta name="keywords" content="ferry, harbour"></head>',
)


def pages() -> list[tuple[str, str]]:
    found = [
        (f"http://127.0.0.1:8765/{path.relative_to(SITE_ROOT)}", path.read_text(encoding="utf-8"))
        for path in sorted((SITE_ROOT / "news").rglob("*.html"))
    ]
    base = "http://127.0.0.1:8766"
    found += [
        (f"{base}{article_info(DEFAULT_SEED, n).path}", render_article(DEFAULT_SEED, n, 50, base))
        for n in range(6)
    ]
    return [*found, ("http://127.0.0.1:8767/a", BYLINE_ONLY), ("http://127.0.0.1:8767/b", DECLARED)]


@pytest.mark.parametrize(("url", "html"), pages())
def test_every_field_is_what_extract_metadata_says(url: str, html: str) -> None:
    whole = extract_metadata(load_html(html), url, dict(HTMLDATE_PARAMS))
    lazy = FallbackMetadata(load_html(html), url, HTMLDATE_PARAMS)
    for name in FIELDS:
        assert getattr(lazy, name) == getattr(whole, name), name


def test_a_declared_author_is_not_searched_for(monkeypatch: pytest.MonkeyPatch) -> None:
    searches: list[Any] = []
    monkeypatch.setattr(
        fallback_metadata,
        "extract_author",
        lambda tree: searches.append(tree),
    )
    assert FallbackMetadata(load_html(DECLARED), None, HTMLDATE_PARAMS).author == "Maria Gonzalez"
    assert searches == []
    assert FallbackMetadata(load_html(BYLINE_ONLY), None, HTMLDATE_PARAMS).author is None
    assert len(searches) == 1


def test_extraction_searches_for_no_author_the_page_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    searches: list[Any] = []
    monkeypatch.setattr(
        fallback_metadata,
        "extract_author",
        lambda tree: searches.append(tree),
    )
    printed = BYLINE_ONLY.replace(
        '<div class="author-name">Maria Gonzalez</div>', "<p>By Maria Gonzalez</p>"
    )
    extraction = extract_article(printed, "http://127.0.0.1:8767/a", min_words=5)
    assert extraction.authors == ["Maria Gonzalez"]
    assert searches == []


def test_fields_are_finished_as_trafilatura_finishes_them() -> None:
    assert finished("  Caf&eacute;\n au  lait ") == "Café au lait"
    assert finished(None) is None
    long = finished("x" * (MAX_FIELD_CHARS + 5))
    assert long is not None
    assert len(long) == MAX_FIELD_CHARS
    assert long.endswith("…")
