"""A re-run of an LLM run against a real HTTP endpoint is answered entirely from the cache,
even when its prompts carry failing tests' output and a syntax error's traceback: the same
replies give the same observations, so the same requests."""

from __future__ import annotations

import json

from fixloop.rollout.run_session import RunSettings, execute_run, select_tasks, start_run
from fixloop.store import Store
from tests.calc_task import CALC_BUGGY, CALC_TESTS, write_task_dir
from tests.fake_openai_server import FakeOpenAIServer, Reply

REGISTRY_TEST = """from calc import add


def test_add_is_registered():
    registry = [object()]
    assert add in registry
"""
"""A failure whose message shows object addresses."""


def _replace(line: int, code: str) -> dict[str, object]:
    return {
        "action_type": "replace_lines",
        "path": "calc.py",
        "start_line": line,
        "end_line": line,
        "new_code": code,
    }


RUN = {"action_type": "run_tests"}
BREAK = _replace(1, "def add(:")
UNDO = {"action_type": "undo_edit"}
FIX = _replace(3, "return a + b")
SUBMIT = {"action_type": "submit"}
SCRIPT = [Reply.json(action) for action in (RUN, BREAK, RUN, UNDO, RUN, FIX, RUN, SUBMIT)]


def _llm_run(store: Store, name: str, settings: RunSettings) -> None:
    tasks = select_tasks(settings)
    execute_run(store, start_run(store, name, settings, tasks), settings, tasks)


def test_a_rerun_with_tracebacks_in_its_prompts_reaches_the_server_zero_times(tmp_path, private_store):
    files = {"calc.py": CALC_BUGGY, "tests/test_calc.py": CALC_TESTS, "tests/test_registry.py": REGISTRY_TEST}
    tasks = write_task_dir(tmp_path / "tasks", files=files)
    with FakeOpenAIServer(SCRIPT) as server, Store.open(private_store) as store:
        settings = RunSettings(
            agent="llm", model="openai:fake-model", base_url=server.base_url, path=str(tasks), concurrency=1
        )
        _llm_run(store, "first", settings)
        first_requests = len(server.requests)
        _llm_run(store, "again", settings)
        [first], [again] = store.trajectories("first"), store.trajectories("again")
        calls = store.model_calls("again")
    assert first_requests == len(SCRIPT)
    assert len(server.requests) == first_requests
    prompts = json.dumps([request.messages for request in server.requests])
    assert "SyntaxError" in prompts and "object at 0x?" in prompts
    assert [call.cached for call in calls] == [True] * len(SCRIPT)
    assert (first.outcome, again.outcome) == ("resolved", "resolved")
