"""Reading the plugin's report: tolerant of damage, one verdict per node id."""

from __future__ import annotations

import json
from pathlib import Path

from fixloop.sandbox import TestOutcome
from fixloop.sandbox.report_reader import read_report


def _line(**fields: object) -> str:
    return json.dumps(fields) + "\n"


def test_damaged_lines_are_skipped_and_noted_and_the_first_verdict_wins(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    report.write_text(
        _line(kind="test", node_id="test_a.py::test_a", outcome="passed")
        + "not json\n"
        + _line(kind="test", node_id="test_a.py::test_a", outcome="failed")
        + _line(kind="test", node_id="test_a.py::test_b", outcome="nonsense")
        + _line(kind="collection_error", node_id="test_c.py", message="boom")
        + '{"kind": "test", "node_id": "test_a.py::test_d", "outc'  # cut by a kill
    )

    parsed = read_report(report, tmp_path)

    verdicts = [(test.node_id, test.outcome) for test in parsed.tests]
    assert verdicts == [("test_a.py::test_a", TestOutcome.passed)]
    assert [(error.node_id, error.message) for error in parsed.collection_errors] == [("test_c.py", "boom")]
    assert parsed.anomalies[:2] == [
        "line 2 is not a report line: b'not json'",
        "a second verdict for test_a.py::test_a",
    ]
    assert parsed.anomalies[2].startswith("line 4 is not a report line")


def test_the_session_end_gives_the_exit_status_and_nothing_may_follow_it(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    report.write_text(
        _line(kind="test", node_id="t.py::t", outcome="failed")
        + _line(kind="session_end", exit_status=1)
        + _line(kind="test", node_id="t.py::u", outcome="passed")
    )

    parsed = read_report(report, tmp_path)

    assert parsed.session_exit_status == 1
    assert parsed.anomalies == ["line 3 comes after the end of the session"]


def test_tamper_lines_name_the_workspace_files_on_the_stack(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    files = [str(tmp_path / "pkg" / "mod.py"), "/usr/lib/python3.11/threading.py"]
    report.write_text(_line(kind="tamper", event="sys.setprofile", detail="", files=files))

    [event] = read_report(report, tmp_path).tamper_events

    assert event.event == "sys.setprofile"
    assert event.files == ["pkg/mod.py", "/usr/lib/python3.11/threading.py"]


def test_frame_paths_inside_the_workspace_become_relative(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    frames = [{"path": str(tmp_path / "pkg" / "mod.py"), "line": 3}, {"path": "/usr/x.py", "line": 9}]
    report.write_text(_line(kind="test", node_id="t.py::t", outcome="failed", frames=frames))

    (test,) = read_report(report, tmp_path).tests

    assert [(frame.path, frame.line) for frame in test.frames] == [("pkg/mod.py", 3), ("/usr/x.py", 9)]


def test_a_missing_report_means_no_verdicts(tmp_path: Path) -> None:
    parsed = read_report(tmp_path / "absent.jsonl", tmp_path)

    assert (parsed.tests, parsed.collection_errors, parsed.session_exit_status) == ([], [], None)
