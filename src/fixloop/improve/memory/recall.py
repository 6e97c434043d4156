"""Recall: giving a run's episodes the promoted cards that fit their task, and counting the use.

`memory_jobs` plans a run's episodes with each task's retrieved cards in the agent context
(`fixloop.improve.memory.retrieval.retrieve`: promoted, in scope, ranked, within the token
budget); `record_episode` then counts one more use of each card given to a finished episode
and moves its utility towards whether the episode resolved its task.
"""

from __future__ import annotations

from collections.abc import Sequence

from fixloop.agents.context import AgentContext
from fixloop.core.trajectory import Trajectory
from fixloop.improve.memory.card import MemoryCard, record_use
from fixloop.improve.memory.retrieval import RetrievalSettings, memory_section, retrieve
from fixloop.rollout.runner import EpisodeJob
from fixloop.store import Store
from fixloop.tasks.task import Task


def promoted_cards(store: Store) -> list[MemoryCard]:
    """The latest version of every promoted card."""
    return [MemoryCard.model_validate(card) for card in store.memory_cards(status="promoted")]


def memory_jobs(
    store: Store,
    tasks: Sequence[Task],
    episodes_per_task: int,
    *,
    skill: str = "",
    settings: RetrievalSettings | None = None,
) -> tuple[list[EpisodeJob], dict[str, list[str]]]:
    """The run's jobs, each with its task's cards in the context, and the card ids each task's
    episodes are given (the same for every episode of a task)."""
    cards = promoted_cards(store)
    jobs, given = [], {}
    for task in tasks:
        retrieved = retrieve(cards, task, settings)
        context = AgentContext(skill=skill, memory_cards=memory_section(retrieved))
        jobs += [EpisodeJob(task, index, context) for index in range(episodes_per_task)]
        given[task.id] = [item.card.id for item in retrieved]
    return jobs, given


def record_episode(store: Store, card_ids: Sequence[str], trajectory: Trajectory) -> None:
    """One more use of each card, helped when the episode resolved its task; infra errors
    and budget stops are not the card's doing and count for nothing."""
    if trajectory.outcome in ("infra_error", "budget_exhausted"):
        return
    for card in card_ids:
        current = MemoryCard.model_validate(store.memory_card(card))
        store.update_memory_card(
            record_use(current, trajectory.outcome == "resolved").model_dump(mode="json")
        )
