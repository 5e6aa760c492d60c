"""The ablation's registry names rules that exist and can be switched; switching one off
changes what it decided and nothing once switched back; the instrumentation sees it fire."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

import extraction.titles
from bench.ablation import (
    BY_NAME,
    PREDICATE,
    RULES,
    EntryLeftOut,
    Rule,
    RuleScores,
    Unresolved,
    chosen_rules,
    instrumented,
    main,
    slots_of,
    switched_off,
)
from bench.extract import DEFAULT_CORPORA, HALVES, HELD_OUT, TUNE
from extraction.body.cleanup import line_rule
from extraction.body.furniture import FURNITURE_LINE_RULES
from extraction.run import extract_article

STORY = (
    "The council voted on Tuesday to keep the old library open for another five years, "
    "after a campaign by residents who said the building was the heart of the town."
)
CLOSING = (
    "Work on the roof will start in the spring, and the reading room will stay open while "
    "the builders are there, the council said in a statement."
)


def page_with(line: str) -> str:
    return f"""<html><head><title>Library stays open</title></head><body><article>
<h1>Library stays open</h1><p>{STORY}</p><p>{line}</p><p>{CLOSING}</p>
</article></body></html>"""


def body_of(html: str) -> str:
    return extract_article(html, "https://news.example.org/2024/library").text


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_every_rule_resolves_to_slots_that_switch_and_come_back(rule: Rule) -> None:
    slots = slots_of(rule)
    before = [getattr(slot.owner, slot.attribute) for slot in slots]
    with switched_off([rule]):
        assert [getattr(slot.owner, slot.attribute) for slot in slots] != before
    with instrumented([rule]):
        pass
    assert all(
        getattr(slot.owner, slot.attribute) is value
        for slot, value in zip(slots, before, strict=True)
    )


def test_rule_names_are_unique_and_every_field_has_rules() -> None:
    assert len(BY_NAME) == len(RULES)
    assert {rule.field for rule in RULES} == {"title", "authors", "body"}


def test_every_check_of_line_rule_is_a_rule() -> None:
    checks = set(re.findall(r"\b(is_\w+|same_text)\(", inspect.getsource(line_rule)))
    checks |= set(re.findall(r"\(\"[^\"]+\", (is_\w+)\)", inspect.getsource(line_rule)))
    registered = {
        rule.path[-1]
        for rule in RULES
        if rule.within in (None, "extraction.body.cleanup:line_rule")
    }
    assert checks - registered == set()


def test_every_furniture_entry_is_a_rule() -> None:
    switches = [
        (rule.entry, rule.switch.function)
        for rule in RULES
        if isinstance(rule.switch, EntryLeftOut) and "FURNITURE_LINE_RULES" in rule.target
    ]
    for name, predicate in FURNITURE_LINE_RULES:
        assert (name, None) in switches or (name, predicate.__name__) in switches, name


def test_a_rule_that_does_not_exist_says_what_to_update() -> None:
    gone = Rule("gone", "title", "extraction.titles:no_such_rule", PREDICATE)
    with pytest.raises(Unresolved, match=r"bench/ablation\.py"):
        slots_of(gone)


def test_an_unknown_rule_name_says_the_nearest() -> None:
    with pytest.raises(SystemExit, match="credit-line"):
        chosen_rules(["credit-lines"])


def test_switching_the_credit_rule_off_keeps_the_credit_and_back_on_drops_it() -> None:
    html = page_with("Photograph: Jane Doe")
    assert "Photograph" not in body_of(html)
    with switched_off([BY_NAME["credit-line"]]):
        assert "Photograph: Jane Doe" in body_of(html)
    assert "Photograph" not in body_of(html)


def test_a_line_two_rules_catch_stays_only_with_both_off() -> None:
    html = page_with("Photo: Jane Doe / Reuters")
    with switched_off([BY_NAME["credit-line"]]):
        assert "Reuters" not in body_of(html)  # the furniture's photo credit catches it
    with switched_off([BY_NAME["credit-line"], BY_NAME["furniture:photo-credit"]]):
        assert "Photo: Jane Doe / Reuters" in body_of(html)


def test_instrumentation_records_the_rules_that_fired_and_changes_nothing() -> None:
    html = page_with("Photograph: Jane Doe")
    plain = body_of(html)
    with instrumented(RULES) as fired:
        observed = body_of(html)
    assert observed == plain
    assert "credit-line" in fired
    assert "furniture:photo-credit" not in fired  # never asked: the credit rule came first
    assert "social-headline-preferred" in fired  # unobservable: counted as fired everywhere


def test_a_rule_switched_off_within_one_function_stays_on_elsewhere() -> None:
    with switched_off([BY_NAME["date-line"]]):
        assert line_rule("Updated 5 minutes ago", None, []) != "date"
        assert extraction.titles.is_date_line("Updated 5 minutes ago")


def test_the_verdict_counts_publishers_helped_and_hurt() -> None:
    def scores(helped: dict[str, set[str]], hurt: dict[str, set[str]]) -> RuleScores:
        result = RuleScores(BY_NAME["credit-line"])
        result.helped, result.hurt = helped, hurt
        return result

    none: set[str] = set()
    assert (
        scores({TUNE: {"a", "b"}, HELD_OUT: {"c"}}, {TUNE: {"d"}, HELD_OUT: none}).verdict == "keep"
    )
    assert scores({TUNE: {"a"}, HELD_OUT: none}, {TUNE: none, HELD_OUT: none}).verdict == "remove?"
    assert (
        scores({TUNE: {"a"}, HELD_OUT: none}, {TUNE: {"b", "c"}, HELD_OUT: none}).verdict
        == "harmful"
    )
    assert (
        scores({TUNE: {"a"}, HELD_OUT: {"b", "c"}}, dict.fromkeys(HALVES, none)).verdict
        == "unproven"
    )


def test_the_ablation_runs_on_a_corpus_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (DEFAULT_CORPORA / "scrapinghub-dev").is_dir():
        pytest.skip(f"no dev corpus at {DEFAULT_CORPORA}")
    output = tmp_path / "ablation.jsonl"
    argv = ["--only", "scrapinghub-dev", "--limit", "2", "--workers", "1", "--output", str(output)]
    assert main([*argv, "--rule", "segments-stripped", "--rule", "furniture-pruned"]) == 0
    printed = capsys.readouterr().out
    assert "furniture-pruned" in printed
    assert "2 pages, 2 rules" in printed
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert {line["rule"] for line in lines} <= {"segments-stripped", "furniture-pruned"}
    assert all(isinstance(line["on"], dict) for line in lines)
