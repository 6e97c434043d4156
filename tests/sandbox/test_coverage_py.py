"""Coverage runs are measured by coverage.py: what the workspace cannot change, and what a
sandbox without coverage.py says instead of crashing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from fixloop.sandbox import report_plugin
from fixloop.sandbox.pytest_sandbox import PytestSandbox

WriteRepo = Callable[[dict[str, str]], Path]

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/calc.py": (
        "def add(a, b):\n"
        "    return (\n"
        "        a\n"
        "        + b\n"
        "    )\n"
        "\n"
        "\n"
        "def twice(values):\n"
        "    return list(map(lambda v: v * 2, values))\n"
    ),
    # A configuration that would hide pkg from a coverage run that read it.
    ".coveragerc": "[run]\nomit = */pkg/*\n",
    "tests/test_calc.py": (
        "import threading\n\nfrom pkg.calc import add, twice\n\n\n"
        "def test_add():\n    assert add(1, 2) == 3\n\n\n"
        "def test_twice_in_a_thread():\n"
        "    box = []\n"
        "    thread = threading.Thread(target=lambda: box.append(twice([1, 2])))\n"
        "    thread.start()\n"
        "    thread.join()\n"
        "    assert box == [[2, 4]]\n"
    ),
}


def test_coverage_runs_ignore_the_workspace_configuration_and_follow_threads(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    result = sandbox.run_tests(write_repo(PROJECT), coverage=True)

    covered = {test.node_id: test.covered_lines for test in result.tests}
    assert covered["tests/test_calc.py::test_add"] == {"pkg/calc.py": [2, 3, 4]}
    assert covered["tests/test_calc.py::test_twice_in_a_thread"] == {"pkg/calc.py": [9]}
    assert result.tamper_events == []


def test_without_coverage_py_a_coverage_run_says_so_and_records_no_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "coverage", None)  # `import coverage` now raises ImportError

    tracer = report_plugin.LineTracer(str(tmp_path))
    tracer.start()

    assert tracer.stop() is None
    note = capsys.readouterr().err
    assert note.startswith(report_plugin.COVERAGE_MISSING)
    assert "coverage>=7" in note
