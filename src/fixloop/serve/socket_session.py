"""The `/ws` endpoint: one socket, one session, frames answered in order.

The frames are the reference's (see `fixloop.serve.wire`), with these additions:

- a frame may carry an `"id"` (a string or a number); its reply carries the same `"id"`,
  so a client can tell a late reply from the one it waits for. Frames without one get
  replies without one, exactly as from the reference server;
- `?session_id=` re-attaches a socket to the session it dropped (the reset's
  `metadata.session_id` names it) while the reaper has not ended it;
- a bad frame (not JSON, not an object, an unknown type, invalid data, an invalid action)
  gets an error frame and the session stays open; `close` ends the session, recording its
  episode; a socket that drops without `close` leaves its session to re-attach or reap;
  a socket opened at capacity gets `CAPACITY_REACHED` and is closed.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from fixloop.sandbox.base import SandboxError
from fixloop.serve.catalog import TaskSelectionError
from fixloop.serve.session import ActionRejected, NoEpisode, Session
from fixloop.serve.session_pool import CapacityReached, SessionPool, UnknownSession
from fixloop.serve.wire import ResetParams, WSErrorCode, error_frame, mcp_error

logger = logging.getLogger(__name__)

MAX_FRAME_ID_CHARS = 200

CLOSE_GOING_AWAY = 1001
CLOSE_TRY_AGAIN_LATER = 1013


class _Close(Exception):
    """The client sent `close`."""


async def serve_socket(websocket: WebSocket, pool: SessionPool) -> None:
    """Run one `/ws` connection until it closes; never raises for what the client does."""
    await websocket.accept()
    requested = websocket.query_params.get("session_id")
    try:
        session = pool.attach(requested) if requested else await pool.open("ws")
    except CapacityReached as exc:
        frame = error_frame(
            str(exc), WSErrorCode.CAPACITY_REACHED, active_sessions=exc.active, max_sessions=exc.limit
        )
        await _send_and_close(websocket, frame, CLOSE_TRY_AGAIN_LATER)
        return
    except UnknownSession as exc:
        await _send_and_close(websocket, error_frame(str(exc), WSErrorCode.SESSION_ERROR), CLOSE_GOING_AWAY)
        return

    async def kick() -> None:
        await websocket.close(code=CLOSE_GOING_AWAY)

    session.kick = kick
    closed_by_client = False
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            reply = await _answer(message, session, pool)
            await websocket.send_text(json.dumps(reply))
    except _Close:
        closed_by_client = True
    except WebSocketDisconnect:
        pass
    except Exception:  # a fixloop bug: logged; the session stays for a re-attach or the reaper
        logger.exception("fixloop bug: the /ws loop of session %s failed", session.id)
    finally:
        if closed_by_client or not session.in_episode:
            await pool.close(session, "the client closed the session before the episode ended")
        else:
            pool.detach(session)
        with contextlib.suppress(Exception):  # already closed by the client or the reaper
            await websocket.close()


async def _answer(message: Mapping[str, Any], session: Session, pool: SessionPool) -> dict[str, Any]:
    """The reply to one frame. Raises _Close for a `close` frame."""
    raw = message.get("text")
    if raw is None:
        try:
            raw = (message.get("bytes") or b"").decode("utf-8")
        except UnicodeDecodeError:
            return error_frame("a frame must be UTF-8 JSON text", WSErrorCode.INVALID_JSON)
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return error_frame(f"Invalid JSON: {exc}", WSErrorCode.INVALID_JSON)
    if not isinstance(frame, dict):
        return error_frame("a frame must be a JSON object with a `type`", WSErrorCode.VALIDATION_ERROR)
    frame_id = frame.get("id")
    if frame_id is not None and not _valid_id(frame_id):
        return error_frame(
            f"`id` must be a string of at most {MAX_FRAME_ID_CHARS} characters or a number",
            WSErrorCode.VALIDATION_ERROR,
        )
    reply = await _dispatch(frame, session, pool)
    if frame_id is not None:
        reply["id"] = frame_id
    return reply


async def _dispatch(frame: dict[str, Any], session: Session, pool: SessionPool) -> dict[str, Any]:
    kind = frame.get("type")
    data = frame.get("data", {})
    if kind == "close":
        raise _Close
    try:
        match kind:
            case "reset":
                if not isinstance(data, dict):
                    return error_frame("`data` of a reset must be an object", WSErrorCode.VALIDATION_ERROR)
                params = ResetParams.model_validate(data)
                return {"type": "observation", "data": await pool.reset(session, params)}
            case "step":
                if "data" not in frame:
                    return error_frame("a step needs `data`: the action", WSErrorCode.VALIDATION_ERROR)
                return {"type": "observation", "data": await pool.step(session, data)}
            case "state":
                return {"type": "state", "data": await pool.state(session)}
            case "mcp":
                request_id = data.get("id") if isinstance(data, dict) else None
                return {"type": "mcp", "data": mcp_error(request_id)}
            case _:
                return error_frame(f"Unknown message type: {str(kind)[:80]}", WSErrorCode.UNKNOWN_TYPE)
    except ValidationError as exc:
        return error_frame(
            "Invalid message",
            WSErrorCode.VALIDATION_ERROR,
            errors=exc.errors(include_url=False, include_input=False),
        )
    except (ActionRejected, TaskSelectionError) as exc:
        return error_frame(str(exc), WSErrorCode.VALIDATION_ERROR)
    except SandboxError as exc:
        return error_frame(f"the sandbox could not start: {exc}", WSErrorCode.FACTORY_ERROR)
    except NoEpisode as exc:
        return error_frame(str(exc), WSErrorCode.EXECUTION_ERROR)
    except Exception as exc:  # a fixloop bug: logged, answered, and the session goes on
        logger.exception("fixloop bug: a %s frame of session %s failed", kind, session.id)
        return error_frame(f"fixloop bug: {type(exc).__name__}: {exc}", WSErrorCode.EXECUTION_ERROR)


def _valid_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return len(value) <= MAX_FRAME_ID_CHARS
    return isinstance(value, int | float)


async def _send_and_close(websocket: WebSocket, frame: dict[str, Any], code: int) -> None:
    try:
        await websocket.send_text(json.dumps(frame))
        await websocket.close(code=code)
    except Exception:
        pass  # the client is already gone
