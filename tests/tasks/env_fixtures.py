"""A task that needs a package fixloop does not have, and its environment, built offline.

`tinydep` is a one-module package written here as a wheel; the task's code imports it, so
its tests fail under fixloop's interpreter and pass in the task's environment. Built once
per session into a cache under the session's base temporary directory: every module that
uses `built_env` finds it there (a second build is a no-op).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from fixloop.sandbox.base import Interpreter
from fixloop.tasks.environments import EnvironmentCache, environment_spec
from fixloop.tasks.task import Task

TINYDEP_SOURCE = "def answer():\n    return 42\n"

BUGGY = "import tinydep\n\n\ndef answer():\n    return tinydep.answer() + 1\n"
FIXED = BUGGY.replace(" + 1", "")
TESTS = (
    "from calc import answer\n\n\ndef test_answer():\n    assert answer() == 42\n\n\n"
    "def test_type():\n    assert isinstance(answer(), int)\n"
)


def write_wheel(directory: Path, name: str = "tinydep", source: str = TINYDEP_SOURCE) -> Path:
    """A minimal wheel of the one-module package `name` (version 1.0) in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{name}-1.0-py3-none-any.whl"
    info = f"{name}-1.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{name}/__init__.py", source)
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        archive.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: fixloop-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{info}/RECORD", "")
    return wheel


def dependent_task(requirements: list[str], task_id: str = "needs-tinydep") -> Task:
    """A task whose code imports `tinydep`: answer() is off by one."""
    return Task(
        id=task_id,
        title="answer() is off by one",
        description="answer() returns 43; it should return tinydep's answer, 42.",
        files={"calc.py": BUGGY, "tests/test_calc.py": TESTS},
        reference_fix={"calc.py": FIXED},
        fail_to_pass=["tests/test_calc.py::test_answer"],
        pass_to_pass=["tests/test_calc.py::test_type"],
        requirements=requirements,
    )


@pytest.fixture(scope="session")
def env_cache(tmp_path_factory: pytest.TempPathFactory) -> EnvironmentCache:
    """The session's environment cache."""
    return EnvironmentCache(tmp_path_factory.getbasetemp() / "env-cache")


@pytest.fixture(scope="session")
def tinydep_task(tmp_path_factory: pytest.TempPathFactory) -> Task:
    """`dependent_task` requiring the session's tinydep wheel."""
    return dependent_task([str(write_wheel(tmp_path_factory.getbasetemp() / "wheels"))])


@pytest.fixture(scope="session")
def built_env(env_cache: EnvironmentCache, tinydep_task: Task) -> Interpreter:
    """The interpreter of `tinydep_task`'s environment, built offline."""
    spec = environment_spec(tinydep_task)
    assert spec is not None
    return env_cache.build(spec, tasks=[tinydep_task.id], offline=True).interpreter
