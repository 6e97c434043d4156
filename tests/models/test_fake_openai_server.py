from __future__ import annotations

import openai

from tests.fake_openai_server import FakeOpenAIServer, Reply


def test_it_lists_its_models_and_records_chat_requests() -> None:
    with FakeOpenAIServer(Reply(text="hi"), models=["a", "b"]) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
        assert [model.id for model in client.models.list()] == ["a", "b"]
        answer = client.chat.completions.create(
            model="a", messages=[{"role": "user", "content": "yo"}], seed=3
        )
    assert answer.choices[0].message.content == "hi"
    assert [(request.model, request.seed) for request in server.requests] == [("a", 3)]


def test_a_completion_longer_than_max_tokens_is_cut_there() -> None:
    with FakeOpenAIServer(Reply(text="z" * 100)) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
        answer = client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "yo"}], max_tokens=5
        )
    assert answer.choices[0].message.content == "z" * 20
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage is not None and answer.usage.completion_tokens == 5
