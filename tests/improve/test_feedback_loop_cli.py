"""`fixloop feedback-loop` against a real HTTP server speaking the OpenAI API."""

import json

from typer.testing import CliRunner

from fixloop.cli import app
from tests.fake_openai_server import ChatRequest, FakeOpenAIServer, Reply

runner = CliRunner()

TASK = {"id": "capital", "input": "What is the capital of France?", "expected": "Paris",
        "strategy": "qa", "metrics": ["exact", "contains"]}  # fmt: skip


def learner(request: ChatRequest) -> Reply:
    """Answers wrongly until the prompt carries feedback, then correctly."""
    prompt = " ".join(str(m["content"]) for m in request.messages)
    return Reply(text="Paris" if "feedback" in prompt.lower() else "Lyon, I believe")


def test_the_loop_feeds_weak_metrics_back_until_the_answer_passes(tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps(TASK) + "\n", encoding="utf-8")
    with FakeOpenAIServer(learner) as server:
        result = runner.invoke(
            app,
            ["feedback-loop", str(tasks), "--model", "openai:fake", "--base-url", server.base_url, "--json"],
        )
    assert result.exit_code == 0, result.output
    [loop] = json.loads(result.stdout)
    assert loop["converged"] and loop["stop_reason"] == "converged"
    assert [a["output"] for a in loop["attempts"]] == ["Lyon, I believe", "Paris"]
    assert loop["best_score"] == 1.0


def test_a_broken_task_file_is_a_clear_error_naming_the_line(tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps(TASK) + "\n{not json\n", encoding="utf-8")
    result = runner.invoke(
        app, ["feedback-loop", str(tasks), "--model", "openai:fake", "--base-url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert "line 2" in result.output
