"""Extraction, start to end: an article page's HTML -> title, body, authors, raw dates and
metadata. The one module that runs the steps; each field's rules live in its own module
(extraction/__init__.py has the map). `extract_article` is a pure function of (html, url) so
that it can be tested directly and run anywhere, including in another process.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin

from crawler.items import DateCandidate
from crawler.urls import choose_article_url
from extraction.authors import byline_from_text_lines, choose_authors, clean_author_names
from extraction.body.cleanup import clean_body, drop_page_headline
from extraction.body.prune import (
    merge_split_body,
    page_headlines,
    paragraphs_from_line_breaks,
    prune_furniture,
    unwrap_layout_tables,
)
from extraction.body.standfirst import find_standfirst
from extraction.metadata import read_page_metadata
from extraction.page import ExtractionError, byline_zone, parse_page
from extraction.printed_dates import date_above_headline, find_date_strings
from extraction.site_names import registered_name
from extraction.text import normalised_text, prose_word_count
from extraction.titles import choose_title, h1_candidates, title_segments
from extraction.trafilatura_adapters.body_text import text_from_script_data, trafilatura_text
from extraction.trafilatura_adapters.fallback_metadata import FallbackMetadata

# htmldate's extensive search falls back to guesses such as the footer's copyright year.
HTMLDATE_PARAMS = {"extensive_search": False, "original_date": True}


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
    # The <title>'s outer segments, from which the stage learns the site's names.
    title_segments: list[str] = field(default_factory=list)


def extract_article(
    html: str,
    url: str,
    *,
    min_words: int = 15,
    hint_authors: Iterable[str] = (),
    known_site_names: Iterable[str] = (),
) -> Extraction:
    """Extract one article; raise ExtractionError when there is no article text to keep.

    `hint_authors` are the names a feed or sitemap gave for the page, taken when the page
    itself names nobody. They are cleaned here, in the worker like the page's own: they are
    untrusted text, and the cleanup rules must not run in the crawl's main process.
    `known_site_names` are names the site goes by that its other pages' titles showed."""
    if not html.strip():
        raise ExtractionError("the page is empty")
    known_site_names = list(known_site_names)
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
    site_names += [registered_name(url), *known_site_names]
    title = choose_title(
        tree,
        page,
        url,
        trafilatura_sitename=guessed.sitename,
        headings=headings,
        known_site_names=known_site_names,
    )
    if title is None:  # trafilatura's own title search, the last resort
        title = choose_title(
            tree,
            page,
            url,
            trafilatura_title=guessed.title,
            trafilatura_sitename=guessed.sitename,
            headings=headings,
            known_site_names=known_site_names,
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
            title_segments=title_segments(page.html_title),
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


def _absolute(base: str, url: str | None) -> str | None:
    return urljoin(base, url) if url else None
