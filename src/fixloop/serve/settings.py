"""`ServeSettings`: how `fixloop serve` runs. `fixloop serve`'s flags map onto these fields."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MIB = 1024 * 1024


class ServeSettings(BaseModel):
    """Every field has a documented default; the CLI sets them from flags."""

    model_config = ConfigDict(extra="forbid")

    suite: str | None = Field(default=None, description="A named suite to serve (builtin by default).")
    path: Path | None = Field(default=None, description="A task directory or JSONL file to serve instead.")
    split: str | None = Field(default=None, description="Serve this split only: train, selection, test, all.")
    host: str = Field(default="127.0.0.1", description="Interface to listen on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port to listen on.")
    max_sessions: int = Field(default=32, ge=1, le=4096, description="Concurrent sessions at most.")
    session_timeout: float = Field(
        default=300.0,
        gt=0,
        description="Seconds a session may be idle (or detached from its socket) before the reaper "
        "ends it; a dropped socket may re-attach within this time.",
    )
    ping_interval: float = Field(default=20.0, gt=0, description="Seconds between keepalive pings on /ws.")
    ping_timeout: float = Field(
        default=20.0, gt=0, description="Seconds a ping may go unanswered before the socket counts as dead."
    )
    max_frame_bytes: int = Field(
        default=4 * MIB, ge=64 * 1024, description="Largest /ws frame or HTTP body accepted."
    )
    sandbox: Literal["auto", "bwrap", "process"] = Field(default="auto", description="The sandbox kind.")
    reward: Literal["potential", "tracefix", "navrepair"] = Field(
        default="potential", description="The reward scheme of every served episode."
    )
    invalid_actions: Literal["error", "step"] = Field(
        default="error",
        description="A step that is no action: `error` answers VALIDATION_ERROR and takes no step (the "
        "reference's way); `step` makes it a penalized step whose observation shows the parse error.",
    )
    db: str | None = Field(default=None, description="Store URL (FIXLOOP_DB, else .fixloop/fixloop.db).")
    run_name: str | None = Field(
        default=None,
        description="The store run served episodes join (default serve-<time>; reused if it exists).",
    )
