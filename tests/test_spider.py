"""The spider's decisions about responses and failures, on responses built by hand."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.discovery import Lead
from crawler.items import DateCandidate
from crawler.middlewares import RedirectLoopError
from crawler.sites import Site
from crawler.spiders.news import (
    NewsSpider,
    PageProblem,
    describe_failure,
    merge_lead,
    unusable_page,
)

URL = "https://ex.com/news/a.html"


def html(body: bytes, content_type: bytes = b"text/html; charset=utf-8") -> Response:
    return HtmlResponse(URL, body=body, headers={"Content-Type": content_type})


def test_an_html_page_is_usable() -> None:
    assert unusable_page(html(b"<html><body><p>Hello</p></body></html>")) is None


def test_unusable_pages_say_why_and_whether_trying_again_could_help() -> None:
    # What a server may get right next time is tried again; a PDF stays a PDF.
    assert unusable_page(html(b"   ")) == PageProblem("empty response body", lasting=False)
    pdf = Response(URL, body=b"%PDF-1.4", headers={"Content-Type": b"application/pdf"})
    assert unusable_page(pdf) == PageProblem(
        "not an HTML page (Content-Type: application/pdf)", lasting=True
    )
    assert unusable_page(html(b"\x00\x01\x02binary")) == PageProblem(
        "binary content served as HTML", lasting=False
    )
    json = TextResponse(URL, body=b"{}", headers={"Content-Type": b"application/json"})
    assert unusable_page(json) == PageProblem(
        "not an HTML page (Content-Type: application/json)", lasting=True
    )


def test_failures_are_described_for_people() -> None:
    request = Request(URL)
    response = Response(URL, status=503, request=request)
    assert describe_failure(Failure(HttpError(response, "Ignoring"))) == "HTTP 503"
    loop = RedirectLoopError("redirect loop: https://ex.com/a -> https://ex.com/a")
    assert describe_failure(Failure(loop)) == loop.args[0]
    assert describe_failure(Failure(ConnectionRefusedError("refused"))).startswith(
        "ConnectionRefusedError: refused"
    )


def test_leads_from_several_routes_are_merged() -> None:
    from_link = Lead(URL)
    from_feed = Lead(URL, "Ferry returns", [DateCandidate("Tue, 18 Jun 2024", "feed")], ["Ann"])
    from_sitemap = Lead(URL, "Other title", [DateCandidate("2024-06-18", "sitemap")])
    merge_lead(from_link, from_feed)
    merge_lead(from_link, from_sitemap)
    assert from_link.title == "Ferry returns"
    assert [d.raw for d in from_link.dates] == ["Tue, 18 Jun 2024", "2024-06-18"]
    assert from_link.authors == ["Ann"]


def test_only_leads_with_hints_are_kept_until_their_page_arrives() -> None:
    spider = NewsSpider()
    spider.remember_hints(URL, Lead(URL))
    assert spider.leads == {}  # a bare sitemap URL costs no object
    spider.remember_hints(URL, Lead(URL, "Ferry returns"))
    spider.remember_hints(URL, Lead(URL, dates=[DateCandidate("2024-06-18", "sitemap")]))
    spider.pending.add(URL)
    lead = spider.take_lead(Request(URL, meta={"lead_url": URL}))
    assert lead is not None
    assert (lead.title, [d.raw for d in lead.dates]) == ("Ferry returns", ["2024-06-18"])
    assert spider.leads == {}
    assert spider.pending == set()


def test_articles_wait_in_the_spider_and_go_to_scrapy_a_few_at_a_time() -> None:
    spider = NewsSpider()
    spider.crawler = get_crawler(NewsSpider)
    site = Site("ex", ("ex.com",))
    spider.sites = [site]
    spider.articles_ahead = 2
    leads = [Lead(f"https://ex.com/news/{number}.html") for number in range(5)]
    handed = [out for lead in leads for out in spider.follow_lead(site, lead, source="sitemap")]
    assert [request.url for request in handed] == [leads[0].url, leads[1].url]
    assert len(spider.waiting["ex"]) == 3
    assert spider.pending == {lead.url for lead in leads}  # found, and their hints kept
    arrived = HtmlResponse(
        leads[0].url,
        body=b"<html><body><p>Ferry returns.</p></body></html>",
        request=handed[0],
        headers={"Content-Type": b"text/html"},
    )
    after = list(spider.parse_article(arrived))
    assert [type(out).__name__ for out in after] == ["Article", "Request"]
    assert after[1].url == leads[2].url
    assert len(spider.waiting["ex"]) == 2


def test_a_sites_articles_wait_until_its_feeds_and_sitemaps_are_read() -> None:
    spider = NewsSpider()
    spider.crawler = get_crawler(NewsSpider)
    one, two = Site("one", ("one.com",)), Site("two", ("two.com",))
    spider.sites = [one, two]
    spider.articles_ahead = 10
    spider.unread_entries["one"] = 1  # its feed is being read
    found = [
        request.url
        for site in (one, two)
        for number in range(3)
        for request in spider.follow_lead(
            site, Lead(f"https://{site.name}.com/news/{number}.html"), source="link"
        )
    ]
    assert found == [f"https://two.com/news/{number}.html" for number in range(3)]
    feed = Request("https://one.com/feed.xml", meta={"site": "one", "holds_articles": True})
    released = [request.url for request in spider.entry_done(feed)]
    assert released == [f"https://one.com/news/{number}.html" for number in range(3)]
    assert spider.waiting == {}


def test_waiting_sites_take_turns() -> None:
    spider = NewsSpider()
    spider.crawler = get_crawler(NewsSpider)
    one, two = Site("one", ("one.com",)), Site("two", ("two.com",))
    spider.sites = [one, two]
    spider.articles_ahead = 0  # nothing goes to Scrapy yet
    for site in (one, two):
        for number in range(2):
            lead = Lead(f"https://{site.name}.com/news/{number}.html")
            list(spider.follow_lead(site, lead, source="link"))
    spider.articles_ahead = 4
    assert [urlsplit(request.url).hostname for request in spider.hand_over()] == [
        "one.com",
        "two.com",
        "one.com",
        "two.com",
    ]
