"""How a crawl went, in one exit status a scheduler can act on and a short summary for people.

The crawl's stats (per site: what was found, fetched, archived...; how many of its own feeds,
sitemaps and start pages were read; what could not be stored; why it finished) and the
archive's failures rows of the run are read into a CrawlOutcome once the crawl is over.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from crawler.sites import Site

# The per-site counts the summary shows, as the crawl_sites table names them, and their titles.
SUMMARY_COUNTS = {
    "discovered": "found",
    "fetched": "fetched",
    "archived": "archived",
    "updated": "updated",
    "unchanged": "unchanged",
    "failed": "failed",
}
# Finish reasons that mean the run did what it was asked (the closespider_* limits included).
NORMAL_FINISH = ("finished", "closespider_")
INTERRUPTED_FINISH = "shutdown"
STORE_FINISH = ("archive_disk_full", "archive_not_writable")
URL = re.compile(r"\bhttps?://[^\s,;()<>\"']+")
REASONS_SHOWN = 3


class ExitStatus(IntEnum):
    """`scrapy crawl news`'s exit status (README, "Exit status")."""

    OK = 0
    FAILED = 1
    CONFIG = 2
    SITE_UNREADABLE = 3
    NOT_STORED = 4
    INTERRUPTED = 5


@dataclass
class SiteOutcome:
    name: str
    counts: dict[str, int]
    # The site's own feeds, sitemaps and start pages, and how many of them could be read.
    entries: int
    entries_read: int
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def unreadable(self) -> bool:
        return self.entries > 0 and self.entries_read == 0


@dataclass
class CrawlOutcome:
    finish_reason: str
    sites: list[SiteOutcome]
    not_stored: int = 0
    seconds: float = 0.0

    @property
    def interrupted(self) -> bool:
        return self.finish_reason == INTERRUPTED_FINISH

    @property
    def status(self) -> ExitStatus:
        """The most serious of what went wrong: lost pages first, then a crash, a stop."""
        if self.not_stored or self.finish_reason in STORE_FINISH:
            return ExitStatus.NOT_STORED
        if self.interrupted:
            return ExitStatus.INTERRUPTED
        if not self.finish_reason.startswith(NORMAL_FINISH):
            return ExitStatus.FAILED
        if any(site.unreadable for site in self.sites):
            return ExitStatus.SITE_UNREADABLE
        return ExitStatus.OK

    def problems(self) -> list[str]:
        """One sentence per thing that makes the exit status not 0."""
        found = []
        if self.not_stored or self.finish_reason in STORE_FINISH:
            found.append(
                f"{self.not_stored} pages or failures could not be stored in the archive "
                f"(the crawl stopped: {self.finish_reason}); see the error above"
            )
        if self.interrupted:
            found.append(
                "the crawl was stopped before it finished (Ctrl-C or SIGTERM); what it "
                "fetched is archived, and the next run goes on from there"
            )
        elif not self.finish_reason.startswith(NORMAL_FINISH + STORE_FINISH):
            found.append(f"the crawl stopped on an error: {self.finish_reason}")
        if not self.interrupted:
            found.extend(
                f"site {site.name!r} could not be read at all: {entries_failed(site.entries)}"
                for site in self.sites
                if site.unreadable
            )
        return found


def entries_failed(count: int) -> str:
    if count == 1:
        return "its one feed, sitemap or start page failed"
    return f"all {count} of its feeds, sitemaps and start pages failed"


def crawl_outcome(
    stats: Mapping[str, Any],
    sites: Iterable[Site],
    reasons: Mapping[str, Counter[str]] | None = None,
) -> CrawlOutcome:
    """The outcome of a crawl from its stats and (per site) its failure reasons."""
    outcomes = []
    for site in sites:
        counts = {name: int(stats.get(f"sites/{site.name}/{name}", 0)) for name in SUMMARY_COUNTS}
        found = (reasons or {}).get(site.name, Counter())
        outcomes.append(
            SiteOutcome(
                name=site.name,
                counts=counts,
                entries=len(site.urls),
                entries_read=int(stats.get(f"sites/{site.name}/entries_read", 0)),
                reasons=found.most_common(REASONS_SHOWN),
            )
        )
    return CrawlOutcome(
        finish_reason=str(stats.get("finish_reason", "unknown")),
        sites=outcomes,
        not_stored=int(stats.get("archive/not_stored", 0)),
        seconds=float(stats.get("elapsed_time_seconds", 0.0)),
    )


def reason_kind(reason: str) -> str:
    """A failure reason with its URLs left out, so that the same failure counts together."""
    return URL.sub("…", reason)


def group_reasons(rows: Iterable[tuple[str | None, str]]) -> dict[str, Counter[str]]:
    """(site, reason) rows counted per site and kind of reason."""
    grouped: dict[str, Counter[str]] = {}
    for site, reason in rows:
        grouped.setdefault(site or "", Counter())[reason_kind(reason)] += 1
    return grouped


def format_summary(outcome: CrawlOutcome, archive: str) -> str:
    """The summary printed when a crawl ends: a line, a table of sites, what went wrong."""
    totals = Counter[str]()
    for site in outcome.sites:
        totals.update(site.counts)
    lines = [
        f"Morgue: crawl {outcome.finish_reason} after {outcome.seconds:.0f} s: "
        f"{totals['archived']} articles archived, {totals['updated']} updated, "
        f"{totals['failed']} pages not archived, into {archive}",
    ]
    if outcome.sites:
        width = max(len("site"), *(len(site.name) for site in outcome.sites))
        header = "  ".join(f"{title:>9}" for title in SUMMARY_COUNTS.values())
        lines.append(f"  {'site':<{width}}  {header}")
        for site in outcome.sites:
            cells = "  ".join(f"{site.counts[name]:>9}" for name in SUMMARY_COUNTS)
            note = "  could not be read" if site.unreadable and not outcome.interrupted else ""
            lines.append(f"  {site.name:<{width}}  {cells}{note}")
            lines.extend(f"  {'':<{width}}    {count:>5} × {kind}" for kind, count in site.reasons)
    problems = outcome.problems()
    status = outcome.status
    if problems:
        lines.append(f"Exit status {status.value} ({status.name.lower().replace('_', ' ')}):")
        lines.extend(f"  - {problem}" for problem in problems)
    elif totals["failed"]:
        lines.append("Every site was read; the failures table says why each page failed.")
    return "\n".join(lines)
