"""An HTTP 200 that carries no completion is the endpoint's failure, retried like a 5xx."""

from __future__ import annotations

import pytest

from fixloop.models.base import ModelUnavailableError
from fixloop.models.openai_provider import SERVER_TEXT_SHOWN
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer, Reply
from tests.models.conftest import API_KEY, ask, openai_model

NOT_A_COMPLETION = [
    Reply.ok_with_error("The model is overloaded"),
    Reply.ok_without_choices(),
    Reply(body="<html>502 Bad Gateway</html>"),
    Reply(body=["not", "a", "completion"]),
]


@pytest.mark.parametrize("reply", NOT_A_COMPLETION, ids=["error", "no-choices", "not-json", "not-an-object"])
def test_a_200_without_a_completion_is_retried_then_unavailable(retry: RetryPolicy, reply: Reply) -> None:
    with FakeOpenAIServer(reply) as server, pytest.raises(ModelUnavailableError, match="HTTP 200"):
        openai_model(server, retry).complete(ask())
    assert len(server.requests) == retry.max_attempts


def test_a_200_carrying_an_error_then_an_answer_succeeds(retry: RetryPolicy) -> None:
    with FakeOpenAIServer([Reply.ok_with_error("try again"), Reply(text="answer")]) as server:
        assert openai_model(server, retry).complete(ask()).text == "answer"
    assert len(server.requests) == 2


def test_the_error_says_what_the_server_sent(retry: RetryPolicy) -> None:
    overloaded = Reply.ok_with_error("The model is overloaded", error_type="server_error")
    with FakeOpenAIServer(overloaded) as server, pytest.raises(ModelUnavailableError) as raised:
        openai_model(server, retry).complete(ask())
    assert "HTTP 200 carrying an error: The model is overloaded (type: server_error)" in str(raised.value)


def test_what_the_server_sent_is_cut_short_in_the_error(retry: RetryPolicy) -> None:
    with (
        FakeOpenAIServer(Reply.ok_with_error("x" * 10_000)) as server,
        pytest.raises(ModelUnavailableError) as raised,
    ):
        openai_model(server, retry).complete(ask())
    assert "x" * SERVER_TEXT_SHOWN + "..." in str(raised.value)
    assert len(str(raised.value)) < SERVER_TEXT_SHOWN + 200


def test_an_echoed_key_in_a_200_error_is_redacted(retry: RetryPolicy) -> None:
    echo = Reply.ok_with_error(f"quota exceeded for key {API_KEY}")
    with FakeOpenAIServer(echo) as server, pytest.raises(ModelUnavailableError) as raised:
        openai_model(server, retry, api_key=API_KEY).complete(ask())
    assert API_KEY not in str(raised.value)
    assert "[redacted]" in str(raised.value)
