"""Each step's summary records what it did, for trajectories and diagnosis."""

from fixloop.env.actions import (
    ReadFile,
    ReplaceLines,
    Reset,
    RunTests,
    SearchCode,
    Submit,
    UndoEdit,
    WriteFile,
)
from fixloop.env.edit_diff import cap_text, changed_lines

FIX = ReplaceLines(path="calc.py", start_line=3, end_line=3, new_code="return a + b")


def test_a_read_records_the_path_and_how_much_was_shown(env):
    summary = env.step(ReadFile(path="./calc.py")).summary
    assert summary.path == "calc.py"
    assert summary.chars_read > len("return a - b")
    assert summary.diff is None
    assert summary.tests is None


def test_a_search_records_the_characters_of_its_results(env):
    summary = env.step(SearchCode(query="def add")).summary
    assert summary.chars_read > 0
    assert summary.path is None


def test_an_edit_records_its_diff_and_size(env):
    summary = env.step(FIX).summary
    assert summary.path == "calc.py"
    assert "-    return a - b" in summary.diff
    assert "+    return a + b" in summary.diff
    assert summary.lines_changed == 2
    assert summary.chars_read == 0


def test_undo_records_the_reverse_diff(env):
    env.step(FIX)
    summary = env.step(UndoEdit()).summary
    assert "-    return a + b" in summary.diff
    assert "+    return a - b" in summary.diff


def test_reset_records_the_diff_of_every_file_it_restores(env):
    env.step(FIX)
    env.step(WriteFile(path="notes.txt", content="hi\n"))
    summary = env.step(Reset()).summary
    assert "a/calc.py" in summary.diff
    assert "+++ /dev/null" in summary.diff
    assert summary.lines_changed == 3


def test_a_test_run_records_its_verdicts_and_the_pass_fraction(env):
    summary = env.step(RunTests()).summary
    assert summary.tests.passed == 2
    assert summary.tests.total == 4
    assert "tests/test_calc.py::test_add_small" in summary.tests.failing
    assert "2 passed, 2 failed" in summary.test_output
    assert summary.pass_fraction == 0.5
    env.step(FIX)
    assert env.step(RunTests()).summary.pass_fraction == 1.0


def test_the_pass_fraction_carries_over_steps_that_run_no_tests(env):
    env.step(FIX)
    env.step(RunTests())
    assert env.step(ReadFile(path="calc.py")).summary.pass_fraction == 1.0


def test_writing_a_dangerous_pattern_is_recorded(env):
    code = "import os\n\ndef add(a, b):\n    os.system('true')\n    return a + b\n"
    summary = env.step(WriteFile(path="calc.py", content=code)).summary
    assert summary.dangerous == {"os.system": 1}


def test_a_syntax_error_after_an_edit_is_recorded(env):
    summary = env.step(ReplaceLines(path="calc.py", start_line=3, end_line=3, new_code="return a +")).summary
    assert summary.syntax_error.startswith("calc.py:3")


def test_a_submit_records_the_graded_pass_fraction(env):
    env.step(FIX)
    assert env.step(Submit()).summary.pass_fraction == 1.0


def test_changed_lines_counts_removed_plus_added_lines():
    assert changed_lines("a\nb\nc\n", "a\nB\nc\n") == 2
    assert changed_lines(None, "x\ny\n") == 2
    assert changed_lines("same\n", "same\n") == 0


def test_cap_text_says_how_much_it_cut():
    assert cap_text("abc", 5) == "abc"
    assert cap_text("abcdefgh", 3).startswith("abc\n... (5 more characters not kept)")
