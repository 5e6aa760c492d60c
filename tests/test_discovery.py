"""Feeds, sitemaps and URLs, read without a crawl."""

from __future__ import annotations

import time

import pytest

from crawler.discovery import (
    DiscoveryError,
    looks_like_article_url,
    read_feed,
    read_sitemap,
    shorten_author_fields,
    w3c_datetime_text,
)
from crawler.urls import canonicalise_url, choose_article_url

RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>
<item><title> Ferry returns </title><link>/news/ferry.html?utm_source=rss</link>
<pubDate>Tue, 18 Jun 2024 09:40:00 +0000</pubDate><dc:creator>Omar Haddad</dc:creator></item>
<item><title>No link</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>Bakery</title><link rel="alternate" href="https://ex.com/bakery.html"/>
<published>2024-02-01T07:00:00+01:00</published><updated>2024-02-02T07:00:00+01:00</updated>
<author><name>Lena Fischer</name></author><id>x</id></entry></feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://ex.com/a.html</loc>
 <news:news><news:publication><news:name>Ex</news:name><news:language>en</news:language>
 </news:publication><news:publication_date>2024-03-05T14:30:00-05:00</news:publication_date>
 <news:title>Budget passes</news:title></news:news></url>
<url><loc> https://ex.com/b.html </loc><lastmod>2024-01-01</lastmod></url>
<url><lastmod>2024-01-01</lastmod></url>
</urlset>"""


def test_rss_entries_become_leads_with_hints() -> None:
    (lead,) = read_feed(RSS, "https://ex.com/feed.xml")
    assert lead.url == "https://ex.com/news/ferry.html?utm_source=rss"
    assert lead.title == "Ferry returns"
    assert [(d.raw, d.source) for d in lead.dates] == [("Tue, 18 Jun 2024 09:40:00 +0000", "feed")]
    assert lead.authors == ["Omar Haddad"]
    assert lead.updated is None  # a publication date says nothing of later changes


def test_atom_entries_use_the_published_date_not_the_updated_one() -> None:
    (lead,) = read_feed(ATOM, "https://ex.com/atom.xml")
    assert lead.url == "https://ex.com/bakery.html"
    assert [d.raw for d in lead.dates] == ["2024-02-01T07:00:00+01:00"]
    assert lead.updated == "2024-02-02T06:00:00Z"
    assert lead.authors == ["Lena Fischer"]


@pytest.mark.parametrize("body", [b"", b"<html><body>Not a feed</body></html>", b"\x00\x01binary"])
def test_something_that_is_not_a_feed_is_an_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError, match="not a readable RSS or Atom feed"):
        read_feed(body, "https://ex.com/feed.xml")


def test_google_news_sitemap_fields_become_hints() -> None:
    document = read_sitemap(NEWS_SITEMAP)
    assert document.kind == "urlset"
    first, second = document.leads
    assert (first.url, first.title) == ("https://ex.com/a.html", "Budget passes")
    assert [(d.raw, d.source) for d in first.dates] == [("2024-03-05T14:30:00-05:00", "sitemap")]
    assert (second.url, second.title, second.dates) == ("https://ex.com/b.html", None, [])
    assert (first.updated, second.updated) == (None, "2024-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01", "2024-05-01T00:00:00Z"),
        ("2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00Z"),
        ("2024-05-01T10:00Z", "2024-05-01T10:00:00Z"),
        (" 2024-05-01T10:00:00.123-05:00 ", "2024-05-01T15:00:00Z"),
        ("yesterday", None),
        ("", None),
    ],
)
def test_sitemap_lastmod_becomes_utc_text(raw: str, expected: str | None) -> None:
    assert w3c_datetime_text(raw) == expected


def test_a_sitemap_index_lists_its_sitemaps() -> None:
    body = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://ex.com/s1.xml.gz</loc></sitemap>"
        b"<sitemap><loc>https://ex.com/s2.xml</loc></sitemap></sitemapindex>"
    )
    document = read_sitemap(body)
    assert (document.kind, document.sitemaps) == (
        "sitemapindex",
        ["https://ex.com/s1.xml.gz", "https://ex.com/s2.xml"],
    )


def test_sitemap_entities_are_not_expanded() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://ex.com/&x;</loc></url></urlset>"
    )
    leads = read_sitemap(body).leads
    assert all("root:" not in lead.url for lead in leads)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>hello</body></html>", "the root element is <html>"),
        (b"", "not a readable sitemap"),
    ],
)
def test_something_that_is_not_a_sitemap_is_an_error(body: bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        read_sitemap(body)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ex.com/2024/06/18/ferry-returns", True),
        ("https://ex.com/news/ferry-returns-to-the-river-after-five-years", True),
        ("https://ex.com/politics/story-1234567.html", True),
        ("https://ex.com/", False),
        ("https://ex.com/politics/", False),
        ("https://ex.com/tag/ferry", False),
        ("https://ex.com/about", False),
        ("https://ex.com/files/report-2024-annual-summary.pdf", False),
        ("https://ex.com/author/omar-haddad", False),
    ],
)
def test_article_urls_are_guessed_without_a_pattern(url: str, expected: bool) -> None:
    assert looks_like_article_url(url) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Ex.COM:443/a.html?utm_source=rss&utm_medium=feed#top", "https://ex.com/a.html"),
        ("https://ex.com/a.html?id=5&fbclid=abc", "https://ex.com/a.html?id=5"),
        ("https://ex.com/story?page=2&sort=new", "https://ex.com/story?page=2&sort=new"),
        ("https://ex.com", "https://ex.com/"),
    ],
)
def test_urls_are_canonicalised_without_tracking_parameters(url: str, expected: str) -> None:
    assert canonicalise_url(url) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("/news/a.html", "https://ex.com/news/a.html"),
        ("https://www.ex.com/news/a.html", "https://www.ex.com/news/a.html"),
        ("https://ex.com/", "https://ex.com/news/a.html?x=1"),
        ("https://other.org/news/a.html", "https://ex.com/news/a.html?x=1"),
        ("javascript:void(0)", "https://ex.com/news/a.html?x=1"),
        (None, "https://ex.com/news/a.html?x=1"),
    ],
)
def test_a_canonical_link_is_trusted_only_on_the_same_host_and_not_the_home_page(
    declared: str | None, expected: str
) -> None:
    assert choose_article_url("https://ex.com/news/a.html?x=1&utm_source=a", declared) == expected


def one_item_feed(author: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<channel><item><title>T</title><link>https://ex.com/news/a.html</link>"
        f"<dc:creator>{author}</dc:creator></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "author",
    [
        "a" * 50_000,
        "a" * 50_000 + "@ex.com",
        "<![CDATA[" + "a" * 50_000 + "]]>",
    ],
)
def test_a_feed_author_of_one_long_word_is_read_at_once(author: str) -> None:
    """feedparser searched it for an e-mail address from each letter: 15 s for 50 KB."""
    started = time.monotonic()
    (lead,) = read_feed(one_item_feed(author), "https://ex.com/feed.xml")
    assert time.monotonic() - started < 1
    assert [len(name) for name in lead.authors] == [1000]


def test_long_author_fields_are_cut_after_their_spaces_are_squeezed() -> None:
    (lead,) = read_feed(one_item_feed("Ann" + " " * 50_000 + "Lee"), "https://ex.com/feed.xml")
    assert lead.authors == ["Ann Lee"]
    ordinary = one_item_feed("Ann Lee (ann@ex.com)")
    assert shorten_author_fields(ordinary) == ordinary
