"""Importing SWE-bench-style JSONL instances as tasks."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.tasks.loader import TaskLoadError, load_tasks
from fixloop.tasks.swebench import TITLE_LENGTH, load_swebench
from fixloop.tasks.validator import validate_task
from tests.calc_task import CALC_BUGGY, CALC_FIXED, CALC_TESTS

runner = CliRunner()

NEW_TEST = "\n\ndef test_add_twice():\n    assert add(add(1, 1), 1) == 3\n"


def diff(path: str, old: str | None, new: str) -> str:
    """A `git diff`-style patch turning `old` (None: absent) into `new` at `path`."""
    return "".join(
        difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile="/dev/null" if old is None else f"a/{path}",
            tofile=f"b/{path}",
        )
    )


def instance(**overrides: Any) -> dict[str, Any]:
    """A SWE-bench-style instance of the calc bug whose test_patch adds one failing test."""
    record: dict[str, Any] = {
        "instance_id": "calc__calc-12",
        "repo": "calc/calc",
        "base_commit": "0" * 40,
        "problem_statement": "add() subtracts\n\nadd(2, 3) returns -1 instead of 5.\n",
        "hints_text": "look at calc.py",
        "created_at": "2024-01-01T00:00:00Z",
        "version": "1.0",
        "environment_setup_commit": "1" * 40,
        "files": {"calc.py": CALC_BUGGY, "tests/test_calc.py": CALC_TESTS},
        "test_patch": diff("tests/test_calc.py", CALC_TESTS, CALC_TESTS + NEW_TEST),
        "patch": diff("calc.py", CALC_BUGGY, CALC_FIXED),
        "FAIL_TO_PASS": json.dumps(
            ["tests/test_calc.py::test_add_small", "tests/test_calc.py::test_add_twice"]
        ),
        "PASS_TO_PASS": json.dumps(["tests/test_calc.py::test_double"]),
    }
    record.update(overrides)
    return record


def write_instances(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def test_a_valid_instance_imports_with_its_test_patch_applied(tmp_path) -> None:
    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", instance()))

    assert task.files["tests/test_calc.py"] == CALC_TESTS + NEW_TEST
    assert task.files["calc.py"] == CALC_BUGGY
    assert task.reference_fix == {"calc.py": CALC_FIXED}


def test_test_lists_given_as_json_strings_are_parsed(tmp_path) -> None:
    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", instance()))

    assert task.fail_to_pass == ["tests/test_calc.py::test_add_small", "tests/test_calc.py::test_add_twice"]
    assert task.pass_to_pass == ["tests/test_calc.py::test_double"]


def test_test_lists_given_as_lists_are_accepted(tmp_path) -> None:
    record = instance(FAIL_TO_PASS=["tests/test_calc.py::test_add_small"], PASS_TO_PASS=[])

    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", record))

    assert (task.fail_to_pass, task.pass_to_pass) == (["tests/test_calc.py::test_add_small"], [])


def test_the_problem_statement_gives_description_title_and_the_tests_give_test_paths(tmp_path) -> None:
    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", instance()))

    assert task.id == "calc__calc-12"
    assert task.title == "add() subtracts"
    assert task.description == instance()["problem_statement"]
    assert task.test_paths == ["tests/test_calc.py"]
    assert task.tags == ["swebench", "repo:calc/calc"]
    assert task.difficulty == "medium"


def test_a_long_first_line_is_cut_to_the_title_length(tmp_path) -> None:
    record = instance(problem_statement="## " + "x" * 200 + "\nmore")

    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", record))

    assert len(task.title) == TITLE_LENGTH
    assert task.title.startswith("xxx") and task.title.endswith("…")


def test_an_instance_id_is_sanitised_into_a_task_id(tmp_path) -> None:
    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", instance(instance_id="org/repo#12 fix")))

    assert task.id == "org-repo-12-fix"


@pytest.mark.parametrize(
    ("estimate", "level"),
    [("<15 min fix", "easy"), ("15 min - 1 hour", "medium"), ("1-4 hours", "hard"), (">4 hours", "hard")],
)
def test_swebench_difficulty_estimates_map_to_levels(tmp_path, estimate, level) -> None:
    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", instance(difficulty=estimate)))

    assert task.difficulty == level


def test_an_empty_test_patch_keeps_the_files_as_given(tmp_path) -> None:
    record = instance(test_patch="", FAIL_TO_PASS=["tests/test_calc.py::test_add_small"])

    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", record))

    assert task.files["tests/test_calc.py"] == CALC_TESTS


def test_load_tasks_recognises_a_swebench_file(tmp_path) -> None:
    path = write_instances(tmp_path / "data.jsonl", instance())

    assert load_tasks(path) == load_swebench(path)


@pytest.mark.parametrize(
    "field",
    ["instance_id", "problem_statement", "files", "test_patch", "patch", "FAIL_TO_PASS", "PASS_TO_PASS"],
)
def test_a_missing_field_names_line_task_and_field(tmp_path, field) -> None:
    record = instance()
    del record[field]
    path = write_instances(tmp_path / "data.jsonl", instance(instance_id="ok-1"), record)

    task = "" if field == "instance_id" else r" \(task 'calc__calc-12'\)"
    with pytest.raises(TaskLoadError, match=rf"data.jsonl line 2{task}: {field}: Field required"):
        load_swebench(path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("files", ["calc.py"], "files: Input should be a valid dictionary"),
        ("patch", 7, "patch: Input should be a valid string"),
        ("FAIL_TO_PASS", 3, "FAIL_TO_PASS: Input should be a valid list"),
        ("PASS_TO_PASS", [1], r"PASS_TO_PASS.0: Input should be a valid string"),
        ("difficulty", "a week", "difficulty: 'a week' is not one of"),
    ],
)
def test_a_wrong_type_names_line_task_and_field(tmp_path, field, value, message) -> None:
    path = write_instances(tmp_path / "data.jsonl", instance(**{field: value}))

    with pytest.raises(TaskLoadError, match=rf"data.jsonl line 1 \(task 'calc__calc-12'\): {message}"):
        load_swebench(path)


def test_a_fix_patch_that_does_not_apply_names_the_hunk(tmp_path) -> None:
    record = instance(patch=diff("calc.py", CALC_BUGGY.replace("a - b", "b - a"), CALC_FIXED))

    with pytest.raises(
        TaskLoadError, match=r"\(task 'calc__calc-12'\): patch: calc.py: hunk 1 .* does not apply"
    ):
        load_swebench(write_instances(tmp_path / "data.jsonl", record))


def test_a_test_patch_that_does_not_apply_names_the_file(tmp_path) -> None:
    record = instance(test_patch=diff("tests/test_other.py", "x = 1\n", "x = 2\n"))

    expected = r"\(task 'calc__calc-12'\): test_patch: tests/test_other.py: the patch modifies this file"
    with pytest.raises(TaskLoadError, match=expected):
        load_swebench(write_instances(tmp_path / "data.jsonl", record))


def test_a_bad_json_line_is_named(tmp_path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(instance()) + "\n{not json\n")

    with pytest.raises(TaskLoadError, match=r"data.jsonl line 2: invalid JSON"):
        load_swebench(path)


def test_a_test_list_string_that_is_not_json_names_the_field(tmp_path) -> None:
    record = instance(FAIL_TO_PASS="[tests/test_calc.py::test_add_small")

    expected = r"line 1 \(task 'calc__calc-12'\): FAIL_TO_PASS: not a JSON-encoded list of node ids"
    with pytest.raises(TaskLoadError, match=expected):
        load_swebench(write_instances(tmp_path / "data.jsonl", record))


def test_a_test_that_is_no_pytest_node_id_is_rejected(tmp_path) -> None:
    record = instance(FAIL_TO_PASS=json.dumps(["test_add (calc.tests.AddTests)"]))

    with pytest.raises(
        TaskLoadError, match=r"FAIL_TO_PASS: 'test_add \(calc.tests.AddTests\)' is not a pytest"
    ):
        load_swebench(write_instances(tmp_path / "data.jsonl", record))


def test_a_test_in_a_file_the_repository_lacks_is_rejected(tmp_path) -> None:
    record = instance(PASS_TO_PASS=["tests/test_gone.py::test_x"])

    with pytest.raises(
        TaskLoadError, match=r"PASS_TO_PASS: 'tests/test_gone.py::test_x' is in tests/test_gone.py"
    ):
        load_swebench(write_instances(tmp_path / "data.jsonl", record))


def test_duplicate_instance_ids_are_rejected_naming_both_lines(tmp_path) -> None:
    path = write_instances(tmp_path / "data.jsonl", instance(), instance())

    with pytest.raises(TaskLoadError, match=r"duplicate task id 'calc__calc-12' in .*line 1 and .*line 2"):
        load_swebench(path)


def test_import_cli_writes_a_suite_directory(tmp_path) -> None:
    source = write_instances(tmp_path / "data.jsonl", instance(), instance(instance_id="calc__calc-13"))

    result = runner.invoke(
        app, ["tasks", "import", str(source), "--format", "swebench", "-o", str(tmp_path / "suite"), "--json"]
    )

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["tasks"] == ["calc__calc-12", "calc__calc-13"]
    assert load_tasks(tmp_path / "suite") == load_swebench(source)


def test_import_cli_writes_jsonl(tmp_path) -> None:
    source = write_instances(tmp_path / "data.jsonl", instance())
    target = tmp_path / "tasks.jsonl"

    result = runner.invoke(
        app, ["tasks", "import", str(source), "-o", str(target), "--as", "jsonl", "--json"]
    )

    assert result.exit_code == 0, result.stderr
    assert load_tasks(target) == load_swebench(source)


def test_import_cli_writes_nothing_when_one_instance_is_broken(tmp_path) -> None:
    source = write_instances(tmp_path / "data.jsonl", instance(), instance(instance_id="x__y-12", patch=3))

    result = runner.invoke(app, ["tasks", "import", str(source), "-o", str(tmp_path / "suite")])

    assert result.exit_code == 2
    assert "line 2 (task 'x__y-12'): patch: Input should be a valid string" in result.stderr
    assert not (tmp_path / "suite").exists()


def test_import_cli_rejects_an_unknown_format(tmp_path) -> None:
    source = write_instances(tmp_path / "data.jsonl", instance())

    result = runner.invoke(
        app, ["tasks", "import", str(source), "--format", "csv", "-o", str(tmp_path / "s")]
    )

    assert result.exit_code == 2
    assert "unknown input format 'csv'" in result.stderr


def test_an_imported_instance_is_a_valid_task(tmp_path, sandbox) -> None:
    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", instance()))

    report = validate_task(task, sandbox, repeats=1)

    assert report.valid, report.problems
