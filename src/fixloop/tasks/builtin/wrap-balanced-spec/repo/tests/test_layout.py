import time

import pytest

from wrapkit import balanced_lines, format_text

DEBUGGER = """A debugger is only as good as the questions it lets you ask, and the
answers it gives back should be short enough to read at a glance."""

PANGRAMS = """The quick brown fox jumps over the lazy dog near the river bank.

Pack my box with five dozen liquor jugs."""


def test_greedy_layout_with_justified_paragraphs():
    assert format_text(PANGRAMS, 20, align="justify") == (
        "The  quick brown fox\n"
        "jumps  over the lazy\n"
        "dog  near  the river\n"
        "bank.\n"
        "\n"
        "Pack   my  box  with\n"
        "five   dozen  liquor\n"
        "jugs.\n"
    )


def test_balanced_breaking_leaves_the_last_line_free():
    assert format_text("aaaa bbbb c", 9, breaking="balanced") == "aaaa bbbb\nc\n"
    assert format_text(DEBUGGER, 30, breaking="balanced") == format_text(DEBUGGER, 30)


def test_balanced_breaking_edge_cases():
    assert format_text("", 10, breaking="balanced") == ""
    assert format_text("short line", 40, breaking="balanced") == "short line\n"
    with pytest.raises(ValueError):
        balanced_lines(["word"], 0)


def test_balanced_breaking_of_a_long_paragraph_is_quick():
    words = [("lorem", "ipsum", "dolor", "sit", "amet", "consectetur")[n % 6] for n in range(400)]
    started = time.perf_counter()
    lines = balanced_lines(words, 50)
    assert time.perf_counter() - started < 2
    assert [word for line in lines for word in line] == words
    assert all(len(" ".join(line)) <= 50 for line in lines)


def test_balanced_breaking_evens_out_the_margin():
    assert format_text("aaa bb cc ddddd", 6, breaking="balanced") == "aaa\nbb cc\nddddd\n"


def test_balanced_paragraph():
    assert format_text(DEBUGGER, 28, breaking="balanced") == (
        "A debugger is only as good\n"
        "as the questions it lets\n"
        "you ask, and the answers it\n"
        "gives back should be short\n"
        "enough to read at a glance.\n"
    )


def test_balanced_ties_go_to_the_longer_first_line():
    words = "dark red wine and an espresso".split()
    assert balanced_lines(words, 9) == [["dark", "red"], ["wine"], ["and", "an"], ["espresso"]]
    assert format_text(" ".join(words), 9, align="right", breaking="balanced") == (
        " dark red\n     wine\n   and an\n espresso\n"
    )


def test_overlong_word_sits_alone_at_no_cost():
    text = "read the notes at https://example.org/guide/setup before you start the install"
    assert format_text(text, 14, breaking="balanced") == (
        "read the\n"
        "notes at\n"
        "https://example.org/guide/setup\n"
        "before you\n"
        "start the\n"
        "install\n"
    )


def test_balanced_and_justified():
    assert format_text(DEBUGGER, 28, align="justify", breaking="balanced") == (
        "A  debugger  is only as good\n"
        "as  the  questions  it  lets\n"
        "you  ask, and the answers it\n"
        "gives  back  should be short\n"
        "enough to read at a glance.\n"
    )
