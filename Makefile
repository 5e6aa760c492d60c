# The README's commands. Each target installs what it needs into .venv first.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= data/archive.db

# The lock: every package that `make install` puts in the venv (runtime, the dev extra, pip and
# the build backend), each at an exact version with the hashes of its files, for every Python
# that pyproject.toml allows (>=3.11) and for Linux and macOS (uv's universal resolution). Made
# by uv from pyproject.toml's ranges (`make lock`); installed with plain pip: installing needs no uv.
LOCK := requirements.lock
# The uv that `make lock` installs into the venv to write the lock.
UV_VERSION := 0.13.9
# Extra options for `uv pip compile`, e.g. LOCK_FLAGS=--upgrade (see `make lock` below).
LOCK_FLAGS ?=

.PHONY: install crawl test lint demo browse browser bench-extract bench-crawl bench-store clean \
	bench-distributed \
	lock lock-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs exactly the lock, then the project itself without touching its dependencies. The lock
# pins pip too, so whatever pip the venv came with (23.2.1 for Python 3.11) installs it once and
# the locked pip does the rest. The project is built with the locked setuptools
# (--no-build-isolation), so nothing unpinned is downloaded.
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## Refresh requirements.lock from pyproject.toml's ranges (run after changing a dependency there).
## Keeps every pin that still fits and resolves only what changed; to move to the newest releases
## the ranges allow: make lock LOCK_FLAGS=--upgrade (one package: LOCK_FLAGS="--upgrade-package
## trafilatura"). Needs PyPI (uv reads no pip config: UV_DEFAULT_INDEX names another index). Then
## run make test and make bench-extract: a new trafilatura or lxml changes what is extracted.
lock: | $(BIN)/python
	$(call uv-compile,$(LOCK))

## Fail if requirements.lock is not what `make lock` would write now (e.g. a range changed in
## pyproject.toml without `make lock`). tests/test_lock.py checks the same offline, more loosely.
lock-check: | $(BIN)/python
	cp $(LOCK) $(VENV)/lock-check.tmp
	$(call uv-compile,$(VENV)/lock-check.tmp)
	@if cmp -s $(LOCK) $(VENV)/lock-check.tmp; then rm -f $(VENV)/lock-check.tmp; \
	  echo "$(LOCK) is up to date with pyproject.toml."; \
	else diff -u $(LOCK) $(VENV)/lock-check.tmp | grep -E '^[-+][A-Za-z]'; rm -f $(VENV)/lock-check.tmp; \
	  echo "$(LOCK) is out of date (above: - its pins, + what make lock would pin): run make lock."; \
	  exit 1; fi

# $(1): the file to write. The lock's inputs are the project with its dev extra, pip, and the build
# backend from [build-system] (the stamp rule builds the project with it).
define uv-compile
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/python -c 'import tomllib; print("pip", *tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	  | $(BIN)/uv pip compile --quiet pyproject.toml - --extra dev --universal --python-version 3.11 \
	    --generate-hashes --custom-compile-command 'make lock' --output-file $(1) $(LOCK_FLAGS)
endef

## Crawl every site in data/sites.toml into data/archive.db.
crawl: $(STAMP)
	$(BIN)/scrapy crawl news

## Lint, type-check and run the whole test suite (what CI runs).
test: lint $(STAMP) browser
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## No network needed: serve the test news site locally, crawl it into data/demo.db.
demo: $(STAMP)
	$(BIN)/python -m tests.demo

## Browse an archive in Datasette: make browse (or make browse DB=data/demo.db).
## Extra options for Datasette go in BROWSE_OPTIONS, e.g. BROWSE_OPTIONS="--setting base_url /morgue/".
BROWSE_OPTIONS ?=
browse: $(STAMP)
	@test -f $(DB) || { echo "No archive at $(DB) yet: run make crawl (or make demo, then make browse DB=data/demo.db)."; exit 2; }
	$(BIN)/datasette serve $(DB) --metadata data/metadata.yml $(BROWSE_OPTIONS)

## The browser test needs Debian's Chromium; install it when missing and possible (as root with
## apt-get). Never fails: without Chromium the browser test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser test (apt-get install chromium) ..."; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
	      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; }) \
	      || echo "Could not install Chromium: the browser test will be skipped."; \
	  else echo "No chromium and no way to install it: the browser test will be skipped."; fi; }

## Extraction quality and speed on the real pages in ../shared/corpus, against trafilatura, on
## the tune and held-out halves; then the ablation table, each rule switched off in turn (about
## 10 minutes on 2 cores; python -m bench.extract alone skips it).
bench-extract: $(STAMP)
	$(BIN)/python -m bench.extract --ablation

## Crawl throughput and memory on a generated local news site: python -m bench.crawl --help.
bench-crawl: $(STAMP)
	$(BIN)/python -m bench.crawl

## What storing an article costs: batched commits against one commit per article.
bench-store: $(STAMP)
	$(BIN)/python -m bench.store

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info

## A distributed crawl on this machine: one process against a coordinator with 1 and 2
## workers sharing a Valkey server; what the server carries per article; how many workers
## one archive can take: python -m bench.distributed --help.
bench-distributed: $(STAMP)
	$(BIN)/python -m bench.distributed
