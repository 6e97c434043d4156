"""Take secrets out of data before it is stored, logged or reported.

Two signals mark a secret: a *name* that says so (a mapping key containing key, token,
secret, password, auth or credential) and a *value* that looks like one (`sk-...` API keys,
bearer tokens, passwords inside URLs). Only strings are secrets: `max_tokens: 1024` stays.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"

_SECRET_NAME = re.compile(r"key|token|secret|passw|auth|credential", re.IGNORECASE)
_SECRET_VALUES = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),  # OpenAI-style and compatible API keys
    re.compile(r"\b(?:ghp|gho|ghs|github_pat|xox[abpr])_?[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(?<=Bearer )[A-Za-z0-9._~+/=\-]{8,}", re.IGNORECASE),
)
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]+):[^@/\s]+@")


def is_secret_name(name: str) -> bool:
    """True when a setting called `name` should be assumed to hold a secret."""
    return bool(_SECRET_NAME.search(name))


def redact_text(text: str) -> str:
    """`text` with every secret-looking substring (API keys, URL passwords) replaced."""
    for pattern in _SECRET_VALUES:
        text = pattern.sub(REDACTED, text)
    return _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)


def redact(data: Any, *, by_name: bool = True) -> Any:
    """A copy of `data` (dicts, lists, strings, scalars) with its secrets replaced by `REDACTED`.

    Every string has secret-looking substrings replaced. With `by_name` (the default), a
    string stored under a secret-sounding key is replaced whole, and so is every string
    nested under such a key. Other values are returned unchanged.
    """
    return _redact(data, by_name=by_name, under_secret=False)


def _redact(data: Any, *, by_name: bool, under_secret: bool) -> Any:
    if isinstance(data, str):
        return REDACTED if under_secret else redact_text(data)
    if isinstance(data, dict):
        return {
            key: _redact(
                value,
                by_name=by_name,
                under_secret=under_secret or (by_name and is_secret_name(str(key))),
            )
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [_redact(item, by_name=by_name, under_secret=under_secret) for item in data]
    return data
