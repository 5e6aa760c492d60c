"""What an archive holds, for the home page: sites, article counts, date range, last crawl."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class Rows(Protocol):
    rows: list[Any]


class ReadableDatabase(Protocol):
    """The part of datasette.database.Database this module uses."""

    name: str

    async def table_names(self) -> list[str]: ...

    async def execute(self, sql: str, params: Any = None) -> Rows: ...


@dataclass
class SiteSummary:
    site: str
    articles: int
    first_published: str | None
    last_published: str | None
    last_fetched: str | None


@dataclass
class ArchiveSummary:
    database: str
    articles: int
    first_published: str | None
    last_published: str | None
    last_fetched: str | None
    failures: int
    sites: list[SiteSummary] = field(default_factory=list)
    last_crawl: dict[str, Any] | None = None


SITES_SQL = """
select site, count(*), min(substr(published_at, 1, 10)), max(substr(published_at, 1, 10)),
  max(fetched_at)
from articles group by site order by count(*) desc, site
"""
LAST_CRAWL_SQL = """
select crawls.id, crawls.started_at, crawls.finished_at, crawls.finish_reason,
  (select count(*) from failures where failures.crawl_id = crawls.id) as failures
from crawls order by crawls.started_at desc, crawls.id desc limit 1
"""


async def archive_summary(db: ReadableDatabase) -> ArchiveSummary | None:
    """None for a database that is not a Morgue archive (it has no `articles` table)."""
    tables = set(await db.table_names())
    if "articles" not in tables:
        return None
    sites = [SiteSummary(*row) for row in (await db.execute(SITES_SQL)).rows]
    first_days = [site.first_published for site in sites if site.first_published]
    last_days = [site.last_published for site in sites if site.last_published]
    fetched = [site.last_fetched for site in sites if site.last_fetched]
    failures = 0
    if "failures" in tables:
        failures = (await db.execute("select count(*) from failures")).rows[0][0]
    last_crawl = None
    if "crawls" in tables:
        found = (await db.execute(LAST_CRAWL_SQL)).rows
        if found:
            last_crawl = dict(
                zip(
                    ("id", "started_at", "finished_at", "finish_reason", "failures"),
                    found[0],
                    strict=True,
                )
            )
    return ArchiveSummary(
        database=db.name,
        articles=sum(site.articles for site in sites),
        first_published=min(first_days, default=None),
        last_published=max(last_days, default=None),
        last_fetched=max(fetched, default=None),
        failures=failures,
        sites=sites,
        last_crawl=last_crawl,
    )
