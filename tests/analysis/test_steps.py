"""fixloop.analysis.steps: the one definition of what kind of step a recorded step was."""

from __future__ import annotations

from fixloop.analysis.steps import (
    action_type,
    edit_path,
    is_code_change,
    is_edit,
    ran_tests,
    read_path,
    search_query,
    succeeded,
)
from tests.analysis.builders import edit, read, run, search, step, view


def test_an_unknown_action_type_is_no_action_and_does_not_succeed() -> None:
    odd = step({"action_type": "fly"})

    assert action_type(odd) is None
    assert not succeeded(odd)


def test_a_failed_read_reads_no_file() -> None:
    failed = step({"action_type": "read_file", "path": "nope.py"}, error="no such file: nope.py")

    assert read_path(failed) is None


def test_a_listing_reads_no_file_but_a_view_of_a_file_does() -> None:
    listing = step({"action_type": "view_code", "path": None})

    assert read_path(listing) is None
    assert read_path(view("calc.py")) == "calc.py"


def test_an_edit_names_the_file_it_changed_and_is_a_code_change() -> None:
    assert is_edit(edit("calc.py"))
    assert edit_path(edit("calc.py")) == "calc.py"
    assert is_code_change(edit("calc.py"))
    assert not is_edit(read("calc.py"))


def test_an_undo_is_a_code_change_but_not_an_edit() -> None:
    undo = step({"action_type": "undo_edit"})

    assert is_code_change(undo)
    assert not is_edit(undo)


def test_a_search_gives_its_query_and_other_steps_none() -> None:
    assert search_query(search("add")) == "add"
    assert search_query(read("calc.py")) is None


def test_a_test_run_needs_a_result() -> None:
    assert ran_tests(run(passed=2))
    assert not ran_tests(step({"action_type": "run_tests"}))
