"""Parse INI text into nested dictionaries of strings.

The dialect:

- `[name]` starts a section; keys that come before any section go to "DEFAULT".
- Blank lines, and lines whose first non-blank character is `#` or `;`, are skipped.
- Assignments are `key = value` or `key: value`. Keys are lowercased; spaces around
  keys and values are dropped.
- A `#` or `;` preceded by whitespace starts an inline comment running to the end of the
  line.
- A value wrapped in double quotes is taken verbatim between the quotes, so it can keep
  leading or trailing spaces and comment characters. A comment may follow the closing
  quote.
"""

from __future__ import annotations

_COMMENT_STARTS = ("#", ";")
_INLINE_MARKERS = (" #", " ;", "\t#", "\t;")


class IniError(ValueError):
    """A line that is not a section header, comment or assignment."""

    def __init__(self, lineno: int, message: str) -> None:
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    """Return {section: {key: value}} for INI `text`.

    Raises IniError, carrying the 1-based line number, for malformed lines.
    """
    config: dict[str, dict[str, str]] = {"DEFAULT": {}}
    section = config["DEFAULT"]
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(_COMMENT_STARTS):
            continue
        if line.startswith("[") and line.endswith("]"):
            name = line[1:-1].strip()
            if not name:
                raise IniError(lineno, "empty section name")
            section = config.setdefault(name, {})
            continue
        key, value = _split_assignment(line, lineno)
        section[key.lower()] = _parse_value(value)
    return config


def _split_assignment(line: str, lineno: int) -> tuple[str, str]:
    positions = [pos for pos in (line.find("="), line.find(":")) if pos != -1]
    if not positions:
        raise IniError(lineno, f"expected 'key = value', got {line!r}")
    cut = min(positions)
    key = line[:cut].strip()
    if not key:
        raise IniError(lineno, "missing key before '='")
    return key, line[cut + 1 :]


def _strip_inline_comment(value: str) -> str:
    cut = len(value)
    for marker in _INLINE_MARKERS:
        found = value.find(marker)
        if found != -1:
            cut = min(cut, found)
    return value[:cut].strip()


def _parse_value(raw_value: str) -> str:
    value = _strip_inline_comment(raw_value.strip())
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value
