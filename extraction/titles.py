"""The headline: chosen among the page's candidates and cleaned of site furniture.

Candidates are the JSON-LD headline, the <h1>, <meta name="headline">, og:title, <title> and
Twitter's title. Each is unescaped (JSON-LD is often escaped twice), repaired when UTF-8 was
read as cp1252, and stripped of the segments that name the site, a section, a tagline or a
byline ("Headline | Section | Site"). The site's names come from the page itself
(og:site_name, the publisher, application names, the Twitter handle) and from its host.

The <h1> counts only when it is not the site's logo, and only the part of it that agrees with
the metadata (a kicker in its own <span> is left out when the metadata leaves it out). An
og:title that differs from both <title> and an <h1> the metadata confirms is a headline
written on purpose for sharing, and wins. When JSON-LD and <title> say one thing and the <h1>
and og:title another, the printed headline wins; otherwise JSON-LD > h1 > meta headline >
og:title > <title>. Once the words are chosen, their quotes are spelled as JSON-LD spells
them, or as og:title and <title> both do when they agree against it. No rule names a site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from lxml import html as lxml_html

from extraction.metadata import PageMetadata
from extraction.page import INLINE_NOSPACE, SKIPPED_TAGS, element_text, is_hidden_label
from extraction.printed_dates import intl_date_line, is_date_line
from extraction.site_names import is_section, is_site, section_names, site_names
from extraction.text import normalise_space, squashed, unescaped_text
from extraction.words import alternation

# The spaces before a separator are taken from the first one: tried from each space of a long
# run, the search would read the rest of the run again each time.
SEPARATOR = re.compile(
    r"(?<!\s)\s++(?:\||-|–|—|::|·|•|»|›|/|~|\*|:)\s+|(?:(?<!\s)\s++)?(?:\||ㅣ|--|：|｜|│)\s*"
)
BYLINE_SEGMENT = re.compile(
    rf"^(?:{alternation('byline_words')})\s+\S+(?:\s+\S+){{0,3}}$", re.IGNORECASE
)
LOGO_MARK = re.compile(r"site[-_]?(?:title|name|branding|logo)|logo|branding|masthead", re.I)
HOME_PATHS = {
    "",
    "/",
    "/index.html",
    "/index.php",
    "/index.htm",
    "/home",
    "/de",
    "/en",
    "/de/",
    "/en/",
}
MAX_KICKER_WORDS = 8
PIPE_BEFORE = re.compile(r"\s[|｜ㅣ│]\s*$")
# The closing segment of a <title> with nothing to compare it with: "Headline | iPhone", the
# text after the last separator. Each character of the segment is checked for the start of
# another separator where it stands: looking ahead to the end of the title from every
# separator instead reads a title of many separators again for each.
CLOSING_SEGMENT = re.compile(
    r"(?<!\s)\s++(?:\||-|–|—|│)\s++(?=[^\W\d_])((?:(?!\s(?:\||-|–|—|│)\s).)++)$"
)
MAX_CLOSING_SEGMENT_WORDS = 4
# Headlines read from <meta> attributes (and trafilatura's, which copies them).
META_SOURCES = ("meta", "og", "tw", "traf")
# "meta" is <meta name="headline"> (or itemprop): a search headline as plain as JSON-LD's, but
# the <h1> comes first, because pages whose JSON-LD has none often fill it with a teaser line.
ORDER = ("ld", "h1", "meta", "og", "title", "tw", "traf")
# An og:title unlike both <title> and <h1> was written on purpose: publishers' own parsers take
# it as the headline, annotators reading the page take the <h1> (see the closing notes).
PREFER_SOCIAL_HEADLINE = True
# Typographic quotes and the typed ones they stand for: a theme's quote filter, or a sharing
# tag's plain text, gives one headline several spellings that only these tell apart.
TYPED_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"'})


# ------------------------------------------------------------------ site names and sections


def title_segments(title: str | None) -> list[str]:
    """The first and the last segment of a <title> set off by separators ("Head | Section |
    Site" gives "Head" and "Site"): where a site prints its name, page after page."""
    if not title:
        return []
    parts = [part.strip() for part in SEPARATOR.split(normalise_space(title))]
    return [parts[0], parts[-1]] if len(parts) >= 2 else []


def strip_furniture(title: str, names: list[str], sections: list[str]) -> str:
    """ "Head | News | Site", "Site - Head" and "Head | Site | Tagline" all give "Head"."""
    while True:
        pieces = re.split(f"({SEPARATOR.pattern})", title)
        parts, seps = pieces[0::2], pieces[1::2]
        if len(parts) < 2 or not all(part.strip() for part in parts):
            return title

        def join(lo: int, hi: int, parts: list[str] = parts, seps: list[str] = seps) -> str:
            """The parts lo..hi-1 with the separators between them."""
            kept = parts[lo:hi]
            return "".join(
                part + (seps[lo + i] if i < len(kept) - 1 else "") for i, part in enumerate(kept)
            ).strip()

        cut = next((i for i in range(1, len(parts) - 1) if is_site(parts[i], names)), None)
        if cut is not None:
            title = join(0, cut)
        elif (
            is_site(parts[-1], names)
            or is_section(parts[-1], sections)
            or BYLINE_SEGMENT.match(parts[-1].strip())
            or not any(char.isalnum() for char in parts[-1])  # a rating: "Headline » ☆☆☆☆☆"
            or is_date_segment(parts[-1])  # "Headline | DW | 03.12.2026"
        ):
            title = join(0, len(parts) - 1)
        elif is_site(parts[0], names) or (
            is_section(parts[0], sections) and not re.search("[:：]", seps[0])
        ):  # "Site - Headline", "Speeches / Headline"; a kicker before a colon is the headline's
            title = join(1, len(parts))
        else:
            return title


def is_date_segment(segment: str) -> bool:
    """A segment that is a date and nothing else: the day of the page, not the headline's."""
    return is_date_line(segment.strip()) or intl_date_line(segment.strip())


# ------------------------------------------------------------------ h1


def is_logo_h1(h1: Any) -> bool:
    """The site's name set as an h1: one link to the home page, or site-title/logo markup."""
    links = h1.xpath(".//a[@href]")
    if len(links) == 1:
        href = links[0].get("href", "")
        archived = re.search(r"/web/\d+[a-z_]*/(https?://.*)$", href)
        target = urlsplit(archived.group(1) if archived else href)
        if (
            target.path in HOME_PATHS
            and not target.query
            and squashed(element_text(links[0])) == squashed(element_text(h1))
        ):
            return True
    for element in [h1, *list(h1.iterancestors())[:4]]:
        marks = f"{element.get('id', '')} {element.get('class', '')}"
        if element.tag in ("h1", "div", "header", "hgroup", "span", "a") and LOGO_MARK.search(
            marks
        ):
            return True
    return False


# [(h1 text, its text runs in document order)] and the texts of logo h1s.
Headings = tuple[list[tuple[str, list[str]]], list[str]]


def h1_candidates(tree: lxml_html.HtmlElement) -> Headings:
    """[(h1 text, its text runs in document order)] and the texts of logo h1s.

    Read before the body's furniture is pruned: a kicker or a separator inside the <h1> can
    carry class names ("teaser", "hidden") that furniture rules remove elsewhere, but inside
    the headline they are part of what the page prints."""
    found: list[tuple[str, list[str]]] = []
    logos: list[str] = []
    for h1 in tree.xpath("//h1")[:8]:
        full = element_text(h1)
        if not full:
            continue
        if is_logo_h1(h1):
            logos.append(full)
            continue
        runs = [h1.text or ""]
        for child in h1:
            if (
                not isinstance(child.tag, str)
                or child.tag in SKIPPED_TAGS
                or is_hidden_label(child)
            ):
                runs.append(child.tail or "")
            elif child.tag in INLINE_NOSPACE:
                runs[-1] += element_text(child) + (child.tail or "")
            else:
                runs += [element_text(child), child.tail or ""]
        runs = [normalise_space(run) for run in runs]
        runs = [run for run in runs if squashed(run)]
        found.append((full, [run for run in runs if run != full] if len(runs) > 1 else []))
    return found, logos


# ------------------------------------------------------------------ agreement and choice


def relation(a: str, b: str) -> str | None:
    """'same' (equal modulo punctuation/case), 'suffix' (a = b + sep + more),
    'kicker' (a = short kicker + sep + b), or None."""
    if a == b or (squashed(a) and squashed(a) == squashed(b)):
        return "same"
    if len(b) < 12:
        return None
    if a.startswith(b):
        rest = a[len(b) :]
        if SEPARATOR.match(rest) or re.match(r"\s*[-|:–—·•»›/~*：｜ㅣ(]", rest):
            return "suffix"
    if a.endswith(b):
        head = a[: len(a) - len(b)]
        match = re.search(r"(?::|(?<!\s)\s++(?:\||-|–|—))\s*+$|[»«\"“”„]\s*+$", head)
        if match and 0 < len(head[: match.start()].split()) <= MAX_KICKER_WORDS:
            return "kicker"
    return None


def gather_candidates(
    tree: lxml_html.HtmlElement,
    page: PageMetadata,
    meta: dict[str, str],
    trafilatura_title: str | None,
    url: str,
    trafilatura_sitename: str | None = None,
    headings: Headings | None = None,
    known_site_names: Iterable[str] = (),
) -> list[tuple[str, str]]:
    names = [*site_names(page, meta, url, trafilatura_sitename), *known_site_names]
    sections = section_names(meta, url)
    h1s, logos = headings if headings is not None else h1_candidates(tree)
    names += [
        name for name in (unescaped_text(logo) for logo in logos) if name and len(name.split()) <= 6
    ]
    cleaned_h1s: list[tuple[str, list[str]]] = []
    for full, parts in h1s:
        text = unescaped_text(full)
        if text:
            cleaned_h1s.append((text, [part for part in map(unescaped_text, parts) if part]))
    h1s = cleaned_h1s

    raw = [
        ("ld", page.headline),
        ("meta", meta.get("headline")),
        ("og", meta.get("og:title") or meta.get("twitter:title")),
        ("tw", meta.get("twitter:title")),
        ("traf", trafilatura_title),
        ("title", page.html_title),
    ]
    cands = [
        (source, strip_furniture(text, names, sections))
        for source, text in ((source, unescaped_text(value)) for source, value in raw)
        if text
    ]

    cands = mended_at_quotes(cands)
    meta_texts = [text for source, text in cands if source != "traf"]  # traf copies h1/og
    chosen: str | None = None
    for full, parts in h1s:
        for option in [strip_furniture(full, names, []), *parts]:
            if any(relation(m, option) for m in meta_texts):
                chosen = option
                break
        if chosen:
            break
    if chosen is None and h1s and (len(h1s) == 1 or not meta_texts):
        chosen = h1s[0][0]  # a lone h1 is the headline even when no metadata confirms it
    if chosen:
        cands = [
            (source, chosen if behind_a_pipe(text, chosen) else text) for source, text in cands
        ]
        cands.append(("h1", chosen))
    elif [source for source, _ in cands] == ["title"]:
        cands = [("title", without_closing_segment(cands[0][1]))]
    return cands


def without_closing_segment(title: str) -> str:
    """A lone <title>, with no other headline to show where the headline ends, loses a short
    closing segment after a pipe or dash: the site's or the section's name, even where the
    page never gives it ("Headline | iPhone", "Headline - Club Press")."""
    match = CLOSING_SEGMENT.search(title)
    if not match:
        return title
    head, closing = title[: match.start()], match.group(1)
    words = len(closing.split())
    balanced = head.count("(") == head.count(")") and head.count("[") == head.count("]")
    if words <= MAX_CLOSING_SEGMENT_WORDS and len(head.split()) > words and balanced:
        return head
    return title


def behind_a_pipe(text: str, headline: str) -> bool:
    """True for "NWX Magazin | Headline" or "08.11.2021 | Headline" beside the printed
    "Headline": a pipe sets off a site's name or a date, never a kicker."""
    if text == headline or not text.endswith(headline):
        return False
    return bool(PIPE_BEFORE.search(text[: len(text) - len(headline)]))


def mended_at_quotes(cands: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Meta tag headlines cut short at an unescaped quote, made whole from the <title>.

    `content="Senator calls Biden "unfit""` ends its attribute at the inner quote, so the
    tag says "Senator calls Biden"; the <title> element, which needs no quoting, holds it all.
    """
    whole = next((text for source, text in cands if source == "title"), None)
    if not whole:
        return cands
    return [
        (source, whole if source in META_SOURCES and cut_at_quote(text, whole) else text)
        for source, text in cands
    ]


def cut_at_quote(part: str, whole: str) -> bool:
    rest = whole[len(part) :] if whole.startswith(part) else ""
    return rest.lstrip().startswith('"')


def select_title(cands: list[tuple[str, str]]) -> str | None:
    if not cands:
        return None
    first: dict[str, str] = {}
    for source, text in cands:
        first.setdefault(source, text)
    return spelled_of_record(select_wording(cands, first), first)


def spelled_of_record(headline: str, first: dict[str, str]) -> str:
    """The headline's words with their quotes spelled as JSON-LD, the article's record, spells
    them. Where og:title and <title> agree on another spelling, theirs is what the editor typed:
    JSON-LD's typographic quotes then came from the theme's filter that dresses the <h1>."""
    typed = headline.translate(TYPED_QUOTES)
    spellings = {
        source: text for source, text in first.items() if text.translate(TYPED_QUOTES) == typed
    }
    ld, og, title = spellings.get("ld"), spellings.get("og"), spellings.get("title")
    if not ld:
        return headline
    if og and og == title and og != ld:
        return og
    return ld


def select_wording(cands: list[tuple[str, str]], first: dict[str, str]) -> str:
    ld, og, h1, title = first.get("ld"), first.get("og"), first.get("h1"), first.get("title")

    def same(a: str | None, b: str | None) -> bool:
        return bool(a and b) and relation(a or "", b or "") == "same"

    # An <h1> no metadata agrees with (a live blog's latest entry, a lone h1 kept as a last
    # resort) says nothing about which metadata headline the page means.
    confirmed = bool(h1) and any(
        relation(text, h1 or "") for source, text in cands if source in ("ld", "og", "tw", "title")
    )
    if (
        PREFER_SOCIAL_HEADLINE
        and og
        and (confirmed or not h1)
        and not same(og, title)
        and not same(og, h1)
    ):
        return og  # a deliberately written social headline (differs from <title> and h1)
    if h1 and ld and same(og, h1) and not same(ld, h1) and not (title and relation(title, h1)):
        # Two against two: the search headline (JSON-LD, <title>) against the printed one
        # (<h1>, og:title). The headline readers saw wins.
        return h1
    for source in ORDER:
        if first.get(source):
            return first[source]
    return cands[0][1]


def choose_title(
    tree: lxml_html.HtmlElement,
    page: PageMetadata,
    url: str,
    *,
    trafilatura_title: str | None = None,
    trafilatura_sitename: str | None = None,
    headings: Headings | None = None,
    known_site_names: Iterable[str] = (),
) -> str | None:
    """The article's headline, or None when the page offers none. `headings` are the page's
    <h1>s as h1_candidates read them, when the tree has been pruned since; `known_site_names`
    are names the site goes by that its other pages showed (RepeatedTitleSegments)."""
    candidates = gather_candidates(
        tree,
        page,
        page.meta,
        trafilatura_title,
        url,
        trafilatura_sitename,
        headings,
        known_site_names,
    )
    return select_title(candidates)
