"""The extract stage: an article page's HTML -> title, body, authors, raw dates and metadata.

trafilatura finds the body and some metadata; the page's structured data (JSON-LD, <meta>)
is preferred where it exists; the cleanup rules then remove the furniture trafilatura keeps.
`extract_article` is a pure function of (html, url) so that it can be tested directly and run
anywhere, including in another process.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import trafilatura
import trafilatura.utils
from lxml import etree
from lxml import html as lxml_html
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from trafilatura.utils import load_html

from crawler.items import Article, DateCandidate
from crawler.urls import choose_article_url
from pipelines.cleanup import (
    clean_author_names,
    clean_body,
    drop_page_headline,
    find_date_strings,
    is_date_line,
    normalise_space,
    normalised_text,
    parse_byline,
    prose_word_count,
    same_text,
    squashed,
)
from pipelines.fallback_gate import fallbacks_only_where_they_can_win
from pipelines.fallback_metadata import FallbackMetadata
from pipelines.metadata import PageMetadata, analytics_authors, read_page_metadata
from pipelines.prune import (
    merge_split_body,
    page_headlines,
    paragraphs_from_line_breaks,
    prune_furniture,
    unwrap_layout_tables,
)
from pipelines.prune_expressions import python_prune_expressions
from pipelines.script_data import embedded_article_html
from pipelines.titles import choose_title, h1_candidates
from pipelines.workers import PagePool, WorkerFailed, pool_for

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
BYLINE_ZONE_CHARS = 600
NAME_WORD = r"[^\W\d_]+(?:[-'’][^\W\d_]+)*"
# htmldate's extensive search falls back to guesses such as the footer's copyright year.
HTMLDATE_PARAMS = {"extensive_search": False, "original_date": True}
# What libxml2 logs when it stops reading a document it finds too deep or too large.
PARSER_LIMIT = re.compile(r"XML_PARSE_HUGE|huge|excessive depth|resource limit", re.IGNORECASE)
# A standfirst: the description, at least this long, found by its first characters, and
# agreeing with the visible text over this share of the longer of the two.
STANDFIRST_MIN_WORDS = 6
STANDFIRST_KEY_CHARS = 40
STANDFIRST_AGREEMENT = 0.6
STANDFIRST_OUTSIDE = {"a", "nav", "aside", "footer", "figure", "figcaption", "li", "form"}
# Blocks in the byline zone: the names of a byline end at the block's end.
# fmt: off
ZONE_BLOCKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "section", "header", "footer", "figure",
    "figcaption", "br", "h2", "h3", "h4", "h5", "h6", "tr", "td", "table",
}
# fmt: on
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "button", "form"}
UNSEEN_TAGS = {"script", "style", "noscript", "template"}


class ArticleRejected(DropItem):
    """A fetched page that will not be archived; `stage` and the message say why. Lasting:
    the same page would be rejected again (see PageFailure.lasting)."""

    lasting = True

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


class ExtractionError(ValueError):
    """The page holds no article the archive can keep."""


@dataclass
class Extraction:
    url: str
    title: str | None
    text: str
    authors: list[str]
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    language: str | None = None
    language_tag: str | None = None
    sitename: str | None = None
    published: list[DateCandidate] = field(default_factory=list)
    modified: list[DateCandidate] = field(default_factory=list)


def extract_article(
    html: str, url: str, *, min_words: int = 15, hint_authors: Iterable[str] = ()
) -> Extraction:
    """Extract one article; raise ExtractionError when there is no article text to keep.

    `hint_authors` are the names a feed or sitemap gave for the page, taken when the page
    itself names nobody. They are cleaned here, in the worker like the page's own: they are
    untrusted text, and the cleanup rules must not run in the crawl's main process."""
    if not html.strip():
        raise ExtractionError("the page is empty")
    tree = parse_page(html)
    page = read_page_metadata(tree)
    zone = byline_zone(tree)
    dateline = date_above_headline(tree)
    lead = find_standfirst(tree, page.description)
    headings = h1_candidates(tree)  # before pruning, which can cut a kicker out of the <h1>
    # Where the page declares no author, trafilatura's search may be asked, and it looks in the
    # author boxes that pruning removes.
    unpruned = copy.copy(tree) if not page.authors else None
    guessed = FallbackMetadata(tree, url, HTMLDATE_PARAMS, author_tree=unpruned)
    # htmldate reads the page as it came: pruning cuts the bylines and author boxes that
    # often carry the date.
    trafilatura_date = guessed.date
    prune_furniture(merge_split_body(paragraphs_from_line_breaks(unwrap_layout_tables(tree))))
    raw_text = trafilatura_text(tree, url)
    if not raw_text.strip():
        raw_text = text_from_script_data(tree, url)
    if prose_word_count(raw_text) < min_words:
        # A story in a layout trafilatura's balanced reading misses is often found when it
        # reads for recall; only a page that would be given up is read again.
        raw_text = max(
            raw_text, trafilatura_text(tree, url, favor_recall=True), key=prose_word_count
        )
    if not raw_text.strip():
        raise ExtractionError("no article text found on the page")

    site_names = [name for name in (page.sitename, page.publisher) if name]
    site_names.append(_registered_name(url))
    title = choose_title(
        tree,
        page,
        url,
        trafilatura_sitename=guessed.sitename,
        headings=headings,
    )
    if title is None:  # trafilatura's own title search, the last resort
        title = choose_title(
            tree,
            page,
            url,
            trafilatura_title=guessed.title,
            trafilatura_sitename=guessed.sitename,
            headings=headings,
        )
    text_lines = raw_text.splitlines()
    text_byline = byline_from_text_lines(text_lines, title)
    authors = choose_authors(
        page,
        zone_text=zone.text,
        text_byline_authors=text_byline[0],
        trafilatura_author=lambda: guessed.author,
        not_authors=site_names,
    )
    if lead is not None and lead.comes_before(tree, text_lines):
        raw_text = f"{lead.text}\n{raw_text}"
    raw_text = drop_page_headline(raw_text, [*page_headlines(tree), title])
    text = clean_body(raw_text, title=title, authors=authors, publishers=site_names)
    word_count = prose_word_count(text)
    if word_count < min_words:
        raise ExtractionError(
            f"no article text: {word_count} words of prose left after cleanup "
            f"(fewer than ARCHIVE_MIN_WORDS={min_words})"
        )

    published = list(page.published)
    for raw in zone.datetimes:
        published.append(DateCandidate(raw, "byline"))
    zone_dates = find_date_strings(zone.text)
    # Three different dates under a headline are a list (archive widget, teasers), no byline.
    byline_dates = zone_dates[:1] if len(set(zone_dates)) < 3 else []
    visible_dates = [*byline_dates, text_byline[1], dateline]
    for visible in visible_dates:
        if visible and all(candidate.raw != visible for candidate in published):
            published.append(DateCandidate(visible, "byline"))
    if trafilatura_date:
        published.append(DateCandidate(trafilatura_date, "htmldate"))

    return normalised_extraction(
        Extraction(
            url=choose_article_url(url, page.canonical_url),
            title=title,
            text=text,
            authors=authors or clean_author_names(hint_authors),
            description=page.description or guessed.description,
            tags=page.tags or guessed.tags,
            image=_absolute(url, page.image or guessed.image),
            language=page.language,
            language_tag=page.language_tag,
            sitename=page.sitename or guessed.sitename,
            published=published,
            modified=list(page.modified),
        )
    )


def normalised_extraction(extraction: Extraction) -> Extraction:
    """Every text field the archive stores, normalised once, here (see normalised_text)."""

    def text(value: str | None) -> str | None:
        return normalised_text(value) if value is not None else None

    return replace(
        extraction,
        title=text(extraction.title),
        text=normalised_text(extraction.text),
        authors=[normalised_text(name) for name in extraction.authors],
        description=text(extraction.description),
        tags=[normalised_text(tag) for tag in extraction.tags],
        sitename=text(extraction.sitename),
    )


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


def trafilatura_text(tree: lxml_html.HtmlElement, url: str, *, favor_recall: bool = False) -> str:
    """trafilatura's reading of the body, "" when it finds none. Its metadata is read
    elsewhere, field by field, where the page's own falls short (pipelines/fallback_metadata)."""
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


def choose_authors(
    page: PageMetadata,
    *,
    zone_text: str,
    text_byline_authors: list[str],
    trafilatura_author: Callable[[], str | None],
    not_authors: Iterable[str],
) -> list[str]:
    """Structured data first, then the visible byline, then trafilatura's guess.

    A publisher or newsroom declared as the author is dropped beside named persons, and
    kept only when the page shows no person's byline: it is what the page says."""
    not_authors = list(not_authors)
    visible = next(
        (
            found
            for names in (parse_byline(zone_text)[0], text_byline_authors)
            if (found := clean_author_names(names, not_authors=not_authors))
        ),
        [],
    )
    if page.authors:
        persons = clean_author_names(page.authors, not_authors=not_authors, declared=True)
        if persons:
            return [full_name(name, visible, zone_text) for name in persons]
        # Only the publisher is declared: a person that the analytics tags name and the byline
        # prints is the story's author (the publisher's own markup credits itself by default).
        shown = squashed(zone_text)
        signed = [
            name
            for name in clean_author_names(analytics_authors(page.meta), not_authors=not_authors)
            if squashed(name) and squashed(name) in shown
        ]
        if signed:
            return signed
        if not any(len(name.split()) >= 2 for name in visible):
            # No person's byline on the page: trafilatura's search of the whole page may still
            # find the person who signed it, else the publisher is what the page says.
            guessed = trafilatura_author()
            declared = {squashed(name) for name in page.authors}
            signers = clean_author_names((guessed or "").split(";"), not_authors=not_authors)
            if signers and all(
                len(name.split()) >= 2 and squashed(name) not in declared for name in signers
            ):
                return signers
            publisher = clean_author_names(page.authors, declared=True)
            if publisher:
                return publisher
    if visible:
        return visible
    guessed = trafilatura_author()  # asked last: trafilatura searches the whole page for it
    if guessed:
        return clean_author_names(guessed.split(";"), not_authors=not_authors)
    return []


def full_name(name: str, visible: list[str], zone_text: str) -> str:
    """A first name alone, as a CMS's display name declares it ("Todd"), is the full name the
    byline prints ("By Todd Bates") or the author box under the headline begins with."""
    if len(name.split()) != 1 or not (name[:1].isupper() and name[1:].islower()):
        return name
    for shown in visible:
        words = shown.split()
        if len(words) >= 2 and words[0].casefold() == name.casefold():
            return shown
    surname = re.search(rf"\b{re.escape(name)} ({NAME_WORD})", zone_text)
    if surname and surname.group(1)[0].isupper():
        return f"{name} {surname.group(1)}"
    return name


def byline_from_text_lines(lines: list[str], title: str | None) -> tuple[list[str], str | None]:
    """A byline among the first lines of extracted text ("Natasha Kumar By Natasha Kumar
    Jun18,2024"). Date lines before the headline are the site header's clock, not the date."""
    after_title = not any(same_text(line, title) for line in lines[:4])
    for line in lines[:8]:
        if same_text(line, title):
            after_title = True
            continue
        if len(line.split()) > 30:
            break
        if not after_title and is_date_line(line):
            continue
        names, date = parse_byline(line)
        if names:
            return names, date
    return [], None


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
        if element.tag in SKIPPED_TAGS or _has_skipped_ancestor(element):
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


def date_above_headline(tree: lxml_html.HtmlElement) -> str | None:
    """A date set directly above the headline: the element just before the <h1> holds a date
    and nothing else. A clock in the site's header is not the headline's neighbour."""
    headings = tree.xpath("//h1")
    if not headings:
        return None
    previous = headings[0].getprevious()
    while previous is not None and not isinstance(previous.tag, str):
        previous = previous.getprevious()  # comments, processing instructions
    if previous is None or previous.tag in SKIPPED_TAGS:
        return None
    text = normalise_space(previous.text_content())
    return find_date_strings(text)[0] if is_date_line(text) else None


@dataclass
class Standfirst:
    """The paragraph under the headline that sums the story up, and where the page prints it."""

    text: str
    position: int
    order: dict[Any, int]

    def comes_before(self, tree: lxml_html.HtmlElement, body_lines: list[str]) -> bool:
        """True when the story's first line is printed after the standfirst (a copy of the
        description further down is a teaser or a box) and the text does not hold it yet."""
        if squashed(self.text)[:80] in squashed(" ".join(body_lines)):
            return False
        first = next((line for line in body_lines if len(line.split()) >= 5), None)
        if first is None:
            return True
        holders = _innermost_holding(tree, first[:STANDFIRST_KEY_CHARS])
        positions = [self.order[el] for el in holders if el in self.order]
        return not positions or self.position < positions[0]


def find_standfirst(tree: lxml_html.HtmlElement, description: str | None) -> Standfirst | None:
    """The element after the <h1> whose text is the page's description: publishers print the
    summary they give search engines as the story's lead paragraph, which the body container
    often leaves out (it sits in the header, beside the headline)."""
    if not description or len(description.split()) < STANDFIRST_MIN_WORDS:
        return None
    wanted = normalise_space(description).rstrip(".… ")
    holders = _innermost_holding(tree, wanted[:STANDFIRST_KEY_CHARS])
    for element in holders:
        text = normalise_space(element.text_content())
        shorter, longer = sorted((squashed(text), squashed(wanted)), key=len)
        if shorter not in longer or len(shorter) < STANDFIRST_AGREEMENT * len(longer):
            continue
        if any(parent.tag in STANDFIRST_OUTSIDE for parent in element.iterancestors()):
            continue
        if not element.xpath("preceding::h1"):
            continue
        order = {el: index for index, el in enumerate(tree.iter())}
        return Standfirst(text, order[element], order)
    return None


def _innermost_holding(tree: lxml_html.HtmlElement, key: str) -> list[Any]:
    """The deepest visible elements whose text contains `key`, in document order.

    Found from the text nodes that hold the key's longest word: each innermost holder of the
    whole key is the first of their ancestors that holds it. Asking every element of the
    page for its whole text instead costs more than trafilatura's own extraction."""
    key = normalise_space(key)
    if not key:
        return []
    word = max(key.split(), key=len)
    holders: dict[Any, None] = {}
    for found in tree.xpath("//body//text()[contains(., $word)]", word=word):
        element = found.getparent()
        if found.is_tail:
            element = element.getparent()
        while element is not None and isinstance(element.tag, str):
            if element.tag in ("body", "html"):
                element = None
                break
            if key in normalise_space(element.text_content()):
                break
            element = element.getparent()
        if element is not None and element.tag not in UNSEEN_TAGS:
            holders[element] = None
    # The word also appears elsewhere: the walk up from there may stop at an element that
    # holds the key only through a holder found from another text node.
    outer = {parent for element in holders for parent in element.iterancestors()}
    return [
        element
        for element in holders
        if element not in outer and not _has_skipped_ancestor(element)
    ]


def _has_skipped_ancestor(element: Any) -> bool:
    return any(parent.tag in SKIPPED_TAGS for parent in element.iterancestors())


def _registered_name(url: str) -> str:
    host = urlsplit(url).hostname or ""
    host = re.sub(r"^www\d?\.", "", host)
    return host.split(".")[0] if "." in host else host


def _absolute(base: str, url: str | None) -> str | None:
    return urljoin(base, url) if url else None


class ExtractStage:
    """Pipeline stage: fill an Article's fields from its HTML, or reject it with the reason.

    The work runs in the crawl's worker processes (pipelines/workers.py) unless
    ARCHIVE_WORKERS is 0.
    """

    DEFAULT_MIN_WORDS = 15

    def __init__(
        self, min_words: int, stats: StatsCollector | None = None, pool: PagePool | None = None
    ) -> None:
        self.min_words = min_words
        self.stats = stats
        self.pool = pool

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            min_words=crawler.settings.getint("ARCHIVE_MIN_WORDS"),
            stats=crawler.stats,
            pool=pool_for(crawler),
        )

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        try:
            if self.pool is None:
                extraction = extract_article(
                    item.html, item.url, min_words=self.min_words, hint_authors=item.hint_authors
                )
            else:
                extraction = await self.pool.run(
                    extract_article,
                    item.html,
                    item.url,
                    min_words=self.min_words,
                    hint_authors=item.hint_authors,
                )
        except ExtractionError as error:
            self._count("extract/rejected")
            raise ArticleRejected("extract", str(error)) from None
        except WorkerFailed as error:
            self._count(f"extract/{type(error).__name__}")
            raise ArticleRejected("extract", str(error)) from None
        apply_extraction(item, extraction)
        item.html = ""  # not needed any more; items wait in queues, keep them small
        self._count("extract/ok")
        if not item.authors:
            self._count("extract/no_authors")
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def apply_extraction(item: Article, extraction: Extraction) -> None:
    """Copy the extraction into the item; what the page lacks, the feed or sitemap may give
    (its authors were taken in extract_article, which cleans them)."""
    item.url = extraction.url
    item.title = extraction.title or (item.hint_title and normalised_text(item.hint_title))
    item.text = extraction.text
    item.authors = extraction.authors
    item.description = extraction.description
    item.tags = extraction.tags
    item.image = extraction.image
    item.language = extraction.language or item.site_language
    item.language_tag = extraction.language_tag
    item.sitename = extraction.sitename
    item.published_candidates = [*extraction.published, *item.hint_dates]
    item.modified_candidates = extraction.modified
