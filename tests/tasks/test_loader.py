"""Loading tasks from task directories, JSONL files and suites."""

from __future__ import annotations

import json

import pytest

from fixloop.tasks.loader import TaskLoadError, load_jsonl, load_suite, load_task_dir, load_tasks
from fixloop.tasks.task import Task
from tests.tasks.task_formats import jsonl_record, write_jsonl, write_task_dir


@pytest.fixture
def task(calc_task: Task) -> Task:
    """The calc task with a fix that both modifies a file and adds one."""
    fix = {**calc_task.reference_fix, "calc_extra.py": "def triple(x):\n    return x * 3\n"}
    return calc_task.model_copy(update={"reference_fix": fix})


@pytest.mark.parametrize("fix_as", ["solution", "fix.patch"])
def test_task_directory_loads_into_the_same_task(task, tmp_path, fix_as) -> None:
    task_dir = write_task_dir(tmp_path / "calc", task, fix_as=fix_as)

    assert load_task_dir(task_dir) == task


@pytest.mark.parametrize("fix_as", ["solution_files", "patch"])
def test_jsonl_record_loads_into_the_same_task(task, tmp_path, fix_as) -> None:
    path = write_jsonl(tmp_path / "tasks.jsonl", [jsonl_record(task, fix_as=fix_as)])

    assert load_jsonl(path) == [task]


def test_jsonl_ignores_blank_lines(task, tmp_path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n  \n" + json.dumps(jsonl_record(task)) + "\n\n")

    assert load_jsonl(path) == [task]


def test_repo_caches_and_history_are_not_task_files(task, tmp_path) -> None:
    task_dir = write_task_dir(tmp_path / "calc", task)
    for junk in ["__pycache__/calc.cpython-311.pyc", ".git/HEAD", ".pytest_cache/v", "tests/x.pyc"]:
        (task_dir / "repo" / junk).parent.mkdir(parents=True, exist_ok=True)
        (task_dir / "repo" / junk).write_bytes(b"\x00\xff")

    assert load_task_dir(task_dir).files == task.files


def test_suite_loads_task_directories_in_name_order_ignoring_other_entries(task, tmp_path) -> None:
    for task_id in ["b-task", "a-task"]:
        write_task_dir(tmp_path / task_id, task.model_copy(update={"id": task_id}))
    (tmp_path / "README.md").write_text("# suite\n")
    (tmp_path / "__pycache__").mkdir()

    assert [t.id for t in load_tasks(tmp_path)] == ["a-task", "b-task"]


def test_load_tasks_detects_a_single_task_directory(task, tmp_path) -> None:
    assert load_tasks(write_task_dir(tmp_path / "calc", task)) == [task]


def test_load_tasks_detects_a_jsonl_file(task, tmp_path) -> None:
    assert load_tasks(write_jsonl(tmp_path / "tasks.jsonl", [jsonl_record(task)])) == [task]


def test_load_tasks_rejects_a_path_that_is_no_task_source(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")

    with pytest.raises(TaskLoadError, match=r"not a task directory, a suite directory or a \.jsonl file"):
        load_tasks(tmp_path / "notes.txt")


def test_load_tasks_rejects_a_missing_path(tmp_path) -> None:
    with pytest.raises(TaskLoadError, match="no such file or directory"):
        load_tasks(tmp_path / "absent.jsonl")


def test_load_tasks_rejects_an_empty_suite(tmp_path) -> None:
    with pytest.raises(TaskLoadError, match="holds no tasks"):
        load_tasks(tmp_path)


def test_unknown_suite_name_lists_the_known_suites() -> None:
    with pytest.raises(TaskLoadError, match="unknown suite 'nope'; known suites: builtin"):
        load_suite("nope")


def test_invalid_toml_names_the_file(task, tmp_path) -> None:
    task_dir = write_task_dir(tmp_path / "calc", task)
    (task_dir / "task.toml").write_text('id = "calc-add"\ntitle = \n')

    with pytest.raises(TaskLoadError, match=r"calc/task.toml: invalid TOML"):
        load_task_dir(task_dir)


def test_missing_field_names_file_task_and_field(task, tmp_path) -> None:
    task_dir = write_task_dir(tmp_path / "calc", task)
    toml = (task_dir / "task.toml").read_text()
    (task_dir / "task.toml").write_text("\n".join(line for line in toml.splitlines() if "title" not in line))

    with pytest.raises(TaskLoadError, match=r"calc/task.toml \(task 'calc-add'\): title: Field required"):
        load_task_dir(task_dir)


def test_wrong_type_names_line_task_and_field(task, tmp_path) -> None:
    broken = {**jsonl_record(task), "fail_to_pass": "tests/test_calc.py::test_add_small"}
    path = write_jsonl(tmp_path / "tasks.jsonl", [broken])

    expected = r"tasks.jsonl line 1 \(task 'calc-add'\): fail_to_pass: Input should be a valid list"
    with pytest.raises(TaskLoadError, match=expected):
        load_jsonl(path)


def test_solution_and_patch_together_are_rejected(task, tmp_path) -> None:
    task_dir = write_task_dir(tmp_path / "calc", task)
    (task_dir / "fix.patch").write_text("--- a/calc.py\n+++ b/calc.py\n")

    expected = r"\(task 'calc-add'\): .*exactly one of solution/ and fix.patch \(found both\)"
    with pytest.raises(TaskLoadError, match=expected):
        load_task_dir(task_dir)


def test_a_task_without_any_fix_is_rejected(task, tmp_path) -> None:
    record = jsonl_record(task)
    del record["solution_files"]

    with pytest.raises(TaskLoadError, match=r"exactly one of solution_files and patch \(found neither\)"):
        load_jsonl(write_jsonl(tmp_path / "tasks.jsonl", [record]))


def test_a_patch_that_does_not_apply_names_patch_task_and_hunk(task, tmp_path) -> None:
    task_dir = write_task_dir(tmp_path / "calc", task, fix_as="fix.patch")
    (task_dir / "repo" / "calc.py").write_text("def add(a, b):\n    return b - a\n")

    expected = r"calc/fix.patch \(task 'calc-add'\): calc.py: hunk 1 \(@@ .* @@\) does not apply"
    with pytest.raises(TaskLoadError, match=expected):
        load_task_dir(task_dir)


def test_a_binary_repo_file_names_task_and_file(task, tmp_path) -> None:
    task_dir = write_task_dir(tmp_path / "calc", task)
    (task_dir / "repo" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")

    with pytest.raises(TaskLoadError, match=r"\(task 'calc-add'\): .*repo/logo.png: not a UTF-8 text file"):
        load_task_dir(task_dir)


def test_invalid_json_names_the_line(task, tmp_path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(jsonl_record(task)) + "\n{not json\n")

    with pytest.raises(TaskLoadError, match=r"tasks.jsonl line 2: invalid JSON"):
        load_jsonl(path)


def test_duplicate_ids_in_jsonl_name_both_lines(task, tmp_path) -> None:
    path = write_jsonl(tmp_path / "tasks.jsonl", [jsonl_record(task), jsonl_record(task)])

    with pytest.raises(TaskLoadError, match=r"duplicate task id 'calc-add' in .*line 1 and .*line 2"):
        load_jsonl(path)


def test_duplicate_ids_in_a_suite_name_both_directories(task, tmp_path) -> None:
    write_task_dir(tmp_path / "one", task)
    write_task_dir(tmp_path / "two", task)

    with pytest.raises(TaskLoadError, match=r"duplicate task id 'calc-add' in .*/one and .*/two"):
        load_tasks(tmp_path)


def test_one_broken_task_fails_the_whole_suite(task, tmp_path) -> None:
    write_task_dir(tmp_path / "a-good", task)
    broken = write_task_dir(tmp_path / "b-broken", task.model_copy(update={"id": "b-broken"}))
    toml = (broken / "task.toml").read_text()
    (broken / "task.toml").write_text(toml.replace("max_steps = 12", 'max_steps = "many"'))

    expected = r"b-broken/task.toml \(task 'b-broken'\): max_steps: Input should be"
    with pytest.raises(TaskLoadError, match=expected):
        load_tasks(tmp_path)
