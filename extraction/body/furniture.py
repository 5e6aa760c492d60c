"""Furniture lines in many languages: teaser links ("Read also: ..."), source and agency
credits, photo credits, tag and category lists, reading times, feedback prompts, follow and
subscribe prompts, date lines, image URLs; and the labels after which teasers or only furniture
follow. Each predicate takes one line of extracted text; none names a site.

The words are every language's, from extraction/languages/ (`words(key)` in words.py says
how); what is here is the shape of each line around them.
"""

from __future__ import annotations

import re

from extraction.printed_dates import intl_date_line
from extraction.text import spaced_words
from extraction.words import alternation

IGNORE_CASE = re.IGNORECASE
# A teaser's label: "Read also", "Lesen Sie auch", or "Also on example.com".
READ_ALSO = rf"(?:{alternation('also_on_site')}) \S+|{alternation('read_also')}"
# "Read also: <headline>", "[Related: <headline>]", "(Leggi anche su: ...)", ">> headline <<"
TEASER_LINE = re.compile(
    rf"^\W{{0,3}}(?:{READ_ALSO})\s*(?:[:|»>–—]|\.{{3}}|…)|^\s*>>.*<<\s*$"
    rf"|^\[(?:{READ_ALSO})[^\]]*\]$|^\((?:{READ_ALSO})[^)]*\)$",
    IGNORE_CASE,
)


# "Also on example.com: <headline>" and a headline tagged like a link card: "... [VIDEO]".
TEASER_LINK = re.compile(
    rf"^(?:{alternation('also_on_site')}) \S+\.[a-z]{{2,}}\b"
    rf"|\s\[(?:{alternation('link_card_tags')})\]\W*$",
    IGNORE_CASE,
)


def teaser_line(line: str) -> bool:
    return spaced_words(line) <= 30 and bool(TEASER_LINE.search(line) or TEASER_LINK.search(line))


AGENCIES = alternation("agencies")
WITH = alternation("with_words")
SOURCE_LINE = re.compile(
    rf"^(?:{alternation('source_labels')}|©|\(c\))\b"
    # the spaces before the words are \W as well: taken once (possessive), not shared out
    # between \W* and \s* in every way a long run of them can be
    rf"|^\W*+(?:{WITH})?\s*(?:{alternation('material_from')})"
    rf"|^\W*(?:(?:{WITH}) )?(?:{AGENCIES})(?:\s*[/,&]\s*(?:{AGENCIES}|[a-z]{{2,4}}))*\W*$"
    rf"|{alternation('contribution_credits')}|^(?:{alternation('contributor_labels')}):"
    rf"|^\W*(?:{alternation('reporting_by')})\b|^(?:{alternation('translation_labels')})"
    rf"|^(?:{alternation('from_language')}) \w+ (?:{alternation('by_translator')})",
    IGNORE_CASE,
)


def source_line(line: str) -> bool:
    return spaced_words(line) <= 14 and bool(SOURCE_LINE.search(line))


PHOTO_LABEL = alternation("photo_credit_labels")
CAPTION_CREDIT = re.compile(
    rf"^\[(?:{PHOTO_LABEL})\s*[=:：]|©|\((?:{PHOTO_LABEL}):[^)]*\)\s*$"
    rf"|(?:{PHOTO_LABEL})\s*:\s*\S.{{0,60}}$"
    rf"|(?:/|\||(?:{alternation('credit_via')})|(?:{PHOTO_LABEL}):?)\s*"
    rf"(?:{alternation('picture_agencies')})\b[^.]{{0,30}}$",
    IGNORE_CASE,
)


def caption_credit(line: str) -> bool:
    return (
        spaced_words(line) <= 30
        and bool(CAPTION_CREDIT.search(line))
        and not line.rstrip().endswith(("?", "!"))
    )


META_LINE = re.compile(rf"^(?:{alternation('tag_labels', 'category_labels')})\s*[:|]", IGNORE_CASE)


def meta_line(line: str) -> bool:
    return spaced_words(line) <= 25 and bool(META_LINE.match(line))


READING_TIME_LABEL = alternation("reading_time_labels")
READ_TIME = re.compile(
    rf"^\W*(?:(?:{READING_TIME_LABEL}):?\s*)?\d+\s*(?:{alternation('minutes')})\.?"
    rf"\s*(?:{alternation('reading_time_words')})?\W*$"
    rf"|^\W*(?:{READING_TIME_LABEL})\W+\d+",
    IGNORE_CASE,
)


def read_time(line: str) -> bool:
    return spaced_words(line) <= 6 and bool(READ_TIME.match(line))


FEEDBACK = re.compile(rf"^(?:{alternation('feedback_prompts')})", IGNORE_CASE)


def feedback(line: str) -> bool:
    return spaced_words(line) <= 20 and bool(FEEDBACK.match(line))


# "Get our free daily newsletter", "Get the Courier app".
OFFER = rf"(?:{alternation('offer_openings')}) (?:\w+ )?(?:{alternation('offered_things')})"
PROMPT_INTL = re.compile(rf"^(?:{alternation('appeal_openings')}|{OFFER})", IGNORE_CASE)


def prompt_intl(line: str) -> bool:
    return spaced_words(line) <= 35 and bool(PROMPT_INTL.match(line))


# The labels after which teasers follow and the headings after which only furniture follows
# share shapes: "Das könnte Sie auch interessieren", "Diese Artikel könnten euch auch
# interessieren"; "Weitere aktuelle Themen aus der Region"; a label, then up to four words of a
# topic, a place or a name: "Mehr aus Berlin".
MIGHT_INTEREST_YOU = (
    rf"(?:{alternation('demonstratives')})(?: \w+)? (?:{alternation('might_interest_you')})"
)
FEW_WORDS = r"(?: \S+){0,4}"
FURTHER_ARTICLES = (
    rf"(?:{alternation('further_words')}) (?:\w+ )?\w*(?:{alternation('article_nouns')})"
    + FEW_WORDS
)
# Labels that introduce teasers: "Related stories", "Lesen Sie auch", "Courier 주요뉴스".
TEASER_BLOCK_LABELS = re.compile(
    rf"^(?:{alternation('teaser_block_labels')}|{READ_ALSO}|{MIGHT_INTEREST_YOU}"
    rf"|{FURTHER_ARTICLES}|(?:{alternation('teaser_topic_labels')}){FEW_WORDS}"
    rf"|(?:\S+ )?(?:{alternation('news_list_labels')}))\W*$",
    IGNORE_CASE,
)
# Headings after which only teasers, tags or comments follow: "Related posts", "12 Kommentare",
# "Mehr aus Berlin", "More from The Courier".
TAIL_HEADINGS = re.compile(
    rf"^(?:{alternation('tail_headings')}|(?:\d+ )?(?:{alternation('comment_headings')})"
    rf"|{MIGHT_INTEREST_YOU}|{FURTHER_ARTICLES}"
    rf"|(?:{alternation('tail_topic_headings')}){FEW_WORDS}"
    rf"|(?:{alternation('more_from_headings')})\b.{{0,40}})\W*$",
    IGNORE_CASE,
)

IMAGE_URL = re.compile(
    r"^(?:https?://|www\.)\S+\.(?:jpe?g|png|gif|webp|svg)(?:\?\S*)?$", IGNORE_CASE
)


def image_url_line(line: str) -> bool:
    return bool(IMAGE_URL.match(line.strip()))


PAYWALL = re.compile(
    rf"{alternation('paywall_lines')}"
    rf"|(?:{alternation('support_us')}).{{0,40}}(?:{alternation('donation_words')})"
    rf"|(?:{alternation('left_to_read')}) \d",
    IGNORE_CASE,
)


def paywall2_line(line: str) -> bool:
    return spaced_words(line) <= 45 and bool(PAYWALL.search(line))


NEWSLETTER = alternation("newsletter_words")
NEWSLETTER_ANY = re.compile(NEWSLETTER, IGNORE_CASE)
# Words that make a line naming a newsletter a sign-up box: "your", "free", "jetzt", "unsere".
ADDRESS = re.compile(
    rf"\b(?:(?:{alternation('sign_up_word_stems')})\w*|{alternation('sign_up_words')})\b",
    IGNORE_CASE,
)


def newsletter_any(line: str) -> bool:
    n = spaced_words(line)
    return (
        n <= 45
        and bool(NEWSLETTER_ANY.search(line))
        and bool(ADDRESS.search(line))
        and not line.rstrip().endswith("?")
    )


FOLLOW = re.compile(
    rf"^(?:{alternation('follow_words')})\b.{{0,80}}"
    rf"\b(?:{alternation('platforms', 'ambiguous_platforms')})\b",
    IGNORE_CASE,
)


# A follow prompt whose links the text gives a line each: "Síguenos en" / "Telegram," /
# "Facebook y" / "Twitter".
FOLLOW_LABEL = re.compile(rf"^(?:{alternation('follow_us')})\W*$", IGNORE_CASE)
PLATFORM_LINK = re.compile(
    rf"^(?:{alternation('platforms')})\W*(?:(?:{alternation('and_or_words')})\W*)?$",
    IGNORE_CASE,
)


def follow_line(line: str) -> bool:
    if FOLLOW_LABEL.match(line) or PLATFORM_LINK.match(line):
        return True
    return spaced_words(line) <= 40 and bool(FOLLOW.search(line))


SHORT_NEWSLETTER = re.compile(rf"{NEWSLETTER}|{alternation('sign_up_here')}", IGNORE_CASE)


def short_newsletter(line: str) -> bool:
    return (
        spaced_words(line) <= 15
        and bool(SHORT_NEWSLETTER.search(line))
        and not line.rstrip().endswith(".")
    )


CLICK_HERE = re.compile(alternation("click_here"), IGNORE_CASE)


def click_here(line: str) -> bool:
    return spaced_words(line) <= 25 and bool(CLICK_HERE.search(line))


# "Externe Inhalte laden", "Inhalt von YouTube laden": a notice, with one of the actions.
CONSENT = re.compile(
    rf"{alternation('consent_words')}"
    rf"|(?:{alternation('content_from')}) .{{1,40}} (?:{alternation('load_words')})",
    IGNORE_CASE,
)
CONSENT_ACT = re.compile(alternation("consent_actions"), IGNORE_CASE)


def consent_line(line: str) -> bool:
    return (
        spaced_words(line) <= 25 and bool(CONSENT.search(line)) and bool(CONSENT_ACT.search(line))
    )


COMMENT = alternation("comment_stems")
LOGIN = alternation("login_words")
COMMENT_PROMPT = re.compile(
    rf"(?:{COMMENT}).{{0,60}}(?:{LOGIN})|(?:{LOGIN}).{{0,60}}(?:{COMMENT})"
    rf"|{alternation('in_the_comments')}"
    # the comment section's moderation policy
    rf"|(?:{COMMENT}).{{0,150}}(?:{alternation('moderation_stems')})",
    IGNORE_CASE,
)


def comment_prompt(line: str) -> bool:
    return spaced_words(line) <= 30 and bool(COMMENT_PROMPT.search(line))


PREV_NEXT = re.compile(rf"^(?:{alternation('previous_next')})\b", IGNORE_CASE)


def prev_next(line: str) -> bool:
    return spaced_words(line) <= 10 and bool(PREV_NEXT.search(line))


NO_WARRANTY = re.compile(rf"^\W*(?:{alternation('disclaimers')})\W*$", IGNORE_CASE)


def no_warranty(line: str) -> bool:
    return bool(NO_WARRANTY.match(line))


def teaser_label(line: str) -> bool:
    """A label that introduces teasers ("Auch interessant", "Related stories") is furniture
    itself, whether or not the teasers after it were recognised."""
    return spaced_words(line) <= 10 and bool(TEASER_BLOCK_LABELS.match(line))


# A picture gallery's controls, read as text: "Bild anzeigen", "Bild schließen", "2 von 17".
GALLERY_CONTROL = re.compile(
    rf"^(?:{alternation('gallery_controls')}|\d+\s+(?:{alternation('of_total')})\s+\d+)$",
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
