"""The parsed page's rules (extraction/page.py), one by one."""

from __future__ import annotations

import pytest
import trafilatura.utils

from extraction import page as parsing
from extraction.page import PAGE_PARSER, parse_page
from extraction.run import extract_article
from tests.test_extract import ARTICLES, BASE, page


def test_pages_parse_with_morgues_parser_and_extract_as_with_trafilaturas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trafilatura_parser = trafilatura.utils.HTML_PARSER
    for path in ARTICLES:
        html = page(path)
        assert parse_page(html).getroottree().parser is PAGE_PARSER
        assert trafilatura.utils.HTML_PARSER is trafilatura_parser  # put back after the parse
        ours = extract_article(html, f"{BASE}/{path}")
        with monkeypatch.context() as patch:
            patch.setattr(parsing, "PAGE_PARSER", trafilatura_parser)
            theirs = extract_article(html, f"{BASE}/{path}")
        assert ours == theirs, path
