"""A generated news site for the crawl benchmark: any number of article pages, rendered on
demand from a seed and the page's number, served on 127.0.0.1.

Pages are shaped like real news pages (navigation, sidebars, related articles, comments,
inline state and styles, JSON-LD NewsArticle, a byline, 6-20 paragraphs of generated prose)
and weigh 50-150 KB each, with a few layouts so that they are not one template. Nothing is
written to disk: the same (seed, number) always renders the same page, so the benchmark's
in-process reference renders exactly the bytes the crawl downloads, and 20,000 pages cost no
disk space. All text is made up here from word lists; none of it is copied from anywhere.

The site serves /robots.txt, /feed.xml (RSS, newest 50 articles), /sitemap_index.xml and
/sitemaps/news-<k>.xml (at most 1,000 URLs each), and /news/YYYY/MM/DD/<slug>-<number>.html.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import BaseServer
from urllib.parse import urlsplit

DEFAULT_SEED = 4
# Only ever the loopback address: the benchmark serves nobody but itself.
HOST = "127.0.0.1"
SITE_NAME = "The Harbour Ledger"
SITEMAP_SIZE = 1000
FEED_SIZE = 50
GZIP_LEVEL = 5
MIN_PAGE_BYTES = 50 * 1024
MAX_PAGE_BYTES = 150 * 1024
# The newest article; older ones go back from here, a few hours apart.
NEWEST = datetime(2024, 6, 28, 17, 45, tzinfo=UTC)
ARTICLE_PATH = re.compile(r"^/news/\d{4}/\d{2}/\d{2}/[a-z0-9-]+-(\d+)\.html$")
SITEMAP_PATH = re.compile(r"^/sitemaps/news-(\d+)\.xml$")

SECTIONS = (
    "Local", "Politics", "Business", "Science", "Health", "Education", "Transport",
    "Environment", "Culture", "Sport", "Technology", "Housing",
)  # fmt: skip
FIRST_NAMES = (
    "Ana", "Bilal", "Carmen", "Dmitri", "Esther", "Farid", "Greta", "Hiroshi", "Ines", "Jonah",
    "Keziah", "Lars", "Mireille", "Nkem", "Oskar", "Priya", "Quentin", "Rosa", "Samir", "Tove",
    "Ugo", "Vesna", "Wendell", "Ximena", "Yusuf", "Zofia",
)  # fmt: skip
LAST_NAMES = (
    "Abernathy", "Bergqvist", "Castellanos", "Dubois", "Eriksen", "Fontaine", "Gallagher",
    "Haddad", "Ivanova", "Jaramillo", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okafor",
    "Petrakis", "Quigley", "Rasmussen", "Sandoval", "Thorne", "Umarov", "Vasquez", "Whitlock",
    "Yamamoto", "Zielinski",
)  # fmt: skip
SUBJECTS = (
    "The harbour commission", "City council members", "A spokesperson for the transit authority",
    "Residents of the eastern district", "The regional health board", "Local shop owners",
    "The school district", "Engineers at the water utility", "Volunteers from the food bank",
    "The mayor's office", "Researchers at the university", "The fire department",
    "A coalition of tenant groups", "The chamber of commerce", "Farmers in the valley",
    "The county planning office", "Parents at the primary school", "The ferry operator",
)  # fmt: skip
VERBS = (
    "approved", "questioned", "postponed", "announced", "criticised", "welcomed", "reviewed",
    "proposed", "rejected", "outlined", "defended", "revised", "funded", "studied", "opposed",
    "described", "presented", "debated",
)  # fmt: skip
OBJECTS = (
    "a plan to widen the coastal road", "the budget for next year",
    "new rules on short-term rentals",
    "a study of air quality near the port", "the timetable for the night buses",
    "a proposal to reopen the old library", "the cost of repairing the sea wall",
    "changes to the recycling collection", "a pilot scheme for electric ferries",
    "the results of the spring survey", "plans for a second bridge", "a rise in water charges",
    "the design of the new market hall", "a shortage of nurses at the clinic",
    "the schedule for resurfacing the high street", "a grant for community gardens",
)  # fmt: skip
TAILS = (
    "on Tuesday evening", "after a long public hearing", "despite objections from neighbours",
    "for the third time this year", "in a vote of seven to four", "at a packed meeting",
    "ahead of the summer season", "following months of delay", "without a formal debate",
    "after reviewing the consultants' report", "in a statement released on Friday",
    "at the request of local businesses", "while the inquiry continues",
)  # fmt: skip
CLAUSES = (
    "Officials said the figures would be published next month",
    "The decision is expected to affect several thousand households",
    "Critics argued that the consultation had been too short",
    "Supporters pointed to similar schemes in neighbouring towns",
    "The final cost has not yet been confirmed",
    "A second hearing is scheduled for the autumn",
    "Opposition members asked for an independent review",
    "The work will be carried out in three phases",
    "Several speakers raised concerns about noise and traffic",
    "Funding will come partly from a regional development grant",
    "The report recommends monitoring the results for two years",
    "Attendance at the meeting was higher than usual",
)  # fmt: skip
QUOTES = (
    "We have listened carefully and we believe this is the right balance",
    "Nobody asked the people who actually live here",
    "The numbers simply do not add up yet",
    "This is a long-term investment in the town's future",
    "We expect to see the first results before the end of the year",
    "It is a small step, but it is a step in the right direction",
    "We will keep pressing for answers until we get them",
    "The old system was never designed for this many people",
)  # fmt: skip
ROLES = (
    "a member of the council", "who has lived on the street for thirty years",
    "the committee's chair", "a local business owner", "a spokesperson for the campaign",
    "the project's lead engineer", "a retired teacher", "the union's regional secretary",
)  # fmt: skip
COMMENT_LINES = (
    "Finally some progress on this.", "I'll believe it when I see it.",
    "Does anyone know when the next meeting is?", "This has been discussed for ten years now.",
    "Great reporting, thank you.", "The traffic on that road is already terrible.",
    "Who is paying for all of this?", "My family has waited a long time for this decision.",
    "Interesting, but the article does not mention the costs for residents.",
    "Same story every summer.", "Glad to see the council listening for once.",
)  # fmt: skip
HEADLINE_OPENERS = (
    "Council backs", "Residents question", "Plan for", "Delay hits", "Vote on", "Inquiry into",
    "Funding found for", "Debate over", "New study on", "Questions remain over",
)  # fmt: skip
HEADLINE_TOPICS = (
    "coastal road widening", "night bus timetable", "library reopening", "sea wall repairs",
    "recycling changes", "electric ferry pilot", "second bridge", "water charges",
    "market hall design", "clinic staffing", "high street works", "community gardens",
    "harbour dredging", "school expansion", "cycle lanes", "flood defences",
)  # fmt: skip
LAYOUTS = ("classic", "wide", "magazine")


@dataclass(frozen=True)
class ArticleInfo:
    """What the sitemap, the feed and the page itself say about one article."""

    number: int
    path: str
    headline: str
    authors: tuple[str, ...]
    section: str
    published: datetime
    modified: datetime


@lru_cache(maxsize=4096)
def article_info(seed: int, number: int) -> ArticleInfo:
    """The article's URL path, headline, authors and dates: cheap, for sitemaps and feeds."""
    rng = random.Random(f"info:{seed}:{number}")
    published = NEWEST - timedelta(minutes=number * 41 + rng.randrange(40))
    modified = published + timedelta(minutes=rng.choice((0, 0, 12, 95, 600)))
    headline = (
        f"{rng.choice(HEADLINE_OPENERS)} {rng.choice(HEADLINE_TOPICS)} "
        f"in {rng.choice(('Northport', 'Eastbay', 'Millbrook', 'Saltmarsh', 'Kingsferry'))}"
    )
    authors = tuple(person(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3))))
    slug = re.sub(r"[^a-z0-9]+", "-", headline.lower()).strip("-")
    path = f"/news/{published:%Y/%m/%d}/{slug}-{number}.html"
    return ArticleInfo(number, path, headline, authors, rng.choice(SECTIONS), published, modified)


def number_of_path(seed: int, path: str, pages: int) -> int | None:
    """The article number a path serves, or None when the path is not one of the site's."""
    match = ARTICLE_PATH.match(path)
    if not match:
        return None
    number = int(match.group(1))
    if number >= pages or article_info(seed, number).path != path:
        return None
    return number


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.55:
        return (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."
        )
    if kind < 0.8:
        return f"{rng.choice(CLAUSES)}, and {rng.choice(CLAUSES).lower()}."
    return f"\u201c{rng.choice(QUOTES)},\u201d said {person(rng)}, {rng.choice(ROLES)}."


def body_paragraphs(seed: int, number: int) -> list[str]:
    """The article's prose: 6-20 paragraphs of 2-7 sentences, plain text."""
    rng = random.Random(f"body:{seed}:{number}")
    return [
        " ".join(sentence(rng) for _ in range(rng.randint(2, 7))) for _ in range(rng.randint(6, 20))
    ]


def render_article(seed: int, number: int, pages: int, base: str) -> str:
    """One article page's HTML; the same arguments always give the same page."""
    info = article_info(seed, number)
    rng = random.Random(f"page:{seed}:{number}")
    layout = rng.choice(LAYOUTS)
    paragraphs = body_paragraphs(seed, number)
    target = rng.randint(MIN_PAGE_BYTES + 4096, MAX_PAGE_BYTES - 8192)
    url = f"{base}{info.path}"
    related = [article_info(seed, rng.randrange(pages)) for _ in range(rng.randint(4, 8))]
    most_read = [article_info(seed, rng.randrange(pages)) for _ in range(10)]

    head = _head(info, url, paragraphs, rng)
    article = _article(info, paragraphs, related, layout, rng)
    sidebar = _sidebar(most_read, base, rng)
    parts = [
        "<!DOCTYPE html>\n",
        f'<html lang="en"><head>{head}</head><body class="layout-{layout}">',
        _navigation(rng),
    ]
    if layout == "wide":
        parts += [f'<main class="wide">{article}</main>', sidebar]
    else:
        parts += [f'<div class="columns"><main>{article}</main>{sidebar}</div>']
    more = [article_info(seed, rng.randrange(pages)) for _ in range(rng.randint(6, 16))]
    parts += [_teasers(more, info.section), _comments(rng), _footer(rng)]
    page = "".join(parts)
    # Real pages carry their state for client-side rendering; it is what brings most of them
    # to 50-150 KB, and its size is how each page reaches its own target.
    state = _client_state(info, paragraphs, related, target - len(page.encode()) - 200, rng)
    return f"{page}{state}</body></html>\n"


def _head(info: ArticleInfo, url: str, paragraphs: list[str], rng: random.Random) -> str:
    description = escape(paragraphs[0][:160])
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": info.headline,
        "datePublished": info.published.isoformat(),
        "dateModified": info.modified.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in info.authors],
        "publisher": {"@type": "Organization", "name": SITE_NAME},
        "articleSection": info.section,
        "mainEntityOfPage": url,
    }
    styles = "".join(
        f".c{index}{{margin:{index % 7}px;padding:{index % 5}px;"
        f"color:#{index * 2654435 % 0xFFFFFF:06x}}}"
        for index in range(rng.randint(150, 400))
    )
    return (
        f'<meta charset="utf-8"><title>{escape(info.headline)} | {SITE_NAME}</title>'
        f'<meta name="description" content="{description}">'
        f'<meta property="og:title" content="{escape(info.headline)}">'
        f'<meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{info.published.isoformat()}">'
        f'<link rel="canonical" href="{url}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        f"<style>{styles}</style>"
    )


def _navigation(rng: random.Random) -> str:
    links = "".join(
        f'<li><a href="/{section.lower()}/">{section}</a>'
        f'<ul class="sub">{_sub_links(section, rng)}</ul></li>'
        for section in SECTIONS
    )
    return (
        f'<header class="site-header"><a class="logo" href="/">{SITE_NAME}</a>'
        f'<div class="today">Friday, June 28, 2024</div>'
        f'<nav aria-label="Sections"><ul class="menu">{links}</ul></nav>'
        f'<form class="search" action="/search"><input name="q"><button>Search</button></form>'
        f'<a class="subscribe" href="/subscribe/">Subscribe</a></header>'
    )


def _sub_links(section: str, rng: random.Random) -> str:
    topics = rng.sample(HEADLINE_TOPICS, rng.randint(5, 12))
    return "".join(
        f'<li class="menu-item"><a href="/{section.lower()}/{topic.replace(" ", "-")}/">'
        f"<span>{topic.title()}</span></a></li>"
        for topic in topics
    )


def _byline(info: ArticleInfo, rng: random.Random) -> str:
    names = " and ".join(
        f'<a rel="author" href="/authors/{name.lower().replace(" ", "-")}/">{name}</a>'
        for name in info.authors
    )
    local = info.published.astimezone(UTC)
    shown = f"{local:%B} {local.day}, {local:%Y} at {local:%H:%M} UTC"
    if rng.random() < 0.5:
        return (
            f'<div class="byline">By {names}<time datetime="{info.published.isoformat()}">'
            f"Published {shown}</time></div>"
        )
    return (
        f'<p class="meta"><span class="author">{names}</span> | '
        f'<span class="date">{shown}</span></p>'
    )


def _article(
    info: ArticleInfo,
    paragraphs: list[str],
    related: list[ArticleInfo],
    layout: str,
    rng: random.Random,
) -> str:
    body = []
    inline_related_at = rng.randint(2, max(2, len(paragraphs) - 2))
    for index, text in enumerate(paragraphs):
        if index == inline_related_at and layout == "magazine":
            body.append(_related(related[:3], "Read more"))
        if index and index % 5 == 0:
            body.append(
                f'<figure class="inline"><img src="/img/{info.number}-{index}.jpg" alt="">'
                f"<figcaption>Photo: {person(rng)} / {SITE_NAME}</figcaption></figure>"
            )
        body.append(f"<p>{escape(text)}</p>")
    headline = f'<h1 class="headline">{escape(info.headline)}</h1>'
    top = [_byline(info, rng), headline] if layout == "magazine" else [headline, _byline(info, rng)]
    share = "".join(
        f'<a class="share-{network}" href="/share/{network}?n={info.number}">{network}</a>'
        for network in ("facebook", "x", "email", "whatsapp")
    )
    return (
        f'<article><a class="section" href="/{info.section.lower()}/">{info.section}</a>'
        f'{"".join(top)}<div class="share">{share}</div>'
        f'<figure class="lead"><img src="/img/{info.number}.jpg" alt="{escape(info.headline)}">'
        f"<figcaption>{escape(rng.choice(CLAUSES))}.</figcaption></figure>"
        f'<div class="article-body">{"".join(body)}</div>'
        f'<div class="tags">{_tags(info, rng)}</div></article>'
        f"{_related(related, 'Related stories')}"
    )


def _tags(info: ArticleInfo, rng: random.Random) -> str:
    return "".join(
        f'<a rel="tag" href="/tags/{topic.replace(" ", "-")}/">{topic}</a>'
        for topic in [info.section.lower(), *rng.sample(HEADLINE_TOPICS, 3)]
    )


def _related(articles: list[ArticleInfo], title: str) -> str:
    items = "".join(
        f'<li><a href="{other.path}"><img src="/img/{other.number}-thumb.jpg" alt="">'
        f"<span>{escape(other.headline)}</span></a>"
        f"<time>{other.published:%d %b %Y}</time></li>"
        for other in articles
    )
    return f'<aside class="related"><h2>{title}</h2><ul>{items}</ul></aside>'


def _teasers(articles: list[ArticleInfo], section: str) -> str:
    cards = "".join(
        f'<div class="card"><a href="{other.path}"><div class="card-image">'
        f'<img src="/img/{other.number}-card.jpg" alt="" loading="lazy"></div>'
        f'<div class="card-text"><span class="kicker">{other.section}</span>'
        f"<h3>{escape(other.headline)}</h3></div></a>"
        f'<div class="card-meta"><span>{", ".join(other.authors)}</span>'
        f"<time>{other.published:%d %b %Y}</time></div></div>"
        for other in articles
    )
    return (
        f'<section class="more"><h2>More in {section}</h2><div class="grid">{cards}</div></section>'
    )


def _sidebar(most_read: list[ArticleInfo], base: str, rng: random.Random) -> str:
    ranked = "".join(
        f'<li><span class="rank">{rank}</span><a href="{base}{other.path}">'
        f"{escape(other.headline)}</a></li>"
        for rank, other in enumerate(most_read, 1)
    )
    newsletter = (
        '<div class="newsletter"><h3>Get the morning briefing</h3>'
        "<p>The day's news from the harbour and the valley, in your inbox at seven.</p>"
        '<form action="/newsletter"><input type="email" name="email"><button>Sign up</button>'
        "</form></div>"
    )
    ads = "".join(
        f'<div class="ad slot-{slot}" data-size="300x250" data-slot="{rng.randrange(10**8)}">'
        "Advertisement</div>"
        for slot in range(rng.randint(2, 4))
    )
    return f'<aside class="sidebar"><h2>Most read</h2><ol>{ranked}</ol>{newsletter}{ads}</aside>'


def _comments(rng: random.Random) -> str:
    comments = "".join(
        f'<li class="comment"><div class="comment-head"><img class="avatar" src="/avatars/'
        f'{rng.randrange(5000)}.png" alt=""><span class="user">{person(rng).split()[0].lower()}'
        f"{rng.randrange(100)}</span><time>{rng.randint(1, 23)} hours ago</time></div>"
        f'<div class="comment-body"><p>{" ".join(rng.sample(COMMENT_LINES, rng.randint(1, 3)))}'
        f'</p></div><div class="comment-actions"><button class="like">'
        f"<span>{rng.randrange(60)}</span></button>"
        f'<a class="reply" href="#reply">Reply</a><a class="report" href="#report">Report</a>'
        "</div></li>"
        for _ in range(rng.randint(5, 60))
    )
    return f'<section class="comments"><h2>Comments</h2><ol>{comments}</ol></section>'


def _footer(rng: random.Random) -> str:
    columns = "".join(
        f'<div class="col"><h4>{section}</h4><ul>{_sub_links(section, rng)}</ul></div>'
        for section in SECTIONS
    )
    return (
        f'<footer class="site-footer">{columns}'
        f"<p>&copy; 2024 {SITE_NAME}. All rights reserved.</p>"
        '<p><a href="/privacy/">Privacy</a> <a href="/terms/">Terms</a> '
        '<a href="/contact/">Contact</a></p></footer>'
    )


def _client_state(
    info: ArticleInfo,
    paragraphs: list[str],
    related: list[ArticleInfo],
    size: int,
    rng: random.Random,
) -> str:
    state: dict[str, object] = {
        "page": {"id": info.number, "section": info.section, "headline": info.headline},
        "body": paragraphs,
        "related": [{"id": other.number, "path": other.path} for other in related],
        "tracking": [],
    }
    length = len(json.dumps(state, separators=(",", ":")))
    events: list[dict[str, object]] = []
    while length < size:
        event: dict[str, object] = {
            "event": rng.choice(("view", "scroll", "impression", "click")),
            "slot": rng.randrange(10**9),
            "ts": rng.randrange(10**12),
            "path": rng.choice(related).path,
        }
        events.append(event)
        length += len(json.dumps(event, separators=(",", ":"))) + 1
    state["tracking"] = events
    encoded = json.dumps(state, separators=(",", ":")).replace("</", "<\\/")
    return f'<script id="__STATE__" type="application/json">{encoded}</script>'


def sitemap_index(base: str, pages: int) -> str:
    parts = (pages + SITEMAP_SIZE - 1) // SITEMAP_SIZE
    entries = "".join(
        f"<sitemap><loc>{base}/sitemaps/news-{part}.xml</loc></sitemap>" for part in range(parts)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</sitemapindex>\n"
    )


def sitemap(seed: int, base: str, pages: int, part: int) -> str:
    """The part-th sitemap: articles part*1000 to part*1000+999, newest first."""
    numbers = range(part * SITEMAP_SIZE, min(pages, (part + 1) * SITEMAP_SIZE))
    entries = "".join(
        f"<url><loc>{base}{info.path}</loc><lastmod>{info.modified.isoformat()}</lastmod></url>"
        for info in (article_info(seed, number) for number in numbers)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</urlset>\n"
    )


def rss_feed(seed: int, base: str, pages: int) -> str:
    """RSS 2.0 with the newest FEED_SIZE articles."""
    items = []
    for number in range(min(pages, FEED_SIZE)):
        info = article_info(seed, number)
        creators = "".join(f"<dc:creator>{escape(name)}</dc:creator>" for name in info.authors)
        items.append(
            f"<item><title>{escape(info.headline)}</title><link>{base}{info.path}</link>"
            f"<guid>{base}{info.path}</guid><pubDate>{format_datetime(info.published)}</pubDate>"
            f"{creators}<category>{info.section}</category></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{SITE_NAME}</title><link>{base}/</link>"
        f"<description>News from the harbour and the valley</description>"
        f"{''.join(items)}</channel></rss>\n"
    )


def robots_txt(base: str) -> str:
    return f"User-agent: *\nDisallow: /search\nSitemap: {base}/sitemap_index.xml\n"


class GeneratedSiteHandler(BaseHTTPRequestHandler):
    # Keep-alive, as real servers do; every reply has a Content-Length.
    protocol_version = "HTTP/1.1"
    seed: int = DEFAULT_SEED
    pages: int = 0
    # Article path -> the gzip-compressed page, when the site was rendered ahead.
    rendered: dict[str, bytes]

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path in self.rendered and self.accepts_gzip():
            self.send(200, "text/html; charset=utf-8", self.rendered[path], "gzip")
            return
        body, content_type = self.render(path, base_url(self.server))
        if body is None:
            self.reply(404, "text/html; charset=utf-8", b"<h1>Not Found</h1>")
            return
        self.reply(200, content_type, body.encode())

    def render(self, path: str, base: str) -> tuple[str | None, str]:
        xml = "application/xml; charset=utf-8"
        if path == "/robots.txt":
            return robots_txt(base), "text/plain; charset=utf-8"
        if path == "/feed.xml":
            return rss_feed(self.seed, base, self.pages), "application/rss+xml; charset=utf-8"
        if path == "/sitemap_index.xml":
            return sitemap_index(base, self.pages), xml
        match = SITEMAP_PATH.match(path)
        if match and int(match.group(1)) * SITEMAP_SIZE < self.pages:
            return sitemap(self.seed, base, self.pages, int(match.group(1))), xml
        number = number_of_path(self.seed, path, self.pages)
        if number is not None:
            html = render_article(self.seed, number, self.pages, base)
            return html, "text/html; charset=utf-8"
        return None, ""

    def accepts_gzip(self) -> bool:
        return "gzip" in (self.headers.get("Accept-Encoding") or "")

    def reply(self, status: int, content_type: str, body: bytes) -> None:
        # Compressed when the client asks, as news sites serve their pages.
        if self.accepts_gzip() and len(body) > 1024:
            self.send(status, content_type, gzip.compress(body, compresslevel=GZIP_LEVEL), "gzip")
        else:
            self.send(status, content_type, body, "")

    def send(self, status: int, content_type: str, body: bytes, encoding: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: thousands of requests; the crawl's log and stats say what was fetched."""


def base_url(server: BaseServer) -> str:
    address = server.server_address
    assert isinstance(address, tuple), "an IPv4 server has a (host, port) address"
    return f"http://{HOST}:{address[1]}"


@dataclass
class GeneratedSite:
    """A served site: its base URL, and the cache of pages rendered ahead of a crawl."""

    base: str
    seed: int
    pages: int
    rendered: dict[str, bytes]

    def render_ahead(self) -> None:
        """Render and compress every article once, so that serving costs the crawl little.

        On a machine with few cores the server shares them with the crawl it serves; a
        server busy rendering would lower the ceiling the benchmark measures. About 20 KB
        of memory per page.
        """
        for number in range(self.pages):
            html = render_article(self.seed, number, self.pages, self.base)
            path = article_info(self.seed, number).path
            self.rendered[path] = gzip.compress(html.encode(), compresslevel=GZIP_LEVEL)


@contextmanager
def serve_generated_site(pages: int, seed: int = DEFAULT_SEED) -> Iterator[GeneratedSite]:
    """Serve a site of `pages` articles on 127.0.0.1 in a thread."""
    rendered: dict[str, bytes] = {}
    handler = type(
        "Handler", (GeneratedSiteHandler,), {"seed": seed, "pages": pages, "rendered": rendered}
    )
    server = ThreadingHTTPServer((HOST, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield GeneratedSite(base_url(server), seed, pages, rendered)
    finally:
        server.shutdown()
        server.server_close()
