"""The sandbox environment is an allowlist: nothing else from the host gets in."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixloop.sandbox import SandboxError, SandboxLimits
from fixloop.sandbox.environment import sandbox_environment

HOST = {
    "OPENAI_API_KEY": "sk-secret-test",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "LANG": "de_DE.UTF-8",
    "TZ": "Europe/Berlin",
    "HOME": "/root",
    "PATH": "/root/bin:/usr/bin",
    "PYTHONPATH": "/work/main/src",
    "VIRTUAL_ENV": "/work/main/.venv",
}


def _environment(passthrough: list[str]) -> dict[str, str]:
    return sandbox_environment(
        SandboxLimits(env_passthrough=passthrough),
        Path("/tmp/support"),
        host_environ=HOST,
    )


def test_the_environment_holds_only_the_allowlist_and_passed_through_names() -> None:
    assert _environment(["LANG", "TZ", "LC_ALL"]) == {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "de_DE.UTF-8",
        "TZ": "Europe/Berlin",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONPATH": "/tmp/support",
    }


def test_lang_defaults_to_c_utf8_when_not_passed_through() -> None:
    assert _environment([])["LANG"] == "C.UTF-8"


def test_passthrough_cannot_replace_the_fixed_variables() -> None:
    environment = _environment(["PATH", "HOME", "PYTHONPATH"])

    assert environment["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert environment["HOME"] == "/tmp"
    assert environment["PYTHONPATH"] == "/tmp/support"


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY"])
def test_passing_through_a_secret_is_refused(name: str) -> None:
    with pytest.raises(SandboxError, match=name):
        _environment([name])
