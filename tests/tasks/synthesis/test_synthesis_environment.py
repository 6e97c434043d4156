"""Synthesis runs a repository's tests in the repository's own environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixloop.sandbox.base import Interpreter
from fixloop.tasks.environments import CACHE_VARIABLE, EnvironmentCache
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.synthesis import SynthesisConfig, SynthesisError, synthesize
from tests.tasks import env_fixtures

# The session's task environment (see env_fixtures), shared with the other modules that use it.
env_cache = env_fixtures.env_cache
tinydep_task = env_fixtures.tinydep_task
built_env = env_fixtures.built_env

CODE = (
    "import tinydep\n\n\ndef answer():\n    return tinydep.answer()\n\n\n"
    "def double(x):\n    if x > 0:\n        return x * 2\n    return 0\n"
)
TESTS = (
    "from calc import answer, double\n\n\ndef test_answer():\n    assert answer() == 42\n\n\n"
    "def test_double_positive():\n    assert double(3) == 6\n\n\n"
    "def test_double_negative():\n    assert double(-3) == 0\n"
)


def _repository(root: Path, requirements: list[str]) -> Path:
    files = {"calc.py": CODE, "tests/test_calc.py": TESTS, "requirements.txt": "\n".join(requirements) + "\n"}
    return write_repo_tree(files, root)


def test_a_repository_that_needs_a_package_is_synthesized_in_its_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env_cache: EnvironmentCache,
    tinydep_task,
    built_env: Interpreter,
    sandbox,
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(env_cache.root))
    repo = _repository(tmp_path / "repo", tinydep_task.requirements)
    result = synthesize(repo, sandbox, SynthesisConfig(n=1, seed=0, repeats=1, workers=1))
    assert len(result.tasks) == 1
    assert result.tasks[0].files["requirements.txt"].strip() == tinydep_task.requirements[0]


def test_an_environment_that_cannot_be_built_stops_synthesis_with_the_installers_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    repo = _repository(tmp_path / "repo", [str(tmp_path / "missing-1.0-py3-none-any.whl")])
    with pytest.raises(SynthesisError, match="environment cannot be built"):
        synthesize(repo, sandbox, SynthesisConfig(n=1, seed=0, repeats=1, workers=1))
