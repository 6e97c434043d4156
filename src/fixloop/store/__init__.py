"""Persistence: runs, trajectories, agent contexts, model calls, the model cache, skill
training (trainings with their checkpoints, skill versions, each training's ledger) and memory
cards (every version of every card, with the history of its statuses).

`Store.open()` gives the store (SQLite at `.fixloop/fixloop.db` by default, any SQLAlchemy
URL via `FIXLOOP_DB` or the argument); `fixloop.store.redaction` keeps secrets out of it;
`fixloop.store.leases` lets one process at a time execute a run.
"""

from fixloop.store.errors import StoreError
from fixloop.store.records import (
    AgentContextInfo,
    EpisodeInfo,
    LeaseInfo,
    MemoryEventInfo,
    ModelCallInfo,
    RunInfo,
    SkillVersionInfo,
    TrainingInfo,
)
from fixloop.store.store import DB_ENV_VAR, RunRef, Store

__all__ = [
    "DB_ENV_VAR",
    "AgentContextInfo",
    "EpisodeInfo",
    "LeaseInfo",
    "MemoryEventInfo",
    "ModelCallInfo",
    "RunInfo",
    "RunRef",
    "SkillVersionInfo",
    "Store",
    "StoreError",
    "TrainingInfo",
]
