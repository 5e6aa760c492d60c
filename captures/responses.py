"""A stored response turned back into the Scrapy response the crawl's spider had, so that
whatever reads a page as fetched (re-extraction, the reading room) decodes it the crawl's way."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes

from captures.reading import StoredResponse
from crawler.middlewares import read_despite_false_claim


def response_of(stored: StoredResponse) -> Response:
    """The body decoded from its Content-Encoding (as HttpCompressionMiddleware does), the
    response's class chosen from its headers and body, its charset read as FalseCharsetClaims
    reads it."""
    headers = Headers()
    for name, value in stored.headers:
        if name.lower() != "content-encoding":
            headers.appendlist(name, value)
    response_class = responsetypes.from_args(headers=headers, url=stored.url, body=stored.body)
    response = response_class(
        url=stored.url,
        status=stored.status,
        headers=headers,
        body=stored.body,
        request=Request(stored.url),
    )
    return read_despite_false_claim(response) or response


def text_of(stored: StoredResponse) -> str:
    """The body as text, as the crawl read it (undecodable bytes as U+FFFD)."""
    response = response_of(stored)
    if isinstance(response, TextResponse):
        return response.text
    return stored.body.decode("utf-8", errors="replace")
