"""The benchmark's scoring must be right before its numbers mean anything."""

import pytest

from bench.metrics import (
    day_within,
    published_days,
    same_authors,
    same_title,
    shingle_counts,
    text_scores,
)

TEXT = "one two three four five six seven eight"


def test_an_exact_prediction_scores_one() -> None:
    assert text_scores([shingle_counts(TEXT, TEXT)]) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_extra_text_costs_precision_and_missing_text_costs_recall() -> None:
    longer = shingle_counts(TEXT, TEXT + " nine ten eleven twelve")
    shorter = shingle_counts(TEXT, "one two three four five")
    assert text_scores([longer])["recall"] == 1.0
    assert text_scores([longer])["precision"] == pytest.approx(5 / 9)
    assert text_scores([shorter])["precision"] == 1.0
    assert text_scores([shorter])["recall"] == pytest.approx(2 / 5)


def test_an_empty_prediction_scores_zero_recall_and_is_left_out_of_precision() -> None:
    scores = text_scores([shingle_counts(TEXT, ""), shingle_counts(TEXT, TEXT)])
    assert scores["recall"] == 0.5
    assert scores["precision"] == 1.0


def test_every_page_weighs_the_same() -> None:
    long_text = " ".join(f"w{i}" for i in range(1000))
    short_text = "a b c d e"
    scores = text_scores(
        [shingle_counts(long_text, long_text), shingle_counts(short_text, "x y z w")]
    )
    assert scores["recall"] == 0.5


def test_titles_and_authors_compare_without_spacing_case_or_order() -> None:
    assert same_title(" Ferry  returns", "Ferry returns")
    assert not same_title("Ferry returns", "Ferry returns | Courier")
    assert same_authors(["Ann  Lee", "Bo Chan"], ["bo chan", "Ann Lee"])
    assert not same_authors(["Ann Lee"], ["Ann Lee", "Bo Chan"])


def test_days_count_in_utc_and_in_the_pages_own_offset() -> None:
    days = published_days("2024-05-02T22:30:00Z", "2024-05-03T00:30:00+02:00")
    assert days == {"2024-05-02", "2024-05-03"}
    assert day_within("2024-05-03", days, 0)
    assert day_within("2024-05-04", days, 1)
    assert not day_within("2024-05-05", days, 1)
    assert published_days(None, None) == set()
    rfc822 = published_days("2019-10-18T22:04:00Z", "Sat, 19 Oct 2019 00:04:00 +0200")
    assert rfc822 == {"2019-10-18", "2019-10-19"}
    assert published_days("2019-10-18T22:04:00Z", "18 October 2019") == {"2019-10-18"}


def test_texts_are_compared_as_read_without_invisible_characters() -> None:
    """A soft-hyphenated word in the ground truth is the word a reader reads."""
    truth = "Der Bun\u00addes\u00adtag stimmt heute \u00fcber das neue Gesetz ab"
    found = "Der Bundestag stimmt heute u\u0308ber das neue Gesetz ab"
    assert shingle_counts(truth, found) == (1.0, 0.0, 0.0)
    assert same_title("Helikopter\u00adlandeplatz", "Helikopterlandeplatz")
    assert same_authors(["Zoe\u200b M\u00fcller"], ["Zoe Mu\u0308ller"])
