"""The text helpers' rules (extraction/text.py), one by one."""

from __future__ import annotations

import pytest

from extraction.text import alphanumerics, count_words, squashed


def test_alphanumerics_keeps_exactly_what_isalnum_accepts() -> None:
    # Every code point but the surrogates, which no str from a page holds.
    every = "".join(chr(point) for point in range(0x110000) if not 0xD800 <= point < 0xE000)
    assert alphanumerics(every) == "".join(ch for ch in every if ch.isalnum())
    # Letters without their accents: one spelling, composed or not.
    assert squashed("Über-Café, 2024!") == "ubercafe2024" == squashed("U\u0308ber-Cafe\u0301 2024")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The ferry returns\non Monday.", 5),
        ("渡し船が月曜日に戻る", 5),  # ten characters, two to a word
        ("Ferry 渡し船 returns", 4),
        ("", 0),
    ],
)
def test_words_are_counted_with_cjk_characters_two_to_a_word(text: str, words: int) -> None:
    assert count_words(text) == words
