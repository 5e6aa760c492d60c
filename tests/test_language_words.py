"""Words are data: one file per language, the same keys in each, compiled into the rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extraction.authors import BY_WORD, parse_byline
from extraction.words import (
    LANGUAGES_FOLDER,
    LanguageFileError,
    alternation,
    load_languages,
    words,
)


def test_every_language_file_has_the_same_keys_and_lists_of_words() -> None:
    languages = load_languages()
    assert {"en", "de", "fr", "es", "pt", "it", "nl"} <= set(languages)
    keys = {frozenset(language) for language in languages.values()}
    assert len(keys) == 1
    for code, language in languages.items():
        for key, listed in language.items():
            assert len(listed) == len(set(listed)), f"{code}.toml lists a word twice in {key}"
    for key in next(iter(keys)):
        assert words(key), f"no language has words for {key}"


def test_adding_a_language_is_adding_a_file(tmp_path: Path) -> None:
    for path in LANGUAGES_FOLDER.glob("*.toml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    swedish = (LANGUAGES_FOLDER / "en.toml").read_text(encoding="utf-8")
    swedish = swedish.replace('byline_words = ["by"]', 'byline_words = ["av"]')
    (tmp_path / "sv.toml").write_text(swedish, encoding="utf-8")
    assert load_languages(tmp_path)["sv"]["byline_words"] == ["av"]


def test_a_language_file_missing_a_key_is_named_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('byline_words = ["by"]\nauthor_labels = []\n')
    (tmp_path / "xx.toml").write_text('byline_words = ["zz"]\n')
    with pytest.raises(LanguageFileError, match=r"xx\.toml lacks author_labels"):
        load_languages(tmp_path)
    (tmp_path / "xx.toml").write_text('byline_words = "zz"\nauthor_labels = []\n')
    with pytest.raises(LanguageFileError, match="must be a list"):
        load_languages(tmp_path)


def test_longer_words_come_first_so_a_phrase_is_tried_before_its_last_word() -> None:
    labels = alternation("author_field_labels").split("|")
    assert labels.index(re.escape("written by")) < labels.index("by")


def test_the_rules_read_every_languages_byline_words() -> None:
    for line, names in (
        ("By Ann Lee", ["Ann Lee"]),
        ("Von Anna Schmidt", ["Anna Schmidt"]),
        ("Par Jean Dupont", ["Jean Dupont"]),
        ("Por María López", ["María López"]),
        ("Door Jan de Vries", ["Jan de Vries"]),
    ):
        assert BY_WORD.match(line)
        assert parse_byline(line)[0] == names, line
