"""Extraction benchmark: Morgue's extract + dates stages against plain trafilatura, on the
real pages of the dev corpora beside the project (../shared/corpus), side by side.

    make bench-extract                     # all corpora
    python -m bench.extract --limit 30     # a quick look
    python -m bench.extract --half tune    # only the half that rules are tuned on
    python -m bench.extract --ablation     # then each rule switched off (bench/ablation.py)

Every corpus is split by publisher into two fixed halves (see `half_of`): rules are written
and tuned on "tune" only, and "held-out" measures whether they carry over to publishers they
were not tuned on. Prints one table per corpus, each half beside the whole, with the gap
(tune - held out), and writes every page's scores, publisher and half to
bench/results/extract.jsonl, so two runs can be diffed page by page and by half. Skips with a
message when the corpora are absent.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import re
import statistics
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from courlan import extract_domain
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

TUNE, HELD_OUT = "tune", "held-out"
HALVES = (TUNE, HELD_OUT)
# Chosen once, never per run: the first of "morgue-split-0:", "morgue-split-1:", ... under
# which every dev corpus's tune half holds 48-52% of its pages and 47-53% of its publishers.
# Changing it reshuffles the halves and voids every comparison with earlier runs.
SPLIT_SALT = "morgue-split-26:"
WAYBACK = re.compile(r"^https?://web\.archive\.org/web/[^/]+/(?P<url>.+)$", re.IGNORECASE)

Summary = dict[str, tuple[float, int]]


def publisher(truth: Mapping[str, Any]) -> str:
    """The publisher of a ground-truth page: the registered domain of its URL's host (one
    label under its public suffix, by the Public Suffix List that courlan's `tld` bundles).

    So www.nrk.no, nrk.no and m.nrk.no are "nrk.no", www.bbc.co.uk is "bbc.co.uk",
    a.wordpress.com and b.wordpress.com are both "wordpress.com" (one platform's markup),
    while a.blogspot.com stays "a.blogspot.com" (blogspot.com is itself a listed suffix).
    A web.archive.org URL counts as the site it archived. A host without a registered domain
    (localhost, an IP address) is its own publisher; a page without a URL is one by itself.
    The domain, not a corpus's own publisher name, keeps one publisher in the same half in
    every corpus (theguardian.com is in all three)."""
    url = str(truth.get("url") or "")
    archived = WAYBACK.match(url)
    if archived:
        url = archived["url"] if "://" in archived["url"] else f"http://{archived['url']}"
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return f"page {truth.get('id', '')}"
    return extract_domain(f"http://{host}/") or host.removeprefix("www.")


def publishers(truths: Sequence[Mapping[str, Any]]) -> list[str]:
    """`publisher` of every page, except that where a corpus names publishers (fundus's
    `publisher` field) all pages of one name share the first of their domains in sorted
    order: ZDF publishes on zdf.de and zdfheute.de."""
    domains = [publisher(truth) for truth in truths]
    named: dict[str, str] = {}
    for truth, domain in zip(truths, domains, strict=True):
        if name := truth.get("publisher"):
            named[name] = min(named.get(name, domain), domain)
    return [
        named.get(truth.get("publisher") or "", domain)
        for truth, domain in zip(truths, domains, strict=True)
    ]


def half_of(publisher_name: str) -> str:
    """The half a publisher's pages belong to: "tune" when sha256(SPLIT_SALT + name) is even,
    else "held-out".

    It depends on the name alone, so it is the same on every machine and run, whatever the
    file order, and a publisher never changes half when pages or publishers are added to a
    corpus (a balanced assignment over a corpus's publishers would move some whenever one
    came or went, and a held-out publisher once tuned on is held out no more). The salt was
    picked once for balance: see SPLIT_SALT."""
    digest = hashlib.sha256((SPLIT_SALT + publisher_name).encode("utf-8")).digest()
    return HALVES[digest[-1] % 2]


def split_counts(names: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Half -> (pages, publishers), for the publisher of each page."""
    counts: dict[str, tuple[int, int]] = {}
    for half in HALVES:
        pages = [name for name in names if half_of(name) == half]
        counts[half] = (len(pages), len(set(pages)))
    return counts


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
    publisher: str = ""
    half: str = ""

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


def load_truths(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_pages(folder: Path, limit: int | None, half: str | None = None) -> Iterator[Page]:
    """The corpus's pages in file order, only those of one half if `half` is given, at most
    `limit` of them."""
    truths = load_truths(folder)
    chosen = [
        (truth, name)
        for truth, name in zip(truths, publishers(truths), strict=True)
        if half is None or half_of(name) == half
    ]
    for truth, name in chosen[:limit]:
        body = gzip.decompress((folder / truth["html"]).read_bytes())
        # Decoded exactly as the crawl decodes a response: HTTP header, BOM, <meta>, sniffing,
        # and UTF-8 bytes read as UTF-8 whatever they claim (crawler/middlewares.py).
        url = truth.get("url") or "https://example.invalid/"
        encoding = utf8_for_a_false_claim("", body)
        html = HtmlResponse(url=url, body=body, encoding=encoding).text
        yield Page(folder.name, truth, html, name, half_of(name))


def run_morgue(page: Page, extract: ExtractStage, dates: DatesStage) -> Prediction:
    # One site per publisher, as a crawl has: the stage learns what its titles repeat.
    item = Article(url=page.url, site=page.publisher, html=page.html, fetched_at=page.fetched_at)
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


def summarise(pages: list[dict[str, Any]]) -> Summary:
    """Metric -> (value, pages it was measured on); empty for no pages."""
    summary: Summary = {}
    if not pages:
        return summary
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


# The gaps to watch for every change, by their row in the table ("body clean" stands in for
# body F1 where the ground truth has snippets instead of a body).
WATCHED = {
    "title": "title exact",
    "authors": "authors exact",
    "day": "published day exact",
    "body F1": "text f1",
    "body clean": "clean (all required, none leaked)",
}
HALF_LABELS = {TUNE: "tune", HELD_OUT: "held out"}


def split_line(corpus: str, names: Sequence[str]) -> str:
    counts = split_counts(names)
    halves = "; ".join(
        f"{HALF_LABELS[half]} {pages} pages, {publishers} publishers"
        for half, (pages, publishers) in counts.items()
        if pages
    )
    return f"{corpus}: {len(names)} pages, {len(set(names))} publishers; {halves}"


def gap(name: str, tune: Summary, held_out: Summary) -> float | None:
    """Tune minus held out in one metric; None for timings and where a half lacks it."""
    if name.startswith("ms/") or name not in tune or name not in held_out:
        return None
    return round(tune[name][0] - held_out[name][0], 3) + 0.0  # + 0.0: no "-0.000"


def format_table(columns: Mapping[str, tuple[Summary, Summary]]) -> list[str]:
    """The rows of one corpus's table: per column group ("all", "tune", "held out"), the pages
    measured and trafilatura's and Morgue's values; then, when both halves are there, the gap
    tune - held out of each system (timings get none)."""
    names = list(dict.fromkeys(name for pair in columns.values() for name in pair[0]))
    width = max([len("metric"), *map(len, names)])
    halves = "tune" in columns and "held out" in columns
    group = "  ".join(f"{label:^23}" for label in columns)
    lines = [f"  {'':<{width}}  {group}" + (f"  {'gap tune − held out':^18}" if halves else "")]
    titles = "  ".join(f"{'pages':>5}  {'trafil.':>7}  {'morgue':>7}" for _ in columns)
    lines.append(
        f"  {'metric':<{width}}  {titles}" + (f"  {'trafil.':>8}  {'morgue':>8}" if halves else "")
    )
    for name in names:
        cells = []
        for baseline, ours in columns.values():
            if name in baseline:
                value, count = baseline[name]
                cells.append(f"{count:>5}  {value:>7.3f}  {ours[name][0]:>7.3f}")
            else:
                cells.append(f"{'-':>5}  {'-':>7}  {'-':>7}")
        row = f"  {name:<{width}}  " + "  ".join(cells)
        if halves:
            for system in (0, 1):
                difference = gap(name, columns["tune"][system], columns["held out"][system])
                row += f"  {'':>8}" if difference is None else f"  {difference:>+8.3f}"
        lines.append(row.rstrip())
    return lines


def gap_line(tune: Summary, held_out: Summary) -> str | None:
    """Morgue's gaps (tune - held out) in the watched metrics this corpus measures."""
    gaps = {short: gap(name, tune, held_out) for short, name in WATCHED.items()}
    parts = [f"{short} {value:+.3f}" for short, value in gaps.items() if value is not None]
    return "  morgue's gap, tune − held out: " + ", ".join(parts) if parts else None


def report(
    corpus: str, names: Sequence[str], scored: Mapping[str, list[tuple[str, dict[str, Any]]]]
) -> list[str]:
    """One corpus's printed report: the split, the table, Morgue's watched gaps. `names` is
    the publisher of each page run; `scored` maps a system to its (half, scores) per page."""
    halves_run = [half for half in HALVES if any(h == half for h, _ in scored["morgue"])]
    columns: dict[str, tuple[Summary, Summary]] = {}
    if len(halves_run) != 1:
        columns["all"] = (
            summarise([scores for _, scores in scored["trafilatura"]]),
            summarise([scores for _, scores in scored["morgue"]]),
        )
    for half in halves_run:
        columns[HALF_LABELS[half]] = (
            summarise([scores for h, scores in scored["trafilatura"] if h == half]),
            summarise([scores for h, scores in scored["morgue"] if h == half]),
        )
    lines = ["", split_line(corpus, names), *format_table(columns)]
    if "tune" in columns and "held out" in columns:
        watched = gap_line(columns["tune"][1], columns["held out"][1])
        lines += [watched] if watched else []
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--only", choices=CORPORA, action="append", help="one corpus (repeatable)")
    parser.add_argument("--limit", type=int, help="pages per corpus, for a quick look")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--half", choices=HALVES, help="only the pages of one half of each corpus (by publisher)"
    )
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="then switch each extraction rule off in turn, on both halves (bench/ablation.py)",
    )
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
            scored: dict[str, list[tuple[str, dict[str, Any]]]] = {
                "trafilatura": [],
                "morgue": [],
            }
            names: list[str] = []
            for page in load_pages(folder, args.limit, args.half):
                names.append(page.publisher)
                for system, predicted in (
                    ("trafilatura", run_trafilatura(page)),
                    ("morgue", run_morgue(page, extract, dates)),
                ):
                    scores = score_page(page, predicted)
                    scored[system].append((page.half, scores))
                    record = {
                        "corpus": corpus,
                        "id": page.truth["id"],
                        "publisher": page.publisher,
                        "half": page.half,
                        "system": system,
                        **scores,
                    }
                    results.write(json.dumps(record, ensure_ascii=False) + "\n")
            print("\n".join(report(corpus, names, scored)))
    print(f"\nPer-page results: {args.output}")
    if args.ablation:
        from bench import ablation  # it imports this module: imported only when asked for

        return ablation.main(ablation_arguments(args))
    return 0


def ablation_arguments(args: argparse.Namespace) -> list[str]:
    """The options of this run that bench/ablation.py takes too."""
    chosen = ["--corpora", str(args.corpora)]
    chosen += [option for corpus in args.only or () for option in ("--only", corpus)]
    return chosen + (["--limit", str(args.limit)] if args.limit else [])


def _valid_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
