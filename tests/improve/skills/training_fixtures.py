"""What the trainer tests share: fast builtin tasks, training settings, and an A/A reflector."""

from __future__ import annotations

from collections.abc import Sequence

from fixloop.improve.skills.edits import AddRule
from fixloop.improve.skills.skill import Skill
from fixloop.improve.skills.skill_reflector import (
    Proposal,
    Reflection,
    RejectedProposal,
    TemplateSkillReflector,
    TrainingEpisode,
)
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.rollout.run_session import RunSettings
from fixloop.tasks.loader import load_suite

HANGING = {
    "calc-negative-literal-power",
    "route-planner-detour",
    "query-string-plus-sign",
    "cron-next-run-spec",
}
"""Builtin tasks where a wrong edit can hang a test run until its 30 s timeout: left out for speed."""

FAST_TASKS = [task.id for task in load_suite("builtin") if task.id not in HANGING]

NO_EFFECT_RULES = (
    "Keep your notes about the task short and factual.",
    "Name things in the style the repository already uses.",
)
"""Rules the simulated model does not respond to (no directive phrase): A/A edits."""


def settings(
    task_ids: Sequence[str], fractions: str = "0.4,0.3,0.3", **overrides: object
) -> TrainingSettings:
    """sim:careless on `task_ids`, one epoch of small batches, no slow update unless asked."""
    fields: dict[str, object] = {
        "rollout": RunSettings(
            agent="llm",
            model="sim:careless",
            suite="builtin",
            task_ids=list(task_ids),
            split_fractions=fractions,
            concurrency=2,
        ),
        "epochs": 1,
        "batch_size": 4,
        "slow_update": False,
        "test_repeats": 1,
    }
    fields.update(overrides)
    return TrainingSettings.model_validate(fields)


class NoEffectFirst:
    """Proposes only A/A rules at its first call, then reflects as the template does."""

    name = "no-effect-first"

    def __init__(self) -> None:
        self.calls = 0
        self.template = TemplateSkillReflector()

    def propose(
        self, skill: Skill, episodes: Sequence[TrainingEpisode], *, rejected: Sequence[RejectedProposal]
    ) -> Reflection:
        self.calls += 1
        if self.calls > 1:
            return self.template.propose(skill, episodes, rejected=rejected)
        support = tuple(episode.citation for episode in episodes)
        edits = [AddRule(section="Style", text=text) for text in NO_EFFECT_RULES]
        return Reflection(proposals=[Proposal(edit=edit, support=support) for edit in edits])
