"""OpenAIModel through the real `openai` client against the fake server."""

from __future__ import annotations

import asyncio

import pytest

from fixloop.models.base import ModelError
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.pricing import Price
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import ChatRequest, FakeOpenAIServer, Reply
from tests.models.conftest import SCHEMA, ask, openai_model

ACTION = {"tool": "replace_lines", "line": 12}


def test_structured_output_is_requested_and_parsed(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.json(ACTION)) as server:
        result = openai_model(server, retry).complete(ask(), schema=SCHEMA)
    assert result.parsed == ACTION
    sent = server.requests[0].response_format
    assert sent == {"type": "json_schema", "json_schema": {"name": "Action", "schema": SCHEMA}}


def test_plain_text_without_a_schema_has_no_parsed_object(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.json(ACTION)) as server:
        result = openai_model(server, retry).complete(ask())
    assert result.parsed is None
    assert server.requests[0].response_format is None


def test_fenced_json_is_extracted(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.fenced_json(ACTION)) as server:
        assert openai_model(server, retry).complete(ask(), schema=SCHEMA).parsed == ACTION


def test_garbage_text_gives_parsed_none_without_raising(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.garbage()) as server:
        result = openai_model(server, retry).complete(ask(), schema=SCHEMA)
    assert result.parsed is None
    assert result.text == Reply.garbage().text


def test_truncated_json_gives_parsed_none(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.truncated_json(ACTION)) as server:
        assert openai_model(server, retry).complete(ask(), schema=SCHEMA).parsed is None


def test_usage_and_cost_come_from_the_response_and_the_price(retry: RetryPolicy) -> None:
    price = Price(input_per_mtok=1_000_000, output_per_mtok=2_000_000)
    with FakeOpenAIServer(Reply(text="x" * 40)) as server:
        result = openai_model(server, retry, price=price).complete(ask("y" * 27))
    assert result.usage.prompt_tokens == 10  # "You fix bugs." + 27 characters = 40 characters
    assert result.usage.completion_tokens == 10
    assert result.cost == pytest.approx(10 * 1 + 10 * 2)
    assert result.model == "fake-model"


def test_a_rejected_json_schema_falls_back_to_json_mode_for_the_models_life(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.fenced_json(ACTION), structured_output=False) as server:
        model = openai_model(server, retry)
        first = model.complete(ask(), schema=SCHEMA)
        second = model.complete(ask(), schema=SCHEMA)
    assert first.parsed == ACTION
    assert second.parsed == ACTION
    formats = [request.format_type for request in server.requests]
    assert formats == ["json_schema", "json_object", "json_object"]
    system_prompt = server.requests[1].messages[0]["content"]
    assert system_prompt.startswith("You fix bugs.")
    assert '"required": ["tool"]' in system_prompt


def test_a_server_without_any_json_mode_gets_plain_text_with_the_schema_in_the_prompt(
    retry: RetryPolicy,
) -> None:
    with FakeOpenAIServer(Reply.fenced_json(ACTION), structured_output=False, json_mode=False) as server:
        result = openai_model(server, retry).complete(ask(), schema=SCHEMA)
    assert result.parsed == ACTION
    assert [request.format_type for request in server.requests] == ["json_schema", "json_object", None]
    assert "JSON Schema" in server.requests[-1].messages[0]["content"]


def test_a_client_error_is_not_retried_and_is_a_model_error(retry: RetryPolicy) -> None:
    missing = Reply.error(404, "The model `fake-model` does not exist")
    with FakeOpenAIServer(missing) as server, pytest.raises(ModelError, match="HTTP 404") as raised:
        openai_model(server, retry).complete(ask())
    assert type(raised.value) is ModelError
    assert len(server.requests) == 1


def test_neither_key_nor_base_url_is_a_model_error_saying_how_to_configure() -> None:
    with pytest.raises(ModelError, match=r"OPENAI_API_KEY.*OPENAI_BASE_URL"):
        OpenAIModel("gpt-4o-mini")


def test_base_url_and_key_are_read_from_the_environment(
    retry: RetryPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAIServer(Reply(text="from env")) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
        assert OpenAIModel("fake-model", retry=retry).complete(ask()).text == "from env"


def test_async_calls_work_under_gather(retry: RetryPolicy) -> None:
    def answer(request: ChatRequest) -> Reply:
        return Reply.slow(0.05, text=request.messages[-1]["content"].upper())

    async def many(model: OpenAIModel) -> list[str]:
        results = await asyncio.gather(*(model.acomplete(ask(f"call {i}")) for i in range(20)))
        return [result.text for result in results]

    with FakeOpenAIServer(answer) as server:
        texts = asyncio.run(many(openai_model(server, retry)))
    assert texts == [f"CALL {i}" for i in range(20)]
    assert len(server.requests) == 20


def test_one_model_serves_successive_event_loops(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply(text="hi")) as server:
        model = openai_model(server, retry)
        assert asyncio.run(model.acomplete(ask())).text == "hi"
        assert asyncio.run(model.acomplete(ask())).text == "hi"
