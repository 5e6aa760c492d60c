"""Finding article URLs: RSS/Atom feeds, sitemaps (and Google News sitemaps), listing pages.

Pure functions from bytes or URLs to entries, so they are tested without a crawl.
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from scrapy.utils.gz import gunzip

from crawler.items import DateCandidate

NOT_PAGES = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|css|js|json|xml|rss|atom|zip|gz|tgz|rar|7z|mp[34]|m4a"
    r"|wav|ogg|avi|mov|mkv|webm|woff2?|ttf|eot|exe|dmg|apk|pdf|docx?|xlsx?|pptx?|epub)$",
    re.IGNORECASE,
)
NAVIGATION_SEGMENTS = re.compile(
    r"^(?:tags?|topics?|category|categories|section|sections|author|authors|page|search|about"
    r"|contact|login|signin|register|subscribe|newsletter|privacy|terms|impressum|feed|rss"
    r"|archive|archives|video|videos|gallery|galleries|podcasts?|live|weather)$",
    re.IGNORECASE,
)
DATE_PATH = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/|-)")
LONG_ID = re.compile(r"\d{5,}")
# Feed elements whose text feedparser searches for an e-mail address (any namespace), with
# their text past AUTHOR_FIELD_CHARS (inside CDATA too); see shorten_author_fields.
AUTHOR_FIELD_CHARS = 1000
AUTHOR_FIELD = re.compile(
    rb"(<(?:[\w.-]++:)?(?:author|creator|contributor|publisher|managingEditor|webMaster|name"
    rb"|email|owner)\b[^<>]{0,500}>(?:<!\[CDATA\[)?)([^<\]]{%d,}+)" % AUTHOR_FIELD_CHARS,
    re.IGNORECASE,
)
WHITESPACE_RUN = re.compile(rb"\s+")
# The sitemap protocol's limit on a file's entries; search engines ignore the rest too.
SITEMAP_MAX_ENTRIES = 50_000


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read; the message says what was wrong with it."""


@dataclass
class Lead:
    """A URL that should be an article, with what the feed or sitemap said about it."""

    url: str
    title: str | None = None
    dates: list[DateCandidate] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    # When the feed or sitemap says the page last changed (UTC, the archive's format).
    updated: str | None = None


@dataclass
class SitemapDocument:
    kind: str  # "sitemapindex" or "urlset"
    sitemaps: list[str] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    # Entries past SITEMAP_MAX_ENTRIES, not read.
    ignored: int = 0


def read_feed(body: bytes, url: str) -> list[Lead]:
    """Entries of an RSS or Atom feed, relative links resolved against the feed's URL."""
    parsed = feedparser.parse(
        shorten_author_fields(body), response_headers={"content-location": url}
    )
    if not parsed.entries:
        problem = feed_problem(parsed)
        if problem:
            raise DiscoveryError(f"not a readable RSS or Atom feed: {problem}")
    leads = []
    for entry in parsed.entries:
        link = entry.get("link") or _alternate_link(entry)
        if not link:
            continue
        # feedparser aliases these keys to each other, so the same string can appear twice.
        raw_dates = dict.fromkeys(
            entry[key] for key in ("published", "created", "issued") if entry.get(key)
        )
        dates = [DateCandidate(raw, "feed") for raw in raw_dates]
        authors = [author.get("name", "") for author in entry.get("authors", []) if author]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        leads.append(
            Lead(
                url=urljoin(url, link.strip()),
                title=(entry.get("title") or "").strip() or None,
                dates=dates,
                authors=[name for name in authors if name],
                # Not entry.get: feedparser would answer with the published date instead.
                updated=_struct_time_text(dict.get(entry, "updated_parsed")),
            )
        )
    return leads


def shorten_author_fields(body: bytes) -> bytes:
    """The feed with every long author field cut to AUTHOR_FIELD_CHARS characters (its runs of
    white space made one space first). feedparser looks for an e-mail address in each one with
    a regular expression that re-reads a long word from each of its letters (50 KB take it
    15 s): a real author field is a name or two."""
    return AUTHOR_FIELD.sub(_shortened_author_field, body)


def _shortened_author_field(match: re.Match[bytes]) -> bytes:
    text = WHITESPACE_RUN.sub(b" ", match[2])
    return match[1] + text[:AUTHOR_FIELD_CHARS]


def feed_problem(parsed: feedparser.FeedParserDict) -> str | None:
    """Why a parse without entries is no feed, or None for a feed that is merely empty."""
    problem = parsed.get("bozo_exception")
    # We pass no Content-Type, so feedparser always notes its absence: not the feed's fault.
    if isinstance(problem, feedparser.NonXMLContentType):
        problem = None
    if not parsed.get("version"):
        return f"no RSS or Atom elements found{f' ({problem})' if problem else ''}"
    return str(problem) if problem else None


def read_sitemap_file(body: bytes, max_size: int) -> SitemapDocument:
    """A sitemap as downloaded, plain or gzip-compressed (decompressed up to `max_size`)."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except ValueError:  # what Scrapy's gunzip raises past max_size
            raise DiscoveryError(
                f"too large: more than ARCHIVE_SITEMAP_MAXSIZE ({max_size} bytes) once decompressed"
            ) from None
        except (OSError, EOFError, zlib.error) as error:
            raise DiscoveryError(f"not readable gzip: {error}") from None
    return read_sitemap(body)


def read_sitemap(body: bytes) -> SitemapDocument:
    """A sitemap index (child sitemaps) or a urlset (leads, with Google News fields as hints)."""
    parser = etree.XMLParser(
        recover=True,
        remove_comments=True,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise DiscoveryError(f"not a readable sitemap: {error}") from None
    if root is None:
        raise DiscoveryError("not a readable sitemap: no XML found")
    kind = _local(root)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap: the root element is <{kind}>, not <urlset>")
    document = SitemapDocument(kind=kind)
    for element in root:
        loc = _child_text(element, "loc")
        if not loc:
            continue
        if len(document.sitemaps) + len(document.leads) >= SITEMAP_MAX_ENTRIES:
            document.ignored += 1
            continue
        if kind == "sitemapindex":
            document.sitemaps.append(loc)
            continue
        lead = Lead(url=loc, updated=w3c_datetime_text(_child_text(element, "lastmod")))
        news = _child(element, "news")
        if news is not None:
            lead.title = _child_text(news, "title")
            published = _child_text(news, "publication_date")
            if published:
                lead.dates.append(DateCandidate(published, "sitemap"))
        document.leads.append(lead)
    return document


def w3c_datetime_text(raw: str | None) -> str | None:
    """A sitemap's W3C datetime (`2024-05-01`, `2024-05-01T10:00:00+02:00`) as UTC text."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _struct_time_text(value: time.struct_time | None) -> str | None:
    """feedparser's parsed dates are UTC struct_times."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", value) if value else None


def looks_like_article_url(url: str) -> bool:
    """A guess for sites without an article_pattern: article URLs carry a date, a long id or
    a slug of several words; section, tag and utility pages do not."""
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.split("/") if segment]
    if not segments or NOT_PAGES.search(parts.path):
        return False
    if any(NAVIGATION_SEGMENTS.match(segment) for segment in segments[:-1]) and len(segments) <= 2:
        return False
    last = re.sub(r"\.(?:html?|php|aspx?|shtml)$", "", segments[-1], flags=re.IGNORECASE)
    if NAVIGATION_SEGMENTS.match(last):
        return False
    if DATE_PATH.search(parts.path + "/") and len(segments) >= 3:
        return True
    if LONG_ID.search(last):
        return True
    return len(re.findall(r"[^\W_]+", last)) >= 4 and bool(re.search(r"[-_]", last))


def is_page_url(url: str) -> bool:
    """Worth following as a listing page: http(s), and not a file such as an image or PDF."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and not NOT_PAGES.search(parts.path)


def _alternate_link(entry: feedparser.FeedParserDict) -> str | None:
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if _local(child) == name:
            return child
    return None


def _child_text(element: etree._Element, name: str) -> str | None:
    child = _child(element, name)
    if child is None or not child.text:
        return None
    return child.text.strip() or None
