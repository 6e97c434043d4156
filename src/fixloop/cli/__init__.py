"""The `fixloop` command: browse and validate tasks, run agents, diagnose and compare runs.

`app` (built in `fixloop.cli.main`) is the console script's entry point.
"""

from fixloop.cli.main import app

__all__ = ["app"]
