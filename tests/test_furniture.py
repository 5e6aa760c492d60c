"""The body's furniture lines (extraction/body/furniture.py), one by one."""

from __future__ import annotations

import pytest

from tests.test_cleanup import PARAGRAPH


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Read also: Council delays the ferry vote", "teaser"),
        ("Lesen Sie auch: Stadtrat vertagt die Abstimmung", "teaser"),
        ("Quelle: dpa", "source"),
        ("Foto: Anna Weber / Agentur", "photo credit"),
        ("Tags: Ferry, Transport, River", "tags"),
        ("4 min read", "reading time"),
        ("Was this article helpful?", "feedback prompt"),
        ("Folgen Sie uns auf Instagram", "prompt"),
        ("Siguenos en Telegram, Instagram, Facebook y Twitter", "follow prompt"),  # no accent
        # The same prompt with a line per link.
        ("Follow us on", "follow prompt"),
        ("Telegram,", "follow prompt"),
        ("Facebook y", "follow prompt"),
        ("5. März 2024, 20:59 Uhr", "date"),
        ("https://cdn.example.org/photos/ferry.jpg", "image url"),
        (
            "Comments that insult other readers will not be approved by the moderators.",
            "comment prompt",
        ),
        (
            "Kommentare werden erst nach Prüfung durch die Redaktion freigeschaltet.",
            "comment prompt",
        ),
    ],
)
def test_furniture_lines_in_many_languages(line: str, rule: str) -> None:
    from extraction.body.furniture import furniture_line_rule

    assert furniture_line_rule(line) == rule


def test_sentences_are_not_furniture() -> None:
    from extraction.body.furniture import TEASER_BLOCK_LABELS, furniture_line_rule

    assert TEASER_BLOCK_LABELS.match("Courier 주요뉴스")
    assert furniture_line_rule("The ministry confirmed the figures on Monday [AFP]") is None

    assert furniture_line_rule(PARAGRAPH) is None
    assert furniture_line_rule("Facebook said on Monday it would appeal the ruling.") is None
    assert (
        furniture_line_rule("The source of the leak was a cracked pipe under the landing.") is None
    )


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Already a subscriber? Log in to continue reading.", "paywall"),
        ("The best of our reporting, free in your inbox: the newsletter", "newsletter"),
        ("Follow us on Instagram and TikTok for more", "follow prompt"),
        ("Click here to see the full gallery", "click prompt"),
        ("Click to load external content from a third-party provider (cookies)", "consent notice"),
        ("Let us know in the comments below!", "comment prompt"),
        ("Sie müssen sich anmelden, um die Kommentarfunktion zu nutzen.", "comment prompt"),
        ("Next article", "previous/next"),
        ("Alle Angaben ohne Gewähr", "disclaimer"),
        ("Also on example.com Council delays the ferry vote again", "teaser"),
        ("Ferry fares to rise next spring, council says [VIDEO]", "teaser"),
        ("Contributing: Ann Lee", "source"),
        ("[사진=연합뉴스]", "photo credit"),
        ("기사입력 : 2024-03-05 15:24", "date"),
        ("Auch interessant", "teaser label"),
        ("Related stories", "teaser label"),
        ("Diese Artikel könnten euch auch interessieren:", "teaser label"),
        ("Weitere aktuelle Themen aus der Region", "teaser label"),
        ("Weitere Tourentipps in Schweden", "teaser label"),
        ("Bild anzeigen", "gallery control"),
        ("Close image", "gallery control"),
        ("2 von 17", "gallery control"),
        ("Letzte Änderung 14.02.2019", "date"),
    ],
)
def test_more_furniture_lines(line: str, rule: str) -> None:
    from extraction.body.furniture import furniture_line_rule

    assert furniture_line_rule(line) == rule


def test_a_sentence_that_opens_like_a_teaser_label_stays() -> None:
    from extraction.body.furniture import furniture_line_rule

    line = "Weitere Themen der Sitzung waren der Fährplan und die neuen Preise für Pendler."
    assert furniture_line_rule(line) is None
    assert furniture_line_rule("2 von 17 Fähren fahren wieder.") is None
