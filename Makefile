# The README's commands. Each target installs what it needs into .venv first.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= data/archive.db

.PHONY: install crawl test lint demo browse bench-extract bench-crawl clean

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
test: lint $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## No network needed: serve the test news site locally, crawl it into data/demo.db.
demo: $(STAMP)
	$(BIN)/python -m tests.demo

## Browse an archive in Datasette: make browse (or make browse DB=data/demo.db).
browse: $(STAMP)
	$(BIN)/datasette serve $(DB) --metadata data/metadata.yml

## Extraction quality and speed on the real pages in ../shared/corpus, against trafilatura.
bench-extract: $(STAMP)
	$(BIN)/python -m bench.extract

## Crawl throughput and memory on a generated local news site: python -m bench.crawl --help.
bench-crawl: $(STAMP)
	$(BIN)/python -m bench.crawl

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
