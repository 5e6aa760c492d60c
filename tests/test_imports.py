"""The tree's layering: the archive is imported by the crawler and the pipelines, and imports
neither (so the crawl, the re-extraction and the reading room share one archive module); the
extraction rules are plain functions that need no Scrapy and no pipeline stage."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import CRAWL_ENV, REPO

ARCHIVE_MODULES = ("archive.schema", "archive.lock", "archive.reads", "archive.writes")


def modules_loaded_by(modules: tuple[str, ...], *, ours_only: bool = True) -> list[str]:
    """Every module (of ours, unless `ours_only` is False) that importing `modules` loads, in
    a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=CRAWL_ENV, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return [name for name in loaded if not ours_only or name.split(".")[0] in OURS]


OURS = {"archive", "crawler", "pipelines", "extraction", "captures", "browse", "bench"}
EXTRACTION_MODULES = ("extraction.run", "extraction.dates", "extraction.warmup")


def test_the_archive_imports_neither_the_crawler_nor_the_pipelines() -> None:
    loaded = modules_loaded_by(ARCHIVE_MODULES)
    assert not [name for name in loaded if name.startswith(("crawler", "pipelines", "browse"))]
    assert "archive.status" in loaded  # the check sees what it should


def test_the_crawler_and_the_pipelines_use_the_archive() -> None:
    assert "archive.writes" in modules_loaded_by(("pipelines.store",))
    assert "archive.reads" in modules_loaded_by(("crawler.spiders.news",))


def test_extraction_needs_no_scrapy_and_no_pipeline_stage() -> None:
    loaded = modules_loaded_by(EXTRACTION_MODULES, ours_only=False)
    ours = [name for name in loaded if name.split(".")[0] in OURS]
    assert not [name for name in ours if name.startswith(("pipelines", "captures", "browse"))]
    # From the crawler, only its plain data: the item classes and the URL rules.
    assert {name for name in ours if name.startswith("crawler.")} <= {
        "crawler.items",
        "crawler.urls",
    }
    assert "scrapy" not in loaded
    assert "extraction.titles" in loaded  # the check sees what it should


def test_the_stages_run_the_extraction() -> None:
    assert "extraction.run" in modules_loaded_by(("pipelines.extract",))
    assert "extraction.dates" in modules_loaded_by(("pipelines.dates",))
