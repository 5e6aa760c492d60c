"""What storing an article costs: the store stage's batched writes (FTS triggers, seen_urls,
the upsert check) against one transaction per article, on the same articles, in one process.

    make bench-store                      # 3,000 articles
    python -m bench.store --articles 500  # a quick look

Prints articles/s and ms per article for each way, and the ratio.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from crawler.items import Article
from pipelines.store import StoreStage

WORDS = [
    "council",
    "budget",
    "river",
    "ferry",
    "harbour",
    "school",
    "library",
    "bakery",
    "market",
    "festival",
    "bridge",
    "tram",
    "station",
    "mayor",
    "residents",
    "committee",
    "vote",
    "plan",
    "funding",
    "repairs",
    "season",
    "weather",
    "storm",
    "road",
]


def make_articles(count: int) -> list[Article]:
    """Articles of realistic length (about 600 words in 12 paragraphs)."""
    rng = random.Random(7)
    articles = []
    for number in range(count):
        paragraphs = [" ".join(rng.choices(WORDS, k=50)) + "." for _ in range(12)]
        articles.append(
            Article(
                url=f"https://news.example/story/{number}",
                site="bench",
                html="",
                fetched_at="2026-11-28T00:00:00Z",
                title=" ".join(rng.choices(WORDS, k=8)),
                text="\n".join(paragraphs),
                authors=["Maria Gonzalez"],
                tags=["local"],
                published_at="2026-11-27",
            )
        )
    return articles


def time_store(articles: list[Article], commit_every: int, folder: Path) -> float:
    path = folder / f"archive-{commit_every}.db"
    stage = StoreStage(str(path), commit_every=commit_every, commit_seconds=0)
    stage.open_spider()
    started = time.perf_counter()
    for article in articles:
        stage.process_item(article)
    stage.close_spider()
    seconds = time.perf_counter() - started
    stored = sqlite3.connect(path).execute("select count(*) from articles").fetchone()[0]
    if stored != len(articles):
        raise SystemExit(f"stored {stored} of {len(articles)} articles")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args()
    articles = make_articles(args.articles)
    with tempfile.TemporaryDirectory() as folder:
        single = time_store(articles, 1, Path(folder))
        batched = time_store(articles, 100, Path(folder))
    print(f"Storing {args.articles} articles of ~600 words (FTS5 triggers, seen_urls, WAL)")
    print(f"{'commit':<22}{'articles/s':>12}{'ms/article':>12}")
    for label, seconds in (("every article", single), ("every 100 (default)", batched)):
        rate = args.articles / seconds
        print(f"{label:<22}{rate:>12.0f}{1000 * seconds / args.articles:>12.2f}")
    print(f"batched ÷ single: {single / batched:.1f}x faster")


if __name__ == "__main__":
    main()
