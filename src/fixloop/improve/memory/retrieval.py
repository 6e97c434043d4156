"""Which promoted memory cards an agent is given for a task, in what order, within a budget.

A card is a candidate when it is `promoted` and its scope admits the task and the agent
(`in_scope`). Its relevance is BM25 over the candidates' texts against the task's title,
description and tags, divided by the best candidate's score so it lies in [0, 1]. The score
is the anchor's blend, 0.4·relevance + 0.3·trust + 0.3·utility by default; cards are taken
in score order (ties by key) while their tokens fit the budget — a card that does not fit is
skipped and a smaller one after it may still fit — up to `max_cards`.

Everything here is deterministic across processes: words are lower-case `[a-z0-9_]+` runs,
never Python's salted `hash()` (which made the anchor's relevance vectors differ from one
process to the next), so the same cards and task give the same cards, scores and order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from rank_bm25 import BM25Okapi

from fixloop.improve.memory.card import MemoryCard
from fixloop.tasks.task import Task

_WORD = re.compile(r"[a-z0-9_]+")


class RetrievalSettings(BaseModel):
    """How many cards an agent gets and how they are ranked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_budget: int = Field(default=400, ge=0, description="Most tokens the given cards may total.")
    max_cards: int = Field(default=8, ge=0, description="Most cards given to one episode.")
    relevance_weight: float = Field(default=0.4, ge=0.0, description="Weight of BM25 relevance to the task.")
    trust_weight: float = Field(default=0.3, ge=0.0, description="Weight of the card's trust.")
    utility_weight: float = Field(default=0.3, ge=0.0, description="Weight of the card's utility.")


class RetrievedCard(BaseModel):
    """A card chosen for a task, with why it ranks where it does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    card: MemoryCard
    relevance: float = Field(ge=0.0, le=1.0, description="BM25 score over the best candidate's.")
    score: float = Field(description="The weighted sum of relevance, trust and utility.")


def tokenize(text: str) -> list[str]:
    """The words of `text` for matching: lower-case runs of letters, digits and underscores."""
    return _WORD.findall(text.lower())


class _BM25(BM25Okapi):
    """BM25 Okapi with Lucene's idf, log(1 + (N - n + 0.5) / (n + 0.5)), which is positive for
    every word. rank-bm25's own idf goes negative for a word in more than half of the
    documents, so with one or two candidates a card that matches the task scored below one
    that does not."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))


def in_scope(card: MemoryCard, task: Task, *, agent: str = "llm") -> bool:
    """True when `card`'s scope admits `task` and `agent`. An empty scope field admits
    anything; otherwise task tags must overlap, the task's difficulty must be listed, some
    task file path must end with a listed file, and the agent must be a listed role. Tools
    and user are not properties of a task and do not restrict retrieval."""
    scope = card.scope
    if scope.task_tags and not set(scope.task_tags) & set(task.tags):
        return False
    if scope.difficulties and task.difficulty.value not in scope.difficulties:
        return False
    if scope.files and not any(path.endswith(scope.files) for path in task.files):
        return False
    return not scope.agent_roles or agent in scope.agent_roles


def _query(task: Task) -> list[str]:
    return tokenize(" ".join([task.title, task.description, *task.tags]))


def _relevances(cards: Sequence[MemoryCard], query: list[str]) -> list[float]:
    """Each card's BM25 score against `query` over the best one's; all 0 when none matches."""
    scores = [float(s) for s in _BM25([tokenize(card.text()) for card in cards]).get_scores(query)]
    best = max(scores)
    return [max(0.0, s) / best if best > 0 else 0.0 for s in scores]


def retrieve(
    cards: Sequence[MemoryCard],
    task: Task,
    settings: RetrievalSettings | None = None,
    *,
    agent: str = "llm",
) -> list[RetrievedCard]:
    """The promoted, in-scope cards of `cards` to give `agent` for `task`, best first.

    Ranked by `relevance_weight·relevance + trust_weight·trust + utility_weight·utility`,
    ties by card key; taken in that order while the running total of `card.tokens` stays
    within `token_budget` (a card that does not fit is skipped, a later smaller one may
    still fit) and at most `max_cards` are taken. No candidates give [].
    """
    settings = settings or RetrievalSettings()
    candidates = [c for c in cards if c.status == "promoted" and in_scope(c, task, agent=agent)]
    if not candidates:
        return []
    ranked = sorted(
        (
            RetrievedCard(
                card=card,
                relevance=relevance,
                score=settings.relevance_weight * relevance
                + settings.trust_weight * card.trust
                + settings.utility_weight * card.utility,
            )
            for card, relevance in zip(candidates, _relevances(candidates, _query(task)), strict=True)
        ),
        key=lambda retrieved: (-retrieved.score, retrieved.card.key),
    )
    chosen: list[RetrievedCard] = []
    spent = 0
    for retrieved in ranked:
        if len(chosen) == settings.max_cards:
            break
        if spent + retrieved.card.tokens <= settings.token_budget:
            chosen.append(retrieved)
            spent += retrieved.card.tokens
    return chosen


def memory_section(retrieved: Sequence[RetrievedCard]) -> list[str]:
    """The cards' texts for `AgentContext.memory_cards`, in rank order."""
    return [item.card.text() for item in retrieved]
