"""Test code is not told where verdicts go, and what it writes there does not pass unnoticed."""

from __future__ import annotations

from fixloop.sandbox import SandboxLimits
from fixloop.sandbox.pytest_sandbox import PytestSandbox
from tests.sandbox.conftest import WriteRepo

LIMITS = SandboxLimits(timeout_s=20)


def test_nothing_in_the_environment_names_the_report_channel(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "test_env.py": """
                import os

                def test_no_channel_named():
                    assert not [name for name in os.environ if "REPORT" in name or "FIXLOOP" in name]
            """
        }
    )

    result = sandbox.run_tests(workspace, limits=LIMITS)

    assert result.passed == 1, result.output


def test_a_verdict_written_to_every_descriptor_is_noticed(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "test_forge.py": """
                import json
                import os

                def test_forge():
                    node = "test_forge.py::test_forge"
                    line = json.dumps({"kind": "test", "node_id": node, "outcome": "passed"})
                    for fd in range(3, 64):
                        try:
                            os.write(fd, (line + "\\n").encode())
                        except OSError:
                            pass
                    assert False
            """
        }
    )

    result = sandbox.run_tests(workspace, limits=LIMITS)

    assert "a second verdict for test_forge.py::test_forge" in result.report_anomalies, result
