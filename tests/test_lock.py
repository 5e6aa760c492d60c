"""requirements.lock pins, with hashes, everything that pyproject.toml asks for, and is installed.

`make install` installs the lock, not pyproject.toml's ranges: a dependency added to (or a range
changed in) pyproject.toml without `make lock` would not be installed at all, or not at a version
the range allows. These checks need no network; `make lock-check` compares the whole lock with a
fresh resolution (it needs uv and PyPI).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO

LOCK = REPO / "requirements.lock"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


@dataclass(frozen=True)
class Pin:
    requirement: Requirement
    hashes: tuple[str, ...]

    @property
    def version(self) -> str:
        (specifier,) = self.requirement.specifier
        return specifier.version

    def applies_here(self) -> bool:
        marker = self.requirement.marker
        return marker is None or marker.evaluate()


def read_lock() -> list[Pin]:
    """Every requirement line of the lock, with its continuation lines and without comments."""
    text = re.sub(r"\\\n", " ", LOCK.read_text())
    pins = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("-"), f"requirements.lock has an option line: {line}"
        requirement, *hashes = re.split(r"\s+--hash=", line)
        pins.append(Pin(Requirement(requirement), tuple(hashes)))
    return pins


PINS = read_lock()
BY_NAME: dict[str, list[Pin]] = {}
for _pin in PINS:
    BY_NAME.setdefault(canonicalize_name(_pin.requirement.name), []).append(_pin)

# What the lock must satisfy: the project's dependencies, its dev extra (make test needs it),
# and what the stamp rule installs before building the project without build isolation.
WANTED = [
    *PYPROJECT["project"]["dependencies"],
    *PYPROJECT["project"]["optional-dependencies"]["dev"],
    *PYPROJECT["build-system"]["requires"],
    "pip",
]


def test_the_lock_is_not_empty_and_leaves_the_project_itself_out() -> None:
    assert len(PINS) > 50
    assert "morgue" not in BY_NAME, "the project is installed from the work tree, not the lock"


@pytest.mark.parametrize("pin", PINS, ids=lambda pin: pin.requirement.name)
def test_every_package_in_the_lock_is_pinned_exactly_with_hashes(pin: Pin) -> None:
    specifiers = list(pin.requirement.specifier)
    assert len(specifiers) == 1, f"{pin.requirement} is not one exact pin"
    assert specifiers[0].operator == "==", f"{pin.requirement} is not pinned with =="
    assert "*" not in specifiers[0].version, f"{pin.requirement} pins no single version"
    assert not pin.requirement.extras, f"{pin.requirement}: the lock lists extras' packages itself"
    assert pin.hashes, f"{pin.requirement} has no hashes (pip install --require-hashes needs them)"
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", value) for value in pin.hashes)


@pytest.mark.parametrize("wanted", WANTED)
def test_every_dependency_in_pyproject_is_pinned_in_the_lock_within_its_range(wanted: str) -> None:
    requirement = Requirement(wanted)
    if requirement.marker is not None and not requirement.marker.evaluate():
        pytest.skip(f"{wanted} does not apply here")
    pins = BY_NAME.get(canonicalize_name(requirement.name), [])
    assert pins, f"{requirement.name} is in pyproject.toml but not in requirements.lock: make lock"
    for pin in pins:
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"requirements.lock pins {pin.requirement}, outside {wanted}: make lock"
        )
    here = [pin for pin in pins if pin.applies_here()]
    assert len(here) == 1, f"requirements.lock has {len(here)} pins of {requirement.name} for here"


def test_the_venv_has_exactly_the_locked_versions() -> None:
    """What the tests (and the crawl) run with is what the lock says: results do not drift."""
    wrong = []
    for pin in PINS:
        if not pin.applies_here():
            continue
        try:
            installed = metadata.version(pin.requirement.name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed == "not installed" or Version(installed) != Version(pin.version):
            wrong.append(f"{pin.requirement.name} {installed} (locked: {pin.version})")
    assert not wrong, "the venv differs from requirements.lock (make install): " + ", ".join(wrong)
