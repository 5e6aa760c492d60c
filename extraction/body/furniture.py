"""Furniture lines in many languages: teaser links ("Read also: ..."), source and agency
credits, photo credits, tag and category lists, reading times, feedback prompts, follow and
subscribe prompts, date lines, image URLs; and the labels after which teasers or only furniture
follow. Each predicate takes one line of extracted text; none names a site.
"""

from __future__ import annotations

import re

from extraction.printed_dates import intl_date_line

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


# "Also on example.com: <headline>" and a headline tagged like a link card: "... [VIDEO]".
TEASER_LINK = re.compile(
    r"^also on \S+\.[a-z]{2,}\b|\s\[(?:videos?|pictures|pics|photos|gallery|insight|reveal(?:ed)?|latest"
    r"|live|watch|poll|analysis|reaction|news|update|warning|comment|interview|opinion|explained"
    r"|map|chart|quiz)\]\W*$",
    IGNORE_CASE,
)


def teaser_line(line: str) -> bool:
    return len(line.split()) <= 30 and bool(TEASER_LINE.search(line) or TEASER_LINK.search(line))


AGENCIES = r"dpa|afp|ap|reuters|sda|apa|kna|epd|ansa|efe|ntb|tt|ritzau|pap|ctk|tass|xinhua|anp|belga|ats|keystone-sda|aa"
SOURCE_LINE = re.compile(
    rf"^(?:quelle|quellen|source|sources|fuente|fonte|bron|źródło|copyright|©|\(c\))\b"
    # the spaces before the words are \W as well: taken once (possessive), not shared out
    # between \W* and \s* in every way a long run of them can be
    rf"|^\W*+(?:mit|with|con|avec|z)?\s*(?:material (?:von|der)|agenturmaterial|agenturen|informationen (?:von|der))"
    rf"|^\W*(?:mit |with )?(?:{AGENCIES})(?:\s*[/,&]\s*(?:{AGENCIES}|[a-z]{{2,4}}))*\W*$"
    rf"|contributed (?:to this report|reporting)|^contributing(?: writers?| reporters?)?:|^\W*(?:with )?(?:additional )?reporting by\b"
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
    rf"^\[(?:사진|사진제공|写真|图|圖)\s*[=:：]|©|\((?:photo|foto|bild|credit|image|picture)s?:[^)]*\)\s*$|(?:photo|foto|bild|credit|image|picture)s?\s*:\s*\S.{{0,60}}$"
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


# multilingual labels after which teasers follow / after which only furniture follows
TEASER_BLOCK_X = re.compile(
    rf"^(?:(?:read|see) (?:more|also|next)|also read|more on this(?: story)?|related(?: (?:stories|articles|posts|content))?"
    rf"|recommended|{READ_ALSO}|(?:das|diese?s?(?: \w+)?) könnten? (?:sie|dich|euch) auch interessieren|auch interessant|ähnliche (?:beiträge|artikel)"
    rf"|sur le même sujet|noticias relacionadas|artículos relacionados|articoli correlati|notícias relacionadas"
    rf"|weitere (?:\w+ )?\w*(?:artikel|beiträge|nachrichten|themen|news|tipps)(?: \S+){{0,4}}|mehr (?:zum thema|dazu|aus \S+|von \S+)(?: \S+){{0,3}})\W*$",
    IGNORE_CASE,
)
TAIL_X = re.compile(
    r"^(?:kommentare?(?: schreiben| verfassen)?|\d+ kommentare?|leserkommentare|commentaires?|comentarios?|commenti|komentarze"
    r"|ähnliche (?:beiträge|artikel)|verwandte (?:artikel|themen)|(?:das|diese?s?(?: \w+)?) könnten? (?:sie|dich|euch) auch interessieren"
    r"|weitere (?:\w+ )?\w*(?:artikel|beiträge|nachrichten|themen|news|tipps)(?: \S+){0,4}|mehr (?:zum thema|themen|aus \S+|von \S+)(?: \S+){0,3}"
    r"|schlagw[öo]rter|schlagworte|themen|temas|teilen|artikel teilen|diesen artikel teilen|sur le même sujet|à lire aussi|lire aussi"
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


PAYWALL = re.compile(
    r"réservée? aux abonnés|reserved for (?:subscribers|members)|for subscribers only|subscribers? only|nur für abonnenten"
    r"|für (?:abonnenten|abonnentinnen)|exklusiv für abonnenten|kostenlos testen|jetzt (?:testen|abonnieren)|already (?:a subscriber|have an account)"
    r"|bereits abonnent|déjà abonné|ya eres suscriptor|subscribe (?:now )?to (?:continue|read)|to continue reading|keep reading with"
    r"|unterstützen sie (?:uns|unseren journalismus)|support (?:our|independent) journalism|become a (?:member|subscriber|supporter)"
    r"|il vous reste \d|la suite est réservée|会員限定|登録すると|有料会員",
    IGNORE_CASE,
)


def paywall_line(line: str) -> bool:
    return len(line.split()) <= 45 and bool(PAYWALL.search(line))


NEWSLETTER_ANY = re.compile(
    r"newsletter|your inbox|posteingang|in ihr postfach|e-?mail alerts?", IGNORE_CASE
)
ADDRESS = re.compile(
    r"\b(?:our|your|you|unser\w*|ihr\w*|sie|du|dein\w*|notre|nos|votre|vos|nuestr\w*|tu|free|kostenlos\w*|gratuit\w*|gratis|today|now|jetzt|hier|here)\b",
    IGNORE_CASE,
)


def newsletter_any(line: str) -> bool:
    n = len(line.split())
    return (
        n <= 45
        and bool(NEWSLETTER_ANY.search(line))
        and bool(ADDRESS.search(line))
        and not line.rstrip().endswith("?")
    )


FOLLOW = re.compile(
    r"^(?:follow|folgen sie|folge|suivez|s[ií]guenos|segui)\b.{0,80}\b(?:twitter|facebook|instagram|youtube|tiktok|linkedin|whatsapp|telegram|threads|bluesky|x)\b",
    IGNORE_CASE,
)


# A follow prompt whose links the text gives a line each: "Síguenos en" / "Telegram," /
# "Facebook y" / "Twitter".
FOLLOW_LABEL = re.compile(
    r"^(?:follow us(?: on)?|folgen sie uns(?: auf)?|folge uns(?: auf)?|s[ií]guenos(?: en)?"
    r"|suivez-nous(?: sur)?|seguici(?: su)?)\W*$",
    IGNORE_CASE,
)
PLATFORM_LINK = re.compile(
    r"^(?:twitter|facebook|instagram|youtube|tiktok|linkedin|whatsapp|telegram|threads"
    r"|bluesky|pinterest|flipboard)\W*(?:(?:and|und|et|y|e|o|or|oder|ou)\W*)?$",
    IGNORE_CASE,
)


def follow_line(line: str) -> bool:
    if FOLLOW_LABEL.match(line) or PLATFORM_LINK.match(line):
        return True
    return len(line.split()) <= 40 and bool(FOLLOW.search(line))


PAYWALL2 = re.compile(
    PAYWALL.pattern.replace(
        "|unterstützen sie (?:uns|unseren journalismus)",
        "|unterstützen sie uns.{0,40}(?:spende|abo)",
    )
    + r"|pour lire la suite|accéder en illimité|weiterlesen mit|jetzt weiterlesen|seguir leyendo|continuar lendo",
    IGNORE_CASE,
)


def paywall2_line(line: str) -> bool:
    return len(line.split()) <= 45 and bool(PAYWALL2.search(line))


SHORT_NEWSLETTER = re.compile(
    r"newsletter|sign up here|hier anmelden|inscrivez-vous ici|suscríbete aquí", IGNORE_CASE
)


def short_newsletter(line: str) -> bool:
    return (
        len(line.split()) <= 15
        and bool(SHORT_NEWSLETTER.search(line))
        and not line.rstrip().endswith(".")
    )


CLICK_HERE = re.compile(
    r"(?:einfach )?hier klicken|klicken sie hier|click here|cliquez ici|haga clic aquí|clique aqui|clicca qui",
    IGNORE_CASE,
)


def click_here(line: str) -> bool:
    return len(line.split()) <= 25 and bool(CLICK_HERE.search(line))


CONSENT = re.compile(
    r"cookie|datenschutz|einwilligung|externe[rn]? inhalt|external content|inhalt von .{1,40} (?:zu )?laden|drittanbieter",
    IGNORE_CASE,
)
CONSENT_ACT = re.compile(
    r"klick|click|akzeptier|accept|laden|load|aktivier|enable|zustimm|agree|allow|erlaub|einverstanden|mehr erfahren|learn more|button",
    IGNORE_CASE,
)


def consent_line(line: str) -> bool:
    return len(line.split()) <= 25 and bool(CONSENT.search(line)) and bool(CONSENT_ACT.search(line))


COMMENT_PROMPT = re.compile(
    r"(?:kommentar|comment|commentaire|comentario).{0,60}(?:log(?:ged)? ?in|eingeloggt|angemeldet|registriert|register|sign in|anmelden)"
    r"|(?:log(?:ged)? ?in|eingeloggt|angemeldet|sign in).{0,60}(?:kommentar|comment)"
    r"|in den kommentaren|in the comments(?: below| section)?|let us know in the comments|dans les commentaires|en los comentarios|nei commenti"
    # the comment section's moderation policy
    r"|(?:comment|kommentar|coment|commento).{0,150}(?:moderat|approv|aprovad|aprobad|freigeschaltet|freigegeben|genehmigt|publiés|publicad)",
    IGNORE_CASE,
)


def comment_prompt(line: str) -> bool:
    return len(line.split()) <= 30 and bool(COMMENT_PROMPT.search(line))


PREV_NEXT = re.compile(
    r"^(?:vorschau auf (?:den|das) nächsten?|next article|previous article|next post|previous post|nächster artikel|vorheriger artikel|article suivant|article précédent|artículo siguiente|artículo anterior)\b",
    IGNORE_CASE,
)


def prev_next(line: str) -> bool:
    return len(line.split()) <= 10 and bool(PREV_NEXT.search(line))


NO_WARRANTY = re.compile(
    r"^\W*(?:alle )?angaben ohne gewähr\W*$|^\W*(?:without guarantee|sans garantie|sin garantía)\W*$",
    IGNORE_CASE,
)


def no_warranty(line: str) -> bool:
    return bool(NO_WARRANTY.match(line))


TEASER_BLOCK_X2 = re.compile(
    TEASER_BLOCK_X.pattern[:-5]
    + r"|lesen sie auch(?: \S+){0,4}|inhaltsverzeichnis|table of contents|contents|sommaire|índice|indice"
    + r"|(?:\S+ )?(?:주요|관련|인기)\s?(?:뉴스|기사))\W*$",
    IGNORE_CASE,
)
TAIL_X2 = re.compile(
    TAIL_X.pattern[:-5]
    + r"|empfohlene (?:beiträge|artikel)|top-themen(?: \S+){0,4}|más sobre(?: \S+){0,4}|weitere artikel zum thema|kommentierte artikel)\W*$",
    IGNORE_CASE,
)


def teaser_label(line: str) -> bool:
    """A label that introduces teasers ("Auch interessant", "Related stories") is furniture
    itself, whether or not the teasers after it were recognised."""
    return len(line.split()) <= 10 and bool(TEASER_BLOCK_X2.match(line))


# A picture gallery's controls, read as text: "Bild anzeigen", "Bild schließen", "2 von 17".
GALLERY_CONTROL = re.compile(
    r"^(?:(?:bild|foto|image|photo)\s+(?:anzeigen|schließen|vergrößern)"
    r"|(?:show|close|enlarge)\s+(?:image|photo|picture)|\d+\s+(?:von|of|de|sur|di)\s+\d+)$",
    IGNORE_CASE,
)


def gallery_control(line: str) -> bool:
    return bool(GALLERY_CONTROL.match(line.strip()))


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
    ("paywall", paywall2_line),
    ("newsletter", newsletter_any),
    ("newsletter", short_newsletter),
    ("follow prompt", follow_line),
    ("click prompt", click_here),
    ("consent notice", consent_line),
    ("comment prompt", comment_prompt),
    ("previous/next", prev_next),
    ("disclaimer", no_warranty),
    ("teaser label", teaser_label),
    ("gallery control", gallery_control),
)


def furniture_line_rule(line: str) -> str | None:
    """The name of the multilingual furniture rule this line matches, or None."""
    for name, matches in FURNITURE_LINE_RULES:
        if matches(line):
            return name
    return None
