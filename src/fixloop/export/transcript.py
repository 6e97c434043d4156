"""An episode rebuilt as the chat the LLM agent had with its model.

What the store keeps of an episode is not the chat: a trajectory holds each step's action as
parsed (or the raw reply that did not parse), its reward, error and summary, and the version
of the agent context (base prompt, skill, memory cards, retry notes) whose pieces the store
holds under that version. Observations and rendered prompts are not stored. So a
transcript is rebuilt, with the LLM agent's own rendering (`fixloop.agents.prompt`):

- the system turn is `system_prompt` of the episode's stored context (the context version);
  an episode without one (oracle, repair) gets the context its run would have given an LLM
  agent (the default base prompt and the run's skill): what a model *would* see;
- the observations are replayed: a fresh `DebugEnv` (the episode's reward scheme) is reset
  on the task and stepped with every recorded action in turn, which gives the same
  observations the agent saw, since identical workspace states give byte-identical
  observations. Each is rendered by `observation_message`, with the retry context before
  the first and `PARSE_ERROR: <reason>` after a reply that did not parse, as the agent does
  (the reason is not stored: it is the JSON-format agent's, found again by repairing and
  parsing the raw reply; a tools-format reply's own reason, such as two tool calls, is not
  recovered).
  The replay is checked against the record: a step whose reward or end differs stops the
  rebuild (`ReplayError`);
- each assistant turn is the action as parsed, as a JSON object (what a JSON-format reply
  means; the model's exact wording is not stored), or in the tool-calling form a call of the
  action's tool; a reply that did not parse is its raw text.

The transcript is the whole episode, not the agent's `history_window`: each reply is shown
with everything before it, as a chat fine-tuning format expects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fixloop.agents.action_repair import extract_action
from fixloop.agents.context import AgentContext
from fixloop.agents.prompt import observation_message, system_prompt
from fixloop.core.trajectory import StepRecord
from fixloop.env.actions import ActionParseError, parse_action
from fixloop.env.debug_env import DebugEnv, EnvConfig, StepResult
from fixloop.export.chat import ChatMessage, ToolCall, ToolFunction
from fixloop.export.episodes import StoredEpisode
from fixloop.rollout.run_session import settings_of, stored_context
from fixloop.sandbox.base import Sandbox, SandboxError
from fixloop.store import Store, StoreError
from fixloop.tasks.task import Task

REWARD_TOLERANCE = 1e-9
"""How far a replayed step's reward may be from the recorded one."""


class ReplayError(RuntimeError):
    """The episode cannot be rebuilt; the message says why, the same for every episode with the
    same cause (it is a skip reason the dataset card counts)."""


@dataclass(frozen=True)
class Transcript:
    """An episode as a chat: the system prompt, and before each step the user turn shown."""

    episode: StoredEpisode
    system: str
    observations: tuple[str, ...]
    """`observations[i]` is the user turn the reply of step i + 1 answered."""

    def messages(self, *, tools: bool = False, steps: int | None = None) -> list[ChatMessage]:
        """The system turn and the first `steps` exchanges (all by default), each an
        observation then the reply. With `tools`, replies are tool calls and the observation
        after one is a `tool` message answering it."""
        records = self.episode.trajectory.steps
        count = len(records) if steps is None else steps
        messages = [ChatMessage(role="system", content=self.system)]
        for i in range(count):
            messages += [self._observation(i, tools=tools), reply_message(records[i], tools=tools)]
        return messages

    def prompt(self, steps: int) -> list[ChatMessage]:
        """The chat up to the reply of step `steps + 1`: its first `steps` exchanges and the
        observation that reply answered (JSON form)."""
        return [*self.messages(steps=steps), self._observation(steps, tools=False)]

    def _observation(self, i: int, *, tools: bool) -> ChatMessage:
        previous = self.episode.trajectory.steps[i - 1] if i else None
        if tools and previous is not None and previous.action is not None:
            return ChatMessage(role="tool", content=self.observations[i], tool_call_id=_call_id(previous))
        return ChatMessage(role="user", content=self.observations[i])


def reply_message(record: StepRecord, *, tools: bool = False) -> ChatMessage:
    """The assistant turn of one step: the action as a JSON object (or, with `tools`, a call
    of its tool, the other fields as arguments), or the raw reply when it did not parse."""
    if record.action is None:
        return ChatMessage(role="assistant", content=record.raw_action or "")
    if not tools:
        return ChatMessage(role="assistant", content=json.dumps(record.action, ensure_ascii=False))
    arguments = {key: value for key, value in record.action.items() if key != "action_type"}
    function = ToolFunction(name=str(record.action["action_type"]), arguments=json.dumps(arguments))
    return ChatMessage(role="assistant", tool_calls=(ToolCall(id=_call_id(record), function=function),))


def _call_id(record: StepRecord) -> str:
    return f"call_{record.index}"


class TranscriptBuilder:
    """Rebuilds transcripts (see the module docstring), each episode once.

    `tasks` maps each run's name to its tasks by id; `sandbox` runs the replays' tests and
    stays the caller's.
    """

    def __init__(self, store: Store, sandbox: Sandbox, tasks: Mapping[str, Mapping[str, Task]]) -> None:
        self.store = store
        self.sandbox = sandbox
        self.tasks = tasks
        self._built: dict[tuple[str, str, int], Transcript | ReplayError] = {}

    def context(self, episode: StoredEpisode) -> AgentContext:
        """The agent context the episode was given, or its run's default. Raises ReplayError
        when the trajectory names a context version the store does not hold."""
        version = episode.trajectory.context_version
        if version is None:
            return AgentContext(skill=settings_of(episode.run).skill)
        try:
            return stored_context(self.store, version)
        except StoreError:
            raise ReplayError("its agent context version is not in the store") from None

    def system(self, episode: StoredEpisode) -> str:
        """The episode's system turn. Raises ReplayError as `context` does."""
        return system_prompt(self.context(episode))

    def build(self, episode: StoredEpisode) -> Transcript:
        """The episode's transcript. Raises ReplayError when its task or context is missing,
        the sandbox fails, or the replay does not reproduce the record."""
        key = (episode.run.name, episode.task_id, episode.episode_index)
        if key not in self._built:
            try:
                self._built[key] = self._replay(episode)
            except ReplayError as exc:
                self._built[key] = exc
        built = self._built[key]
        if isinstance(built, ReplayError):
            raise built
        return built

    def _replay(self, episode: StoredEpisode) -> Transcript:
        task = self.tasks.get(episode.run.name, {}).get(episode.task_id)
        if task is None:
            raise ReplayError("its task is no longer in its run's suite")
        context = self.context(episode)
        trajectory = episode.trajectory
        env = DebugEnv(self.sandbox, EnvConfig(reward=trajectory.reward_scheme))  # type: ignore[arg-type]
        shown: list[str] = []
        try:
            observation = env.reset(task)
            format_error: str | None = None
            for record in trajectory.steps:
                retry_context = context.retry_context if not shown else ""
                shown.append(observation_message(observation, format_error, retry_context))
                sent = record.action if record.action is not None else _as_sent(record.raw_action or "")
                result = env.step(sent)
                _check(result, record)
                format_error = None if record.action is not None else _parse_failure(sent, result)
                observation = result.observation
        except SandboxError as exc:
            raise ReplayError(f"the sandbox failed during the replay: {exc}") from None
        finally:
            env.close()
        return Transcript(episode, system_prompt(context), tuple(shown))


def _as_sent(raw: str) -> dict[str, Any] | str:
    """What the LLM agent hands the environment for a reply that did not parse: the JSON
    object it most likely means, else the text."""
    repaired = extract_action(raw)
    return raw if repaired is None else repaired


def _parse_failure(sent: dict[str, Any] | str, result: StepResult) -> str:
    """Why the agent could not parse the reply (its next turn shows it as PARSE_ERROR)."""
    try:
        parse_action(sent)
    except ActionParseError as exc:
        return str(exc)
    return result.observation.last_action_error or "the reply did not parse"


def _check(result: StepResult, record: StepRecord) -> None:
    """Raise ReplayError when the replayed step is not the recorded one."""
    same_reward = abs(result.reward - record.reward) <= REWARD_TOLERANCE
    if not same_reward or result.done != record.done or (result.action is None) != (record.action is None):
        raise ReplayError("the replay diverged from the record")
