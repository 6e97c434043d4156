"""The `Store`: runs, episodes with their steps, agent contexts, model calls, the model cache,
skill training (trainings with their checkpoints, the skill versions they make and their
ledgers), memory cards with the history of their statuses, and the critic's ground truth
and evaluations.

SQLite in one file by default, any SQLAlchemy URL (PostgreSQL) for teams. Every method opens
a short session of its own, so one `Store` may be shared by many threads. A locked,
read-only or corrupted database is a one-line `StoreError` on every path (see
`fixloop.store.errors`). A run's lease (`acquire_lease`) lets one process at a time execute it.
A training's ledger is keyed by sequence number, so a resumed training writes no entry twice.
Memory cards are stored as the JSON of a `MemoryCard` (the store sits below
`fixloop.improve` and never imports it; callers validate what they read back). The ground
truth Φ* of a run's steps is keyed by (run, task, episode, step) and written once, so a step
measured in the sandbox is never measured again.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    and_,
    case,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fixloop.core.trajectory import StepRecord, Trajectory
from fixloop.models.base import Completion
from fixloop.store.errors import StoreError, database_error, read_only
from fixloop.store.leases import LEASE_TTL_S, lease_is_live
from fixloop.store.records import (
    AgentContextInfo,
    CriticEvaluationInfo,
    EpisodeInfo,
    GroundTruthInfo,
    LeaseInfo,
    MemoryEventInfo,
    ModelCallInfo,
    RunInfo,
    SkillVersionInfo,
    TrainingInfo,
)
from fixloop.store.redaction import redact, redact_text
from fixloop.store.schema import (
    AgentContextRow,
    Base,
    CacheRow,
    CriticEvaluationRow,
    EpisodeRow,
    GroundTruthRow,
    LedgerEntryRow,
    MemoryCardRow,
    MemoryEventRow,
    ModelCallRow,
    RetryResultRow,
    RunLeaseRow,
    RunRow,
    SkillVersionRow,
    StepRow,
    TrainingRow,
    utcnow,
)

DB_ENV_VAR = "FIXLOOP_DB"
"""The environment variable holding the database URL when none is given."""
DEFAULT_DB_PATH = Path(".fixloop") / "fixloop.db"
"""Where the SQLite store lives, under the current directory, when no URL is configured."""
SQLITE_BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for another one before the store is reported locked; a
`timeout` in the URL (`sqlite:///fixloop.db?timeout=5`) overrides it."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

RunRef = RunInfo | str | int
"""A run, by its record, its name or its id."""
TRAINING_END_STATUSES = ("finished", "stopped")
"""What `Store.finish_training` may set: the training ran to its end, or was stopped early."""
SKILL_PREFIX_MIN = 4
"""The fewest leading characters of a skill version's id that `Store.skill_version` looks up."""
MEMORY_CARD_ID_MAX = 100
"""The longest memory card id the store holds (its `card_id` column)."""

# Trajectory fields kept in episode columns; the rest of the trajectory goes in its JSON column.
_EPISODE_COLUMNS = (
    "outcome",
    "score",
    "total_reward",
    "seconds",
    "error",
    "simulated",
    "tokens",
    "cost",
)
_STEP_FIELDS = tuple(StepRecord.model_fields)


def resolve_url(url: str | None = None) -> str:
    """The database URL `Store.open(url)` uses: `url`, else `$FIXLOOP_DB`, else the default SQLite file.

    `postgresql://` URLs are given the psycopg (3) driver. The default file's directory is created.
    """
    url = url or os.environ.get(DB_ENV_VAR)
    if not url:
        path = Path.cwd() / DEFAULT_DB_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Store:
    """Persistent runs and everything recorded in them. Create one with `Store.open`."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose database is already migrated; `Store.open` does both."""
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (creating and migrating as needed) the store at `url`.

        The URL is `url`, else the `FIXLOOP_DB` environment variable, else SQLite at
        `.fixloop/fixloop.db` under the current directory. SQLite runs in WAL mode with a busy
        timeout, so several processes and threads can share one file. The schema is migrated
        to the newest version. Raises StoreError when the URL is unusable, the database cannot
        be reached, or it is locked, read-only or corrupted (see `fixloop.store.errors`).
        """
        resolved = resolve_url(url)
        shown = redact_text(resolved)
        try:
            engine = _create_engine(resolved, shown)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StoreError(
                f"{shown!r} is not a database URL this store can use ({exc}); "
                "give e.g. sqlite:///path/to/fixloop.db or postgresql://user:pass@host/db"
            ) from None
        except ModuleNotFoundError as exc:
            raise StoreError(
                f"the driver for {shown!r} is not installed ({exc.name}); "
                "for PostgreSQL run: pip install 'fixloop[postgres]'"
            ) from None
        except PermissionError as exc:
            raise read_only(f"at {shown}", str(exc)) from None
        except OSError as exc:
            raise StoreError(f"cannot open the store at {shown}: {exc}") from None
        try:
            _migrate(engine)
        except StoreError:
            engine.dispose()
            raise
        except OperationalError as exc:
            engine.dispose()
            raise StoreError(f"cannot open the store at {shown}: {exc.orig}") from None
        return cls(engine)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # runs

    def create_run(
        self,
        name: str,
        *,
        agent: str,
        model: str,
        config: dict[str, Any],
        planned: Sequence[tuple[str, int]],
        simulated: bool = False,
    ) -> RunInfo:
        """Record a new run that will hold one episode per planned (task_id, episode_index) pair.

        `config` is stored with its secrets redacted (see `fixloop.store.redaction`). Raises
        StoreError when a run called `name` exists, a pair is planned twice, or `config` is not
        JSON-serializable.
        """
        plan = [[str(task_id), int(index)] for task_id, index in planned]
        repeated = _repeated(tuple(pair) for pair in plan)
        if repeated:
            raise StoreError(f"episodes planned more than once: {repeated}; plan each (task, index) once")
        clean_config = _json_ready(redact(config), "the run's config")
        row = RunRow(
            name=name,
            status="running",
            agent=agent,
            model=model,
            config=clean_config,
            simulated=simulated,
            planned=len(plan),
            plan=plan,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise StoreError(
                f"a run named {name!r} already exists; choose another name "
                "(`fixloop runs list` shows the names taken)"
            ) from None
        return _run_info(row)

    def extend_plan(self, run: RunRef, planned: Sequence[tuple[str, int]]) -> None:
        """Add (task_id, episode_index) pairs to the plan of a run whose episodes are not known
        up front (a `serve` run plans each episode as a client starts it).

        Raises StoreError for an unknown run or a pair already planned.
        """
        pairs = [[str(task_id), int(index)] for task_id, index in planned]
        with self._sessions.begin() as session:
            row = self._run_row(session, run)
            repeated = _repeated(tuple(pair) for pair in [*row.plan, *pairs])
            if repeated:
                raise StoreError(f"episodes planned more than once: {repeated}; plan each (task, index) once")
            row.plan = [*row.plan, *pairs]
            row.planned = len(row.plan)

    def get_run(self, name_or_id: RunRef) -> RunInfo:
        """The run with this name (or id), with its episode counts. Raises StoreError if there is none."""
        with self._sessions() as session:
            row = self._run_row(session, name_or_id)
            return _run_info(row, self._counts(session, [row.id]).get(row.id))

    def list_runs(self) -> list[RunInfo]:
        """Every run, oldest first, with its episode counts."""
        with self._sessions() as session:
            rows = session.scalars(select(RunRow).order_by(RunRow.id)).all()
            counts = self._counts(session, [row.id for row in rows])
            return [_run_info(row, counts.get(row.id)) for row in rows]

    def run_costs(self) -> dict[int, float]:
        """What each run's recorded episodes cost, in US dollars, by run id; runs without an
        episode are left out. One grouped query over the episodes."""
        with self._sessions() as session:
            rows = session.execute(
                select(EpisodeRow.run_id, func.sum(EpisodeRow.cost)).group_by(EpisodeRow.run_id)
            ).all()
        return {run_id: float(cost or 0.0) for run_id, cost in rows}

    def runs_marker(self) -> tuple[int, int, int, int]:
        """A value that moves whenever a run is created, finished or given more planned
        episodes, or an episode is recorded: (runs, finished runs, planned episodes, the newest
        episode's id). Two small aggregate queries, for a watcher that polls (the dashboard's
        live stream) and reads the runs only when the marker moved."""
        with self._sessions() as session:
            runs, finished, planned = session.execute(
                select(
                    func.count(RunRow.id),
                    func.coalesce(func.sum(case((RunRow.status == "finished", 1), else_=0)), 0),
                    func.coalesce(func.sum(RunRow.planned), 0),
                )
            ).one()
            newest = session.scalar(select(func.coalesce(func.max(EpisodeRow.id), 0)))
        return int(runs), int(finished), int(planned), int(newest or 0)

    def finish_run(self, run: RunRef) -> RunInfo:
        """Mark the run finished (resuming it stays possible). Raises StoreError for an unknown run."""
        with self._sessions.begin() as session:
            row = self._run_row(session, run)
            row.status = "finished"
            row.finished_at = utcnow()
        return self.get_run(row.id)

    # leases

    def acquire_lease(self, run: RunRef, *, ttl_s: float = LEASE_TTL_S) -> LeaseInfo:
        """Take the run's lease for this process: the right to execute it, for `ttl_s` seconds.

        The holder keeps it with `renew_lease` (a heartbeat) and gives it up with
        `release_lease`. A lease whose holder is alive and whose heartbeat is recent refuses;
        one whose heartbeat expired, or whose holder was a process on this host that is gone
        (killed), is taken over (see `fixloop.store.leases`). Raises StoreError when the run
        is unknown or another process holds its lease.
        """
        with self._sessions() as session:
            run_row = self._run_row(session, run)
            run_id, name = run_row.id, run_row.name
        now = utcnow()
        lease = LeaseInfo(
            run_id=run_id, token=uuid.uuid4().hex, host=socket.gethostname(), pid=os.getpid(),
            acquired_at=now, expires_at=now + timedelta(seconds=ttl_s),
        )  # fmt: skip
        try:
            with self._sessions.begin() as session:
                row = session.get(RunLeaseRow, run_id)
                if row is None:
                    session.add(RunLeaseRow(**lease.model_dump()))
                    return lease
                held = LeaseInfo.model_validate(_columns(row))
                if lease_is_live(held, now):
                    raise _lease_held(name, held)
                if _replaced(session, held, lease):
                    return lease
        except IntegrityError:
            pass  # another process inserted the run's first lease between our read and our insert
        raise _lease_held(name, None)

    def renew_lease(self, lease: LeaseInfo, *, ttl_s: float = LEASE_TTL_S) -> bool:
        """Extend `lease` to `ttl_s` seconds from now. False when it is no longer this holder's
        (another process took it over after it expired, or it was released)."""
        with self._sessions.begin() as session:
            renewed = session.connection().execute(
                update(RunLeaseRow)
                .where(_still_held(lease))
                .values(expires_at=utcnow() + timedelta(seconds=ttl_s))
            )
        return bool(renewed.rowcount)

    def release_lease(self, lease: LeaseInfo) -> None:
        """Give `lease` up, so the run can be executed again at once; nothing when it is no
        longer this holder's."""
        with self._sessions.begin() as session:
            session.execute(delete(RunLeaseRow).where(_still_held(lease)))

    # episodes

    def add_episode(
        self,
        run: RunRef,
        task_id: str,
        episode_index: int,
        trajectory: Trajectory,
        *,
        context_id: str | None = None,
    ) -> bool:
        """Record a finished episode and its steps, in one transaction.

        Idempotent: each planned (task_id, episode_index) is recorded at most once. Returns
        True when the episode was recorded, False when that key was already recorded (the
        first one stands and this one is ignored), also when two threads race to add it.
        Secret-looking strings in the trajectory are redacted. Raises StoreError when the
        run is unknown, the key was not planned, `trajectory.task_id` is not `task_id`, or
        `context_id` was not recorded with `add_context`.
        """
        if trajectory.task_id != task_id:
            raise StoreError(
                f"the trajectory is for task {trajectory.task_id!r}, not {task_id!r}; "
                "pass the task id the trajectory was recorded on"
            )
        data = redact(trajectory.model_dump(mode="json"), by_name=False)
        steps = data.pop("steps")
        columns = {name: data.pop(name) for name in _EPISODE_COLUMNS}
        grade = data.pop("grade")
        del data["task_id"]
        try:
            with self._sessions.begin() as session:
                run_row = self._run_row(session, run)
                if [task_id, episode_index] not in run_row.plan:
                    raise StoreError(
                        f"episode ({task_id!r}, {episode_index}) is not in run {run_row.name!r}'s plan; "
                        "plan every episode in create_run"
                    )
                if context_id is not None and session.get(AgentContextRow, context_id) is None:
                    raise StoreError(
                        f"unknown agent context {context_id!r}; record it with add_context first"
                    )
                if self._episode_id(session, run_row.id, task_id, episode_index) is not None:
                    return False
                episode = EpisodeRow(
                    run_id=run_row.id,
                    task_id=task_id,
                    episode_index=episode_index,
                    context_id=context_id,
                    grade=grade,
                    trajectory=data,
                    **columns,
                )
                session.add(episode)
                session.flush()
                session.add_all(StepRow(episode_id=episode.id, **step) for step in steps)
        except IntegrityError:
            # Another thread or process recorded the same key between our check and insert.
            with self._sessions() as session:
                run_id = self._run_row(session, run).id
                if self._episode_id(session, run_id, task_id, episode_index) is not None:
                    return False
            raise
        return True

    def finished_keys(self, run: RunRef) -> set[tuple[str, int]]:
        """The (task_id, episode_index) pairs already recorded for the run: what a resume skips."""
        with self._sessions() as session:
            run_id = self._run_row(session, run).id
            rows = session.execute(
                select(EpisodeRow.task_id, EpisodeRow.episode_index).where(EpisodeRow.run_id == run_id)
            )
            return {(task_id, index) for task_id, index in rows}

    def trajectories(self, run: RunRef) -> list[Trajectory]:
        """Every recorded trajectory of the run, in the order they were added, as they were added."""
        return list(self.keyed_trajectories(run).values())

    def keyed_trajectories(self, run: RunRef) -> dict[tuple[str, int], Trajectory]:
        """The run's trajectories by (task_id, episode_index), in the order they were added."""
        with self._sessions() as session:
            run_id = self._run_row(session, run).id
            episodes = session.scalars(
                select(EpisodeRow).where(EpisodeRow.run_id == run_id).order_by(EpisodeRow.id)
            ).all()
            step_rows = session.scalars(
                select(StepRow)
                .join(EpisodeRow)
                .where(EpisodeRow.run_id == run_id)
                .order_by(StepRow.episode_id, StepRow.index)
            ).all()
        steps: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for step in step_rows:
            steps[step.episode_id].append({name: getattr(step, name) for name in _STEP_FIELDS})
        return {
            (episode.task_id, episode.episode_index): Trajectory.model_validate(
                {
                    **episode.trajectory,
                    "task_id": episode.task_id,
                    "grade": episode.grade,
                    "steps": steps[episode.id],
                    **{name: getattr(episode, name) for name in _EPISODE_COLUMNS},
                }
            )
            for episode in episodes
        }

    def episodes(self, run: RunRef) -> list[EpisodeInfo]:
        """A summary row per recorded episode of the run, ordered by task and episode index."""
        with self._sessions() as session:
            run_id = self._run_row(session, run).id
            step_counts = (
                select(StepRow.episode_id, func.count(StepRow.id).label("steps"))
                .group_by(StepRow.episode_id)
                .subquery()
            )
            rows = session.execute(
                select(EpisodeRow, func.coalesce(step_counts.c.steps, 0))
                .outerjoin(step_counts, step_counts.c.episode_id == EpisodeRow.id)
                .where(EpisodeRow.run_id == run_id)
                .order_by(EpisodeRow.task_id, EpisodeRow.episode_index)
            ).all()
        return [EpisodeInfo.model_validate({**_columns(e), "steps": n_steps}) for e, n_steps in rows]

    # agent contexts

    def add_context(
        self, text: str, *, skill_version: str | None = None, memory_versions: Iterable[str] = ()
    ) -> str:
        """Record the context an agent is given and return its id (a content hash).

        Recording the same context again returns the same id and stores nothing new.
        Secret-looking strings in `text` are redacted.
        """
        text = redact_text(text)
        versions = list(memory_versions)
        digest = hashlib.sha256(json.dumps([text, skill_version, versions]).encode()).hexdigest()
        if self._context_row_exists(digest):
            return digest
        try:
            with self._sessions.begin() as session:
                session.add(
                    AgentContextRow(
                        id=digest, skill_version=skill_version, memory_versions=versions, text=text
                    )
                )
        except IntegrityError:
            if not self._context_row_exists(digest):
                raise
        return digest

    def get_context(self, context_id: str) -> AgentContextInfo:
        """The recorded context with this id. Raises StoreError if there is none."""
        with self._sessions() as session:
            row = session.get(AgentContextRow, context_id)
            if row is None:
                raise StoreError(f"no agent context {context_id!r}; ids come from add_context")
            return AgentContextInfo.model_validate(_columns(row))

    def add_context_version(self, version: str, pieces: dict[str, Any]) -> str:
        """Record an agent context under its version id, so trajectories naming it resolve to it.

        `version` is the id a trajectory's `context_version` holds (`AgentContext.version_id`);
        `pieces` is that context as JSON (base prompt, skill, memory cards, retry notes).
        Recording a version again stores nothing new. Secret-looking strings are redacted.
        Returns `version`, which `add_episode` accepts as `context_id`.
        """
        if self._context_row_exists(version):
            return version
        text = json.dumps(redact(pieces, by_name=False), sort_keys=True, ensure_ascii=False)
        try:
            with self._sessions.begin() as session:
                session.add(AgentContextRow(id=version, skill_version=None, memory_versions=[], text=text))
        except IntegrityError:
            if not self._context_row_exists(version):
                raise
        return version

    def context_version(self, version: str) -> dict[str, Any]:
        """The pieces of the agent context recorded with `add_context_version` as `version`.

        Raises StoreError when no context was recorded under that version.
        """
        with self._sessions() as session:
            row = session.get(AgentContextRow, version)
            text = row.text if row is not None else None
        try:
            pieces = json.loads(text) if text is not None else None
        except json.JSONDecodeError:
            pieces = None
        if not isinstance(pieces, dict):
            raise StoreError(
                f"no agent context version {version!r}; versions come from add_context_version "
                "(a trajectory's context_version)"
            )
        return pieces

    # model calls

    def record_model_call(
        self,
        model: str,
        completion: Completion | None = None,
        *,
        run: RunRef | None = None,
        task_id: str | None = None,
        episode_index: int | None = None,
        error: str | None = None,
        latency: float = 0.0,
    ) -> None:
        """Record one model call: its tokens, cost and latency from `completion`.

        For a call that failed pass `completion=None`, the `error` and the `latency` until it
        failed. `run`, `task_id` and `episode_index` say what the call was for, when it was for
        an episode (the episode need not be recorded yet). The error is stored redacted.
        Raises StoreError for an unknown run.
        """
        with self._sessions.begin() as session:
            run_id = None if run is None else self._run_row(session, run).id
            usage = completion.usage if completion is not None else None
            session.add(
                ModelCallRow(
                    run_id=run_id,
                    task_id=task_id,
                    episode_index=episode_index,
                    model=model,
                    prompt_tokens=usage.prompt_tokens if usage else 0,
                    completion_tokens=usage.completion_tokens if usage else 0,
                    cost=completion.cost if completion else 0.0,
                    latency=completion.latency if completion else latency,
                    cached=completion.cached if completion else False,
                    error=redact_text(error) if error else None,
                )
            )

    def model_calls(self, run: RunRef) -> list[ModelCallInfo]:
        """The run's recorded model calls, oldest first."""
        with self._sessions() as session:
            run_id = self._run_row(session, run).id
            rows = session.scalars(
                select(ModelCallRow).where(ModelCallRow.run_id == run_id).order_by(ModelCallRow.id)
            ).all()
            return [ModelCallInfo.model_validate(_columns(r)) for r in rows]

    # retry results

    def add_retry_result(self, run: RunRef, task_id: str, episode_index: int, result: dict[str, Any]) -> None:
        """Record (or replace) the result of retrying the run's episode (task_id, episode_index).

        Secret-looking strings are redacted. Raises StoreError for an unknown run.
        """
        data = redact(result, by_name=False)
        with self._sessions.begin() as session:
            run_id = self._run_row(session, run).id
            row = session.scalars(
                select(RetryResultRow).where(
                    RetryResultRow.run_id == run_id,
                    RetryResultRow.task_id == task_id,
                    RetryResultRow.episode_index == episode_index,
                )
            ).one_or_none()
            if row is None:
                session.add(
                    RetryResultRow(run_id=run_id, task_id=task_id, episode_index=episode_index, result=data)
                )
            else:
                row.result = data

    def retry_results(self, run: RunRef) -> list[dict[str, Any]]:
        """The run's recorded retry results, ordered by task and episode index."""
        with self._sessions() as session:
            run_id = self._run_row(session, run).id
            rows = session.scalars(
                select(RetryResultRow)
                .where(RetryResultRow.run_id == run_id)
                .order_by(RetryResultRow.task_id, RetryResultRow.episode_index)
            ).all()
            return [row.result for row in rows]

    # model cache

    def cache_get(self, key: str) -> dict[str, Any] | None:
        """The cached response for `key`, or None."""
        with self._sessions() as session:
            row = session.get(CacheRow, key)
            return None if row is None else row.response

    def cache_put(self, key: str, *, provider: str, model: str, response: dict[str, Any]) -> None:
        """Cache `response` under `key`, replacing any earlier one.

        Safe under concurrency: when several threads or processes put the same key at once,
        none fails and one of their responses stays.
        """
        try:
            with self._sessions.begin() as session:
                row = session.get(CacheRow, key)
                if row is None:
                    session.add(CacheRow(key=key, provider=provider, model=model, response=response))
                else:
                    row.provider, row.model, row.response = provider, model, response
        except IntegrityError:
            # A concurrent put inserted the key first; overwrite it.
            with self._sessions.begin() as session:
                row = session.get_one(CacheRow, key)
                row.provider, row.model, row.response = provider, model, response

    # skill trainings

    def create_training(self, name: str, *, config: dict[str, Any], simulated: bool) -> TrainingInfo:
        """Record a new skill training, running, with an empty checkpoint (`state`).

        `config` (the training's settings) is stored with its secrets redacted (see
        `fixloop.store.redaction`). Raises StoreError when a training called `name` exists or
        `config` is not JSON-serializable.
        """
        row = TrainingRow(
            name=name,
            status="running",
            config=_json_ready(redact(config), "the training's config"),
            simulated=simulated,
            state={},
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise StoreError(
                f"training {name!r} already exists; choose another name, or resume that training"
            ) from None
        return TrainingInfo.model_validate(_columns(row))

    def get_training(self, name: str) -> TrainingInfo:
        """The training called `name`. Raises StoreError if there is none."""
        with self._sessions() as session:
            return TrainingInfo.model_validate(_columns(self._training_row(session, name)))

    def list_trainings(self) -> list[TrainingInfo]:
        """Every training, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(select(TrainingRow).order_by(TrainingRow.id)).all()
            return [TrainingInfo.model_validate(_columns(row)) for row in rows]

    def save_training_state(self, name: str, state: dict[str, Any]) -> None:
        """Replace the training's checkpoint with `state`, what a resume will start from.

        Secret-looking strings are redacted. Raises StoreError when the training is unknown
        or `state` is not JSON-serializable.
        """
        data = _json_ready(redact(state, by_name=False), "a training's state")
        with self._sessions.begin() as session:
            self._training_row(session, name).state = data

    def finish_training(self, name: str, *, status: str, result: dict[str, Any]) -> TrainingInfo:
        """End the training: set its `status` ("finished" or "stopped"), its summary `result`
        (secret-looking strings redacted) and when it ended.

        Raises StoreError when the training is unknown, the status is neither, or `result`
        is not JSON-serializable.
        """
        if status not in TRAINING_END_STATUSES:
            raise StoreError(f"a training ends as one of {', '.join(TRAINING_END_STATUSES)}, not {status!r}")
        data = _json_ready(redact(result, by_name=False), "a training's result")
        with self._sessions.begin() as session:
            row = self._training_row(session, name)
            row.status, row.result, row.finished_at = status, data, utcnow()
        return TrainingInfo.model_validate(_columns(row))

    # skill versions

    def add_skill_version(
        self,
        version: str,
        *,
        content: dict[str, Any],
        markdown: str,
        tokens: int,
        parent: str | None = None,
        training: str | None = None,
    ) -> SkillVersionInfo:
        """Record a version of a skill under `version`, its content hash, and return it.

        `content` is the Skill as JSON, `markdown` its rendering, `tokens` that rendering's
        length; `parent` the version it was edited from (it need not be stored: a hand-made
        skill's may not be) and `training` the name of the training that made it.
        Secret-looking strings in `content` and `markdown` are redacted. Idempotent: when
        `version` is stored already, that row is returned unchanged (the first writer's
        parent and training stand), also when two processes race to add it. Raises StoreError
        when `training` is unknown or `content` is not JSON-serializable.
        """
        data = _json_ready(redact(content, by_name=False), "a skill version's content")
        try:
            with self._sessions.begin() as session:
                found = self._find_skill_version(session, version)
                if found is not None:
                    return found
                training_id = None if training is None else self._training_row(session, training).id
                row = SkillVersionRow(
                    id=version,
                    parent=parent,
                    training_id=training_id,
                    content=data,
                    markdown=redact_text(markdown),
                    tokens=tokens,
                )
                session.add(row)
        except IntegrityError:
            # Another thread or process added the same version between our check and insert.
            with self._sessions() as session:
                found = self._find_skill_version(session, version)
            if found is None:
                raise
            return found
        return _skill_version_info(row, training)

    def skill_version(self, ref: str) -> SkillVersionInfo:
        """The skill version whose id is `ref`, or the only one whose id starts with `ref`.

        A prefix must have at least `SKILL_PREFIX_MIN` characters. Raises StoreError when no
        version matches, the prefix is too short, or it matches several versions.
        """
        with self._sessions() as session:
            found = self._find_skill_version(session, ref)
            if found is not None:
                return found
            if len(ref) < SKILL_PREFIX_MIN:
                raise StoreError(
                    f"no skill version {ref!r}; give its full id or at least {SKILL_PREFIX_MIN} "
                    "of its leading characters"
                )
            candidates = session.execute(
                _skill_versions_query()
                .where(SkillVersionRow.id.startswith(ref, autoescape=True))
                .order_by(SkillVersionRow.id)
            ).all()
        # SQLite's LIKE ignores case; match case as PostgreSQL does.
        matches = [(row, name) for row, name in candidates if row.id.startswith(ref)]
        if len(matches) == 1:
            return _skill_version_info(*matches[0])
        if not matches:
            raise StoreError(f"no skill version {ref!r} in the store at {self.url}")
        ids = [row.id for row, _name in matches]
        shown = ", ".join(ids[:10]) + (", ..." if len(ids) > 10 else "")
        raise StoreError(f"{ref!r} matches {len(matches)} skill versions: {shown}; give more of the id")

    def skill_versions(self, training: str | None = None) -> list[SkillVersionInfo]:
        """Every stored skill version, or only those the training called `training` made;
        oldest first, ties by id. Raises StoreError for an unknown training."""
        with self._sessions() as session:
            query = _skill_versions_query()
            if training is not None:
                training_id = self._training_row(session, training).id
                query = query.where(SkillVersionRow.training_id == training_id)
            rows = session.execute(query.order_by(SkillVersionRow.created_at, SkillVersionRow.id)).all()
            return [_skill_version_info(row, training_name) for row, training_name in rows]

    # ledger

    def append_ledger(self, training: str, seq: int, entry: dict[str, Any]) -> bool:
        """Add `entry` as number `seq` of the training's ledger.

        Returns True when it was added, False when the ledger holds a `seq` entry already
        (that first one stays), also when two processes race to add it: a resumed training
        that appends again writes no duplicate. Secret-looking strings are redacted. Raises
        StoreError when the training is unknown or `entry` is not JSON-serializable.
        """
        data = _json_ready(redact(entry, by_name=False), "a ledger entry")
        try:
            with self._sessions.begin() as session:
                training_id = self._training_row(session, training).id
                if self._ledger_entry_exists(session, training_id, seq):
                    return False
                session.add(LedgerEntryRow(training_id=training_id, seq=seq, entry=data))
        except IntegrityError:
            # Another process added this seq between our check and insert.
            with self._sessions() as session:
                training_id = self._training_row(session, training).id
                if self._ledger_entry_exists(session, training_id, seq):
                    return False
            raise
        return True

    def ledger(self, training: str) -> list[dict[str, Any]]:
        """The training's ledger entries, in `seq` order. Raises StoreError for an unknown training."""
        with self._sessions() as session:
            training_id = self._training_row(session, training).id
            return list(
                session.scalars(
                    select(LedgerEntryRow.entry)
                    .where(LedgerEntryRow.training_id == training_id)
                    .order_by(LedgerEntryRow.seq)
                )
            )

    # memory cards

    def add_memory_card(self, card: dict[str, Any]) -> None:
        """Record a new version of a memory card, and its creation as its first event.

        `card` is a `MemoryCard.model_dump(mode="json")`; it is stored under its key
        `id@version`, with secret-looking strings redacted. The event goes from no status to
        `card["status"]`, for `card["status_reason"]`. Raises StoreError when that key is
        stored already (also when two writers race to add it), or when `card` lacks an id,
        version, kind or status, or is not JSON-serializable.
        """
        key, columns = _memory_card_columns(card)
        data = _json_ready(redact(card, by_name=False), "a memory card")
        try:
            with self._sessions.begin() as session:
                if session.get(MemoryCardRow, key) is None:
                    session.add(MemoryCardRow(key=key, card=data, **columns))
                    session.add(_memory_event(columns, None, str(card.get("status_reason") or "created")))
                    return
        except IntegrityError:
            pass  # another writer added this key between our check and our insert
        raise StoreError(
            f"memory card {key!r} already exists; an edit of a card is a new version "
            "(`MemoryCard.edited`), a change of status or counters is `update_memory_card`"
        )

    def memory_card(self, card_id: str, version: int | None = None) -> dict[str, Any]:
        """Version `version` of the card `card_id`, or its latest version when None, as stored.

        Raises StoreError when the store has no card `card_id`, or not that version of it.
        """
        with self._sessions() as session:
            query = select(MemoryCardRow).where(MemoryCardRow.card_id == card_id)
            if version is not None:
                query = query.where(MemoryCardRow.version == version)
            row = session.scalars(query.order_by(MemoryCardRow.version.desc()).limit(1)).first()
            if row is not None:
                return row.card
            versions = session.scalars(
                select(MemoryCardRow.version)
                .where(MemoryCardRow.card_id == card_id)
                .order_by(MemoryCardRow.version)
            ).all()
        if not versions:
            raise StoreError(f"no memory card {card_id!r}; `fixloop memory list` shows the cards there are")
        raise StoreError(
            f"no version {version} of memory card {card_id!r} (it has {_version_span(list(versions))})"
        )

    def memory_cards(
        self, *, status: str | None = None, kind: str | None = None, all_versions: bool = False
    ) -> list[dict[str, Any]]:
        """Stored cards, ordered by card id then version.

        Of each card, the latest version whose status and kind match (when given): so while an
        edited version is a candidate, `status="promoted"` still finds the promoted version it
        edits. With `all_versions`, every matching version.
        """
        matching = []
        if status is not None:
            matching.append(MemoryCardRow.status == status)
        if kind is not None:
            matching.append(MemoryCardRow.kind == kind)
        query = select(MemoryCardRow).where(*matching)
        if not all_versions:
            latest = (
                select(MemoryCardRow.card_id, func.max(MemoryCardRow.version).label("version"))
                .where(*matching)
                .group_by(MemoryCardRow.card_id)
                .subquery()
            )
            query = query.join(
                latest,
                and_(MemoryCardRow.card_id == latest.c.card_id, MemoryCardRow.version == latest.c.version),
            )
        with self._sessions() as session:
            rows = session.scalars(query.order_by(MemoryCardRow.card_id, MemoryCardRow.version)).all()
            return [row.card for row in rows]

    def update_memory_card(self, card: dict[str, Any], *, reason: str | None = None) -> None:
        """Replace the stored version `card["id"]@card["version"]` with `card` (its status,
        counters, anything), secret-looking strings redacted.

        When its status differs from the stored one, an event records the change, for `reason`
        or else `card["status_reason"]`. The read, the comparison and the write are one
        transaction, so updates of one card from many threads apply one after another and each
        change of status is recorded once, from the status it really replaced.
        Raises StoreError when that version is not stored, or `card` lacks an id, version, kind
        or status, or is not JSON-serializable.
        """
        key, columns = _memory_card_columns(card)
        data = _json_ready(redact(card, by_name=False), "a memory card")
        with self._sessions.begin() as session:
            row = session.scalars(
                select(MemoryCardRow).where(MemoryCardRow.key == key).with_for_update()
            ).one_or_none()
            if row is None:
                raise StoreError(
                    f"no memory card {key!r} to update; add a new card or version with add_memory_card"
                )
            if row.status != columns["status"]:
                why = reason or str(card.get("status_reason") or "")
                session.add(_memory_event(columns, row.status, why))
            row.parent, row.kind, row.status = columns["parent"], columns["kind"], columns["status"]
            row.card, row.updated_at = data, utcnow()

    def memory_events(self, card_id: str) -> list[dict[str, Any]]:
        """Every status change of every version of the card `card_id`, oldest first, as JSON:
        card_id, version, from_status (None at creation), to_status, reason and created_at (an
        ISO 8601 string). Empty for a card the store does not hold."""
        with self._sessions() as session:
            rows = session.scalars(
                select(MemoryEventRow).where(MemoryEventRow.card_id == card_id).order_by(MemoryEventRow.id)
            ).all()
            return [MemoryEventInfo.model_validate(_columns(row)).model_dump(mode="json") for row in rows]

    # critic

    def add_ground_truth(
        self, run: RunRef, task_id: str, episode_index: int, points: Sequence[dict[str, Any]]
    ) -> int:
        """Record Φ* for steps of the run's episode (task_id, episode_index); returns how many
        were new.

        Each point has the fields of a `GroundTruthPoint` (step, phi_star, changed, passed,
        total, failing, outcome). Idempotent: a step recorded already keeps its first value,
        also when two writers race. Raises StoreError for an unknown run or a point that lacks
        a field.
        """
        try:
            rows = [GroundTruthInfo.model_validate(point) for point in points]
        except ValidationError as exc:
            fields = ", ".join(GroundTruthInfo.model_fields)
            raise StoreError(
                f"a ground-truth point has the fields {fields} (a GroundTruthPoint's JSON): "
                f"{exc.error_count()} wrong or missing"
            ) from None
        with self._sessions() as session:
            name = self._run_row(session, run).name
        added = 0
        for row in rows:
            try:
                with self._sessions.begin() as session:
                    if self._ground_truth_exists(session, name, task_id, episode_index, row.step):
                        continue
                    key = {"run": name, "task_id": task_id, "episode_index": episode_index}
                    session.add(GroundTruthRow(**key, **row.model_dump()))
            except IntegrityError:
                continue  # another writer recorded this step between our check and our insert
            added += 1  # counted once the insert committed: a racing writer's commit can fail it
        return added

    def ground_truth(self, run: RunRef, task_id: str, episode_index: int) -> list[dict[str, Any]]:
        """The recorded Φ* of the run's episode (task_id, episode_index), by step, as JSON (the
        fields of a `GroundTruthPoint`); empty when none is recorded. Raises StoreError for an
        unknown run."""
        with self._sessions() as session:
            name = self._run_row(session, run).name
            rows = session.scalars(
                select(GroundTruthRow)
                .where(
                    GroundTruthRow.run == name,
                    GroundTruthRow.task_id == task_id,
                    GroundTruthRow.episode_index == episode_index,
                )
                .order_by(GroundTruthRow.step)
            ).all()
            return [GroundTruthInfo.model_validate(_columns(row)).model_dump(mode="json") for row in rows]

    def add_critic_evaluation(
        self, run: RunRef, critic: str, simulated: bool, evaluation: dict[str, Any]
    ) -> None:
        """Record one evaluation of `critic` over the run (a `CriticEvaluation` as JSON).

        Raises StoreError for an unknown run or an evaluation that is not JSON-serializable.
        """
        data = _json_ready(redact(evaluation, by_name=False), "a critic evaluation")
        with self._sessions.begin() as session:
            name = self._run_row(session, run).name
            session.add(CriticEvaluationRow(run=name, critic=critic, simulated=simulated, evaluation=data))

    def critic_evaluations(self, run: RunRef) -> list[dict[str, Any]]:
        """The run's recorded critic evaluations, oldest first, as JSON: run, critic, simulated,
        evaluation and created_at (an ISO 8601 string). Raises StoreError for an unknown run."""
        with self._sessions() as session:
            name = self._run_row(session, run).name
            rows = session.scalars(
                select(CriticEvaluationRow)
                .where(CriticEvaluationRow.run == name)
                .order_by(CriticEvaluationRow.id)
            ).all()
            infos = [CriticEvaluationInfo.model_validate(_columns(row)) for row in rows]
            return [info.model_dump(mode="json") for info in infos]

    # helpers

    def _run_row(self, session: Session, ref: RunRef) -> RunRow:
        if isinstance(ref, RunInfo):
            ref = ref.id
        row: RunRow | None = None
        if isinstance(ref, str):
            row = session.scalars(select(RunRow).where(RunRow.name == ref)).one_or_none()
            if row is None and ref.isdigit():
                row = session.get(RunRow, int(ref))
        else:
            row = session.get(RunRow, ref)
        if row is not None:
            return row
        names = session.scalars(select(RunRow.name).order_by(RunRow.id.desc()).limit(11)).all()
        if not names:
            raise StoreError(
                f"no run {ref!r}: the store at {self.url} has no runs yet; check --db / FIXLOOP_DB"
            )
        known = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        raise StoreError(f"no run {ref!r}; the newest runs are: {known} (`fixloop runs list` shows all)")

    @staticmethod
    def _counts(session: Session, run_ids: list[int]) -> dict[int, tuple[int, int, int]]:
        if not run_ids:
            return {}
        rows = session.execute(
            select(
                EpisodeRow.run_id,
                func.count(EpisodeRow.id),
                func.sum(case((EpisodeRow.outcome == "resolved", 1), else_=0)),
                func.sum(case((EpisodeRow.outcome == "infra_error", 1), else_=0)),
            )
            .where(EpisodeRow.run_id.in_(run_ids))
            .group_by(EpisodeRow.run_id)
        )
        return {run_id: (int(n), int(resolved), int(infra)) for run_id, n, resolved, infra in rows}

    @staticmethod
    def _episode_id(session: Session, run_id: int, task_id: str, episode_index: int) -> int | None:
        return session.scalars(
            select(EpisodeRow.id).where(
                EpisodeRow.run_id == run_id,
                EpisodeRow.task_id == task_id,
                EpisodeRow.episode_index == episode_index,
            )
        ).one_or_none()

    def _training_row(self, session: Session, name: str) -> TrainingRow:
        row = session.scalars(select(TrainingRow).where(TrainingRow.name == name)).one_or_none()
        if row is not None:
            return row
        names = session.scalars(select(TrainingRow.name).order_by(TrainingRow.id.desc()).limit(11)).all()
        if not names:
            raise StoreError(
                f"no training named {name!r}: the store at {self.url} has no trainings yet; "
                "check --db / FIXLOOP_DB"
            )
        known = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        raise StoreError(f"no training named {name!r}; the newest trainings are: {known}")

    @staticmethod
    def _find_skill_version(session: Session, version: str) -> SkillVersionInfo | None:
        found = session.execute(_skill_versions_query().where(SkillVersionRow.id == version)).one_or_none()
        if found is None:
            return None
        row, training = found
        return _skill_version_info(row, training)

    @staticmethod
    def _ledger_entry_exists(session: Session, training_id: int, seq: int) -> bool:
        return (
            session.scalars(
                select(LedgerEntryRow.id).where(
                    LedgerEntryRow.training_id == training_id, LedgerEntryRow.seq == seq
                )
            ).one_or_none()
            is not None
        )

    @staticmethod
    def _ground_truth_exists(session: Session, run: str, task_id: str, episode_index: int, step: int) -> bool:
        return (
            session.scalars(
                select(GroundTruthRow.id).where(
                    GroundTruthRow.run == run,
                    GroundTruthRow.task_id == task_id,
                    GroundTruthRow.episode_index == episode_index,
                    GroundTruthRow.step == step,
                )
            ).one_or_none()
            is not None
        )

    def _context_row_exists(self, context_id: str) -> bool:
        with self._sessions() as session:
            return session.get(AgentContextRow, context_id) is not None


def _create_engine(url: str, shown: str) -> Engine:
    """The engine for `url`, with the store's SQLite settings and its errors as StoreErrors.

    `shown` is the URL as messages show it (password hidden).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True)
        _report_store_errors(engine, shown)
        return engine
    if parsed.database in (None, "", ":memory:"):
        # Each pooled connection would see its own empty database, and one shared connection
        # cannot serve several threads.
        raise StoreError(
            "an in-memory SQLite store cannot be shared by sessions and threads; "
            "give a file instead, e.g. sqlite:///path/to/fixloop.db (a temporary directory in tests)"
        )
    try:
        busy_timeout_s = float(parsed.query.get("timeout", SQLITE_BUSY_TIMEOUT_S))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise StoreError(f"the timeout in {shown} must be a number of seconds, e.g. ?timeout=5") from None
    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    _report_store_errors(engine, shown, busy_timeout_s=busy_timeout_s)

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by the "begin" hook below, not implicitly by the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that later writes can fail
        # with "database is locked" at once, without waiting for the busy timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _report_store_errors(
    engine: Engine, shown: str, *, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S
) -> None:
    """Make every driver error of `engine` that `database_error` knows a StoreError.

    `busy_timeout_s` is the SQLite busy timeout `engine` was given (a locked SQLite store says it).
    """

    @event.listens_for(engine, "handle_error")
    def _as_store_error(context: ExceptionContext) -> StoreError | None:
        return database_error(context.original_exception, f"at {shown}", busy_timeout_s)


def _lease_held(run_name: str, holder: LeaseInfo | None) -> StoreError:
    """Why a run cannot be executed now: `holder` (None: a process that took it just now) has it."""
    if holder is None:
        return StoreError(
            f"run {run_name!r} was just taken by another process that is executing it; "
            "wait for that process to finish or stop it, then resume"
        )
    return StoreError(
        f"run {run_name!r} is being executed by process {holder.pid} on {holder.host}; wait for it to "
        "finish or stop it, then resume. If that process is gone, its lease expires at "
        f"{holder.expires_at:%Y-%m-%d %H:%M:%S} UTC and a resume may take the run over then"
    )


def _still_held(lease: LeaseInfo) -> ColumnElement[bool]:
    """Selects `lease`'s row while no other process has taken the lease (its token is unchanged)."""
    return and_(RunLeaseRow.run_id == lease.run_id, RunLeaseRow.token == lease.token)


def _replaced(session: Session, held: LeaseInfo, lease: LeaseInfo) -> bool:
    """Swap the stale lease `held` for `lease`; False when another process swapped it first."""
    swapped = session.connection().execute(
        update(RunLeaseRow).where(_still_held(held)).values(**lease.model_dump(exclude={"run_id"}))
    )
    return bool(swapped.rowcount)


def _migrate(engine: Engine) -> None:
    """Bring the database's schema to the newest migration."""
    from alembic import command  # imported here: only opening a store needs it
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _run_info(row: RunRow, counts: tuple[int, int, int] | None = None) -> RunInfo:
    finished, resolved, infra_errors = counts or (0, 0, 0)
    return RunInfo.model_validate(
        {**_columns(row), "finished": finished, "resolved": resolved, "infra_errors": infra_errors}
    )


def _skill_versions_query() -> Select[SkillVersionRow, str]:
    """Skill version rows with the name of the training that made each (None when imported)."""
    return select(SkillVersionRow, TrainingRow.name).outerjoin(
        TrainingRow, SkillVersionRow.training_id == TrainingRow.id
    )


def _skill_version_info(row: SkillVersionRow, training: str | None) -> SkillVersionInfo:
    columns = _columns(row)
    del columns["training_id"]
    return SkillVersionInfo.model_validate({**columns, "training": training})


def _json_ready(data: Any, what: str) -> Any:
    """`data`, once it is known to be storable as JSON. Raises StoreError naming `what` otherwise."""
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{what} must be JSON-serializable: {exc}") from None
    return data


def _memory_card_columns(card: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A memory card's key and the columns copied out of it. Raises StoreError when it lacks one."""
    missing = [name for name in ("id", "version", "kind", "status") if card.get(name) in (None, "")]
    if missing:
        raise StoreError(
            f"a memory card needs {', '.join(missing)}; store a MemoryCard's model_dump(mode='json')"
        )
    if len(str(card["id"])) > MEMORY_CARD_ID_MAX:
        raise StoreError(f"a memory card's id has at most {MEMORY_CARD_ID_MAX} characters: {card['id']!r}")
    columns = {
        "card_id": str(card["id"]),
        "version": int(card["version"]),
        "parent": card.get("parent"),
        "kind": str(card["kind"]),
        "status": str(card["status"]),
    }
    return f"{columns['card_id']}@{columns['version']}", columns


def _memory_event(columns: dict[str, Any], from_status: str | None, reason: str) -> MemoryEventRow:
    return MemoryEventRow(
        card_id=columns["card_id"],
        version=columns["version"],
        from_status=from_status,
        to_status=columns["status"],
        reason=reason,
    )


def _version_span(versions: list[int]) -> str:
    """Stored versions as a person reads them: "1-3" when there is no gap, else "1, 3"."""
    if len(versions) > 1 and versions == list(range(versions[0], versions[-1] + 1)):
        return f"{versions[0]}-{versions[-1]}"
    return ", ".join(map(str, versions))


def _columns(row: Base) -> dict[str, Any]:
    """A row's column values by attribute name."""
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def _repeated(pairs: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    seen: set[tuple[Any, ...]] = set()
    repeated = []
    for pair in pairs:
        if pair in seen:
            repeated.append(pair)
        seen.add(pair)
    return repeated
