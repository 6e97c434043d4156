import pytest
from textkit.wrap import fill, justify, wrap


def test_wrap_breaks_between_words():
    assert wrap("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]


def test_wrap_fills_a_line_to_exactly_the_width():
    assert wrap("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]


def test_a_word_longer_than_the_width_gets_its_own_line():
    assert wrap("a extraordinary b", 5) == ["a", "extraordinary", "b"]


def test_wrap_rejects_a_zero_width():
    with pytest.raises(ValueError):
        wrap("text", 0)


def test_justify_spreads_spaces_evenly():
    assert justify("a b c", 9) == "a   b   c"


def test_justify_gives_extra_spaces_to_the_left_gaps():
    assert justify("a b c", 8) == "a   b  c"


def test_justify_pads_a_single_word_on_the_right():
    assert justify("word", 7) == "word   "


def test_fill_justifies_all_lines_but_the_last():
    assert fill("aa bb cc dd ee", 7) == "aa   bb\ncc   dd\nee"


def test_fill_of_a_single_line_leaves_it_ragged():
    assert fill("aa bb", 10) == "aa bb"
