"""trafilatura's reading of an article's body, with the two adapters that speed it up
(fallback_gate, prune_expressions) in force while it reads.
"""

from __future__ import annotations

import trafilatura
from lxml import html as lxml_html

from extraction.body.script_data import embedded_article_html
from extraction.trafilatura_adapters.fallback_gate import fallbacks_only_where_they_can_win
from extraction.trafilatura_adapters.prune_expressions import python_prune_expressions


def trafilatura_text(tree: lxml_html.HtmlElement, url: str, *, favor_recall: bool = False) -> str:
    """trafilatura's reading of the body, "" when it finds none. Its metadata is read
    elsewhere, field by field, where the page's own falls short (fallback_metadata.py)."""
    with fallbacks_only_where_they_can_win(), python_prune_expressions():
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_recall=favor_recall,
            include_comments=False,
            include_tables=True,
            include_images=False,
            with_metadata=False,
        )
    return getattr(document, "text", None) or ""


def text_from_script_data(tree: lxml_html.HtmlElement, url: str) -> str:
    """The story's text from the HTML a page keeps in its scripts, for pages whose document
    holds none (rendered in the browser); empty when there is none."""
    embedded = embedded_article_html(tree)
    if embedded is None:
        return ""
    story = lxml_html.document_fromstring(
        f"<html><body><article>{embedded}</article></body></html>"
    )
    return trafilatura_text(story, url)
