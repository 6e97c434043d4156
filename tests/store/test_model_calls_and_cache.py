"""Model calls are recorded; the response cache survives concurrent writers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fixloop.models.base import Completion, Usage


def test_a_model_call_is_recorded_from_its_completion(store):
    store.create_run("r", agent="a", model="m", config={}, planned=[("t", 0)])
    completion = Completion(
        text="{}", usage=Usage(prompt_tokens=120, completion_tokens=30), cost=0.002, latency=0.8
    )
    store.record_model_call("openai:gpt-4o-mini", completion, run="r", task_id="t", episode_index=0)
    (call,) = store.model_calls("r")
    assert (call.model, call.task_id, call.episode_index) == ("openai:gpt-4o-mini", "t", 0)
    assert (call.prompt_tokens, call.completion_tokens, call.cost, call.latency, call.cached) == (
        120,
        30,
        0.002,
        0.8,
        False,
    )


def test_a_failed_model_call_is_recorded_with_its_error_redacted(store):
    store.create_run("r", agent="a", model="m", config={}, planned=[])
    error = "401 Incorrect API key provided: sk-proj-abcdefghijklmnop1234"
    store.record_model_call("openai:gpt-4o-mini", run="r", error=error, latency=3.0)
    (call,) = store.model_calls("r")
    assert call.error == "401 Incorrect API key provided: [redacted]"
    assert (call.prompt_tokens, call.latency) == (0, 3.0)


def test_the_cache_returns_what_was_put_and_none_otherwise(store):
    assert store.cache_get("k1") is None
    store.cache_put("k1", provider="openai", model="gpt-4o-mini", response={"text": "hi", "usage": [1, 2]})
    assert store.cache_get("k1") == {"text": "hi", "usage": [1, 2]}


def test_putting_a_cached_key_again_replaces_the_response(store):
    store.cache_put("k1", provider="openai", model="m", response={"text": "old"})
    store.cache_put("k1", provider="openai", model="m", response={"text": "new"})
    assert store.cache_get("k1") == {"text": "new"}


def test_concurrent_puts_of_the_same_key_all_succeed(store):
    def put(i):
        store.cache_put("same", provider="openai", model="m", response={"text": f"answer {i}"})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(32)))
    assert store.cache_get("same") in [{"text": f"answer {i}"} for i in range(32)]
