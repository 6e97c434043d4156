"""`FixloopGEPAAdapter` against the real gepa package, offline with sim:careless: the contract
of `evaluate`, infra errors, the reflective dataset, and proposals from fixloop's reflector."""

from __future__ import annotations

import copy

import gepa
import pytest

from fixloop.improve.reflection import hidden_fix_paths
from fixloop.improve.skills.skill import Skill
from fixloop.improve.skills.skill_reflector import TemplateSkillReflector
from fixloop.improve.training_rollouts import TrainingRollouts
from fixloop.integrations.gepa import (
    SKILL,
    FixloopGEPAAdapter,
    InfrastructureFailure,
    TaskLoader,
)
from fixloop.rollout.run_session import RunSettings, select_tasks
from fixloop.store import Store
from tests.improve.skills.training_fixtures import FAST_TASKS

SETTINGS = RunSettings(
    agent="llm", model="sim:careless", suite="builtin", task_ids=FAST_TASKS[:4], concurrency=2
)


@pytest.fixture(scope="session")
def tasks():
    return select_tasks(SETTINGS)


@pytest.fixture(scope="session")
def adapter(tmp_path_factory):
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('gepa')}/fixloop.db")
    rollouts = TrainingRollouts(store, "adapter", SETTINGS, seed=3)
    return FixloopGEPAAdapter(rollouts, reflector=TemplateSkillReflector())


@pytest.fixture(scope="session")
def evaluated(adapter, tasks):
    """One evaluation of the empty skill, with traces, and its inputs as given."""
    batch, candidate = list(tasks), {SKILL: ""}
    before = (copy.deepcopy(batch), dict(candidate))
    return adapter.evaluate(batch, candidate, capture_traces=True), batch, candidate, before


def test_evaluate_gives_one_output_and_the_grade_score_per_item_in_order(evaluated, tasks):
    result, batch, _, _ = evaluated
    assert isinstance(result, gepa.EvaluationBatch)
    assert len(result.outputs) == len(result.scores) == len(result.trajectories) == len(batch)
    assert [o.citation.task_id for o in result.outputs] == [t.id for t in tasks]
    assert result.scores == [trace.trajectory.score for trace in result.trajectories]
    assert all(output.simulated for output in result.outputs)


def test_evaluate_does_not_mutate_its_inputs(evaluated):
    _, batch, candidate, (batch_before, candidate_before) = evaluated
    assert batch == batch_before and candidate == candidate_before


def test_evaluate_stores_its_episodes_as_a_run(adapter, evaluated):
    result, *_ = evaluated
    run = adapter.rollouts.store.get_run(result.outputs[0].citation.run)
    assert run.name.startswith("adapter:gepa-") and run.simulated


def test_evaluate_without_traces_leaves_them_out_and_samples_afresh(adapter, tasks, evaluated):
    again = adapter.evaluate(list(tasks), {SKILL: ""})
    assert again.trajectories is None and len(again.scores) == len(tasks)
    assert again.outputs[0].citation.run != evaluated[0].outputs[0].citation.run


def test_an_item_repeated_in_a_batch_gets_its_own_episode(adapter, tasks):
    result = adapter.evaluate([tasks[0], tasks[0]], {SKILL: ""})
    assert [o.citation.episode_index for o in result.outputs] == [0, 1]


def _with_infra_errors(adapter, tasks, failing):
    """The adapter's rollouts with the episodes of `failing` task ids turned into infra errors."""
    real = adapter.rollouts

    class Broken:
        store, training = real.store, real.training
        run_name = real.run_name

        def rollout(self, context, batch, *, repeats, label):
            episodes = real.rollout(context, batch, repeats=repeats, label=label)
            return {
                key: t.model_copy(update={"outcome": "infra_error", "error": "sandbox died"})
                if key[0] in failing
                else t
                for key, t in episodes.items()
            }

    return FixloopGEPAAdapter(Broken(), reflector=TemplateSkillReflector())  # type: ignore[arg-type]


def test_an_infra_error_scores_zero_is_flagged_and_is_left_out_of_the_reflective_dataset(adapter, tasks):
    broken = _with_infra_errors(adapter, tasks, {tasks[0].id})
    result = broken.evaluate(list(tasks), {SKILL: ""}, capture_traces=True)
    assert result.scores[0] == 0.0 and result.outputs[0].infra_error
    assert not any(output.infra_error for output in result.outputs[1:])
    records = broken.make_reflective_dataset({SKILL: ""}, result, [SKILL])[SKILL]
    assert tasks[0].id not in {record["Inputs"]["task"] for record in records}
    assert len(records) == len(tasks) - 1


def test_a_batch_whose_every_episode_is_an_infra_error_is_a_systemic_failure(adapter, tasks):
    broken = _with_infra_errors(adapter, tasks, {task.id for task in tasks})
    with pytest.raises(InfrastructureFailure, match="sandbox died"):
        broken.evaluate(list(tasks), {SKILL: "# Skill\n\n## Testing\n- Run the tests."})


def test_the_reflective_dataset_has_the_task_the_steps_and_fixloops_diagnosis(adapter, evaluated, tasks):
    result, _, candidate, _ = evaluated
    dataset = adapter.make_reflective_dataset(candidate, result, [SKILL])
    records = dataset[SKILL]
    assert len(records) == len(tasks)
    for record, task in zip(records, tasks, strict=True):
        assert record["Inputs"] == {
            "task": task.id,
            "description": task.description,
            "tests to fix": ", ".join(task.fail_to_pass),
        }
        assert record["Generated Outputs"].startswith("step 1:")
        assert record["Feedback"].startswith("outcome: ")
        assert "Episode" in record and "score" in record
    failed = [r for r in records if r["score"] < 1.0]
    assert failed, "sim:careless fails some of these tasks with seed 3"
    assert all("failure: " in r["Feedback"] for r in failed)
    for record, trace in zip(records, result.trajectories, strict=True):
        assert not any(path in record["Feedback"] for path in hidden_fix_paths(trace.trajectory))


def test_propose_new_texts_edits_the_skill_with_fixloops_reflector(adapter, evaluated):
    result, _, candidate, _ = evaluated
    dataset = adapter.make_reflective_dataset(candidate, result, [SKILL])
    proposed = adapter.propose_new_texts(candidate, dataset, [SKILL])
    skill = Skill.parse(proposed[SKILL])
    assert skill.rules() and adapter.proposals[proposed[SKILL]].edits
    assert adapter.propose_new_texts(candidate, dataset, ["base_prompt"]) == {}


def test_without_a_reflector_gepa_proposes_with_its_own_reflection_lm(adapter):
    assert FixloopGEPAAdapter(adapter.rollouts).propose_new_texts is None


def test_a_candidate_with_an_unknown_component_is_refused(adapter, tasks):
    with pytest.raises(ValueError, match="unknown candidate components"):
        adapter.evaluate(list(tasks), {SKILL: "", "tools": "x"})


def test_task_loader_ids_are_task_ids_and_must_be_unique(tasks):
    loader = TaskLoader(tasks)
    assert loader.all_ids() == [t.id for t in tasks] and len(loader) == len(tasks)
    assert loader.fetch([tasks[1].id]) == [tasks[1]]
    with pytest.raises(ValueError, match="unique"):
        TaskLoader([tasks[0], tasks[0]])
