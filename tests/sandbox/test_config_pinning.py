"""pytest reads only the workspace's own configuration, never one planted above it."""

from __future__ import annotations

from pathlib import Path

from fixloop.sandbox import SandboxLimits
from fixloop.sandbox.pytest_sandbox import PytestSandbox
from tests.sandbox.conftest import WriteRepo

TESTS = {
    "test_a.py": """
        def test_a():
            assert True

        def test_b():
            assert False
    """
}


def test_a_configuration_above_the_workspace_is_ignored(
    sandbox: PytestSandbox, write_repo: WriteRepo, tmp_path: Path
) -> None:
    workspace = write_repo(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --deselect test_a.py::test_b\n")

    result = sandbox.run_tests(workspace, limits=SandboxLimits(timeout_s=20))

    assert (result.passed, result.failed) == (1, 1), result.output


def test_the_workspaces_own_configuration_still_applies(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo({**TESTS, "tox.ini": "[pytest]\naddopts = --deselect test_a.py::test_b\n"})

    result = sandbox.run_tests(workspace, limits=SandboxLimits(timeout_s=20))

    assert (result.passed, result.failed) == (1, 0), result.output
