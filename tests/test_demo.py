"""What `make demo` prints: the pages it could not archive stay in columns."""

from __future__ import annotations

from tests.demo import failure_lines

BASE = "http://127.0.0.1:8765"


def test_a_long_reason_does_not_push_the_other_columns_out_of_line() -> None:
    failures = [
        ("fetch", "HTTP 500", f"{BASE}/news/2024/01/15/server-error.html"),
        ("fetch", "timed out: " + "x" * 120, f"{BASE}/news/slow.html"),
        ("extract", "no article text", f"{BASE}/video/clip.html"),
    ]
    lines = failure_lines(failures, BASE)
    pages = ["/news/2024/01/15/server-error.html", "/news/slow.html", "/video/clip.html"]
    starts = {line.index(page) for line, page in zip(lines, pages, strict=True)}
    assert len(starts) == 1  # every page in the same column
    reasons = {
        line.index(reason[:8]) for line, (_s, reason, _u) in zip(lines, failures, strict=True)
    }
    assert len(reasons) == 1  # every reason in the same column, the long one last
    assert all(
        line.endswith(reason) for line, (_s, reason, _u) in zip(lines, failures, strict=True)
    )
