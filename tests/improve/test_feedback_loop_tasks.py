"""Feedback-task JSONL files: what loads, what is refused (naming file and line), and running a file."""

from __future__ import annotations

import json

import pytest

from fixloop.improve.feedback_loop import FeedbackLoopConfig
from fixloop.improve.feedback_tasks import load_feedback_tasks, run_feedback_file
from fixloop.models.scripted import ScriptedModel
from fixloop.scoring.errors import ScorerConfigError
from fixloop.tasks.records import TaskLoadError

CAPITAL = {"id": "capital", "input": "Capital of France?", "expected": "Paris", "strategy": "qa"}
GREETING = {
    "id": "greet",
    "input": "Say hello in French.",
    "expected": "Bonjour",
    "strategy": "translation",
    "metrics": ["exact", "contains"],
    "weights": {"exact": 2},
}
FAST = FeedbackLoopConfig(backoff_base_s=0.0)


def write(tmp_path, *lines: object) -> str:
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return str(path)


def verdict(score: float) -> ScriptedModel:
    return ScriptedModel(lambda messages: json.dumps({"score": score, "reasoning": "checked"}))


def test_a_file_loads_in_order_with_blank_lines_ignored(tmp_path):
    tasks = load_feedback_tasks(write(tmp_path, CAPITAL, "", GREETING))
    assert [task.id for task in tasks] == ["capital", "greet"]
    spec = tasks[1].scoring_spec()
    assert (spec.name, spec.metrics, spec.weight("exact")) == ("translation", ("exact", "contains"), 2.0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"tasks.jsonl line 2: invalid JSON"),
        ("[1, 2]", r"tasks.jsonl line 2: expected a JSON object"),
        ({"id": "x", "input": "q", "strategy": "qa"}, r"line 2 \(task 'x'\): expected: Field required"),
        ({**CAPITAL, "id": "x", "expected": "  "}, r"line 2 \(task 'x'\): expected: must not be blank"),
        (
            {**CAPITAL, "id": "x", "strategy": "poetry"},
            r"line 2 \(task 'x'\): unknown scoring preset 'poetry'",
        ),
        (
            {**CAPITAL, "id": "x", "metrics": ["rouge"]},
            r"line 2 \(task 'x'\): .*metrics: unknown metric 'rouge'; known metrics: exact",
        ),
        (
            {**CAPITAL, "id": "x", "weights": {"bleu": 1}},
            r"line 2 \(task 'x'\): .*weights: \['bleu'\] not among",
        ),
        (
            {**CAPITAL, "id": "x", "answer": "Paris"},
            r"line 2 \(task 'x'\): answer: Extra inputs are not permitted",
        ),
        ({**CAPITAL, "input": "again"}, r"duplicate task id 'capital' in .*line 1 and .*line 2"),
    ],
)
def test_a_broken_line_is_refused_naming_file_line_and_field(tmp_path, line, message):
    path = write(tmp_path, CAPITAL, line)
    with pytest.raises(TaskLoadError, match=message):
        load_feedback_tasks(path)


def test_a_file_without_tasks_is_refused(tmp_path):
    with pytest.raises(TaskLoadError, match="holds no task"):
        load_feedback_tasks(write(tmp_path, ""))


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(TaskLoadError, match="No such file"):
        load_feedback_tasks(tmp_path / "absent.jsonl")


def test_running_a_file_answers_each_task_with_the_model_and_reports_each_result(tmp_path):
    model = ScriptedModel(["It is Paris.", "Bonjour"])
    seen = []
    results = run_feedback_file(
        write(tmp_path, CAPITAL, GREETING), model, judge=verdict(0.9), config=FAST, on_result=seen.append
    )
    assert [(r.task_id, r.strategy, r.stop_reason) for r in results] == [
        ("capital", "qa", "converged"),
        ("greet", "translation", "converged"),
    ]
    assert seen == results
    assert [call[-1].content for call in model.calls] == ["Capital of France?", "Say hello in French."]


def test_a_strategy_given_to_the_run_replaces_each_tasks_preset(tmp_path):
    results = run_feedback_file(
        write(tmp_path, GREETING), ScriptedModel(["Bonjour"]), strategy="code", config=FAST
    )
    assert results[0].strategy == "code"


def test_a_file_that_needs_a_judge_is_refused_before_the_model_is_called(tmp_path):
    model = ScriptedModel(["Bonjour", "Paris"])
    with pytest.raises(ScorerConfigError, match=r"tasks.jsonl: task 'capital': .*needs a judge model"):
        run_feedback_file(write(tmp_path, GREETING, CAPITAL), model, config=FAST)
    assert model.calls == []
