"""The environment variables test code sees: an allowlist, never a copy of the host's."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from fixloop.sandbox.base import SandboxError, SandboxLimits

COVERAGE_ENV = "FIXLOOP_COVERAGE"
"""Set to `1` to have the report plugin record executed lines; must match `report_plugin.COVERAGE_ENV`."""

_DEFAULTS = {"LANG": "C.UTF-8"}
"""Set unless the host value is passed through."""

_FIXED = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    # HOME is /tmp, shared by runs: no user site-packages there whose .pth files run at start.
    "PYTHONNOUSERSITE": "1",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
}
"""Always set; a passed-through host variable of the same name is ignored."""

_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH", re.IGNORECASE)


def sandbox_environment(
    limits: SandboxLimits,
    support_dir: Path,
    host_environ: Mapping[str, str] = os.environ,
    *,
    coverage: bool = False,
) -> dict[str, str]:
    """The complete environment of a sandboxed test run.

    Contains only the fixed variables above, `PYTHONPATH=<support_dir>` (where the report
    plugin lives), `LANG=C.UTF-8`, `FIXLOOP_COVERAGE=1` when `coverage` is set, and the
    host variables named in `limits.env_passthrough` that are set. Nothing in it names
    the report channel. Raises `SandboxError` when
    `env_passthrough` names something that looks like a secret (…KEY, …TOKEN, …SECRET,
    …PASSWORD …): secrets never reach test code.
    """
    secrets = [name for name in limits.env_passthrough if _SECRET_NAME.search(name)]
    if secrets:
        raise SandboxError(
            f"env_passthrough names secret-looking variables {secrets}; "
            "secrets are never passed into the sandbox, remove them from env_passthrough"
        )
    passed = {name: host_environ[name] for name in limits.env_passthrough if name in host_environ}
    environment = {
        **_DEFAULTS,
        **passed,
        **_FIXED,
        "PYTHONPATH": str(support_dir),
    }
    if coverage:
        environment[COVERAGE_ENV] = "1"
    return environment
