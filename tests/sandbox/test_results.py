"""What both sandboxes report: outcomes per node id, targets, collection errors, output, time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fixloop.sandbox import SandboxLimits, TestOutcome
from fixloop.sandbox.pytest_sandbox import PytestSandbox

WriteRepo = Callable[[dict[str, str]], Path]

MIXED = {
    "test_mixed.py": """
        import pytest

        def helper():
            assert 1 == 2

        def test_passes():
            assert True

        def test_fails():
            helper()

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture broke")

        def test_errors(broken):
            pass

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass
    """,
    "test_other.py": """
        def test_other():
            pass
    """,
}


def test_each_outcome_is_reported_per_node_id_with_counts(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    result = sandbox.run_tests(write_repo(MIXED))

    assert result.outcome_of("test_mixed.py::test_passes") == TestOutcome.passed
    assert result.outcome_of("test_mixed.py::test_fails") == TestOutcome.failed
    assert result.outcome_of("test_mixed.py::test_errors") == TestOutcome.error
    assert result.outcome_of("test_mixed.py::test_skipped") == TestOutcome.skipped
    assert result.outcome_of("test_other.py::test_other") == TestOutcome.passed
    assert (result.passed, result.failed, result.errors, result.skipped) == (2, 1, 1, 1)
    assert result.exit_code == 1
    assert not result.timed_out


def test_a_failure_carries_its_message_and_frames_relative_to_the_workspace(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    result = sandbox.run_tests(write_repo(MIXED), ["test_mixed.py::test_fails"])

    (failure,) = result.tests
    assert "assert 1 == 2" in failure.message
    assert [(frame.path, frame.line) for frame in failure.frames] == [
        ("test_mixed.py", 11),
        ("test_mixed.py", 5),
    ]


def test_a_fixture_error_carries_the_fixture_message(sandbox: PytestSandbox, write_repo: WriteRepo) -> None:
    result = sandbox.run_tests(write_repo(MIXED), ["test_mixed.py::test_errors"])

    (error,) = result.tests
    assert error.message == "RuntimeError: fixture broke"
    assert error.frames[-1].path == "test_mixed.py"


def test_running_one_file_runs_only_its_tests(sandbox: PytestSandbox, write_repo: WriteRepo) -> None:
    result = sandbox.run_tests(write_repo(MIXED), ["test_other.py"])

    assert [test.node_id for test in result.tests] == ["test_other.py::test_other"]
    assert result.exit_code == 0


def test_running_node_ids_runs_only_those(sandbox: PytestSandbox, write_repo: WriteRepo) -> None:
    targets = ["test_mixed.py::test_passes", "test_other.py::test_other"]

    result = sandbox.run_tests(write_repo(MIXED), targets)

    assert sorted(test.node_id for test in result.tests) == targets
    assert result.passed == 2


def test_xfail_is_skipped_and_xpass_is_passed_unless_strict(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "test_x.py": """
                import pytest

                @pytest.mark.xfail(reason="known bug")
                def test_xfail():
                    assert False

                @pytest.mark.xfail(reason="known bug")
                def test_xpass():
                    pass

                @pytest.mark.xfail(reason="known bug", strict=True)
                def test_strict_xpass():
                    pass
            """
        }
    )

    result = sandbox.run_tests(workspace)

    assert result.outcome_of("test_x.py::test_xfail") == TestOutcome.skipped
    assert result.outcome_of("test_x.py::test_xpass") == TestOutcome.passed
    assert result.outcome_of("test_x.py::test_strict_xpass") == TestOutcome.failed


def test_a_syntax_error_in_an_imported_module_is_a_collection_error(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "calc.py": "def add(a, b)\n    return a + b\n",
            "test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        }
    )

    result = sandbox.run_tests(workspace)

    (error,) = result.collection_errors
    assert error.node_id == "test_calc.py"
    assert "SyntaxError" in error.message
    assert result.tests == []
    assert result.errors == 1


def test_an_unknown_target_is_reported_in_the_output_not_raised(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    result = sandbox.run_tests(write_repo(MIXED), ["test_missing.py"])

    assert result.tests == []
    assert result.exit_code == 4
    assert "test_missing.py" in result.output


def test_output_keeps_head_and_tail_within_the_cap(sandbox: PytestSandbox, write_repo: WriteRepo) -> None:
    workspace = write_repo(
        {
            "test_loud.py": """
                def test_loud():
                    print("MIDDLE-MARKER " * 20_000)
                    assert False, "TAIL-MARKER"
            """
        }
    )

    result = sandbox.run_tests(workspace, limits=SandboxLimits(max_output_bytes=4_000))

    head, cut, tail = result.output.partition("bytes of output truncated")
    assert result.output_truncated
    assert cut
    assert len(result.output.encode()) <= 4_000 + 100  # plus the cut marker line
    assert head.startswith("F")  # pytest's progress line
    assert "TAIL-MARKER" in tail
    assert "1 failed in" in tail.splitlines()[-1]  # pytest's summary line
    assert result.outcome_of("test_loud.py::test_loud") == TestOutcome.failed


def test_a_timeout_kills_an_endless_test_and_keeps_the_finished_results(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "test_a_quick.py": "def test_quick():\n    pass\n",
            "test_b_endless.py": "def test_endless():\n    while True:\n        pass\n",
        }
    )

    result = sandbox.run_tests(workspace, limits=SandboxLimits(timeout_s=2))

    assert result.timed_out
    assert result.outcome_of("test_a_quick.py::test_quick") == TestOutcome.passed
    assert result.outcome_of("test_b_endless.py::test_endless") is None
    assert 2 <= result.duration_s < 5


def test_a_crashing_interpreter_becomes_an_exit_code_with_earlier_results_kept(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "test_a_quick.py": "def test_quick():\n    pass\n",
            "test_b_crash.py": "import ctypes\n\ndef test_crash():\n    ctypes.string_at(0)\n",
        }
    )

    result = sandbox.run_tests(workspace)

    assert result.exit_code == 128 + 11  # SIGSEGV
    assert result.outcome_of("test_a_quick.py::test_quick") == TestOutcome.passed
    assert result.outcome_of("test_b_crash.py::test_crash") is None
    assert "Segmentation fault" in result.output  # pytest's faulthandler


@pytest.mark.parametrize("secret_name", ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"])
def test_api_keys_of_the_parent_do_not_reach_test_code(
    sandbox: PytestSandbox,
    write_repo: WriteRepo,
    monkeypatch: pytest.MonkeyPatch,
    secret_name: str,
) -> None:
    monkeypatch.setenv(secret_name, "sk-secret-test")
    workspace = write_repo(
        {
            "test_env.py": """
                import os

                def test_no_secret():
                    assert not any("sk-secret-test" in value for value in os.environ.values())
                    assert not any(name.endswith("_API_KEY") for name in os.environ)
            """
        }
    )

    result = sandbox.run_tests(workspace)

    assert result.outcome_of("test_env.py::test_no_secret") == TestOutcome.passed, result.output
