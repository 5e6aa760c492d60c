"""Rules that remove what trafilatura leaves behind: pure functions on text, tested one by one.

The residue is the same on many sites because it comes from the same page furniture: the
headline printed again, bylines (often twice), a header widget with today's date, photo
captions and credits, share and newsletter prompts, the author's bio box, "Related" teasers,
and tag debris such as `em>` from broken markup. Each rule here is about that furniture's
shape, never about one site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from extraction.authors import BY_WORD, EMAIL
from extraction.body.furniture import TAIL_HEADINGS, TEASER_BLOCK_LABELS, furniture_line_rule
from extraction.printed_dates import DATE_IN_TEXT, is_date_line
from extraction.text import (
    SENTENCE_ENDINGS,
    comparable,
    is_sentence,
    line_words,
    normalise_space,
    prose_word_count,
    same_text,
    spaced_words,
    squashed,
)
from extraction.words import ENGLISH, alternation

# "By Ann Lee" or "About Ann Lee" at the head of an author box.
AUTHOR_BOX_HEAD = re.compile(
    rf"^(?:{alternation('byline_words', 'about_headings')})\s+", re.IGNORECASE
)
PHONE = re.compile(r"(?:\+?\d[\d\s().-]{7,}\d)")
INLINE_TAGS = (
    "a|abbr|b|big|blockquote|br|cite|code|div|em|figcaption|figure|font|h[1-6]|i|img|li|mark"
    "|ol|p|q|s|small|span|strong|sub|sup|table|td|th|tr|u|ul"
)
WHOLE_TAG = re.compile(rf"</?(?:{INLINE_TAGS})\b[^<>]{{0,200}}>", re.IGNORECASE)
TAG_DEBRIS = re.compile(
    rf"(?:(?<=\s)|^)(?:</?|/)?(?:{INLINE_TAGS})/?>(?=\s|$|[.,;:!?])", re.IGNORECASE
)

CREDIT_LINE = re.compile(rf"^(?:{alternation('credit_labels')})\b", re.IGNORECASE)
# Whole words ("Sign up", not "Signups"), a label with its colon ("Share:"), or an offer of the
# newsletter ("Get our free daily newsletter").
PROMPT_LINE = re.compile(
    rf"^(?:(?:{alternation('prompt_openings')})\b|(?:{alternation('prompt_labels')}):"
    rf"|(?:{alternation('offer_openings')}) .{{0,40}}(?:{alternation('offered_things')}))",
    re.IGNORECASE,
)
POST_FIELD = re.compile(
    rf"\b(?:{alternation('published_by_labels', 'category_labels', 'tag_labels')})\s*:",
    re.IGNORECASE,
)
TRAILING_TAGS = re.compile(rf"\b(?:{alternation('tag_labels')})\s*:[^:]*$", re.IGNORECASE)
CALL_TO_CLICK = re.compile(rf"\b(?:{alternation('click_here')})\W*$", re.IGNORECASE)
BIO_VERBS = re.compile(rf"^\S+(?:\s\S+){{0,3}}\s(?:{alternation('bio_verbs')})\b", re.IGNORECASE)
# Labels that stand alone between paragraphs: dropped, and the text goes on after them.
LABEL_LINE = re.compile(rf"^(?:{alternation('standalone_labels')})\W*$", re.IGNORECASE)
# A tail heading ends the article only when little prose follows it: after "Related" come
# teasers; after a mid-article "Read more" the story goes on.
TAIL_PROSE_SHARE = 0.35
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
ABOUT_PREFIX = re.compile(rf"(?:{alternation('about_headings')})\s+", re.IGNORECASE)
# After the publisher's name: "(SIX: ASCN)", ", Inc.", then "is a/an/the/one ...".
COMPANY_PROFILE = re.compile(
    rf"^(?:\s*\([^)]{{1,40}}\))?(?:,?\s+(?:{alternation('company_suffixes')})\.?,?)?\s+"
    rf"(?:{alternation('is_words')})\s+(?:{alternation('article_words')})\s",
    re.IGNORECASE,
)
CONTACT_WORDS = re.compile(rf"\b(?:{alternation('contact_words')})\b", re.IGNORECASE)
# What a byline holds besides its names and date: "and", "Updated", "on".
BYLINE_FILLER = re.compile(
    rf"\b(?:{alternation('and_words')}|{alternation('date_labels', languages=ENGLISH)})\b"
    r"|[\W\d_]",
    re.IGNORECASE,
)


def strip_tag_debris(line: str) -> str:
    """Remove markup that leaked into text: whole tags, and fragments like `em>` or `</strong`."""
    if ">" not in line:
        return normalise_space(line)  # every tag and fragment the patterns remove ends in ">"
    line = WHOLE_TAG.sub(" ", line)
    line = TAG_DEBRIS.sub(" ", line)
    return normalise_space(line)


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
    rest = BYLINE_FILLER.sub(" ", rest)
    leftover = rest.split()
    if mentions_author:
        return len(leftover) <= 2
    # "By Somebody Else": a byline we could not match to a known author.
    return len(leftover) <= 5 and not line.rstrip().endswith((".", "!", "?"))


def is_credit_line(line: str) -> bool:
    """ "Prepared by: X", "Photo: Y / Agency", "Illustrative photo from open sources"."""
    return spaced_words(line) <= 14 and bool(CREDIT_LINE.match(line))


def is_prompt_line(line: str) -> bool:
    """Share, follow, newsletter and read-more prompts, and calls to click ("Get the app on
    the go by clicking here")."""
    words = spaced_words(line)
    return (words <= 30 and bool(PROMPT_LINE.match(line))) or (
        words <= 15 and bool(CALL_TO_CLICK.search(line))
    )


def is_tail_heading(line: str) -> bool:
    """A heading after which only teasers, tags or comments follow ("Related Post")."""
    return spaced_words(line) <= 8 and bool(TAIL_HEADINGS.match(line))


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
    return spaced_words(line) <= 30 and len(POST_FIELD.findall(line)) >= 2


def is_contact_line(line: str) -> bool:
    """A short line that is mostly an e-mail address or a phone number."""
    if spaced_words(line) > 20:
        return False
    return bool(EMAIL.search(line) or PHONE.search(line)) and bool(CONTACT_WORDS.search(line))


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
    if not letters or spaced_words(line) > HEADLINE_MAX_WORDS:
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
        repeated = comparable(line) in kept_keys and comparable(line) in droppable_repeats
        reason = cut or ("duplicate" if repeated else line_rule(line, title, author_list))
        explained.append((line, reason))
        if not reason:
            kept.append(line)
            kept_keys.add(comparable(line))
    explained.extend((skipped, "menu") for skipped in menu_lines)
    return explained


def repeats_to_drop(lines: list[str]) -> set[str]:
    """The repeated long lines that are furniture: a run of three or more repeated lines (the
    story printed twice), or any repeat on a page with few of them (pull quotes). Pages that
    repeat many scattered lines hold structured content (meal plans, schedules) and keep them;
    table rows always stay."""
    long_lines = [line for line in lines if spaced_words(line) > 2]
    seen: set[str] = set()
    repeated: list[bool] = []
    for line in long_lines:
        key = comparable(line)
        repeated.append(key in seen and line_words(line) >= DUPLICATE_MIN_WORDS)
        seen.add(key)
    in_runs: set[str] = set()
    start = 0
    while start < len(repeated):
        end = start
        while end < len(repeated) and repeated[end]:
            end += 1
        if end - start >= REPEATED_RUN:
            in_runs.update(comparable(long_lines[index]) for index in range(start, end))
        start = max(end, start + 1)
    droppable = {
        comparable(line) for line, again in zip(long_lines, repeated, strict=True) if again
    }
    chosen = droppable if sum(repeated) <= FEW_REPEATS else in_runs
    table_rows = {comparable(line) for line in long_lines if line.startswith("|")}
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
