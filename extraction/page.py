"""The page, parsed once, and the parts of it that several fields read: the tree as
trafilatura parses it, an element's visible text, and the byline zone under the headline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import trafilatura.utils
from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import load_html

from extraction.text import normalise_space

# trafilatura's own parser, except that lxml gives each element its Python class in C: lxml.html's
# default lookup runs a Python method for every element object handed out, a few thousand per
# page and 3-5% of its extraction time. Only <form>, <input>, <select>, <textarea> and <label>
# lose their form-handling classes, which nothing here uses.

PAGE_PARSER = trafilatura.utils.HTML_PARSER.copy()
PAGE_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)
# What libxml2 logs when it stops reading a document it finds too deep or too large.
PARSER_LIMIT = re.compile(r"XML_PARSE_HUGE|huge|excessive depth|resource limit", re.IGNORECASE)
BYLINE_ZONE_CHARS = 600
# Blocks in the byline zone: the names of a byline end at the block's end.
# fmt: off
ZONE_BLOCKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "section", "header", "footer", "figure",
    "figcaption", "br", "h2", "h3", "h4", "h5", "h6", "tr", "td", "table",
}
# fmt: on
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "button", "form"}
UNSEEN_TAGS = {"script", "style", "noscript", "template"}


class ExtractionError(ValueError):
    """The page holds no article the archive can keep."""


def parse_page(html: str) -> lxml_html.HtmlElement:
    """The page's tree, parsed once, as trafilatura parses it; ExtractionError when there is
    none, or when the parser stopped reading part-way through the page."""
    # load_html repairs and decodes the page as trafilatura does, then parses with the parser
    # its module holds: this one, for this call.
    trafilatura_parser = trafilatura.utils.HTML_PARSER
    trafilatura.utils.HTML_PARSER = PAGE_PARSER
    try:
        tree = load_html(html)
    finally:
        trafilatura.utils.HTML_PARSER = trafilatura_parser
    if tree is None:
        raise ExtractionError("the page could not be parsed as HTML")
    problem = parser_limit_problem(PAGE_PARSER.error_log)
    if problem:
        raise ExtractionError(problem)
    return tree


def parser_limit_problem(error_log: Iterable[Any]) -> str | None:
    """Why the HTML parser cut this page short, from its error log, or None when it read it all.

    Past 256 levels of nesting, or in a text run over 10 MB, libxml2 stops reading and raises
    nothing: the article would be archived truncated or found empty. Only its log says so."""
    for entry in error_log:
        if entry.type_name != "ERR_RESOURCE_LIMIT" and not PARSER_LIMIT.search(entry.message):
            continue
        if "depth" in entry.message.lower():
            return (
                "the page's HTML is nested deeper than the parser reads (256 levels); "
                "its text would be cut short"
            )
        return (
            f"the HTML parser stops part-way through the page ({entry.message.strip()}); "
            "its text would be cut short"
        )
    return None


@dataclass
class BylineZone:
    text: str
    datetimes: list[str]


def byline_zone(tree: lxml_html.HtmlElement) -> BylineZone:
    """The text between the headline (<h1>) and the body's first real paragraph: where
    bylines and dates are printed. Dates before the headline belong to the site's header."""
    headings = tree.xpath("//h1")
    if not headings:
        return BylineZone("", [])
    heading = headings[0]
    pieces: list[str] = []
    datetimes: list[str] = []
    size = 0
    started = False
    inside_heading = set(heading.iter())
    for element in tree.iter():
        if element is heading:
            started = True
            pieces.append(element.tail or "")
            continue
        if not started or element in inside_heading or not isinstance(element.tag, str):
            continue
        if element.tag in SKIPPED_TAGS or has_skipped_ancestor(element):
            continue
        own_text = element.text or ""
        if element.tag == "p" and len(own_text.split()) + len(element.text_content().split()) > 50:
            break
        if element.tag == "time" and element.get("datetime"):
            datetimes.append(element.get("datetime", "").strip())
        if element.tag in ZONE_BLOCKS:
            pieces.append("|")  # a byline's names end where its block does
        pieces.extend((own_text, element.tail or ""))
        size += len(own_text) + len(element.tail or "")
        if size > BYLINE_ZONE_CHARS:
            break
    return BylineZone(normalise_space(" ".join(pieces)), datetimes)


def has_skipped_ancestor(element: Any) -> bool:
    return any(parent.tag in SKIPPED_TAGS for parent in element.iterancestors())


INLINE_NOSPACE = {
    "a",
    "b",
    "i",
    "em",
    "strong",
    "u",
    "wbr",
    "sup",
    "sub",
    "mark",
    "abbr",
    "font",
    "q",
    "s",
}
# Text only screen readers get. A label there ("Headline:") is not printed, but a separator
# there (": " between kicker and headline) is how the headline reads as one line.
SCREEN_READER_MARK = re.compile(
    r"visually-?hidden|sr-only|screen-?reader|a11y-hidden|offscreen", re.I
)


def is_hidden_label(element: Any) -> bool:
    """Words that only screen readers get, such as "Headline:" before the headline."""
    marks = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(SCREEN_READER_MARK.search(marks)) and any(
        ch.isalnum() for ch in element.text_content()
    )


def element_text(element: Any) -> str:
    """Text without script/style; element boundaries become a space unless punctuation
    follows ("<span>LTE-Patent</span>: ..."); inline formatting tags join without a space."""
    pieces: list[str] = []

    def walk(el: Any) -> None:
        if not isinstance(el.tag, str) or el.tag in SKIPPED_TAGS or is_hidden_label(el):
            if el is not element and el.tail:
                pieces.append(el.tail)
            return
        mark = "" if el.tag in INLINE_NOSPACE else "\x00"
        pieces.append(mark)
        if el.text:
            pieces.append(el.text)
        for child in el:
            walk(child)
        pieces.append(mark)
        if el is not element and el.tail:
            pieces.append(el.tail)

    walk(element)
    text = "".join(pieces)
    text = re.sub(r"(?<!\x00)\x00++(?=\s*+[:;,.!?)\]…])", "", text)
    text = re.sub(r"(?<=[(\[])\x00+", "", text)
    return normalise_space(text.replace("\x00", " "))
