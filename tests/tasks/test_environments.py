"""Task environments: what a task needs, the cache that builds it once, and who uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixloop.agents.oracle import OracleAgent
from fixloop.cli import app
from fixloop.env.debug_env import DebugEnv
from fixloop.rollout.episode import run_episode
from fixloop.sandbox.base import Interpreter, SandboxError
from fixloop.tasks.environments import (
    CACHE_VARIABLE,
    EnvironmentBuildError,
    EnvironmentCache,
    RequirementsError,
    environment_spec,
    task_interpreter,
    tooling_versions,
)
from fixloop.tasks.loader import load_tasks
from fixloop.tasks.task import Task
from fixloop.tasks.validator import validate_tasks
from fixloop.tasks.writer import write_task_dir
from tests.calc_task import make_calc_task
from tests.tasks import env_fixtures
from tests.tasks.env_fixtures import dependent_task, write_wheel

# The session's task environment (see env_fixtures), shared with the other modules that use it.
env_cache = env_fixtures.env_cache
tinydep_task = env_fixtures.tinydep_task
built_env = env_fixtures.built_env

runner = CliRunner()
REPO_ROOT = Path(__file__).resolve().parents[2]


def _with_files(files: dict[str, str]) -> Task:
    return make_calc_task().model_copy(update={"files": {**make_calc_task().files, **files}})


def test_a_task_without_requirements_uses_fixloops_interpreter() -> None:
    assert environment_spec(make_calc_task()) is None
    assert task_interpreter(make_calc_task()) is None


def test_requirements_are_normalized_and_get_fixloops_pytest() -> None:
    spec = environment_spec(dependent_task(["Requests >= 2.0", "attrs[tests]==23.1 ; python_version > '3'"]))

    assert spec is not None
    assert "requests>=2.0" in spec.requirements
    assert 'attrs[tests]==23.1; python_version > "3"' in spec.requirements
    assert f"pytest=={tooling_versions()['pytest']}" in spec.requirements
    assert spec.requirements == sorted(spec.requirements)


def test_a_pytest_the_task_pins_replaces_fixloops() -> None:
    spec = environment_spec(dependent_task(["pytest==8.4.2"]))

    assert spec is not None
    assert [r for r in spec.requirements if r.startswith("pytest")] == ["pytest==8.4.2"]


def test_equal_requirement_sets_share_one_key_whatever_their_order_or_spelling() -> None:
    first = environment_spec(dependent_task(["b_pkg>=1", "a-pkg"]))
    second = environment_spec(dependent_task(["A_Pkg", "B-pkg >= 1", "a-pkg"]))
    other = environment_spec(dependent_task(["a-pkg", "b-pkg>=2"]))

    assert first is not None and second is not None and other is not None
    assert first.key == second.key != other.key


def test_without_declared_requirements_the_repositorys_requirements_txt_is_used() -> None:
    spec = environment_spec(
        _with_files({"requirements.txt": "# deps\nattrs==23.1  # pinned\n\n", "pyproject.toml": ""})
    )

    assert spec is not None and spec.source == "requirements.txt"
    assert "attrs==23.1" in spec.requirements


def test_else_the_repositorys_pyproject_dependencies_are_used() -> None:
    spec = environment_spec(
        _with_files({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["attrs"]\n'})
    )

    assert spec is not None and spec.source == "pyproject.toml"
    assert "attrs" in spec.requirements


def test_pip_options_in_requirements_txt_are_refused_with_the_line() -> None:
    with pytest.raises(RequirementsError, match="line 2: pip options"):
        environment_spec(_with_files({"requirements.txt": "attrs\n-r other.txt\n"}))


def test_a_task_gives_python_or_requirements_not_both() -> None:
    with pytest.raises(ValueError, match="python or requirements"):
        Task.model_validate({**dependent_task(["attrs"]).model_dump(), "python": sys.executable})


def test_relative_requirements_in_task_toml_are_relative_to_the_task_directory(tmp_path: Path) -> None:
    task = dependent_task(["./wheels/tinydep-1.0-py3-none-any.whl"])
    write_task_dir(task, tmp_path / "task")

    (loaded,) = load_tasks(tmp_path / "task")

    assert loaded.requirements == [str(tmp_path / "task" / "wheels" / "tinydep-1.0-py3-none-any.whl")]


def test_a_suite_toml_gives_its_environment_to_tasks_that_declare_none(tmp_path: Path) -> None:
    write_task_dir(make_calc_task(), tmp_path / "calc")
    write_task_dir(dependent_task(["attrs"], "own"), tmp_path / "own")
    (tmp_path / "suite.toml").write_text('requirements = ["./wheels/x.whl"]\n')

    tasks = {task.id: task for task in load_tasks(tmp_path)}

    assert tasks["calc-add"].requirements == [str(tmp_path / "wheels" / "x.whl")]
    assert tasks["own"].requirements == ["attrs"]


def test_an_environment_is_built_once_and_then_reused(
    env_cache: EnvironmentCache, tinydep_task: Task, built_env: Interpreter
) -> None:
    spec = environment_spec(tinydep_task)
    assert spec is not None
    before = env_cache.get(spec)

    again = env_cache.build(spec, offline=True)

    assert before is not None and again.built_at == before.built_at
    assert again.interpreter == built_env
    assert built_env.pytest == tooling_versions()["pytest"]
    assert task_interpreter(tinydep_task, env_cache) == built_env


def test_two_processes_building_one_environment_build_it_once(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path / "wheels", "concurrentdep")
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from fixloop.tasks.environments import EnvironmentCache, environment_spec\n"
        "from tests.tasks.env_fixtures import dependent_task\n"
        f"spec = environment_spec(dependent_task([{str(wheel)!r}]))\n"
        f"entry = EnvironmentCache(Path({str(tmp_path / 'cache')!r})).build(spec, offline=True)\n"
        "print(entry.built_at.isoformat())\n"
    )
    builds = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)
        for _ in range(2)
    ]
    stamps = [build.communicate(timeout=120)[0].strip() for build in builds]

    assert [build.returncode for build in builds] == [0, 0]
    assert stamps[0] == stamps[1]
    assert len(EnvironmentCache(tmp_path / "cache").entries()) == 1
    assert not list((tmp_path / "cache").glob(".build-*"))


def test_an_environment_not_built_fails_the_episode_fast_naming_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "empty-cache"))
    env = DebugEnv(sandbox)

    with pytest.raises(SandboxError, match="fixloop tasks env build"):
        env.reset(dependent_task([str(tmp_path / "x.whl")]))
    env.close()


def test_a_run_records_an_episode_whose_environment_is_not_built_as_the_sandboxs_infra_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "empty-cache"))
    task = dependent_task([str(tmp_path / "x.whl")])
    trajectory = run_episode(DebugEnv(sandbox), OracleAgent(task), task)
    assert trajectory.outcome == "infra_error"
    assert (
        trajectory.error.startswith("the sandbox failed:") and "fixloop tasks env build" in trajectory.error
    )
    assert "fixloop bug" not in trajectory.error


def test_an_episode_runs_its_tests_in_the_built_environment(
    env_cache: EnvironmentCache,
    tinydep_task: Task,
    built_env: Interpreter,
    monkeypatch: pytest.MonkeyPatch,
    sandbox,
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(env_cache.root))
    env = DebugEnv(sandbox)
    try:
        env.reset(tinydep_task)
        ran = env.step({"action_type": "run_tests"})
        env.step(
            {"action_type": "write_file", "path": "calc.py", "content": tinydep_task.reference_fix["calc.py"]}
        )
        graded = env.step({"action_type": "submit"})
    finally:
        env.close()

    assert "1 passed, 1 failed" in (ran.observation.last_test_output or "")
    assert graded.info["grade"]["outcome"] == "resolved"


def test_validation_builds_environments_and_a_failing_build_affects_only_its_tasks(
    env_cache: EnvironmentCache, tinydep_task: Task, sandbox, tmp_path: Path
) -> None:
    broken = dependent_task([str(tmp_path / "missing-1.0-py3-none-any.whl")], "broken-env")

    reports = validate_tasks(
        [tinydep_task, broken, make_calc_task()], sandbox, repeats=1, cache=env_cache, offline=True
    )

    good, bad, plain = reports
    assert good.valid, good.problems
    assert good.python is not None and good.python.startswith(str(env_cache.root))
    assert not bad.valid and "missing-1.0-py3-none-any.whl" in bad.problems[0]
    assert "cannot be made" in bad.problems[0]
    assert plain.valid and plain.python is None


def test_a_failed_build_leaves_nothing_in_the_cache(tmp_path: Path) -> None:
    cache = EnvironmentCache(tmp_path / "cache")
    spec = environment_spec(dependent_task([str(tmp_path / "nothing-1.0-py3-none-any.whl")]))
    assert spec is not None

    with pytest.raises(EnvironmentBuildError, match="does not exist"):
        cache.build(spec, offline=True)

    assert cache.entries() == []
    assert not list(cache.root.glob(".build-*"))


def test_the_cli_builds_lists_and_prunes_environments(
    env_cache: EnvironmentCache, built_env: Interpreter, tinydep_task: Task, tmp_path: Path
) -> None:
    write_task_dir(tinydep_task, tmp_path / "suite" / tinydep_task.id)
    write_task_dir(make_calc_task(), tmp_path / "other" / "calc")
    cache = ["--cache", str(env_cache.root)]

    built = runner.invoke(
        app, ["tasks", "env", "build", "--path", str(tmp_path / "suite"), "--offline", *cache, "--json"]
    )
    listed = runner.invoke(app, ["tasks", "env", "list", *cache, "--json"])
    kept = runner.invoke(app, ["tasks", "env", "prune", "--path", str(tmp_path / "suite"), *cache, "--json"])

    assert built.exit_code == 0, built.output
    (row,) = json.loads(built.stdout)["environments"]
    assert row["status"] == "cached" and row["tasks"] == [tinydep_task.id]
    entries = {entry["key"]: entry for entry in json.loads(listed.stdout)["environments"]}
    assert tinydep_task.id in entries[row["env"]]["tasks"]
    assert entries[row["env"]]["size_bytes"] > 0
    assert row["env"] not in json.loads(kept.stdout)["removed"]


def test_prune_removes_the_environments_no_task_needs_and_what_killed_builds_left(tmp_path: Path) -> None:
    cache = EnvironmentCache(tmp_path / "cache")
    spec = environment_spec(dependent_task([str(write_wheel(tmp_path / "wheels", "prunedep"))]))
    assert spec is not None
    cache.build(spec, offline=True)
    write_task_dir(make_calc_task(), tmp_path / "suite" / "calc")
    killed_build = cache.root / ".build-0123456789abcdef-x1"
    killed_build.mkdir()

    pruned = runner.invoke(
        app,
        ["tasks", "env", "prune", "--path", str(tmp_path / "suite"), "--cache", str(cache.root), "--json"],
    )

    assert pruned.exit_code == 0, pruned.output
    assert json.loads(pruned.stdout)["removed"] == [spec.key]
    assert cache.entries() == []
    assert not killed_build.exists()


def test_the_cli_reports_a_failing_build_with_the_installer_error(tmp_path: Path) -> None:
    write_task_dir(dependent_task([str(tmp_path / "gone-1.0-py3-none-any.whl")]), tmp_path / "suite" / "t")
    suite, cache = str(tmp_path / "suite"), str(tmp_path / "cache")

    result = runner.invoke(
        app, ["tasks", "env", "build", "--path", suite, "--offline", "--cache", cache, "--json"]
    )

    assert result.exit_code == 1
    (row,) = json.loads(result.stdout)["environments"]
    assert row["status"] == "failed" and "gone-1.0-py3-none-any.whl" in row["detail"]


def test_a_task_naming_its_own_python_runs_with_it(built_env: Interpreter, tinydep_task: Task) -> None:
    own = Task.model_validate(
        {**tinydep_task.model_dump(), "requirements": [], "python": built_env.executable}
    )

    interpreter = task_interpreter(own)

    assert interpreter is not None
    assert (interpreter.executable, interpreter.pytest) == (built_env.executable, built_env.pytest)
    assert set(built_env.paths) <= set(interpreter.paths)
