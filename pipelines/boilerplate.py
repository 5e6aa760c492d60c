"""Furniture lines in many languages: teaser links ("Read also: ..."), source and agency
credits, photo credits, tag and category lists, reading times, feedback prompts, follow and
subscribe prompts, date lines, image URLs; and the labels after which teasers or only furniture
follow. Each predicate takes one line of extracted text; none names a site.
"""

from __future__ import annotations

import re

IGNORE_CASE = re.IGNORECASE
READ_ALSO = (
    r"also on \S+|see more|see also|related(?: (?:story|article|post|content|coverage))?|read (?:more|also|next)"
    r"|more on this|leggi anche|lire aussi|à lire(?: aussi| également)?|a lire aussi|lesen sie (?:auch|mehr)|auch lesen"
    r"|mehr zum thema|weiterlesen|zum weiterlesen|le puede interesar|te puede interesar|lea también|lee también"
    r"|leia também|veja também|zobacz (?:też|także|również)|czytaj (?:też|także|również|więcej)|läs också|les også"
    r"|lees ook|læs også|przeczytaj|funda olunye udaba lapha|más sobre|mehr themen|weitere themen"
)
# "Read also: <headline>", "[Related: <headline>]", "(Leggi anche su: ...)", ">> headline <<"
TEASER_LINE = re.compile(
    rf"^\W{{0,3}}(?:{READ_ALSO})\s*(?:[:|»>–—]|\.{{3}}|…)|^\s*>>.*<<\s*$|^\[(?:{READ_ALSO})[^\]]*\]$|^\((?:{READ_ALSO})[^)]*\)$",
    IGNORE_CASE,
)


def teaser_line(line: str) -> bool:
    return len(line.split()) <= 30 and bool(TEASER_LINE.search(line))


AGENCIES = r"dpa|afp|ap|reuters|sda|apa|kna|epd|ansa|efe|ntb|tt|ritzau|pap|ctk|tass|xinhua|anp|belga|ats|keystone-sda|aa"
SOURCE_LINE = re.compile(
    rf"^(?:quelle|quellen|source|sources|fuente|fonte|bron|źródło|copyright|©|\(c\))\b"
    rf"|^\W*(?:mit|with|con|avec|z)?\s*(?:material (?:von|der)|agenturmaterial|agenturen|informationen (?:von|der))"
    rf"|^\W*(?:mit |with )?(?:{AGENCIES})(?:\s*[/,&]\s*(?:{AGENCIES}|[a-z]{{2,4}}))*\W*$"
    rf"|contributed (?:to this report|reporting)|^\W*(?:with )?(?:additional )?reporting by\b"
    rf"|^(?:aus dem \w+ (?:von|übersetzt)|translated (?:from|by)|übersetzung:|redaktion:)",
    IGNORE_CASE,
)


def source_line(line: str) -> bool:
    return len(line.split()) <= 14 and bool(SOURCE_LINE.search(line))


CREDIT_AGENCIES = (
    r"getty images|shutterstock|istock(?:photo)?|imago(?: images)?|picture[- ]alliance|ap photo|afp photo|epa|keystone"
    r"|reuters|dpa|afp|alamy|unsplash|pixabay|depositphotos|adobe ?stock"
)
CAPTION_CREDIT = re.compile(
    rf"©|\((?:photo|foto|bild|credit|image|picture)s?:[^)]*\)\s*$|(?:photo|foto|bild|credit|image|picture)s?\s*:\s*\S.{{0,60}}$"
    rf"|(?:/|\||via|credit:?|foto:?|photo:?)\s*(?:{CREDIT_AGENCIES})\b[^.]{{0,30}}$",
    IGNORE_CASE,
)


def caption_credit(line: str) -> bool:
    return (
        len(line.split()) <= 30
        and bool(CAPTION_CREDIT.search(line))
        and not line.rstrip().endswith(("?", "!"))
    )


META_LINE = re.compile(
    r"^(?:filed under|posted in|tags?|tagged(?: with)?|schlagw[öo]rter|schlagworte|stichw[öo]rter|kategorien?|category|categories|categoria|categoría|catégories?|topics?|themen|étiquettes|etiquetas|mots-clés)\s*[:|]",
    IGNORE_CASE,
)


def meta_line(line: str) -> bool:
    return len(line.split()) <= 25 and bool(META_LINE.match(line))


READ_TIME = re.compile(
    r"^\W*(?:lesezeit:?\s*)?\d+\s*(?:min(?:ute)?s?\.?|minuten|minutos|minuti)\s*(?:read|reading|lesezeit|de lecture|de lectura|di lettura|leestijd)?\W*$"
    r"|^\W*(?:reading time|lesezeit|temps de lecture|tiempo de lectura)\W+\d+",
    IGNORE_CASE,
)


def read_time(line: str) -> bool:
    return len(line.split()) <= 6 and bool(READ_TIME.match(line))


FEEDBACK = re.compile(
    r"^(?:fehler gefunden|haben sie einen fehler gefunden|wie hat ihnen (?:dieser|der) artikel gefallen|was this (?:article|story|page) (?:helpful|useful)"
    r"|did you (?:like|enjoy|find) this|like this (?:story|article)\?|found an error|spotted an error|report an error|rate this)",
    IGNORE_CASE,
)


def feedback(line: str) -> bool:
    return len(line.split()) <= 20 and bool(FEEDBACK.match(line))


PROMPT_INTL = re.compile(
    r"^(?:folgen sie|folge uns|folgst du|suivez[- ]nous|síguenos|seguici|siga-nos|abonnieren sie|jetzt (?:abonnieren|anmelden|registrieren|melden|downloaden|herunterladen)"
    r"|melden sie sich|registrieren sie sich|inscrivez-vous|abonnez-vous|suscríbete|iscriviti|assine|zapisz się|hier (?:geht es zur|können sie|abonnieren)"
    r"|get (?:the|our) (?:\w+ )?(?:app|newsletter)|never miss|don'?t miss|stay (?:informed|up to date)|want more\b|lust auf mehr|have a tip|got a (?:story|tip)"
    r"|listen to (?:this|the) (?:article|story|podcast)|we want to hear|support (?:our|us|independent)|unterstütze|spenden sie)",
    IGNORE_CASE,
)


def prompt_intl(line: str) -> bool:
    return len(line.split()) <= 35 and bool(PROMPT_INTL.match(line))


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
    r"|atualizado|actualizado|aggiornato|h|hs|hrs|mez|mesz|cet|cest|utc|gmt"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|lunes|martes|miércoles|jueves|viernes|sábado|domingo|segunda|terça|quarta|quinta|sexta|feira"
    r"|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica"
)
INTL_DATE = re.compile(
    rf"\d{{1,2}}\.?\s*(?:de\s+)?(?:{MONTHS_INTL})\.?,?\s*(?:de\s+)?\d{{4}}|\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|\d{1,2}[:.h]\d{2}",
    IGNORE_CASE,
)


def intl_date_line(line: str) -> bool:
    if len(line) > 80 or not re.search(
        rf"\d{{1,2}}\.?\s*(?:de\s+)?(?:{MONTHS_INTL})|\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}",
        line,
        IGNORE_CASE,
    ):
        return False
    rest = INTL_DATE.sub(" ", line)
    rest = re.sub(rf"\b(?:{DATE_WORDS_INTL})\b|[\W\d_]", " ", rest, flags=IGNORE_CASE)
    return not rest.split()


# multilingual labels after which teasers follow / after which only furniture follows
TEASER_BLOCK_X = re.compile(
    rf"^(?:(?:read|see) (?:more|also|next)|also read|more on this(?: story)?|related(?: (?:stories|articles|posts|content))?"
    rf"|recommended|{READ_ALSO}|das könnte (?:sie|dich) auch interessieren|auch interessant|ähnliche (?:beiträge|artikel)"
    rf"|sur le même sujet|noticias relacionadas|artículos relacionados|articoli correlati|notícias relacionadas"
    rf"|weitere (?:artikel|beiträge|nachrichten|themen|news)(?: \S+){{0,4}}|mehr (?:zum thema|dazu|aus \S+|von \S+)(?: \S+){{0,3}})\W*$",
    IGNORE_CASE,
)
TAIL_X = re.compile(
    r"^(?:kommentare?(?: schreiben| verfassen)?|\d+ kommentare?|leserkommentare|commentaires?|comentarios?|commenti|komentarze"
    r"|ähnliche (?:beiträge|artikel)|verwandte (?:artikel|themen)|das könnte (?:sie|dich) auch interessieren"
    r"|weitere (?:artikel|beiträge|nachrichten|themen|news)(?: \S+){0,4}|mehr (?:zum thema|themen|aus \S+|von \S+)(?: \S+){0,3}"
    r"|schlagw[öo]rter|schlagworte|themen|teilen|artikel teilen|diesen artikel teilen|sur le même sujet|à lire aussi|lire aussi"
    r"|noticias relacionadas|artículos relacionados|te puede interesar|articoli correlati|leggi anche|notícias relacionadas|leia também"
    r"|veja também|zobacz (?:też|także)|czytaj (?:też|także)|polecane|gerelateerd|lees ook|läs också|relaterade artiklar|les også"
    r"|top-themen|meistgelesen|most shared|popular (?:stories|posts|now)|editor'?s picks|more (?:top )?stories|you may have missed)\W*$",
    IGNORE_CASE,
)

IMAGE_URL = re.compile(
    r"^(?:https?://|www\.)\S+\.(?:jpe?g|png|gif|webp|svg)(?:\?\S*)?$", IGNORE_CASE
)


def image_url_line(line: str) -> bool:
    return bool(IMAGE_URL.match(line.strip()))


FURNITURE_LINE_RULES = (
    ("teaser", teaser_line),
    ("source", source_line),
    ("photo credit", caption_credit),
    ("tags", meta_line),
    ("reading time", read_time),
    ("feedback prompt", feedback),
    ("prompt", prompt_intl),
    ("date", intl_date_line),
    ("image url", image_url_line),
)


def furniture_line_rule(line: str) -> str | None:
    """The name of the multilingual furniture rule this line matches, or None."""
    for name, matches in FURNITURE_LINE_RULES:
        if matches(line):
            return name
    return None
