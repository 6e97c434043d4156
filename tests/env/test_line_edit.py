import pytest

from fixloop.env.line_edit import number_lines, reindent, replace_line_range

SOURCE = "def f(x):\n    if x:\n        return 1\n    return 0\n"


def test_unindented_replacement_takes_the_replaced_lines_indentation():
    text, replaced = replace_line_range(SOURCE, 3, 3, "return 2")
    assert replaced == ["        return 1"]
    assert text.splitlines()[2] == "        return 2"


def test_reindent_keeps_the_blocks_relative_indentation():
    block = "if y:\n    return 3\nreturn 4\n"
    assert reindent(block, ["    if x:", "        return 1"]) == "    if y:\n        return 3\n    return 4\n"


def test_already_indented_replacement_is_left_alone():
    assert reindent("  return 2", ["        return 1"]) == "  return 2"


def test_empty_replacement_deletes_the_lines():
    text, _ = replace_line_range(SOURCE, 2, 3, "")
    assert text == "def f(x):\n    return 0\n"


def test_range_past_the_end_of_the_file_is_refused():
    with pytest.raises(ValueError, match="outside the file, which has 4 lines"):
        replace_line_range(SOURCE, 3, 9, "x")


def test_reversed_range_is_refused():
    with pytest.raises(ValueError, match="after end_line"):
        replace_line_range(SOURCE, 3, 2, "x")


def test_number_lines_marks_the_focus_line():
    rendered = number_lines(SOURCE, 2, 3, marker=3)
    assert rendered.splitlines() == ["  2 |     if x:", ">>3 |         return 1"]
