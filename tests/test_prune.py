"""Furniture removed from the page before extraction, and what must never be removed."""

from __future__ import annotations

from lxml import html as lxml_html

from pipelines.prune import merge_split_body, prune_furniture

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
