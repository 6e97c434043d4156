"""Real runs to report on: episodes played in the sandbox, diagnosed and compared."""

from __future__ import annotations

import json

import pytest

from fixloop.agents.llm_agent import LLMAgent
from fixloop.agents.oracle import OracleAgent
from fixloop.analysis.comparison import Comparison, RunInput, compare_runs
from fixloop.analysis.run_diagnosis import RunDiagnosis, diagnose_run
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import DebugEnv
from fixloop.models.scripted import ScriptedModel
from fixloop.rollout.episode import run_episode
from fixloop.tasks.task import Task
from tests.calc_task import make_calc_task

SCRIPT_THOUGHT = "</script><script>alert(1)</script>"
IMG_PATH = "<img src=x onerror=alert(1)>"

BLIND_WRITER = [
    json.dumps({"action_type": "replace_lines", "path": "calc.py", "start_line": 3, "end_line": 3,
                "new_code": "return a * b", "thought": SCRIPT_THOUGHT}),
    json.dumps({"action_type": "read_file", "path": IMG_PATH}),
    "<b>not an action</b>",
    json.dumps({"action_type": "run_tests"}),
    json.dumps({"action_type": "submit"}),
]  # fmt: skip
"""Edits before reading, with hostile text in a thought, a path and an unparsed output; submits a failure."""

CAREFUL = [
    json.dumps({"action_type": "run_tests", "thought": "see what fails first"}),
    json.dumps({"action_type": "read_file", "path": "calc.py", "thought": "add lives in calc.py"}),
    json.dumps({"action_type": "replace_lines", "path": "calc.py", "start_line": 3, "end_line": 3,
                "new_code": "return a + b", "thought": "add subtracts; make it add"}),
    json.dumps({"action_type": "run_tests"}),
    json.dumps({"action_type": "submit"}),
]  # fmt: skip
"""Tests, reads, fixes, verifies and submits: resolves the calc tasks."""


def calc_tasks() -> list[Task]:
    return [
        make_calc_task(),
        make_calc_task(id="calc-add-tagged", difficulty="medium", tags=["arithmetic"]),
    ]


@pytest.fixture(scope="session")
def oracle_trajectories(sandbox) -> list[Trajectory]:
    return [run_episode(DebugEnv(sandbox), OracleAgent(task), task) for task in calc_tasks()]


@pytest.fixture(scope="session")
def blind_trajectories(sandbox) -> list[Trajectory]:
    return [
        run_episode(DebugEnv(sandbox), LLMAgent(ScriptedModel(BLIND_WRITER)), task) for task in calc_tasks()
    ]


@pytest.fixture(scope="session")
def careful_trajectories(sandbox) -> list[Trajectory]:
    return [run_episode(DebugEnv(sandbox), LLMAgent(ScriptedModel(CAREFUL)), task) for task in calc_tasks()]


@pytest.fixture(scope="session")
def oracle_run(oracle_trajectories) -> RunDiagnosis:
    """Resolves every task; not simulated."""
    return diagnose_run("oracle", oracle_trajectories, agent="oracle", model="none", simulated=False)


@pytest.fixture(scope="session")
def blind_run(blind_trajectories) -> RunDiagnosis:
    """Fails every task by writing blind; not simulated."""
    return diagnose_run(
        "blind-writer", blind_trajectories, agent="llm", model="scripted:test", simulated=False
    )


@pytest.fixture(scope="session")
def simulated_run(careful_trajectories) -> RunDiagnosis:
    """Resolves every task, and is marked as produced by a simulated model."""
    return diagnose_run("careful", careful_trajectories, agent="llm", model="simulated:demo", simulated=True)


@pytest.fixture(scope="session")
def comparison(oracle_trajectories, blind_trajectories, careful_trajectories) -> Comparison:
    return compare_runs(
        [
            RunInput("oracle", oracle_trajectories),
            RunInput("blind-writer", blind_trajectories),
            RunInput("careful", careful_trajectories, simulated=True),
        ]
    )
