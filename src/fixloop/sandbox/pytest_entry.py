"""The per-run sandbox's pytest: `python fixloop_pytest.py ARGS` is `pytest ARGS`, reported.

This file is copied into the sandbox as `fixloop_pytest.py`; the launcher execs it with the
run's report channel on descriptor `fixloop_report.REPORT_FD`. It does what a warm worker's
child does around `pytest.main`: takes the channel and starts the tamper watch before any
test code runs, runs pytest with the report plugin and only the workspace's own
configuration, and ends the report with pytest's exit status. pytest is imported before
the workspace joins `sys.path`, so a workspace file named `pytest.py` (or after any module
pytest imports at start) cannot stand in for it.
"""

from __future__ import annotations

import os
import sys

import fixloop_report  # type: ignore[import-not-found]
import pytest


def main(argv: list[str]) -> int:
    """Run pytest on `argv` in the current directory (the workspace); its exit status."""
    workspace = os.getcwd()
    fixloop_report.start_run(workspace)
    # As `python -m pytest` does: the current directory comes first on the path.
    sys.path.insert(0, workspace)
    code = int(pytest.main([*fixloop_report.config_args(workspace), *argv], plugins=[fixloop_report]))
    fixloop_report.end_run(code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
