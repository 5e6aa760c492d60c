"""Datasette serves the crawled archive with the project's metadata: search, facets, order."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette

from tests.conftest import REPO, CrawlRun

METADATA = yaml.safe_load((REPO / "data" / "metadata.yml").read_text())


def get_json(db_path: Path, path: str) -> Any:
    async def fetch() -> Any:
        datasette = Datasette([str(db_path)], metadata=METADATA)
        await datasette.invoke_startup()
        response = await datasette.client.get(path)
        assert response.status_code == 200, response.text[:500]
        return response.json()

    return asyncio.run(fetch())


def test_full_text_search_finds_an_article_by_a_word_of_its_body(crawled: CrawlRun) -> None:
    found = get_json(crawled.db_path, "/archive/articles.json?_search=caraway&_shape=objects")
    assert [row["title"] for row in found["rows"]] == [
        "Mill Street bakery wins gold at international bread competition"
    ]


def test_search_is_stemmed(crawled: CrawlRun) -> None:
    found = get_json(crawled.db_path, "/archive/articles.json?_search=budgets&_shape=objects")
    assert "City council approves $48 million budget after marathon session" in [
        row["title"] for row in found["rows"]
    ]


def test_articles_are_newest_first_with_the_configured_facets(crawled: CrawlRun) -> None:
    page = get_json(crawled.db_path, "/archive/articles.json?_shape=objects")
    dates = [row["published_at"] for row in page["rows"]]
    dated = [value for value in dates if value is not None]
    assert dates == [*sorted(dated, reverse=True), None]  # the undated article comes last
    facets = page["facet_results"]
    assert set(facets) == {"site", "authors", "language", "published_at"}
    authors = {item["value"]: item["count"] for item in facets["authors"]["results"]}
    assert authors["Maria Gonzalez"] == 1
    assert authors["Natasha Kumar"] == 1
    assert facets["site"]["results"][0]["value"] == "courier"
    assert facets["published_at"]["type"] == "date"


def test_an_array_facet_filters_by_author(crawled: CrawlRun) -> None:
    page = get_json(
        crawled.db_path, "/archive/articles.json?authors__arraycontains=Tom+Becker&_shape=objects"
    )
    assert [json.loads(row["authors"]) for row in page["rows"]] == [
        ["Maria Gonzalez", "Tom Becker"]
    ]


def test_failures_are_browsable_by_stage(crawled: CrawlRun) -> None:
    page = get_json(crawled.db_path, "/archive/failures.json?_shape=objects")
    stages = {item["value"] for item in page["facet_results"]["stage"]["results"]}
    assert stages == {"fetch", "discover", "extract"}


def test_the_metadata_describes_both_the_archive_and_the_demo_database() -> None:
    assert METADATA["databases"]["demo"] == METADATA["databases"]["archive"]
    assert METADATA["databases"]["archive"]["tables"]["articles"]["sort_desc"] == "published_at"
