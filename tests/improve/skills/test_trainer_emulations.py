"""The trainer's switches for emulating other methods' rules: ACE's ungated, add-only steps and
a final test left to the caller (the optimizer benchmark)."""

from __future__ import annotations

from fixloop.improve.ledger import Ledger
from fixloop.improve.skills.edits import AddRule, DeleteRule, ReplaceRule, apply_edits
from fixloop.improve.skills.skill import Skill
from fixloop.improve.skills.trainer import SkillTrainer, training_splits
from fixloop.rollout.run_session import select_tasks
from fixloop.store import Store
from tests.improve.skills.training_fixtures import FAST_TASKS, settings

SKILL = Skill.parse("# Skill\n\n## Testing\n- [R1] Run the tests after every edit.\n")


def test_add_only_rejects_replace_and_delete_with_a_reason():
    edits = [
        ReplaceRule(rule_id="R1", text="Run the tests."),
        DeleteRule(rule_id="R1"),
        AddRule(section="Testing", text="Read the failing test first."),
    ]
    outcome = apply_edits(SKILL, edits, add_only=True)
    assert outcome.applied == [edits[2]]
    assert [r.edit for r in outcome.rejected] == edits[:2]
    assert all("add-only" in r.reason for r in outcome.rejected)


def test_ace_steps_are_adopted_without_the_gate_and_the_test_is_left_to_the_caller(tmp_path):
    training = settings(FAST_TASKS[:12], step_gate=False, add_only=True, final_test=False, epochs=2)
    with Store.open(f"sqlite:///{tmp_path / 'fixloop.db'}") as store:
        store.create_training("ace", config=training.model_dump(mode="json"), simulated=True)
        splits = training_splits(training, select_tasks(training.rollout))
        result = SkillTrainer(store, "ace", training, splits).run()
        entries = [e for e in Ledger(store, "ace").entries() if e.candidate]
        assert entries and all(e.adopted and not e.gated and e.verdict is None for e in entries)
        assert all("without validation" in e.reason for e in entries)
        assert result.test is None and result.status == "finished"
        runs = [run.name for run in store.list_runs()]
        assert not any(name.endswith(("-candidate", "-incumbent")) or ":test-" in name for name in runs)
