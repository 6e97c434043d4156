"""Read `.env` files. The format is specified in SPEC.md at the repository root."""

from __future__ import annotations

import re

from envfile.errors import DotenvError

_BLANKS = " \t"
_ASSIGNMENT = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(.*)")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_INLINE_COMMENT = re.compile(r"[ \t]#")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "$": "$"}


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse the text of a `.env` file into {name: value}, following SPEC.md.

    Raises DotenvError for lines that break the format.
    """
    values: dict[str, str] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        content = line.strip(_BLANKS)
        if not content or content.startswith("#"):
            continue
        match = _ASSIGNMENT.fullmatch(line)
        if match is None:
            raise DotenvError(lineno, f"expected NAME=value, got {line!r}")
        name, raw = match.groups()
        values[name] = _read_value(raw, values, lineno)
    return values


def _read_value(raw: str, known: dict[str, str], lineno: int) -> str:
    value = raw.lstrip(_BLANKS)
    if value.startswith("'"):
        return _single_quoted(value, lineno)
    if value.startswith('"'):
        return _double_quoted(value, known, lineno)
    comment = _INLINE_COMMENT.search(raw)
    if comment is not None:
        raw = raw[: comment.start()]
    return _REFERENCE.sub(lambda ref: known.get(ref.group(1), ""), raw.strip(_BLANKS))


def _single_quoted(value: str, lineno: int) -> str:
    closing = value.find("'", 1)
    if closing == -1:
        raise DotenvError(lineno, "missing closing single quote")
    _check_after_quote(value[closing + 1 :], lineno)
    return value[1:closing]


def _double_quoted(value: str, known: dict[str, str], lineno: int) -> str:
    out: list[str] = []
    pos = 1
    while pos < len(value):
        char = value[pos]
        if char == "\\" and pos + 1 < len(value):
            follower = value[pos + 1]
            out.append(_ESCAPES.get(follower, "\\" + follower))
            pos += 2
            continue
        if char == '"':
            _check_after_quote(value[pos + 1 :], lineno)
            return "".join(out)
        reference = _REFERENCE.match(value, pos) if char == "$" else None
        if reference is not None:
            out.append(known.get(reference.group(1), ""))
            pos = reference.end()
            continue
        out.append(char)
        pos += 1
    raise DotenvError(lineno, "missing closing double quote")


def _check_after_quote(rest: str, lineno: int) -> None:
    rest = rest.strip(_BLANKS)
    if rest and not rest.startswith("#"):
        raise DotenvError(lineno, f"unexpected {rest!r} after closing quote")
