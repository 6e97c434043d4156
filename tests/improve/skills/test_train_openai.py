"""`fixloop train` against an OpenAI-compatible endpoint (the local fake server), agent and
reflector alike: real HTTP, real client, the LLM reflector's replies in the ledger."""

from __future__ import annotations

import json
from collections import defaultdict

from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.store import Store
from tests.fake_openai_server import ChatRequest, FakeOpenAIServer, Reply
from tests.improve.skills.training_fixtures import FAST_TASKS

runner = CliRunner()

RULE = "Run the tests after every edit."


def test_a_training_drives_an_openai_compatible_agent_and_reflector(private_store):
    reflections: list[ChatRequest] = []

    def answer(request: ChatRequest) -> Reply:
        if request.model != "fake-reflector":
            return Reply.json({"action_type": "submit"})
        reflections.append(request)
        if len(reflections) == 1:
            return Reply.json({"edits": [{"op": "add", "section": "Testing", "text": RULE, "episodes": [1]}]})
        return Reply.garbage()

    tasks = [option for task in FAST_TASKS[:10] for option in ("--task", task)]
    with FakeOpenAIServer(answer) as server:
        command = [
            "train", "--model", "openai:fake-agent", "--base-url", server.base_url, "--api-key", "sk-test",
            *tasks, "--split-fractions", "0.4,0.3,0.3", "--epochs", "1", "--batch-size", "2",
            "--no-slow-update", "--test-repeats", "1", "--temperature", "0.7",
            "--reflector", "llm", "--reflector-model", "openai:fake-reflector", "--name", "real", "--json",
        ]  # fmt: skip
        result = runner.invoke(app, command)
        requests = list(server.requests)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["simulated"] is False and data["status"] == "finished"

    with Store.open(private_store) as store:
        first, second = store.ledger("real")
    assert [edit["text"] for edit in first["edits"]] == [RULE]
    assert first["proposals"][0]["support"][0]["run"] == "real:s0-batch"
    assert first["verdict"]["reason"] == "rejected: no difference on any task"
    assert second["edits"] == [] and "not a JSON object" in second["reflection_errors"][0]
    assert all(r.format_type == "json_schema" and r.temperature == 0.0 for r in reflections)

    seeds_by_prompt: dict[str, list[int | None]] = defaultdict(list)
    for request in requests:
        if request.model == "fake-agent":
            seeds_by_prompt[json.dumps(request.messages)].append(request.seed)
    assert all(seed is not None for seeds in seeds_by_prompt.values() for seed in seeds)
    repeated = [seeds for seeds in seeds_by_prompt.values() if len(seeds) > 1]
    assert repeated, "the gate asked the same prompt more than once (repeats, both sides)"
    assert all(len(set(seeds)) == len(seeds) for seeds in repeated), "every rollout samples with its own seed"
    assert "sk-test" not in json.dumps(data)
