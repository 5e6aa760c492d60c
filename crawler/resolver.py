"""Name resolution that refuses addresses inside the local network, at connection time.

A host name on a site's domains may still resolve to 127.0.0.1, 10.x or 169.254.169.254: its
owner controls its DNS, and may change the answer between two lookups (DNS rebinding). So the
check is made on the very address the connection will use, inside the resolver Scrapy
installs on the reactor: an internal address is refused unless the user listed the host
(crawler/boundary.py). Installed with the TWISTED_DNS_RESOLVER setting.
"""

from __future__ import annotations

import logging
from typing import Any, Self
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.datatypes import LocalCache
from twisted.internet import defer

from crawler.boundary import Refusal, address_refusal, ip_address
from crawler.sites import SitesConfigError, load_sites

logger = logging.getLogger(__name__)


class InternalAddressRefused(OSError):
    """A host resolved to an address inside the local network that the user did not list."""


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing internal addresses of hosts nobody listed.

    Twisted reports any failed lookup as "Couldn't find the hostname", so each refusal is also
    kept in `refusals` (by host) for the downloader middleware to tell the user what happened.
    """

    def __init__(
        self, reactor: Any, cache_size: int, timeout: float, listed_hosts: frozenset[str]
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.listed_hosts = listed_hosts
        self.refusals: LocalCache[str, Refusal] = LocalCache(1000)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        proxies = settings.getbool("HTTPPROXY_ENABLED")
        listed = listed_hosts(settings["ARCHIVE_SITES"], proxies=proxies)
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), listed)

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:  # noqa: N802
        resolved = super().getHostByName(name, timeout)
        resolved.addCallback(self.refuse_internal, name)
        return resolved

    def refuse_internal(self, address: str, name: str) -> str:
        parsed = ip_address(address)
        refusal = address_refusal(name, parsed, self.listed_hosts) if parsed else None
        if refusal is not None:
            self.refusals[refusal.host] = refusal
            logger.warning("Not connecting: %s", refusal)
            raise InternalAddressRefused(str(refusal))
        return address


def listed_hosts(sites_file: str, *, proxies: bool) -> frozenset[str]:
    """Every host the sites file names exactly, and the HTTP proxies' hosts (a proxy from the
    environment is often on the local network, and the connection goes to it)."""
    try:
        sites = load_sites(sites_file)
    except SitesConfigError:
        sites = {}  # the crawl command has refused to start; list nothing
    hosts = {host for site in sites.values() for host in site.listed_hosts}
    if proxies:
        hosts |= {urlsplit(proxy).hostname or "" for proxy in getproxies().values()}
    return frozenset(host.lower() for host in hosts if host)
