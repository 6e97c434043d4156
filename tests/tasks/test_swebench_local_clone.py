"""SWE-bench-style instances that point at a local git clone instead of carrying `files`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.tasks.loader import TaskLoadError, load_tasks
from fixloop.tasks.swebench import load_swebench
from fixloop.tasks.validator import validate_task
from tests.calc_task import CALC_BUGGY, CALC_FIXED, CALC_TESTS
from tests.tasks.test_swebench import NEW_TEST, diff, write_instances

runner = CliRunner()


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, str]:
    """A git repository whose first commit is the buggy calc package (with a binary file);
    a later commit changes it. Returns the repository and the first commit."""
    repo = tmp_path / "calc-clone"
    (repo / "tests").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "calc.py").write_text(CALC_BUGGY)
    (repo / "tests" / "test_calc.py").write_text(CALC_TESTS)
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "calc.py").write_text("# a later commit\n")
    git(repo, "commit", "-q", "-am", "later")
    return repo, base


def clone_instance(repo_path: str, base_commit: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "instance_id": "calc__calc-7",
        "problem_statement": "add() subtracts\n",
        "repo_path": repo_path,
        "base_commit": base_commit,
        "test_patch": diff("tests/test_calc.py", CALC_TESTS, CALC_TESTS + NEW_TEST),
        "patch": diff("calc.py", CALC_BUGGY, CALC_FIXED),
        "FAIL_TO_PASS": ["tests/test_calc.py::test_add_twice"],
        "PASS_TO_PASS": ["tests/test_calc.py::test_double"],
        "requirements": ["./wheels/helper-1.0-py3-none-any.whl"],
    }
    record.update(overrides)
    return record


def test_an_instance_reads_the_clone_at_its_base_commit_and_applies_both_patches(
    clone: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = clone

    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", clone_instance(repo.name, base)))

    assert task.files == {"calc.py": CALC_BUGGY, "tests/test_calc.py": CALC_TESTS + NEW_TEST}
    assert task.reference_fix == {"calc.py": CALC_FIXED}
    assert task.requirements == [str(tmp_path / "wheels" / "helper-1.0-py3-none-any.whl")]
    assert git(repo, "status", "--porcelain") == ""


def test_the_imported_task_validates(clone: tuple[Path, str], tmp_path: Path, sandbox) -> None:
    repo, base = clone
    record = clone_instance(str(repo), base, requirements=[])

    [task] = load_swebench(write_instances(tmp_path / "data.jsonl", record))

    assert validate_task(task, sandbox, repeats=1).valid


def test_a_commit_the_clone_lacks_is_reported_as_the_base_commit_field(
    clone: tuple[Path, str], tmp_path: Path
) -> None:
    repo, _ = clone

    with pytest.raises(TaskLoadError, match=r"line 1 \(task 'calc__calc-7'\): base_commit: git cannot read"):
        load_swebench(write_instances(tmp_path / "data.jsonl", clone_instance(str(repo), "f" * 40)))


def test_a_repo_path_without_a_base_commit_is_refused(clone: tuple[Path, str], tmp_path: Path) -> None:
    record = clone_instance(str(clone[0]), clone[1])
    del record["base_commit"]

    with pytest.raises(TaskLoadError, match="base_commit: Field required"):
        load_swebench(write_instances(tmp_path / "data.jsonl", record))


def test_tasks_import_writes_the_clones_task_with_its_requirements(
    clone: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = clone
    source = write_instances(tmp_path / "data.jsonl", clone_instance(str(repo), base))

    result = runner.invoke(app, ["tasks", "import", str(source), "-o", str(tmp_path / "out"), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tasks"] == ["calc__calc-7"]
    [task] = load_tasks(tmp_path / "out")
    assert task.requirements == [str(tmp_path / "wheels" / "helper-1.0-py3-none-any.whl")]
    assert "logo.png" not in task.files
