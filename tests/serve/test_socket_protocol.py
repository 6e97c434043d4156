"""`/ws`: the reference frames, request ids, bad frames, re-attach, and what is recorded."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed

from fixloop.agents.oracle import plan_fix
from fixloop.store import Store
from fixloop.tasks.loader import load_suite
from tests.served import FAST_TASK, OTHER_TASK, ask, drop, running_server, wait_for


def _oracle(task_id: str) -> list[dict]:
    task = next(t for t in load_suite("builtin") if t.id == task_id)
    return [action.model_dump(mode="json", exclude_none=True) for action in plan_fix(task)]


def test_an_oracle_episode_speaks_the_reference_frames_and_is_recorded(served):
    with served.socket() as ws:
        reset = ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
        assert reset["type"] == "observation"
        assert set(reset["data"]) == {"observation", "reward", "done", "metadata"}
        assert reset["data"]["observation"]["task_id"] == FAST_TASK
        assert "reward" not in reset["data"]["observation"] and reset["data"]["done"] is False
        for action in _oracle(FAST_TASK):
            reply = ask(ws, {"type": "step", "data": action})
            assert reply["type"] == "observation"
        assert reply["data"]["done"] is True
        assert reply["data"]["metadata"]["grade"]["outcome"] == "resolved"
        state = ask(ws, {"type": "state"})
        assert state["type"] == "state"
        assert state["data"]["task_id"] == FAST_TASK and state["data"]["done"] is True
        assert state["data"]["step_count"] == len(_oracle(FAST_TASK))
        ws.send(json.dumps({"type": "close"}))
    with Store.open(served.db_url) as store:
        [trajectory] = store.trajectories(served.pool.served_run.name)
    assert trajectory.agent == "remote" and trajectory.outcome == "resolved"
    assert len(trajectory.steps) == len(_oracle(FAST_TASK))


def test_a_reply_echoes_the_frames_id_and_frames_without_one_get_none(served):
    with served.socket() as ws:
        assert ask(ws, {"type": "state", "id": "q-7"})["id"] == "q-7"
        assert ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}, "id": 8})["id"] == 8
        assert "id" not in ask(ws, {"type": "state"})
        assert ask(ws, {"type": "nonsense", "id": "e"})["id"] == "e"


def test_reset_picks_by_split_and_index_or_by_seed(served):
    catalog = served.pool.catalog
    with served.socket() as ws:
        by_index = ask(ws, {"type": "reset", "data": {"split": "test", "index": 2}})
        assert by_index["data"]["observation"]["task_id"] == catalog.tasks("test")[2].id
        first = ask(ws, {"type": "reset", "data": {"seed": 11}})["data"]["observation"]["task_id"]
        again = ask(ws, {"type": "reset", "data": {"seed": 11}})["data"]["observation"]["task_id"]
        assert first == again == catalog.select(seed=11).id


def _code(ws, frame) -> str:
    return ask(ws, frame)["data"]["code"]


def test_bad_frames_get_error_codes_and_the_session_goes_on(served):
    with served.socket() as ws:
        assert _code(ws, "{not json") == "INVALID_JSON"
        ws.send(b"\xff\xfe")
        assert json.loads(ws.recv(timeout=30))["data"]["code"] == "INVALID_JSON"
        assert _code(ws, "[1, 2]") == "VALIDATION_ERROR"
        assert _code(ws, {"type": "dance"}) == "UNKNOWN_TYPE"
        assert _code(ws, {"type": "step", "data": {"action_type": "submit"}}) == "EXECUTION_ERROR"
        assert _code(ws, {"type": "reset", "data": {"task_id": "no-such-task"}}) == "VALIDATION_ERROR"
        assert _code(ws, {"type": "reset", "data": {"index": -1}}) == "VALIDATION_ERROR"
        assert ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})["type"] == "observation"
        bad = ask(ws, {"type": "step", "data": {"action_type": "teleport"}})
        assert bad["data"]["code"] == "VALIDATION_ERROR" and "teleport" in bad["data"]["message"]
        assert _code(ws, {"type": "step", "data": {"action_type": "read_file"}}) == "VALIDATION_ERROR"
        mcp = ask(ws, {"type": "mcp", "data": {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}})
        assert mcp["type"] == "mcp" and mcp["data"]["error"]["code"] == -32601
        step = ask(ws, {"type": "step", "data": {"action_type": "view_code"}})
        assert step["type"] == "observation" and step["data"]["observation"]["step_count"] == 1


def test_an_oversized_frame_closes_that_socket_only(tmp_path):

    with running_server(tmp_path, max_frame_bytes=64 * 1024) as served:
        with served.socket() as ws:
            huge = {"action_type": "write_file", "path": "a.py", "content": "x" * 100_000}
            ws.send(json.dumps({"type": "step", "data": huge}))
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
        assert served.get("/health") == (200, {"status": "healthy"})
        assert wait_for(lambda: served.pool.active == 0)


def test_a_dropped_socket_re_attaches_to_its_episode(served):
    with served.socket() as ws:
        reset = ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
        session_id = reset["data"]["metadata"]["session_id"]
        actions = _oracle(FAST_TASK)
        ask(ws, {"type": "step", "data": actions[0]})
        drop(ws)
    assert wait_for(lambda: not served.pool.get(session_id).attached)
    with served.socket(f"?session_id={session_id}") as ws:
        state = ask(ws, {"type": "state"})
        assert state["data"]["task_id"] == FAST_TASK and state["data"]["step_count"] == 1
        for action in actions[1:]:
            reply = ask(ws, {"type": "step", "data": action})
        assert reply["data"]["metadata"]["grade"]["outcome"] == "resolved"


def test_re_attaching_to_an_unknown_or_attached_session_is_a_session_error(served):
    with served.socket("?session_id=nope") as ws:
        assert json.loads(ws.recv(timeout=10))["data"]["code"] == "SESSION_ERROR"
    with served.socket() as ws:
        reset = ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
        session_id = reset["data"]["metadata"]["session_id"]
        with served.socket(f"?session_id={session_id}") as second:
            assert json.loads(second.recv(timeout=10))["data"]["code"] == "SESSION_ERROR"
        assert ask(ws, {"type": "state"})["data"]["task_id"] == FAST_TASK


def test_resetting_to_another_task_records_the_first_episode_as_abandoned(served):
    with served.socket() as ws:
        ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
        ask(ws, {"type": "step", "data": {"action_type": "view_code"}})
        ask(ws, {"type": "reset", "data": {"task_id": OTHER_TASK}})
        ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})  # no step taken: nothing to record
    assert wait_for(lambda: served.pool.recorded == 1)
    with Store.open(served.db_url) as store:
        [trajectory] = store.trajectories(served.pool.served_run.name)
    assert trajectory.task_id == FAST_TASK and trajectory.outcome == "abandoned"
    assert "reset to another task" in trajectory.error


def test_with_invalid_actions_as_steps_a_bad_action_is_a_penalized_recorded_step(tmp_path):

    with running_server(tmp_path, invalid_actions="step") as served:
        with served.socket() as ws:
            ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
            reply = ask(ws, {"type": "step", "data": {"action_type": "teleport"}})
            assert reply["type"] == "observation" and reply["data"]["reward"] < 0
            assert "teleport" in reply["data"]["observation"]["last_action_error"]
            assert reply["data"]["observation"]["step_count"] == 1
            ask(ws, {"type": "step", "data": {"action_type": "submit"}})
        assert wait_for(lambda: served.pool.recorded == 1)
        with Store.open(served.db_url) as store:
            [trajectory] = store.trajectories(served.pool.served_run.name)
        assert trajectory.steps[0].action is None and trajectory.steps[0].error.startswith("PARSE_ERROR")
