"""The dashboard's token: with one set, every request (pages, API, static files, the live
stream) must carry it, or it is answered 401.

A request carries the token in an `Authorization: Bearer TOKEN` header, an `X-Fixloop-Token`
header, a `?token=TOKEN` query parameter, or the `fixloop_ui_token` cookie. A page opened with
`?token=` is redirected to the same address without it and given that cookie (HttpOnly,
SameSite=Strict), so the token stays out of the address bar and the history while the page's
links, scripts, styles and live stream carry it. Tokens are compared in constant time
(`hmac.compare_digest`).
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "fixloop_ui_token"
"""The cookie a page opened with `?token=` is given."""
HEADER = b"x-fixloop-token"
"""The header a script or a client may send the token in (or `Authorization: Bearer`)."""


class TokenGate:
    """ASGI middleware that lets through only requests carrying `token` (see the module docstring)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if self._matches(self._query_token(scope)):
            if scope["type"] == "http" and scope["method"] == "GET" and not _is_api(scope["path"]):
                await self._redirect_without_token(scope, send)
            else:
                await self.app(scope, receive, self._setting_cookie(send))
            return
        if any(self._matches(token) for token in self._other_tokens(scope)):
            await self.app(scope, receive, send)
            return
        await _unauthorized(scope, send)

    def _matches(self, candidate: bytes | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate, self.token)

    @staticmethod
    def _query_token(scope: Scope) -> bytes | None:
        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        return values[0].encode() if values else None

    @staticmethod
    def _other_tokens(scope: Scope) -> list[bytes]:
        found = []
        for name, value in scope.get("headers", []):
            if name == HEADER:
                found.append(value)
            elif name == b"authorization" and value[:7].lower() == b"bearer ":
                found.append(value[7:].strip())
            elif name == b"cookie":
                morsel = SimpleCookie(value.decode("latin-1")).get(COOKIE)
                if morsel is not None:
                    found.append(morsel.value.encode())
        return found

    def _cookie(self) -> tuple[bytes, bytes]:
        return b"set-cookie", f"{COOKIE}={self.token.decode()}; Path=/; HttpOnly; SameSite=Strict".encode()

    def _setting_cookie(self, send: Send) -> Send:
        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self._cookie()]}
            await send(message)

        return send_with_cookie

    async def _redirect_without_token(self, scope: Scope, send: Send) -> None:
        query = [(k, v) for k, v in parse_qsl(scope["query_string"].decode("latin-1"), True) if k != "token"]
        path = scope.get("raw_path") or scope["path"].encode()
        location = path + (b"?" + urlencode(query).encode() if query else b"")
        headers = [(b"location", location), (b"content-length", b"0"), self._cookie()]
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _is_api(path: str) -> bool:
    # Scripts calling the API or fetching a file with ?token= get the answer, not a redirect.
    return path.startswith(("/api/", "/static/"))


async def _unauthorized(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4401})
        return
    body = b"401: this dashboard needs its token: open /?token=TOKEN, or send Authorization: Bearer TOKEN\n"
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="fixloop ui"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
