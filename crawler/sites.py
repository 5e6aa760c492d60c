"""The sites to follow: `data/sites.toml` read into validated, frozen `Site` objects.

Every mistake a user can make in the file is reported here, before the crawl starts, with a
message that names the file, the site, the key and what is allowed.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

URL_LIST_KEYS = ("feeds", "sitemaps", "start_urls")
ALLOWED_KEYS = (
    "article_pattern",
    "domains",
    "feeds",
    "language",
    "sitemaps",
    "start_urls",
    "timezone",
)
SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
)


class SitesConfigError(ValueError):
    """The sites file cannot be used; the message says where and how to fix it."""


@dataclass(frozen=True)
class Site:
    name: str
    domains: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    article_pattern: re.Pattern[str] | None = None
    language: str | None = None
    timezone: str | None = None

    @property
    def urls(self) -> tuple[str, ...]:
        """The URLs the user configured: feeds, sitemaps and start pages."""
        return (*self.feeds, *self.sitemaps, *self.start_urls)

    @cached_property
    def ports(self) -> frozenset[int]:
        """The ports the crawler may connect to: those of the configured URLs, 80 and 443."""
        return frozenset({80, 443, *(url_port(url) for url in self.urls)})

    @cached_property
    def listed_hosts(self) -> frozenset[str]:
        """The hosts the user named, exactly: the domains and the hosts of the URLs. Only these
        may resolve to an address inside the local network (an intranet, a test site)."""
        hosts = (urlsplit(url).hostname or "" for url in self.urls)
        return frozenset({*self.domains, *(host.rstrip(".") for host in hosts if host)})


def url_port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or default_port(parts.scheme)


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def host_in_domains(host: str, domains: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def load_sites(path: str | Path) -> dict[str, Site]:
    """Read and validate a sites file; raise SitesConfigError naming what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SitesConfigError(
            f"{path}: sites file not found. Create it (see README, 'Adding a site') "
            f"or point to another one with -s ARCHIVE_SITES=path/to/sites.toml"
        ) from None
    except UnicodeDecodeError as error:
        raise SitesConfigError(
            f"{path}: not UTF-8 text (byte {error.start} is {error.object[error.start]:#04x}); "
            "save the file as UTF-8"
        ) from None
    except OSError as error:
        raise SitesConfigError(f"{path}: cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SitesConfigError(f"{path}: not valid TOML: {error}") from None
    return parse_sites(data, source=str(path))


def parse_sites(data: Mapping[str, Any], source: str = "sites.toml") -> dict[str, Site]:
    extra = sorted(set(data) - {"sites"})
    if extra:
        raise SitesConfigError(
            f"{source}: unknown top-level key {extra[0]!r}; "
            f"each site is a table named [sites.<name>]"
        )
    tables = data.get("sites", {})
    if not isinstance(tables, Mapping):
        raise SitesConfigError(f"{source}: 'sites' must be a table of [sites.<name>] tables")
    return {name: parse_site(name, table, source) for name, table in tables.items()}


def parse_site(name: str, table: Any, source: str = "sites.toml") -> Site:
    where = f"{source}: site {name!r}"
    if not SITE_NAME.match(name):
        raise SitesConfigError(
            f"{where}: a site name may use letters, digits, '_', '-' and '.' only"
        )
    if not isinstance(table, Mapping):
        raise SitesConfigError(f"{where}: must be a table, [sites.{name}], with keys")
    for key in table:
        if key not in ALLOWED_KEYS:
            raise SitesConfigError(f"{where}: {unknown_key_message(key)}")

    urls = {key: _url_list(table, key, where) for key in URL_LIST_KEYS}
    if not any(urls.values()):
        raise SitesConfigError(
            f"{where}: needs at least one of 'feeds', 'sitemaps' or 'start_urls' "
            f"(lists of http(s) URLs)"
        )
    domains = _domains(table, urls, where)
    for key, values in urls.items():
        for url in values:
            if not host_in_domains(urlsplit(url).hostname or "", domains):
                raise SitesConfigError(
                    f"{where}: {key} URL {url!r} is not on the site's domains "
                    f"{list(domains)}; add its host to 'domains'"
                )
    return Site(
        name=name,
        domains=domains,
        feeds=urls["feeds"],
        sitemaps=urls["sitemaps"],
        start_urls=urls["start_urls"],
        article_pattern=_article_pattern(table, where),
        language=_language(table, where),
        timezone=_timezone(table, where),
    )


def select_sites(sites: Mapping[str, Site], names: str | None) -> list[Site]:
    """The sites named in a comma-separated list (`-a site=a,b`), or all of them."""
    if not names:
        return list(sites.values())
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in sites]
    if unknown:
        known = ", ".join(sorted(sites)) or "(none)"
        raise SitesConfigError(f"no site named {unknown[0]!r} in the sites file; known: {known}")
    return [sites[name] for name in dict.fromkeys(wanted)]


def unknown_key_message(key: str) -> str:
    message = f"unknown key {key!r}"
    close = difflib.get_close_matches(key, ALLOWED_KEYS, n=1)
    if close:
        message += f"; did you mean {close[0]!r}?"
    return message + f" allowed: {', '.join(ALLOWED_KEYS)}"


def _url_list(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SitesConfigError(f'{where}: {key!r} must be a list of URLs, like ["https://..."]')
    for url in value:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not _has_port(url):
            raise SitesConfigError(
                f"{where}: {key!r} has {url!r}, which is not an http(s) URL; "
                f'write it in full, like "https://example.com/feed.xml"'
            )
    return tuple(dict.fromkeys(value))


def _has_port(url: str) -> bool:
    """False for a URL whose port is not a number (urlsplit raises on reading it)."""
    try:
        url_port(url)
    except ValueError:
        return False
    return True


def _domains(
    table: Mapping[str, Any], urls: Mapping[str, tuple[str, ...]], where: str
) -> tuple[str, ...]:
    if "domains" not in table:
        hosts = (urlsplit(url).hostname or "" for values in urls.values() for url in values)
        return tuple(dict.fromkeys(host for host in hosts if host))
    value = table["domains"]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(d, str) for d in value):
        raise SitesConfigError(
            f"{where}: 'domains' must be a non-empty list of hostnames, like [\"example.com\"]"
        )
    domains = []
    for domain in value:
        cleaned = domain.strip().lower().rstrip(".")
        if not HOSTNAME.match(cleaned):
            raise SitesConfigError(
                f"{where}: 'domains' has {domain!r}, which is not a hostname; "
                f'write the bare host, like "example.com" (no scheme, port or path)'
            )
        domains.append(cleaned)
    return tuple(dict.fromkeys(domains))


def _article_pattern(table: Mapping[str, Any], where: str) -> re.Pattern[str] | None:
    value = table.get("article_pattern")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise SitesConfigError(f"{where}: 'article_pattern' must be a regular expression string")
    try:
        return re.compile(value)
    except re.error as error:
        raise SitesConfigError(
            f"{where}: 'article_pattern' is not a valid regular expression: {error}. "
            f"In TOML, write it as a literal string in single quotes, like '/\\d{{4}}/\\d{{2}}/'"
        ) from None


def _language(table: Mapping[str, Any], where: str) -> str | None:
    value = table.get("language")
    if value is None:
        return None
    if not isinstance(value, str) or not LANGUAGE_CODE.match(value):
        raise SitesConfigError(
            f'{where}: \'language\' must be an ISO 639-1 code like "en" or "de", got {value!r}'
        )
    return value


def _timezone(table: Mapping[str, Any], where: str) -> str | None:
    value = table.get("timezone")
    if value is None:
        return None
    if not isinstance(value, str):
        raise SitesConfigError(f"{where}: 'timezone' must be an IANA name like \"Europe/Berlin\"")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SitesConfigError(
            f"{where}: 'timezone' {value!r} is not a known IANA time zone; "
            f'use a name like "Europe/Berlin" or "America/New_York"'
        ) from None
    return value
