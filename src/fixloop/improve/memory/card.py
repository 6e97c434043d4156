"""`MemoryCard`: a short, typed, scoped lesson, and the only ways its status may change.

A card says one thing an agent should know (`content`), when it applies (`pattern`), what
to do (`strategy`, `steps`), and where (`scope`). It earns its place: it is born a
`candidate`, a scan puts it in `quarantine` (or rejects it), a replay through the gate
promotes or rejects it, and a promoted card whose utility falls or that a later replay finds
harmful is archived. Every transition carries a reason; `transition` refuses any other.

    candidate ──scan──► quarantined ──replay──► promoted ──► archived
        │                    │
        └──────► rejected ◄──┘

Cards are versioned: `id` names the lesson, `version` counts its edits, and an edited card
is a new version whose `parent` is the old one's `key`. Counters (retrievals, episodes
helped, utility) change in place: they are use, not content. Utility follows the anchor's
rule, U ← U + 0.1·(helped - U), after every episode the card was given to.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fixloop.models.base import estimated_tokens

MemoryKind = Literal[
    "purpose_contract",
    "user_preference",
    "skill_card",
    "episodic_case",
    "failure_pattern",
    "critic_calibration",
    "tool_policy",
]
MEMORY_KINDS: tuple[str, ...] = get_args(MemoryKind)

MemoryStatus = Literal["candidate", "quarantined", "promoted", "archived", "rejected"]
MEMORY_STATUSES: tuple[str, ...] = get_args(MemoryStatus)

TRANSITIONS: dict[str, frozenset[str]] = {
    "candidate": frozenset({"quarantined", "rejected"}),
    "quarantined": frozenset({"promoted", "rejected"}),
    "promoted": frozenset({"archived"}),
    "archived": frozenset(),
    "rejected": frozenset(),
}
"""Which status each status may move to; archived and rejected are final."""

UTILITY_RATE = 0.1
"""How far one episode moves a card's utility towards 1 (helped) or 0 (did not)."""

MAX_CARD_TOKENS = 200
"""A card longer than this (its rendered text) is too long to be a lesson; the scan rejects it."""


class InvalidTransition(ValueError):
    """A status change the lifecycle does not allow, or one without a reason."""


class MemoryScope(BaseModel):
    """Where a card applies; an empty field means anywhere."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent_roles: tuple[str, ...] = Field(default=(), description="Agents it is for (e.g. llm).")
    tools: tuple[str, ...] = Field(default=(), description="Actions it is about (e.g. run_tests).")
    task_tags: tuple[str, ...] = Field(default=(), description="Task tags it applies to (any one).")
    difficulties: tuple[str, ...] = Field(default=(), description="Task difficulties it applies to.")
    files: tuple[str, ...] = Field(default=(), description="File names or suffixes it is about.")
    user: str | None = Field(default=None, description="The user it belongs to, for preferences.")


class CardSource(BaseModel):
    """An episode (and step) a card was drawn from or supported by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run: str | None = None
    task_id: str | None = None
    episode_index: int | None = None
    step: int | None = Field(default=None, description="The step that shows the lesson, when one does.")
    label: str | None = Field(
        default=None, description="The failure label it addresses, for failure patterns."
    )


class MemoryCard(BaseModel):
    """One lesson and its standing. See the module docstring for the lifecycle."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="The lesson's id, shared by all its versions.")
    version: int = Field(default=1, ge=1, description="1 for a new card; each edit adds one.")
    parent: str | None = Field(default=None, description="The `key` of the version this one edits.")
    kind: MemoryKind
    status: MemoryStatus = "candidate"
    status_reason: str = Field(default="created", description="Why the card has its status.")
    scope: MemoryScope = Field(default_factory=MemoryScope)
    content: str = Field(min_length=1, description="The lesson, in a sentence or two.")
    pattern: str = Field(default="", description="When it applies: the situation or symptom.")
    strategy: str = Field(default="", description="What to do about it.")
    steps: tuple[str, ...] = Field(default=(), description="What worked, step by step.")
    trust: float = Field(default=0.5, ge=0.0, le=1.0, description="How far its source is believed.")
    utility: float = Field(default=0.5, ge=0.0, le=1.0, description="How often it helped, smoothed.")
    retrievals: int = Field(default=0, ge=0, description="Episodes it was given to.")
    helped: int = Field(default=0, ge=0, description="Of those, episodes that resolved their task.")
    sources: tuple[CardSource, ...] = Field(
        default=(), description="Episodes it came from or that support it."
    )
    creator: str = Field(
        default="user", description="Who wrote it: extractor:template, extractor:llm, user, ..."
    )

    @field_validator("content", "pattern", "strategy", mode="before")
    @classmethod
    def _one_paragraph(cls, value: object) -> object:
        # Before the length check, so content of only whitespace is refused, not stored empty.
        return " ".join(value.split()) if isinstance(value, str) else value

    @property
    def key(self) -> str:
        """This version's name: `id@version`."""
        return f"{self.id}@{self.version}"

    @property
    def source_tasks(self) -> list[str]:
        """The tasks the card was drawn from, in order, each once."""
        return list(dict.fromkeys(s.task_id for s in self.sources if s.task_id))

    def text(self) -> str:
        """The card as the agent reads it: one block, kind first."""
        parts = [f"({self.kind.replace('_', ' ')}) {self.content}"]
        if self.pattern:
            parts.append(f"When: {self.pattern}")
        if self.strategy:
            parts.append(f"Do: {self.strategy}")
        if self.steps:
            parts.append("Steps: " + "; ".join(self.steps))
        return " ".join(parts)

    @property
    def tokens(self) -> int:
        """The rendered text's size in tokens."""
        return estimated_tokens(self.text())

    def edited(self, **changes: object) -> MemoryCard:
        """A new version with `changes` to its content: a candidate again, counters reset.

        Raises ValueError when a change names a field that is not content (status, counters).
        """
        allowed = {"content", "pattern", "strategy", "steps", "scope", "kind"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"not content, cannot be edited: {', '.join(sorted(unknown))}")
        return MemoryCard.model_validate(
            {
                **self.model_dump(),
                **changes,
                "version": self.version + 1,
                "parent": self.key,
                "status": "candidate",
                "status_reason": f"edited from {self.key}",
                "utility": 0.5,
                "retrievals": 0,
                "helped": 0,
            }
        )


def card_id(kind: str, content: str, scope: MemoryScope | None = None) -> str:
    """A stable id for a new lesson: the kind and a hash of its normalised content (and its
    scope, when given: the same words for other tasks are another card)."""
    normal = " ".join(content.lower().split())
    where = scope.model_dump(mode="json") if scope is not None else None
    digest = hashlib.sha256(json.dumps([kind, normal, where], sort_keys=True).encode()).hexdigest()[:10]
    return f"{kind.split('_')[0][:4]}-{digest}"


def transition(card: MemoryCard, to: MemoryStatus, reason: str) -> MemoryCard:
    """`card` with status `to` and `reason`. Raises InvalidTransition for a move the lifecycle
    forbids or an empty reason."""
    if not reason.strip():
        raise InvalidTransition(f"moving {card.key} to {to} needs a reason")
    if to not in TRANSITIONS[card.status]:
        allowed = ", ".join(sorted(TRANSITIONS[card.status])) or "nothing (it is final)"
        raise InvalidTransition(f"{card.key} is {card.status}; it may move to {allowed}, not {to}")
    return card.model_copy(update={"status": to, "status_reason": " ".join(reason.split())})


def record_use(card: MemoryCard, helped: bool) -> MemoryCard:
    """`card` after one more episode it was given to: counters and U ← U + 0.1·(helped - U)."""
    utility = card.utility + UTILITY_RATE * (float(helped) - card.utility)
    return card.model_copy(
        update={
            "retrievals": card.retrievals + 1,
            "helped": card.helped + int(helped),
            "utility": round(min(1.0, max(0.0, utility)), 6),
        }
    )
