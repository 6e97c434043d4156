"""The description of a synthesized bug reads like a user's bug report."""

from fixloop.tasks.synthesis.bug_report import bug_description, bug_title, failure_line

FAILING = ["tests/test_a.py::test_total", "tests/test_a.py::test_tax"]
MESSAGES = {
    "tests/test_a.py::test_total": "assert 3 == 4\n +  where 3 = total([1, 2])",
    "tests/test_a.py::test_tax": "TypeError: unsupported operand",
}


def test_the_description_lists_each_failing_test_with_its_error():
    description = bug_description(FAILING, 10, MESSAGES)
    assert description.startswith("After the last change 2 of the 10 tests fail:")
    assert "`tests/test_a.py::test_total`\n  `AssertionError: assert 3 == 4`" in description
    assert "`TypeError: unsupported operand`" in description
    assert "The rest of the suite still passes." in description


def test_a_long_list_of_failures_is_cut_with_a_count():
    failing = [f"tests/test_a.py::test_{n}" for n in range(8)]
    description = bug_description(failing, 20, {})
    assert "test_4" in description
    assert "test_5" not in description
    assert "... and 3 more." in description


def test_failure_lines_mask_memory_addresses_so_reports_are_stable():
    line = failure_line("AssertionError: assert <Box object at 0x7f3a2b1c9d00> == 2")
    assert line == "AssertionError: assert <Box object at 0x...> == 2"


def test_a_failure_line_that_elides_a_path_keeps_only_the_exception_type():
    line = failure_line("assert '/tmp/fixloop.../test_core.py' == 'file /tmp/fi...d34/test_core.py'")
    assert line == "AssertionError"


def test_the_title_names_the_first_failing_test():
    assert bug_title(FAILING[:1]) == "test_total fails"
    assert bug_title(FAILING) == "2 tests fail, including test_total"
