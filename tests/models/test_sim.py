"""The simulated model: a seeded, labelled stand-in for an LLM that speaks the agent's JSON.

The episode tests drive it through the real LLM agent, environment and sandbox on builtin
tasks, and judge it with the real failure classifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from fixloop.agents.context import AgentContext
from fixloop.agents.limits import AgentStop
from fixloop.agents.llm_agent import LLMAgent
from fixloop.agents.prompt import observation_message, system_prompt
from fixloop.analysis.failure_classifier import FailureLabel, classify
from fixloop.core.trajectory import Trajectory
from fixloop.env.actions import ActionParseError, parse_action
from fixloop.env.debug_env import DebugEnv
from fixloop.env.observation import Observation
from fixloop.models.base import Message, ModelError
from fixloop.models.sim import SIM_PRESETS, SimConfig, SimModel, active_directives, make_sim_model
from fixloop.rollout.episode import run_episode
from fixloop.tasks.loader import load_suite
from fixloop.tasks.task import Task

TASK_IDS = (
    "build-order-tiebreak",
    "calc-negative-literal-power",
    "invoice-tax-rounding",
    "json-pointer-array-index",
    "leaderboard-shared-rank",
    "query-string-plus-sign",
)
"""Builtin tasks with at least two irrelevant modules, so that every behaviour can show."""

SEED = 0

NEVER_TESTED_FEEDBACK = "Run the tests after every edit and submit only on a pass."
BLIND_WRITE_FEEDBACK = (
    "Never write before reading: read the target file, find the exact lines, make a minimal fix."
)

CARELESS_LABELS = {FailureLabel.BLIND_WRITE, FailureLabel.NEVER_TESTED, FailureLabel.PREMATURE_SUBMIT}
WEAK_LABELS = {
    FailureLabel.WRONG_FILE_NAVIGATION,
    FailureLabel.LOOPING_BEHAVIOR,
    FailureLabel.HALLUCINATED_CODE,
    FailureLabel.FORMAT_ERRORS,
}

CAREFUL = SimConfig(
    competence=1.0,
    blind_write=0.0,
    never_test=0.0,
    looping=0.0,
    wrong_files=0.0,
    wrong_edit=0.0,
    premature_submit=0.0,
    malformed=0.0,
    compliance=1.0,
)
"""Always the reference fix, always the careful workflow; a directive silences a behaviour."""


@pytest.fixture(scope="module")
def tasks() -> list[Task]:
    by_id = {task.id: task for task in load_suite("builtin")}
    return [by_id[task_id] for task_id in TASK_IDS]


Job = tuple[SimModel, Task, AgentContext]


def run_all(sandbox, jobs: Sequence[Job]) -> list[Trajectory]:
    """Each job as one episode of the real LLM agent, a few at a time."""

    def run(job: Job) -> Trajectory:
        model, task, context = job
        return run_episode(DebugEnv(sandbox), LLMAgent(model, context=context), task)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(run, jobs))


def labels(trajectory: Trajectory) -> set[FailureLabel]:
    return set(classify(trajectory).labels)


def share(trajectories: list[Trajectory], wanted: set[FailureLabel]) -> float:
    """The share of episodes showing at least one of the `wanted` labels."""
    return sum(bool(labels(t) & wanted) for t in trajectories) / len(trajectories)


def resolve_rate(trajectories: list[Trajectory]) -> float:
    return sum(t.outcome == "resolved" for t in trajectories) / len(trajectories)


def record(trajectory: Trajectory) -> tuple:
    """What must repeat exactly for a seed (timings and test output durations aside)."""
    return (
        trajectory.outcome,
        trajectory.score,
        trajectory.tokens,
        [
            (s.action, s.raw_action, s.error, s.summary.tests, s.summary.pass_fraction)
            for s in trajectory.steps
        ],
    )


@pytest.fixture(scope="module")
def preset_runs(sandbox, tasks) -> dict[str, list[Trajectory]]:
    """Every preset on every task, with the same seed."""
    jobs = [
        (make_sim_model(f"sim:{p}", task, seed=SEED), task, AgentContext())
        for p in SIM_PRESETS
        for task in tasks
    ]
    trajectories = run_all(sandbox, jobs)
    return {p: trajectories[i * len(tasks) : (i + 1) * len(tasks)] for i, p in enumerate(SIM_PRESETS)}


BEHAVIOURS = {
    "blind_write": ({"blind_write": 1.0}, FailureLabel.BLIND_WRITE),
    "never_test": ({"never_test": 1.0}, FailureLabel.NEVER_TESTED),
    "looping": ({"looping": 1.0}, FailureLabel.LOOPING_BEHAVIOR),
    "wrong_files": ({"wrong_files": 1.0, "premature_submit": 1.0}, FailureLabel.WRONG_FILE_NAVIGATION),
    "premature_submit": (
        {"competence": 0.0, "wrong_edit": 1.0, "premature_submit": 1.0},
        FailureLabel.PREMATURE_SUBMIT,
    ),
    "malformed": ({"malformed": 1.0}, FailureLabel.FORMAT_ERRORS),
}
"""A propensity set to 1 on the careful config, and the label it must then produce."""


@pytest.fixture(scope="module")
def behaviour_runs(sandbox, tasks) -> dict[str, Trajectory]:
    """One episode per entry of BEHAVIOURS, plus `careful` (nothing changed), on one task."""
    task = tasks[0]
    configs = {"careful": CAREFUL} | {
        name: CAREFUL.model_copy(update=overrides) for name, (overrides, _) in BEHAVIOURS.items()
    }
    jobs = [
        (SimModel(config, task, seed=SEED, preset=name), task, AgentContext())
        for name, config in configs.items()
    ]
    return dict(zip(configs, run_all(sandbox, jobs), strict=True))


def first_prompt(task: Task, context: AgentContext | None = None) -> list[Message]:
    """The messages the LLM agent sends for the first observation of `task`."""
    observation = Observation(
        task_id=task.id,
        task_description=task.description,
        repo_tree=sorted(task.files),
        action_output="A new episode started.",
        steps_remaining=task.max_steps,
    )
    return [
        Message(role="system", content=system_prompt(context or AgentContext())),
        Message(role="user", content=observation_message(observation)),
    ]


# ---- the model on its own -------------------------------------------------------------------


def test_a_sim_model_is_named_for_its_preset_and_marked_simulated(calc_task):
    model = make_sim_model("sim:careless", calc_task, seed=1)
    completion = model.complete(first_prompt(calc_task))
    assert model.name == completion.model == "sim:careless"
    assert model.simulated is True
    assert completion.cost == 0.0
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0


def test_an_unknown_preset_is_refused_with_the_known_ones_listed(calc_task):
    with pytest.raises(ValueError, match="sim:weak, sim:careless, sim:strong"):
        make_sim_model("sim:brilliant", calc_task, seed=0)


def test_the_config_rejects_a_probability_outside_zero_to_one():
    with pytest.raises(ValidationError):
        SimConfig(competence=1.5)


def test_the_config_rejects_unknown_fields():
    with pytest.raises(ValidationError):
        SimConfig(genius=1.0)


def test_a_reply_longer_than_max_tokens_is_cut_off(calc_task):
    completion = SimModel(CAREFUL, calc_task, seed=0).complete(first_prompt(calc_task), max_tokens=16)
    assert len(completion.text) == 16 * CAREFUL.chars_per_token
    with pytest.raises(ActionParseError):
        parse_action(completion.text)


def test_a_prompt_from_another_task_is_refused(calc_task, tasks):
    model = make_sim_model("sim:strong", calc_task, seed=0)
    with pytest.raises(ModelError, match="one with make_sim_model"):
        model.complete(first_prompt(tasks[0]))


def test_the_base_prompt_alone_holds_no_directive(calc_task):
    assert active_directives(first_prompt(calc_task)) == frozenset()


@pytest.mark.parametrize(
    ("context", "addressed"),
    [
        (AgentContext(skill=f"- {NEVER_TESTED_FEEDBACK}"), {"never_test", "premature_submit"}),
        (AgentContext(retry_notes=BLIND_WRITE_FEEDBACK), {"blind_write", "wrong_edit"}),
        (
            AgentContext(memory_cards=["Use search to pinpoint the bug; read each file at most once."]),
            {"looping"},
        ),
        (AgentContext(skill="Start from the failing test and follow its imports."), {"wrong_files"}),
        (AgentContext(retry_notes="The last attempt was labelled NEVER_TESTED."), {"never_test"}),
    ],
)
def test_directives_in_the_skill_memory_or_retry_notes_are_recognised(calc_task, context, addressed):
    assert active_directives(first_prompt(calc_task, context)) == addressed


def test_a_directive_scales_its_behaviours_propensity_by_one_minus_compliance(calc_task):
    config = SIM_PRESETS["careless"]
    model = SimModel(config, calc_task, seed=0)
    model.complete(first_prompt(calc_task, AgentContext(skill=NEVER_TESTED_FEEDBACK)))
    assert model.propensities["never_test"] == pytest.approx(config.never_test * (1 - config.compliance))
    assert model.propensities["blind_write"] == config.blind_write


def test_the_same_seed_and_prompts_give_the_same_reply_and_seeds_vary(calc_task):
    config = CAREFUL.model_copy(update={"malformed": 0.5})
    replies = [
        SimModel(config, calc_task, seed=seed).complete(first_prompt(calc_task)).text for seed in range(8)
    ]
    again = [
        SimModel(config, calc_task, seed=seed).complete(first_prompt(calc_task)).text for seed in range(8)
    ]
    assert replies == again
    assert len(set(replies)) > 1


@pytest.mark.parametrize("seed", range(6))
def test_a_malformed_reply_does_not_parse_as_an_action(calc_task, seed):
    model = SimModel(CAREFUL.model_copy(update={"malformed": 1.0}), calc_task, seed=seed)
    agent = LLMAgent(model)
    observation = Observation(
        task_id=calc_task.id,
        task_description=calc_task.description,
        repo_tree=sorted(calc_task.files),
        steps_remaining=calc_task.max_steps,
    )
    for _ in range(2):
        output = agent.act(observation)
        with pytest.raises(ActionParseError):
            parse_action(output)
    with pytest.raises(AgentStop, match="not a valid action"):
        agent.act(observation)


# ---- episodes through the real agent and environment --------------------------------------


def test_every_episode_is_recorded_under_the_sim_model_name(preset_runs):
    for preset, trajectories in preset_runs.items():
        assert {t.model for t in trajectories} == {f"sim:{preset}"}


def test_the_careful_config_resolves_with_the_careful_workflow(behaviour_runs):
    trajectory = behaviour_runs["careful"]
    assert trajectory.outcome == "resolved"
    assert labels(trajectory) == {FailureLabel.CORRECT}
    kinds = [s.action["action_type"] for s in trajectory.steps if s.action]
    assert kinds == ["run_tests", "read_file", "read_file", "replace_lines", "run_tests", "submit"]


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_a_behaviour_at_full_propensity_produces_its_failure_label(behaviour_runs, behaviour):
    _, label = BEHAVIOURS[behaviour]
    assert label in labels(behaviour_runs[behaviour])


def test_an_attempt_that_is_not_competent_is_a_plausible_wrong_edit(behaviour_runs):
    trajectory = behaviour_runs["premature_submit"]
    edits = [s for s in trajectory.steps if s.action and s.action["action_type"] == "replace_lines"]
    assert len(edits) == 1 and edits[0].summary.lines_changed > 0
    assert trajectory.outcome == "unresolved"


def test_a_directive_in_the_retry_notes_suppresses_the_behaviours_it_names(sandbox, tasks):
    config = CAREFUL.model_copy(update={"blind_write": 1.0, "never_test": 1.0})
    task = tasks[1]
    notes = AgentContext(retry_notes=f"{BLIND_WRITE_FEEDBACK}\n{NEVER_TESTED_FEEDBACK}")
    plain, told = run_all(
        sandbox,
        [
            (SimModel(config, task, seed=SEED), task, AgentContext()),
            (SimModel(config, task, seed=SEED), task, notes),
        ],
    )
    assert {FailureLabel.BLIND_WRITE, FailureLabel.NEVER_TESTED} <= labels(plain)
    assert labels(told) == {FailureLabel.CORRECT}


def test_careless_shows_blind_writes_untested_and_premature_submits_more_than_strong(preset_runs):
    careless, strong = preset_runs["careless"], preset_runs["strong"]
    for label in CARELESS_LABELS:
        assert share(careless, {label}) >= max(share(strong, {label}), 1 / len(careless))
    mean_careless = sum(share(careless, {label}) for label in CARELESS_LABELS) / len(CARELESS_LABELS)
    mean_strong = sum(share(strong, {label}) for label in CARELESS_LABELS) / len(CARELESS_LABELS)
    assert mean_careless >= mean_strong + 0.2


def test_weak_gets_lost_loops_and_guesses_more_than_strong(preset_runs):
    assert share(preset_runs["weak"], WEAK_LABELS) >= share(preset_runs["strong"], WEAK_LABELS) + 1 / 3


def test_strong_resolves_clearly_more_than_weak(preset_runs):
    assert resolve_rate(preset_runs["strong"]) >= resolve_rate(preset_runs["weak"]) + 1 / 3


def test_an_episode_repeats_exactly_for_the_same_seed(sandbox, tasks, preset_runs):
    task = tasks[2]
    (again,) = run_all(sandbox, [(make_sim_model("sim:careless", task, seed=SEED), task, AgentContext())])
    assert record(again) == record(preset_runs["careless"][2])
