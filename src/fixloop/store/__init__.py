"""Persistence: runs, trajectories, agent contexts, model calls and the model cache.

`Store.open()` gives the store (SQLite at `.fixloop/fixloop.db` by default, any SQLAlchemy
URL via `FIXLOOP_DB` or the argument); `fixloop.store.redaction` keeps secrets out of it.
"""

from fixloop.store.records import AgentContextInfo, EpisodeInfo, ModelCallInfo, RunInfo
from fixloop.store.store import DB_ENV_VAR, RunRef, Store, StoreError

__all__ = [
    "DB_ENV_VAR",
    "AgentContextInfo",
    "EpisodeInfo",
    "ModelCallInfo",
    "RunInfo",
    "RunRef",
    "Store",
    "StoreError",
]
