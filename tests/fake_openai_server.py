"""A local OpenAI-compatible server: test equipment for the tests and the benchmarks.

It speaks real HTTP on 127.0.0.1 (`POST /v1/chat/completions`, `GET /v1/models`), so the
real `openai` client, its timeouts and its error classes are exercised end to end. What it
does with each chat request is pluggable: a `Reply` (the same every time), a sequence of
replies (in order, the last one repeating) or a function of the request. It records every
chat request it received in `requests`.

    with FakeOpenAIServer([Reply.rate_limited(retry_after_s=1), Reply.json({"ok": True})]) as server:
        model = OpenAIModel("fake-model", base_url=server.base_url)

Token usage is counted as one token per four characters, prompt and completion alike, and
a completion longer than `max_tokens` is cut there (`finish_reason="length"`), as real
servers do. Hostile servers are a `Reply` too: one that drips its answer a byte at a time
(`Reply.drip`), or answers HTTP 200 with an error or no choices (`Reply.ok_with_error`,
`Reply.ok_without_choices`). A reply may call tools instead of writing text
(`Reply.tool_calls`). The server is single-purpose test equipment: no
authentication, no streaming.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError

from fixloop.models.base import CHARS_PER_TOKEN, estimated_tokens


class ChatRequest(BaseModel):
    """The parts of a chat-completions request body the fake server looks at (others are kept)."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[dict[str, Any]]
    temperature: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    seed: int | None = None
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None

    @property
    def format_type(self) -> str | None:
        """`response_format.type` (`json_schema`, `json_object`, `text`), or None when absent."""
        return self.response_format.get("type") if self.response_format else None


@dataclass(frozen=True)
class Reply:
    """What the server does with one chat request."""

    text: str = "ok"
    """The assistant message of a successful (200) answer."""
    status: int = 200
    """HTTP status; anything but 200 answers with an OpenAI-style error body carrying `message`."""
    message: str = ""
    """The error message when `status` is not 200."""
    latency_s: float = 0.0
    """Wait this long before answering (longer than the client's timeout makes it time out)."""
    retry_after_s: float | None = None
    """Sent as the `Retry-After` header when set."""
    drop_connection: bool = False
    """Close the socket without sending any response."""
    body: Any = None
    """Sent with `status` instead of a completion or an error body: a str as it is, else as JSON."""
    drip_interval_s: float = 0.0
    """Send the whole response, status line and headers included, one byte per this many seconds."""
    calls: tuple[tuple[str, str], ...] = ()
    """Tool calls of a successful answer, as (function name, arguments JSON text); the text is then empty."""

    @classmethod
    def tool_calls(cls, *calls: tuple[str, dict[str, Any] | str]) -> Reply:
        """A successful answer calling these tools: (name, arguments as a dict or raw JSON text)."""
        return cls(
            text="",
            calls=tuple((name, args if isinstance(args, str) else json.dumps(args)) for name, args in calls),
        )

    @classmethod
    def json(cls, value: dict[str, Any]) -> Reply:
        """A successful answer whose text is exactly `value` as JSON."""
        return cls(text=json.dumps(value))

    @classmethod
    def fenced_json(cls, value: dict[str, Any]) -> Reply:
        """`value` as JSON in a markdown code fence with a sentence around it."""
        return cls(text=f"Here is the answer:\n```json\n{json.dumps(value, indent=2)}\n```\nHope this helps.")

    @classmethod
    def truncated_json(cls, value: dict[str, Any]) -> Reply:
        """`value` as JSON, cut off before its end (as when `max_tokens` runs out)."""
        text = json.dumps(value)
        return cls(text=text[: max(1, len(text) // 2)])

    @classmethod
    def garbage(cls) -> Reply:
        """Text holding no JSON object at all."""
        return cls(text="I think the bug is somewhere in {the parser}, but I'm not sure ]]")

    @classmethod
    def rate_limited(cls, retry_after_s: float | None = None) -> Reply:
        """HTTP 429, with `Retry-After` when given."""
        return cls(status=429, message="Rate limit reached; try again later", retry_after_s=retry_after_s)

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        """An HTTP 5xx answer."""
        return cls(status=status, message="The server had an error while processing your request")

    @classmethod
    def error(cls, status: int, message: str) -> Reply:
        """Any HTTP error answer with `message` in its body."""
        return cls(status=status, message=message)

    @classmethod
    def slow(cls, latency_s: float, text: str = "ok") -> Reply:
        """A successful answer after `latency_s` seconds."""
        return cls(text=text, latency_s=latency_s)

    @classmethod
    def dropped(cls) -> Reply:
        """The connection closed with no response."""
        return cls(drop_connection=True)

    @classmethod
    def drip(cls, interval_s: float, text: str = "ok") -> Reply:
        """A successful answer sent one byte per `interval_s`: each read is quick, the whole is not."""
        return cls(text=text, drip_interval_s=interval_s)

    @classmethod
    def ok_with_error(cls, message: str, error_type: str = "server_error") -> Reply:
        """HTTP 200 whose body is an OpenAI-style error instead of a completion."""
        return cls(body={"error": {"message": message, "type": error_type, "param": None, "code": None}})

    @classmethod
    def ok_without_choices(cls) -> Reply:
        """HTTP 200 with a completion body that has no `choices`."""
        return cls(body={"id": "chatcmpl-empty", "object": "chat.completion", "model": "fake-model"})


class _Answer(NamedTuple):
    """What the server sends back for one chat request; a str body is sent as it is, else as JSON."""

    status: int
    body: Any
    headers: dict[str, str]
    drip_interval_s: float = 0.0


Behaviour = Callable[[ChatRequest], Reply]
"""Chooses the reply to one chat request."""


def scripted_replies(replies: Sequence[Reply]) -> Behaviour:
    """A behaviour answering with `replies` in order, repeating the last one forever."""
    if not replies:
        raise ValueError("scripted_replies needs at least one Reply")
    position = 0
    lock = threading.Lock()

    def next_reply(_: ChatRequest) -> Reply:
        nonlocal position
        with lock:
            reply = replies[min(position, len(replies) - 1)]
            position += 1
        return reply

    return next_reply


class FakeOpenAIServer:
    """A real HTTP server on a free port of 127.0.0.1, started and stopped as a context manager.

    `structured_output=False` makes it reject `response_format` `json_schema` with HTTP 400,
    as many local servers do; `json_mode=False` does the same for `json_object`.
    """

    def __init__(
        self,
        behaviour: Behaviour | Reply | Sequence[Reply] = Reply(),
        *,
        structured_output: bool = True,
        json_mode: bool = True,
        models: Sequence[str] = ("fake-model",),
    ) -> None:
        self.behaviour = _as_behaviour(behaviour)
        self.structured_output = structured_output
        self.json_mode = json_mode
        self.models = tuple(models)
        self._requests: list[ChatRequest] = []
        self._hangups = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client, `/v1` included."""
        if self._httpd is None:
            raise RuntimeError("the fake server is not running; use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[ChatRequest]:
        """Every chat request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def hangups(self) -> int:
        """Dripped responses whose client closed the connection before the last byte."""
        with self._lock:
            return self._hangups

    def __enter__(self) -> FakeOpenAIServer:
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def _answer(self, request: ChatRequest) -> _Answer | None:
        """What to send back for `request`, or None to drop the connection."""
        with self._lock:
            self._requests.append(request)
        rejected = _rejected_format(
            request, structured_output=self.structured_output, json_mode=self.json_mode
        )
        if rejected is not None:
            return _Answer(400, _error_body(rejected, param="response_format"), {})
        reply = self.behaviour(request)
        if reply.latency_s > 0 and self._stopping.wait(reply.latency_s):
            return None
        if reply.drop_connection:
            return None
        headers = {"Retry-After": f"{reply.retry_after_s:g}"} if reply.retry_after_s is not None else {}
        if reply.body is not None:
            body = reply.body
        elif reply.status != 200:
            body = _error_body(reply.message or f"HTTP {reply.status}")
        else:
            body = _completion_body(request, reply.text, reply.calls)
        return _Answer(reply.status, body, headers, reply.drip_interval_s)

    def _drip(self, handler: _Handler, response: bytes, interval_s: float) -> None:
        """Write `response` a byte at a time; stop when the client hangs up or the server stops."""
        for position in range(len(response)):
            try:
                handler.wfile.write(response[position : position + 1])
                handler.wfile.flush()
            except OSError:
                with self._lock:
                    self._hangups += 1
                return
            if self._stopping.wait(interval_s):
                return


def _as_behaviour(behaviour: Behaviour | Reply | Sequence[Reply]) -> Behaviour:
    if isinstance(behaviour, Reply):
        return scripted_replies([behaviour])
    if callable(behaviour):
        return behaviour
    return scripted_replies(list(behaviour))


def _rejected_format(request: ChatRequest, *, structured_output: bool, json_mode: bool) -> str | None:
    if request.format_type == "json_schema" and not structured_output:
        return "response_format of type 'json_schema' is not supported by this server"
    if request.format_type == "json_object" and not json_mode:
        return "response_format of type 'json_object' is not supported by this server"
    return None


def _completion_body(
    request: ChatRequest, text: str, calls: tuple[tuple[str, str], ...] = ()
) -> dict[str, Any]:
    limit = request.max_completion_tokens or request.max_tokens
    finish_reason = "stop"
    if limit is not None and estimated_tokens(text) > limit:
        text, finish_reason = text[: int(limit * CHARS_PER_TOKEN)], "length"
    prompt_tokens = estimated_tokens(
        "".join(str(message.get("content") or "") for message in request.messages)
    )
    completion_tokens = estimated_tokens(text + "".join(name + args for name, args in calls))
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["content"], finish_reason = None, "tool_calls"
        message["tool_calls"] = [
            {"id": f"call_{index}", "type": "function", "function": {"name": name, "arguments": args}}
            for index, (name, args) in enumerate(calls)
        ]
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _encoded(payload: Any) -> bytes:
    """A response body: a str as it is, anything else as JSON."""
    return (payload if isinstance(payload, str) else json.dumps(payload)).encode("utf-8")


def _error_body(message: str, *, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # concurrent clients would otherwise wait out a TCP SYN retry
    fake: FakeOpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hung up (timed-out requests); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests and benchmarks read `requests`, not an access log."""

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/v1/models":
            self._send(404, _error_body(f"no route {self.path}"))
            return
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "fixloop"}
            for name in self.server.fake.models
        ]
        self._send(200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, _error_body(f"no route {self.path}"))
            return
        try:
            request = ChatRequest.model_validate_json(body)
        except ValidationError as exc:
            self._send(400, _error_body(f"invalid request body: {exc.errors()[0]['msg']}"))
            return
        answer = self.server.fake._answer(request)
        if answer is None:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if answer.drip_interval_s > 0:
            self.close_connection = True
            response = self._raw_response(answer.status, answer.body, answer.headers)
            self.server.fake._drip(self, response, answer.drip_interval_s)
            return
        self._send(answer.status, answer.body, answer.headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = _encoded(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _raw_response(self, status: int, payload: Any, headers: dict[str, str]) -> bytes:
        """The whole response `_send` would write, as bytes (for dripping them)."""
        data = _encoded(payload)
        lines = [
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
            "Content-Type: application/json",
            f"Content-Length: {len(data)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        return "\r\n".join([*lines, "", ""]).encode("latin-1") + data
