"""Pick and build a sandbox by name."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path
from typing import Literal

from fixloop.sandbox.base import Sandbox, SandboxError, SandboxLimits
from fixloop.sandbox.bwrap_sandbox import INSTALL_HINT, BwrapSandbox
from fixloop.sandbox.process_sandbox import ProcessSandbox

SandboxKind = Literal["auto", "bwrap", "process"]

_PROBE_TEST = "def test_probe():\n    pass\n"


@functools.cache
def bwrap_problem(bwrap: str) -> str | None:
    """Why the bubblewrap at path `bwrap` cannot run tests here, or None when it can.

    Runs one tiny test through a `BwrapSandbox` (about half a second); the answer is
    cached per process and path, since it depends on the machine, not on the run.
    """
    try:
        with BwrapSandbox(bwrap=bwrap) as sandbox, tempfile.TemporaryDirectory() as workspace:
            (Path(workspace) / "test_probe.py").write_text(_PROBE_TEST)
            result = sandbox.run_tests(Path(workspace), limits=SandboxLimits(timeout_s=20))
    except SandboxError as exc:
        return str(exc)
    if result.passed != 1:
        return f"a trivial test did not pass under bwrap (exit {result.exit_code}):\n{result.output}"
    return None


def make_sandbox(
    kind: SandboxKind = "auto", limits: SandboxLimits | None = None, *, warm: bool = True
) -> Sandbox:
    """Build a sandbox; `limits` become its defaults, and `warm` says whether episodes get
    a warm worker (see `PytestSandbox.start_episode`).

    - "bwrap": a `BwrapSandbox`; raises `SandboxError` when bubblewrap is not installed
      or cannot run a test on this machine, saying to install Debian's `bubblewrap` or
      to use `--sandbox process`.
    - "process": a `ProcessSandbox` (no network or filesystem isolation).
    - "auto": "bwrap" when `bwrap` is on PATH and a probe test passes under it, else
      "process".
    """
    if kind not in ("auto", "bwrap", "process"):
        raise ValueError(f"unknown sandbox kind {kind!r}; use 'auto', 'bwrap' or 'process'")
    if kind == "process":
        return ProcessSandbox(limits, warm=warm)
    bwrap = shutil.which("bwrap")
    problem = "bubblewrap (`bwrap`) is not on PATH" if bwrap is None else bwrap_problem(bwrap)
    if problem is None:
        return BwrapSandbox(limits, bwrap=bwrap, warm=warm)
    if kind == "bwrap":
        raise SandboxError(f"the bwrap sandbox is unavailable: {problem}\nTo fix: {INSTALL_HINT}")
    return ProcessSandbox(limits, warm=warm)
