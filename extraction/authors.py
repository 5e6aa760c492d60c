"""The authors field: who wrote the story, from the page's structured data, its printed byline,
the first lines of its text, or trafilatura's search, with every name checked against what a
person's name looks like (extraction/site_names.py says what the site's own name is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from extraction.metadata import PageMetadata, analytics_authors
from extraction.printed_dates import (
    DATE_IN_TEXT,
    WEEKDAY_BEFORE_DATE,
    find_date_strings,
)
from extraction.site_names import is_site, is_site_name, without_domain
from extraction.text import comparable, normalise_space, same_text, squashed
from extraction.words import alternation

BYLINE_WORDS = alternation("byline_words")
BY_WORD = re.compile(rf"(?:^|\s)(?:{BYLINE_WORDS}):?\s+(?=\S)", re.IGNORECASE)
# A byline's label before a name: "Written by", "View all posts by", "Autor:".
BYLINE_LABEL = re.compile(
    rf"^(?:(?:{alternation('byline_openings')})\s+)?"
    rf"(?:{alternation('byline_words', 'author_labels')})\b[:\s]*",
    re.IGNORECASE,
)
NEXT_FIELD = re.compile(r"\s[-–—|]\s|\s\S+:(?:\s|$)")
# Words that make the "by" after them a picture's credit.
CREDIT_BEFORE_BY = re.compile(rf"\b(?:{alternation('picture_by_words')})\s*$", re.IGNORECASE)
# A separator between names. The spaces around it are taken whole, from the first one: a match
# tried from inside a run of spaces would read the rest of the run again, once per space.
NAME_SPLIT = re.compile(
    rf"(?:(?<!\s)\s++)?(?:;|\||&|\b(?:{alternation('and_words')})\b)\s*", re.IGNORECASE
)
# "and" in other languages, only in lower case and between spaces ("e.V." stays whole).
LOWER_AND = re.compile(rf"(?<!\s)\s++(?:{alternation('lower_case_and_words')})\s+")
# Words in lower case within a name: "Ursula von der Leyen", "Ana de la Cruz" (as written).
NAME_PARTICLE = re.compile(rf"(?:{alternation('name_particles')})$")
# Every language's "and", in any case, as a list of names or a name may hold it.
LIST_AND = re.compile(
    rf"(?:{alternation('and_words', 'lower_case_and_words', 'ambiguous_and_words')})$",
    re.IGNORECASE,
)
# An address starts where its word does: tried from every letter of a long word, the
# search would read the rest of the word again from each one.
EMAIL_ADDRESS = r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+"
# A role after a comma: "Business Reporter", "Special to the Courier", "in Washington".
ROLE_WORDS = re.compile(
    rf"\b(?:{alternation('role_words')}|(?:{alternation('place_prepositions')}) \w+)\b",
    re.IGNORECASE,
)
# A role printed before a name, alone or as the end of a compound: "Interview Julia Lauter",
# "FOCUS-Online-Experte Robin Tschöpe", "Korrespondentin Anna Roth".
LEADING_ROLE = re.compile(rf"^(?:\S+-)?(?:{alternation('leading_roles')})$", re.IGNORECASE)
# A form's label ("Name") or a CMS's default account ("admin", "siteadmin").
# A declared author that is a piece of a date: numbers alone ("2019 10:43"), or a month and a
# number in either order ("NOVEMBER 20", "20. Juni").
DATE_FRAGMENT = re.compile(
    r"^[\d\s.,:/-]+$"
    rf"|^(?:{alternation('months', 'month_abbreviations')})\.?\s*\d{{1,4}}\.?$"
    rf"|^\d{{1,2}}\.?\s*(?:{alternation('months', 'month_abbreviations')})\.?$",
    re.IGNORECASE,
)
PLACEHOLDER_NAME = re.compile(
    rf"^(?:{alternation('name_labels')}|\w*(?:{alternation('default_accounts')}))$",
    re.IGNORECASE,
)
STAFF_LABEL = re.compile(rf"(?<!\s)\s++(?:{alternation('staff_labels')})$", re.IGNORECASE)
# A word in lower case ending in a full stop ends a sentence; "v." or "St." abbreviate.
SENTENCE_WORD_MIN_CHARS = 4
# A name that ends abbreviated: a generational suffix or an initial ("Perry Bacon Jr.").
ABBREVIATED_END = re.compile(r"(?:\b(?:Jr|Sr)|\s\w)\.$")
HANDLE = re.compile(r"(?:^|\s)@\w+")
# A byline's next field, run into the name when the page's author box is read as one line:
# "Jane Doe Published ...", "Jane Doe Stand: ...", "Jane Doe vor 3 Stunden", "Follow". All
# that follows the label goes, to the end of the string (a name is one line). The spaces
# before a label are taken from the first one, as in NAME_SPLIT.
LABEL_START = r"(?:^|(?<!\s)\s++)"
NEXT_FIELD_LABELS = alternation("next_field_labels", "reading_time_labels")
PICTURE_AND_POST_LABELS = alternation(
    "photo_credit_labels", "picture_by_words", "tag_labels", "category_labels"
)
READ_MINUTES = rf"\d+ (?:{alternation('minutes')}) (?:{alternation('reading_time_words')})"
TRAILING_LABEL = re.compile(
    rf"{LABEL_START}(?:{NEXT_FIELD_LABELS}|{READ_MINUTES})\b.*"
    # the picture's credit and the post's tags, next in a byline: "Jane Doe Foto: © GEPA"
    rf"|{LABEL_START}(?:(?:{PICTURE_AND_POST_LABELS})\s*+:|©).*"
    # a picture's credit without a colon: "Christian Seiler Illustration", "Olga Symbolbild"
    rf"|{LABEL_START}(?:{alternation('picture_labels')})\b(?!\s*+:).*",
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
# A field of names, with the roles and labels run into them, is far shorter: the longest in the
# dev corpora has under 200 characters. Past this, a feed's or page's author field is cut.
MAX_NAMES_FIELD_CHARS = 1000
NAME_WORD = r"[^\W\d_]+(?:[-'’][^\W\d_]+)*"


def choose_authors(
    page: PageMetadata,
    *,
    zone_text: str,
    text_byline_authors: list[str],
    trafilatura_author: Callable[[], str | None],
    not_authors: Iterable[str],
) -> list[str]:
    """Structured data first, then the visible byline, then trafilatura's guess.

    A publisher or newsroom declared as the author is dropped beside named persons, and
    kept only when the page shows no person's byline: it is what the page says."""
    not_authors = list(not_authors)
    visible = next(
        (
            found
            for names in (parse_byline(zone_text)[0], text_byline_authors)
            if (found := clean_author_names(names, not_authors=not_authors))
        ),
        [],
    )
    if page.authors:
        # The site under another name ("Courier Newsroom", "The Courier") is no person: a
        # person's byline on the page comes first (see below).
        persons = [
            name
            for name in clean_author_names(page.authors, not_authors=not_authors, declared=True)
            if not is_site(name, not_authors)
        ]
        if persons:
            return [full_name(name, visible, zone_text) for name in persons]
        # Only the publisher is declared: a person that the analytics tags name and the byline
        # prints is the story's author (the publisher's own markup credits itself by default).
        shown = squashed(zone_text)
        signed = [
            name
            for name in clean_author_names(analytics_authors(page.meta), not_authors=not_authors)
            if squashed(name) and squashed(name) in shown
        ]
        if signed:
            return signed
        if not any(len(name.split()) >= 2 for name in visible):
            # No person's byline on the page: trafilatura's search of the whole page may still
            # find the person who signed it, else the publisher is what the page says.
            guessed = trafilatura_author()
            declared = {squashed(name) for name in page.authors}
            signers = clean_author_names((guessed or "").split(";"), not_authors=not_authors)
            if signers and all(
                len(name.split()) >= 2 and squashed(name) not in declared for name in signers
            ):
                return signers
            publisher = clean_author_names(page.authors, declared=True)
            if publisher:
                return publisher
    if visible:
        return visible
    guessed = trafilatura_author()  # asked last: trafilatura searches the whole page for it
    if guessed:
        return clean_author_names(guessed.split(";"), not_authors=not_authors)
    return []


def full_name(name: str, visible: list[str], zone_text: str) -> str:
    """A first name alone, as a CMS's display name declares it ("Todd"), is the full name the
    byline prints ("By Todd Bates") or the author box under the headline begins with."""
    if len(name.split()) != 1 or not (name[:1].isupper() and name[1:].islower()):
        return name
    for shown in visible:
        words = shown.split()
        if len(words) >= 2 and words[0].casefold() == name.casefold():
            return shown
    surname = re.search(rf"\b{re.escape(name)} ({NAME_WORD})", zone_text)
    if surname and surname.group(1)[0].isupper():
        return f"{name} {surname.group(1)}"
    return name


def byline_from_text_lines(lines: list[str], title: str | None) -> tuple[list[str], str | None]:
    """A byline among the first lines of extracted text ("Natasha Kumar By Natasha Kumar
    Jun18,2024")."""
    for line in lines[:8]:
        if same_text(line, title):
            continue
        if len(line.split()) > 30:
            break
        names, date = parse_byline(line)
        if names:
            return names, date
    return [], None


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
    excluded = {comparable(without_domain(name)) for name in site_names}
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
                name = without_leading_role(name)
                # A form's label or a CMS's default account ("Name", "admin") names nobody.
                acceptable = not PLACEHOLDER_NAME.match(name) and (
                    looks_like_person_name(name) or (declared and looks_declared(name))
                )
                if acceptable and not is_site_name(name, site_names):
                    cleaned.setdefault(comparable(name), name)
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
        if comparable(without_domain(" ".join(words[start:]))) in site_names:
            words = words[:start]
            break
    return " ".join(words) if len(words) >= 2 else name


def without_leading_role(name: str) -> str:
    """ "Interview Julia Lauter" -> "Julia Lauter": a role before a name of two words or more,
    each capitalised, is the byline's label, not the person's first name."""
    words = name.split()
    if len(words) >= 3 and LEADING_ROLE.match(words[0]) and _all_capitalised(words[1:]):
        return " ".join(words[1:])
    return name


def name_ending_capitalised(name: str) -> str:
    """A name ends with a capitalised word: a short word in lower case after it is the byline
    going on ("Miami Today on", "Matthieu Hy le" before the date). A name in lower case, as
    a blog's account may write it, stays as it is."""
    words = name.split()
    last = words[-1] if len(words) > 1 else ""
    if last.isalpha() and last.islower() and len(last) <= 3 and words[0][:1].isupper():
        return " ".join(words[:-1])
    return name


def looks_declared(name: str) -> bool:
    """A short label declared as an author: not a URL, an e-mail address, a number or a piece
    of a date ("NOVEMBER 20", "2019 10:43": a date field split where an author list is)."""
    if not 2 <= len(name) <= 60 or len(name.split()) > 6:
        return False
    if DATE_FRAGMENT.match(name):
        return False
    return bool(re.search(r"\w", name)) and not re.search(r"https?:|www\.|@|[<>{}=#]", name)


def looks_like_person_name(name: str) -> bool:
    """A person's name as a byline prints it: one to six words, no digits, addresses or
    markup, no sentence punctuation, and where its words are capitalised, no word in lower
    case but a name's particles ("Ana de la Cruz"); scripts without case pass on length."""
    words = name.split()
    if not 1 <= len(words) <= 6 or not 2 <= len(name) <= 60:
        return False
    if re.search(r"\d|https?:|www\.|@|[<>{}=!?;]", name):
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


EMAIL = re.compile(EMAIL_ADDRESS)
