"""`make demo`: the whole path in a minute with no network. Serves the test news site on
127.0.0.1, crawls it with the real `scrapy crawl news` into data/demo.db, and says how to
browse the result."""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

from tests.conftest import REPO, run_crawl
from tests.localsite import serve_site, sites_toml

DEMO_DB = REPO / "data" / "demo.db"


def main() -> int:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
    with serve_site() as (base, _), tempfile.TemporaryDirectory() as folder:
        sites_file = Path(folder) / "sites.toml"
        sites_file.write_text(sites_toml(base, name="riverside_courier"))
        print(f"Serving the test news site at {base}/ and crawling it into {DEMO_DB} ...")
        run = run_crawl(sites_file, DEMO_DB)
    if run.returncode != 0:
        print(run.log[-4000:], file=sys.stderr)
        return run.returncode
    connection = sqlite3.connect(DEMO_DB)
    articles = connection.execute(
        "select published_at, title from articles order by 1 desc"
    ).fetchall()
    failures = connection.execute("select stage, reason, url from failures order by id").fetchall()
    connection.close()
    print(f"\nArchived {len(articles)} articles:")
    for published_at, title in articles:
        print(f"  {published_at or '(no date)':<22} {title}")
    print(f"\n{len(failures)} pages were not archived, each with its reason:")
    for line in failure_lines(failures, base):
        print(line)
    print("\nBrowse and search it in Datasette:\n  make browse DB=data/demo.db")
    print("then open http://127.0.0.1:8001/ (try searching for: sourdough)")
    return 0


def failure_lines(failures: list[tuple[str, str, str]], base: str) -> list[str]:
    """One line per failure: stage, page and reason in columns, the reason last, so that a
    long one never pushes the others out of line."""
    rows = [(stage, url.removeprefix(base), reason) for stage, reason, url in failures]
    page_width = max((len(page) for _stage, page, _reason in rows), default=0)
    return [f"  {stage:<9} {page:<{page_width}}  {reason}" for stage, page, reason in rows]


if __name__ == "__main__":
    sys.exit(main())
