"""One spelling per article URL, so that a feed link, a sitemap entry and a teaser link with
tracking parameters all name the same row in the archive."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import normalize_url


def canonicalise_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters
    (utm_*, fbclid, ...). Other query parameters stay: on many sites they name the article."""
    try:
        normalised = normalize_url(url.strip())
    except ValueError:
        return url.strip()
    parts = urlsplit(normalised)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def choose_article_url(fetched_url: str, declared_canonical: str | None) -> str:
    """The page's own <link rel=canonical> when it is a believable article address on the same
    host; otherwise the URL we fetched. Some sites point every page's canonical link at their
    home page or at another host, and trusting that would merge different articles."""
    fetched = canonicalise_url(fetched_url)
    if not declared_canonical:
        return fetched
    declared = canonicalise_url(urljoin(fetched_url, declared_canonical))
    declared_parts, fetched_parts = urlsplit(declared), urlsplit(fetched)
    if declared_parts.scheme not in ("http", "https"):
        return fetched
    if _bare_host(declared_parts.hostname) != _bare_host(fetched_parts.hostname):
        return fetched
    if declared_parts.path.strip("/") == "" and fetched_parts.path.strip("/") != "":
        return fetched
    return declared


def _bare_host(host: str | None) -> str:
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host
