"""Dates as pages print them in text ("Mon. Jul 15th, 2024", "05.08.2024, 20:59 Uhr"): found
in bylines and the lines above a headline, and recognised as lines that say nothing else. They
are read, not resolved: extraction/dates.py turns them into moments.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from extraction.page import SKIPPED_TAGS
from extraction.text import normalise_space

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
WEEKDAY_BEFORE_DATE = re.compile(rf"\b{WEEKDAY},?\s*\|", re.IGNORECASE)


def find_date_strings(text: str) -> list[str]:
    return [match.group(0).strip(" ,") for match in DATE_IN_TEXT.finditer(text)]


def is_date_line(line: str) -> bool:
    """A line that holds a date and nothing else of substance ("Mon. Jul 15th, 2024")."""
    if len(line) > 80 or not DATE_IN_TEXT.search(line):
        return False
    rest = DATE_LINE_WORDS.sub("", DATE_IN_TEXT.sub("", line))
    return not rest


# Date lines in other languages: "segunda-feira, 22 de outubro de 2010 às 20:13", "05.08.2024, 20:59 Uhr"
MONTHS_INTL = (
    r"januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember|jänner"
    r"|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    r"|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro"
    r"|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
    r"|januari|februari|maart|mei|augustus"
)
DATE_WORDS_INTL = (
    r"uhr|um|am|stand|aktualisiert|veröffentlicht|erstellt|zuletzt|de|às|as|à|a las|le|el|il|del|publicado|publié|mis à jour|pubblicato"
    r"|letzte änderung|geändert|last modified|last updated|dernière mise à jour|última actualización"
    r"|atualizado|actualizado|aggiornato|h|hs|hrs|mez|mesz|cet|cest|utc|gmt|기사입력|입력|수정|승인|등록"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|lunes|martes|miércoles|jueves|viernes|sábado|domingo|segunda|terça|quarta|quinta|sexta|feira"
    r"|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica"
)
INTL_DATE = re.compile(
    rf"\d{{1,2}}\.?\s*(?:de\s+)?(?:{MONTHS_INTL})\.?,?\s*(?:de\s+)?\d{{4}}|\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|\d{1,2}[:.h]\d{2}",
    re.IGNORECASE,
)


def intl_date_line(line: str) -> bool:
    if len(line) > 80 or not re.search(
        rf"\d{{1,2}}\.?\s*(?:de\s+)?(?:{MONTHS_INTL})|\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}",
        line,
        re.IGNORECASE,
    ):
        return False
    rest = INTL_DATE.sub(" ", line)
    rest = re.sub(rf"\b(?:{DATE_WORDS_INTL})\b|[\W\d_]", " ", rest, flags=re.IGNORECASE)
    return not rest.split()


def date_above_headline(tree: lxml_html.HtmlElement) -> str | None:
    """A date set directly above the headline: the element just before the <h1> holds a date
    and nothing else. A clock in the site's header is not the headline's neighbour."""
    headings = tree.xpath("//h1")
    if not headings:
        return None
    previous = headings[0].getprevious()
    while previous is not None and not isinstance(previous.tag, str):
        previous = previous.getprevious()  # comments, processing instructions
    if previous is None or previous.tag in SKIPPED_TAGS:
        return None
    text = normalise_space(previous.text_content())
    return find_date_strings(text)[0] if is_date_line(text) else None
