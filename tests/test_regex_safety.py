"""Every regular expression the crawl runs on a page's or a feed's text takes linear time.

A pattern that backtracks can take minutes on one hostile string ("Ann" + 8,000 spaces +
"Lee" as a feed's author took 31 s), and some run in the crawl's main process, where every
download waits for them. The patterns are found here by themselves, so that a rule added later
is checked without anyone listing it: every compiled pattern reachable from the globals of the
modules of PACKAGES (inside containers and classes too), and every pattern that a module
compiles where it calls `re` (`re.sub(r"...", ...)` in a function), read from its source.
Each one runs over ~50 KB inputs made to make backtracking patterns slow, in worker processes
with a deadline, and must finish each within a small budget.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from pebble import ProcessPool

# The reading room (browse) too: a search box and stored text are untrusted input as well.
PACKAGES = ("extraction", "pipelines", "crawler", "captures", "browse")
INPUT_CHARS = 50_000
# The slowest linear pattern takes about 0.1 s on an input on a 2-core machine; the mildest
# quadratic one found (an unclosed bracket) 1 to 2 s, the reported ones 10 s to minutes.
BUDGET_SECONDS = 0.5
# A run past this is stopped where it is (the regular expression engine checks for signals).
INTERRUPT_SECONDS = 2.0
# Hang guard for one pattern's whole set of inputs, should the interruption not work.
PATTERN_TIMEOUT_SECONDS = 120.0
WORKERS = 2
# The `re` functions whose first argument is a pattern; the position of their flags argument.
FLAGS_POSITION = {
    "compile": 1,
    "search": 2,
    "match": 2,
    "fullmatch": 2,
    "findall": 2,
    "finditer": 2,
    "split": 3,
    "sub": 4,
    "subn": 4,
}


@dataclass(frozen=True)
class CheckedPattern:
    """A pattern, where it is written, and how it is used: "match" for a pattern only ever
    anchored at the start of a string (an inline re.match), else "finditer", which tries the
    pattern from every position the way search, sub, split and findall do."""

    where: str
    pattern: re.Pattern[Any]
    operation: str = "finditer"


def extraction_modules() -> list[ModuleType]:
    """Every module of the packages, imported."""
    modules = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            modules.append(importlib.import_module(info.name))
    return modules


def ours(value: Any) -> bool:
    """A class or an object of a class defined in the packages (not a library's)."""
    cls = value if isinstance(value, type) else type(value)
    return cls.__module__.split(".")[0] in PACKAGES


def reachable_patterns(value: Any, where: str, seen: set[int]) -> Iterator[tuple[str, Any]]:
    """The compiled patterns in `value`: itself, the items of its containers, the attributes
    of the packages' own classes and objects, recursively."""
    if id(value) in seen or isinstance(value, ModuleType):
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        yield where, value
    elif isinstance(value, tuple | list | set | frozenset):
        for index, item in enumerate(value):
            yield from reachable_patterns(item, f"{where}[{index}]", seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from reachable_patterns(key, f"{where} key", seen)
            yield from reachable_patterns(item, f"{where}[{key!r}]", seen)
    elif ours(value):  # a class of the packages, or an object of one: its attributes
        for name, item in getattr(value, "__dict__", {}).items():
            yield from reachable_patterns(item, f"{where}.{name}", seen)


def global_patterns(module: ModuleType) -> Iterator[CheckedPattern]:
    seen: set[int] = set()
    for name, value in vars(module).items():
        for where, pattern in reachable_patterns(value, f"{module.__name__}.{name}", seen):
            yield CheckedPattern(where, pattern)


@dataclass(frozen=True)
class InlinePattern:
    """A pattern written in a call to `re`, read from the module's source."""

    module: ModuleType
    function: str
    call: ast.Call
    argument: ast.expr
    # The names the enclosing function binds: they shadow the module's globals.
    local_names: frozenset[str]

    @property
    def key(self) -> str:
        return f"{self.module.__name__}.{self.function}: {ast.unparse(self.argument)}"

    @property
    def where(self) -> str:
        return f"{self.module.__name__} line {self.call.lineno} ({self.function})"

    @property
    def function_name(self) -> str:
        assert isinstance(self.call.func, ast.Attribute)
        return self.call.func.attr

    @property
    def operation(self) -> str:
        return "match" if self.function_name in ("match", "fullmatch") else "finditer"

    def flags_argument(self) -> ast.expr | None:
        keyword = next((kw.value for kw in self.call.keywords if kw.arg == "flags"), None)
        position = FLAGS_POSITION[self.function_name]
        if keyword is None and len(self.call.args) > position:
            return self.call.args[position]
        return keyword

    def value(self, expression: ast.expr | None) -> Any:
        """The value of the pattern's or the flags' expression when it depends on the module's
        globals alone (a string literal, an f-string of module constants), else None."""
        if expression is None:
            return 0  # no flags
        names = {node.id for node in ast.walk(expression) if isinstance(node, ast.Name)}
        # Those the expression binds itself, in a comprehension, are its own.
        names -= {
            node.id
            for node in ast.walk(expression)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
        }
        if not names <= set(vars(self.module)) or names & self.local_names:
            return None
        code = compile(ast.Expression(expression), self.module.__name__, "eval")
        try:
            return eval(code, vars(self.module))
        except Exception:
            return None


def inline_patterns(module: ModuleType) -> Iterator[InlinePattern]:
    """The `re.<function>(pattern, ...)` calls in the module's source."""
    tree = ast.parse(Path(inspect.getsourcefile(module) or "").read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in FLAGS_POSITION
        ):
            continue
        keyword = next((kw.value for kw in node.keywords if kw.arg == "pattern"), None)
        argument = node.args[0] if node.args else keyword
        if argument is None:
            continue
        function = enclosing_function(node, parents)
        yield InlinePattern(
            module,
            function.name if function else "<module>",
            node,
            argument,
            bound_names(function) if function else frozenset(),
        )


def enclosing_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> Any:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node
    return None


def bound_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    arguments = {arg.arg for arg in ast.walk(function.args) if isinstance(arg, ast.arg)}
    assigned = {
        node.id
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }
    return frozenset(arguments | assigned)


# Patterns built at run time from what the function is given: how each is covered, as
# patterns built the way the function builds them, or the reason it is not checked. A new
# one fails test_every_runtime_pattern_is_listed until it is listed here.
def _prune_expression_patterns() -> list[re.Pattern[Any]]:
    from extraction.trafilatura_adapters.prune_expressions import regex_tests, replaced_expressions

    return [
        pattern for expression in replaced_expressions() for pattern in regex_tests(expression.path)
    ]


def _full_name_patterns() -> list[re.Pattern[Any]]:
    from extraction.authors import NAME_WORD

    return [re.compile(rf"\b{re.escape(name)} ({NAME_WORD})") for name in ("Todd", "Ann-Marie")]


RUNTIME_PATTERNS: dict[str, Callable[[], list[re.Pattern[Any]]] | str] = {
    # An author's name, escaped: a literal string.
    "extraction.body.cleanup.is_byline: re.escape(name)": lambda: [
        re.compile(re.escape("Ann Lee"), re.IGNORECASE)
    ],
    "extraction.authors.full_name: f'\\\\b{re.escape(name)} ({NAME_WORD})'": _full_name_patterns,
    # trafilatura's own, read from its prune expressions; they test class and id attributes.
    "extraction.trafilatura_adapters.prune_expressions.regex_tests: match[3]": (
        _prune_expression_patterns
    ),
    "crawler.sites._article_pattern: value": (
        "a pattern the operator writes in the sites file, for URLs of the operator's own sites"
    ),
}


def collect_patterns() -> tuple[list[CheckedPattern], set[str]]:
    """Every pattern to check, once each, and the keys of the run-time patterns found."""
    found: dict[tuple[str, int, str], CheckedPattern] = {}
    runtime: set[str] = set()

    def add(checked: CheckedPattern) -> None:
        key = (checked.pattern.pattern, checked.pattern.flags, checked.operation)
        found.setdefault(key, checked)

    for module in extraction_modules():
        for checked in global_patterns(module):
            add(checked)
        for inline in inline_patterns(module):
            source = inline.value(inline.argument)
            flags = inline.value(inline.flags_argument())
            if isinstance(source, str | bytes) and isinstance(flags, int | re.RegexFlag):
                add(CheckedPattern(inline.where, re.compile(source, flags), inline.operation))
                continue
            if isinstance(source, re.Pattern):
                continue  # a compiled module pattern passed to re: checked as a global
            runtime.add(inline.key)
            covered = RUNTIME_PATTERNS.get(inline.key)
            if callable(covered):
                for index, pattern in enumerate(covered()):
                    add(CheckedPattern(f"{inline.key} (as built, #{index})", pattern))
    return list(found.values()), runtime


@cache
def patterns_and_runtime() -> tuple[list[CheckedPattern], set[str]]:
    return collect_patterns()


# ------------------------------------------------------------------------------ the inputs


# Runs of each of these, N times over: spaces, letters, digits, separators, punctuation.
RUN_CHARACTERS = (
    " ", "a", "A", "1", "\n", "\t", "\xa0", "\x00", "-", "|", "/", "·", "—", ":", ".", ",", ";",
    "(", ")", "[", '"', "'", "@", "<", ">", "\\", "_", "+", "*", "&", "#", "»", "©",
)  # fmt: skip
# Letters separated by these: "a a a", "a.a.a", "a@a@a".
BETWEEN_LETTERS = (" ", "\n", ".", ",", "-", "@", "(", "_", "1", ":", "/", "'", "+")
# Separators between spaces: "a - a - a" without the letters.
BETWEEN_SPACES = ("-", "|", "/", "·", "—", "–", ":", "»", ",", ";", "&", "*", ".")


@cache
def generic_inputs() -> dict[str, str]:
    """Inputs that make backtracking patterns slow, named for the report."""
    size = INPUT_CHARS
    inputs: dict[str, str] = {}
    for char in RUN_CHARACTERS:
        inputs[f"{char!r} * N"] = char * size
    for char in BETWEEN_LETTERS:
        inputs[f"'a' + {char!r}, N times"] = ("a" + char) * (size // 2)
    for char in BETWEEN_SPACES:
        inputs[f"' ' + {char!r} + ' ', N times"] = f" {char} " * (size // 3)
    half = size // 2
    inputs.update(
        {
            "'Ann' + N spaces + 'Lee'": "Ann" + " " * size + "Lee",
            "'Ann' + N newlines + 'Lee'": "Ann" + "\n" * size + "Lee",
            "'Ann' + ' and' * N": "Ann" + " and" * (size // 4),
            "'Ann Lee, ' * N": "Ann Lee, " * (size // 9),
            "one long word": "a" * size,
            "a long word with an @ at the end": "a" * size + "@",
            "a long word, an @, a long word": "a" * half + "@" + "b" * half,
            "a@b.c, and a long word after": "a@b.c" + "d" * size,
            "'a.' * N + '@'": "a." * half + "@",
            "'a@b.c (' * N": "a@b.c (" * (size // 7),
            "'a@b.c ' + '(' * N": "a@b.c " + "(" * size,
            "'(a' * N": "(a" * half,
            "'<a' * N": "<a" * half,
            "'[a' * N": "[a" * half,
            "'\"' + a long word": '"' + "a" * size,
            "escaped quotes, never closed": '"' + '\\"' * half,
            "'Headline - ' * N": "Headline - " * (size // 11),
            "'Headline | ' * N + '2024'": "Headline | " * (size // 11) + "2024",
            "'Ann staff ' * N": "Ann staff " * (size // 10),
            "'By ' * N": "By " * (size // 3),
            "'1:00 ' * N": "1:00 " * (size // 5),
            "'12.05.' * N": "12.05." * (size // 6),
            "'Jan 1, ' * N": "Jan 1, " * (size // 7),
            "'2024-01-01T' * N": "2024-01-01T" * (size // 11),
            "'https://a.b/' * N": "https://a.b/" * (size // 12),
            "'<p>' * N": "<p>" * (size // 3),
            "'\\x00' * N + ':'": "\x00" * size + "x",
            "'a ' * N + '\\n!'": "a " * half + "\n!",
        }
    )
    return inputs


def pattern_words(pattern: re.Pattern[Any]) -> list[str]:
    """A few of the words a pattern looks for: inputs made of them reach its later parts."""
    source = pattern.pattern
    if isinstance(source, bytes):  # a pattern over bytes (a feed, before it is decoded)
        source = source.decode("ascii", "replace")
    words = list(dict.fromkeys(re.findall(r"(?<![\\\w])[^\W\d_]{2,}", source)))
    if len(words) <= 3:
        return words
    return [words[0], words[len(words) // 2], words[-1]]


def derived_inputs(pattern: re.Pattern[Any]) -> dict[str, str]:
    """Inputs made of the words the pattern looks for: one after another, before a line
    break that a `$` or a `.` cannot cross, and followed by a long run of spaces."""
    size = INPUT_CHARS
    inputs: dict[str, str] = {}
    for word in pattern_words(pattern):
        count = size // (len(word) + 1)
        inputs[f"{word!r} + ' ', N times"] = f"{word} " * count
        inputs[f"' ' + {word!r}, N times, then a line"] = f" {word}" * count + "\nx"
        inputs[f"{word!r} + ': ', N times"] = f"{word}: " * (count // 2)
        inputs[f"{word!r} + N spaces + 'x'"] = f"{word}{' ' * size}x"
    return inputs


# ------------------------------------------------------------------- running with a deadline


class OverBudget(Exception):
    pass


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise OverBudget


def run_once(pattern: re.Pattern[Any], operation: str, text: str) -> float:
    """Seconds for one run; infinity when it was stopped at INTERRUPT_SECONDS."""
    subject: str | bytes = text
    if isinstance(pattern.pattern, bytes):
        subject = text.encode("utf-8", "surrogatepass")
    signal.setitimer(signal.ITIMER_REAL, INTERRUPT_SECONDS)
    started = time.perf_counter()
    try:
        if operation == "match":
            pattern.match(subject)
        else:
            for _ in pattern.finditer(subject):
                pass
    except OverBudget:
        return float("inf")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - started


def slow_inputs(pattern: re.Pattern[Any], operation: str) -> list[tuple[str, float]]:
    """(input, seconds) for each input the pattern took longer than the budget on (in a
    worker process). A run a little over budget is timed again: the machine may have been
    busy."""
    signal.signal(signal.SIGALRM, _interrupt)
    slow = []
    for name, text in {**generic_inputs(), **derived_inputs(pattern)}.items():
        seconds = run_once(pattern, operation, text)
        if BUDGET_SECONDS < seconds < INTERRUPT_SECONDS:
            seconds = min(seconds, run_once(pattern, operation, text))
        if seconds > BUDGET_SECONDS:
            slow.append((name, seconds))
    return slow


def over_budget(checked: list[CheckedPattern]) -> dict[str, list[str]]:
    """What each pattern that blew the budget blew it on, checked in worker processes."""
    problems: dict[str, list[str]] = {}
    with ProcessPool(max_workers=WORKERS) as pool:
        futures = [
            (item, pool.schedule(slow_inputs, args=(item.pattern, item.operation),
                                 timeout=PATTERN_TIMEOUT_SECONDS))
            for item in checked
        ]  # fmt: skip
        for item, future in futures:
            try:
                slow = future.result()
            except TimeoutError:
                problems[item.where] = [f"not done in {PATTERN_TIMEOUT_SECONDS:.0f} s in all"]
                continue
            if slow:
                problems[item.where] = [
                    f"{name}: {'over ' if seconds == float('inf') else ''}"
                    f"{min(seconds, INTERRUPT_SECONDS):.2f} s"
                    for name, seconds in slow
                ]
    return problems


def report(problems: dict[str, list[str]]) -> str:
    lines = [f"patterns over the {BUDGET_SECONDS} s budget on a {INPUT_CHARS:,}-char input:"]
    for where, found in problems.items():
        lines.append(f"  {where}")
        lines.extend(f"      {line}" for line in found)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- the tests


def test_finds_the_patterns_of_every_kind() -> None:
    checked, _ = patterns_and_runtime()
    where = {item.where for item in checked}
    for expected in (
        "extraction.authors.EMAIL",
        "extraction.authors.TRAILING_LABEL",
        "extraction.titles.SEPARATOR",
        "extraction.dates.NUMERIC_DATE",
    ):
        assert expected in where, sorted(where)
    assert any(item.where.startswith("extraction.body.prune.BODY_NAMES[") for item in checked)
    assert any(item.where.startswith("extraction.titles line") for item in checked)  # inline
    assert any(item.operation == "match" for item in checked)
    assert any("as built" in item.where for item in checked)  # from RUNTIME_PATTERNS
    assert any(item.where.startswith("crawler.") for item in checked)
    assert len(checked) > 100


def test_every_runtime_pattern_is_listed() -> None:
    """A pattern built from what a function is given cannot be read from the source: each one
    is listed in RUNTIME_PATTERNS with how it is covered."""
    _, runtime = patterns_and_runtime()
    assert runtime == set(RUNTIME_PATTERNS), (
        f"not listed: {sorted(runtime - set(RUNTIME_PATTERNS))}; "
        f"listed but gone: {sorted(set(RUNTIME_PATTERNS) - runtime)}"
    )


def test_every_pattern_takes_linear_time() -> None:
    checked, _ = patterns_and_runtime()
    problems = over_budget(checked)
    assert not problems, report(problems)
