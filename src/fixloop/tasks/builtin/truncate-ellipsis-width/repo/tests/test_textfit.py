import pytest

from textfit import fit_column, truncate


def test_short_text_is_unchanged():
    assert truncate("fox", 10) == "fox"


def test_text_of_exactly_the_width_is_unchanged():
    assert truncate("abcdefghij", 10) == "abcdefghij"


def test_space_at_the_cut_is_dropped():
    assert truncate("Hello world", 8) == "Hello..."


def test_width_too_small_for_the_ellipsis():
    with pytest.raises(ValueError):
        truncate("abcdef", 2)


def test_long_text_is_cut_to_the_width():
    assert truncate("The quick brown fox", 10) == "The qui..."


def test_custom_ellipsis():
    assert truncate("abcdefghij", 5, ellipsis="\u2026") == "abcd\u2026"


def test_result_never_exceeds_the_width():
    text = "Pack my box with five dozen liquor jugs"
    for width in range(3, len(text) + 1):
        assert len(truncate(text, width)) <= width


def test_fit_column_pads_and_cuts():
    assert fit_column(["id", "description"], 8) == ["id      ", "descr..."]
