"""The done-criterion: the shipped seeds yield 50+ sound tasks of every operator, all resolvable."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from fixloop.agents.oracle import OracleAgent
from fixloop.env.debug_env import DebugEnv
from fixloop.rollout.episode import run_episode
from fixloop.tasks.synthesis import OPERATORS, SynthesisConfig, SynthesisResult, seed_repos, synthesize
from fixloop.tasks.task import Task

TASKS_PER_SEED = 17


@pytest.fixture(scope="module")
def results(sandbox) -> list[SynthesisResult]:
    """17 tasks from each shipped seed, validated with 3 runs per side (the default)."""
    config = SynthesisConfig(n=TASKS_PER_SEED, seed=0)
    return [synthesize(repo, sandbox, config) for repo in seed_repos()]


@pytest.fixture(scope="module")
def tasks(results) -> list[Task]:
    return [task for result in results for task in result.tasks]


def test_the_seeds_yield_at_least_50_tasks(tasks):
    assert len(tasks) >= 50
    assert len({task.id for task in tasks}) == len(tasks)


def test_every_operator_appears_among_the_tasks(tasks):
    operators = Counter(task.mutation.operator for task in tasks if task.mutation)
    assert set(operators) == set(OPERATORS)


def test_no_kept_task_was_flaky_or_invalid_under_validation(results):
    dropped = [c for result in results for c in result.candidates if c.verdict in ("flaky", "invalid")]
    assert dropped == []


def test_the_oracle_resolves_every_synthesized_task(tasks, sandbox):
    def outcome(task: Task) -> str:
        return run_episode(DebugEnv(sandbox), OracleAgent(task), task).outcome

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = dict(zip((task.id for task in tasks), pool.map(outcome, tasks), strict=True))
    assert {task_id: o for task_id, o in outcomes.items() if o != "resolved"} == {}
