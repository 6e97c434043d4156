"""`fixloop tasks synthesize`, driven through typer's runner."""

import json

from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.tasks.loader import load_tasks
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.synthesis import SEEDS_DIR

runner = CliRunner()

FAILING_REPO = {
    "calc/__init__.py": "",
    "calc/ops.py": "def add(a, b):\n    return a - b\n",
    "tests/test_ops.py": "from calc.ops import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n",
}


def test_synthesize_json_lists_the_tasks_it_wrote(tmp_path):
    out = tmp_path / "suite"
    args = ["tasks", "synthesize", "--from", str(SEEDS_DIR / "textkit"), "--n", "2", "--seed", "3"]
    result = runner.invoke(app, [*args, "-o", str(out), "--repeats", "1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["tasks"]) == 2
    assert {"id", "operator", "location", "fail_to_pass", "pass_to_pass"} <= set(report["tasks"][0])
    assert report["summary"]["kept"] == 2
    assert sorted(t.id for t in load_tasks(out)) == sorted(row["id"] for row in report["tasks"])


def test_synthesize_prints_a_table_and_a_summary(tmp_path):
    args = ["tasks", "synthesize", "--from", str(SEEDS_DIR / "geostats"), "--n", "1"]
    result = runner.invoke(app, [*args, "-o", str(tmp_path / "suite"), "--repeats", "1"])
    assert result.exit_code == 0, result.output
    assert "tried 1 candidates, kept 1" in result.stdout


def test_synthesize_from_a_repository_whose_tests_fail_is_a_clear_error(tmp_path):
    source = write_repo_tree(FAILING_REPO, tmp_path / "calc-repo")
    result = runner.invoke(app, ["tasks", "synthesize", "--from", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "must pass all its tests" in result.stderr
    assert "tests/test_ops.py::test_add" in result.stderr
    assert not (tmp_path / "out").exists()


def test_synthesize_refuses_to_write_into_a_non_empty_directory(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine\n")
    args = ["tasks", "synthesize", "--from", str(SEEDS_DIR / "textkit"), "-o", str(tmp_path / "out")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "not an empty directory" in result.stderr
