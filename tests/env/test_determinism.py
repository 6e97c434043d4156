"""The same steps give the same observations: nothing of the host, the sandbox or the
moment (addresses, temporary paths, ids, timings, fixloop's own frames) reaches the agent."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from fixloop.env.debug_env import DebugEnv
from fixloop.env.test_output import stable_run, stable_test_output
from fixloop.sandbox.base import TestCaseResult, TestOutcome, TestRunResult, TracebackFrame
from fixloop.tasks import load_suite
from fixloop.tasks.task import Task

BUILTIN = load_suite("builtin")
WORKSPACE = "/tmp/fixloop-episode-ab12cd34/fixloop-ws-ef56gh78"


def _syntax_error_line(source: str) -> int:
    """The line of the first function definition: replacing it breaks the module wherever it is."""
    return next(node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef))


def _steps(task: Task) -> list[dict[str, Any]]:
    """Run the tests, read the fix file, break it, run the tests, undo, run them again."""
    path = task.fix_paths[0]
    line = _syntax_error_line(task.files[path])
    broken = {"path": path, "start_line": line, "end_line": line, "new_code": "def broken(:"}
    return [
        {"action_type": "run_tests"},
        {"action_type": "view_code", "path": path},
        {"action_type": "replace_lines", **broken},
        {"action_type": "run_tests"},
        {"action_type": "undo_edit"},
        {"action_type": "run_tests"},
    ]


def _episode(sandbox, task: Task) -> list[str]:
    env = DebugEnv(sandbox)
    try:
        observations = [env.reset(task)]
        observations += [env.step(step).observation for step in _steps(task)]
    finally:
        env.close()
    broken_run = observations[4]
    assert broken_run.syntax_error is not None and broken_run.pass_summary.failing, broken_run.render()
    assert observations[1].pass_summary.failing, "the buggy repository's run fails"
    return [observation.model_dump_json() for observation in observations]


@pytest.mark.parametrize("task", BUILTIN, ids=[task.id for task in BUILTIN])
def test_two_fresh_episodes_taking_the_same_steps_see_the_same_observations(sandbox, task):
    assert _episode(sandbox, task) == _episode(sandbox, task)


def test_a_syntax_errors_traceback_shows_the_workspaces_paths_and_no_fixloop_frame(sandbox):
    task = next(task for task in BUILTIN if "/" in task.fix_paths[0])
    env = DebugEnv(sandbox)
    try:
        env.reset(task)
        steps = _steps(task)
        env.step(steps[2])
        output = env.step(steps[3]).observation.last_test_output
    finally:
        env.close()
    assert f'File "{task.fix_paths[0]}", line' in output
    assert "fixloop" not in output
    assert "/tmp/" not in output


# ---- the normaliser ------------------------------------------------------------------------


def test_object_addresses_become_0x_question_mark():
    text = "E  where 2 = <built-in method count of list object at 0x7f2e525d2680>('home')"
    assert stable_test_output(text) == "E  where 2 = <built-in method count of list object at 0x?>('home')"


def test_an_address_cut_short_by_pytest_keeps_its_ellipsis():
    assert stable_test_output("assert <a.Thing object at 0x7f2...") == "assert <a.Thing object at 0x?..."


def test_hex_values_that_are_not_addresses_are_kept():
    text = "E   assert parse('0xdeadbeef') == 0x7f2e525d2680"
    assert stable_test_output(text) == text


def test_workspace_paths_become_relative_and_the_workspace_itself_is_dot():
    text = f"E   FileNotFoundError: '{WORKSPACE}/data/x.csv'\ncwd = '{WORKSPACE}'"
    assert stable_test_output(text, WORKSPACE) == "E   FileNotFoundError: 'data/x.csv'\ncwd = '.'"


def test_a_workspace_path_is_relative_even_when_the_workspace_is_not_named():
    text = f'E     File "{WORKSPACE}/pkg/mod.py", line 3'
    assert stable_test_output(text) == 'E     File "pkg/mod.py", line 3'


@pytest.mark.parametrize(
    "tmpdir",
    [
        "/tmp/fixloop-worker/tmp-x1y2z3w4",
        "/var/tmp/fixloop-worker-abcd1234/tmp-x1y2z3w4",
        "/tmp/fixloop-run-tmp-abcd1234",
    ],
)
def test_a_runs_temporary_directory_is_tmp(tmpdir):
    text = f"tmp_path = PosixPath('{tmpdir}/pytest-of-unknown/pytest-0/test_write0')\n+ {tmpdir}/tmpk2j4_x9q"
    expected = "tmp_path = PosixPath('<tmp>/test_write0')\n+ <tmp>/tmp?"
    assert stable_test_output(text) == expected


def test_pytests_numbered_base_directory_in_a_shared_tmp_is_tmp():
    text = "PosixPath('/tmp/pytest-of-alice/pytest-17/test_write0')"
    assert stable_test_output(text) == "PosixPath('<tmp>/test_write0')"


def test_fixloops_support_frames_are_dropped_from_tracebacks():
    text = (
        "<frozen importlib._bootstrap_external>:1074: in get_code\n"
        "    ???\n"
        "/tmp/fixloop-support-hvgp9_i3/fixloop_worker.py:323: in cached_source_to_code\n"
        "    return code if code is not None else source_to_code(loader, data, path)\n"
        "                                         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        'E     File "pkg/mod.py", line 3\n'
    )
    expected = (
        '<frozen importlib._bootstrap_external>:1074: in get_code\n    ???\nE     File "pkg/mod.py", line 3\n'
    )
    assert stable_test_output(text) == expected


def test_other_mentions_of_fixloops_support_directory_name_no_host_path():
    text = 'INTERNALERROR>   File "/tmp/fixloop-support-hvgp9_i3/fixloop_fast.py", line 9, in run'
    assert stable_test_output(text) == 'INTERNALERROR>   File "<fixloop>/fixloop_fast.py", line 9, in run'


def test_the_python_installations_paths_are_named_not_spelled_out():
    import sysconfig

    purelib, stdlib = sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"]
    text = f"{purelib}/_pytest/python.py:507: in importtestmodule\n{stdlib}/importlib/__init__.py:126: in x"
    expected = (
        "<site-packages>/_pytest/python.py:507: in importtestmodule\n<stdlib>/importlib/__init__.py:126: in x"
    )
    assert stable_test_output(text) == expected


def test_mock_ids_thread_idents_and_process_ids_become_question_marks():
    text = (
        "assert <Mock id='140260460917136'> == 1\n"
        "<Thread(Thread-1 (<lambda>), stopped daemon 140260460721856)>\n"
        "<Process name='Process-1' pid=4242 parent=4200 started>\n"
        "Current thread 0x00007f2e525d2680 (most recent call first):\n"
        "FAILED t.py::test_m - AssertionError: assert <Mock id='1402..."
    )
    expected = (
        "assert <Mock id='?'> == 1\n"
        "<Thread(Thread-1 (<lambda>), stopped daemon ?)>\n"
        "<Process name='Process-1' pid=? parent=? started>\n"
        "Current thread 0x? (most recent call first):\n"
        "FAILED t.py::test_m - AssertionError: assert <Mock id='?..."
    )
    assert stable_test_output(text) == expected


def test_durations_are_removed_from_the_summary_and_the_durations_table():
    text = (
        "===== slowest 2 durations =====\n"
        "0.52s call     tests/test_a.py::test_slow\n"
        "(3 durations < 0.005s hidden.  Use -vv to show these durations.)\n"
        "1 failed, 3 passed in 0.61s\n"
    )
    expected = (
        "===== slowest 2 durations =====\n"
        "?s call     tests/test_a.py::test_slow\n"
        "(? durations < 0.005s hidden.  Use -vv to show these durations.)\n"
        "1 failed, 3 passed\n"
    )
    assert stable_test_output(text) == expected


def test_a_long_path_like_line_is_normalised_in_linear_time():
    text = "/a" * 200_000 + " at 0x7f00000000"
    assert stable_test_output(text).endswith(" at 0x?")


def test_a_runs_messages_and_frames_are_normalised_and_support_frames_dropped():
    run = TestRunResult(
        output=f"E   assert <X object at 0x7f0000001234> == 1\n{WORKSPACE}/a.py:3: Error\n1 failed in 0.01s",
        tests=[
            TestCaseResult(
                node_id="tests/test_a.py::test_x",
                outcome=TestOutcome.failed,
                message=f"FileNotFoundError: '{WORKSPACE}/data.txt' (<X object at 0x7f0000001234>)",
                frames=[
                    TracebackFrame(path="tests/test_a.py", line=3),
                    TracebackFrame(path="/tmp/fixloop-support-abc/fixloop_report.py", line=40),
                ],
            )
        ],
    )
    stable = stable_run(run, Path(WORKSPACE))
    assert stable.output == "E   assert <X object at 0x?> == 1\na.py:3: Error\n1 failed"
    assert stable.tests[0].message == "FileNotFoundError: 'data.txt' (<X object at 0x?>)"
    assert stable.tests[0].frames == [TracebackFrame(path="tests/test_a.py", line=3)]
