"""A language's words are data: `extraction/languages/<code>.toml`, one file per language, all
with the same keys (as dateparser keeps its languages). Adding a language is adding a file.

The cleanup rules run where a page's language is not known for sure, so a rule uses the words
of every language at once: `alternation("byline_words")` is a regular expression alternative
of all of them, longest first (so that "written by" is tried before "by"), compiled into the
rules' patterns once, when their modules are imported.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

LANGUAGES_FOLDER = Path(__file__).parent / "languages"


class LanguageFileError(ValueError):
    """A language file that the rules cannot use; the message names the file and the fix."""


def load_languages(folder: Path = LANGUAGES_FOLDER) -> dict[str, dict[str, list[str]]]:
    """Every language file of a folder, by language code, each checked to have the keys of
    the others and lists of words as values."""
    languages: dict[str, dict[str, list[str]]] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as file:
            words = tomllib.load(file)
        for key, value in words.items():
            if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
                raise LanguageFileError(f"{path}: {key} must be a list of words in quotes")
        languages[path.stem] = {
            key: [word.casefold() for word in value] for key, value in words.items()
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


@cache
def words(key: str) -> tuple[str, ...]:
    """The words of every language for a key, each once, longest first."""
    found = {word for language in load_languages().values() for word in language[key]}
    return tuple(sorted(found, key=lambda word: (-len(word), word)))


def alternation(*keys: str) -> str:
    """The words of the keys as one regular expression alternative (no group of its own)."""
    return "|".join(
        re.escape(word)
        for word in sorted(
            {word for key in keys for word in words(key)}, key=lambda word: (-len(word), word)
        )
    )
