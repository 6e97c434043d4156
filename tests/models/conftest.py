"""Shared pieces: a fast retry policy with recorded waits, and no OpenAI settings from the environment."""

from __future__ import annotations

import pytest

from fixloop.models.base import Message
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer

API_KEY = "sk-test-SECRET-5f3a9c17"
"""A key that must never show up in an error, a log line or a repr."""

SCHEMA = {
    "title": "Action",
    "type": "object",
    "properties": {"tool": {"type": "string"}, "line": {"type": "integer"}},
    "required": ["tool"],
}


class RecordedSleeps(list[float]):
    """Stands in for asyncio.sleep: records each wait instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def ask(text: str = "Which tool next?") -> list[Message]:
    return [Message(role="system", content="You fix bugs."), Message(role="user", content=text)]


def openai_model(server: FakeOpenAIServer, retry: RetryPolicy, **kwargs: object) -> OpenAIModel:
    options: dict = {"base_url": server.base_url, "timeout_s": 5.0, "retry": retry, **kwargs}
    return OpenAIModel("fake-model", **options)


@pytest.fixture(autouse=True)
def no_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
def retry(sleeps: RecordedSleeps) -> RetryPolicy:
    """Three attempts, deterministic backoff (the full cap), no real waiting."""
    return RetryPolicy(
        max_attempts=3,
        base_delay_s=0.01,
        max_delay_s=5.0,
        jitter=lambda cap: cap,
        sleep=sleeps,
    )
