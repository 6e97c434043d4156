"""`bounded_diff`: exact for ordinary changes, bounded for pathological ones."""

from fixloop.env.bounded_diff import MAX_DIFFED_LINES, bounded_diff
from fixloop.env.edit_diff import changed_lines, edit_diff

LARGE = "".join(f"line {n}\n" for n in range(5_000))


def test_a_small_file_is_diffed_exactly_as_edit_diff_does():
    before, after = "a\nb\nc\n", "a\nB\nc\nd\n"
    exact = (changed_lines(before, after), edit_diff("f.py", before, after))
    assert bounded_diff("f.py", before, after) == exact


def test_a_small_change_to_a_large_file_gives_the_whole_file_diff():
    after = LARGE.replace("line 2500\n", "line 2500 changed\nand one more\n")
    assert bounded_diff("f.py", LARGE, after) == (3, edit_diff("f.py", LARGE, after))


def test_lines_added_at_the_end_of_a_large_file_keep_their_line_numbers():
    after = LARGE + "tail 1\ntail 2\n"
    assert bounded_diff("f.py", LARGE, after) == (2, edit_diff("f.py", LARGE, after))


def test_a_change_too_large_to_diff_is_counted_and_noted():
    after = "\n" * (3 * MAX_DIFFED_LINES)
    lines, diff = bounded_diff("f.py", LARGE, after)
    assert lines == 5_000 + 3 * MAX_DIFFED_LINES
    assert diff == f"--- a/f.py\n+++ b/f.py\n(not shown: {lines} lines changed, too many to diff)\n"


def test_a_large_file_created_or_deleted_is_diffed_whole():
    assert bounded_diff("f.py", None, LARGE) == (5_000, edit_diff("f.py", None, LARGE))
    assert bounded_diff("f.py", LARGE, None) == (5_000, edit_diff("f.py", LARGE, None))
