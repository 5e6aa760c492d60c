"""What a page says about itself in machine-readable form: JSON-LD, Open Graph, <meta>, <time>.

Publishers put the headline, authors and dates there for search engines, and those values are
more reliable than anything read from the visible layout. These functions read them from an
lxml tree; they never raise on malformed data, they just find less.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

from crawler.items import DateCandidate
from extraction.text import normalise_space
from extraction.words import alternation

ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|Report|NewsArticle|LiveBlogPosting)$")
PAGE_TYPES = {"WebPage", "ItemPage"}

PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "dcterms.issued",
    "article.published",
    "citation_publication_date",
    "date",
)
AUTHOR_META = ("author", "article:author", "dc.creator")
# Author names that analytics and citation tags carry when nothing else declares them.
ANALYTICS_AUTHOR_KEYS = (
    "sailthru.author", "parsely-author", "byl", "dcterms.creator", "citation_author",
    "cxenseparse:author", "article:author_name", "author_name", "og:article:author",
)  # fmt: skip
# SEO plugins print the author as a labelled Twitter card field: twitter:label1 "Written by",
# twitter:data1 "Jane Doe".
TWITTER_AUTHOR_LABEL = re.compile(rf"^(?:{alternation('author_field_labels')})$", re.IGNORECASE)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
)


@dataclass
class PageMetadata:
    headline: str | None = None
    og_title: str | None = None
    html_title: str | None = None
    h1: str | None = None
    authors: list[str] = field(default_factory=list)
    authors_source: str | None = None
    published: list[DateCandidate] = field(default_factory=list)
    modified: list[DateCandidate] = field(default_factory=list)
    sitename: str | None = None
    publisher: str | None = None
    description: str | None = None
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    # The full tag as the page gives it ("en-US"): its region decides how 03/04 is read.
    language_tag: str | None = None
    canonical_url: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


def read_page_metadata(tree: lxml_html.HtmlElement) -> PageMetadata:
    meta_tags = meta_tag_values(tree)
    meta = first_values(meta_tags)
    article, page = find_jsonld_article(tree)
    found = PageMetadata(meta=meta)

    found.html_title = _first_text(tree.xpath("//head/title"))
    found.h1 = _first_text(tree.xpath("//h1"))
    found.og_title = meta.get("og:title") or meta.get("twitter:title")
    found.description = meta.get("og:description") or meta.get("description")
    found.image = meta.get("og:image") or meta.get("twitter:image")
    found.sitename = meta.get("og:site_name") or meta.get("application-name")
    found.canonical_url = _first_attr(tree.xpath('//link[@rel="canonical"]/@href'))
    found.language = _language(tree, meta)
    found.language_tag = (tree.get("lang") or meta.get("og:locale") or "").strip() or None
    found.tags = _dedupe(
        tag
        for value in tree.xpath('//meta[@property="article:tag"]/@content')
        for tag in [normalise_space(value)]
        if tag
    )

    for source in (article, page):
        if not source:
            continue
        found.headline = found.headline or _text_value(source.get("headline"))
        if not found.authors:
            found.authors = _jsonld_names(source.get("author"))
            found.authors_source = "jsonld" if found.authors else None
        _add_date(found.published, source.get("datePublished"), "jsonld")
        _add_date(found.modified, source.get("dateModified"), "jsonld")
        publisher = _jsonld_names(source.get("publisher"))
        found.publisher = found.publisher or (publisher[0] if publisher else None)
        found.description = found.description or _text_value(source.get("description"))
        found.image = found.image or _jsonld_image(source.get("image"))
        found.language = found.language or _text_value(source.get("inLanguage"))
        if not found.tags:
            found.tags = _keywords(source.get("keywords"))
    found.sitename = found.sitename or found.publisher

    if not found.authors:
        found.authors = meta_authors(meta_tags)
        found.authors_source = "meta" if found.authors else None
    if not found.authors:
        found.authors = microdata_authors(tree) or analytics_authors(meta)
        found.authors_source = "microdata" if found.authors else None
    if not found.tags and meta.get("keywords"):
        found.tags = _keywords(meta["keywords"])

    for key in PUBLISHED_META:
        _add_date(found.published, meta.get(key), "meta")
    for key in MODIFIED_META:
        _add_date(found.modified, meta.get(key), "meta")
    for value in tree.xpath('//*[@itemprop="datePublished"]/@datetime'):
        _add_date(found.published, value, "meta")
    return found


def analytics_authors(meta: dict[str, str]) -> list[str]:
    """Author names from analytics tags and from labelled Twitter card fields."""
    names = [meta[key] for key in ANALYTICS_AUTHOR_KEYS if key in meta and "//" not in meta[key]]
    for number in range(1, 5):
        label = meta.get(f"twitter:label{number}", "")
        value = meta.get(f"twitter:data{number}", "")
        if TWITTER_AUTHOR_LABEL.match(label.strip(" :")) and value and "//" not in value:
            names.append(value)
    return _dedupe(names)


def microdata_authors(tree: lxml_html.HtmlElement) -> list[str]:
    """Names in itemprop="author" of the page's first item (teasers carry their own)."""
    names: list[str] = []
    first_item: Any = None
    for element in tree.xpath(
        '//*[contains(concat(" ", normalize-space(@itemprop), " "), " author ")]'
    ):
        item = next((p for p in element.iterancestors() if p.get("itemscope") is not None), None)
        if first_item is None:
            first_item = item if item is not None else False
        elif (item if item is not None else False) is not first_item:
            continue
        inner = element.xpath('.//*[@itemprop="name"]')
        if inner:
            values = [n.get("content") if n.tag == "meta" else n.text_content() for n in inner]
        elif element.tag in ("meta", "link"):
            values = [element.get("content") or ""]
        else:
            values = [element.text_content()]
        for value in values:
            value = normalise_space(value or "")
            if value and len(value) <= 100 and not value.startswith("http") and value not in names:
                names.append(value)
    return names[:6]


def meta_authors(tags: list[tuple[str, str]]) -> list[str]:
    """Every name the author tags give, in page order: a page may carry one tag for its
    newsroom and one for the reporter."""
    return _dedupe(
        value for key, value in tags if key in AUTHOR_META and not value.startswith("http")
    )


def meta_tag_values(tree: lxml_html.HtmlElement) -> list[tuple[str, str]]:
    """Every <meta> tag's (lower-cased name/property/itemprop, value), in page order."""
    tags = []
    for element in tree.xpath("//meta[@content]"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        value = normalise_space(element.get("content", ""))
        if key and value:
            tags.append((key.strip().lower(), value))
    return tags


def first_values(tags: list[tuple[str, str]]) -> dict[str, str]:
    """<meta> values by name; the first one of a name wins."""
    found: dict[str, str] = {}
    for key, value in tags:
        found.setdefault(key, value)
    return found


def find_jsonld_article(
    tree: lxml_html.HtmlElement,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The first Article-like JSON-LD object, and the first WebPage one as a fallback."""
    objects = list(_jsonld_objects(tree))
    by_id = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str)}
    article = page = None
    for obj in objects:
        types = obj.get("@type")
        listed = types if isinstance(types, list) else [types]
        type_names: list[str] = [name for name in listed if isinstance(name, str)]
        if article is None and any(ARTICLE_TYPES.search(name) for name in type_names):
            article = obj
        elif page is None and any(name in PAGE_TYPES for name in type_names):
            page = obj
    return _resolve_refs(article, by_id), _resolve_refs(page, by_id)


def _jsonld_objects(tree: lxml_html.HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null", strict=False)
        except (ValueError, RecursionError):
            # RecursionError: nested deeper than the parser goes ("[[[[..."), which no page's
            # real metadata is; that block is skipped like a malformed one.
            continue
        yield from _walk(data)


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-LD document, depth first in document order: each object, then
    those of its @graph, then those of its mainEntity. Walked with a list of what is left to
    see rather than by recursion, so that no nesting depth json.loads accepts can stop it."""
    pending: list[Any] = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(reversed(value))
        elif isinstance(value, dict):
            yield value
            main = value.get("mainEntity")
            if isinstance(main, dict | list):
                pending.append(main)
            graph = value.get("@graph")
            if graph is not None:
                pending.append(graph)  # taken first: the @graph comes before the mainEntity


def _resolve_refs(obj: dict[str, Any] | None, by_id: dict[str, dict[str, Any]]) -> Any:
    """Replace {"@id": ...} references to other @graph nodes by the nodes themselves."""
    if obj is None:
        return None

    def resolve(value: Any, depth: int) -> Any:
        if depth > 4:
            return value
        if isinstance(value, list):
            return [resolve(item, depth + 1) for item in value]
        if isinstance(value, dict):
            ref = value.get("@id")
            if len(value) == 1 and isinstance(ref, str) and ref in by_id:
                return by_id[ref]
            return value
        return value

    return {key: resolve(value, 0) for key, value in obj.items()}


def _jsonld_names(value: Any) -> list[str]:
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = name[0] if name else None
            if isinstance(name, str):
                names.append(name)
    return _dedupe(normalise_space(name) for name in names if name and name.strip())


def _jsonld_image(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) and value.strip() else None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return _dedupe(
        normalise_space(item) for item in value if isinstance(item, str) and item.strip()
    )


def _language(tree: lxml_html.HtmlElement, meta: dict[str, str]) -> str | None:
    value = tree.get("lang") or meta.get("og:locale") or meta.get("content-language")
    if not value:
        return None
    code = re.split(r"[-_]", value.strip())[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def _add_date(candidates: list[DateCandidate], value: Any, source: str) -> None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value.strip():
        raw = value.strip()
        if all(candidate.raw != raw for candidate in candidates):
            candidates.append(DateCandidate(raw=raw, source=source))


def _text_value(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value.strip():
        return normalise_space(value)
    return None


def _first_text(elements: list[Any]) -> str | None:
    for element in elements:
        text = normalise_space(element.text_content())
        if text:
            return text
    return None


def _first_attr(values: list[Any]) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _dedupe(values: Any) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return list(seen.values())
