"""Text helpers every field's rules share: spacing, the archive's normal form, word counts, and
the keys that text is compared by. Each is spelled once, here.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

CJK_CHARACTER = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
PROSE_ENDINGS = (".", "!", "?", '"', "”", "“", "»", "«", "。", "！", "？", "」", "…")
SENTENCE_ENDINGS = (*PROSE_ENDINGS, ":")  # "He said:" introduces a quote on the next line


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


@lru_cache(maxsize=2048)
def spaced_words(line: str) -> int:
    """The words of a line as its furniture rules count them, runs between spaces: each rule
    bounds the lines it takes by this, and asks for the same line's count many times."""
    return len(line.split())


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
    return comparable(a) == comparable(b)


# What str.isalnum() rejects: \W is everything but alphanumerics and "_" (the same Unicode
# test), and a regular expression drops the runs without a Python step per character.
NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def squashed(text: str) -> str:
    """Letters and digits alone, casefolded, accents taken off (NFKD keeps a letter's base
    and its accent apart, and the accent is no letter): text compared across elements,
    spacing and spellings ("Café" and "Café")."""
    return alphanumerics(unicodedata.normalize("NFKD", text.casefold()))


def alphanumerics(text: str) -> str:
    """The characters of `text` for which str.isalnum() holds, in order."""
    return NOT_ALPHANUMERIC.sub("", text)


# The rules compare each line with the headline, the names and the lines before it: many
# times per line, so the comparable form is worked out once.
@lru_cache(maxsize=2048)
def comparable(text: str) -> str:
    return normalise_space(re.sub(r"[^\w\s]", " ", text)).casefold()


def is_sentence(line: str) -> bool:
    """Reads as running text rather than as a label, headline or menu item."""
    return line_words(line) >= 20 or line.rstrip().endswith(SENTENCE_ENDINGS)


def prose_word_count(text: str) -> int:
    """Words in lines that read as sentences, not as labels or menu items."""
    return sum(line_words(line) for line in text.splitlines() if is_sentence_or_long(line))


def is_sentence_or_long(line: str) -> bool:
    """Prose for the word count: a sentence, or a line too long to be a label."""
    return line_words(line) >= 8 or line.rstrip().endswith(PROSE_ENDINGS)


MOJIBAKE = re.compile(r"[ÃÂâ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\xa0-\xbf]")


def unescaped_text(text: str | None) -> str | None:
    """Unescaped, single-spaced, and repaired when UTF-8 bytes were read as cp1252."""
    if not text:
        return None
    for _ in range(2):
        text = html.unescape(text)
    text = normalise_space(text)
    if MOJIBAKE.search(text):
        for codec in ("cp1252", "latin-1"):
            try:
                text = text.encode(codec).decode("utf-8")
                break
            except UnicodeError:
                continue
    return text or None
