"""The private directory holding the files a sandbox copies in: the plugin and the launcher."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

from fixloop.sandbox import launcher, report_plugin

PLUGIN_MODULE = "fixloop_report"
"""Module name of the report plugin inside the sandbox (`-p fixloop_report`)."""


class SupportDir:
    """A temporary directory with `fixloop_report.py` and `fixloop_launcher.py`.

    World-readable, so a launcher that dropped to an unprivileged uid can still read it;
    put it on PYTHONPATH so pytest finds the plugin. `close()` removes it (idempotent);
    it is also removed when the object is garbage-collected or the interpreter exits.
    """

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="fixloop-support-"))
        self._remove = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)
        self.path.chmod(0o755)
        self.plugin = self._copy(report_plugin.__file__, f"{PLUGIN_MODULE}.py")
        self.launcher = self._copy(launcher.__file__, "fixloop_launcher.py")

    def _copy(self, source: str, name: str) -> Path:
        target = self.path / name
        shutil.copyfile(source, target)
        target.chmod(0o644)
        return target

    @property
    def closed(self) -> bool:
        return not self._remove.alive

    def close(self) -> None:
        """Remove the directory."""
        self._remove()
