"""Furniture removed from the page before extraction, and what must never be removed."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html
from trafilatura.xpaths import BODY_XPATH

from bench.sitegen import DEFAULT_SEED, render_article
from extraction.body.prune import (
    first_body_container,
    merge_split_body,
    page_headlines,
    paragraphs_from_line_breaks,
    prune_furniture,
    unwrap_layout_tables,
)
from extraction.run import extract_article
from tests.localsite import SITE_ROOT

STORY = " ".join(["The ferry carried its first passengers across the river on Monday."] * 4)


def page(body: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(f"<html><body>{body}</body></html>")


def test_furniture_named_in_class_or_id_is_removed() -> None:
    tree = page(
        f"<article><h1>Ferry</h1><p>{STORY}</p>"
        '<figcaption class="wp-caption-text">Crowds at the landing</figcaption>'
        '<div class="share-buttons">Share on Facebook</div>'
        '<div id="relatedPosts">Bridge closed</div>'
        '<div class="newsletter-signup">Sign up</div>'
        '<div class="cookie-banner">We use cookies</div>'
        '<div class="author-bio">Ann covers transport.</div></article>'
    )
    text = prune_furniture(tree).text_content()
    assert STORY in text
    for furniture in ("Crowds", "Facebook", "Bridge", "Sign up", "cookies", "Ann covers"):
        assert furniture not in text


def test_the_story_is_never_removed_whatever_its_wrapper_is_called() -> None:
    tree = page(f'<div class="related-content"><h1>Ferry</h1><p>{STORY}</p></div>')
    assert STORY in prune_furniture(tree).text_content()
    wrapper = page(f'<div class="comments-enabled-article"><p>{STORY}</p><p>{STORY}</p></div>')
    assert STORY in prune_furniture(wrapper).text_content()


def test_negated_class_names_are_not_furniture() -> None:
    tree = page(f'<div class="no-comments"><p>{STORY}</p></div><div class="x">{"a " * 500}</div>')
    assert STORY in prune_furniture(tree).text_content()


def test_text_after_a_removed_element_is_kept() -> None:
    tree = page(f'<p>Before <span class="caption">Photo</span> after. {STORY}</p>')
    assert "Before  after." in prune_furniture(tree).text_content()


def test_a_story_split_over_sibling_containers_is_merged() -> None:
    tree = page(
        f'<article><div class="article-body"><p>{STORY}</p></div>'
        "<aside>Advert</aside>"
        f'<div class="article-body"><p>Second part. {STORY}</p></div></article>'
    )
    merged = merge_split_body(tree)
    bodies = merged.xpath('//div[@class="article-body"]')
    assert len(bodies) == 1
    assert "Second part." in bodies[0].text_content()


def test_a_list_of_teaser_links_among_the_paragraphs_is_removed() -> None:
    tree = page(
        f"<article><p>{STORY}</p>"
        '<div class="box"><ul><li><b>Weather:</b> <a href="/a">Storm closes the harbour</a></li>'
        '<li><a href="/b">New bridge opens to cyclists</a></li></ul></div>'
        f"<p>Second part. {STORY}</p></article>"
    )
    text = prune_furniture(tree).text_content()
    assert "Storm closes" not in text
    assert "cyclists" not in text
    assert "Second part." in text


def test_a_list_of_the_story_and_a_menu_of_links_are_kept() -> None:
    story_list = (
        "<ul><li>Crews start at six, says <a href='/p'>the operator</a>, and work until dusk</li>"
        "<li>Fares stay at two dollars for adults</li></ul>"
    )
    menu = "<ul><li><a href='/n'>News</a></li><li><a href='/s'>Sport</a></li></ul>"
    tree = page(f"<div>{menu}</div><article><p>{STORY}</p>{story_list}</article>")
    text = prune_furniture(tree).text_content()
    assert "Crews start at six" in text
    assert "Fares stay" in text
    assert "Sport" in text


def test_the_headlines_are_the_first_two_h1_elements() -> None:
    tree = page("<h1><a href='/'>Gazette</a></h1><h1>Ferry <b>returns</b></h1><h1>Schedule</h1>")
    assert page_headlines(tree) == ["Gazette", "Ferry returns"]


BODY_SHAPES = [
    '<div class="post">x</div>',
    '<section class="entry">x</section>',
    '<div itemprop="articleBody">x</div>',
    '<main id="articleContent">x</main>',
    '<div id="story-body-2">x</div>',
    '<div class="c-article-body wide">x</div>',
    '<div class="posts">x</div>',  # not the exact class 'post', no body word either
    '<span class="article-body">x</span>',  # not a container tag
    '<aside><div class="post-content">x</div></aside><article class="entry">y</article>',
    '<div class="wrap"><p>no body container at all</p></div>',
]


@pytest.mark.parametrize("body", BODY_SHAPES)
def test_first_body_container_is_what_trafilaturas_first_body_xpath_finds(body: str) -> None:
    tree = page(f"<div class='header'>Courier</div>{body}<div class='entry-content'>z</div>")
    found = BODY_XPATH[0](tree)
    assert first_body_container(tree) is (found[0] if found else None)


def test_first_body_container_on_the_test_sites_pages() -> None:
    pages = [path.read_text(encoding="utf-8") for path in sorted(SITE_ROOT.rglob("*.html"))]
    pages += [render_article(DEFAULT_SEED, number, 40, "http://127.0.0.1:1") for number in range(8)]
    found_any = False
    for html in pages:
        tree = lxml_html.fromstring(html)
        found = BODY_XPATH[0](tree)
        assert first_body_container(tree) is (found[0] if found else None)
        found_any = found_any or bool(found)
    assert found_any


LAYOUT_TABLE = f"""<table><tr><td class="menu"><a href="/">Home</a></td></tr>
<tr><td class="content"><h1>Ferry resumes service</h1><p>{STORY}</p><p>{STORY}</p>
<table class="fares"><tr><th>Ticket</th><th>Fare</th></tr><tr><td>Single</td><td>2.50</td></tr>
</table></td></tr></table>"""


def test_a_table_that_lays_out_the_page_becomes_blocks() -> None:
    tree = unwrap_layout_tables(page(LAYOUT_TABLE))
    tags = [element.tag for element in tree.iter()]
    assert tags.count("table") == 1  # the fares table inside the story stays a table
    assert [cell.text for cell in tree.iter("td")] == ["Single", "2.50"]


def test_tables_of_figures_or_short_entries_stay_tables() -> None:
    data = (
        "<table><tr><th>Year</th><th>Budget</th></tr><tr><td>2023</td><td>4.1m</td></tr>"
        f"<tr><td>2024</td><td>{STORY}</td></tr></table>"  # one long cell is not a layout
    )
    tree = unwrap_layout_tables(page(data))
    assert len(tree.findall(".//table")) == 1
    assert len(tree.findall(".//td")) == 4


def test_a_story_set_in_a_layout_table_is_extracted_as_paragraphs() -> None:
    html = f"<html><head><title>Ferry</title></head><body>{LAYOUT_TABLE}</body></html>"
    extraction = extract_article(html, "http://127.0.0.1:8765/ferry.html")
    lines = extraction.text.splitlines()
    assert lines[0] == STORY
    assert not any(line.startswith("|") and STORY[:40] in line for line in lines)


def test_the_opening_paragraph_of_a_story_set_with_line_breaks_becomes_a_paragraph() -> None:
    tree = paragraphs_from_line_breaks(
        page(f"<div class='content'>{STORY} <em>DigiTimes</em> said.<br><br>Second line.</div>")
    )
    container = tree.find(".//div")
    assert container.text is None
    opening = container[0]
    assert opening.tag == "p"
    assert opening.text_content() == f"{STORY} DigiTimes said."
    assert [child.tag for child in container] == ["p", "br", "br"]
    assert container[-1].tail == "Second line."


@pytest.mark.parametrize(
    "inner",
    [
        "Short opening.<br>Then more.",  # not a paragraph's worth of words
        f"{STORY}<p>{STORY}</p>",  # a block before any line break
        f"{STORY} and no line break",
    ],
)
def test_other_loose_text_is_left_alone(inner: str) -> None:
    tree = paragraphs_from_line_breaks(page(f"<div>{inner}</div>"))
    assert tree.find(".//div").text is not None


def test_links_around_whole_paragraphs_are_teasers() -> None:
    tree = page(
        f"<article><h1>Ferry</h1><p>{STORY} See <a href='/fares'>the fares</a>.</p>"
        "<div class='guides'><a href='/guide/night-mode'><h3>Night mode</h3>"
        "<p>Night mode is an automatic setting of the new wide-angle camera.</p></a></div>"
        "</article>"
    )
    text = prune_furniture(tree).text_content()
    assert "the fares" in text
    assert "Night mode" not in text


def test_a_paragraph_that_is_one_link_is_a_teaser() -> None:
    tree = page(
        f"<article><h1>Ferry</h1><p>{STORY}</p>"
        "<p><a href='/other'>CO-FOUNDER PROUD OF FERRY CREW</a></p>"
        f"<p>{STORY} <a href='/fares'>Fares</a> rise in May.</p>"
        "<p><a href='/x'>Short</a></p></article>"
    )
    text = prune_furniture(tree).text_content()
    assert "CO-FOUNDER" not in text
    assert "Fares rise in May." in text  # a link inside a sentence stays
    assert "Short" in text  # too short to be another story's headline
