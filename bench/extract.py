"""Extraction benchmark: Morgue's extract + dates stages against plain trafilatura, on the
real pages of the dev corpora beside the project (../shared/corpus), side by side.

    make bench-extract                     # all corpora
    python -m bench.extract --limit 30     # a quick look

Prints one table per corpus and writes every page's scores to bench/results/extract.jsonl,
so two runs can be diffed page by page. Skips with a message when the corpora are absent.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import trafilatura
from scrapy.http import HtmlResponse

from bench.metrics import (
    day_within,
    published_days,
    same_authors,
    same_title,
    shingle_counts,
    snippets_present,
    text_scores,
)
from crawler.items import Article
from crawler.middlewares import utf8_for_a_false_claim
from pipelines.dates import DatesStage
from pipelines.extract import ArticleRejected, ExtractStage

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "bench" / "results" / "extract.jsonl"
CORPORA = ("scrapinghub-dev", "fundus-dev", "trafilatura-eval-dev")


@dataclass
class Prediction:
    text: str = ""
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    published_raw: str | None = None
    seconds: float = 0.0


@dataclass
class Page:
    corpus: str
    truth: dict[str, Any]
    html: str

    @property
    def url(self) -> str:
        return str(self.truth.get("url") or "https://example.invalid/")

    @property
    def fetched_at(self) -> str:
        crawled = self.truth.get("crawl_date")
        if crawled:
            moment = datetime.fromisoformat(crawled)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_pages(folder: Path, limit: int | None) -> Iterator[Page]:
    lines = (folder / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines[:limit]:
        truth = json.loads(line)
        body = gzip.decompress((folder / truth["html"]).read_bytes())
        # Decoded exactly as the crawl decodes a response: HTTP header, BOM, <meta>, sniffing,
        # and UTF-8 bytes read as UTF-8 whatever they claim (crawler/middlewares.py).
        url = truth.get("url") or "https://example.invalid/"
        encoding = utf8_for_a_false_claim("", body)
        html = HtmlResponse(url=url, body=body, encoding=encoding).text
        yield Page(folder.name, truth, html)


def run_morgue(page: Page, extract: ExtractStage, dates: DatesStage) -> Prediction:
    item = Article(url=page.url, site="bench", html=page.html, fetched_at=page.fetched_at)
    started = time.perf_counter()
    try:
        item = STAGES_LOOP.run_until_complete(both_stages(item, extract, dates))
    except ArticleRejected:
        return Prediction(seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    return Prediction(
        item.text, item.title, item.authors, item.published_at, item.published_raw, seconds
    )


# The stages run inline here (no worker pool): one event loop drives their coroutines.
STAGES_LOOP = asyncio.new_event_loop()


async def both_stages(item: Article, extract: ExtractStage, dates: DatesStage) -> Article:
    extracted = await extract.process_item(item)
    return await dates.process_item(extracted)


def run_trafilatura(page: Page) -> Prediction:
    started = time.perf_counter()
    text = trafilatura.extract(page.html, url=page.url) or ""
    seconds = time.perf_counter() - started
    meta = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    authors = (getattr(meta, "author", None) or "").split(";")
    published = getattr(meta, "date", None)
    return Prediction(text, getattr(meta, "title", None), authors, published, published, seconds)


def truth_authors(truth: dict[str, Any]) -> list[str] | None:
    value = truth.get("authors", truth.get("author"))
    if isinstance(value, str):
        value = value.split(";")
    names = [name.strip() for name in value or [] if name and name.strip()]
    return names or None


def score_page(page: Page, predicted: Prediction) -> dict[str, Any]:
    truth = page.truth
    scores: dict[str, Any] = {"ms": round(predicted.seconds * 1000, 2)}
    if truth.get("articleBody"):
        scores["counts"] = shingle_counts(truth["articleBody"], predicted.text)
    if truth.get("title"):
        scores["title"] = same_title(truth["title"], predicted.title)
    expected_authors = truth_authors(truth)
    if expected_authors:
        scores["authors"] = same_authors(expected_authors, predicted.authors)
    day = truth.get("date") or ""
    if _valid_day(day):
        days = published_days(predicted.published_at, predicted.published_raw)
        scores["day"] = day_within(day, days, 0)
        scores["day_1"] = day_within(day, days, 1)
    if truth.get("with") or truth.get("without"):
        required = snippets_present(predicted.text, truth.get("with", []))
        leaked = snippets_present(predicted.text, truth.get("without", []))
        scores["all_required"] = all(required)
        scores["leaked"] = any(leaked)
    scores["found"] = {
        "title": predicted.title,
        "authors": predicted.authors,
        "published_at": predicted.published_at,
        "words": len(predicted.text.split()),
    }
    return scores


def summarise(pages: list[dict[str, Any]]) -> dict[str, tuple[float, int]]:
    """Metric -> (value, pages it was measured on)."""
    summary: dict[str, tuple[float, int]] = {}
    counts = [page["counts"] for page in pages if "counts" in page]
    if counts:
        for name, value in text_scores(counts).items():
            summary[f"text {name}"] = (value, len(counts))
    for key, label in (
        ("title", "title exact"),
        ("authors", "authors exact"),
        ("day", "published day exact"),
        ("day_1", "published day ±1"),
        ("all_required", "all required snippets"),
        ("leaked", "forbidden snippet leaked"),
    ):
        values = [page[key] for page in pages if key in page]
        if values:
            summary[label] = (sum(values) / len(values), len(values))
    if any("all_required" in page for page in pages):
        clean = [page["all_required"] and not page["leaked"] for page in pages]
        summary["clean (all required, none leaked)"] = (sum(clean) / len(clean), len(clean))
    times = [page["ms"] for page in pages]
    summary["ms/page mean"] = (statistics.mean(times), len(times))
    summary["ms/page median"] = (statistics.median(times), len(times))
    return summary


def print_table(corpus: str, baseline: dict[str, Any], ours: dict[str, Any]) -> None:
    print(f"\n{corpus}")
    print(f"  {'metric':<36}{'pages':>6}  {'trafilatura':>11}  {'morgue':>8}")
    for name, (value, count) in baseline.items():
        mine = ours[name][0]
        print(f"  {name:<36}{count:>6}  {value:>11.3f}  {mine:>8.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--only", choices=CORPORA, action="append", help="one corpus (repeatable)")
    parser.add_argument("--limit", type=int, help="pages per corpus, for a quick look")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        print(f"Skipping the extraction benchmark: no corpora at {args.corpora}")
        return 0
    extract = ExtractStage(min_words=ExtractStage.DEFAULT_MIN_WORDS)
    dates = DatesStage(earliest=date(1990, 1, 1))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as results:
        for corpus in args.only or CORPORA:
            folder = args.corpora / corpus
            if not folder.is_dir():
                print(f"\n{corpus}: not found at {folder}, skipped")
                continue
            per_page: dict[str, list[dict[str, Any]]] = {"trafilatura": [], "morgue": []}
            for page in load_pages(folder, args.limit):
                for system, predicted in (
                    ("trafilatura", run_trafilatura(page)),
                    ("morgue", run_morgue(page, extract, dates)),
                ):
                    scores = score_page(page, predicted)
                    per_page[system].append(scores)
                    record = {"corpus": corpus, "id": page.truth["id"], "system": system, **scores}
                    results.write(json.dumps(record, ensure_ascii=False) + "\n")
            print_table(corpus, summarise(per_page["trafilatura"]), summarise(per_page["morgue"]))
    print(f"\nPer-page results: {args.output}")
    return 0


def _valid_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
