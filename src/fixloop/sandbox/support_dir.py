"""The private directory holding the files a sandbox copies in: the plugin and the launcher."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

_SOURCES = Path(__file__).parent
"""Where the copied modules live in fixloop (they are copied, never imported, from here:
the worker imports its siblings by their sandbox names)."""


class SupportDir:
    """A temporary directory with the programs a sandbox runs and the modules they import.

    `fixloop_launcher.py` and `fixloop_pytest.py` (per-run sandbox: the launcher execs the
    second), `fixloop_worker.py` (warm worker) with `fixloop_killer.py` beside it, and the
    modules they import: `fixloop_report.py` (the pytest plugin), `fixloop_fast.py` (the
    fast path), `fixloop_code.py` (the worker's compiled code) and `fixloop_output.py` (the
    output cap). All of them import only the
    standard library and pytest.

    Owned by whoever made it (root, as root) and writable by no one else: the directory is
    0755 and its files 0644, so test code under a sandbox's unprivileged uid can read and
    run them, never change, replace or add to them. It is opened to others only once the
    files are in place. Put it on PYTHONPATH so pytest finds the plugin. `close()` removes
    it (idempotent); it is also removed when the object is garbage-collected or the
    interpreter exits.
    """

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="fixloop-support-"))
        self._remove = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)
        self._copy("report_plugin.py", "fixloop_report.py")
        self.launcher = self._copy("launcher.py", "fixloop_launcher.py")
        self.pytest_entry = self._copy("pytest_entry.py", "fixloop_pytest.py")
        self.worker = self._copy("worker_program.py", "fixloop_worker.py")
        self._copy("stray_killer.py", "fixloop_killer.py")
        self._copy("fast_pytest.py", "fixloop_fast.py")
        self._copy("code_cache.py", "fixloop_code.py")
        self._copy("output_capture.py", "fixloop_output.py")
        self.path.chmod(0o755)

    def _copy(self, source: str, name: str) -> Path:
        target = self.path / name
        shutil.copyfile(_SOURCES / source, target)
        target.chmod(0o644)
        return target

    @property
    def closed(self) -> bool:
        return not self._remove.alive

    def close(self) -> None:
        """Remove the directory."""
        self._remove()
