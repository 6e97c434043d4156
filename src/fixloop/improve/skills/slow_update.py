"""The slow update: at each epoch's end, compare the previous and the current epoch's skill and
write guidance into the skill's protected section.

Both skills play the same training tasks (20 by default); each task is labelled by how its
outcome moved: `improved` (failed before, resolved now), `regressed` (the reverse),
`persistent_failure` (failed both times) or `stable_success`. Guidance comes from a template
(`template_guidance`: the failure labels that dominate the regressed and the persistent
failures, with their rules) or from a reflection model (`LLMSlowUpdate`). The guidance
replaces the protected section (`Skill.with_slow_update`) and the result is a candidate like
any other: the trainer gates it on the selection split. SkillOpt force-accepts it without
validation; `--slow-update-gate off` reproduces that for comparison.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from fixloop.analysis.failure_classifier import SEVERITY, FailureLabel, Severity, classify
from fixloop.improve.reflection import episode_report, hidden_fix_paths, names_any_file
from fixloop.improve.reflection_templates import TEMPLATES
from fixloop.improve.skills.skill_reflector import TrainingEpisode
from fixloop.models.base import Message, Model, ModelError

PairLabel = Literal["improved", "regressed", "persistent_failure", "stable_success"]

MAX_GUIDANCE = 4
"""Guidance lines the protected section holds at most."""

MAX_REPORTED_EPISODES = 6
"""Failed episodes the slow-update model reads."""


class TaskComparison(BaseModel):
    """One training task under the previous and the current epoch's skill."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    previous: float = Field(description="Resolve rate with the previous epoch's skill.")
    current: float = Field(description="Resolve rate with the current epoch's skill.")
    label: PairLabel


def compare_epochs(previous: dict[str, list[float]], current: dict[str, list[float]]) -> list[TaskComparison]:
    """Label every task measured under both skills (task id -> per-repeat outcomes), in task order.

    A rate above one half counts as resolved.
    """
    comparisons = []
    for task_id in sorted(set(previous) & set(current)):
        before = sum(previous[task_id]) / len(previous[task_id])
        after = sum(current[task_id]) / len(current[task_id])
        was, now = before > 0.5, after > 0.5
        label: PairLabel = (
            "stable_success" if was and now else
            "improved" if now else
            "regressed" if was else
            "persistent_failure"
        )  # fmt: skip
        comparisons.append(TaskComparison(task_id=task_id, previous=before, current=after, label=label))
    return comparisons


class SlowUpdateWriter(Protocol):
    """Writes the protected section's guidance. Never raises for one bad reply."""

    name: str

    def guidance(
        self, comparisons: Sequence[TaskComparison], current: Sequence[TrainingEpisode]
    ) -> tuple[list[str], str | None, int, float]:
        """(guidance lines, error or None, tokens, USD) from the comparisons and the current
        skill's episodes on the same tasks."""
        ...


class TemplateSlowUpdate:
    """Guidance from the failure labels of the regressed and persistently failing tasks."""

    name = "template"

    def guidance(
        self, comparisons: Sequence[TaskComparison], current: Sequence[TrainingEpisode]
    ) -> tuple[list[str], str | None, int, float]:
        """See `SlowUpdateWriter.guidance`; deterministic, free."""
        return template_guidance(comparisons, current), None, 0, 0.0


def template_guidance(comparisons: Sequence[TaskComparison], current: Sequence[TrainingEpisode]) -> list[str]:
    """One line per group that needs it: the regressed tasks and the persistent failures, each
    with the failure label most common among its current episodes and that label's rule; then
    a count of what improved. Empty when nothing failed."""
    by_label: dict[PairLabel, list[str]] = {}
    for comparison in comparisons:
        by_label.setdefault(comparison.label, []).append(comparison.task_id)
    lines = []
    groups: tuple[tuple[PairLabel, str], ...] = (
        ("regressed", "regressed since the last epoch"),
        ("persistent_failure", "failed in both epochs"),
    )
    for group, wording in groups:
        tasks = set(by_label.get(group, []))
        label = _dominant_label([e for e in current if e.citation.task_id in tasks and e.failed])
        if tasks and label is not None:
            lines.append(
                f"{len(tasks)} training task(s) {wording}, mostly with {label.value}: {TEMPLATES[label].rule}"
            )
    improved = len(by_label.get("improved", []))
    if lines and improved:
        lines.append(f"Keep the rules that work: {improved} task(s) improved with this epoch's skill.")
    return lines[:MAX_GUIDANCE]


_Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class SlowUpdateReply(BaseModel):
    """What the slow-update model must return."""

    model_config = ConfigDict(extra="forbid")

    guidance: list[_Line] = Field(
        max_length=MAX_GUIDANCE, description="Lines of guidance, most important first."
    )


SLOW_UPDATE_SYSTEM = """\
You maintain the protected "Slow update" section of a skill document for a coding agent that \
fixes bugs in repositories. You get, for training tasks, whether each improved, regressed, \
kept failing or kept succeeding between the previous and the current version of the skill, \
and reports of the current version's failures. Write at most four lines of general guidance \
(behaviour, not code, no file names) that address what keeps failing or regressed.
Reply with one JSON object {"guidance": ["...", ...]}."""


class LLMSlowUpdate:
    """A reflection model writes the guidance; an unusable reply is recorded and writes none."""

    name = "llm"

    def __init__(self, model: Model, *, max_tokens: int = 800) -> None:
        self.model = model
        self.max_tokens = max_tokens

    def guidance(
        self, comparisons: Sequence[TaskComparison], current: Sequence[TrainingEpisode]
    ) -> tuple[list[str], str | None, int, float]:
        """See `SlowUpdateWriter.guidance`."""
        failed = [e for e in current if e.failed][:MAX_REPORTED_EPISODES]
        lines = [
            "# Tasks",
            *(f"- {c.task_id}: {c.label} ({c.previous:.2f} -> {c.current:.2f})" for c in comparisons),
        ]
        for number, episode in enumerate(failed, 1):
            lines += [
                "",
                f"# Failure {number}",
                episode_report(episode.trajectory, classify(episode.trajectory)),
            ]
        messages = [
            Message(role="system", content=SLOW_UPDATE_SYSTEM),
            Message(role="user", content="\n".join(lines)),
        ]
        try:
            completion = self.model.complete(
                messages,
                schema=SlowUpdateReply.model_json_schema(),
                temperature=0.0,
                max_tokens=self.max_tokens,
            )
        except ModelError as exc:
            return [], f"the slow-update model {self.model.name} failed: {exc}", 0, 0.0
        tokens, cost = completion.usage.total_tokens, completion.cost
        try:
            reply = SlowUpdateReply.model_validate(completion.parsed if completion.parsed is not None else {})
        except ValidationError:
            return [], "the slow-update reply is not a JSON object with a guidance list", tokens, cost
        hidden = sorted({path for e in failed for path in hidden_fix_paths(e.trajectory)})
        kept = [line for line in reply.guidance if not names_any_file(line, hidden)]
        error = None if len(kept) == len(reply.guidance) else "guidance naming a file of a fix was dropped"
        return kept, error, tokens, cost


def _dominant_label(episodes: Sequence[TrainingEpisode]) -> FailureLabel | None:
    """The agent-fault label with a rule that most of `episodes` carry (ties: the more severe)."""
    counts: Counter[FailureLabel] = Counter()
    for episode in episodes:
        for label in classify(episode.trajectory).labels:
            if label in TEMPLATES and SEVERITY[label] not in (Severity.external, Severity.ok):
                counts[label] += 1
    if not counts:
        return None
    order = list(FailureLabel)
    return min(counts, key=lambda label: (-counts[label], order.index(label)))
