"""Supervised fine-tuning rows: each resolved episode as one chat transcript.

A row is OpenAI's chat fine-tuning format, `{"messages": [...]}`: the system prompt, then the
observations as user turns and the actions as assistant turns (see `transcript` for how
they are rebuilt). With `tools` the actions are tool calls (`tool_calls` on the assistant
turn, the observation after it a `tool` message) and the row carries `tools`: the action
tools the LLM agent offers models (`fixloop.env.actions.action_tools`), so a tuned model
learns the calls it will be offered.

Besides those keys each row has `simulated` and `metadata` (the episode it is); trainers
that accept only `messages` and `tools` should drop them.

Only resolved episodes are kept: a transcript that did not fix the bug is not one to imitate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fixloop.env.actions import action_tools
from fixloop.export.chat import ChatMessage
from fixloop.export.episodes import EpisodeRef, StoredEpisode, Tally
from fixloop.export.transcript import ReplayError, TranscriptBuilder

NOT_RESOLVED = "not resolved (SFT keeps resolved episodes only)"
"""The skip reason of an episode that did not fix the bug."""
SOURCE = "resolved_episode"
"""The one source of SFT rows, as the dataset card counts it."""


class SFTRow(BaseModel):
    """One fine-tuning example: a resolved episode's transcript."""

    model_config = ConfigDict(frozen=True)

    messages: tuple[ChatMessage, ...]
    tools: tuple[dict[str, Any], ...] | None = Field(
        default=None, description="The action tools, in the tool-calling form only."
    )
    simulated: bool = Field(description="A simulated model produced the episode, not a real one.")
    metadata: EpisodeRef

    def dump(self) -> dict[str, Any]:
        """The row as JSON, messages without their unused fields, `tools` only when set."""
        row: dict[str, Any] = {"messages": [m.dump() for m in self.messages]}
        if self.tools is not None:
            row["tools"] = list(self.tools)
        return {**row, "simulated": self.simulated, "metadata": self.metadata.model_dump(mode="json")}


def sft_rows(
    episodes: Iterable[StoredEpisode], builder: TranscriptBuilder, tally: Tally, *, tools: bool = False
) -> list[SFTRow]:
    """A row per resolved episode of `episodes` (already filtered by `exportable`), in order.

    Episodes not resolved, and those whose transcript cannot be rebuilt, are counted in
    `tally` as skipped with the reason.
    """
    offered = tuple(action_tools()) if tools else None
    rows = []
    for episode in episodes:
        if episode.trajectory.outcome != "resolved":
            tally.skip(NOT_RESOLVED)
            continue
        try:
            transcript = builder.build(episode)
        except ReplayError as exc:
            tally.skip(f"transcript not rebuilt: {exc}")
            continue
        rows.append(
            SFTRow(
                messages=tuple(transcript.messages(tools=tools)),
                tools=offered,
                simulated=episode.simulated,
                metadata=EpisodeRef.of(episode),
            )
        )
        tally.keep(episode)
        tally.rows[SOURCE] += 1
    return rows
