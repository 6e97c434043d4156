"""Write `.env` files that `parse_dotenv` reads back unchanged."""

from __future__ import annotations

import re
from collections.abc import Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE_VALUE = re.compile(r"[A-Za-z0-9_./:@%+,-]*")


def dump_dotenv(values: Mapping[str, str]) -> str:
    """Render `values` as `.env` text, one `NAME=value` line each, in mapping order.

    Values made only of letters, digits and `_./:@%+,-` are written bare; any other value
    is double-quoted with backslash, double quote, dollar sign, newline and tab escaped.
    Raises ValueError for a name that is not a valid variable name.
    """
    lines = []
    for name, value in values.items():
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a valid variable name")
        if _BARE_VALUE.fullmatch(value):
            lines.append(f"{name}={value}")
        else:
            lines.append(f'{name}="{_escape(value)}"')
    return "".join(line + "\n" for line in lines)


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("$", "\\$")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
    )
