"""Coverage runs: each test's executed lines of the project's non-test files, in both sandboxes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fixloop.sandbox import SandboxLimits
from fixloop.sandbox.environment import COVERAGE_ENV, sandbox_environment
from fixloop.sandbox.pytest_sandbox import PytestSandbox
from fixloop.sandbox.report_reader import read_report

WriteRepo = Callable[[dict[str, str]], Path]

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/calc.py": (
        "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    result = a + b\n    return result\n"
    ),
    "tests/helpers.py": "def check(value, expected):\n    assert value == expected\n",
    "tests/test_calc.py": (
        "from pkg.calc import add, sub\n"
        "from tests.helpers import check\n"
        "\n"
        "\n"
        "def test_add():\n"
        "    check(add(1, 2), 3)\n"
        "\n"
        "\n"
        "def test_sub():\n"
        "    check(sub(3, 1), 2)\n"
    ),
    "tests/__init__.py": "",
}


def test_a_coverage_run_lists_the_project_lines_each_test_ran(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    result = sandbox.run_tests(write_repo(PROJECT), coverage=True)

    covered = {test.node_id: test.covered_lines for test in result.tests}
    assert covered == {
        "tests/test_calc.py::test_add": {"pkg/calc.py": [2]},
        "tests/test_calc.py::test_sub": {"pkg/calc.py": [6, 7]},
    }


def test_a_failing_test_keeps_its_lines(sandbox: PytestSandbox, write_repo: WriteRepo) -> None:
    result = sandbox.run_tests(write_repo(PROJECT), ["tests/test_calc.py::test_sub"], coverage=True)

    [test] = result.tests
    assert test.outcome == "failed"
    assert test.covered_lines == {"pkg/calc.py": [6, 7]}


def test_a_run_without_coverage_records_no_lines(sandbox: PytestSandbox, write_repo: WriteRepo) -> None:
    result = sandbox.run_tests(write_repo(PROJECT), limits=SandboxLimits(timeout_s=20))

    assert [test.covered_lines for test in result.tests] == [None, None]


def test_only_coverage_runs_set_the_plugin_switch(tmp_path: Path) -> None:
    limits = SandboxLimits()
    assert COVERAGE_ENV not in sandbox_environment(limits, tmp_path, {})
    assert sandbox_environment(limits, tmp_path, {}, coverage=True)[COVERAGE_ENV] == "1"


def test_covered_paths_become_relative_and_paths_outside_the_workspace_are_dropped(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    lines = {str(workspace / "pkg" / "m.py"): [3, 1, 3], "/usr/lib/python3/os.py": [10]}
    report = tmp_path / "report.jsonl"
    record = {"kind": "test", "node_id": "t.py::t", "outcome": "passed", "lines": lines}
    report.write_text(json.dumps(record) + "\n")

    [test] = read_report(report, workspace).tests

    assert test.covered_lines == {"pkg/m.py": [1, 3]}
