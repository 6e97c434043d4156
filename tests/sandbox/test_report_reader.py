"""Reading the plugin's report: tolerant of damage, one verdict per node id."""

from __future__ import annotations

import json
from pathlib import Path

from fixloop.sandbox import TestOutcome
from fixloop.sandbox.report_reader import read_report


def _line(**fields: object) -> str:
    return json.dumps(fields) + "\n"


def test_damaged_lines_are_skipped_and_the_first_verdict_wins(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    report.write_text(
        _line(kind="test", node_id="test_a.py::test_a", outcome="passed")
        + "not json\n"
        + _line(kind="test", node_id="test_a.py::test_a", outcome="failed")
        + _line(kind="test", node_id="test_a.py::test_b", outcome="nonsense")
        + _line(kind="collection_error", node_id="test_c.py", message="boom")
        + '{"kind": "test", "node_id": "test_a.py::test_d", "outc'  # cut by a kill
    )

    tests, errors = read_report(report, tmp_path)

    assert [(test.node_id, test.outcome) for test in tests] == [("test_a.py::test_a", TestOutcome.passed)]
    assert [(error.node_id, error.message) for error in errors] == [("test_c.py", "boom")]


def test_frame_paths_inside_the_workspace_become_relative(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    frames = [{"path": str(tmp_path / "pkg" / "mod.py"), "line": 3}, {"path": "/usr/x.py", "line": 9}]
    report.write_text(_line(kind="test", node_id="t.py::t", outcome="failed", frames=frames))

    (test,), _ = read_report(report, tmp_path)

    assert [(frame.path, frame.line) for frame in test.frames] == [("pkg/mod.py", 3), ("/usr/x.py", 9)]


def test_a_missing_report_means_no_verdicts(tmp_path: Path) -> None:
    assert read_report(tmp_path / "absent.jsonl", tmp_path) == ([], [])
