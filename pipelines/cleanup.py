"""Rules that remove what trafilatura leaves behind: pure functions on text, tested one by one.

The residue is the same on many sites because it comes from the same page furniture: the
headline printed again, bylines (often twice), a header widget with today's date, photo
captions and credits, share and newsletter prompts, the author's bio box, "Related" teasers,
and tag debris such as `em>` from broken markup. Each rule here is about that furniture's
shape, never about one site.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from pipelines.boilerplate import TAIL_X2 as TAIL_HEADINGS_INTL
from pipelines.boilerplate import TEASER_BLOCK_X2 as TEASER_BLOCK_LABELS
from pipelines.boilerplate import furniture_line_rule
from pipelines.language_words import alternation

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
WEEKDAY = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day|nesday|urday|sday)?\.?"
CLOCK = (
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?\s?m\.?)?"
    r"(?:\s*(?-i:[A-Z]{2,5})\b)?)?"  # a zone abbreviation is in capitals: "EST", not "by"
)
DATE_IN_TEXT = re.compile(
    r"(?<![\w])(?:"  # a date does not start inside a number: "2013 November 2013"
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    rf"|{MONTH}\s*\d{{1,2}}(?:st|nd|rd|th)?,?\s*\d{{4}}{CLOCK}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s*(?:of\s+)?{MONTH},?\s*\d{{4}}{CLOCK}"
    rf"|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}{CLOCK}"
    r"|\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago"
    r")",
    re.IGNORECASE,
)
DATE_LINE_WORDS = re.compile(
    rf"\b(?:{WEEKDAY}|updated|published|posted|last|modified|on|am|pm|at|today)\b|[\W_]",
    re.IGNORECASE,
)
BYLINE_WORDS = alternation("byline_words")
BY_WORD = re.compile(rf"(?:^|\s)(?:{BYLINE_WORDS}):?\s+(?=\S)", re.IGNORECASE)
# Where a byline's names end: the next "by" ("... by Ann Lee by Jane Doe").
NEXT_BYLINE_WORD = re.compile(rf"\s(?:{BYLINE_WORDS})\s", re.IGNORECASE)
# A byline's label before a name: "Written by", "View all posts by", "Autor:".
BYLINE_LABEL = re.compile(
    r"^(?:(?:written|posted|reported|reporting|story|text|words)\s+"
    r"|(?:view\s+)?(?:all\s+)?(?:posts|articles|stories)\s+)?"
    rf"(?:{alternation('byline_words', 'author_labels')})\b[:\s]*",
    re.IGNORECASE,
)
# "By Ann Lee" or "About Ann Lee" at the head of an author box.
AUTHOR_BOX_HEAD = re.compile(
    rf"^(?:{alternation('byline_words', 'about_the_author')})\s+", re.IGNORECASE
)
NEXT_FIELD = re.compile(r"\s[-–—|]\s|\s\S+:(?:\s|$)")
WEEKDAY_BEFORE_DATE = re.compile(rf"\b{WEEKDAY},?\s*\|", re.IGNORECASE)
# Words that make the "by" after them a picture's credit.
CREDIT_BEFORE_BY = re.compile(
    r"\b(?:photo(?:graph)?s?|foto(?:s|grafie)?|pictures?|images?|illustrations?|graphics?"
    r"|videos?|bild(?:er)?|photographed|illustrated|filmed)\s*$",
    re.IGNORECASE,
)
# A separator between names. The spaces around it are taken whole, from the first one: a match
# tried from inside a run of spaces would read the rest of the run again, once per space.
NAME_SPLIT = re.compile(
    r"(?:(?<!\s)\s++)?(?:;|\||&|\band\b|\bund\b|\bet\b|\by\b)\s*", re.IGNORECASE
)
# "and" in other languages, only in lower case and between spaces ("e.V." stays whole).
LOWER_AND = re.compile(r"(?<!\s)\s++(?:og|och|e|i|и|ve|és)\s+")
# Words in lower case within a name: "Ursula von der Leyen", "Ana de la Cruz".
NAME_PARTICLE = re.compile(
    r"(?:al|bin|da|das|de|del|della|der|di|do|dos|du|el|ibn|la|le|ten|ter|van|von|zu)$"
)
LIST_AND = re.compile(r"(?:and|und|et|y|e|og|och|i|и|ve|és|en)$", re.IGNORECASE)
# An address starts where its word does: tried from every letter of a long word, the
# search would read the rest of the word again from each one.
EMAIL_ADDRESS = r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+"
EMAIL = re.compile(EMAIL_ADDRESS)
PHONE = re.compile(r"(?:\+?\d[\d\s().-]{7,}\d)")
ROLE_WORDS = re.compile(
    r"\b(?:reporter|editor|correspondent|writer|staff|journalist|columnist|contributor"
    r"|photographer|producer|analyst|chief|senior|desk|bureau|intern|redakteur(?:in)?"
    r"|autor(?:in)?|rédact(?:eur|rice)|special to|for the|at the|in \w+)\b",
    re.IGNORECASE,
)
PLACEHOLDER_NAME = re.compile(r"^(?:name|\w*admin|administrator|webmaster)$", re.IGNORECASE)
STAFF_LABEL = re.compile(r"(?<!\s)\s++staff(?:\s++(?:writer|reporter))?$", re.IGNORECASE)
# A word in lower case ending in a full stop ends a sentence; "v." or "St." abbreviate.
SENTENCE_WORD_MIN_CHARS = 4
# A name that ends abbreviated: a generational suffix or an initial ("Perry Bacon Jr.").
ABBREVIATED_END = re.compile(r"(?:\b(?:Jr|Sr)|\s\w)\.$")
DOMAIN_ENDING = re.compile(r"(?<=\w)\.[a-z]{2,6}$", re.IGNORECASE)
HANDLE = re.compile(r"(?:^|\s)@\w+")
WWW_PREFIX = re.compile(r"^(?:https?://)?www\d?\.", re.IGNORECASE)
# A byline's next field, run into the name when the page's author box is read as one line:
# "Jane Doe Published ...", "Jane Doe Stand: ...", "Jane Doe vor 3 Stunden", "Follow". All
# that follows the label goes, to the end of the string (a name is one line). The spaces
# before a label are taken from the first one, as in NAME_SPLIT.
LABEL_START = r"(?:^|(?<!\s)\s++)"
TRAILING_LABEL = re.compile(
    rf"{LABEL_START}(?:published|updated|posted|post date|stand|vor|aktualisiert|veröffentlicht"
    r"|tiempo de lectura|lesezeit|reading time|\d+ min read|message|follow|folgen|kommentare"
    r"|comments|über (?:den autor|die autorin)|(?:über )?autorenseite)\b.*"
    # the picture's credit and the post's tags, next in a byline: "Jane Doe Foto: © GEPA"
    rf"|{LABEL_START}(?:(?:photo(?:graph)?s?|fotos?|bild(?:er)?|images?|tags?|schlagw(?:orte|örter)"
    r"|kategorien?|categor(?:y|ies))\s*+:|©).*"
    # a picture's credit without a colon: "Christian Seiler Illustration", "Olga Symbolbild"
    rf"|{LABEL_START}(?:illustrations?|symbolbild|symbolfoto|archivbild|archivfoto)\b(?!\s*+:).*",
    re.IGNORECASE | re.DOTALL,
)
# A bracket that is never closed would be read to the end of the text again from each "(":
# what a byline puts in brackets (an agency, a role, a tag) is far shorter than this.
BRACKETED_CHARS = 200
PARENTHESES = re.compile(
    rf"\([^)]{{0,{BRACKETED_CHARS}}}\)"
    rf"|\[[^\]]{{0,{BRACKETED_CHARS}}}\]"
    rf"|<[^>]{{0,{BRACKETED_CHARS}}}>"
)
# RSS 2.0 writes authors as "jane@example.com (Jane Doe)".
EMAIL_WITH_NAME = re.compile(rf"{EMAIL_ADDRESS}\s*+\(([^)]{{1,{BRACKETED_CHARS}}})\)")
INLINE_TAGS = (
    "a|abbr|b|big|blockquote|br|cite|code|div|em|figcaption|figure|font|h[1-6]|i|img|li|mark"
    "|ol|p|q|s|small|span|strong|sub|sup|table|td|th|tr|u|ul"
)
WHOLE_TAG = re.compile(rf"</?(?:{INLINE_TAGS})\b[^<>]{{0,200}}>", re.IGNORECASE)
TAG_DEBRIS = re.compile(
    rf"(?:(?<=\s)|^)(?:</?|/)?(?:{INLINE_TAGS})/?>(?=\s|$|[.,;:!?])", re.IGNORECASE
)

CREDIT_LINE = re.compile(
    r"^(?:prepared|edited|compiled|written|reported|reporting|additional reporting|translated"
    r"|produced|photos?|photograph(?:s|y)?|images?|illustration|illustrative (?:photo|image)"
    r"|picture|credits?|source|video|graphics?|cover photo|main photo|featured image"
    r"|(?:photo|image) (?:credit|source)|file photo)\b",
    re.IGNORECASE,
)
PROMPT_LINE = re.compile(
    r"^(?:share(?: this| on| via|:)|follow us|follow (?:him|her|them) on|sign up\b|subscribe\b"
    r"|click here|download (?:our|the) app|join (?:us|our)|read more\b|read also\b|also read\b"
    r"|see also\b|recommended\b|more:|related:|don'?t miss\b|get (?:our|the) .{0,40}newsletter"
    r"|(?:like|follow) us on|tap here|listen to this article|print this (?:article|page))",
    re.IGNORECASE,
)
POST_FIELD = re.compile(
    r"\b(?:published by|posted by|posted in|filed under|publicado por|publicado em|publié par"
    r"|veröffentlicht von|pubblicato da|categor(?:y|ies|ia|ías|ía|ie)|catégorie|kategorie"
    r"|tags?|etiquetas|schlagworte|schlagwörter)\s*:",
    re.IGNORECASE,
)
TRAILING_TAGS = re.compile(r"\b(?:tags?|etiquetas|schlagworte|schlagwörter)\s*:[^:]*$", re.I)
CALL_TO_CLICK = re.compile(r"\b(?:click(?:ing)?|tap(?:ping)?) here\W*$", re.IGNORECASE)
TAIL_HEADING = re.compile(
    r"^(?:related(?: posts?| articles?| stories| news| content| coverage| reading)?"
    r"|more (?:from|on|stories|news|articles)\b.{0,40}"
    r"|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|recommended(?: for you)?"
    r"|most (?:read|popular|viewed)|trending(?: now)?|comments?|\d+ comments?"
    r"|leave a (?:reply|comment)|about the author|tags?|topics?|share this(?: article| story)?"
    r"|latest (?:news|stories|posts))\W*$",
    re.IGNORECASE,
)
BIO_VERBS = re.compile(
    r"^\S+(?:\s\S+){0,3}\s(?:is|has been|was|covers|writes|joined|reports|leads|edits"
    r"|previously|holds|graduated)\b",
    re.IGNORECASE,
)
# Labels that stand alone between paragraphs: dropped, and the text goes on after them.
LABEL_LINE = re.compile(
    r"^(?:advertisement|advertising|anzeige|werbung|publicité|publicidad|pubblicità|sponsored"
    r"|(?:read|see) (?:more|also)|continue reading|story continues below|more below"
    r"|scroll to continue(?: with content)?|skip (?:to content|advertisement))\W*$",
    re.IGNORECASE,
)
# A tail heading ends the article only when little prose follows it: after "Related" come
# teasers; after a mid-article "Read more" the story goes on.
TAIL_PROSE_SHARE = 0.35
CJK_CHARACTER = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
PROSE_ENDINGS = (".", "!", "?", '"', "”", "“", "»", "«", "。", "！", "？", "」", "…")
SENTENCE_ENDINGS = (*PROSE_ENDINGS, ":")  # "He said:" introduces a quote on the next line
# The number of a numbered list's item: "97. Tim Owens".
LIST_NUMBER = re.compile(r"^\s*(\d{1,4})[.)]\s")
# Short lines repeat legitimately (product names, list items, "Watch:"); a long repeated
# paragraph is a pull quote or a teaser printed twice.
DUPLICATE_MIN_WORDS = 8
REPEATED_RUN = 3
FEW_REPEATS = 5
# The printed headline comes before the story, after at most a date, a kicker or a byline.
HEADLINE_WITHIN_LINES = 5
HEADLINE_MAX_WORDS = 40
# A kicker is a topic of a few words; the headline after it is a sentence, not one word.
HEADLINE_KICKER_CHARS = 40
HEADLINE_MIN_CHARS = 20
ABOUT_PREFIX = re.compile(r"(?:about|über|à propos de|acerca de|sobre)\s+", re.IGNORECASE)
# A field of names, with the roles and labels run into them, is far shorter: the longest in the
# dev corpora has under 200 characters. Past this, a feed's or page's author field is cut.
MAX_NAMES_FIELD_CHARS = 1000
# After the publisher's name: "(SIX: ASCN)", ", Inc.", then "is a/an/the/one ...".
COMPANY_PROFILE = re.compile(
    r"^(?:\s*\([^)]{1,40}\))?(?:,?\s+(?:inc|ltd|llc|plc|ag|gmbh|sa|se|nv|corp)\.?,?)?\s+"
    r"(?:is|are|ist|sind|est|es|è|é)\s+(?:a|an|the|one|ein|eine|einer|un|une|uno|una|um|uma|l[ae]|el)\s",
    re.IGNORECASE,
)


def count_words(text: str) -> int:
    """Words, where Chinese, Japanese and Korean characters count two to a word: those scripts
    do not separate words with spaces."""
    if CJK_CHARACTER.search(text) is None:
        return len(text.split())
    cjk = len(CJK_CHARACTER.findall(text))
    return len(CJK_CHARACTER.sub(" ", text).split()) + (cjk + 1) // 2


# The line rules ask for the same lines' word counts many times. Lines only: whole article
# texts held in a cache would stay in memory for the whole crawl.
line_words = lru_cache(maxsize=2048)(count_words)


def normalise_space(text: str) -> str:
    return " ".join(text.split())


# Characters that print as nothing and only get in the way of reading, searching and
# matching: the soft hyphen, the zero-width space, the word joiner, and a byte order mark
# inside text. The zero-width joiner and non-joiner stay: Persian, Indic scripts and emoji
# are written with them.
INVISIBLE_CHARACTERS = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def normalised_text(text: str) -> str:
    """Text as the archive stores it: Unicode NFC (one spelling of each accented letter), the
    invisible characters removed."""
    return unicodedata.normalize("NFC", text.translate(INVISIBLE_CHARACTERS))


def same_text(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return _comparable(a) == _comparable(b)


def strip_tag_debris(line: str) -> str:
    """Remove markup that leaked into text: whole tags, and fragments like `em>` or `</strong`."""
    if ">" not in line:
        return normalise_space(line)  # every tag and fragment the patterns remove ends in ">"
    line = WHOLE_TAG.sub(" ", line)
    line = TAG_DEBRIS.sub(" ", line)
    return normalise_space(line)


def find_date_strings(text: str) -> list[str]:
    return [match.group(0).strip(" ,") for match in DATE_IN_TEXT.finditer(text)]


def is_date_line(line: str) -> bool:
    """A line that holds a date and nothing else of substance ("Mon. Jul 15th, 2024")."""
    if len(line) > 80 or not DATE_IN_TEXT.search(line):
        return False
    rest = DATE_LINE_WORDS.sub("", DATE_IN_TEXT.sub("", line))
    return not rest


def is_byline(line: str, authors: Iterable[str]) -> bool:
    """A short line made of author names, "By" and a date, in any order or repetition."""
    words = line.split()
    if not words or len(words) > 24:
        return False
    names = [name for name in authors if name]
    mentions_author = any(name.casefold() in line.casefold() for name in names)
    if not mentions_author and not BY_WORD.match(line):
        return False
    rest = DATE_IN_TEXT.sub(" ", line)
    for name in sorted(names, key=len, reverse=True):
        rest = re.sub(re.escape(name), " ", rest, flags=re.IGNORECASE)
    rest = BY_WORD.sub(" ", rest)
    rest = re.sub(
        r"\b(?:and|und|et|updated|published|posted|on|at)\b|[\W\d_]", " ", rest, flags=re.I
    )
    leftover = rest.split()
    if mentions_author:
        return len(leftover) <= 2
    # "By Somebody Else": a byline we could not match to a known author.
    return len(leftover) <= 5 and not line.rstrip().endswith((".", "!", "?"))


def is_credit_line(line: str) -> bool:
    """ "Prepared by: X", "Photo: Y / Agency", "Illustrative photo from open sources"."""
    return len(line.split()) <= 14 and bool(CREDIT_LINE.match(line))


def is_prompt_line(line: str) -> bool:
    """Share, follow, newsletter and read-more prompts, and calls to click ("Get the app on
    the go by clicking here")."""
    words = len(line.split())
    return (words <= 30 and bool(PROMPT_LINE.match(line))) or (
        words <= 15 and bool(CALL_TO_CLICK.search(line))
    )


def is_tail_heading(line: str) -> bool:
    """A heading after which only teasers, tags or comments follow ("Related Post")."""
    return len(line.split()) <= 8 and bool(
        TAIL_HEADING.match(line) or TAIL_HEADINGS_INTL.match(line)
    )


def is_label_line(line: str) -> bool:
    """ "Advertisement", "Read more", "Story continues below": furniture between paragraphs."""
    return bool(LABEL_LINE.match(line))


def ends_the_article(before: list[str], after: list[str]) -> bool:
    """True when the lines after a tail heading hold little prose next to those before it."""
    prose_after = prose_word_count("\n".join(after))
    return prose_after < TAIL_PROSE_SHARE * max(prose_word_count("\n".join(before)), 1)


def is_author_box_start(line: str, authors: Iterable[str]) -> bool:
    """The start of an author box: the name alone, "By/About <name>", or a bio sentence."""
    for name in authors:
        if not name:
            continue
        bare = AUTHOR_BOX_HEAD.sub("", line).strip(" :")
        if same_text(bare, name):
            return True
        if line.casefold().startswith(name.casefold()) and BIO_VERBS.match(line):
            return True
    return False


def is_company_profile_start(line: str, publishers: Iterable[str]) -> bool:
    """The start of a press release's boilerplate about the publisher itself: "About Ascom",
    or "Ascom is a global provider of ..." where Ascom is the site's own name."""
    about = ABOUT_PREFIX.match(line)
    for name in publishers:
        if len(name) < 3:
            continue
        if about and same_text(line[about.end() :].strip(" :"), name):
            return True
        if line.casefold().startswith(name.casefold()) and COMPANY_PROFILE.match(line[len(name) :]):
            return True
    return False


def is_post_fields_line(line: str) -> bool:
    """A line of a post's labelled fields: "05/10/2018 - Published by: Ann Lee - Category:
    Health - Tags: flu" (two labels or more, few words)."""
    return len(line.split()) <= 30 and len(POST_FIELD.findall(line)) >= 2


def is_contact_line(line: str) -> bool:
    """A short line that is mostly an e-mail address or a phone number."""
    if len(line.split()) > 20:
        return False
    return bool(EMAIL.search(line) or PHONE.search(line)) and bool(
        re.search(r"\b(?:contact|reach|email|e-mail|phone|call|tel|get in touch)\b", line, re.I)
    )


def is_menu_item(line: str) -> bool:
    """A navigation entry: one to three words, no sentence punctuation."""
    return line_words(line) <= 3 and not line.rstrip().endswith(SENTENCE_ENDINGS)


def drop_menu_runs(lines: list[str], *, min_run: int = 3) -> list[str]:
    """Remove the runs of menu items that open or close the text when trafilatura falls back
    to the whole page (a page with no article text gives its navigation)."""
    start = 0
    while start < len(lines) and is_menu_item(lines[start]):
        start += 1
    end = len(lines)
    while end > start and is_menu_item(lines[end - 1]):
        end -= 1
    # A run that goes on numbering the list beside it ("97. ..." then "98. ...") is the list.
    if 0 < start < len(lines) and continues_numbering(lines[start - 1], lines[start]):
        start = 0
    if start < end < len(lines) and continues_numbering(lines[end - 1], lines[end]):
        end = len(lines)
    head = lines[:start] if start < min_run else []
    tail = lines[end:] if len(lines) - end < min_run else []
    return head + lines[start:end] + tail


def continues_numbering(line: str, next_line: str) -> bool:
    """ "97. Tim Owens" followed by "98. Joshua Todd": items of one numbered list."""
    first, second = LIST_NUMBER.match(line), LIST_NUMBER.match(next_line)
    if first is None or second is None:
        return False
    return int(second[1]) == int(first[1]) + 1


def is_sentence(line: str) -> bool:
    """Reads as running text rather than as a label, headline or menu item."""
    return line_words(line) >= 20 or line.rstrip().endswith(SENTENCE_ENDINGS)


def prose_word_count(text: str) -> int:
    """Words in lines that read as sentences, not as labels or menu items."""
    return sum(line_words(line) for line in text.splitlines() if is_sentence_or_long(line))


def is_sentence_or_long(line: str) -> bool:
    """Prose for the word count: a sentence, or a line too long to be a label."""
    return line_words(line) >= 8 or line.rstrip().endswith(PROSE_ENDINGS)


def drop_page_headline(text: str, headlines: Iterable[str | None]) -> str:
    """Remove the page's printed headline from the first lines of the text.

    The title the archive stores often comes from structured data and is worded differently
    from the page's <h1>, and the printed headline often carries a kicker before it, glued on
    or behind a colon ("Premier League: Liverpool lose at Everton"), so the rule that compares
    lines with the title misses it. Letters and digits alone are compared: kicker and
    headline are separate elements whose text is joined with or without a space."""
    wanted = {squashed(headline) for headline in headlines if headline}
    wanted.discard("")
    if not wanted:
        return text
    lines = text.splitlines()
    for index, line in enumerate(lines[:HEADLINE_WITHIN_LINES]):
        if _is_printed_headline(line, wanted):
            return "\n".join(lines[:index] + lines[index + 1 :])
    return text


def _is_printed_headline(line: str, headlines: set[str]) -> bool:
    letters = squashed(line)
    if not letters or len(line.split()) > HEADLINE_MAX_WORDS:
        return False
    return any(
        letters == headline
        or (
            len(headline) >= HEADLINE_MIN_CHARS
            and letters.endswith(headline)
            and len(letters) - len(headline) <= HEADLINE_KICKER_CHARS
        )
        for headline in headlines
    )


# What str.isalnum() rejects: \W is everything but alphanumerics and "_" (the same Unicode
# test), and a regular expression drops the runs without a Python step per character.
NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def squashed(text: str) -> str:
    """Letters and digits alone, casefolded: text compared across elements and spacing."""
    return alphanumerics(text.casefold())


def alphanumerics(text: str) -> str:
    """The characters of `text` for which str.isalnum() holds, in order."""
    return NOT_ALPHANUMERIC.sub("", text)


def clean_body(
    text: str,
    *,
    title: str | None = None,
    authors: Iterable[str] = (),
    publishers: Iterable[str] = (),
) -> str:
    """The article body, one paragraph per line, with the page furniture removed. `publishers`
    are the names the site goes by (a press release ends with a profile of its publisher)."""
    explained = explain_cleanup(text, title=title, authors=authors, publishers=publishers)
    return "\n".join(line for line, reason in explained if not reason)


def explain_cleanup(
    text: str,
    *,
    title: str | None = None,
    authors: Iterable[str] = (),
    publishers: Iterable[str] = (),
) -> list[tuple[str, str | None]]:
    """Every line of the text with the rule that removes it, or None for a line that stays."""
    author_list = [name for name in authors if name]
    publisher_list = [name for name in publishers if name]
    lines = [line for line in (strip_tag_debris(line) for line in text.splitlines()) if line]
    menu_free = drop_menu_runs(lines)
    explained: list[tuple[str, str | None]] = []
    kept: list[str] = []
    kept_keys: set[str] = set()
    droppable_repeats = repeats_to_drop(menu_free)
    total = sum(len(line) for line in menu_free) or 1
    seen_chars = 0
    cut: str | None = None
    teasers_after: str | None = None
    menu_lines = iter(lines)
    for index, line in enumerate(menu_free):
        for skipped in menu_lines:
            if skipped is line:
                break
            explained.append((skipped, "menu"))
        if cut:
            explained.append((line, cut))
            continue
        if teasers_after and not is_sentence(line):
            explained.append((line, f"teaser after {teasers_after!r}"))
            continue
        # A label after which teasers follow, or a line of the post's fields that ends in its
        # tags ("Categoria: Saúde - Tags: sad"), the rest of them one to a line.
        ends_in_tags = bool(TRAILING_TAGS.search(line)) and is_post_fields_line(line)
        teasers_after = line[:40] if TEASER_BLOCK_LABELS.match(line) or ends_in_tags else None
        in_tail = kept and seen_chars / total > 0.5
        seen_chars += len(line)
        if kept and is_tail_heading(line) and ends_the_article(kept, menu_free[index + 1 :]):
            cut = f"after tail heading {line[:40]!r}"
        elif in_tail and is_author_box_start(line, author_list):
            cut = f"author box from {line[:40]!r}"
        elif in_tail and is_company_profile_start(line, publisher_list):
            cut = f"publisher's profile from {line[:40]!r}"
        repeated = _comparable(line) in kept_keys and _comparable(line) in droppable_repeats
        reason = cut or ("duplicate" if repeated else line_rule(line, title, author_list))
        explained.append((line, reason))
        if not reason:
            kept.append(line)
            kept_keys.add(_comparable(line))
    explained.extend((skipped, "menu") for skipped in menu_lines)
    return explained


def repeats_to_drop(lines: list[str]) -> set[str]:
    """The repeated long lines that are furniture: a run of three or more repeated lines (the
    story printed twice), or any repeat on a page with few of them (pull quotes). Pages that
    repeat many scattered lines hold structured content (meal plans, schedules) and keep them;
    table rows always stay."""
    long_lines = [line for line in lines if len(line.split()) > 2]
    seen: set[str] = set()
    repeated: list[bool] = []
    for line in long_lines:
        key = _comparable(line)
        repeated.append(key in seen and line_words(line) >= DUPLICATE_MIN_WORDS)
        seen.add(key)
    in_runs: set[str] = set()
    start = 0
    while start < len(repeated):
        end = start
        while end < len(repeated) and repeated[end]:
            end += 1
        if end - start >= REPEATED_RUN:
            in_runs.update(_comparable(long_lines[index]) for index in range(start, end))
        start = max(end, start + 1)
    droppable = {
        _comparable(line) for line, again in zip(long_lines, repeated, strict=True) if again
    }
    chosen = droppable if sum(repeated) <= FEW_REPEATS else in_runs
    table_rows = {_comparable(line) for line in long_lines if line.startswith("|")}
    return chosen - table_rows


def line_rule(line: str, title: str | None, authors: list[str]) -> str | None:
    """The name of the rule that removes this line wherever it stands, or None."""
    if same_text(line, title):
        return "headline"
    for name, rule in (
        ("label", is_label_line),
        ("tail heading", is_tail_heading),
        ("date", is_date_line),
        ("credit", is_credit_line),
        ("prompt", is_prompt_line),
        ("contact", is_contact_line),
    ):
        if rule(line):
            return name
    if is_byline(line, authors):
        return "byline"
    if is_post_fields_line(line):
        return "post fields"
    furniture = furniture_line_rule(line)
    if furniture:
        return furniture
    return None


def parse_byline(text: str) -> tuple[list[str], str | None]:
    """Author names and a raw date from a byline such as "By Natasha Kumar Jun18,2024"."""
    dates = find_date_strings(text)
    # A weekday before the date is the date's too: "By J.R. Stone Thursday, November 9, 2023".
    without_dates = WEEKDAY_BEFORE_DATE.sub(" | ", DATE_IN_TEXT.sub(" | ", text))
    names: list[str] = []
    for match in BY_WORD.finditer(without_dates):
        if CREDIT_BEFORE_BY.search(without_dates[: match.start() + 1]):
            continue  # "Photograph by ...": who took the picture, not who wrote the story
        rest = without_dates[match.end() :].lstrip("| ").split(" | ")[0]
        rest = NEXT_BYLINE_WORD.split(rest)[0]
        # Names hold no digits: a number ends the name run ("von Redaktion 30. Juni 2025 ...",
        # a date in a language DATE_IN_TEXT does not read, then the photo caption).
        rest = re.split(r"(?<!\S)\d", rest)[0]
        # A dash or a label ("Übersetzung und Adaptierung: AFP") opens the byline's next field.
        rest = NEXT_FIELD.split(rest)[0]
        # Only a byline's own "By" is capitalised; "the FuelCell family von New Balance" is
        # prose, whose names are not followed by the page's next words.
        rest = names_run(TRAILING_LABEL.sub("", rest), standalone=match[0].strip()[:1].isupper())
        if not rest.strip()[:1].isupper():
            continue  # "ein Vergleich von zweier Länder": a preposition, not a byline
        names.extend(clean_author_names([rest]))
        if names:
            break
    return names, (dates[0] if dates else None)


def names_run(text: str, *, standalone: bool = False) -> str:
    """The names after "by", up to a comma that opens a clause: a byline lists names and roles,
    each capitalised ("By Ann Lee, Political Editor"); "released by Ascom, this new product
    helps ..." goes on in lower case. After a `standalone` byline's "By", the names also end
    at a word in lower case that is no particle of a name."""
    pieces = text.split(",")
    for index, piece in enumerate(pieces[1:], start=1):
        words = piece.split()
        if words and words[0][:1].islower() and not LIST_AND.match(words[0]):
            text = ",".join(pieces[:index])
            break
    if not standalone:
        return text
    # Within a name only particles are in lower case ("Ursula von der Leyen"): another lower-
    # case word is the page going on ("By Michael Hingston facebook twitter ...").
    words = text.split(" ")
    for index, word in enumerate(words[1:], start=1):
        bare = word.strip(",;:")
        if bare[:1].islower() and not NAME_PARTICLE.match(bare) and not LIST_AND.match(bare):
            return " ".join(words[:index])
    return text


def clean_author_names(
    raw_names: Iterable[str], *, not_authors: Iterable[str] = (), declared: bool = False
) -> list[str]:
    """Names alone: no "By", roles, e-mail addresses, handles, or the publisher's own name.

    `declared` names come from the page's structured data, where anything short that is not
    a URL, an e-mail or a number is taken as the page says it ("dpa", "BR24 Redaktion")."""
    site_names = [name for name in not_authors if name]
    excluded = {_comparable(_without_domain(name)) for name in site_names}
    cleaned: dict[str, str] = {}
    for raw in map(names_field, raw_names):
        if is_site_name(raw, site_names):
            continue  # the whole field, before it is split: "Jobs & Hire" names no two people
        raw = EMAIL_WITH_NAME.sub(r"\1", raw)
        raw = EMAIL.sub(" ", PARENTHESES.sub(" ", raw))
        raw = HANDLE.sub(" ", raw)
        for part in (piece for chunk in NAME_SPLIT.split(raw) for piece in LOWER_AND.split(chunk)):
            for name in _split_roles(part):
                name = BYLINE_LABEL.sub("", name.strip(" ,:-–—|/"))
                name = TRAILING_LABEL.sub("", name)
                name = normalise_space(name.strip(" ,:-–—|/"))
                if not ABBREVIATED_END.search(name):  # "Perry Bacon Jr." keeps its dot
                    name = name.rstrip(" .")
                name = name_ending_capitalised(without_staff_label(name, excluded))
                # A form's label or a CMS's default account ("Name", "admin") names nobody.
                acceptable = not PLACEHOLDER_NAME.match(name) and (
                    looks_like_person_name(name) or (declared and looks_declared(name))
                )
                if acceptable and not is_site_name(name, site_names):
                    cleaned.setdefault(_comparable(name), name)
    return list(cleaned.values())


def names_field(raw: str) -> str:
    """A field of author names as the rules below read it: on one line, its runs of spaces
    collapsed, and cut at a word's end after MAX_NAMES_FIELD_CHARS. The field comes from feeds
    and pages as they are, and a name is a line of a few words."""
    field = normalise_space(raw)
    if len(field) <= MAX_NAMES_FIELD_CHARS:
        return field
    return field[: MAX_NAMES_FIELD_CHARS + 1].rsplit(" ", 1)[0][:MAX_NAMES_FIELD_CHARS]


def without_staff_label(name: str, site_names: set[str]) -> str:
    """ "Adam Aaronson PhillyVoice Staff" -> "Adam Aaronson": the staff label, and the site's
    name before it, follow the name."""
    label = STAFF_LABEL.search(name)
    if not label:
        return name
    words = name[: label.start()].split()
    for start in range(2, len(words)):  # the longest run of words that names the site
        if _comparable(_without_domain(" ".join(words[start:]))) in site_names:
            words = words[:start]
            break
    return " ".join(words) if len(words) >= 2 else name


def name_ending_capitalised(name: str) -> str:
    """A name ends with a capitalised word: a short word in lower case after it is the byline
    going on ("Miami Today on", "Matthieu Hy le" before the date). A name in lower case, as
    a blog's account may write it, stays as it is."""
    words = name.split()
    last = words[-1] if len(words) > 1 else ""
    if last.isalpha() and last.islower() and len(last) <= 3 and words[0][:1].isupper():
        return " ".join(words[:-1])
    return name


def _without_domain(name: str) -> str:
    """A site's name as its domain writes it, without the domain's ending: "LAOLA1.at"."""
    return DOMAIN_ENDING.sub("", name)


def looks_declared(name: str) -> bool:
    """A short label declared as an author: not a URL, an e-mail address or a number."""
    if not 2 <= len(name) <= 60 or len(name.split()) > 6:
        return False
    return bool(re.search(r"\w", name)) and not re.search(r"https?:|www\.|@|[<>{}=#]|^\d+$", name)


def is_site_name(name: str, site_names: Iterable[str]) -> bool:
    """The site's or publisher's name in any spelling: its letters and digits alone, with or
    without its domain's ending ("LAOLA1.at", "Jobs & Hire", "www.jobs-hire.com")."""
    key = _site_key(name)
    return bool(key) and any(_site_key(site) == key for site in site_names)


def _site_key(name: str) -> str:
    return squashed(_without_domain(WWW_PREFIX.sub("", name.strip())))


def looks_like_person_name(name: str) -> bool:
    """A person's name as a byline prints it: one to six words, no digits, addresses or
    markup, no sentence punctuation, and where its words are capitalised, no word in lower
    case but a name's particles ("Ana de la Cruz"); scripts without case pass on length."""
    words = name.split()
    if not 1 <= len(words) <= 6 or not 2 <= len(name) <= 60:
        return False
    if re.search(r"\d|https?:|www\.|@|[<>{}=!?;]", name):
        return False
    if ROLE_WORDS.search(name) and len(words) > 1 and not _all_capitalised(words):
        return False
    cased = [word for word in words if word[:1].isalpha() and word[:1].lower() != word[:1].upper()]
    # Scripts without case (Chinese, Arabic...) cannot be judged by capitals.
    if cased and not any(word[:1].isupper() for word in cased):
        return False
    return not any(_is_prose_word(word) for word in words)


def _is_prose_word(word: str) -> bool:
    """A word of running text inside a capitalised name: in lower case and no particle of a
    name ("Natur aus selbstsüchtig"), or ending a sentence ("eigennützig. So heißt es")."""
    bare = word.rstrip(".,:")
    if not bare[:1].islower() or not bare.isalpha():
        return False
    if bare != word and len(bare) >= SENTENCE_WORD_MIN_CHARS:
        return True
    return not (NAME_PARTICLE.fullmatch(bare) or LIST_AND.fullmatch(bare))


def _split_roles(part: str) -> list[str]:
    """ "Jane Doe, Business Reporter" -> ["Jane Doe"]; "Ann Lee, Bo Chan" -> both names."""
    pieces = [piece.strip() for piece in part.split(",") if piece.strip()]
    return [
        piece
        for index, piece in enumerate(pieces)
        if index == 0 or not (ROLE_WORDS.search(piece) or piece[:1].islower())
    ]


def _all_capitalised(words: list[str]) -> bool:
    return all(word[:1].isupper() for word in words)


# The rules compare each line with the headline, the names and the lines before it: many
# times per line, so the comparable form is worked out once.
@lru_cache(maxsize=2048)
def _comparable(text: str) -> str:
    return normalise_space(re.sub(r"[^\w\s]", " ", text)).casefold()
