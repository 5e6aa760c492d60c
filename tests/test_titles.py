"""Each headline rule on a small page written for the test."""

from __future__ import annotations

import time

import pytest
from lxml import html as lxml_html

from extraction.metadata import read_page_metadata
from extraction.site_names import host_names
from extraction.text import unescaped_text
from extraction.titles import choose_title, strip_furniture, title_segments

URL = "https://www.riverside-courier.example/local/2024/05/ferry-returns.html"


def title_of(head: str, body: str = "", url: str = URL) -> str | None:
    tree = lxml_html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    return choose_title(tree, read_page_metadata(tree), url)


def json_ld(headline: str) -> str:
    return (
        '<script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "headline": "{headline}"}}</script>'
    )


def test_the_h1_is_the_headline_when_it_agrees_with_the_title_tag() -> None:
    head = "<title>Ferry returns to the river | Riverside Courier</title>"
    assert title_of(head, "<h1>Ferry returns to the river</h1>") == "Ferry returns to the river"


def test_html_entities_are_decoded_even_when_escaped_twice() -> None:
    head = json_ld("Mayor&amp;#8217;s ferry plan")
    assert title_of(head, "<h1>Mayor’s ferry plan</h1>") == "Mayor’s ferry plan"


def test_utf8_read_as_cp1252_is_repaired() -> None:
    assert unescaped_text("FÃ¤hre fÃ¼r Riverside") == "Fähre für Riverside"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Ferry returns | Riverside Courier", "Ferry returns"),
        ("Riverside Courier - Ferry returns", "Ferry returns"),
        ("Ferry returns | Local | Riverside Courier", "Ferry returns"),
        ("Ferry returns | Riverside Courier | Your hometown news", "Ferry returns"),
        ("Ferry returns - by Ann Lee", "Ferry returns"),
        ("Ferry returns – riverside-courier.example", "Ferry returns"),
        ("Left - right: the ferry debate", "Left - right: the ferry debate"),
        ("Ferry returns » ☆☆☆☆☆", "Ferry returns"),  # the page's rating, no words
    ],
)
def test_site_section_tagline_byline_and_rating_segments_are_cut(title: str, expected: str) -> None:
    names = ["Riverside Courier", "riverside-courier.example", "riverside-courier"]
    assert strip_furniture(title, names, ["local"]) == expected


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        # The site's name spelled otherwise than its domain: initials, umlauts spelled out,
        # the brand before a word or two, any domain name, a date after the name.
        (
            "Kabinett: Merz stellt vor - Frankfurter Allgemeine Zeitung",
            "https://www.faz.net/a",
            "Kabinett: Merz stellt vor",
        ),
        (
            "Merz stellt Kabinett vor – Süddeutsche Zeitung",
            "https://www.sueddeutsche.de/a",
            "Merz stellt Kabinett vor",
        ),
        (
            "Storm hits coast | Radio New Zealand",
            "https://www.rnz.co.nz/news/a",
            "Storm hits coast",
        ),
        ("Storm hits coast - BBC News", "https://www.bbc.co.uk/news/a", "Storm hits coast"),
        (
            "Merz stellt Kabinett vor | SZ.de",
            "https://www.sueddeutsche.de/a",
            "Merz stellt Kabinett vor",
        ),
        (
            "Merz stellt Kabinett vor | DW | 03.12.2026",
            "https://www.dw.com/de/a",
            "Merz stellt Kabinett vor",
        ),
        (
            "Storm hits coast | 12 June 2024 | Coast News",
            "https://coastnews.com/a",
            "Storm hits coast",
        ),
        # A segment that only starts like the site, or shares nothing with it, stays.
        (
            "Apple buys BBC - a story of ambition",
            "https://www.bbc.co.uk/news/a",
            "Apple buys BBC - a story of ambition",
        ),
        ("Why we left: Germany", "https://www.gw.de/a", "Why we left: Germany"),
    ],
)
def test_the_sites_name_in_other_spellings_is_cut(title: str, url: str, expected: str) -> None:
    assert strip_furniture(title, host_names(url), []) == expected


def test_a_headline_that_starts_with_the_sites_name_is_no_logo() -> None:
    html = (
        "<html><head><title>BBC cuts 500 jobs - BBC News</title></head>"
        "<body><h1>BBC cuts 500 jobs</h1><p>The corporation said on Monday.</p></body></html>"
    )
    tree = lxml_html.fromstring(html)
    page = read_page_metadata(tree)
    assert choose_title(tree, page, "https://www.bbc.co.uk/news/a") == "BBC cuts 500 jobs"


def test_a_logo_h1_is_not_the_headline() -> None:
    head = (
        '<meta property="og:site_name" content="Riverside Courier">'
        "<title>Ferry returns to the river – Riverside Courier</title>"
    )
    body = (
        '<h1 class="site-title"><a href="/">Riverside Courier</a></h1>'
        "<article><h1>Ferry returns to the river</h1></article>"
    )
    assert title_of(head, body) == "Ferry returns to the river"


def test_a_kicker_in_its_own_span_is_left_out_when_the_metadata_leaves_it_out() -> None:
    head = '<meta property="og:title" content="Ferry returns to the river after five years">'
    body = (
        '<h1><span class="kicker">Transport:</span>'
        " Ferry returns to the river after five years</h1>"
    )
    assert title_of(head, body) == "Ferry returns to the river after five years"


def test_a_social_headline_unlike_the_h1_and_title_tag_wins() -> None:
    head = (
        "<title>County board votes to reopen the river ferry | Riverside Courier</title>"
        '<meta property="og:title" content="The ferry is back: what it means for commuters">'
    )
    body = "<h1>County board votes to reopen the river ferry</h1>"
    assert title_of(head, body) == "The ferry is back: what it means for commuters"


def test_json_ld_headline_comes_before_the_h1_when_nothing_else_decides() -> None:
    head = json_ld("Ferry returns after five years")
    assert (
        title_of(head, "<h1>Ferry returns</h1><h1>Weather</h1>") == "Ferry returns after five years"
    )


def test_a_meta_headline_drops_the_section_glued_to_every_other_title() -> None:
    head = (
        "<title>Ferry returns after five years-Local</title>"
        '<meta property="og:title" content="Ferry returns after five years-Local">'
        '<meta name="headline" content="Ferry returns after five years">'
    )
    assert title_of(head, "<p>No heading on this page.</p>") == "Ferry returns after five years"


def test_the_h1_comes_before_a_meta_headline() -> None:
    head = (
        "<title>River ferry: boats return after five years</title>"
        '<meta itemprop="headline" content="River ferry: boats return after five years">'
    )
    body = "<h1>Boats return after five years</h1>"
    assert title_of(head, body) == "Boats return after five years"


def test_a_page_without_candidates_has_no_title() -> None:
    assert title_of("", "<p>Hello</p>") is None


def test_a_screen_reader_label_in_the_h1_is_not_part_of_the_headline() -> None:
    body = (
        '<h1><span class="sr-only">Headline:</span> Ferry returns to the river</h1>'
        "<p>The ferry is back.</p>"
    )
    assert title_of("", body) == "Ferry returns to the river"


def test_a_screen_reader_separator_joins_kicker_and_headline() -> None:
    head = '<meta property="og:title" content="Transport: Ferry returns to the river">'
    body = (
        '<h1><span class="kicker">Transport</span><span class="visually-hidden">: </span>'
        "<span>Ferry returns to the river</span></h1>"
    )
    assert title_of(head, body) == "Transport: Ferry returns to the river"


def test_a_social_headline_does_not_override_metadata_over_an_unrelated_h1() -> None:
    # A live page: the <h1> is the latest entry, which no metadata names.
    head = (
        json_ld("River floods: news and updates") + "<title>River floods: news and updates</title>"
        '<meta property="og:title" content="River floods: the latest news and updates">'
    )
    body = "<h1>Water level at the old bridge falls below the warning mark</h1>"
    assert title_of(head, body) == "River floods: news and updates"


def test_the_printed_headline_wins_when_social_and_search_disagree_two_to_two() -> None:
    head = (
        json_ld("Ferry service resumes on the river in May")
        + "<title>Ferry service resumes on the river in May</title>"
        '<meta property="og:title" content="The ferry is back after five years">'
    )
    body = "<h1>The ferry is back after five years</h1>"
    assert title_of(head, body) == "The ferry is back after five years"


def test_a_meta_headline_cut_at_an_unescaped_quote_is_made_whole_from_the_title_tag() -> None:
    # The inner quote ends the attribute: og:title reads "Senator calls the plan".
    head = (
        '<meta property="og:title" content="Senator calls the plan "unworkable"">'
        '<title>Senator calls the plan "unworkable"</title>'
    )
    assert title_of(head) == 'Senator calls the plan "unworkable"'
    # A social headline that only starts like the title tag is a headline of its own.
    head = (
        '<meta property="og:title" content="Senator calls the plan">'
        "<title>Senator calls the plan unworkable after the vote</title>"
    )
    assert title_of(head) == "Senator calls the plan"


@pytest.mark.parametrize("prefix", ["Courier Magazin | ", "08.11.2021 | "])
def test_a_social_headline_with_a_piped_prefix_is_the_printed_headline(prefix: str) -> None:
    # The prefix is no name the page gives for itself: the <h1> shows what it is.
    head = (
        f'<meta property="og:title" content="{prefix}Trust helps against digital stress">'
        "<title>Trust helps against digital stress</title>"
    )
    body = "<h1>Trust helps against digital stress</h1>"
    assert title_of(head, body) == "Trust helps against digital stress"
    # A kicker before a colon is the social headline's own.
    kicker = head.replace(prefix, "Survey: ")
    assert title_of(kicker, body) == "Survey: Trust helps against digital stress"


def test_quotes_are_spelled_as_json_ld_spells_them() -> None:
    # The words come from the social headline; the spelling from the article's record.
    head = (
        json_ld("„Unworkable“: senator rejects the ferry plan") + '<meta property="og:title"'
        ' content="&quot;Unworkable&quot;: senator rejects the ferry plan">'
        "<title>Senator says the ferry plan cannot work | Riverside Courier</title>"
    )
    body = "<h1>Senator says the ferry plan cannot work</h1>"
    assert title_of(head, body) == "„Unworkable“: senator rejects the ferry plan"


def test_typed_quotes_that_og_title_and_the_title_tag_agree_on_are_kept() -> None:
    typed = "Ferry adds a 'night' service"
    dressed = "Ferry adds a ‘night’ service"
    head = (
        json_ld(dressed) + f'<meta property="og:title" content="{typed}">'
        f"<title>{typed} | Riverside Courier</title>"
    )
    body = f"<h1>{dressed}</h1>"
    assert title_of(head, body) == typed
    # One plain-text source alone does not outvote JSON-LD's spelling.
    assert title_of(head.replace(f"<title>{typed}", "<title>Night ferry"), body) == dressed
    # Without JSON-LD the printed headline keeps its own quotes.
    no_record = head[head.index("<meta") :]
    assert title_of(no_record, body) == dressed


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Ferry returns to the river | Harbour News", "Ferry returns to the river"),
        ("Ferry returns to the river - Courier Press", "Ferry returns to the river"),
        ("Ferry returns to the river │ Courier", "Ferry returns to the river"),
        (
            "Summer timetable for the ferry | Riverside Ferry Company (RFC)",
            "Summer timetable for the ferry",
        ),
        # Not a name: a year, a segment as long as the headline, a bracket left open.
        ("Ferry returns to the river - 2024", "Ferry returns to the river - 2024"),
        ("Ferries | Why the river crossing matters", "Ferries | Why the river crossing matters"),
        ("Ferry fleet (built 1931 – 1945)", "Ferry fleet (built 1931 – 1945)"),
        ("Ferry fleet (old – New Boats)", "Ferry fleet (old – New Boats)"),
    ],
)
def test_a_lone_title_tag_loses_a_short_closing_segment(title: str, expected: str) -> None:
    assert title_of(f"<title>{title}</title>") == expected


def test_a_closing_segment_the_h1_confirms_is_kept() -> None:
    head = "<title>Ferry returns - Courier Press</title>"
    assert (
        title_of(head, "<h1>Ferry returns - Courier Press</h1>") == "Ferry returns - Courier Press"
    )


def test_a_leading_section_set_off_by_a_slash_is_cut_but_a_kicker_before_a_colon_stays() -> None:
    url = "https://www.riverside-courier.example/discours/2024/le-maire-ouvre-la-saison.html"
    head = "<title>Discours / Le maire ouvre la saison du bac sur le fleuve</title>"
    assert title_of(head, url=url) == "Le maire ouvre la saison du bac sur le fleuve"
    # French sets a space before the colon.
    kicker = "<title>Discours : Le maire ouvre la saison du bac sur le fleuve</title>"
    assert title_of(kicker, url=url) == "Discours : Le maire ouvre la saison du bac sur le fleuve"


def test_the_pages_own_slug_is_no_section_even_with_a_closing_slash() -> None:
    url = "https://www.riverside-courier.example/travel/island-ferry-guide/"
    head = "<title>Island ferry guide - a day out on the water</title>"
    assert title_of(head, url=url) == "Island ferry guide - a day out on the water"


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        ("<title>" + "Ferry returns - " * 4_000 + "Courier</title>", "", "Ferry returns - "),
        ("<title>" + "Ferry returns | " * 4_000 + "2024</title>", "", "Ferry returns | "),
        ("<title>Ferry returns" + " " * 50_000 + "| Courier</title>", "", "Ferry returns"),
        (
            '<meta property="og:title" content="' + "Port - " * 8_000 + 'Ferry returns">',
            "<h1>Ferry returns</h1>",
            "Ferry returns",
        ),
        ("", "<h1>" + "<small></small>" * 20_000 + "Ferry returns</h1>", "Ferry returns"),
    ],
    ids=["dashes", "pipes", "spaces", "kickers", "elements"],
)
def test_hostile_titles_are_read_at_once(head: str, body: str, expected: str) -> None:
    started = time.perf_counter()
    title = title_of(head, body)
    assert time.perf_counter() - started < 2.0  # a hang guard: each takes milliseconds
    assert title is not None
    assert title.startswith(expected)


def test_a_titles_outer_segments_are_where_a_site_prints_its_name() -> None:
    assert title_segments("Head | Section | Valley Post") == ["Head", "Valley Post"]
    assert title_segments("Valley Post - Head") == ["Valley Post", "Head"]
    assert title_segments("A headline without separators") == []
    assert title_segments(None) == []
