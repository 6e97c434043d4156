import pytest

from wrapkit import greedy_lines, paragraphs


def test_paragraphs_are_separated_by_blank_lines():
    text = "  One two\nthree\n\n \t\nFour   five\n\n"
    assert paragraphs(text) == [["One", "two", "three"], ["Four", "five"]]


def test_greedy_fills_each_line_before_the_next():
    words = "aaa bb cc ddddd".split()
    assert greedy_lines(words, 6) == [["aaa", "bb"], ["cc"], ["ddddd"]]
    assert greedy_lines(["a", "extraordinary", "b"], 5) == [["a"], ["extraordinary"], ["b"]]
    assert greedy_lines([], 5) == []
    with pytest.raises(ValueError):
        greedy_lines(words, 0)
