"""The README cannot drift from the code: settings, site keys and commands are all documented."""

from __future__ import annotations

import re
import tomllib

import pytest

from crawler import settings
from crawler.sites import ALLOWED_KEYS
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
MAKEFILE = (REPO / "Makefile").read_text()


@pytest.mark.parametrize(
    "name", sorted(name for name in dir(settings) if name.startswith("ARCHIVE_"))
)
def test_every_archive_setting_is_documented_with_its_default(name: str) -> None:
    row = re.search(rf"^\| `{name}` \| `([^`]*)` \|", README, re.MULTILINE)
    assert row, f"README.md has no row for {name} in its settings table"
    assert row.group(1) == str(getattr(settings, name))


@pytest.mark.parametrize("key", ALLOWED_KEYS)
def test_every_sites_key_is_documented(key: str) -> None:
    assert re.search(rf"^\| `{key}` \|", README, re.MULTILINE), f"README.md lacks a row for {key}"
    assert key in (REPO / "data" / "sites.toml").read_text()


@pytest.mark.parametrize("target", re.findall(r"^    make ([\w-]+)", README, re.MULTILINE))
def test_every_make_command_in_the_readme_exists(target: str) -> None:
    assert re.search(rf"^{target}:", MAKEFILE, re.MULTILINE)


def test_ci_runs_the_readmes_test_command() -> None:
    assert "make test" in README
    assert (REPO / ".ci" / "run").read_text().strip().endswith("make test")


def test_the_readme_explains_every_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = [re.split(r"[<>=!~\[ ]", requirement)[0] for requirement in project["dependencies"]]
    assert "scrapy" in names
    for name in names:
        assert re.search(rf"^\| {name} \|", README, re.MULTILINE), f"README.md lacks why {name}"
