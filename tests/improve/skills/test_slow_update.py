"""The slow update: how an epoch's tasks are labelled, the template guidance, and the llm writer
against a real OpenAI-compatible HTTP server."""

import pytest

from fixloop.analysis.failure_classifier import FailureLabel
from fixloop.improve.reflection_templates import TEMPLATES
from fixloop.improve.skills.skill import EpisodeCitation
from fixloop.improve.skills.skill_reflector import TrainingEpisode
from fixloop.improve.skills.slow_update import (
    LLMSlowUpdate,
    TaskComparison,
    TemplateSlowUpdate,
    compare_epochs,
    template_guidance,
)
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.retry import RetryPolicy
from tests.analysis.builders import edit, read, run, search, submit, trajectory
from tests.fake_openai_server import FakeOpenAIServer, Reply

L = FailureLabel


def _episode(t, task_id: str) -> TrainingEpisode:
    citation = EpisodeCitation(run="e0-slow-current", task_id=task_id, episode_index=0)
    return TrainingEpisode(citation=citation, trajectory=t.model_copy(update={"task_id": task_id}))


def never_tested(task_id: str) -> TrainingEpisode:
    return _episode(trajectory(run(2), read("calc.py"), edit(), submit(0.5), outcome="unresolved"), task_id)


def looping(task_id: str) -> TrainingEpisode:
    t = trajectory(search("add"), search("add"), search("add"), submit(0.5), outcome="unresolved")
    return _episode(t, task_id)


def wrong_files(task_id: str) -> TrainingEpisode:
    t = trajectory(run(2), read("util.py"), read("io_helpers.py"), submit(0.5), outcome="unresolved")
    return _episode(t, task_id)


def resolved(task_id: str) -> TrainingEpisode:
    return _episode(trajectory(run(2), read("calc.py"), edit(), run(4), submit()), task_id)


def compared(task_id: str, label: str) -> TaskComparison:
    rates = {"improved": (0, 1), "regressed": (1, 0), "persistent_failure": (0, 0), "stable_success": (1, 1)}
    previous, current = rates[label]
    return TaskComparison(task_id=task_id, previous=previous, current=current, label=label)


# compare_epochs


@pytest.mark.parametrize(
    ("previous", "current", "label"),
    [
        ([0.0], [1.0], "improved"),
        ([1.0], [0.0], "regressed"),
        ([0.0], [0.0], "persistent_failure"),
        ([1.0], [1.0], "stable_success"),
    ],
)
def test_each_task_is_labelled_by_how_its_outcome_moved(previous, current, label):
    (comparison,) = compare_epochs({"t": previous}, {"t": current})
    assert comparison.label == label


def test_a_task_counts_as_resolved_only_above_half_its_repeats():
    comparisons = compare_epochs(
        {"half": [1.0, 0.0], "most": [1.0, 1.0, 0.0]}, {"half": [1.0], "most": [0.0]}
    )
    assert {c.task_id: c.label for c in comparisons} == {"half": "improved", "most": "regressed"}


def test_a_comparison_carries_both_resolve_rates():
    (comparison,) = compare_epochs({"t": [1.0, 0.0, 0.0, 0.0]}, {"t": [1.0, 1.0, 1.0, 0.0]})
    assert (comparison.previous, comparison.current) == (0.25, 0.75)


def test_tasks_measured_under_one_skill_only_are_ignored():
    comparisons = compare_epochs({"both": [1.0], "before": [0.0]}, {"both": [1.0], "after": [1.0]})
    assert [c.task_id for c in comparisons] == ["both"]


def test_comparisons_come_in_task_order():
    outcomes = {"b": [1.0], "c": [0.0], "a": [1.0]}
    assert [c.task_id for c in compare_epochs(outcomes, outcomes)] == ["a", "b", "c"]


# template guidance


def test_guidance_names_the_dominant_label_of_the_regressed_tasks_with_its_rule():
    comparisons = [compared("r1", "regressed"), compared("r2", "regressed"), compared("r3", "regressed")]
    current = [never_tested("r1"), never_tested("r2"), looping("r3")]
    (line,) = template_guidance(comparisons, current)
    assert line == (
        f"3 training task(s) regressed since the last epoch, mostly with NEVER_TESTED: "
        f"{TEMPLATES[L.NEVER_TESTED].rule}"
    )


def test_guidance_names_the_dominant_label_of_the_persistent_failures_with_its_rule():
    comparisons = [compared("p1", "persistent_failure"), compared("p2", "persistent_failure")]
    (line,) = template_guidance(comparisons, [looping("p1"), looping("p2")])
    assert line.startswith("2 training task(s) failed in both epochs, mostly with LOOPING_BEHAVIOR: ")
    assert line.endswith(TEMPLATES[L.LOOPING_BEHAVIOR].rule)


def test_guidance_covers_regressions_first_then_persistent_failures_then_what_improved():
    comparisons = [
        compared("p", "persistent_failure"),
        compared("r", "regressed"),
        compared("i1", "improved"),
        compared("i2", "improved"),
    ]
    current = [looping("p"), never_tested("r"), resolved("i1"), resolved("i2")]
    lines = template_guidance(comparisons, current)
    assert [line.split(",")[0] for line in lines[:2]] == [
        "1 training task(s) regressed since the last epoch",
        "1 training task(s) failed in both epochs",
    ]
    assert lines[2] == "Keep the rules that work: 2 task(s) improved with this epoch's skill."


def test_guidance_says_nothing_when_nothing_failed():
    comparisons = [compared("i", "improved"), compared("s", "stable_success")]
    assert template_guidance(comparisons, [resolved("i"), resolved("s")]) == []


def test_guidance_ignores_the_episodes_of_tasks_that_did_not_fail():
    comparisons = [compared("p", "persistent_failure"), compared("s", "stable_success")]
    current = [looping("p"), never_tested("s"), never_tested("s")]
    (line,) = template_guidance(comparisons, current)
    assert "LOOPING_BEHAVIOR" in line


def test_the_template_writer_is_free_and_never_errs():
    comparisons = [compared("p", "persistent_failure")]
    lines, error, tokens, cost = TemplateSlowUpdate().guidance(comparisons, [looping("p")])
    assert lines == template_guidance(comparisons, [looping("p")])
    assert (error, tokens, cost) == (None, 0, 0.0)


# the llm writer, against a real HTTP server


def writer(server: FakeOpenAIServer) -> LLMSlowUpdate:
    model = OpenAIModel(
        "fake-model", base_url=server.base_url, timeout_s=5, retry=RetryPolicy(max_attempts=1)
    )
    return LLMSlowUpdate(model)


COMPARISONS = [
    compared("p", "persistent_failure"),
    compared("r", "regressed"),
    compared("s", "stable_success"),
]
CURRENT = [wrong_files("p"), never_tested("r"), resolved("s")]


def test_a_valid_reply_is_the_guidance():
    reply = {"guidance": ["Follow the failing test's imports.", "Run the tests after each edit."]}
    with FakeOpenAIServer(Reply.json(reply)) as server:
        lines, error, tokens, _ = writer(server).guidance(COMPARISONS, CURRENT)
    assert lines == reply["guidance"]
    assert error is None
    assert tokens > 0


def test_the_slow_update_model_reads_every_tasks_label_and_the_failures():
    with FakeOpenAIServer(Reply.json({"guidance": []})) as server:
        writer(server).guidance(COMPARISONS, CURRENT)
        (request,) = server.requests
    prompt = request.messages[-1]["content"]
    assert "- p: persistent_failure (0.00 -> 0.00)" in prompt
    assert "- r: regressed (1.00 -> 0.00)" in prompt
    assert "# Failure 1" in prompt and "# Failure 2" in prompt
    assert "# Failure 3" not in prompt


@pytest.mark.parametrize(
    "reply",
    [
        Reply.garbage(),
        Reply(text=""),
        Reply.json({"guidance": "one line, not a list"}),
        Reply.json({"guidance": ["ok"], "notes": "extra"}),
    ],
    ids=["not-json", "empty", "not-a-list", "extra-key"],
)
def test_an_unusable_reply_writes_no_guidance_and_records_why(reply):
    with FakeOpenAIServer(reply) as server:
        lines, error, _, _ = writer(server).guidance(COMPARISONS, CURRENT)
    assert lines == []
    assert error == "the slow-update reply is not a JSON object with a guidance list"


def test_guidance_naming_a_fix_file_the_agent_never_opened_is_dropped():
    reply = {"guidance": ["Always look in calc.py first.", "Run the tests after each edit."]}
    with FakeOpenAIServer(Reply.json(reply)) as server:
        lines, error, _, _ = writer(server).guidance(COMPARISONS, CURRENT)
    assert lines == ["Run the tests after each edit."]
    assert error == "guidance naming a file of a fix was dropped"


def test_a_failing_slow_update_model_is_recorded_not_raised():
    with FakeOpenAIServer(Reply.server_error(500)) as server:
        lines, error, tokens, cost = writer(server).guidance(COMPARISONS, CURRENT)
    assert lines == []
    assert "the slow-update model openai:fake-model failed" in (error or "")
    assert (tokens, cost) == (0, 0.0)
