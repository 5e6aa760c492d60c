"""Pictures of the archive drawn on the server as plain SVG: no script, no CDN, so they work
offline and behind any proxy. One panel per site, all sharing the same day axis, so a site that
went quiet or whose extraction broke on some day stands out beside the others."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape, quoteattr

LABEL_WIDTH = 150
PLOT_WIDTH = 600
PANEL_HEIGHT = 70
PLOT_HEIGHT = 50
AXIS_HEIGHT = 24
# (column, label, colour): what extraction health looks at, per site and day.
HEALTH_SERIES = (
    ("with_author_pct", "has an author", "#1b6ca8"),
    ("with_date_pct", "has a date", "#d17b0f"),
    ("normal_body_pct", "body of normal length", "#2a9d5b"),
)


@dataclass(frozen=True)
class DayAxis:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def x(self, day: date) -> float:
        """Left edge of a day's slot."""
        return LABEL_WIDTH + (day - self.first).days * PLOT_WIDTH / self.days

    @property
    def slot(self) -> float:
        return PLOT_WIDTH / self.days


def parse_day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def by_site(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[date, Mapping[str, Any]]]:
    """Rows grouped by site then day; rows without a usable day are left out."""
    grouped: dict[str, dict[date, Mapping[str, Any]]] = defaultdict(dict)
    for row in rows:
        day = parse_day(row.get("day"))
        if day is not None:
            grouped[str(row.get("site") or "(no site)")][day] = row
    return dict(grouped)


def day_axis(grouped: Mapping[str, Mapping[date, object]]) -> DayAxis:
    days = [day for per_day in grouped.values() for day in per_day]
    return DayAxis(min(days), max(days))


def svg_document(height: int, body: list[str], title: str) -> str:
    width = LABEL_WIDTH + PLOT_WIDTH + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="morgue-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def axis_labels(axis: DayAxis, top: float) -> list[str]:
    """The first and last day under the panels, and a baseline."""
    right = LABEL_WIDTH + PLOT_WIDTH
    return [
        f'<line x1="{LABEL_WIDTH}" y1="{top}" x2="{right}" y2="{top}" stroke="#999"/>',
        f'<text x="{LABEL_WIDTH}" y="{top + 14}">{axis.first.isoformat()}</text>',
        f'<text x="{right}" y="{top + 14}" text-anchor="end">{axis.last.isoformat()}</text>',
    ]


def site_label(site: str, top: float, note: str) -> str:
    return (
        f'<text x="0" y="{top + PLOT_HEIGHT / 2}" font-weight="bold">{escape(site)}</text>'
        f'<text x="0" y="{top + PLOT_HEIGHT / 2 + 14}" fill="#666">{escape(note)}</text>'
    )


def daily_articles_svg(rows: Iterable[Mapping[str, Any]]) -> str:
    """Bars of articles per day (rows: day, site, articles), one panel per site."""
    grouped = by_site(rows)
    if not grouped:
        return ""
    axis = day_axis(grouped)
    totals = {site: sum(int(r["articles"] or 0) for r in d.values()) for site, d in grouped.items()}
    body: list[str] = []
    for index, site in enumerate(sorted(grouped, key=lambda s: (-totals[s], s))):
        top = index * PANEL_HEIGHT + 10
        per_day = grouped[site]
        busiest = max(int(row["articles"] or 0) for row in per_day.values()) or 1
        body.append(site_label(site, top, f"{totals[site]:,} articles, max {busiest}/day"))
        for day, row in sorted(per_day.items()):
            count = int(row["articles"] or 0)
            height = PLOT_HEIGHT * count / busiest
            tip = f"{day.isoformat()} {site}: {count} article{'s' if count != 1 else ''}"
            body.append(
                f'<rect x="{axis.x(day):.1f}" y="{top + PLOT_HEIGHT - height:.1f}" '
                f'width="{max(axis.slot - 1, 1):.1f}" height="{height:.1f}" fill="#1b6ca8">'
                f"<title>{escape(tip)}</title></rect>"
            )
    bottom = len(grouped) * PANEL_HEIGHT + 10
    body += axis_labels(axis, bottom)
    return svg_document(bottom + AXIS_HEIGHT, body, "Articles per day, per site")


def extraction_health_svg(rows: Iterable[Mapping[str, Any]]) -> str:
    """Lines of the share (0-100) of articles with an author, a date and a normal-length body,
    per day (rows: day, site, articles and the HEALTH_SERIES columns), one panel per site."""
    grouped = by_site(rows)
    if not grouped:
        return ""
    axis = day_axis(grouped)
    body: list[str] = []
    for position, (_, label, colour) in enumerate(HEALTH_SERIES):
        left = LABEL_WIDTH + position * 200
        body.append(
            f'<rect x="{left}" y="0" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + 14}" y="9">% {escape(label)}</text>'
        )
    for index, site in enumerate(sorted(grouped)):
        top = index * PANEL_HEIGHT + 24
        per_day = sorted(grouped[site].items())
        worst = min(float(row[column] or 0) for _, row in per_day for column, _, _ in HEALTH_SERIES)
        body.append(site_label(site, top, f"lowest {worst:.0f}%"))
        body.append(
            f'<rect x="{LABEL_WIDTH}" y="{top}" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" '
            f'fill="#f6f6f6"/>'
        )
        for column, label, colour in HEALTH_SERIES:
            points = []
            for day, row in per_day:
                share = float(row[column] or 0)
                x = axis.x(day) + axis.slot / 2
                y = top + PLOT_HEIGHT * (1 - share / 100)
                points.append(f"{x:.1f},{y:.1f}")
                tip = f"{day.isoformat()} {site}: {share:.0f}% {label} ({row['articles']} articles)"
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                    f"<title>{escape(tip)}</title></circle>"
                )
            body.append(
                f'<polyline points={quoteattr(" ".join(points))} fill="none" '
                f'stroke="{colour}" stroke-width="1.5"/>'
            )
    bottom = len(grouped) * PANEL_HEIGHT + 24
    body += axis_labels(axis, bottom)
    return svg_document(bottom + AXIS_HEIGHT, body, "Extraction health per day, per site")
