"""Extraction: candidate memory cards from stored trajectories.

`TemplateExtractor` (offline, deterministic) turns each scored episode into one card:

- a resolved episode becomes an `episodic_case`: what worked, as the sequence of kinds of
  step it took (run the tests, read the failing test, read a module it imports, edit, run
  the tests, submit) — never a file name or a line, so a card cannot carry one task's fix
  to the same task when it is replayed there;
- a failed episode becomes a `failure_pattern` tied to its primary failure label: the
  mistake in general terms, the classifier's evidence for it (with any fix file the agent
  never opened left out), and the label's strategy.

Both are scoped to the task's tags and difficulty. `merge_or_add` folds a near-duplicate
(same kind and scope, normalised word overlap at or above `DUPLICATE_OVERLAP`) into the
existing card as one more supporting source instead of adding another card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from fixloop.analysis.failure_classifier import SEVERITY, Severity, classify
from fixloop.analysis.metrics import is_scored
from fixloop.core.trajectory import Trajectory
from fixloop.improve.memory.card import CardSource, MemoryCard, MemoryScope, card_id
from fixloop.improve.reflection import specific_errors
from fixloop.improve.reflection_templates import template_for
from fixloop.tasks.stats import is_test_file

DUPLICATE_OVERLAP = 0.8
"""Word-set overlap (Jaccard) at which two cards of the same kind and scope are one lesson."""

MAX_STEPS = 8
"""Steps an episodic case keeps (consecutive repeats are merged first)."""

_WORD = re.compile(r"[a-z0-9_]+")


class Extractor(Protocol):
    """Turns one stored episode into candidate cards. Never raises on a trajectory."""

    name: str

    def extract(self, trajectory: Trajectory, source: CardSource) -> list[MemoryCard]:
        """Candidate cards drawn from `trajectory`, each citing `source`."""
        ...


class TemplateExtractor:
    """The offline extractor (see the module docstring)."""

    name = "template"

    def extract(self, trajectory: Trajectory, source: CardSource) -> list[MemoryCard]:
        """One card per scored episode: an episodic case when resolved, else a failure pattern."""
        if not is_scored(trajectory) or not trajectory.steps:
            return []
        scope = _scope_of(trajectory)
        if trajectory.outcome == "resolved":
            steps = _step_kinds(trajectory)
            content = "A fix that worked: " + ", then ".join(steps) + "."
            return [
                MemoryCard(
                    id=card_id("episodic_case", content, scope), kind="episodic_case", scope=scope,
                    content=content, steps=tuple(steps), sources=(source,), trust=0.6,
                    creator=f"extractor:{self.name}",
                )
            ]  # fmt: skip
        diagnosis = classify(trajectory)
        label = diagnosis.primary
        if SEVERITY[label] in (Severity.external, Severity.ok):
            return []
        template = template_for(label)
        evidence = specific_errors(trajectory, diagnosis)
        content = f"{label.value}: {template.what_went_wrong}"
        return [
            MemoryCard(
                id=card_id("failure_pattern", content, scope), kind="failure_pattern", scope=scope,
                content=content, pattern=_clip(evidence[0]) if evidence else "", strategy=template.strategy,
                sources=(source.model_copy(update={"label": label.value}),),
                creator=f"extractor:{self.name}", trust=0.5,
            )
        ]  # fmt: skip


def merge_or_add(existing: Sequence[MemoryCard], card: MemoryCard) -> tuple[MemoryCard, bool]:
    """The card to store for `card`: an existing near-duplicate with `card`'s sources added
    (and False), or `card` itself (and True) when none is close enough."""
    words = _words(card.text())
    for other in existing:
        if other.kind != card.kind or other.scope != card.scope:
            continue
        theirs = _words(other.text())
        union = words | theirs
        if union and len(words & theirs) / len(union) >= DUPLICATE_OVERLAP:
            sources = tuple(dict.fromkeys(other.sources + card.sources))
            return other.model_copy(update={"sources": sources}), False
    return card, True


def _scope_of(trajectory: Trajectory) -> MemoryScope:
    facts = trajectory.task_facts
    if facts is None:
        return MemoryScope(agent_roles=(trajectory.agent,))
    return MemoryScope(
        agent_roles=(trajectory.agent,), task_tags=tuple(sorted(facts.tags)), difficulties=(facts.difficulty,)
    )


def _step_kinds(trajectory: Trajectory) -> list[str]:
    """What each step did, in general terms, consecutive repeats merged."""
    relevant = set(trajectory.task_facts.relevant_files) if trajectory.task_facts else set()
    kinds: list[str] = []
    for step in trajectory.steps:
        if step.error or step.action is None:
            continue
        kind = _describe(step.action, relevant)
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
    return kinds[:MAX_STEPS]


def _describe(action: dict[str, object], relevant: set[str]) -> str:
    action_type = str(action.get("action_type", ""))
    path = str(action.get("path", ""))
    if action_type in ("read_file", "view_code"):
        if is_test_file(path):
            return "read the failing test"
        return "read a module the test imports" if path in relevant else "read another module"
    return {
        "run_tests": "run the tests",
        "search_code": "search the code",
        "replace_lines": "edit the buggy lines",
        "write_file": "rewrite a file",
        "undo_edit": "undo an edit that did not help",
        "reset": "reset the workspace",
        "submit": "submit",
    }.get(action_type, action_type.replace("_", " "))


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
