"""trafilatura's page-wide prune expressions, evaluated in Python, with the same results.

Before and during its extraction, trafilatura removes comment sections, infinite-scroll
containers and boilerplate blocks with XPath expressions such as
`.//*[self::div or self::section][re:test(@id, '…') or re:test(@class, '…')]`. libxml2
walks the whole page for each, and every `re:test` is a call back into Python's `re`, once
per element of those tags: together they cost an eighth of Morgue's extraction time on real
news pages, a fifth on the crawl benchmark's. The same tests written as a loop over the
elements with those tags cost a third to a fifth of that.

Each stand-in here answers exactly what its expression answers: the same elements in the same
order (tests/test_prune_expressions.py compares them on every fixture page and on attribute
orders made up to catch the subtle cases). It is used only where trafilatura's expression,
its regular expressions aside, is the one it was written for; the regular expressions are
read from trafilatura's own expression, so its token lists stay trafilatura's.
`python_prune_expressions()` swaps them in while Morgue extracts; outside it trafilatura is
left as it is (the benchmarks' plain trafilatura runs in the same process).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from lxml.etree import XPath
from trafilatura import xpaths as trafilatura_xpaths

logger = logging.getLogger(__name__)

Select = Callable[[Any], list[Any]]
# A regex test on attributes, as trafilatura writes them: re:test(@id|@class, 'pattern').
REGEX_TEST = re.compile(r"(re:test\((@[\w-]+(?:\|@[\w-]+)*),\s*)'([^']*)'\)")


def shape(path: str) -> str:
    """An expression with its whitespace collapsed and its regular expressions left out."""
    return REGEX_TEST.sub(r"\1'…')", " ".join(path.split()))


def regex_tests(path: str) -> list[re.Pattern[str]]:
    """The regular expressions of an expression's re:test calls, compiled as lxml does."""
    return [re.compile(match[3]) for match in REGEX_TEST.finditer(path)]


def first_of(element: Any, names: tuple[str, str]) -> str:
    """The value XPath gives `@a|@b`: the one of the two attributes that comes first on the
    element (document order), or "" when it has neither."""
    first, second = element.get(names[0]), element.get(names[1])
    if first is None:
        return second or ""
    if second is None:
        return str(first)
    for name in element.attrib:  # in the order the page gives them
        if name in names:
            return str(element.get(name))
    return ""  # not reached: both attributes are there


def _infinite_scroll_blocks(patterns: list[re.Pattern[str]]) -> Select:
    """.//*[self::div or self::section or self::aside][re:test(@id, A) or re:test(@class, B)]
    [not(.//h1) or re:test(@id, C) or re:test(@class, D)]"""
    id_any, class_any, id_exact, class_exact = patterns

    def select(tree: Any) -> list[Any]:
        found = []
        for element in tree.iterdescendants("div", "section", "aside"):
            id_, class_ = element.get("id", ""), element.get("class", "")
            if not (id_any.search(id_) or class_any.search(class_)):
                continue
            if element.find(".//h1") is None or id_exact.search(id_) or class_exact.search(class_):
                found.append(element)
        return found

    return select


def _share_button_blocks(patterns: list[re.Pattern[str]]) -> Select:
    """.//*[self::div or self::section or self::aside]
    [contains(@class, 'elementor-share-buttons')]"""

    def select(tree: Any) -> list[Any]:
        return [
            element
            for element in tree.iterdescendants("div", "section", "aside")
            if "elementor-share-buttons" in element.get("class", "")
        ]

    return select


def _comment_sections(patterns: list[re.Pattern[str]]) -> Select:
    """.//*[self::div or self::list or self::section or self::details or self::ol or self::ul]
    [re:test(@id, A) or re:test(@class, B)][not(self::ol or self::ul) or re:test(@id, C) or
    re:test(@class, D)]"""
    id_any, class_any, list_id, list_class = patterns
    tags = ("div", "list", "section", "details", "ol", "ul")

    def select(tree: Any) -> list[Any]:
        found = []
        for element in tree.iterdescendants(*tags):
            id_, class_ = element.get("id", ""), element.get("class", "")
            if not (id_any.search(id_) or class_any.search(class_)):
                continue
            if element.tag not in ("ol", "ul") or list_id.search(id_) or list_class.search(class_):
                found.append(element)
        return found

    return select


def _boilerplate_blocks(patterns: list[re.Pattern[str]]) -> Select:
    """.//*[self::div or self::item or self::list or self::p or self::section or self::span]
    [@data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or
    contains(@data-component, 'MostPopularStories') or re:test(@id|@class, A) or
    re:test(@id, B) or re:test(@class, C)]"""
    either, id_only, class_only = patterns
    tags = ("div", "item", "list", "p", "section", "span")

    def select(tree: Any) -> list[Any]:
        found = []
        for element in tree.iterdescendants(*tags):
            id_, class_ = element.get("id", ""), element.get("class", "")
            if (
                class_only.search(class_)
                or id_only.search(id_)
                or either.search(first_of(element, ("id", "class")))
                or element.get("data-lp-replacement-content") is not None
                or "nav" in element.get("role", "").replace("N", "n")
                or "MostPopularStories" in element.get("data-component", "")
            ):
                found.append(element)
        return found

    return select


def _hidden_blocks(patterns: list[re.Pattern[str]]) -> Select:
    """.//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or
    re:test(@id|@style, A) or contains(@style, 'display:none') or
    contains(@style, 'display: none') or re:test(@id, B) or re:test(@class, C) or
    @aria-hidden='true']"""
    id_or_style, id_only, class_only = patterns

    def select(tree: Any) -> list[Any]:
        found = []
        for element in tree.iterdescendants():
            if not isinstance(element.tag, str):
                continue  # a comment or a processing instruction
            attributes = element.attrib
            if not attributes:
                continue
            id_, class_ = attributes.get("id", ""), attributes.get("class", "")
            style = attributes.get("style", "")
            if (
                class_ == "comments-title"
                or class_only.search(class_)
                or id_only.search(id_)
                or "display:none" in style
                or "display: none" in style
                or attributes.get("aria-hidden") == "true"
                or first_of(element, ("id", "class")).startswith("reply-")
                or id_or_style.search(first_of(element, ("id", "style")))
            ):
                found.append(element)
        return found

    return select


# What each stand-in replaces: the expression's shape (see shape()), as trafilatura 2.3 writes it.
STAND_INS: dict[str, Callable[[list[re.Pattern[str]]], Select]] = {
    (
        ".//*[self::div or self::section or self::aside][ re:test(@id, '…') or "
        "re:test(@class, '…')][ not(.//h1) or re:test(@id, '…') or re:test(@class, '…')]"
    ): _infinite_scroll_blocks,
    (
        ".//*[self::div or self::section or self::aside]"
        "[contains(@class, 'elementor-share-buttons')]"
    ): _share_button_blocks,
    (
        ".//*[self::div or self::list or self::section or self::details or self::ol or self::ul]"
        "[ re:test(@id, '…') or re:test(@class, '…')][ not(self::ol or self::ul) or "
        "re:test(@id, '…') or re:test(@class, '…')]"
    ): _comment_sections,
    (
        ".//*[self::div or self::item or self::list or self::p or self::section or self::span][ "
        "@data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
        "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, '…') or "
        "re:test(@id, '…') or re:test(@class, '…')]"
    ): _boilerplate_blocks,
    (
        ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or "
        "re:test(@id|@style, '…') or contains(@style, 'display:none') or "
        "contains(@style, 'display: none') or re:test(@id, '…') or re:test(@class, '…') or "
        "@aria-hidden='true']"
    ): _hidden_blocks,
}
# trafilatura's lists of prune expressions that hold the expressions above.
EXPRESSION_LISTS = (
    "RAW_TREE_PRUNE_XPATH",
    "REMOVE_COMMENTS_AND_LISTS_XPATH",
    "OVERALL_DISCARD_XPATH",
)


class PythonExpression:
    """Stands in for one compiled XPath expression: called on a tree, it returns the elements
    the expression selects, in document order."""

    def __init__(self, expression: XPath, select: Select) -> None:
        self.expression = expression
        self.select = select

    @property
    def path(self) -> str:
        return str(self.expression.path)

    def __call__(self, tree: Any) -> list[Any]:
        return self.select(tree)

    def __repr__(self) -> str:
        return f"PythonExpression({shape(self.path)!r})"


def stand_in_for(expression: Any) -> PythonExpression | None:
    """The Python stand-in for one of trafilatura's expressions, None when there is none."""
    if not isinstance(expression, XPath):
        return None
    make = STAND_INS.get(shape(expression.path))
    return PythonExpression(expression, make(regex_tests(expression.path))) if make else None


@cache
def swaps() -> tuple[tuple[list[Any], list[Any], list[Any]], ...]:
    """(trafilatura's list, its expressions, the same with the stand-ins), per list."""
    found = []
    for name in EXPRESSION_LISTS:
        expressions = getattr(trafilatura_xpaths, name, None)
        if not isinstance(expressions, list):
            continue
        replaced = [stand_in_for(expression) or expression for expression in expressions]
        if all(new is old for new, old in zip(replaced, expressions, strict=True)):
            logger.debug("trafilatura's %s has changed: it runs as XPath", name)
            continue
        found.append((expressions, list(expressions), replaced))
    return tuple(found)


def replaced_expressions() -> Sequence[PythonExpression]:
    """The stand-ins in use, in trafilatura's order."""
    return [
        new for _, _, replaced in swaps() for new in replaced if isinstance(new, PythonExpression)
    ]


@contextmanager
def python_prune_expressions() -> Iterator[None]:
    """Within the block, trafilatura prunes with the Python stand-ins. Its lists are changed
    in place, so every trafilatura module that imported them sees the change, and they are
    put back afterwards."""
    for shared, _, replaced in swaps():
        shared[:] = replaced
    try:
        yield
    finally:
        for shared, original, _ in swaps():
            shared[:] = original
