"""What the store hands back: plain pydantic records, detached from the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store writes every one in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class RunInfo(BaseModel):
    """A run and how far it got. Counts cover the episodes recorded so far."""

    id: int
    name: str
    created_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    status: str = Field(description="running, or finished once `Store.finish_run` was called.")
    agent: str
    model: str
    config: dict[str, Any] = Field(description="The run's configuration, secrets redacted.")
    simulated: bool = Field(description="Produced by a simulated model: never a model's real performance.")
    planned: int = Field(description="Episodes the run set out to record.")
    finished: int = 0
    resolved: int = 0
    infra_errors: int = Field(default=0, description="Episodes that failed for infrastructure reasons.")


class EpisodeInfo(BaseModel):
    """One recorded episode, without its steps (`Store.trajectories` has everything)."""

    task_id: str
    episode_index: int
    outcome: str
    score: float
    total_reward: float
    steps: int
    seconds: float
    tokens: int
    cost: float
    error: str | None
    simulated: bool
    context_id: str | None
    created_at: UtcDatetime


class ModelCallInfo(BaseModel):
    """One recorded model call."""

    run_id: int | None
    task_id: str | None
    episode_index: int | None
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost: float
    latency: float
    cached: bool
    error: str | None
    created_at: UtcDatetime


class LeaseInfo(BaseModel):
    """A run's lease: the one process that may execute the run, and until when it holds
    without another heartbeat."""

    run_id: int
    token: str = Field(description="Identifies this taking of the lease; a new one each time it is taken.")
    host: str = Field(description="The holder's host name.")
    pid: int = Field(description="The holder's process id on that host.")
    acquired_at: UtcDatetime
    expires_at: UtcDatetime = Field(description="When the lease lapses unless the holder renews it.")


class AgentContextInfo(BaseModel):
    """The context an agent worked with: its full prompt text and the versions it was built from."""

    id: str
    skill_version: str | None
    memory_versions: list[str]
    text: str


class TrainingInfo(BaseModel):
    """A skill training: its settings, the trainer's checkpoint and, once over, its summary."""

    id: int
    name: str
    created_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    status: str = Field(
        description="running, then finished or stopped once `Store.finish_training` was called."
    )
    config: dict[str, Any] = Field(description="The training's settings, secrets redacted.")
    simulated: bool = Field(description="Trained with a simulated model: never a model's real performance.")
    state: dict[str, Any] = Field(description="The trainer's latest checkpoint, what a resume starts from.")
    result: dict[str, Any] | None = Field(default=None, description="The final summary, once finished.")


class SkillVersionInfo(BaseModel):
    """One stored version of a skill, identified by its content hash."""

    id: str = Field(description="The skill's content hash.")
    parent: str | None = Field(description="The version it was edited from; None for a first version.")
    training: str | None = Field(description="The name of the training that made it; None when imported.")
    content: dict[str, Any] = Field(description="The Skill as JSON (its model dump).")
    markdown: str = Field(description="The skill rendered as the document an agent reads.")
    tokens: int = Field(description="The length of `markdown` in tokens.")
    created_at: UtcDatetime


class MemoryEventInfo(BaseModel):
    """One status change of a memory card version; `Store.memory_events` hands back its JSON dump."""

    card_id: str
    version: int
    from_status: str | None = Field(description="The status before; None for the card's creation.")
    to_status: str
    reason: str
    created_at: UtcDatetime


class GroundTruthInfo(BaseModel):
    """Φ* after one step of a run's episode; `Store.ground_truth` hands back its JSON dump, the
    fields of a `GroundTruthPoint`."""

    step: int = Field(ge=0, description="The trajectory's step index; 0 is the start.")
    phi_star: float = Field(description="10 x the fraction of graded tests passing.")
    changed: bool = Field(description="Whether the step changed the workspace (and the tests ran).")
    passed: int
    total: int
    failing: list[str] = Field(default_factory=list, description="Graded tests not passing.")
    outcome: str = Field(description="The grade's outcome for this state.")


class CriticEvaluationInfo(BaseModel):
    """One stored evaluation of a critic over a run; `Store.critic_evaluations` hands back its JSON dump."""

    run: str = Field(description="The run's name.")
    critic: str = Field(description="The critic's name.")
    simulated: bool = Field(description="A simulated critic or run: never a model's real performance.")
    evaluation: dict[str, Any] = Field(description="The evaluation (a `CriticEvaluation`) as JSON.")
    created_at: UtcDatetime
