"""Test output as the agent sees it: pytest's timings removed.

pytest ends its summary with how long the run took ("2 failed, 2 passed in 0.05s"). The
figure changes from run to run, so the same workspace would give a different observation
each time, and a model's response cache would miss on it. Removing it makes identical
states give identical observations.
"""

from __future__ import annotations

import re

_TIMING = re.compile(r" in \d+(?:\.\d+)?s(?: \(\d+:\d\d:\d\d\))?(?= =*$| *$)", re.MULTILINE)


def stable_test_output(output: str) -> str:
    """`output` without the durations pytest prints on its summary lines."""
    return _TIMING.sub("", output)
