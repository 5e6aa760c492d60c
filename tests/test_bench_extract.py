"""The extraction benchmark's split by publisher must be fixed and fair before the gap between
its halves means anything: every page has a publisher, a publisher's pages stay together in
one half, the halves are about equal, and the report shows both."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.extract import (
    CORPORA,
    DEFAULT_CORPORA,
    HALVES,
    HELD_OUT,
    TUNE,
    format_table,
    half_of,
    load_pages,
    load_truths,
    main,
    publisher,
    publishers,
    report,
    split_counts,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.nrk.no/norge/a-1.html", "nrk.no"),
        ("http://nrk.no/", "nrk.no"),
        ("https://m.NRK.no:8080/x", "nrk.no"),
        ("https://www.bbc.co.uk/news/uk-1", "bbc.co.uk"),
        ("https://edition.cnn.com/2019/11/19/a.html", "cnn.com"),
        ("https://a.wordpress.com/2019/1/", "wordpress.com"),
        ("https://b.blogspot.com/2018/06/x.html", "b.blogspot.com"),
        ("https://web.archive.org/web/20131110121040/http://www.peptalks.de/x/", "peptalks.de"),
        ("https://web.archive.org/web/20130307194448/the-pain.net/2008/05/x.html", "the-pain.net"),
        ("http://localhost:8000/a", "localhost"),
        ("http://127.0.0.1/a", "127.0.0.1"),
    ],
)
def test_a_pages_publisher_is_its_urls_registered_domain(url: str, expected: str) -> None:
    assert publisher({"id": "x", "url": url}) == expected


def test_a_page_without_a_url_is_a_publisher_of_its_own() -> None:
    assert publisher({"id": "abc"}) == "page abc"
    assert publisher({"id": "def", "url": ""}) != publisher({"id": "abc", "url": ""})


def test_pages_a_corpus_names_as_one_publisher_share_one_domain() -> None:
    truths = [
        {"id": "ZDF_2024", "url": "https://www.zdf.de/nachrichten/a.html", "publisher": "ZDF"},
        {"id": "ZDF_2025", "url": "https://www.zdfheute.de/politik/b.html", "publisher": "ZDF"},
        {"id": "n", "url": "https://www.nrk.no/a"},
    ]
    assert publishers(truths) == ["zdf.de", "zdf.de", "nrk.no"]
    assert publishers(list(reversed(truths))) == ["nrk.no", "zdf.de", "zdf.de"]


def test_the_half_of_a_publisher_is_fixed() -> None:
    """These values pin the split: if they change, earlier runs' halves no longer compare."""
    halves = {
        name: half_of(name)
        for name in ("nytimes.com", "theguardian.com", "zdf.de", "nrk.no", "wordpress.com")
    }
    assert halves == {
        "nytimes.com": HELD_OUT,
        "theguardian.com": TUNE,
        "zdf.de": HELD_OUT,
        "nrk.no": TUNE,
        "wordpress.com": TUNE,
    }


def test_the_split_ignores_page_order_and_keeps_publishers_whole() -> None:
    shuffler = random.Random(7)
    pages = [f"site{shuffler.randrange(300)}.example" for _ in range(1000)]
    halves = {name: half_of(name) for name in pages}
    shuffler.shuffle(pages)
    assert {name: half_of(name) for name in pages} == halves
    assert split_counts(pages) == split_counts(sorted(pages))


def test_the_halves_are_about_equal_in_publishers_and_pages() -> None:
    shuffler = random.Random(11)
    pages = [
        f"publisher-{number}.example"
        for number in range(2000)
        for _ in range(shuffler.choice((1, 1, 1, 2, 3)))
    ]
    counts = split_counts(pages)
    assert sum(count for count, _ in counts.values()) == len(pages)
    for half in HALVES:
        page_count, publisher_count = counts[half]
        assert 0.45 < page_count / len(pages) < 0.55
        assert 0.45 < publisher_count / len(set(pages)) < 0.55


@pytest.mark.skipif(not DEFAULT_CORPORA.is_dir(), reason="shared/corpus is not beside the project")
@pytest.mark.parametrize("corpus", CORPORA)
def test_each_dev_corpus_splits_about_evenly(corpus: str) -> None:
    if not (DEFAULT_CORPORA / corpus).is_dir():
        pytest.skip(f"{corpus} is not in {DEFAULT_CORPORA}")
    names = publishers(load_truths(DEFAULT_CORPORA / corpus))
    for page_count, publisher_count in split_counts(names).values():
        assert 0.45 < page_count / len(names) < 0.55
        assert 0.45 < publisher_count / len(set(names)) < 0.55


def summary(f1: float, title: float) -> dict[str, tuple[float, int]]:
    return {"text f1": (f1, 4), "title exact": (title, 4), "ms/page mean": (12.0, 4)}


def test_the_table_shows_both_halves_beside_the_whole_and_their_gap() -> None:
    lines = format_table(
        {
            "all": (summary(0.8, 0.5), summary(0.9, 0.75)),
            "tune": (summary(0.85, 0.5), summary(0.95, 1.0)),
            "held out": (summary(0.75, 0.5), summary(0.85, 0.5)),
        }
    )
    assert "all" in lines[0]
    assert "tune" in lines[0]
    assert "held out" in lines[0]
    assert "gap tune − held out" in lines[0]
    title = next(line for line in lines if line.strip().startswith("title exact"))
    assert title.split()[-2:] == ["+0.000", "+0.500"]
    timing = next(line for line in lines if line.strip().startswith("ms/page mean"))
    assert "+" not in timing


def test_one_half_alone_has_no_gap_and_no_whole_column() -> None:
    scored: dict[str, list[tuple[str, dict[str, Any]]]] = {
        system: [(TUNE, {"ms": 1.0, "title": True})] for system in ("trafilatura", "morgue")
    }
    lines = report("fundus-dev", ["a.example"], scored)
    assert "gap" not in "\n".join(lines)
    assert lines[2].split() == ["tune"]


def write_corpus(root: Path) -> dict[str, str]:
    """A tiny scrapinghub-dev of two pages from each of two publishers, one per half."""
    names = [f"paper{number}.example" for number in range(50)]
    chosen = {
        TUNE: next(name for name in names if half_of(name) == TUNE),
        HELD_OUT: next(name for name in names if half_of(name) == HELD_OUT),
    }
    folder = root / "scrapinghub-dev"
    (folder / "html").mkdir(parents=True)
    body = " ".join(f"The harbour ferry ran on time on day {day} of the trial." for day in range(9))
    truths = []
    for number in range(4):
        host = f"www.{chosen[HALVES[number % 2]]}"
        page_id = f"page{number}"
        html = f"<html><head><title>Ferry {number}</title></head><body><article><h1>Ferry"
        html += f" {number}</h1><p>{body}</p><p>{body}</p></article></body></html>"
        (folder / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode()))
        truths.append(
            {
                "id": page_id,
                "url": f"https://{host}/news/{number}.html",
                "html": f"html/{page_id}.html.gz",
                "articleBody": f"{body}\n{body}",
            }
        )
    lines = [json.dumps(truth) for truth in truths]
    (folder / "ground_truth.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return chosen


def test_a_run_prints_both_halves_and_records_each_pages_publisher_and_half(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = write_corpus(tmp_path)
    output = tmp_path / "extract.jsonl"
    arguments = ["--corpora", str(tmp_path), "--only", "scrapinghub-dev", "--output", str(output)]
    assert main(arguments) == 0
    printed = capsys.readouterr().out
    assert "scrapinghub-dev: 4 pages, 2 publishers; tune 2 pages, 1 publishers; held out 2" in (
        printed
    )
    assert "gap tune − held out" in printed
    assert "morgue's gap, tune − held out: body F1" in printed
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 8
    assert {(record["publisher"], record["half"]) for record in records} == {
        (chosen[TUNE], TUNE),
        (chosen[HELD_OUT], HELD_OUT),
    }


def test_half_runs_only_that_halfs_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = write_corpus(tmp_path)
    output = tmp_path / "extract.jsonl"
    arguments = ["--corpora", str(tmp_path), "--only", "scrapinghub-dev", "--output", str(output)]
    assert main([*arguments, "--half", "held-out"]) == 0
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert Counter(record["publisher"] for record in records) == {chosen[HELD_OUT]: 4}
    assert "gap" not in capsys.readouterr().out
    pages = list(load_pages(tmp_path / "scrapinghub-dev", 1, TUNE))
    assert [(page.publisher, page.half) for page in pages] == [(chosen[TUNE], TUNE)]
