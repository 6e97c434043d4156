"""The skill trainer: real trainings of sim:careless on builtin tasks, in a real store.

How often the gate falsely accepts an A/A edit is measured in `benchmarks/bench_gate.py`;
here one seeded training shows the whole loop does what it promises.
"""

from __future__ import annotations

import threading

import pytest

from fixloop.improve.gate import GateSettings, TaskOutcome, judge
from fixloop.improve.ledger import Ledger
from fixloop.improve.skills.schedules import edit_budget
from fixloop.improve.skills.skill import Skill
from fixloop.improve.skills.skill_reflector import TrainingEpisode
from fixloop.improve.skills.slow_update import TaskComparison
from fixloop.improve.skills.trainer import SkillTrainer, training_splits
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.rollout.run_session import select_tasks
from fixloop.store import Store
from tests.improve.skills.training_fixtures import FAST_TASKS, NO_EFFECT_RULES, NoEffectFirst, settings

SMALL = FAST_TASKS[:10]


def start(store: Store, name: str, training: TrainingSettings, **options: object) -> SkillTrainer:
    store.create_training(name, config=training.model_dump(mode="json"), simulated=True)
    splits = training_splits(training, select_tasks(training.rollout))
    return SkillTrainer(store, name, training, splits, **options)  # type: ignore[arg-type]


def training_task_ids(store: Store, name: str) -> set[str]:
    """Every task some stored episode of the training played."""
    runs = [run for run in store.list_runs() if run.name.startswith(f"{name}:")]
    return {episode.task_id for run in runs for episode in store.episodes(run)}


@pytest.fixture(scope="module")
def careless(tmp_path_factory):
    """One epoch on sim:careless: an A/A step first, then the template reflector's step."""
    url = f"sqlite:///{tmp_path_factory.mktemp('train') / 'fixloop.db'}"
    training = settings(
        FAST_TASKS, fractions="0.3,0.35,0.35", batch_size=6, test_repeats=3, schedule="constant", seed=4
    )
    test_ids = set(training_splits(training, select_tasks(training.rollout)).ids()["test"])
    seen_before_test: list[set[str]] = []
    with Store.open(url) as store:

        def on_phase(text: str) -> None:
            if not text.startswith("test"):
                seen_before_test.append(training_task_ids(store, "careless") & test_ids)

        trainer = start(store, "careless", training, reflector=NoEffectFirst(), on_phase=on_phase)
        result = trainer.run()
        yield store, trainer, result, seen_before_test


def test_training_raises_the_held_out_resolve_rate_significantly(careless):
    _, _, result, _ = careless
    assert result.status == "finished"
    assert result.test is not None
    assert result.test.final_rate > result.test.baseline_rate
    assert result.test.p_value < 0.05


def test_no_edit_without_effect_on_the_model_is_adopted(careless):
    store, _, result, _ = careless
    final = Skill.model_validate(store.skill_version(result.final_skill).content)
    texts = [rule.text for _, rule in final.rules()]
    assert texts, "the template step's rules were adopted"
    assert not set(NO_EFFECT_RULES) & set(texts)
    first = Ledger(store, "careless").entries()[0]
    assert {getattr(edit, "text", None) for edit in first.edits} == set(NO_EFFECT_RULES)
    assert not first.adopted
    assert first.verdict is not None and first.verdict.reason.startswith("rejected")


def test_no_test_split_episode_exists_before_the_final_evaluation(careless):
    _, _, _, seen_before_test = careless
    assert seen_before_test, "phases were reported"
    assert all(not seen for seen in seen_before_test)


def test_batches_play_train_tasks_and_the_gate_selection_tasks(careless):
    store, trainer, _, _ = careless
    train, selection = set(trainer.splits.ids()["train"]), set(trainer.splits.ids()["selection"])
    for entry in Ledger(store, "careless").entries():
        assert entry.evidence_run is not None
        assert {e.task_id for e in store.episodes(entry.evidence_run)} <= train
        assert entry.verdict is not None
        assert {outcome.task_id for outcome in entry.verdict.tasks} == selection


def test_the_gate_re_measures_the_incumbent_every_step_with_fresh_samples(careless):
    store, _, _, _ = careless
    incumbents = [store.get_run(f"careless:s{step}-incumbent") for step in (0, 1)]
    assert all(run.planned == run.finished for run in incumbents)
    first, second = (store.trajectories(run) for run in incumbents)
    assert [t.steps for t in first] != [t.steps for t in second]


def test_every_ledger_entry_records_its_parent_candidate_verdict_and_cost(careless):
    store, _, _, _ = careless
    for entry in Ledger(store, "careless").entries():
        assert entry.simulated
        assert store.skill_version(entry.parent).id == entry.parent
        assert entry.candidate is not None and store.skill_version(entry.candidate).parent == entry.parent
        assert entry.proposals and entry.edits
        assert entry.verdict is not None and entry.verdict.repeats == 2
        assert entry.evaluation_tokens == entry.verdict.tokens > 0


def test_each_step_tries_at_most_its_scheduled_edit_budget(careless):
    store, _, _, _ = careless
    entries = Ledger(store, "careless").entries()
    for entry in entries:
        assert entry.step is not None
        assert entry.edit_budget == edit_budget(entry.step, len(entries), lr=4, min_lr=2, kind="constant")
        assert len(entry.edits) <= entry.edit_budget


def test_adopted_rules_carry_their_provenance(careless):
    store, _, result, _ = careless
    final = Skill.model_validate(store.skill_version(result.final_skill).content)
    for _, rule in final.rules():
        assert rule.provenance.origin == "reflection"
        assert rule.provenance.training == "careless"
        assert rule.provenance.step == 1
        assert rule.provenance.episodes
        assert all(e.run == "careless:s1-batch" for e in rule.provenance.episodes)


def test_the_result_is_stored_with_the_training(careless):
    store, _, result, _ = careless
    info = store.get_training("careless")
    assert info.status == "finished"
    assert info.result == result.model_dump(mode="json")
    assert info.result["simulated"] is True


def test_a_training_that_would_exceed_max_rollouts_stops_before_the_phase(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'fixloop.db'}") as store:
        result = start(store, "capped", settings(SMALL, max_rollouts=10)).run()
        assert result.status == "stopped"
        assert result.stop_reason is not None and result.stop_reason.startswith("max_rollouts")
        assert result.test is None
        assert result.rollouts <= 10
        assert store.get_training("capped").status == "stopped"


def test_a_training_that_runs_out_of_tokens_stops_and_decides_nothing_on_the_cut_phase(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'fixloop.db'}") as store:
        result = start(store, "poor", settings(SMALL, max_tokens=200_000)).run()
        assert result.status == "stopped"
        assert result.stop_reason is not None and "budget" in result.stop_reason
        assert result.test is None
        assert all(entry.verdict is None or entry.verdict.tasks for entry in Ledger(store, "poor").entries())


def test_a_stopped_training_resumes_to_the_ledger_of_an_uninterrupted_one(tmp_path):
    training = settings(SMALL, batch_size=2, seed=2)
    with Store.open(f"sqlite:///{tmp_path / 'whole.db'}") as store:
        whole = start(store, "t", training).run()
        expected = store.ledger("t")
    with Store.open(f"sqlite:///{tmp_path / 'parts.db'}") as store:
        stop = threading.Event()

        def stop_in_the_second_step(text: str) -> None:
            if text.startswith("s1:"):
                stop.set()

        stopped = start(store, "t", training, stop=stop, on_phase=stop_in_the_second_step).run()
        assert stopped.status == "stopped" and stopped.stop_reason.startswith("interrupted")
        splits = training_splits(training, select_tasks(training.rollout))
        resumed = SkillTrainer(store, "t", training, splits).run()
        assert store.ledger("t") == expected
        assert resumed.final_skill == whole.final_skill
        assert resumed.test == whole.test
        for run in store.list_runs():
            assert run.finished == run.planned


class ScriptedGate:
    """Accepts every step's candidate and rejects every slow update; records what it was asked."""

    def __init__(self) -> None:
        self.labels: list[str] = []

    def compare(self, candidate, incumbent, tasks, *, label, candidate_tokens, incumbent_tokens):
        self.labels.append(label)
        accept = not label.startswith("e")
        outcomes = [
            TaskOutcome(task_id=f"t{i}", candidate=[float(accept)] * 2, incumbent=[float(not accept)] * 2)
            for i in range(8)
        ]
        settings = GateSettings()
        return judge(
            outcomes, settings=settings, candidate_tokens=candidate_tokens, incumbent_tokens=incumbent_tokens
        )


class FixedGuidance:
    name = "fixed"

    def guidance(self, comparisons: list[TaskComparison], current: list[TrainingEpisode]):
        return ["Run the tests after every edit."], None, 0, 0.0


def _slow_training(store: Store, gate_on: bool) -> tuple[SkillTrainer, ScriptedGate]:
    training = settings(SMALL, slow_update=True, slow_update_tasks=3, slow_update_gate=gate_on)
    trainer = start(store, "slow", training, slow_writer=FixedGuidance())
    gate = ScriptedGate()
    trainer.gate = gate  # type: ignore[assignment]
    trainer.run()
    return trainer, gate


def test_the_slow_update_passes_the_gate_like_any_edit(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'fixloop.db'}") as store:
        _, gate = _slow_training(store, gate_on=True)
        slow = Ledger(store, "slow").entries()[-1]
        assert slow.kind == "slow_update"
        assert slow.comparisons and slow.guidance == ["Run the tests after every edit."]
        assert gate.labels[-1] == "e0-slow"
        assert slow.gated and slow.verdict is not None and not slow.adopted
        final = store.get_training("slow").result["final_skill"]
        assert not Skill.model_validate(store.skill_version(final).content).slow_update


def test_the_slow_update_gate_off_adopts_without_validation_as_skillopt_does(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'fixloop.db'}") as store:
        _, gate = _slow_training(store, gate_on=False)
        slow = Ledger(store, "slow").entries()[-1]
        assert "e0-slow" not in gate.labels
        assert slow.adopted and not slow.gated and slow.verdict is None
        assert "without validation" in slow.reason
        final = store.get_training("slow").result["final_skill"]
        protected = Skill.model_validate(store.skill_version(final).content).slow_update
        assert [rule.text for rule in protected] == ["Run the tests after every edit."]
        assert protected[0].provenance.origin == "slow_update"


def test_the_slow_update_is_skipped_when_the_epoch_changed_nothing(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'fixloop.db'}") as store:
        training = settings(SMALL, slow_update=True, slow_update_tasks=3, min_lr=0, lr=1, schedule="constant")
        trainer = start(store, "same", training, slow_writer=FixedGuidance())

        class RejectAll(ScriptedGate):
            def compare(self, *args, label, **kwargs):
                return super().compare(*args, label="e" + label, **kwargs)

        trainer.gate = RejectAll()  # type: ignore[assignment]
        trainer.run()
        slow = Ledger(store, "same").entries()[-1]
        assert slow.kind == "slow_update" and not slow.adopted
        assert slow.reason == "the skill did not change this epoch"
        assert not any(run.name.startswith("same:e0-slow") for run in store.list_runs())
