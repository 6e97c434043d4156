"""The store's tables, as SQLAlchemy ORM classes. Portable SQL only: SQLite and PostgreSQL.

Changing a table means adding a migration under `migrations/versions/`; a test checks that
the migrated database and these classes agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class RunRow(Base):
    """One run: an agent and a model over a planned set of (task, episode index) pairs."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]]
    simulated: Mapped[bool]
    planned: Mapped[int] = mapped_column(Integer)
    plan: Mapped[list[Any]]


class RunLeaseRow(Base):
    """The lease of a run being executed: at most one per run (see `Store.acquire_lease`)."""

    __tablename__ = "run_leases"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgentContextRow(Base):
    """The context an agent was given (skill, memory cards, notes), stored once per content hash."""

    __tablename__ = "agent_contexts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    skill_version: Mapped[str | None] = mapped_column(String(100))
    memory_versions: Mapped[list[Any]]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EpisodeRow(Base):
    """One finished episode; `trajectory` holds the Trajectory without its steps."""

    __tablename__ = "episodes"
    __table_args__ = (UniqueConstraint("run_id", "task_id", "episode_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(255))
    episode_index: Mapped[int] = mapped_column(Integer)
    context_id: Mapped[str | None] = mapped_column(ForeignKey("agent_contexts.id"))
    outcome: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    total_reward: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    simulated: Mapped[bool]
    grade: Mapped[dict[str, Any] | None]
    trajectory: Mapped[dict[str, Any]]
    tokens: Mapped[int] = mapped_column(Integer)
    cost: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StepRow(Base):
    """One step of an episode, one column per `StepRecord` field."""

    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("episode_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    action: Mapped[dict[str, Any] | None]
    raw_action: Mapped[str | None] = mapped_column(Text)
    reward: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    done: Mapped[bool]
    seconds: Mapped[float] = mapped_column(Float)
    tokens: Mapped[int] = mapped_column(Integer)
    cost: Mapped[float] = mapped_column(Float)
    summary: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'"))


class ModelCallRow(Base):
    """One call to a model. Episodes are referred to by key: calls happen before the episode row exists."""

    __tablename__ = "model_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(255))
    episode_index: Mapped[int | None] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(200))
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    cost: Mapped[float] = mapped_column(Float)
    latency: Mapped[float] = mapped_column(Float)
    cached: Mapped[bool]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RetryResultRow(Base):
    """The outcome of retrying one episode of a run with reflection (see fixloop.improve.retry_loop)."""

    __tablename__ = "retry_results"
    __table_args__ = (UniqueConstraint("run_id", "task_id", "episode_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(255))
    episode_index: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TrainingRow(Base):
    """One skill training: its settings, the trainer's checkpoint and, once over, its summary."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    config: Mapped[dict[str, Any]]
    simulated: Mapped[bool]
    state: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'"))
    result: Mapped[dict[str, Any] | None]


class SkillVersionRow(Base):
    """One version of a skill, keyed by its content hash. `parent` is no foreign key: a
    hand-imported skill's parent may never have been stored."""

    __tablename__ = "skill_versions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent: Mapped[str | None] = mapped_column(String(64))
    training_id: Mapped[int | None] = mapped_column(
        ForeignKey("trainings.id", ondelete="SET NULL"), index=True
    )
    content: Mapped[dict[str, Any]]
    markdown: Mapped[str] = mapped_column(Text)
    tokens: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerEntryRow(Base):
    """One entry of a training's Ledger, the append-only record of its proposals, numbered by `seq`."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("training_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    entry: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MemoryCardRow(Base):
    """One version of a memory card, keyed `id@version`; `card` holds the whole card as JSON.

    The columns beside `card` copy what listing filters on. `parent` is no foreign key, like a
    skill version's: an imported card's parent may never have been stored.
    """

    __tablename__ = "memory_cards"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    card_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    parent: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    card: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MemoryEventRow(Base):
    """One status change of a memory card version (`from_status` is None when it was created)."""

    __tablename__ = "memory_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CriticEvaluationRow(Base):
    """One evaluation of a critic against the ground truth over a run's steps (a
    `CriticEvaluation` as JSON). `run` is the run's name, no foreign key: an evaluation outlives
    nothing it needs from the run's rows."""

    __tablename__ = "critic_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run: Mapped[str] = mapped_column(String(200), index=True)
    critic: Mapped[str] = mapped_column(String(200))
    simulated: Mapped[bool]
    evaluation: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GroundTruthRow(Base):
    """Φ* after one step of a run's episode, measured once by replaying it (never rerun)."""

    __tablename__ = "ground_truth"
    __table_args__ = (UniqueConstraint("run", "task_id", "episode_index", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[str] = mapped_column(String(255))
    episode_index: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    phi_star: Mapped[float] = mapped_column(Float)
    changed: Mapped[bool]
    passed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    failing: Mapped[list[Any]]
    outcome: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CacheRow(Base):
    """A model response, keyed by a hash of the request."""

    __tablename__ = "cache"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    provider: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
