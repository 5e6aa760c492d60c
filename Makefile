# The README's commands. Each target installs what it needs into .venv first.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= data/archive.db

.PHONY: install crawl test lint demo browse browser bench-extract bench-crawl bench-store clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

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

## Extraction quality and speed on the real pages in ../shared/corpus, against trafilatura.
bench-extract: $(STAMP)
	$(BIN)/python -m bench.extract

## Crawl throughput and memory on a generated local news site: python -m bench.crawl --help.
bench-crawl: $(STAMP)
	$(BIN)/python -m bench.crawl

## What storing an article costs: batched commits against one commit per article.
bench-store: $(STAMP)
	$(BIN)/python -m bench.store

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
