"""Golden pages: each article of the test site, extracted as the crawl would, against
tests/site/expected.json (written by hand from the pages, not from the code's output)."""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from crawler.items import Article, DateCandidate
from crawler.workers import PagePool
from extraction import run as extraction_run
from extraction.page import ExtractionError
from extraction.run import extract_article
from pipelines.dates import DatesStage
from pipelines.extract import ExtractStage
from tests.localsite import SITE_ROOT

BASE = "http://127.0.0.1:8765"


EXPECTED = json.loads((SITE_ROOT / "expected.json").read_text())


ARTICLES = {path: expected for path, expected in EXPECTED.items() if "title" in expected}


SEED_SHAPE = "news/2024/06/18/us-condemns-russia-north-korea-ties.html"


TODAY_IN_HEADER = "Fri. Nov 27th, 2026"


def page(path: str) -> str:
    html = (SITE_ROOT / path).read_text(encoding="utf-8")
    return html.replace("{{BASE}}", BASE).replace("{{TODAY}}", TODAY_IN_HEADER)


def archive(path: str, timezone: str = "America/New_York") -> Article:
    """Run a page through the extract and dates stages, as the crawl does."""
    item = Article(
        url=f"{BASE}/{path}",
        site="courier",
        html=page(path),
        fetched_at="2026-11-27T12:00:00Z",
        site_language="en",
        site_timezone=timezone,
    )
    return asyncio.run(both_stages(item))


async def both_stages(item: Article) -> Article:
    item = await ExtractStage(min_words=25).process_item(item)
    return await DatesStage(earliest=datetime(1990, 1, 1, tzinfo=UTC).date()).process_item(item)  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_golden_page_fields(path: str) -> None:
    expected = ARTICLES[path]
    item = archive(path)
    paragraphs = item.text.splitlines()
    assert item.url == f"{BASE}/{path}"
    assert item.title == expected["title"]
    assert item.authors == expected["authors"]
    assert item.published_at == expected.get(
        "published_at_if_america_new_york", expected["published_at"]
    )
    assert paragraphs[0] == expected["first_paragraph"]
    assert paragraphs[-1] == expected["last_paragraph"]
    for snippet in expected.get("must_contain", []):
        assert snippet in item.text
    for snippet in expected["must_not_contain"]:
        assert snippet not in item.text, f"boilerplate kept: {snippet!r}"
    assert item.language == expected["language"]
    if "tags" in expected:
        assert item.tags == expected["tags"]
    if "modified_at" in expected:
        assert item.modified_at == expected["modified_at"]


def test_the_seed_shaped_page_keeps_the_body_only() -> None:
    """The residue of shared/seeds: header clock, byline twice, em> debris, "Prepared by:",
    a bio with a phone number and "Related Post" - from a page with no structured data."""
    item = archive(SEED_SHAPE, timezone="UTC")
    assert item.authors == ["Natasha Kumar"]
    assert item.published_at == "2024-06-18"
    assert item.published_raw == "Jun18,2024"
    assert item.text.startswith("Washington sharply criticised the growing ties")
    assert item.text.endswith('the resolutions it once voted for"– the spokesman added.')
    for residue in (
        "Nov 27th",
        "By Natasha Kumar",
        "em>",
        "Prepared by",
        "has been a reporter",
        "1-800-555-0199",
        "Related Post",
        "Illustrative photo",
        "Most read",
    ):
        assert residue not in item.text
    assert item.title is not None
    assert item.title not in item.text


def test_the_header_clock_is_never_taken_for_the_publication_date() -> None:
    html = page(SEED_SHAPE).replace("Jun18,2024", "")
    extraction = extract_article(html, f"{BASE}/{SEED_SHAPE}")
    assert all("2026" not in candidate.raw for candidate in extraction.published)


def test_a_video_page_without_article_text_is_rejected_with_the_reason() -> None:
    path = next(path for path, expected in EXPECTED.items() if expected.get("no_article_text"))
    with pytest.raises(ExtractionError, match="no article text"):
        extract_article(page(path), f"{BASE}/{path}")


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("<html><body><p>Hi.</p></body></html>", "no article text"),
        ("<html><head><title>x</title></head><body></body></html>", "no article text"),
    ],
)
def test_pages_without_an_article_say_why(html: str, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason):
        extract_article(html, f"{BASE}/x.html")


def test_broken_html_still_yields_the_article() -> None:
    html = page("news/2024/04/12/senate-vote-delayed.html")
    truncated = html[: int(len(html) * 0.8)].replace("</p>", "")
    extraction = extract_article(truncated, f"{BASE}/broken.html")
    assert extraction.title == ARTICLES["news/2024/04/12/senate-vote-delayed.html"]["title"]
    assert len(extraction.text.split()) > 100


def test_a_story_inside_a_sidebar_left_open_is_read_before_the_page_is_given_up() -> None:
    # The sidebar is never closed: the story ends up inside it, where a balanced reading
    # discards it with the rest of the sidebar.
    story = "".join(
        f"<p>The ferry carried its first passengers across the river on Monday ({i}).</p>"
        for i in range(8)
    )
    html = (
        "<html><head><title>Ferry returns</title></head><body>"
        "<header><div>Your daily paper for the river towns.</div></header>"
        '<aside class="sidebar"><div id="nav_menu-2"><ul><li><a href="/a">Local</a></li></ul>'
        f"<article><h1>Ferry returns</h1><div class='article-content'>{story}</div></article>"
        "</body></html>"
    )
    text = extract_article(html, f"{BASE}/ferry.html").text
    assert text.count("The ferry carried its first passengers") == 8


def test_a_canonical_link_to_the_home_page_is_ignored() -> None:
    path = "news/2024/03/05/city-council-approves-budget.html"
    html = page(path).replace(
        f'rel="canonical" href="{BASE}/{path}"', f'rel="canonical" href="{BASE}/"'
    )
    assert extract_article(html, f"{BASE}/{path}?utm_source=x").url == f"{BASE}/{path}"


def test_expected_json_covers_every_article_page() -> None:
    pages = {str(path.relative_to(SITE_ROOT)) for path in Path(SITE_ROOT, "news").rglob("*.html")}
    assert pages - set(EXPECTED) == {SEED_SHAPE}


def author_page(head: str, body: str = "", *, after: str = "") -> str:
    story = (
        "<p>" + "The ferry carried its first passengers across the river on Monday. " * 6 + "</p>"
    )
    article = f"<article><h1>Ferry returns</h1>{body}{story}{after}</article>"
    return f"<html><head>{head}</head><body>{article}</body></html>"


def test_a_declared_newsroom_is_kept_when_no_person_signs_the_story() -> None:
    head = (
        '<meta property="og:site_name" content="Riverside Courier">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "author": {"@type": "Organization", "name": "Riverside Courier"}}</script>'
    )
    assert extract_article(author_page(head), f"{BASE}/a.html").authors == ["Riverside Courier"]
    signed = author_page(head, "<p class='byline'>By Ann Lee</p>")
    assert extract_article(signed, f"{BASE}/a.html").authors == ["Ann Lee"]


def test_an_agency_declared_as_author_is_kept_as_written() -> None:
    head = '<meta name="author" content="dpa">'
    assert extract_article(author_page(head), f"{BASE}/a.html").authors == ["dpa"]


def test_authors_in_microdata_or_analytics_tags_are_read() -> None:
    microdata = author_page(
        "",
        '<div itemscope itemtype="https://schema.org/NewsArticle">'
        '<span itemprop="author" itemscope><span itemprop="name">Omar Haddad</span></span></div>',
    )
    assert extract_article(microdata, f"{BASE}/a.html").authors == ["Omar Haddad"]
    analytics = author_page('<meta name="parsely-author" content="Lena Fischer">')
    assert extract_article(analytics, f"{BASE}/a.html").authors == ["Lena Fischer"]


def test_a_labelled_twitter_card_field_gives_the_author() -> None:
    head = (
        '<meta name="twitter:label1" content="Verfasst von">'
        '<meta name="twitter:data1" content="Gregor Brandt">'
        '<meta name="twitter:label2" content="Lesedauer"><meta name="twitter:data2" content="3">'
    )
    assert extract_article(author_page(head), f"{BASE}/a.html").authors == ["Gregor Brandt"]


def test_a_first_name_declared_alone_is_the_full_name_the_byline_prints() -> None:
    head = '<meta name="author" content="Todd">'
    byline = author_page(head, "<p class='byline'>By <span>Todd Bates</span></p>")
    assert extract_article(byline, f"{BASE}/a.html").authors == ["Todd Bates"]
    box = author_page(head, "<p class='author'>Todd Bates - engineer and cyclist</p>")
    assert extract_article(box, f"{BASE}/a.html").authors == ["Todd Bates"]
    # A lower-case word after the name is no surname.
    prose = author_page(head, "<p class='author'>Todd rides the ferry to work</p>")
    assert extract_article(prose, f"{BASE}/a.html").authors == ["Todd"]
    # An agency's short name is not a first name.
    agency = author_page('<meta name="author" content="AFP">', "<p>AFP Photo</p>")
    assert extract_article(agency, f"{BASE}/a.html").authors == ["AFP"]


def test_a_publisher_declared_as_author_yields_to_the_person_the_byline_shows() -> None:
    head = (
        '<meta property="og:site_name" content="Riverside Courier">'
        '<meta name="cXenseParse:author" content="Mika Sato">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "author": {"@type": "Organization", "name": "Riverside Courier"}}</script>'
    )
    shown = author_page(head, "<p class='meta'>Mika Sato | Local | 2025/1/14</p>")
    assert extract_article(shown, f"{BASE}/a.html").authors == ["Mika Sato"]
    # Named only in the tags, the person is not shown as the author: the page's word stands.
    hidden = author_page(head, "<p class='meta'>Local | 2025/1/14</p>")
    assert extract_article(hidden, f"{BASE}/a.html").authors == ["Riverside Courier"]


def test_a_publisher_declared_by_its_site_name_yields_to_the_byline() -> None:
    head = (
        '<meta property="og:site_name" content="Jobs &amp; Hire">'
        '<meta name="author" content="Jobs &amp; Hire">'
    )
    shown = author_page(head, "<p class='meta'>By Jose de la Cruz</p>")
    assert extract_article(shown, "https://www.jobsnhire.com/a.html").authors == ["Jose de la Cruz"]


def test_a_publisher_declared_as_author_yields_to_the_person_trafilatura_finds() -> None:
    # No byline under the headline; the story is signed at its end, where trafilatura's
    # search of the whole page looks.
    head = (
        '<meta property="og:site_name" content="Riverside Courier">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "author": {"@type": "Organization", "name": "Riverside Courier"}}</script>'
    )
    signed = author_page(
        head, "", after='<p>Author: <a rel="author" href="/mika">Mika Sato</a></p>'
    )
    assert extract_article(signed, f"{BASE}/a.html").authors == ["Mika Sato"]
    unsigned = author_page(head, "")
    assert extract_article(unsigned, f"{BASE}/a.html").authors == ["Riverside Courier"]


STANDFIRST = "The river ferry is back after two years, and the town hopes commuters return with it."


def standfirst_page(standfirst_where: str) -> str:
    story = "".join(
        f"<p>Paragraph {n}: the ferry carried its first passengers across the river on Monday, "
        "and the harbour master counted more than two hundred of them before noon.</p>"
        for n in range(1, 7)
    )
    intro = f"<p class=intro>{STANDFIRST}</p>" if standfirst_where == "header" else ""
    box = f"<div class=box><p>{STANDFIRST}</p></div>" if standfirst_where == "after" else ""
    header = f"<header><h1>Ferry returns</h1>{intro}</header>"
    return (
        f'<html><head><meta name="description" content="{STANDFIRST}"></head><body>'
        f"<div class=page>{header}<div class=story-body>{story}</div>{box}</div></body></html>"
    )


def test_the_standfirst_under_the_headline_opens_the_text() -> None:
    text = extract_article(standfirst_page("header"), f"{BASE}/a.html").text
    assert text.startswith(STANDFIRST + "\nParagraph 1:")
    assert text.count(STANDFIRST) == 1


def test_the_description_printed_after_the_story_is_not_a_standfirst() -> None:
    text = extract_article(standfirst_page("after"), f"{BASE}/a.html").text
    assert text.startswith("Paragraph 1:")


def test_a_kicker_inside_the_headline_survives_furniture_pruning() -> None:
    # "teaser" marks furniture elsewhere on a page; inside the <h1> it is the printed kicker.
    story = " ".join(["The river ferry carried its first passengers in five years today."] * 4)
    html = (
        "<html><head><title>Column: The ferry is back</title>"
        '<meta property="og:title" content="Column: The ferry is back"></head><body>'
        '<article><h1><span class="teaser__subtitle">Column<span>: </span></span>'
        f"The ferry is back</h1><p>{story}</p><p>{story}</p></article></body></html>"
    )
    extraction = extract_article(html, "https://riverside-courier.example/2024/ferry.html")
    assert extraction.title == "Column: The ferry is back"


def test_a_date_set_directly_above_the_headline_is_a_date_candidate() -> None:
    story = " ".join(["The river ferry carried its first passengers in five years today."] * 4)
    html = (
        "<html><head><title>The ferry is back</title></head><body>"
        '<header><span class="clock">Friday, November 27, 2026</span><nav>Home</nav></header>'
        "<article><h3>March 2, 2024</h3><h1>The ferry is back</h1>"
        f"<p>{story}</p><p>{story}</p></article></body></html>"
    )
    extraction = extract_article(html, "https://riverside-courier.example/2024/ferry.html")
    raws = [candidate.raw for candidate in extraction.published]
    assert "March 2, 2024" in raws
    assert not any("2026" in raw for raw in raws)


SCRIPT_STORY = [
    "The city council approved the budget for next year on Tuesday evening after a debate "
    "that lasted more than four hours.",
    "The budget funds a new library branch in the harbour district and two more buses on the "
    "night routes.",
    "Members of the opposition said the plan leaves too little for repairs to the schools, "
    "which the council will discuss again in March.",
]


def flight_data(content: str) -> str:
    """A page's script as React streams it: JSON text (markup escaped, as servers write it)
    inside a JavaScript string."""
    state = json.dumps({"article": {"title": "Council approves budget", "content": content}})
    chunk = '5:["$","div",null,' + state.replace("<", "\\u003c") + "]\n"
    return f"self.__next_f.push([1,{json.dumps(chunk)}])"


def page_with_script_data(content: str) -> str:
    return f"""<html><head><title>Council approves budget | Courier</title>
<meta property="og:site_name" content="Courier">
<meta name="author" content="Courier"><meta name="author" content="Lena Fischer">
</head><body><main><template id="B:0"></template><div class="spinner"></div></main>
<script>{flight_data(content)}</script></body></html>"""


STORY_IN_SCRIPT = page_with_script_data("".join(f"<p>{line}</p>" for line in SCRIPT_STORY))


def test_a_story_kept_only_in_script_data_is_extracted() -> None:
    extraction = extract_article(STORY_IN_SCRIPT, f"{BASE}/council.html")
    lines = extraction.text.splitlines()
    assert lines[0].startswith("The city council approved the budget")
    assert lines[-1].endswith("discuss again in March.")
    assert extraction.authors == ["Lena Fischer"]  # the newsroom's tag beside the reporter's
    assert extraction.title == "Council approves budget"


def test_script_data_without_a_story_is_no_article() -> None:
    page_without = page_with_script_data(" ".join(SCRIPT_STORY))
    with pytest.raises(ExtractionError, match="no article text"):
        extract_article(page_without, f"{BASE}/council.html")


def test_script_data_markup_with_long_attributes_is_one_fragment() -> None:
    # Quotes inside the markup (attributes) must not be read as string literals of their own.
    long_lines = [f"{line} {line}" for line in SCRIPT_STORY]  # longer than a literal's minimum
    markup = "".join(f'<p class="editor-p">{line}</p>' for line in long_lines)
    state = json.dumps({"article": {"content": markup}}).replace("<", "\\u003c")
    page = page_with_script_data("").replace(
        "</body>", f"<script>window.__STATE__ = {state};</script></body>"
    )
    extraction = extract_article(page, f"{BASE}/council.html")
    assert extraction.text.splitlines() == long_lines


def story_with_author_box(author_box: str) -> str:
    """A story that declares no author or date, with an author box after its paragraphs."""
    paragraph = "<p>" + " ".join(["The county board voted to reopen the old ferry."] * 4) + "</p>"
    return (
        "<html><head><title>Ferry returns | Courier</title></head><body><article>"
        f'<h1>Ferry returns</h1>{paragraph * 3}<div class="author-box">{author_box}</div>'
        "</article></body></html>"
    )


def test_the_bylines_names_end_with_its_block() -> None:
    # Two lines of the byline zone, read as one text, would run the second into the names.
    paragraph = "<p>" + " ".join(["The county board voted to reopen the old ferry."] * 4) + "</p>"
    html = (
        "<html><head><title>Ferry returns</title></head><body><article><h1>Ferry returns</h1>"
        '<ul><li>Von: <a href="/ann">Ann LEE</a>, <a href="/tom">Tom BERG</a></li>'
        "<li>Übersetzung und Adaptierung: Agentur Deutschland</li></ul>"
        f"{paragraph * 3}</article></body></html>"
    )
    extraction = extract_article(html, "https://courier.example/2024/ferry")
    assert extraction.authors == ["Ann LEE", "Tom BERG"]


def test_an_author_box_cut_as_furniture_still_names_the_author() -> None:
    # No byline under the headline: trafilatura's search finds the name in the author box,
    # which pruning removes from the body before trafilatura reads it.
    html = story_with_author_box(
        '<p>Written by <span class="author-name">Ronja Beck</span></p>'
        "<p>Ronja covers the river towns.</p>"
    )
    extraction = extract_article(html, "https://courier.example/2024/ferry")
    assert extraction.authors == ["Ronja Beck"]
    assert "river towns" not in extraction.text


def test_a_date_only_in_an_author_box_cut_as_furniture_is_still_found() -> None:
    html = story_with_author_box(
        '<p>Dana Whitfield covers the river towns.</p><p>Filed <time datetime="2024-03-05">'
        "5 March 2024</time></p>"
    )
    extraction = extract_article(html, "https://courier.example/ferry-returns")
    assert DateCandidate("2024-03-05", "htmldate") in extraction.published


DECLARED = (
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry returns to'
    ' the river", "author": {"@type": "Person", "name": "Ann Lee"}, "datePublished":'
    ' "2024-03-05T09:00:00Z"}</script>'
)


ARRAYS_TOO_DEEP = "[" * 100_000


OBJECTS_TOO_DEEP = '{"a":' * 100_000


@pytest.mark.parametrize(
    "deep_blocks",
    [[ARRAYS_TOO_DEEP], [OBJECTS_TOO_DEEP], [ARRAYS_TOO_DEEP, OBJECTS_TOO_DEEP]],
    ids=["arrays", "objects", "both"],
)
def test_json_ld_nested_deeper_than_json_reads_is_skipped_and_the_page_kept(
    deep_blocks: list[str],
) -> None:
    blocks = "".join(
        f'<script type="application/ld+json">{block}</script>' for block in deep_blocks
    )
    extraction = extract_article(author_page(blocks + DECLARED), f"{BASE}/a.html")
    assert extraction.title == "Ferry returns to the river"
    assert extraction.authors == ["Ann Lee"]
    assert DateCandidate("2024-03-05T09:00:00Z", "jsonld") in extraction.published
    assert extraction.text.startswith("The ferry carried its first passengers")
    # Alone, with nothing else declared: the page is read from what it prints.
    alone = extract_article(author_page(blocks, "<p>By Bo Chan</p>"), f"{BASE}/a.html")
    assert (alone.title, alone.authors) == ("Ferry returns", ["Bo Chan"])


def test_json_ld_as_deep_as_json_reads_is_walked() -> None:
    nested = "[" * 900 + '{"@type": "NewsArticle", "headline": "Deep ferry"}' + "]" * 900
    head = f'<script type="application/ld+json">{nested}</script>'
    assert extract_article(author_page(head), f"{BASE}/a.html").title == "Deep ferry"


def test_the_feeds_authors_are_taken_when_the_page_names_nobody() -> None:
    hinted = ["By Ann" + " " * 50_000 + "Lee", "ann@example.com (Bo Chan)"]
    extraction = extract_article(author_page(""), f"{BASE}/a.html", hint_authors=hinted)
    assert extraction.authors == ["Ann Lee", "Bo Chan"]
    signed = author_page("", "<p>By Tom Hale</p>")
    assert extract_article(signed, f"{BASE}/a.html", hint_authors=hinted).authors == ["Tom Hale"]


class InProcessPool:
    """A stand-in for the worker pool: runs each call here, and says when one is running."""

    def __init__(self) -> None:
        self.running = False

    async def run(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.running = True
        try:
            return function(*args, **kwargs)
        finally:
            self.running = False


def test_the_feeds_authors_are_cleaned_in_the_worker_not_in_the_main_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = InProcessPool()
    clean_author_names = extraction_run.clean_author_names

    def in_the_worker_only(*args: Any, **kwargs: Any) -> list[str]:
        assert pool.running, "author names cleaned in the crawl's main process"
        return clean_author_names(*args, **kwargs)

    monkeypatch.setattr(extraction_run, "clean_author_names", in_the_worker_only)
    item = Article(
        url=f"{BASE}/a.html",
        site="courier",
        html=author_page(""),
        fetched_at="2026-11-27T12:00:00Z",
        hint_authors=["By Ann" + " " * 50_000 + "Lee"],
    )
    stage = ExtractStage(min_words=15, pool=cast(PagePool, pool))
    assert asyncio.run(stage.process_item(item)).authors == ["Ann Lee"]


def test_stored_fields_are_nfc_without_invisible_characters() -> None:
    """Soft hyphens and zero-width spaces (as entities or as characters) inside a headline, a
    byline and the text are gone, and a letter written as base + combining accent is stored
    composed, in every field the archive keeps."""
    body = " ".join(["The committee met again on Tuesday to discuss the new budget."] * 6)
    html = (
        "<html><head><title>Bundes&shy;tag votes</title>"
        '<meta name="author" content="Zoe&#x200B; Mu\u0308ller">'
        '<meta name="description" content="A vote in the Bundes\u00adtag">'
        "</head><body><article><h1>Bundes&shy;tag votes</h1>"
        f"<p>{body} Cafe\u0301 owners were there.</p></article></body></html>"
    )
    extraction = extract_article(html, "https://news.example/2024/05/01/bundestag-votes")
    assert extraction.title == "Bundestag votes"
    assert extraction.authors == ["Zoe Müller"]
    assert extraction.description == "A vote in the Bundestag"
    assert "Café owners" in extraction.text
    stored = [extraction.title, extraction.text, extraction.description, *extraction.authors]
    for value in stored:
        assert not set(str(value)) & {"\u00ad", "\u200b", "\u0301", "\u0308"}


def test_the_stage_learns_the_name_the_sites_titles_repeat() -> None:
    story = "<p>" + "The council met on Monday to discuss the budget and the roads. " * 6 + "</p>"
    stage = ExtractStage(min_words=15)

    def title_of(number: int) -> str | None:
        html = (
            f"<html><head><title>Valley Post and Courier | Budget vote {number}</title></head>"
            f"<body><article>{story}</article></body></html>"
        )
        item = Article(
            url=f"https://news.example.org/{number}",
            site="valley",
            html=html,
            fetched_at="2026-12-03T12:00:00Z",
        )
        return asyncio.run(stage.process_item(item)).title

    first_titles = [title_of(number) for number in range(3)]
    assert "Budget vote 0" not in first_titles  # the name is not known from one page
    assert title_of(3) == "Budget vote 3"
