"""HTTP: the reference endpoints, episodes kept by session_id, and the task API."""

from __future__ import annotations

import http.client

from tests.served import FAST_TASK, OTHER_TASK


def test_health_metadata_and_schema_answer_as_the_reference(served):
    assert served.get("/health") == (200, {"status": "healthy"})
    status, metadata = served.get("/metadata")
    assert status == 200 and metadata["name"] == "fixloop" and metadata["description"]
    status, schema = served.get("/schema")
    assert set(schema) == {"action", "observation", "state"}
    assert {"view_code", "submit"} <= set(schema["action"]["discriminator"]["mapping"])
    assert "reward" not in schema["observation"]["properties"]
    assert {"episode_id", "step_count"} <= set(schema["state"]["properties"])


def test_an_http_episode_continues_through_the_session_id_reset_returned(served):
    status, reset = served.post("/reset", {"task_id": FAST_TASK})
    assert status == 200 and reset["done"] is False
    session_id = reset["metadata"]["session_id"]
    status, step = served.post(
        "/step", {"action": {"action_type": "view_code"}, "session_id": session_id, "request_id": "r1"}
    )
    assert status == 200 and step["observation"]["step_count"] == 1
    assert step["metadata"]["request_id"] == "r1"
    status, state = served.get(f"/state?session_id={session_id}")
    assert state["task_id"] == FAST_TASK and state["step_count"] == 1
    status, again = served.post("/reset", {"task_id": OTHER_TASK, "session_id": session_id})
    assert again["metadata"]["session_id"] == session_id and again["observation"]["task_id"] == OTHER_TASK


def test_http_without_a_session_behaves_as_the_reference_and_says_what_to_pass(served):
    status, reset = served.post("/reset", {})
    assert status == 200 and reset["observation"]["task_id"]
    status, refused = served.post("/step", {"action": {"action_type": "view_code"}})
    assert status == 400 and "session_id" in refused["detail"]
    assert served.get("/state")[1]["task_id"] is None


def test_http_errors_are_clear_statuses(served):
    session_id = served.post("/reset", {"task_id": FAST_TASK})[1]["metadata"]["session_id"]
    status, bad = served.post("/step", {"action": {"action_type": "teleport"}, "session_id": session_id})
    assert status == 422 and "teleport" in bad["detail"]
    assert served.post("/step", {"action": {"action_type": "view_code"}, "session_id": "nope"})[0] == 404
    assert served.post("/reset", {"task_id": "no-such-task"})[0] == 422
    assert served.post("/reset", b"{broken")[0] == 422
    assert served.post("/step", b"[]")[0] == 422
    assert served.pool.active == 1


def test_a_body_over_the_frame_limit_is_refused_before_it_is_read(served):
    host, port = served.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/reset")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(5 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and b"larger than" in response.read()
    connection.close()


def test_mcp_answers_with_a_json_rpc_error(served):
    status, reply = served.post("/mcp", {"jsonrpc": "2.0", "id": 4, "method": "tools/list"})
    assert status == 200 and reply["id"] == 4 and reply["error"]["code"] == -32601
    assert served.post("/mcp", b"not json")[1]["error"]["code"] == -32601


def test_the_task_api_lists_splits_and_public_task_facts(served):
    catalog = served.pool.catalog
    assert served.get("/list_environments") == (200, ["fixloop"])
    _, splits = served.get("/fixloop/splits")
    assert [s["name"] for s in splits] == ["train", "selection", "test", "all"]
    assert {s["name"]: s["type"] for s in splits}["selection"] == "validation"
    _, listed = served.post("/fixloop/tasks", {"split": "test"})
    assert [t["task_id"] for t in listed["tasks"]] == [t.id for t in catalog.tasks("test")]
    assert not {"files", "reference_fix", "fail_to_pass"} & set(listed["tasks"][0])
    assert served.post("/fixloop/num_tasks", {"split": "all"})[1] == {"num_tasks": 42}
    assert (
        served.post("/fixloop/task", {"split": "test", "index": 1})[1]["task"]["task_id"]
        == catalog.tasks("test")[1].id
    )
    _, window = served.post("/fixloop/task_range", {"split": "train", "start": 2, "stop": 5})
    assert [t["task_id"] for t in window["tasks"]] == [t.id for t in catalog.tasks("train")[2:5]]
    assert served.post("/fixloop/task", {"split": "test", "index": 99})[0] == 400
    assert served.post("/fixloop/tasks", {"split": "nope"})[0] == 400
    assert served.get("/other/splits")[0] == 404


def test_the_catalog_counts_each_offered_task_once(served):
    counted = served.post("/fixloop/num_tasks", {"split": "all"})[1]["num_tasks"]
    assert len(served.pool.catalog) == counted == 42
