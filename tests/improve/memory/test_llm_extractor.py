"""The llm extractor against the local OpenAI-compatible server: valid, malformed and empty replies."""

from __future__ import annotations

import json

from fixloop.improve.memory.card import CardSource
from fixloop.improve.memory.extraction import LLMExtractor
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.retry import RetryPolicy
from tests.analysis.builders import edit, read, run, submit, trajectory
from tests.fake_openai_server import FakeOpenAIServer, Reply

SOURCE = CardSource(run="r", task_id="calc-add", episode_index=0)
LESSON = {
    "kind": "failure_pattern",
    "content": "Submitting without a test run hid a failing edit.",
    "pattern": "An edit was made and the episode ended at once.",
    "strategy": "Run the tests after every edit and submit only on a pass.",
    "steps": [],
}


def never_tested():
    return trajectory(run(2), read("calc.py"), edit(), submit(0.5), outcome="unresolved")


def wrong_files():
    """calc.py is a fix file this agent never opened."""
    return trajectory(run(2), read("util.py"), read("io_helpers.py"), submit(0.5), outcome="unresolved")


def extract(reply: Reply, episode=None):
    with FakeOpenAIServer(reply) as server:
        model = OpenAIModel(
            "fake-extractor", base_url=server.base_url, api_key="x", retry=RetryPolicy(max_attempts=1)
        )
        extractor = LLMExtractor(model)
        cards = extractor.extract(episode or never_tested(), SOURCE)
        requests = list(server.requests)
    return cards, extractor.errors, requests


def test_a_valid_reply_becomes_one_candidate_card_citing_its_episode():
    cards, errors, requests = extract(Reply.json(LESSON))
    assert errors == []
    [card] = cards
    assert card.kind == "failure_pattern" and card.status == "candidate"
    assert card.content == LESSON["content"] and card.strategy == LESSON["strategy"]
    assert card.sources == (SOURCE,) and card.creator == "extractor:llm"
    assert requests[0].format_type == "json_schema" and requests[0].temperature == 0.0


def test_a_reply_that_is_not_json_gives_no_card_and_a_recorded_error():
    cards, errors, _ = extract(Reply.garbage())
    assert cards == []
    assert errors == ["calc-add#0: the reply is not a JSON object"]


def test_an_empty_reply_gives_no_card_and_a_recorded_error():
    cards, errors, _ = extract(Reply(text=""))
    assert cards == [] and len(errors) == 1


def test_a_reply_outside_the_schema_gives_no_card_and_says_what_is_wrong():
    cards, errors, _ = extract(Reply.json({**LESSON, "kind": "prophecy"}))
    assert cards == []
    assert "does not fit the schema" in errors[0] and "kind" in errors[0]


def test_a_lesson_naming_a_fix_file_the_agent_never_opened_is_dropped():
    leaky = {**LESSON, "strategy": "Open calc.py and fix the sign there."}
    cards, errors, _ = extract(Reply(text=json.dumps(leaky)), wrong_files())
    assert cards == []
    assert errors == ["calc-add#0: the lesson names a file of the fix the agent never opened"]


def test_a_failing_endpoint_is_recorded_not_raised():
    cards, errors, _ = extract(Reply.server_error())
    assert cards == [] and "failed" in errors[0]
