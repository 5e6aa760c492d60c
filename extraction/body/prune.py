"""Page furniture removed from the HTML before trafilatura reads it.

Elements are dropped when a word of their class or id (split on spaces, '-', '_' and camelCase)
names furniture: captions and credits, share bars, newsletter boxes, related and promoted
teasers, author boxes, disclaimers, pull quotes, tables of contents, cookie notices and text
for screen readers only. Guards keep the story: never the
html/body/main/article elements, never an element holding the <h1>, holding more than a
quarter of the page's text, or a fifth of its long paragraphs.

Stories split over several sibling containers with the same class are merged into the first,
because trafilatura reads only the first container it recognises as the body.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lxml import html as lxml_html
from trafilatura.xpaths import BODY_XPATH

from extraction.text import alphanumerics

# The vocabulary of trafilatura's first body XPath (ids, classes), to test names with in Python;
# None with a trafilatura that has none of that name, whose XPath itself is then evaluated.
BODY_NAMES: tuple[re.Pattern[str], re.Pattern[str]] | None
try:
    from trafilatura.xpaths import _ARTICLE_CONTENT_CLASS_TOKENS, _ARTICLE_CONTENT_ID_TOKENS

    BODY_NAMES = (
        re.compile("|".join(_ARTICLE_CONTENT_ID_TOKENS)),
        re.compile("|".join(_ARTICLE_CONTENT_CLASS_TOKENS)),
    )
except ImportError:
    BODY_NAMES = None

FURNITURE_WORDS = {
    "caption": (
        r"(?:fig)?captions?|credits?|photo-?credits?|image-?credits?|copyright|bildunterschrift|bildnachweis|image-?source"
    ),
    "caption2": (
        r"(?:image|img|photo|picture|media|bild|figure)-?(?:description|desc|annotation|caption|legend|subtitle|credit)s?|bildtext|legend"
    ),
    "sronly": (r"visually-?hidden|sr-only|screen-?reader(?:-text|-only)?|a11y-hidden|offscreen"),
    "newsletter": (r"newsletters?|signup|sign-up|subscribe|subscription|optin|opt-in"),
    "related": (
        r"related|recirc(?:ulation)?|promos?|teasers?|recommended|recommendations?|also-?read|read-?also|further-?reading|trending|most-?(?:read|popular|viewed)|outbrain|taboola|more-?(?:stories|news|articles|from)|latest-?news"
    ),
    "byline": (
        r"bylines?|author-?(?:bio|box|info|card|details|profile)|about-?(?:the-?)?author|authorbox|contributors?"
    ),
    "disclaimer": (r"disclaimer|disclosure|affiliate-?(?:disclosure|notice|text)"),
    "pullquote": (r"pull-?quote|pullquote"),
    "share": (
        r"share|sharing|sharebar|share-?buttons?|social-?(?:links|share|media|icons|bar|buttons?)|addthis|sharethis"
    ),
    "consent": (
        r"cookies?|consent|gdpr|content-?blocker|cookie-?(?:banner|notice|consent)|privacy-?(?:banner|notice)"
    ),
}
FURNITURE = re.compile(
    r"(?<![a-z0-9])(?<!no-)(?<!has-)(?<!with-)(?<!without-)(?:"
    + "|".join(f"(?:{words})" for words in FURNITURE_WORDS.values())
    + r")(?![a-z0-9])"
)
CAMEL_CASE = re.compile(r"([a-z0-9])([A-Z])")
PROTECTED_TAGS = {"html", "body", "main", "article", "head"}
MAX_TEXT_SHARE = 0.25
MAX_STORY_SHARE = 0.2
STORY_PARAGRAPH_WORDS = 25
MIN_CHUNK_CHARS = 200
LOOSE_TEXT_CONTAINERS = ("div", "section", "article", "td")
INLINE_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "del", "dfn", "em", "font", "i", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
    "var", "wbr", "img",
}  # fmt: skip
LINKED_BLOCK_WORDS = 8
LINKED_PARAGRAPH_WORDS = 4
TABLE_PARTS = ("thead", "tbody", "tfoot", "tr", "td", "th", "caption")
LAYOUT_TABLE_PARAGRAPHS = 2
# A list whose every item is a link's text, at most behind a short kicker ("Topic: <a>"), is
# a list of teasers (related stories, "more from", shop links), not the story's own
# enumeration, whose items read as prose with at most a linked word or two.
LINK_LIST_MIN_ITEMS = 2
LINK_LIST_LINKED_SHARE = 0.5
LINK_LIST_UNLINKED_WORDS = 4
# Only lists printed among the story's paragraphs are removed. Menus are left alone:
# trafilatura drops them itself, and compares its result with other algorithms' reading of
# the whole page to choose between extractions, which removing menus would skew.
LINK_LIST_LEVELS = 2
LINK_LIST_OUTSIDE = {"nav", "header", "footer", "aside", "li", "menu"}


def prune_furniture(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Remove furniture elements from the tree, in place; return the tree."""
    body = tree.find("body")
    root = body if body is not None else tree
    total = len(root.text_content()) or 1
    story = [p for p in root.iter("p") if len(p.text_content().split()) >= STORY_PARAGRAPH_WORDS]
    story_chars = sum(len(p.text_content()) for p in story) or 1
    marked = [element for element in root.iterdescendants() if _named_as_furniture(element)]
    marked += linked_blocks(root)
    for element in marked:
        parent = element.getparent()
        if parent is None or element.tag == "h1" or element.find(".//h1") is not None:
            continue
        if len(element.text_content()) > MAX_TEXT_SHARE * total:
            continue
        held = sum(
            len(p.text_content())
            for p in element.iter("p")
            if len(p.text_content().split()) >= STORY_PARAGRAPH_WORDS
        )
        if story and held > MAX_STORY_SHARE * story_chars:
            continue
        _remove_keeping_tail(element)
    drop_link_lists(root)
    return tree


def unwrap_layout_tables(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Turn tables that lay the page out into plain blocks, in place; return the tree.

    Old page templates set the whole page in table cells. trafilatura keeps tables as tables,
    so the story, its teasers and its menus come out as one long table row. A table is a
    layout when it holds the headline, or story paragraphs in its own cells: data tables hold
    figures and short entries, not paragraphs of prose."""
    for table in list(tree.iter("table")):
        parts = [part for part in table.iter(*TABLE_PARTS) if _table_of(part) is table]
        story = [
            paragraph
            for paragraph in table.iter("p")
            if _table_of(paragraph) is table
            and len(paragraph.text_content().split()) >= STORY_PARAGRAPH_WORDS
        ]
        if len(story) >= LAYOUT_TABLE_PARAGRAPHS or table.find(".//h1") is not None:
            for element in (table, *parts):
                element.tag = "div"
    return tree


def paragraphs_from_line_breaks(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Wrap the opening paragraph of a story set with <br> line breaks instead of <p>
    elements into a <p>, in place; return the tree.

    trafilatura reads a container's text before its first child element only now and then:
    a story printed as "text <em>text</em> text<br><br>text" can lose its first paragraph.
    Only an opening run of a story paragraph's length, ended by a <br>, is wrapped; what
    follows is left as it is."""
    for container in list(tree.iter(*LOOSE_TEXT_CONTAINERS)):
        if container.text and container.text.strip():
            _wrap_opening_run(container)
    return tree


def _wrap_opening_run(container: Any) -> None:
    run: list[Any] = []
    for child in container:
        if child.tag == "br":
            break
        if not isinstance(child.tag, str) or child.tag not in INLINE_TAGS:
            return  # a block before any line break: not a story set with <br>s
        run.append(child)
    else:
        return  # no line break at all
    words = len(container.text.split()) + sum(
        len(child.text_content().split()) + len((child.tail or "").split()) for child in run
    )
    if words < STORY_PARAGRAPH_WORDS:
        return
    paragraph = lxml_html.Element("p")
    paragraph.text, container.text = container.text, None
    for child in run:
        paragraph.append(child)  # moves it, with its tail
    container.insert(0, paragraph)


def _table_of(element: Any) -> Any | None:
    return next(element.iterancestors("table"), None)


def linked_blocks(root: lxml_html.HtmlElement) -> list[Any]:
    """Links wrapped around whole paragraphs or headings: teaser cards ("<a href><h3>Guide
    </h3><p>Night mode is ...</p></a>"), and paragraphs that are one link and nothing else
    (another story's headline set between the paragraphs). A story links words, never its
    own paragraphs."""
    cards = [
        link
        for link in root.xpath(".//a[.//p or .//h2 or .//h3 or .//h4]")
        if len(link.text_content().split()) >= LINKED_BLOCK_WORDS
    ]
    teasers = [
        paragraph for paragraph in root.xpath(".//p[count(*) = 1 and a]") if _is_one_link(paragraph)
    ]
    return cards + teasers


def _is_one_link(paragraph: Any) -> bool:
    link = paragraph[0]
    text = paragraph.text_content().split()
    return (
        len(text) >= LINKED_PARAGRAPH_WORDS
        and not (paragraph.text or "").strip()
        and not (link.tail or "").strip()
        and link.text_content().split() == text
    )


def drop_link_lists(root: lxml_html.HtmlElement) -> None:
    """Remove <ul>/<ol> lists in which the text of every item is (nearly) all link text."""
    for listing in list(root.iter("ul", "ol")):
        if listing.getparent() is not None and _is_link_list(listing):
            _remove_keeping_tail(listing)


def _is_link_list(listing: Any) -> bool:
    items = [child for child in listing if child.tag == "li"]
    if len(items) < LINK_LIST_MIN_ITEMS:
        return False
    if any(parent.tag in LINK_LIST_OUTSIDE for parent in listing.iterancestors()):
        return False
    if not _among_story_paragraphs(listing):
        return False
    for item in items:
        text = item.text_content()
        letters = len(alphanumerics(text))
        if not letters:
            continue
        links = [link.text_content() for link in item.iter("a")]
        linked = sum(len(alphanumerics(link)) for link in links)
        unlinked_words = len(text.split()) - sum(len(link.split()) for link in links)
        if linked < LINK_LIST_LINKED_SHARE * letters or unlinked_words > LINK_LIST_UNLINKED_WORDS:
            return False
    return True


def _among_story_paragraphs(listing: Any) -> bool:
    """A story paragraph is a sibling of the list or of its wrapper (a teaser box's <div>)."""
    element = listing
    for _ in range(LINK_LIST_LEVELS):
        element = element.getparent()
        if element is None:
            return False
        if any(
            child.tag == "p" and len(child.text_content().split()) >= STORY_PARAGRAPH_WORDS
            for child in element
        ):
            return True
    return False


def page_headlines(tree: lxml_html.HtmlElement) -> list[str]:
    """The text of the page's first two <h1> elements: the headline as printed. The first is
    sometimes the site's logo; later ones are sometimes the story's subheadings."""
    return [" ".join(heading.text_content().split()) for heading in tree.xpath("//h1")[:2]]


def merge_split_body(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Move the content of later containers that share the body container's tag and class
    into the first one, so that a story printed in several chunks is read whole."""
    first = first_body_container(tree)
    if first is None:
        return tree
    css_class = first.get("class")
    if not css_class:
        return tree
    for element in list(tree.iter(first.tag)):
        if element is first or element.get("class") != css_class:
            continue
        if first in element.iterancestors() or element in first.iterancestors():
            continue
        if len(element.text_content()) < MIN_CHUNK_CHARS:
            continue
        for child in list(element):
            first.append(child)
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return tree


BODY_CONTAINER_TAGS = ("article", "div", "main", "section")


def first_body_container(tree: lxml_html.HtmlElement) -> Any | None:
    """The first element trafilatura's first body XPath finds (BODY_XPATH[0]), or None.

    The XPath tests every <div> of the page with two regular expressions through lxml's
    callbacks into Python, which costs more than a tenth of a page's extraction; testing each
    distinct class and id once finds the same element."""
    if BODY_NAMES is None:
        found = BODY_XPATH[0](tree)
        return found[0] if found else None
    body_id, body_class = BODY_NAMES
    for element in tree.iter(*BODY_CONTAINER_TAGS):
        if element is not tree and _names_body(
            body_id, body_class, element.get("class"), element.get("id"), element.get("itemprop")
        ):
            return element
    return None


@lru_cache(maxsize=4096)
def _names_body(
    body_id: re.Pattern[str],
    body_class: re.Pattern[str],
    css_class: str | None,
    element_id: str | None,
    itemprop: str | None,
) -> bool:
    return (
        css_class in ("post", "entry")
        or itemprop == "articleBody"
        or element_id == "articleContent"
        or bool(body_id.search(element_id or ""))
        or bool(body_class.search(css_class or ""))
    )


def _named_as_furniture(element: Any) -> bool:
    css_class, element_id = element.get("class"), element.get("id")
    if css_class is None and element_id is None:
        return False
    if not isinstance(element.tag, str) or element.tag in PROTECTED_TAGS:
        return False
    return _names_furniture(f"{css_class or ''} {element_id or ''}")


@lru_cache(maxsize=4096)
def _names_furniture(names: str) -> bool:
    """Pages repeat the same few class names hundreds of times: decide each once."""
    if len(names) < 3:
        return False
    return bool(FURNITURE.search(CAMEL_CASE.sub(r"\1-\2", names).lower().replace("_", "-")))


def _remove_keeping_tail(element: Any) -> None:
    parent, previous, tail = element.getparent(), element.getprevious(), element.tail
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
