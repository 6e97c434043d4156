"""Writing tasks out and reading them back: suite directories and JSONL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.tasks.loader import load_suite, load_tasks
from fixloop.tasks.task import Mutation, Task
from fixloop.tasks.writer import export_tasks
from tests.calc_task import make_calc_task

FORMATS = {"dir": "suite", "jsonl": "suite.jsonl"}

runner = CliRunner()


def unusual_task() -> Task:
    """A task whose files and metadata stress byte-exact writing."""
    base = make_calc_task()
    files = {
        **base.files,
        "docs/ünïcode.md": "naïve café — 日本語 ✓\u2028still one line\n",
        "pkg/__init__.py": "",
        "pkg/deep/nested/mod.py": "VALUE = 1",  # no trailing newline
        "windows.txt": "first\r\nsecond\r\n",
        "tests/data/sample.csv": "a,b\n1,2\n\n\n",
    }
    return base.model_copy(
        update={
            "id": "calc-unusual",
            "title": "add subtracts — ünïcode title",
            "description": 'Line one\r\nLine two with a tab\t and "quotes" and a backslash \\ \n',
            "tags": ["wrong-operator", "ünïcode"],
            "optimal_steps": 4,
            "mutation": Mutation(operator="arith-swap", path="calc.py", line=3, original="+", mutated="-"),
            "files": files,
            "reference_fix": {**base.reference_fix, "pkg/deep/nested/mod.py": "VALUE = 2"},
        }
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_unusual_files_and_fields_round_trip_exactly(tmp_path, fmt) -> None:
    task = unusual_task()

    out = export_tasks([task], tmp_path / FORMATS[fmt], fmt=fmt)

    assert load_tasks(out) == [task]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_multiline_description_round_trips_exactly(tmp_path, fmt) -> None:
    task = make_calc_task(description='"""Quoted"""\nsecond line \\\n\nlast\n')

    assert load_tasks(export_tasks([task], tmp_path / FORMATS[fmt], fmt=fmt)) == [task]


@pytest.mark.parametrize("fmt", FORMATS)
def test_fix_entries_equal_to_the_buggy_file_survive(tmp_path, fmt) -> None:
    calc = make_calc_task()
    unchanged = {"tests/test_calc.py": calc.files["tests/test_calc.py"]}
    task = make_calc_task(reference_fix={**calc.reference_fix, **unchanged})

    assert load_tasks(export_tasks([task], tmp_path / FORMATS[fmt], fmt=fmt)) == [task]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_builtin_suite_round_trips(tmp_path, fmt) -> None:
    suite = load_suite("builtin")

    loaded = load_tasks(export_tasks(suite, tmp_path / FORMATS[fmt], fmt=fmt))

    assert sorted(loaded, key=lambda t: t.id) == sorted(suite, key=lambda t: t.id)


def test_a_suite_directory_holds_one_task_directory_per_id(tmp_path) -> None:
    tasks = [make_calc_task(id="b-task"), make_calc_task(id="a-task")]

    out = export_tasks(tasks, tmp_path / "suite")

    assert sorted(p.name for p in out.iterdir()) == ["a-task", "b-task"]
    assert (out / "a-task" / "task.toml").is_file()


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_refuses_a_non_empty_target(tmp_path, fmt) -> None:
    target = export_tasks([make_calc_task()], tmp_path / FORMATS[fmt], fmt=fmt)

    with pytest.raises(FileExistsError, match="pass --force"):
        export_tasks([make_calc_task(id="other")], target, fmt=fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_with_force_replaces_the_earlier_tasks(tmp_path, fmt) -> None:
    target = export_tasks([make_calc_task()], tmp_path / FORMATS[fmt], fmt=fmt)

    export_tasks([make_calc_task(id="other")], target, fmt=fmt, force=True)

    assert [t.id for t in load_tasks(target)] == ["other"]


def test_export_with_force_keeps_a_directory_that_is_not_a_task(tmp_path) -> None:
    target = export_tasks([make_calc_task()], tmp_path / "suite")
    (target / "notes").mkdir()

    with pytest.raises(FileExistsError, match="holds notes, which is not a task directory"):
        export_tasks([make_calc_task()], target, force=True)
    assert (target / "notes").is_dir() and (target / "calc-add").is_dir()


def test_export_into_an_empty_existing_directory_is_allowed(tmp_path) -> None:
    (tmp_path / "suite").mkdir()

    assert load_tasks(export_tasks([make_calc_task()], tmp_path / "suite")) == [make_calc_task()]


def test_a_file_a_task_directory_cannot_hold_is_refused_before_writing(tmp_path) -> None:
    task = make_calc_task(files={**make_calc_task().files, "__pycache__/calc.py": "x = 1\n"})

    with pytest.raises(
        ValueError, match=r"__pycache__/calc.py would be skipped .* export this task as JSONL"
    ):
        export_tasks([task], tmp_path / "suite")
    assert not (tmp_path / "suite").exists()


def test_jsonl_keeps_files_a_task_directory_cannot_hold(tmp_path) -> None:
    task = make_calc_task(files={**make_calc_task().files, "__pycache__/calc.py": "x = 1\n"})

    assert load_tasks(export_tasks([task], tmp_path / "t.jsonl", fmt="jsonl")) == [task]


def test_duplicate_ids_are_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="duplicate task ids: calc-add"):
        export_tasks([make_calc_task(), make_calc_task()], tmp_path / "suite")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_cli_writes_a_suite_that_loads_back(tmp_path, fmt) -> None:
    source = export_tasks([unusual_task()], tmp_path / "source.jsonl", fmt="jsonl")
    target = tmp_path / FORMATS[fmt]

    result = runner.invoke(
        app, ["tasks", "export", "--path", str(source), "-o", str(target), "--format", fmt, "--json"]
    )

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"out": str(target), "format": fmt, "tasks": ["calc-unusual"]}
    assert load_tasks(target) == [unusual_task()]


def test_export_cli_refuses_a_non_empty_target_without_force(tmp_path) -> None:
    source = export_tasks([make_calc_task()], tmp_path / "source.jsonl", fmt="jsonl")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "README.md").write_text("mine\n")

    refused = runner.invoke(app, ["tasks", "export", "--path", str(source), "-o", str(tmp_path / "out")])
    forced = runner.invoke(
        app, ["tasks", "export", "--path", str(source), "-o", str(tmp_path / "out"), "--force"]
    )

    assert refused.exit_code == 2
    assert "is not empty; pass --force" in refused.stderr
    assert forced.exit_code == 0
    assert (tmp_path / "out" / "README.md").read_text() == "mine\n"


def test_export_cli_rejects_an_unknown_format(tmp_path) -> None:
    result = runner.invoke(app, ["tasks", "export", "-o", str(tmp_path / "x"), "--format", "yaml"])

    assert result.exit_code == 2
    assert "unknown output format 'yaml'" in result.stderr
