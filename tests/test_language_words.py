"""Words are data: one file per language, the same keys in each, compiled into the rules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from extraction.authors import BY_WORD, clean_author_names, parse_byline
from extraction.body.cleanup import is_tail_heading
from extraction.body.furniture import furniture_line_rule
from extraction.printed_dates import find_date_strings
from extraction.words import (
    ENGLISH,
    LANGUAGES_FOLDER,
    LanguageFileError,
    alternation,
    load_languages,
    load_shared,
    shared_words,
    words,
)
from tests.conftest import CRAWL_ENV, REPO

# The languages the cleanup rules' words come from; another is another file.
WORDS_COME_FROM = {"en", "de", "fr", "es", "pt", "it", "nl", "pl", "sv", "nb", "da", "ko", "ja"}
WORDS_COME_FROM |= {"zh", "zu", "ru", "tr", "hu"}


def test_every_language_file_has_the_same_keys_and_lists_of_words() -> None:
    languages = load_languages()
    assert set(languages) >= WORDS_COME_FROM
    keys = {frozenset(language) for language in languages.values()}
    assert len(keys) == 1
    for code, language in languages.items():
        for key, listed in language.items():
            assert len(listed) == len(set(listed)), f"{code}.toml lists a word twice in {key}"
    for key in next(iter(keys)):
        assert words(key), f"no language has words for {key}"


def test_words_of_no_language_are_in_the_shared_file_under_keys_of_its_own() -> None:
    shared = load_shared()
    assert "_shared" not in load_languages()
    assert {"agencies", "picture_agencies", "platforms"} <= set(shared)
    assert not set(shared) & set(load_languages()["en"])
    assert "reuters" in shared_words("agencies")
    assert re.fullmatch(alternation("agencies"), "keystone-sda")


def copied_languages(tmp_path: Path) -> Path:
    folder = tmp_path / "languages"
    shutil.copytree(LANGUAGES_FOLDER, folder)
    return folder


def add_word(path: Path, key: str, word: str) -> None:
    """The file with `word` added to the list of `key`."""
    text = path.read_text(encoding="utf-8")
    found = re.search(rf"^{key} = \[", text, re.MULTILINE)
    assert found, f"{path.name} has no {key}"
    path.write_text(f'{text[: found.end()]}"{word}", {text[found.end() :]}', encoding="utf-8")


def test_a_shared_key_that_a_language_file_has_too_is_named_with_the_fix(tmp_path: Path) -> None:
    folder = copied_languages(tmp_path)
    with (folder / "_shared.toml").open("a", encoding="utf-8") as file:
        file.write('byline_words = ["by"]\n')
    with pytest.raises(LanguageFileError, match="byline_words is a key of the language files"):
        load_shared(folder)


def test_adding_a_language_is_adding_a_file(tmp_path: Path) -> None:
    folder = copied_languages(tmp_path)
    danish = (LANGUAGES_FOLDER / "da.toml").read_text(encoding="utf-8")
    assert "byline_words = []\n" in danish
    (folder / "xx.toml").write_text(danish.replace("byline_words = []\n", ""), encoding="utf-8")
    with pytest.raises(LanguageFileError, match=r"xx\.toml lacks byline_words"):
        load_languages(folder)
    (folder / "xx.toml").write_text(danish, encoding="utf-8")
    add_word(folder / "xx.toml", "byline_words", "af")
    assert load_languages(folder)["xx"]["byline_words"] == ["af"]


def test_a_language_file_missing_a_key_is_named_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('byline_words = ["by"]\nauthor_labels = []\n')
    (tmp_path / "xx.toml").write_text('byline_words = ["zz"]\n')
    with pytest.raises(LanguageFileError, match=r"xx\.toml lacks author_labels"):
        load_languages(tmp_path)
    (tmp_path / "xx.toml").write_text('byline_words = "zz"\nauthor_labels = []\n')
    with pytest.raises(LanguageFileError, match="must be a list"):
        load_languages(tmp_path)


def test_an_alternation_matches_every_word_of_its_keys_whole_and_the_longest_first() -> None:
    for key in load_languages()["en"]:
        pattern = re.compile(alternation(key), re.IGNORECASE)
        for word in words(key):
            assert pattern.fullmatch(word), (key, word)
    # "Autorin" is not "Autor" and "in"; "à lire aussi" is not "à lire" and "aussi".
    labels = re.compile(alternation("author_field_labels"), re.IGNORECASE)
    assert labels.match("Autorin: Ann Lee")[0] == "Autorin"  # type: ignore[index]
    assert re.match(alternation("read_also"), "à lire aussi")[0] == "à lire aussi"  # type: ignore[index]
    assert not re.search(alternation("date_joiners", languages=ENGLISH), "de")  # none: no match


def test_words_are_matched_as_written_whatever_their_case() -> None:
    assert "bild schließen" in words("gallery_controls")  # not casefolded to "schliessen"
    assert furniture_line_rule("Bild schließen") == "gallery control"
    assert furniture_line_rule("BILD SCHLIESSEN") is None


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


def test_the_cleanup_rules_read_the_words_of_many_languages() -> None:
    for line, rule in (
        ("Läs också: Färjan stängs i vinter", "teaser"),  # sv.toml
        ("Funda olunye udaba lapha: ...", "teaser"),  # zu.toml
        ("[사진=연합뉴스]", "photo credit"),  # ko.toml
        ("この記事は有料会員限定です", "paywall"),  # ja.toml
        ("Foto: Anna Weber / picture alliance", "photo credit"),  # _shared.toml
    ):
        assert furniture_line_rule(line) == rule, line
    assert is_tail_heading("Relaterade artiklar")
    assert find_date_strings("Updated Tuesday, Jul 15th, 2024") == ["Jul 15th, 2024"]


def furniture_rules_reading(folder: Path, lines: list[str]) -> list[str | None]:
    """furniture_line_rule's answers with the words of `folder` (in a fresh interpreter: the
    rules compile their patterns once, when imported)."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "import extraction.words\n"
        "extraction.words.LANGUAGES_FOLDER = Path(sys.argv[1])\n"
        "from extraction.body.furniture import furniture_line_rule\n"
        "print(json.dumps([furniture_line_rule(line) for line in sys.argv[2:]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(folder), *lines],
        cwd=REPO,
        env=CRAWL_ENV,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    answers: list[str | None] = json.loads(result.stdout)
    return answers


def test_a_word_added_to_a_file_reaches_its_rule(tmp_path: Path) -> None:
    folder = copied_languages(tmp_path)
    lines = ["Nur für Mitglieder des Fördervereins", "Die Fähre im Morgenlicht | Agence Nouvelle"]
    assert furniture_rules_reading(folder, lines) == [None, None]
    add_word(folder / "de.toml", "paywall_lines", "nur für mitglieder")
    add_word(folder / "_shared.toml", "picture_agencies", "agence nouvelle")
    assert furniture_rules_reading(folder, lines) == ["paywall", "photo credit"]


def test_the_author_rules_read_the_words_of_many_languages() -> None:
    for raw, names in (
        ("Kari Nordmann og Ola Hansen", ["Kari Nordmann", "Ola Hansen"]),  # nb.toml, in lower case
        ("Ana Lima E Silva", ["Ana Lima E Silva"]),  # an initial, not an "and"
        ("Ann Lee y Bo Chen", ["Ann Lee", "Bo Chen"]),  # es.toml's and_words
        ("Interview Julia Lauter", ["Julia Lauter"]),  # leading_roles
        ("Ann Lee, Staff Writer", ["Ann Lee"]),  # role_words
        ("Jane Doe Foto: GEPA", ["Jane Doe"]),  # photo_credit_labels, with a colon
        ("Ann Lee Schlagworte: Politik", ["Ann Lee"]),  # tag_labels
        ("Lars Berg Symbolbild", ["Lars Berg"]),  # picture_labels
        ("Ann Lee Lesezeit 3 Minuten", ["Ann Lee"]),  # reading_time_labels
        ("Ann Lee 4 min read", ["Ann Lee"]),  # minutes, reading_time_words
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),  # _shared.toml's name_particles
        ("siteadmin", []),  # _shared.toml's default_accounts
        ("Name", []),  # name_labels
    ):
        assert clean_author_names([raw]) == names, raw
    assert parse_byline("View all posts by Ann Lee")[0] == ["Ann Lee"]  # byline_openings
    assert parse_byline("Photograph by Ann Lee")[0] == []  # picture_by_words


def author_rules_reading(folder: Path, raw_names: list[str]) -> list[list[str]]:
    """clean_author_names' answer for each raw name with the words of `folder` (in a fresh
    interpreter, as furniture_rules_reading)."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "import extraction.words\n"
        "extraction.words.LANGUAGES_FOLDER = Path(sys.argv[1])\n"
        "from extraction.authors import clean_author_names\n"
        "print(json.dumps([clean_author_names([raw]) for raw in sys.argv[2:]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(folder), *raw_names],
        cwd=REPO,
        env=CRAWL_ENV,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    answers: list[list[str]] = json.loads(result.stdout)
    return answers


def test_a_word_added_to_a_file_reaches_the_author_rules(tmp_path: Path) -> None:
    folder = copied_languages(tmp_path)
    raw_names = ["Moderatorin Anna Roth", "Hausmeister", "Kari Nordmann ja Ola Hansen"]
    # "ja", no word of a name, is prose until a file says it is Finnish for "and"
    before = [["Moderatorin Anna Roth"], ["Hausmeister"], []]
    assert author_rules_reading(folder, raw_names) == before
    add_word(folder / "de.toml", "leading_roles", "moderatorin")
    add_word(folder / "_shared.toml", "default_accounts", "hausmeister")
    (folder / "fi.toml").write_text(
        (folder / "ru.toml").read_text(encoding="utf-8").replace('["и"]', '["ja"]'),
        encoding="utf-8",
    )
    after = [["Anna Roth"], [], ["Kari Nordmann", "Ola Hansen"]]
    assert author_rules_reading(folder, raw_names) == after
