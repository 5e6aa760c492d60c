"""What the crawler may fetch for a site, decided on the URL exactly as it will be requested.

A site's boundary is its `domains` (and their subdomains), the ports of its configured URLs
plus 80 and 443, and the public internet: an address inside the network the crawler runs in
(loopback, private, link-local, multicast, reserved...) is out of bounds unless the user listed
that very host (in the site's `domains` or URLs), as an intranet site or a local test site does.

Pages are written by strangers, so every URL they give us (links, feed entries, sitemap
locations, redirects) is checked here, and so is every request before it is downloaded
(crawler/middlewares.py) and every address a host name resolves to (crawler/resolver.py).
These are pure functions; the classes around them only apply them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from twisted.web.client import URI
from w3lib.url import safe_url_string

from crawler.sites import Site, default_port, host_in_domains

WEB_SCHEMES = ("http", "https")
UNSAFE_CHARACTERS = (
    "the URL holds a backslash, a space or a control character, which can hide the host the "
    "request really goes to"
)


class Refused(Enum):
    """Why a URL or an address is out of bounds."""

    NOT_WEB = "not an http(s) URL"
    UNSAFE_CHARACTER = "a backslash, space or control character"
    USERINFO = "a user name or password before the host"
    AMBIGUOUS_HOST = "a host that parsers read differently"
    OUTSIDE_DOMAINS = "a host outside the site's domains"
    PORT = "a port that is not the site's"
    INTERNAL_ADDRESS = "an address inside the local network"


@dataclass(frozen=True)
class Refusal:
    """A refused URL: the kind of refusal (for decisions and stats) and a sentence for people."""

    kind: Refused
    url: str
    host: str
    why: str

    @property
    def shown_url(self) -> str:
        """The URL with any control character escaped, fit for a log line or a table cell."""
        return self.url if self.url.isprintable() else repr(self.url)[1:-1]

    def __str__(self) -> str:
        return f"{self.shown_url}, refused: {self.why}"


def as_requested(url: str) -> str:
    """The URL as Scrapy will request it: w3lib's normalisation, which Request applies too
    (a backslash becomes a slash, spaces and non-ASCII characters are percent-encoded).
    A URL w3lib cannot read (a port that is no number) is left as it is, for url_refusal."""
    try:
        return safe_url_string(url)
    except ValueError:
        return url


def url_refusal(url: str, site: Site) -> Refusal | None:
    """Why `url` (as requested, see as_requested) is outside `site`, or None when it is inside.

    The host and port are read both as urlsplit reads them and as Twisted's HTTP client does
    (the one that connects), and must agree: a URL that means two things is refused."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in WEB_SCHEMES:
        return Refusal(Refused.NOT_WEB, url, host, f"{parts.scheme or 'no'} scheme, not http(s)")
    if any(character <= " " or character in "\\\x7f" for character in url):
        return Refusal(
            Refused.UNSAFE_CHARACTER,
            url,
            host,
            UNSAFE_CHARACTERS,
        )
    if "@" in parts.netloc:
        return Refusal(
            Refused.USERINFO,
            url,
            host,
            f"a user name or password stands before the host {host}; a page never needs one, "
            "and it can hide the host the request really goes to",
        )
    try:
        port = parts.port or default_port(parts.scheme)
    except ValueError:
        return Refusal(Refused.UNSAFE_CHARACTER, url, host, f"the port of {host} is not a number")
    connected = URI.fromBytes(url.encode("ascii", "replace"))
    connected_host = connected.host.decode("ascii", "replace").strip("[]").lower().rstrip(".")
    if not host or connected_host != host or connected.port != port:
        return Refusal(
            Refused.AMBIGUOUS_HOST,
            url,
            host,
            f"the host reads as {host!r} to one parser and {connected_host!r} to another",
        )
    if not host_in_domains(host, site.domains):
        return Refusal(
            Refused.OUTSIDE_DOMAINS,
            url,
            host,
            f"the host {host} is not among the domains of site {site.name!r} "
            f"({', '.join(site.domains)})",
        )
    if port not in site.ports:
        allowed = ", ".join(str(number) for number in sorted(site.ports))
        return Refusal(
            Refused.PORT,
            url,
            host,
            f"port {port} of {host} is not among the ports of site {site.name!r} ({allowed}: "
            "those of its configured URLs, and 80 and 443)",
        )
    address = ip_address(host)
    if address is not None:
        return address_refusal(host, address, site.listed_hosts, url=url)
    return None


def address_refusal(
    host: str,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    listed_hosts: frozenset[str],
    *,
    url: str = "",
) -> Refusal | None:
    """Why connecting to `address` for `host` is refused, or None: an address inside the local
    network is allowed only for a host the user listed."""
    host = host.lower().rstrip(".")
    if not is_internal(address) or host in listed_hosts:
        return None
    shown = f"{host}, at {address}," if str(address) != host else host
    return Refusal(
        Refused.INTERNAL_ADDRESS,
        url or host,
        host,
        f"{shown} is {internal_kind(address)} address; only hosts listed in a site's "
        "'domains' or URLs may be inside the local network",
    )


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address that is not on the public internet, IPv4 inside IPv6 included."""
    embedded = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
    if embedded is not None:
        return is_internal(embedded)
    return (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_link_local
        or address.is_loopback
    )


def internal_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """A few words for the log: which kind of internal address."""
    for kind, flag in (
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("an unspecified", address.is_unspecified),
        ("a private", address.is_private),
        ("a reserved", address.is_reserved),
    ):
        if flag:
            return kind
    return "a non-public"


def ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
