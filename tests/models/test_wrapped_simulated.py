"""A simulated model stays simulated when wrapped: budgets, the cache and call recording
forward its label, so every episode it plays is flagged simulated."""

from __future__ import annotations

import pytest

from fixloop.agents.llm_agent import LLMAgent
from fixloop.env.debug_env import DebugEnv
from fixloop.models.base import Model
from fixloop.models.budget import Budget, BudgetedModel
from fixloop.models.cache import CachedModel, MemoryCache
from fixloop.models.recording import RecordingModel
from fixloop.models.sim import make_sim_model
from fixloop.rollout.episode import run_episode
from fixloop.tasks.loader import load_suite
from fixloop.tasks.task import Task


@pytest.fixture(scope="module")
def task() -> Task:
    return next(t for t in load_suite("builtin") if t.id == "calc-negative-literal-power")


def wrapped(model: Model) -> Model:
    budgeted = BudgetedModel(model, budgets=[Budget(max_calls=100)])
    cached = CachedModel(budgeted, MemoryCache())
    return RecordingModel(cached, lambda completion, error, seconds: None)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda m: BudgetedModel(m, budgets=[Budget()]),
        lambda m: CachedModel(m, MemoryCache()),
        lambda m: RecordingModel(m, lambda completion, error, seconds: None),
    ],
    ids=["budgeted", "cached", "recording"],
)
def test_each_wrapper_forwards_the_simulated_label(task, wrap):
    assert wrap(make_sim_model("sim:careless", task, seed=0)).simulated is True


def test_a_wrapped_real_model_is_not_labelled_simulated(task):
    class RealModel:
        name = "openai:some-model"

    assert wrapped(RealModel()).simulated is False  # type: ignore[arg-type]


def test_a_bare_episode_of_a_wrapped_simulated_model_is_flagged_simulated(sandbox, task):
    model = wrapped(make_sim_model("sim:careless", task, seed=0))
    trajectory = run_episode(DebugEnv(sandbox), LLMAgent(model), task)
    assert trajectory.simulated is True
    assert trajectory.model == "sim:careless"
