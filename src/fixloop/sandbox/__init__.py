"""Run a workspace's tests in isolation and return structured results.

`make_sandbox()` picks the best sandbox available: `BwrapSandbox` (bubblewrap: no
network, read-only system, only the workspace writable) or `ProcessSandbox` (a plain
child process with limits, for machines without bubblewrap). Both implement `Sandbox`.

Within an episode (`start_episode(directory)` … `end_episode(directory)`) both serve
runs from a warm worker that forks a child per run, many times faster than a fresh pytest
process and with the same verdicts; elsewhere each run starts its own pytest.
"""

from fixloop.sandbox.base import (
    CollectionError,
    Sandbox,
    SandboxError,
    SandboxLimits,
    TestCaseResult,
    TestOutcome,
    TestRunResult,
    TracebackFrame,
)
from fixloop.sandbox.bwrap_sandbox import BwrapSandbox
from fixloop.sandbox.factory import SandboxKind, make_sandbox
from fixloop.sandbox.process_sandbox import ProcessSandbox

__all__ = [
    "BwrapSandbox",
    "CollectionError",
    "ProcessSandbox",
    "Sandbox",
    "SandboxError",
    "SandboxKind",
    "SandboxLimits",
    "TestCaseResult",
    "TestOutcome",
    "TestRunResult",
    "TracebackFrame",
    "make_sandbox",
]
