"""`OpenAIModel`: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, ...).

Configuration comes from the arguments, else from `OPENAI_BASE_URL` / `OPENAI_API_KEY`. A
local server needs no real key: with a base URL and no key a placeholder is sent. The SDK's
own retries are off; `RetryPolicy` decides instead, so every failure is classified once:
429, 5xx, timeouts, dropped connections and an HTTP 200 that carries no completion (an
error body, no `choices`, not JSON) are retried and end as `ModelUnavailableError`; any
other HTTP error is a `ModelError` at once.

`timeout_s` is a deadline for each attempt as a whole: connecting, sending and receiving
every byte of the answer. The SDK's own timeout only bounds each read, so a server that
drips a byte at a time would hold a call open indefinitely; every attempt therefore runs
under `asyncio.timeout`, whose cancellation closes the connection. The sync `complete`
runs the async call on an event loop of its own in a helper thread (one connection per
call), so both share this one mechanism and no thread outlives its call.

With a `schema` the model is asked for JSON-schema structured output. A server that rejects
that (HTTP 400 about `response_format`) is asked for plain JSON mode, and one that rejects
that too for plain text, with the schema written into the system prompt; the downgrade lasts
for the rest of this object's life. Either way `Completion.parsed` is the first JSON object
found in the text, or None.

With `tools` the request offers them as OpenAI function tools and `Completion.tool_calls`
holds the calls the answer made. There is no fallback for tools: a server that rejects them
(HTTP 400 about tools) is a `ModelError` telling the user to use `--action-format json`.

The API key is never part of an error message, a log line or a repr.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
import os
import re
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageFunctionToolCall

from fixloop.models.base import Completion, Message, ModelError, ToolCall, Usage
from fixloop.models.json_extract import extract_json_object
from fixloop.models.pricing import Price, cost, price_for
from fixloop.models.retry import RetryPolicy, TransientError, acall_with_retry

logger = logging.getLogger(__name__)

PLACEHOLDER_API_KEY = "not-needed"
"""Sent to a base URL configured without a key; local servers ignore it."""

SERVER_TEXT_SHOWN = 300
"""Characters of what a server sent kept in an error message."""

OutputMode = Literal["json_schema", "json_object", "text"]
_DOWNGRADE: dict[OutputMode, OutputMode] = {"json_schema": "json_object", "json_object": "text"}


class _FormatRejected(Exception):
    """The server answered 400 to the `response_format` we asked for."""


class OpenAIModel:
    """A Model served by an OpenAI-compatible endpoint; see the module doc.

    `name` is the endpoint's model name (`gpt-4o-mini`, `llama3:8b`); the Model's `name`
    attribute is `openai:<name>`. `timeout_s` bounds each attempt as a whole (see the module
    doc). `price` defaults to the price table's entry (0 if unlisted). `latency` in a
    Completion covers the whole call, retries and waits included.
    Raises ModelError at construction when neither a key nor a base URL is configured.
    """

    provider = "openai"

    def __init__(
        self,
        name: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        price: Price | None = None,
    ) -> None:
        self.model = name
        self.name = f"{self.provider}:{name}"
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        key = api_key or os.environ.get("OPENAI_API_KEY") or None
        if key is None and self.base_url is None:
            raise ModelError(
                f"{self.name}: no API key. Set OPENAI_API_KEY (or pass --api-key) for a hosted API; "
                "for a local OpenAI-compatible server (vLLM, Ollama, ...) set OPENAI_BASE_URL "
                "(or pass --base-url) instead, no key needed."
            )
        self._secret = key
        self.timeout_s = timeout_s
        self.retry = retry if retry is not None else RetryPolicy()
        self.price = price if price is not None else price_for(name)
        self.output_mode: OutputMode = "json_schema"
        self._client_args: dict[str, Any] = {
            "api_key": key or PLACEHOLDER_API_KEY,
            "base_url": self.base_url,
            "timeout": timeout_s,
            "max_retries": 0,
        }
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, openai.AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return (
            f"OpenAIModel(name={self.name!r}, base_url={self.base_url!r}, output_mode={self.output_mode!r})"
        )

    def complete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        """One completion. Raises ModelUnavailableError after bounded retries, ModelError otherwise.

        Runs `acomplete` on an event loop of its own in a helper thread, which ends with the
        call; so it works from any thread, one with a running event loop included.
        """
        call = self._complete_on_own_loop(
            messages, schema=schema, temperature=temperature, max_tokens=max_tokens, seed=seed, tools=tools
        )
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fixloop-openai") as helper:
            return helper.submit(asyncio.run, call).result()

    async def _complete_on_own_loop(self, messages: list[Message], **options: Any) -> Completion:
        """`acomplete`, then close this loop's client before `asyncio.run` ends the loop."""
        try:
            return await self.acomplete(messages, **options)
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the running event loop's async client; call it before that loop ends."""
        client = self._async_clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()

    async def acomplete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        """The async variant of `complete` (one AsyncOpenAI client per event loop)."""
        started = time.monotonic()
        while True:
            mode = self.output_mode
            request = self._request(messages, schema, temperature, max_tokens, seed, mode, tools)
            try:
                response = await acall_with_retry(functools.partial(self._asend, request), self.retry)
            except _FormatRejected:
                self._downgrade(mode)
                continue
            return self._completion(response, schema, started)

    def _request(
        self,
        messages: list[Message],
        schema: dict[str, Any] | None,
        temperature: float,
        max_tokens: int,
        seed: int | None,
        mode: OutputMode,
        tools: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The keyword arguments of `chat.completions.create` for this call."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [message.model_dump() for message in messages],
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if seed is not None:
            request["seed"] = seed
        if tools is not None:
            request["tools"] = tools
        if schema is None:
            return request
        if mode == "json_schema":
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": _schema_name(schema), "schema": schema},
            }
            return request
        request["messages"] = _with_schema_instruction(request["messages"], schema)
        if mode == "json_object":
            request["response_format"] = {"type": "json_object"}
        return request

    def _downgrade(self, rejected: OutputMode) -> None:
        """Stop asking for the `response_format` the server rejected (for this object's life)."""
        fallback = _DOWNGRADE[rejected]
        if self.output_mode == rejected:
            logger.warning(
                "%s: the server rejected %s output; using %s from now on", self.name, rejected, fallback
            )
            self.output_mode = fallback

    async def _asend(self, request: dict[str, Any]) -> ChatCompletion:
        """One attempt, bounded by `timeout_s` as a whole; every failure is classified."""
        client = self._async_clients.get(asyncio.get_running_loop())
        if client is None:
            client = openai.AsyncOpenAI(**self._client_args)
            self._async_clients[asyncio.get_running_loop()] = client
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await client.chat.completions.create(**request)
        except TimeoutError:
            failure: Exception = self._timed_out()
        except openai.APIError as err:
            failure = self._failure(err, request)
        except json.JSONDecodeError as err:
            failure = self._no_completion("with a body that is not JSON", err.doc)
        else:
            return self._usable(response)
        raise failure

    def _timed_out(self) -> TransientError:
        return TransientError(f"{self.name}: no answer within {self.timeout_s}s")

    def _failure(self, err: openai.APIError, request: dict[str, Any]) -> Exception:
        """What a failed request means for us; raised outside the `except` so the SDK error
        (whose request carries the Authorization header) is not chained onto ours."""
        detail = self._redact(err.message)
        if isinstance(err, openai.APITimeoutError):
            return self._timed_out()
        if isinstance(err, openai.APIConnectionError):
            cause = err.__cause__
            reason = f"{type(cause).__name__}: {self._redact(str(cause))}" if cause else detail
            return TransientError(f"{self.name}: connection failed ({reason})")
        if isinstance(err, openai.APIStatusError):
            status = err.status_code
            if status == 429:
                return TransientError(
                    f"{self.name}: rate limited (HTTP 429): {detail}",
                    retry_after_s=_retry_after_s(err.response.headers.get("retry-after")),
                )
            if status >= 500:
                return TransientError(f"{self.name}: server error (HTTP {status}): {detail}")
            if status == 400 and "tools" in request and _mentions_tools(err):
                return ModelError(
                    f"{self.name}: the endpoint does not support tool calling (HTTP 400: {detail}); "
                    "use --action-format json"
                )
            if status == 400 and "response_format" in request and _mentions_response_format(err):
                return _FormatRejected()
            hint = " (check OPENAI_API_KEY or --api-key)" if status in (401, 403) else ""
            return ModelError(f"{self.name}: HTTP {status} from the endpoint{hint}: {detail}")
        return ModelError(f"{self.name}: unusable response from the endpoint: {detail}")

    def _usable(self, response: object) -> ChatCompletion:
        """`response` when it holds a completion; a TransientError naming what the server sent
        otherwise (an HTTP 200 carrying an error, no `choices`, or not a chat completion at all)."""
        if not isinstance(response, ChatCompletion):
            raise self._no_completion("with a body that is not a chat completion", json.dumps(response))
        error = (response.model_extra or {}).get("error")
        if error is not None:
            if isinstance(error, dict) and "message" in error:
                error = f"{error['message']} (type: {error.get('type')})"
            raise self._no_completion("carrying an error", str(error))
        if not response.choices or response.choices[0].message is None:
            raise self._no_completion("without a completion (no choices)", response.to_json(indent=None))
        return response

    def _no_completion(self, what: str, sent: str) -> TransientError:
        """An HTTP 200 without a completion, saying `what` was wrong and (the start of) what was `sent`."""
        sent = self._redact(sent)
        shown = sent if len(sent) <= SERVER_TEXT_SHOWN else sent[:SERVER_TEXT_SHOWN] + "..."
        return TransientError(f"{self.name}: HTTP 200 {what}: {shown}")

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "[redacted]") if self._secret else text

    def _completion(
        self, response: ChatCompletion, schema: dict[str, Any] | None, started: float
    ) -> Completion:
        message = response.choices[0].message
        text = message.content or ""
        tool_calls = [
            ToolCall(name=call.function.name, arguments=call.function.arguments or "")
            for call in message.tool_calls or []
            if isinstance(call, ChatCompletionMessageFunctionToolCall)
        ]
        usage = (
            Usage(
                prompt_tokens=response.usage.prompt_tokens or 0,
                completion_tokens=response.usage.completion_tokens or 0,
            )
            if response.usage is not None
            else Usage()
        )
        return Completion(
            text=text,
            parsed=extract_json_object(text) if schema is not None else None,
            usage=usage,
            cost=cost(usage, self.price),
            latency=time.monotonic() - started,
            model=response.model or self.model,
            tool_calls=tool_calls,
        )


def _schema_name(schema: dict[str, Any]) -> str:
    """The `json_schema.name` the API wants: [a-zA-Z0-9_-]{1,64}, from the schema's title."""
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", str(schema.get("title") or "response"))[:64]
    return name or "response"


def _with_schema_instruction(messages: list[dict[str, str]], schema: dict[str, Any]) -> list[dict[str, str]]:
    """`messages` with the schema spelled out in the system prompt (when the server won't enforce it)."""
    instruction = (
        "Answer with a single JSON object, and nothing else, that conforms to this JSON Schema:\n"
        + json.dumps(schema, sort_keys=True)
    )
    if messages and messages[0]["role"] == "system":
        first = {**messages[0], "content": f"{messages[0]['content']}\n\n{instruction}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def _mentions_response_format(err: openai.APIStatusError) -> bool:
    text = f"{err.message} {err.body}".lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object"))


def _mentions_tools(err: openai.APIStatusError) -> bool:
    text = f"{err.message} {err.body}".lower()
    return any(word in text for word in ("tool", "function"))


def _retry_after_s(header: str | None) -> float | None:
    """`Retry-After` in seconds, or None when absent or not a finite number (HTTP dates are ignored)."""
    try:
        seconds = float(header) if header is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) else None
