"""A language's words are data: `extraction/languages/<code>.toml`, one file per language, all
with the same keys (as dateparser keeps its languages). Adding a language is adding a file.

The cleanup rules run where a page's language is not known for sure, so a rule uses the words
of every language at once: `alternation("byline_words")` is a regular expression alternative
of all of them, the longest first where one starts another ("Autorin" before "Autor"),
compiled into the rules' patterns once, when their modules are imported. A rule made for one
language's grammar names it: the English dates ("Jul 15th, 2024") read
`alternation("months", languages=ENGLISH)`.

The words are literal phrases, matched case-insensitively (`alternation` escapes them; the
few rules that take them only in lower case, as a name's particles, say so); what surrounds
them (anchors, a number before, a few words after, a limit on a line's words) is the rule's,
in code. Words that belong to no language (the names of news and picture agencies,
social platforms, companies' legal forms, a CMS's default accounts; the particles of persons'
names, which come with the name whatever the page's language) are in `languages/_shared.toml`,
read by `shared_words`; it is no language file (the same-keys rule does not apply to it) and
its keys are its own, so `alternation` takes keys of either kind. en.toml says what each key
is for.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

LANGUAGES_FOLDER = Path(__file__).parent / "languages"
SHARED_FILE = "_shared.toml"
ENGLISH = ("en",)


class LanguageFileError(ValueError):
    """A language file that the rules cannot use; the message names the file and the fix."""


def load_words_file(path: Path) -> dict[str, list[str]]:
    """One file's lists of words by key, in lower case (re.IGNORECASE matches the rest; not
    casefold, which would turn "schließen" into a "schliessen" that no page prints)."""
    with path.open("rb") as file:
        words = tomllib.load(file)
    for key, value in words.items():
        if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            raise LanguageFileError(f"{path}: {key} must be a list of words in quotes")
        if not all(word.strip() for word in value):
            raise LanguageFileError(f"{path}: {key} lists an empty word; remove it")
    return {key: [word.lower() for word in value] for key, value in words.items()}


def load_languages(folder: Path | None = None) -> dict[str, dict[str, list[str]]]:
    """Every language file of a folder (LANGUAGES_FOLDER unless told), by language code, each
    checked to have the keys of the others and lists of words as values (the shared file,
    `_shared.toml`, is not one)."""
    folder = folder or LANGUAGES_FOLDER
    languages = {
        path.stem: load_words_file(path)
        for path in sorted(folder.glob("*.toml"))
        if not path.name.startswith("_")
    }
    keys = {frozenset(words) for words in languages.values()}
    if len(keys) > 1:
        every = set().union(*keys)
        for code, words in languages.items():
            missing = sorted(every - set(words))
            if missing:
                raise LanguageFileError(
                    f"{folder / code}.toml lacks {', '.join(missing)}: every language file has "
                    "the same keys (an empty list where the language has no such words)"
                )
    return languages


def load_shared(folder: Path | None = None) -> dict[str, list[str]]:
    """The words of no language, checked to use no key of the language files."""
    folder = folder or LANGUAGES_FOLDER
    path = folder / SHARED_FILE
    shared = load_words_file(path) if path.exists() else {}
    languages = load_languages(folder)
    both = sorted(set(shared) & {key for words in languages.values() for key in words})
    if both:
        raise LanguageFileError(
            f"{path}: {', '.join(both)} is a key of the language files as well: a word of a "
            "language goes in that language's file, a word of none in this one, under a key "
            "of its own"
        )
    return shared


@cache
def _read_folder(folder: Path) -> tuple[dict[str, dict[str, list[str]]], dict[str, list[str]]]:
    """The folder's language files and shared file, read once."""
    return load_languages(folder), load_shared(folder)


def longest_first(found: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(found), key=lambda word: (-len(word), word)))


def words(
    key: str, languages: tuple[str, ...] | None = None, folder: Path | None = None
) -> tuple[str, ...]:
    """The words of every language (or of the languages named) for a key, each once, longest
    first."""
    folder = folder or LANGUAGES_FOLDER
    by_language, _ = _read_folder(folder)
    if key not in next(iter(by_language.values()), {}):
        raise LanguageFileError(f"no language file in {folder} has the key {key!r}")
    return longest_first(
        word
        for code, language in by_language.items()
        if languages is None or code in languages
        for word in language[key]
    )


def shared_words(key: str, folder: Path | None = None) -> tuple[str, ...]:
    """The words of no language for a key of the shared file, longest first."""
    folder = folder or LANGUAGES_FOLDER
    _, shared = _read_folder(folder)
    if key not in shared:
        raise LanguageFileError(f"{folder / SHARED_FILE} has no key {key!r}")
    return longest_first(shared[key])


Trie = dict[str, "Trie"]
END = ""  # the end of a word in a trie: no character is empty


def alternation(
    *keys: str, languages: tuple[str, ...] | None = None, folder: Path | None = None
) -> str:
    """The words of the keys (of the language files or of the shared file) as one regular
    expression alternative, with no group of its own, that tries the longest word first.

    The words are factored by their common starts ("cli(?:cca qui|ck here|que aqui)"), as the
    hand-written patterns were: a flat alternative of a hundred phrases is tried phrase by
    phrase at every position of a line, and took two to three times as long. A key without words
    matches nothing."""
    _, shared = _read_folder(folder or LANGUAGES_FOLDER)
    found = {
        word
        for key in keys
        for word in (shared_words(key, folder) if key in shared else words(key, languages, folder))
    }
    if not found:
        return "(?!)"
    trie: Trie = {}
    for word in found:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[END] = {}
    return "|".join(_branches(trie))


def _branches(node: Trie) -> list[str]:
    return [re.escape(char) + _after(child) for char, child in sorted(node.items()) if char]


def _after(node: Trie) -> str:
    """What follows a word's start: the longer words, then (optional, so tried last) its end."""
    branches = _branches(node)
    if not branches:
        return ""
    if len(branches) > 1:
        return f"(?:{'|'.join(branches)})" + ("?" if END in node else "")
    return f"(?:{branches[0]})?" if END in node else branches[0]
