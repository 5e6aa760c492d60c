"""Ablation of the extraction rules: each rule of the cleanup, title and author code switched
off in turn, and what that does to the scores on the dev corpora, per publisher and half.

    make bench-extract                          # the extraction tables, then this table
    python -m bench.ablation --limit 20         # a quick look
    python -m bench.ablation --rule credit-line --rule furniture:photo-credit

The issue it answers: a rule that does not pay on at least two publishers goes; fewer, broader
rules. Every rule is in `RULES`, with the field it serves, where it lives and how it is
switched off (`Switch`). Pages are run once with every rule instrumented, which records the
rules that "fired" on the page (a predicate said yes, a transform changed its input, a pattern
matched); a rule that did not fire cannot change the page, so each rule is then run again,
switched off, only on the pages it fired on. Rule on minus rule off, in title exact, authors
exact, body F1 and "clean" (all required snippets, none forbidden), is summed per half of the
corpora (tune / held-out, see bench/extract.py), with the publishers the rule helped (some
page of theirs scores better with it on) and hurt. Verdicts: "keep" helps 2+ publishers in the
tune half and more publishers than it hurts; "remove?" helps fewer than 2 publishers in all;
"harmful" hurts more publishers than it helps; "unproven" is the rest (its help is in the
held-out half, or as large as its harm). Only the extract stage runs: no rule here decides a
date. Writes every re-run page's scores, rule on and off, to bench/results/ablation.jsonl.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import hashlib
import importlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from lxml import etree

import extraction.run  # noqa: F401  (every extraction module loaded: their imports are the slots)
from bench.extract import (
    CORPORA,
    DEFAULT_CORPORA,
    HALVES,
    TUNE,
    Page,
    Prediction,
    load_pages,
    score_page,
)
from bench.metrics import page_precision, page_recall
from crawler.items import Article
from extraction.body.furniture import FURNITURE_LINE_RULES
from extraction.body.prune import FURNITURE_WORDS
from pipelines.extract import ArticleRejected, ExtractStage

RESULTS = Path(__file__).resolve().parent / "results" / "ablation.jsonl"
FIELDS = ("title", "authors", "body")
PACKAGE = "extraction"
# A change in a page's score smaller than this is rounding, not a change.
SCORE_EPSILON = 1e-9

# ------------------------------------------------------------------ where a rule applies


@dataclass(frozen=True)
class Within:
    """Where a switch applies: the code of one module, or of one function in it (with the
    comprehensions and closures nested in it). A predicate that a module calls in several
    places is switched off in the one that makes the rule."""

    module: str
    function: str | None = None

    @classmethod
    def parse(cls, spec: str | None) -> Within | None:
        if spec is None:
            return None
        module, _, function = spec.partition(":")
        return cls(module, function or None)

    def holds(self, frame: FrameType) -> bool:
        if frame.f_globals.get("__name__") != self.module:
            return False
        if self.function is None:
            return True
        name = frame.f_code.co_qualname
        return name == self.function or name.startswith(f"{self.function}.<locals>.")


def calling_frame() -> FrameType:
    """The frame of the extraction code that called a switch or probe of this module (the
    wrappers of several rules on one function call each other)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back
    return frame


def applies(within: Within | None) -> bool:
    return within is None or within.holds(calling_frame())


# ------------------------------------------------------------------ switches

Record = Callable[[], None]


class Switch:
    """How a rule is switched off (`off`), and how its firing is observed (`observe`). Both
    take the value in the slot now (the original, or another rule's wrapper of it) and return
    the value to put there instead."""

    observable = True  # False: its firing cannot be seen, so it is run on every page
    scans_modules = True  # the slots are every module that holds the object

    def off(self, current: Any, within: Within | None) -> Any:
        raise NotImplementedError

    def observe(self, current: Any, within: Within | None, record: Record) -> Any:
        raise NotImplementedError

    def check(self, original: Any, entry: str | None) -> str | None:
        """Why this switch cannot take `original`, or None when it can."""
        if entry is not None:
            return f"takes no entry, got [{entry}]"
        return None if callable(original) else f"needs a function, found {type(original).__name__}"


@dataclass(frozen=True)
class Returns(Switch):
    """A predicate answers no, a transform gives back its input, a search finds nothing:
    the function is not called and `value_of(args)` is returned. The rule fired wherever the
    function returned anything else."""

    value_of: Callable[[tuple[Any, ...]], Any]

    def off(self, current: Any, within: Within | None) -> Any:
        @wraps(current)
        def switched_off(*args: Any, **kwargs: Any) -> Any:
            if applies(within):
                return self.value_of(args)
            return current(*args, **kwargs)

        return switched_off

    def observe(self, current: Any, within: Within | None, record: Record) -> Any:
        @wraps(current)
        def probe(*args: Any, **kwargs: Any) -> Any:
            result = current(*args, **kwargs)
            if applies(within) and result != self.value_of(args):
                record()
            return result

        return probe


def always_false(args: tuple[Any, ...]) -> bool:
    return False


def nothing(args: tuple[Any, ...]) -> None:
    return None


def no_items(args: tuple[Any, ...]) -> list[Any]:
    return []


def no_set(args: tuple[Any, ...]) -> set[Any]:
    return set()


def first_argument(args: tuple[Any, ...]) -> Any:
    return args[0]


def empty_text(args: tuple[Any, ...]) -> str:
    return ""


def no_byline(args: tuple[Any, ...]) -> tuple[list[str], None]:
    return [], None


PREDICATE = Returns(always_false)
IDENTITY = Returns(first_argument)
OPTIONAL = Returns(nothing)
EMPTY_LIST = Returns(no_items)
EMPTY_SET = Returns(no_set)


@dataclass(frozen=True)
class TreeUnchanged(Switch):
    """A step that changes the page's tree in place is skipped; it fired where the tree it
    gave back differs from the tree it was given."""

    def off(self, current: Any, within: Within | None) -> Any:
        @wraps(current)
        def switched_off(tree: Any, *args: Any, **kwargs: Any) -> Any:
            return tree if applies(within) else current(tree, *args, **kwargs)

        return switched_off

    def observe(self, current: Any, within: Within | None, record: Record) -> Any:
        @wraps(current)
        def probe(tree: Any, *args: Any, **kwargs: Any) -> Any:
            before = etree.tostring(tree)
            result = current(tree, *args, **kwargs)
            if applies(within) and (result is not tree or etree.tostring(tree) != before):
                record()
            return result

        return probe


@dataclass(frozen=True)
class ResultDropped(Switch):
    """One answer of a function that has several ("kicker" of `relation`) becomes None."""

    value: Any

    def off(self, current: Any, within: Within | None) -> Any:
        @wraps(current)
        def switched_off(*args: Any, **kwargs: Any) -> Any:
            result = current(*args, **kwargs)
            return None if result == self.value and applies(within) else result

        return switched_off

    def observe(self, current: Any, within: Within | None, record: Record) -> Any:
        @wraps(current)
        def probe(*args: Any, **kwargs: Any) -> Any:
            result = current(*args, **kwargs)
            if result == self.value and applies(within):
                record()
            return result

        return probe


class PatternStandIn:
    """A compiled pattern's stand-in: each method asks `choose` which pattern answers the call
    (the switch's, or the one it wraps), and `seen` is told of every call and its result."""

    def __init__(
        self,
        wrapped: Any,
        choose: Callable[[], Any],
        seen: Callable[[str, tuple[Any, ...], Any], None] | None = None,
    ) -> None:
        self.wrapped = wrapped
        self.choose = choose
        self.seen = seen

    def __getattr__(self, name: str) -> Any:  # .pattern, .flags, .groups ...
        return getattr(self.wrapped, name)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.choose(), method)(*args, **kwargs)
        if method == "finditer":
            result = list(result)
        if self.seen is not None:
            self.seen(method, args, result)
        return iter(result) if method == "finditer" else result

    def search(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("search", *args, **kwargs)

    def match(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("match", *args, **kwargs)

    def fullmatch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("fullmatch", *args, **kwargs)

    def findall(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("findall", *args, **kwargs)

    def finditer(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("finditer", *args, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("split", *args, **kwargs)

    def sub(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("sub", *args, **kwargs)

    def subn(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("subn", *args, **kwargs)


def pattern_found(method: str, args: tuple[Any, ...], result: Any) -> bool:
    """Whether a pattern's call found something: a match, a substitution, a split."""
    if method == "sub":
        return bool(result != args[1])
    if method == "subn":
        return bool(result[1])
    if method == "split":
        return len(result) > 1
    return bool(result)


def never_matching(pattern: Any) -> re.Pattern[str]:
    """A pattern that matches nothing, with the groups of `pattern` (a sub() template may
    name them)."""
    return re.compile(f"(?!)(?:{pattern.pattern})", pattern.flags)


@dataclass(frozen=True)
class PatternNeverMatches(Switch):
    """A regular expression that makes a rule matches nothing (its sub() changes nothing, its
    split() does not split)."""

    def off(self, current: Any, within: Within | None) -> Any:
        never = never_matching(current)
        return PatternStandIn(current, lambda: never if applies(within) else current)

    def observe(self, current: Any, within: Within | None, record: Record) -> Any:
        def seen(method: str, args: tuple[Any, ...], result: Any) -> None:
            if pattern_found(method, args, result) and applies(within):
                record()

        return PatternStandIn(current, lambda: current, seen)

    def check(self, original: Any, entry: str | None) -> str | None:
        if entry is not None:
            return f"takes no entry, got [{entry}]"
        return None if isinstance(original, re.Pattern) else "needs a compiled pattern"


@dataclass(frozen=True)
class GroupNeverMatches(Switch):
    """One group of words of a pattern built from a dict of groups (prune.py's
    FURNITURE_WORDS -> FURNITURE) matches nothing. It fired where the pattern matched a text
    only through that group."""

    words_attribute: str
    module: str

    def words(self, entry: str) -> str:
        groups: dict[str, str] = getattr(importlib.import_module(self.module), self.words_attribute)
        return groups[entry]

    def without(self, current: Any, entry: str) -> re.Pattern[str]:
        pattern = current.pattern.replace(f"(?:{self.words(entry)})", "(?:(?!))", 1)
        return re.compile(pattern, current.flags)

    def off_entry(self, current: Any, entry: str) -> Any:
        return self.without(current, entry)

    def observe_entry(self, current: Any, entry: str, record: Record) -> Any:
        without = self.without(current, entry)

        def seen(method: str, args: tuple[Any, ...], result: Any) -> None:
            if method == "search" and result and without.search(*args) is None:
                record()

        return PatternStandIn(current, lambda: current, seen)

    def check(self, original: Any, entry: str | None) -> str | None:
        if entry is None:
            return "needs the group's name: PATTERN[group]"
        try:
            words = self.words(entry)
        except (AttributeError, KeyError):
            return f"{self.module}.{self.words_attribute} has no group {entry!r}"
        if not isinstance(original, re.Pattern) or f"(?:{words})" not in original.pattern:
            return f"the pattern is not built from the group {entry!r}"
        return None


@dataclass(frozen=True)
class EntryLeftOut(Switch):
    """An entry of a tuple of (name, predicate) rules, by its rule name (and its function's
    name, where two entries share one rule name), is left out of the tuple."""

    function: str | None = None

    def matches(self, item: tuple[str, Callable[..., Any]], entry: str) -> bool:
        name, predicate = item
        return name == entry and self.function in (None, predicate.__name__)

    def off_entry(self, current: Any, entry: str) -> Any:
        return tuple(item for item in current if not self.matches(item, entry))

    def observe_entry(self, current: Any, entry: str, record: Record) -> Any:
        return tuple(
            (item[0], observed_predicate(item[1], record)) if self.matches(item, entry) else item
            for item in current
        )

    def check(self, original: Any, entry: str | None) -> str | None:
        if entry is None or not isinstance(original, tuple):
            return "needs a tuple of (name, predicate) and an entry: RULES[name]"
        if not any(self.matches(item, entry) for item in original):
            return f"has no entry {entry!r}" + (f" of {self.function}" if self.function else "")
        return None


def observed_predicate(predicate: Callable[..., Any], record: Record) -> Callable[..., Any]:
    @wraps(predicate)
    def probe(*args: Any, **kwargs: Any) -> Any:
        result = predicate(*args, **kwargs)
        if result:
            record()
        return result

    return probe


@dataclass(frozen=True)
class ConstantSet(Switch):
    """A module's setting (a flag) set to `value`. Its firing is not observed: it is run
    again on every page."""

    value: Any
    observable = False
    scans_modules = False

    def off(self, current: Any, within: Within | None) -> Any:
        return self.value

    def observe(self, current: Any, within: Within | None, record: Record) -> Any:
        return current

    def check(self, original: Any, entry: str | None) -> str | None:
        return None if isinstance(original, bool | int | float | str) else "needs a constant"


@dataclass(frozen=True)
class FirstGuessWithheld(Switch):
    """`choose_authors` with trafilatura's guess withheld from the first question, where the
    page declares authors: the branch that prefers the person trafilatura finds to the
    publisher the page declares is skipped, and the guess is still the last resort after it.
    It fired where that branch asked."""

    argument: str = "trafilatura_author"

    def off(self, current: Any, within: Within | None) -> Any:
        @wraps(current)
        def switched_off(page: Any, *args: Any, **kwargs: Any) -> Any:
            if page.authors:
                kwargs[self.argument] = answers_after_first(kwargs[self.argument])
            return current(page, *args, **kwargs)

        return switched_off

    def observe(self, current: Any, within: Within | None, record: Record) -> Any:
        @wraps(current)
        def probe(page: Any, *args: Any, **kwargs: Any) -> Any:
            if page.authors:
                guess = kwargs[self.argument]

                def asked() -> Any:
                    record()
                    return guess()

                kwargs[self.argument] = asked
            return current(page, *args, **kwargs)

        return probe


def answers_after_first(guess: Callable[[], Any]) -> Callable[[], Any]:
    calls = 0

    def withheld() -> Any:
        nonlocal calls
        calls += 1
        return None if calls == 1 else guess()

    return withheld


# ------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class Rule:
    """One rule: a short name, the field it serves, where it lives ("module:attribute",
    "module:Class.attribute", or "module:TUPLE[entry]"), how it is switched off, where the
    switch applies (`within`, "module" or "module:function"; None: wherever it is used) and
    the caches to empty when it is switched (functions cached with lru_cache that call it)."""

    name: str
    field: str
    target: str
    switch: Switch
    within: str | None = None
    clears: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    @property
    def path(self) -> list[str]:
        attribute = self.target.partition(":")[2].partition("[")[0]
        return attribute.split(".")

    @property
    def entry(self) -> str | None:
        inside = self.target.partition("[")[2]
        return inside.removesuffix("]") if inside else None


CLEANUP = "extraction.body.cleanup"
FURNITURE = "extraction.body.furniture"
PRUNE = "extraction.body.prune"
TITLES = "extraction.titles"
AUTHORS = "extraction.authors"
SITE_NAMES = "extraction.site_names"
NEVER_MATCHES = PatternNeverMatches()

CLEANUP_RULES = (
    Rule("headline-line", "body", "extraction.text:same_text", PREDICATE, f"{CLEANUP}:line_rule"),
    Rule("label-line", "body", f"{CLEANUP}:is_label_line", PREDICATE),
    Rule(
        "tail-heading-line", "body", f"{CLEANUP}:is_tail_heading", PREDICATE, f"{CLEANUP}:line_rule"
    ),
    Rule(
        "date-line",
        "body",
        "extraction.printed_dates:is_date_line",
        PREDICATE,
        f"{CLEANUP}:line_rule",
    ),
    Rule("credit-line", "body", f"{CLEANUP}:is_credit_line", PREDICATE),
    Rule("prompt-line", "body", f"{CLEANUP}:is_prompt_line", PREDICATE),
    Rule("contact-line", "body", f"{CLEANUP}:is_contact_line", PREDICATE),
    Rule("byline-line", "body", f"{CLEANUP}:is_byline", PREDICATE),
    Rule(
        "post-fields-line",
        "body",
        f"{CLEANUP}:is_post_fields_line",
        PREDICATE,
        f"{CLEANUP}:line_rule",
    ),
    Rule("teasers-after-label", "body", f"{CLEANUP}:TEASER_BLOCK_LABELS", NEVER_MATCHES, CLEANUP),
    Rule("teasers-after-tags", "body", f"{CLEANUP}:TRAILING_TAGS", NEVER_MATCHES),
    Rule("tail-heading-cut", "body", f"{CLEANUP}:ends_the_article", PREDICATE),
    Rule("author-box-cut", "body", f"{CLEANUP}:is_author_box_start", PREDICATE),
    Rule("publisher-profile-cut", "body", f"{CLEANUP}:is_company_profile_start", PREDICATE),
    Rule("repeated-lines", "body", f"{CLEANUP}:repeats_to_drop", EMPTY_SET),
    Rule("menu-runs", "body", f"{CLEANUP}:drop_menu_runs", IDENTITY),
    Rule("menu-runs-numbered-list-kept", "body", f"{CLEANUP}:continues_numbering", PREDICATE),
    Rule("page-headline-dropped", "body", f"{CLEANUP}:drop_page_headline", IDENTITY),
    Rule("tag-debris-whole-tags", "body", f"{CLEANUP}:WHOLE_TAG", NEVER_MATCHES),
    Rule("tag-debris-fragments", "body", f"{CLEANUP}:TAG_DEBRIS", NEVER_MATCHES),
)


def furniture_rules() -> tuple[Rule, ...]:
    """One rule per entry of FURNITURE_LINE_RULES, as the vocabulary has it now; an entry
    whose rule name another entry shares is named by its function too."""
    names = [name for name, _ in FURNITURE_LINE_RULES]
    rules = []
    for name, predicate in FURNITURE_LINE_RULES:
        shared = names.count(name) > 1
        short = "furniture:" + name.replace(" ", "-").replace("/", "-")
        rules.append(
            Rule(
                f"{short}/{predicate.__name__}" if shared else short,
                "body",
                f"{FURNITURE}:FURNITURE_LINE_RULES[{name}]",
                EntryLeftOut(predicate.__name__ if shared else None),
            )
        )
    return tuple(rules)


FURNITURE_GROUP = GroupNeverMatches("FURNITURE_WORDS", PRUNE)
NAMES_CACHE = (f"{PRUNE}:_names_furniture",)
PRUNE_RULES = (
    Rule("layout-tables-unwrapped", "body", f"{PRUNE}:unwrap_layout_tables", TreeUnchanged()),
    Rule("line-break-paragraphs", "body", f"{PRUNE}:paragraphs_from_line_breaks", TreeUnchanged()),
    Rule("split-body-merged", "body", f"{PRUNE}:merge_split_body", TreeUnchanged()),
    Rule("furniture-pruned", "body", f"{PRUNE}:prune_furniture", TreeUnchanged()),
    Rule("furniture-named-elements", "body", f"{PRUNE}:_named_as_furniture", PREDICATE),
    Rule("linked-blocks", "body", f"{PRUNE}:linked_blocks", EMPTY_LIST),
    Rule("link-lists", "body", f"{PRUNE}:_is_link_list", PREDICATE),
    *(
        Rule(
            f"prune-words:{group}",
            "body",
            f"{PRUNE}:FURNITURE[{group}]",
            FURNITURE_GROUP,
            clears=NAMES_CACHE,
        )
        for group in FURNITURE_WORDS
    ),
    Rule("standfirst", "body", "extraction.body.standfirst:Standfirst.comes_before", PREDICATE),
)

TITLE_RULES = (
    Rule("segments-stripped", "title", f"{TITLES}:strip_furniture", IDENTITY),
    Rule(
        "site-name-segment",
        "title",
        f"{SITE_NAMES}:is_site",
        PREDICATE,
        f"{TITLES}:strip_furniture",
    ),
    Rule(
        "section-segment",
        "title",
        f"{SITE_NAMES}:is_section",
        PREDICATE,
        f"{TITLES}:strip_furniture",
    ),
    Rule("byline-segment", "title", f"{TITLES}:BYLINE_SEGMENT", NEVER_MATCHES),
    Rule("host-names-as-site-names", "title", f"{SITE_NAMES}:host_names", EMPTY_LIST),
    Rule("logo-h1", "title", f"{TITLES}:is_logo_h1", PREDICATE),
    Rule("logo-h1-logo-markup", "title", f"{TITLES}:LOGO_MARK", NEVER_MATCHES),
    Rule(
        "hidden-labels-in-h1",
        "title",
        "extraction.page:is_hidden_label",
        PREDICATE,
        f"{TITLES}:h1_candidates",
    ),
    Rule("kicker-relation", "title", f"{TITLES}:relation", ResultDropped("kicker")),
    Rule("suffix-relation", "title", f"{TITLES}:relation", ResultDropped("suffix")),
    Rule("mended-quotes", "title", f"{TITLES}:mended_at_quotes", IDENTITY),
    Rule("closing-segment", "title", f"{TITLES}:without_closing_segment", IDENTITY),
    Rule("behind-a-pipe", "title", f"{TITLES}:behind_a_pipe", PREDICATE),
    Rule("spelled-of-record", "title", f"{TITLES}:spelled_of_record", IDENTITY),
    Rule(
        "social-headline-preferred", "title", f"{TITLES}:PREFER_SOCIAL_HEADLINE", ConstantSet(False)
    ),
)

AUTHOR_RULES = (
    Rule("full-name", "authors", f"{AUTHORS}:full_name", IDENTITY),
    Rule("without-staff-label", "authors", f"{AUTHORS}:without_staff_label", IDENTITY),
    Rule("name-ending-capitalised", "authors", f"{AUTHORS}:name_ending_capitalised", IDENTITY),
    Rule("names-run", "authors", f"{AUTHORS}:names_run", IDENTITY),
    Rule(
        "analytics-signed",
        "authors",
        "extraction.metadata:analytics_authors",
        EMPTY_LIST,
        f"{AUTHORS}:choose_authors",
    ),
    Rule("trafilatura-signers", "authors", f"{AUTHORS}:choose_authors", FirstGuessWithheld()),
    Rule("looks-declared", "authors", f"{AUTHORS}:looks_declared", PREDICATE),
    Rule("person-name-prose-words", "authors", f"{AUTHORS}:_is_prose_word", PREDICATE),
    Rule(
        "roles-after-comma",
        "authors",
        f"{AUTHORS}:ROLE_WORDS",
        NEVER_MATCHES,
        f"{AUTHORS}:_split_roles",
    ),
    Rule("placeholder-names", "authors", f"{AUTHORS}:PLACEHOLDER_NAME", NEVER_MATCHES),
    Rule("byline-labels", "authors", f"{AUTHORS}:BYLINE_LABEL", NEVER_MATCHES),
    Rule("trailing-labels", "authors", f"{AUTHORS}:TRAILING_LABEL", NEVER_MATCHES),
    Rule("credit-before-by", "authors", f"{AUTHORS}:CREDIT_BEFORE_BY", NEVER_MATCHES),
    Rule("next-field", "authors", f"{AUTHORS}:NEXT_FIELD", NEVER_MATCHES),
    Rule("email-with-name", "authors", f"{AUTHORS}:EMAIL_WITH_NAME", NEVER_MATCHES),
    Rule(
        "email-removed",
        "authors",
        f"{AUTHORS}:EMAIL",
        NEVER_MATCHES,
        f"{AUTHORS}:clean_author_names",
    ),
    Rule("brackets-removed", "authors", f"{AUTHORS}:PARENTHESES", NEVER_MATCHES),
    Rule("handles-removed", "authors", f"{AUTHORS}:HANDLE", NEVER_MATCHES),
    Rule("names-split", "authors", f"{AUTHORS}:NAME_SPLIT", NEVER_MATCHES),
    Rule("names-split-lower-and", "authors", f"{AUTHORS}:LOWER_AND", NEVER_MATCHES),
    Rule("abbreviated-end-kept", "authors", f"{AUTHORS}:ABBREVIATED_END", NEVER_MATCHES),
    Rule("name-particles", "authors", f"{AUTHORS}:NAME_PARTICLE", NEVER_MATCHES),
    Rule(
        "byline-zone",
        "authors",
        f"{AUTHORS}:parse_byline",
        Returns(no_byline),
        f"{AUTHORS}:choose_authors",
    ),
    Rule("byline-in-text", "authors", f"{AUTHORS}:byline_from_text_lines", Returns(no_byline)),
    Rule("site-name-not-author", "authors", f"{SITE_NAMES}:is_site_name", PREDICATE),
    Rule("domain-ending-ignored", "authors", f"{SITE_NAMES}:without_domain", IDENTITY),
    Rule(
        "host-label-as-publisher", "authors", f"{SITE_NAMES}:registered_name", Returns(empty_text)
    ),
)

RULES: tuple[Rule, ...] = (
    *CLEANUP_RULES,
    *furniture_rules(),
    *PRUNE_RULES,
    *TITLE_RULES,
    *AUTHOR_RULES,
)
BY_NAME = {rule.name: rule for rule in RULES}


# ------------------------------------------------------------------ patching


@dataclass(frozen=True)
class Slot:
    """A place a function or value is looked up at call time: an attribute of a module (or a
    class)."""

    owner: Any
    attribute: str


class Unresolved(LookupError):
    """A registry entry that names nothing patchable; the message says what to update."""


def original_of(rule: Rule) -> tuple[Any, Any]:
    """The rule's owner (module or class) and the object at its target."""
    try:
        owner: Any = importlib.import_module(rule.module)
        for name in rule.path[:-1]:
            owner = getattr(owner, name)
        return owner, getattr(owner, rule.path[-1])
    except (ImportError, AttributeError) as error:
        raise Unresolved(
            f"rule {rule.name!r}: {rule.target} is gone ({error}); update its entry in "
            "bench/ablation.py's RULES (the new name, or remove the entry with the rule)"
        ) from None


def slots_of(rule: Rule) -> list[Slot]:
    """Every slot to patch for the rule: the modules under extraction/ that hold the object
    (a name imported with `from x import f` is looked up in the importing module), only
    `within`'s module where it is given; the class for a method, the module for a setting."""
    owner, original = original_of(rule)
    problem = rule.switch.check(original, rule.entry)
    if problem:
        raise Unresolved(f"rule {rule.name!r}: {rule.target} {problem}; update bench/ablation.py")
    within = Within.parse(rule.within)
    if within is not None and within.function is not None:
        module = importlib.import_module(within.module)
        if not callable(getattr(module, within.function.split(".")[0], None)):
            raise Unresolved(
                f"rule {rule.name!r}: {within.module} has no function {within.function}; "
                "update its `within` in bench/ablation.py"
            )
    if len(rule.path) > 1 or not rule.switch.scans_modules:
        return [Slot(owner, rule.path[-1])]
    modules = [importlib.import_module(within.module)] if within else extraction_modules()
    slots = [
        Slot(module, name)
        for module in modules
        for name, value in vars(module).items()
        if value is original
    ]
    if not slots:
        raise Unresolved(
            f"rule {rule.name!r}: {within.module if within else PACKAGE} does not use "
            f"{rule.target}; update its `within` in bench/ablation.py"
        )
    return slots


def extraction_modules() -> list[ModuleType]:
    return [
        module
        for name, module in sorted(sys.modules.items())
        if module is not None and (name == PACKAGE or name.startswith(f"{PACKAGE}."))
    ]


def clear_caches(rules: Iterable[Rule]) -> None:
    for spec in {spec for rule in rules for spec in rule.clears}:
        module, _, function = spec.partition(":")
        getattr(importlib.import_module(module), function).cache_clear()


Replace = Callable[[Rule, Any], Any]


@contextlib.contextmanager
def patched(rules: Sequence[Rule], replace: Replace) -> Iterator[None]:
    """Every slot of every rule set to `replace(rule, value there now)`, restored on exit.
    The slots are all found before any is patched."""
    plan = [(rule, slots_of(rule)) for rule in rules]
    saved: list[tuple[Slot, Any]] = []
    try:
        for rule, slots in plan:
            for slot in slots:
                current = getattr(slot.owner, slot.attribute)
                saved.append((slot, current))
                setattr(slot.owner, slot.attribute, replace(rule, current))
        clear_caches(rules)
        yield
    finally:
        for slot, value in reversed(saved):
            setattr(slot.owner, slot.attribute, value)
        clear_caches(rules)


def switched_off_value(rule: Rule, current: Any) -> Any:
    switch = rule.switch
    if isinstance(switch, GroupNeverMatches | EntryLeftOut):
        return switch.off_entry(current, rule.entry or "")
    return switch.off(current, Within.parse(rule.within))


@contextlib.contextmanager
def switched_off(rules: Iterable[Rule]) -> Iterator[None]:
    """The rules switched off (see each Switch) until the block ends."""
    with patched(list(rules), switched_off_value):
        yield


@contextlib.contextmanager
def instrumented(rules: Iterable[Rule]) -> Iterator[set[str]]:
    """The rules observed until the block ends: yields the set of the names of those that
    fired (and of those whose firing cannot be observed)."""
    chosen = list(rules)
    fired = {rule.name for rule in chosen if not rule.switch.observable}

    def observed(rule: Rule, current: Any) -> Any:
        def record() -> None:
            fired.add(rule.name)

        switch = rule.switch
        if isinstance(switch, GroupNeverMatches | EntryLeftOut):
            return switch.observe_entry(current, rule.entry or "", record)
        return switch.observe(current, Within.parse(rule.within), record)

    with patched([rule for rule in chosen if rule.switch.observable], observed):
        yield fired


# ------------------------------------------------------------------ running pages

Scores = dict[str, float]
METRICS = ("title", "authors", "f1", "clean")


@dataclass
class Outcome:
    """One page's run: its scores, a fingerprint of what was extracted, and the error a rule
    switched off caused, if any."""

    scores: Scores
    fingerprint: str
    error: str | None = None


def run_extract_stage(page: Page, stage: ExtractStage) -> Prediction:
    """Morgue's extract stage on one page, as bench/extract.py's run_morgue runs it, without
    the dates stage: no rule ablated here decides a date. Each page is a site of its own: what
    a stage learns from a site's other pages (its repeated title segments) would make a page's
    result depend on which pages its worker process happened to run before."""
    site = f"{page.corpus}/{page.truth['id']}"
    item = Article(url=page.url, site=site, html=page.html, fetched_at=page.fetched_at)
    started = time.perf_counter()
    try:
        item = asyncio.run(stage.process_item(item))
    except ArticleRejected:
        return Prediction(seconds=time.perf_counter() - started)
    return Prediction(item.text, item.title, item.authors, seconds=time.perf_counter() - started)


def measured(scores: dict[str, Any]) -> Scores:
    """The scores an ablation compares, from bench/extract.py's score_page: title and
    authors exact, the page's body F1, clean (all required snippets, none forbidden)."""
    found: Scores = {}
    for key in ("title", "authors"):
        if key in scores:
            found[key] = float(scores[key])
    if "counts" in scores:
        precision, recall = page_precision(scores["counts"]), page_recall(scores["counts"])
        found["f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    if "all_required" in scores:
        found["clean"] = float(scores["all_required"] and not scores["leaked"])
    return found


def fingerprint(prediction: Prediction) -> str:
    fields = [prediction.title or "", "\x1f".join(prediction.authors), prediction.text]
    return hashlib.sha256("\x00".join(fields).encode("utf-8")).hexdigest()[:16]


def run_page(page: Page, stage: ExtractStage) -> Outcome:
    prediction = run_extract_stage(page, stage)
    return Outcome(measured(score_page(page, prediction)), fingerprint(prediction))


# What the worker processes share: the pages (inherited, or sent once per process) and the
# names of the rules measured.
WORKER_PAGES: list[Page] = []
WORKER_RULES: list[Rule] = []
WORKER_STAGE = ExtractStage(min_words=ExtractStage.DEFAULT_MIN_WORDS)


def start_worker(pages: list[Page], rule_names: list[str]) -> None:
    WORKER_PAGES[:] = pages
    WORKER_RULES[:] = [BY_NAME[name] for name in rule_names]


def baseline_task(index: int) -> tuple[int, Outcome, list[str]]:
    """One page with every measured rule on and observed: its outcome and the rules fired."""
    with instrumented(WORKER_RULES) as fired:
        outcome = run_page(WORKER_PAGES[index], WORKER_STAGE)
    return index, outcome, sorted(fired)


def ablation_task(task: tuple[str, int]) -> tuple[str, int, Outcome]:
    """One page with one rule switched off."""
    name, index = task
    try:
        with switched_off([BY_NAME[name]]):
            outcome = run_page(WORKER_PAGES[index], WORKER_STAGE)
    # A rule switched off can break what later code assumes of its result: that is reported
    # beside the rule (and the page counted as extracting nothing), not fatal to the run.
    except Exception as error:
        outcome = Outcome({}, "", f"{type(error).__name__}: {error}")
    return name, index, outcome


def run_tasks(
    task: Callable[[Any], Any], items: Sequence[Any], workers: int, shared: tuple[Any, ...]
) -> Iterator[Any]:
    """`task` over `items`, in a pool of `workers` processes (in this one for 1)."""
    if workers <= 1:
        start_worker(*shared)
        yield from map(task, items)
        return
    chunk = max(1, min(16, len(items) // (workers * 8)))
    with ProcessPoolExecutor(workers, initializer=start_worker, initargs=shared) as pool:
        yield from pool.map(task, items, chunksize=chunk)


# ------------------------------------------------------------------ a rule's scores


@dataclass
class RuleScores:
    """What switching one rule off did, per half: pages fired and changed, publishers helped
    and hurt, and the sum over its pages of each score with the rule on minus off."""

    rule: Rule
    fired: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HALVES, 0))
    changed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HALVES, 0))
    helped: dict[str, set[str]] = field(default_factory=lambda: {half: set() for half in HALVES})
    hurt: dict[str, set[str]] = field(default_factory=lambda: {half: set() for half in HALVES})
    deltas: dict[str, Scores] = field(
        default_factory=lambda: {half: dict.fromkeys(METRICS, 0.0) for half in HALVES}
    )
    errors: int = 0

    def add(self, page: Page, on: Outcome, off: Outcome) -> None:
        half = page.half
        self.fired[half] += 1
        self.changed[half] += on.fingerprint != off.fingerprint
        self.errors += off.error is not None
        for metric, value in on.scores.items():
            delta = value - off.scores.get(metric, 0.0)
            self.deltas[half][metric] += delta
            if delta > SCORE_EPSILON:
                self.helped[half].add(page.publisher)
            elif delta < -SCORE_EPSILON:
                self.hurt[half].add(page.publisher)

    @property
    def helped_count(self) -> int:
        return sum(len(names) for names in self.helped.values())

    @property
    def hurt_count(self) -> int:
        return sum(len(names) for names in self.hurt.values())

    @property
    def verdict(self) -> str:
        if self.hurt_count > self.helped_count:
            return "harmful"
        if self.helped_count < 2:
            return "remove?"
        if len(self.helped[TUNE]) >= 2 and self.helped_count > self.hurt_count:
            return "keep"
        return "unproven"


VERDICT_ORDER = ("harmful", "remove?", "unproven", "keep")


def sorted_scores(scores: Iterable[RuleScores]) -> list[RuleScores]:
    return sorted(
        scores,
        key=lambda s: (FIELDS.index(s.rule.field), VERDICT_ORDER.index(s.verdict), s.rule.name),
    )


def pair(values: dict[str, Any], form: Callable[[Any], str]) -> str:
    return "|".join(form(values[half]) for half in HALVES)


def signed(value: float) -> str:
    if abs(value) < 0.005:
        return "0"
    return f"{value:+.0f}" if float(value).is_integer() else f"{value:+.2f}"


def format_table(scores: Sequence[RuleScores]) -> list[str]:
    """The printed table, one row per rule."""
    width = max([len("rule"), *(len(s.rule.name) for s in scores)])
    header = (
        f"  {'rule':<{width}}  {'field':<7}  {'fired':>5}  {'changed':>7}  {'helped t|h':>10}  "
        f"{'hurt t|h':>9}  {'Δtitle t|h':>11}  {'Δauthors t|h':>12}  {'ΔF1 t|h':>13}  "
        f"{'Δclean t|h':>11}  verdict"
    )
    lines = [header]
    for s in scores:
        row = (
            f"  {s.rule.name:<{width}}  {s.rule.field:<7}  {sum(s.fired.values()):>5}  "
            f"{sum(s.changed.values()):>7}  {pair(s.helped, lambda v: str(len(v))):>10}  "
            f"{pair(s.hurt, lambda v: str(len(v))):>9}  "
            f"{pair({h: s.deltas[h]['title'] for h in HALVES}, signed):>11}  "
            f"{pair({h: s.deltas[h]['authors'] for h in HALVES}, signed):>12}  "
            f"{pair({h: s.deltas[h]['f1'] for h in HALVES}, signed):>13}  "
            f"{pair({h: s.deltas[h]['clean'] for h in HALVES}, signed):>11}  {s.verdict}"
        )
        lines.append(row + (f"  ({s.errors} pages failed with it off)" if s.errors else ""))
    return lines


LEGEND = (
    "  t|h: tune|held-out half. fired: pages run again with the rule off; changed: pages whose "
    "title, authors or text differ. helped/hurt: publishers with a page scoring better/worse "
    "with the rule on. Δ: score with the rule on − off, summed over its pages (title, authors, "
    "clean in pages; F1 in page F1)."
)


# ------------------------------------------------------------------ the run


def chosen_rules(names: Sequence[str] | None) -> list[Rule]:
    """The rules named (all without names); an unknown name is an error that says the
    nearest ones."""
    if not names:
        return list(RULES)
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        hints = "; ".join(
            f"{name!r}: did you mean {', '.join(difflib.get_close_matches(name, BY_NAME)) or '?'}"
            for name in unknown
        )
        raise SystemExit(f"Unknown rule {hints}. The rules: python -m bench.ablation --list")
    return [BY_NAME[name] for name in dict.fromkeys(names)]


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_all(corpora: Path, only: Sequence[str] | None, limit: int | None) -> list[Page]:
    pages: list[Page] = []
    for corpus in only or CORPORA:
        folder = corpora / corpus
        if folder.is_dir():
            pages.extend(load_pages(folder, limit))
        else:
            print(f"{corpus}: not found at {folder}, skipped")
    return pages


def result_line(rule: Rule, page: Page, on: Outcome, off: Outcome) -> dict[str, Any]:
    return {
        "rule": rule.name,
        "field": rule.field,
        "corpus": page.corpus,
        "id": page.truth["id"],
        "publisher": page.publisher,
        "half": page.half,
        "on": on.scores,
        "off": off.scores,
        "changed": on.fingerprint != off.fingerprint,
        **({"error": off.error} if off.error else {}),
    }


def ablate(
    pages: list[Page], rules: list[Rule], workers: int, output: Path
) -> tuple[list[RuleScores], str]:
    """Run the ablation; the rules' scores and the timing line."""
    started = time.perf_counter()
    shared = (pages, [rule.name for rule in rules])
    baseline: dict[int, Outcome] = {}
    tasks: list[tuple[str, int]] = []
    for index, outcome, fired in run_tasks(baseline_task, range(len(pages)), workers, shared):
        baseline[index] = outcome
        tasks.extend((name, index) for name in fired)
    baseline_seconds = time.perf_counter() - started
    print(
        f"baseline: {len(pages)} pages in {baseline_seconds:.0f} s; "
        f"{len(tasks)} re-runs with a rule off",
        file=sys.stderr,
    )
    order = {rule.name: position for position, rule in enumerate(rules)}
    tasks.sort(key=lambda task: order[task[0]])
    scores = {rule.name: RuleScores(rule) for rule in rules}
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as results:
        for name, index, off in run_tasks(ablation_task, tasks, workers, shared):
            page, on = pages[index], baseline[index]
            scores[name].add(page, on, off)
            results.write(json.dumps(result_line(BY_NAME[name], page, on, off)) + "\n")
    seconds = time.perf_counter() - started
    timing = (
        f"{len(pages)} pages, {len(rules)} rules, {len(tasks)} re-runs, {workers} workers: "
        f"{seconds:.0f} s (baseline {baseline_seconds:.0f} s)"
    )
    return sorted_scores(scores.values()), timing


def registry_lines() -> list[str]:
    width = max(len(rule.name) for rule in RULES)
    return [
        f"{rule.name:<{width}}  {rule.field:<7}  {rule.target}"
        + (f"  within {rule.within}" if rule.within else "")
        for rule in RULES
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--only", choices=CORPORA, action="append", help="one corpus (repeatable)")
    parser.add_argument("--limit", type=int, help="pages per corpus, for a quick look")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--workers", type=int, default=default_workers(), help="default: all cores")
    parser.add_argument("--rule", action="append", help="only this rule (repeatable)")
    parser.add_argument("--list", action="store_true", help="print the registry and stop")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(registry_lines()))
        return 0
    rules = chosen_rules(args.rule)
    for rule in rules:
        slots_of(rule)  # raises Unresolved, which says what to update
    if not args.corpora.is_dir():
        print(f"Skipping the ablation: no corpora at {args.corpora}")
        return 0
    pages = load_all(args.corpora, args.only, args.limit)
    scores, timing = ablate(pages, rules, max(1, args.workers), args.output)
    print("\nAblation: each rule switched off, on the pages it fired on\n")
    print("\n".join(format_table(scores)))
    print(LEGEND)
    print(f"\n{timing}\nPer-rule, per-page results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
