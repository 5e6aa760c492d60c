"""The names a site goes by (og:site_name, JSON-LD publisher, application name, Twitter
handle, the domain's labels) and its sections, matched loosely: a headline's segment or a
byline that is only the site's name in some spelling is furniture, not a title or a person.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from extraction.metadata import PageMetadata
from extraction.text import squashed, unescaped_text

DOMAIN_ENDING = re.compile(r"(?<=\w)\.[a-z]{2,6}$", re.IGNORECASE)
WWW_PREFIX = re.compile(r"^(?:https?://)?www\d?\.", re.IGNORECASE)


def without_domain(name: str) -> str:
    """A site's name as its domain writes it, without the domain's ending: "LAOLA1.at"."""
    return DOMAIN_ENDING.sub("", name)


def is_site_name(name: str, site_names: Iterable[str]) -> bool:
    """The site's or publisher's name in any spelling: its letters and digits alone, with or
    without its domain's ending ("LAOLA1.at", "Jobs & Hire", "www.jobs-hire.com")."""
    key = _site_key(name)
    return bool(key) and any(_site_key(site) == key for site in site_names)


def _site_key(name: str) -> str:
    return squashed(without_domain(WWW_PREFIX.sub("", name.strip())))


MAX_SITE_NAME_WORDS = 6
# A brand and a word or two after it: "BBC News", "RNZ Nachrichten", "CBS Chicago".
MAX_BRAND_WORDS = 3
# Initials name a site of two to five words: "DW", "FAZ", "RNZ" (Radio New Zealand).
MIN_INITIALS, MAX_INITIALS = 2, 5
NOT_A_WORD = re.compile(r"[\W_]+")
# One word with a domain's ending: "SZ.de", "kurier.at", "Amazon.co.uk".
DOMAIN_NAME = re.compile(r"^(?:www\.)?[^\W_](?:[\w-]*+\.)+[a-z]{2,6}$", re.IGNORECASE)
# Letters that domains spell out: "sueddeutsche.de" for the Süddeutsche, "bornholmstidende.dk".
SPELLED_OUT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"}
)


def host_names(url: str) -> list[str]:
    host = (urlsplit(url).hostname or "").lower()
    archived = re.search(r"/web/\d+[a-z_]*/(https?://\S+)", url) if "/web/" in url else None
    if archived:  # an archived copy: the archived URL is in the path
        host = (urlsplit(archived.group(1)).hostname or "").lower()
    host = re.sub(r"^www\d?\.", "", host)
    labels = host.split(".")
    names = [host]
    if len(labels) >= 2:
        second = labels[-2]
        if len(labels) >= 3 and (len(second) <= 3 or second in {"com", "org", "net", "gov"}):
            second = labels[-3]  # co.uk, com.br, gv.at
        names += [second, labels[0]]
    return [name for name in names if name]


def site_names(
    page: PageMetadata, meta: dict[str, str], url: str, trafilatura_sitename: str | None
) -> list[str]:
    raw = [
        page.sitename,
        page.publisher,
        meta.get("application-name"),
        meta.get("apple-mobile-web-app-title"),
        (meta.get("twitter:site") or "").lstrip("@"),
        trafilatura_sitename,
        *host_names(url),
    ]
    names = [name for name in (unescaped_text(value) for value in raw if value) if name]
    return [name for name in names if len(name.split()) <= MAX_SITE_NAME_WORDS]


def section_names(meta: dict[str, str], url: str) -> list[str]:
    names = [meta.get("article:section") or ""]
    # The path's folders; the last segment is the page's own, with or without a closing slash.
    folders = urlsplit(url).path.rstrip("/").split("/")[:-1]
    names += [part for part in folders if part and not part.isdigit()]
    return [squashed(name) for name in names if len(squashed(name)) >= 3]


def is_site(segment: str, names: list[str]) -> bool:
    """A headline's segment that names the site, in any spelling the page or its host gives:
    the same letters ("NZZ", "nzz.ch"), with umlauts spelled out as domains spell them
    ("Süddeutsche Zeitung", sueddeutsche.de), a part or a whole of a longer name ("Daily Mail
    Online", "SRF"), the name's initials ("Frankfurter Allgemeine Zeitung", faz.net), the name
    before a word or two ("BBC News"), or any domain name ("SZ.de")."""
    forms = spellings(segment)
    if not forms:
        return False
    known = {form for name in names for form in spellings(name)}
    if forms & known:
        return True
    words = segment.split()
    if len(words) > MAX_SITE_NAME_WORDS:
        return False
    if (
        DOMAIN_NAME.match(segment.strip())
        or initials(segment) in known
        or (len(words) <= MAX_BRAND_WORDS and squashed(words[0]) in known)
    ):
        return True
    for name in known:
        for value in forms:
            if len(name) >= 4 and name in value:  # "Daily Mail Online" ~ dailymail
                return True
            if len(value) >= 3 and value in name and len(value) >= 0.3 * len(name):  # "SRF"
                return True
    return False


def spellings(name: str) -> set[str]:
    """A name's letters and digits (see squashed), and the same with the letters that domains
    spell out in two ("ü" as "ue", "ß" as "ss")."""
    folded = name.casefold()
    return {form for form in (squashed(folded), squashed(folded.translate(SPELLED_OUT))) if form}


def initials(segment: str) -> str:
    """The first letters of a name of two to five words ("Deutsche Welle" -> "dw"), else ""."""
    words = [word for word in NOT_A_WORD.split(segment.casefold()) if word]
    if not MIN_INITIALS <= len(words) <= MAX_INITIALS:
        return ""
    return "".join(word[0] for word in words)


def is_section(segment: str, sections: list[str]) -> bool:
    value = squashed(segment)
    return bool(value) and len(segment.split()) <= 3 and value in sections


def registered_name(url: str) -> str:
    host = urlsplit(url).hostname or ""
    host = re.sub(r"^www\d?\.", "", host)
    return host.split(".")[0] if "." in host else host


@dataclass
class RepeatedTitleSegments:
    """The segments one site's <title>s repeat page after page ("... | Weekly Courier"): its
    name as its pages print it, however far that is from its domain, learned over a crawl.

    A segment counts once per page. It is the site's name once it has opened or closed the
    titles of MIN_PAGES pages or more, and of at least MIN_SHARE of the site's pages so far
    (a section's name repeats too, on fewer of them). Headlines are counted as well, once
    each: past MAX_COUNTED segments, those seen once are forgotten, so memory stays bounded
    however long the crawl."""

    MIN_PAGES = 3
    MIN_SHARE = 0.3
    MAX_COUNTED = 500
    pages: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    # Each counted segment as a page printed it, by its squashed key.
    spellings: dict[str, str] = field(default_factory=dict)

    def add(self, segments: Iterable[str]) -> None:
        self.pages += 1
        printed = {squashed(segment): segment for segment in segments}
        printed.pop("", None)
        self.counts.update(printed.keys())
        self.spellings.update(printed)
        if len(self.counts) > self.MAX_COUNTED:
            for key in [key for key, count in self.counts.items() if count == 1]:
                del self.counts[key]
                del self.spellings[key]

    def names(self) -> list[str]:
        """The segments that are the site's name by now, as the pages spell them."""
        needed = max(self.MIN_PAGES, self.MIN_SHARE * self.pages)
        return [self.spellings[key] for key, count in self.counts.items() if count >= needed]
