"""Code patterns an agent should not write into a repository it is debugging."""

from __future__ import annotations

import re

DANGEROUS_PATTERNS: dict[str, re.Pattern[str]] = {
    "os.system": re.compile(r"\bos\.system\s*\("),
    "os.popen": re.compile(r"\bos\.popen\s*\("),
    "subprocess": re.compile(r"\bsubprocess\b"),
    "eval": re.compile(r"(?<![\w.])eval\s*\("),
    "exec": re.compile(r"(?<![\w.])exec\s*\("),
    "__import__": re.compile(r"\b__import__\s*\("),
    "socket": re.compile(r"\bsocket\b"),
    "shutil.rmtree": re.compile(r"\bshutil\.rmtree\b"),
    "os.remove": re.compile(r"\bos\.(remove|unlink|rmdir)\s*\("),
    "pickle.loads": re.compile(r"\bpickle\.loads?\s*\("),
}


def count_dangerous(code: str) -> dict[str, int]:
    """How often each dangerous pattern occurs in `code` (patterns with zero hits omitted)."""
    counts = {name: len(pattern.findall(code)) for name, pattern in DANGEROUS_PATTERNS.items()}
    return {name: n for name, n in counts.items() if n}


def newly_dangerous(before: str, after: str) -> dict[str, int]:
    """Dangerous patterns that occur more often in `after` than in `before`."""
    old = count_dangerous(before)
    added = {name: n - old.get(name, 0) for name, n in count_dangerous(after).items()}
    return {name: n for name, n in added.items() if n > 0}
