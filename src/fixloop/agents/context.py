"""`AgentContext`: everything the LLM agent is told besides the observations.

It is the seam the improvement loops write to: a better base prompt, a trained skill
document, memory cards that passed CI, notes from a failed attempt. `version_id` names the
content, so a trajectory can say which context produced it.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field


def default_base_prompt() -> str:
    """The shipped base prompt: what the agent is and how it should work."""
    return (resources.files("fixloop.agents") / "templates" / "base_prompt.md").read_text(encoding="utf-8")


class AgentContext(BaseModel):
    """The improvable part of the LLM agent's prompt. Empty sections are left out of the prompt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_prompt: str = Field(
        default_factory=default_base_prompt, description="What the agent is and how it works (markdown)."
    )
    skill: str = Field(default="", description="A skill document of itemized rules (markdown).")
    memory_cards: list[str] = Field(default_factory=list, description="Short lessons, one per card.")
    retry_notes: str = Field(
        default="",
        description="Reflection on a previous attempt at the same task, for the system prompt's "
        "'Previous attempt feedback' section.",
    )
    retry_context: str = Field(
        default="",
        description="What happened in the previous attempt (score, failure, its first steps), shown "
        "to the agent before the first observation.",
    )

    @property
    def version_id(self) -> str:
        """A stable 12-hex-digit hash of the content: equal contexts share it, any edit changes it."""
        content = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(content.encode("utf-8")).hexdigest()[:12]
