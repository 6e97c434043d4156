"""A generated library of realistic size for synthesis benchmarks: several modules, many tests.

`write_library(root, modules=8)` writes the package `ledgerlib/` (one module per index,
each with a dozen small functions and a class in the style of the seed packages: clamping,
chunking, running totals, moving averages, parsing, searching, histograms, a bounded
counter ...; a module also calls a helper of the module before it) and `tests/` with about
40 focused tests per module, some parametrized, one working on a larger input. Every
expected value in the tests is computed by running the generated code itself, so the
suite passes by construction. As in real code, the tests are uneven: `weak` (3) of the
nine functions of each module have a single test, and two helpers have none. The output
depends only on `modules`, `seed` and `weak`.

    python -m benchmarks.synthetic_library DIR [--modules 8] [--seed 0] [--weak 3]
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = "ledgerlib"

Args = tuple[Any, ...]


@dataclass(frozen=True)
class Template:
    """A function's source (with `{name}` and constants drawn per module) and its test inputs."""

    source: str
    constants: Callable[[random.Random], dict[str, Any]]
    inputs: Callable[[random.Random], list[Args]]


def _ints(rng: random.Random, count: int, low: int = -20, high: int = 40) -> list[int]:
    return [rng.randint(low, high) for _ in range(count)]


TEMPLATES: dict[str, Template] = {
    "clamp": Template(
        """
        def {name}(value, low={low}, high={high}):
            \"\"\"`value` limited to [low, high].\"\"\"
            if value < low:
                return low
            if value > high:
                return high
            return value
        """,
        lambda rng: {"low": rng.randint(-5, 0), "high": rng.randint(10, 20)},
        lambda rng: [(v,) for v in (-30, -1, 0, 5, 10, 25)] + [(rng.randint(-9, 30),)],
    ),
    "chunked": Template(
        """
        def {name}(items, size={size}):
            \"\"\"`items` cut into lists of `size` (the last may be shorter).\"\"\"
            if size <= 0:
                raise ValueError("size must be positive")
            chunks = []
            for start in range(0, len(items), size):
                chunks.append(list(items[start : start + size]))
            return chunks
        """,
        lambda rng: {"size": rng.randint(2, 4)},
        lambda rng: [(list(range(n)),) for n in (0, 1, 5, 9)] + [(_ints(rng, 7),)],
    ),
    "running_total": Template(
        """
        def {name}(values, start={start}):
            \"\"\"The running sums of `values`, starting from `start`.\"\"\"
            total = start
            sums = []
            for value in values:
                total += value
                sums.append(total)
            return sums
        """,
        lambda rng: {"start": rng.randint(0, 3)},
        lambda rng: [([],), ([4],), (_ints(rng, 5),), (_ints(rng, 8),)],
    ),
    "moving_average": Template(
        """
        def {name}(values, window={window}):
            \"\"\"Averages of each `window` consecutive values, rounded to 3 places.\"\"\"
            if window < 1 or window > len(values):
                return []
            total = sum(values[:window])
            averages = [round(total / window, 3)]
            for index in range(window, len(values)):
                total += values[index] - values[index - window]
                averages.append(round(total / window, 3))
            return averages
        """,
        lambda rng: {"window": rng.randint(2, 3)},
        lambda rng: [([1],), ([2, 4, 6, 8],), (_ints(rng, 6),), (_ints(rng, 9),)],
    ),
    "parse_pairs": Template(
        """
        def {name}(text, separator="{separator}"):
            \"\"\"`key=value` pairs split by `separator`, keys lower-cased; junk is skipped.\"\"\"
            pairs = {{}}
            for part in text.split(separator):
                part = part.strip()
                if not part or "=" not in part:
                    continue
                key, value = part.split("=", 1)
                pairs[key.strip().lower()] = value.strip()
            return pairs
        """,
        lambda rng: {"separator": rng.choice([";", ","])},
        lambda rng: [("",), ("A=1",), ("a=1{s}B = two{s}junk{s}c=3=4",), ("x=1{s}{s}X=2",)],
    ),
    "dedupe": Template(
        """
        def {name}(items):
            \"\"\"`items` without repeats (strings compared without case), first kept.\"\"\"
            seen = set()
            unique = []
            for item in items:
                marker = item.lower() if isinstance(item, str) else item
                if marker in seen:
                    continue
                seen.add(marker)
                unique.append(item)
            return unique
        """,
        lambda rng: {},
        lambda rng: [([],), (["a", "A", "b"],), ([3, 1, 3, 2, 1],), (_ints(rng, 10, 0, 5),)],
    ),
    "find_sorted": Template(
        """
        def {name}(items, target):
            \"\"\"The index of `target` in the sorted `items`, or -1.\"\"\"
            low, high = 0, len(items) - 1
            while low <= high:
                middle = (low + high) // 2
                if items[middle] == target:
                    return middle
                if items[middle] < target:
                    low = middle + 1
                else:
                    high = middle - 1
            return -1
        """,
        lambda rng: {},
        lambda rng: [([], 3), ([1, 3, 5, 7, 9], 1), ([1, 3, 5, 7, 9], 9), ([1, 3, 5, 7, 9], 4), ([2, 4], 4)],
    ),
    "histogram": Template(
        """
        def {name}(values, width={width}):
            \"\"\"(bucket start, count) pairs of `values` in buckets of `width`, sorted.\"\"\"
            counts = {{}}
            for value in values:
                bucket = (value // width) * width
                counts[bucket] = counts.get(bucket, 0) + 1
            return sorted(counts.items())
        """,
        lambda rng: {"width": rng.choice([5, 10])},
        lambda rng: [([],), ([0, 4, 5, 9, 10],), (_ints(rng, 12, 0, 50),)],
    ),
    "percent_change": Template(
        """
        def {name}(old, new, digits={digits}):
            \"\"\"The change from `old` to `new` in percent, or None when `old` is 0.\"\"\"
            if old == 0:
                return None
            return round((new - old) / abs(old) * 100, digits)
        """,
        lambda rng: {"digits": rng.choice([1, 2])},
        lambda rng: [(0, 5), (50, 75), (80, 20), (-40, -10), (3, 4)],
    ),
    "rotate": Template(
        """
        def {name}(items, steps={steps}):
            \"\"\"`items` rotated right by `steps`.\"\"\"
            if not items:
                return []
            steps = steps % len(items)
            if steps == 0:
                return list(items)
            return list(items[-steps:]) + list(items[:-steps])
        """,
        lambda rng: {"steps": rng.randint(1, 2)},
        lambda rng: [([],), ([1],), ([1, 2, 3, 4],), ([1, 2, 3, 4, 5],)],
    ),
    "overlaps": Template(
        """
        def {name}(first, second):
            \"\"\"Whether the half-open intervals `first` and `second` share a point.\"\"\"
            (first_start, first_end), (second_start, second_end) = first, second
            return first_start < second_end and second_start < first_end
        """,
        lambda rng: {},
        lambda rng: [((0, 5), (5, 9)), ((0, 5), (4, 9)), ((3, 4), (0, 10)), ((6, 8), (1, 2))],
    ),
    "title_case": Template(
        """
        def {name}(text, small=("a", "an", "the", "of", "and")):
            \"\"\"Title case, keeping the `small` words lower-case but at the start.\"\"\"
            words = []
            for index, word in enumerate(text.split()):
                lower = word.lower()
                if index > 0 and lower in small:
                    words.append(lower)
                else:
                    words.append(lower[:1].upper() + lower[1:])
            return " ".join(words)
        """,
        lambda rng: {},
        lambda rng: [("",), ("the lord of the rings",), ("A TALE of two cities",), ("war  and   peace",)],
    ),
}

COUNTER = '''
class {name}:
    """Counts named items, each up to `LIMIT`."""

    LIMIT = {limit}

    def __init__(self):
        self.counts = {{}}

    def add(self, name, amount=1):
        if amount <= 0:
            raise ValueError("amount must be positive")
        current = self.counts.get(name, 0)
        self.counts[name] = min(current + amount, self.LIMIT)
        return self.counts[name]

    def remove(self, name, amount=1):
        current = self.counts.get(name, 0)
        if amount > current:
            raise KeyError(name)
        left = current - amount
        if left == 0:
            del self.counts[name]
        else:
            self.counts[name] = left
        return left

    def total(self):
        return sum(self.counts.values())
'''

COUNTER_SCRIPTS: list[list[tuple[str, Args]]] = [
    [("add", ("a", 2)), ("add", ("b", 1)), ("total", ())],
    [("add", ("a", 3)), ("remove", ("a", 1)), ("total", ())],
    [("add", ("a", 100)), ("total", ())],
    [("add", ("a", 2)), ("remove", ("a", 2)), ("total", ())],
]

UNTESTED = '''

def describe_{module}(values):
    """A one-line summary of `values` (used by the command line only; no test covers it)."""
    if not values:
        return "no values"
    return f"{{len(values)}} values from {{min(values)}} to {{max(values)}}"


def format_rows_{module}(rows, width=12, separator=" | "):
    """`rows` as aligned text lines (used by the command line only; no test covers it)."""
    lines = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            text = str(cell)
            if len(text) > width:
                text = text[: width - 1] + "~"
            cells.append(text.ljust(width) if index < len(row) - 1 else text)
        lines.append(separator.join(cells).rstrip())
    return "\\n".join(lines)
'''


def _substituted(template: Template, name: str, rng: random.Random) -> tuple[str, list[Args]]:
    source = textwrap.dedent(template.source).strip("\n").format(name=name, **template.constants(rng))
    separator = ";" if 'separator=";"' in source else ","
    inputs = [
        tuple(arg.format(s=separator) if isinstance(arg, str) else arg for arg in args)
        for args in template.inputs(rng)
    ]
    return source, inputs


def _module_source(index: int, rng: random.Random, weak: int) -> tuple[str, dict[str, list[Args]], list[str]]:
    """The module's code, each function's test inputs, and the functions chosen."""
    names = list(TEMPLATES)
    rng.shuffle(names)
    chosen = sorted(names[:9])
    parts = [f'"""Module {index} of the generated ledger library."""']
    if index > 0:
        parts.append(f"from {PACKAGE}.module{index - 1} import total_of_{index - 1}")
    inputs: dict[str, list[Args]] = {}
    single = set(names[:weak])  # tested by one happy-path case only, as real code often is
    for kind in chosen:
        source, args = _substituted(TEMPLATES[kind], f"{kind}_{index}", rng)
        parts.append(source)
        inputs[f"{kind}_{index}"] = args[-1:] if kind in single else args
    parts.append(COUNTER.format(name=f"Counter{index}", limit=rng.randint(5, 9)).strip("\n"))
    total = f'def total_of_{index}(values):\n    """The sum of `values`, ignoring None."""\n'
    total += "    return sum(value for value in values if value is not None)"
    parts.append(total)
    if index > 0:
        pipeline = (
            f"def combined_{index}(first, second):\n"
            f'    """The totals of two lists, added (with module {index - 1}\'s helper)."""\n'
            f"    return total_of_{index - 1}(first) + total_of_{index}(second)"
        )
        parts.append(pipeline)
        inputs[f"combined_{index}"] = [([1, 2], [3]), ([None, 4], []), ([], [5, None, 6])]
    inputs[f"total_of_{index}"] = [([],), ([1, None, 2],), (list(range(10)),)]
    parts.append(UNTESTED.format(module=index).strip("\n"))
    return "\n\n\n".join(parts) + "\n", inputs, chosen


def _test_source(index: int, module: Any, inputs: dict[str, list[Args]]) -> str:
    lines = ["import pytest", "", f"from {PACKAGE} import module{index} as m", ""]
    for function, cases in inputs.items():
        target = getattr(module, function)
        for number, args in enumerate(cases):
            call = f"m.{function}({', '.join(repr(arg) for arg in args)})"
            lines += ["", f"def test_{function}_{number}():"]
            try:
                expected = target(*args)
            except Exception as exc:  # a documented error: the test expects it
                lines += [f"    with pytest.raises({type(exc).__name__}):", f"        {call}", ""]
                continue
            lines += [f"    assert {call} == {expected!r}", ""]
    counter = getattr(module, f"Counter{index}")
    for number, script in enumerate(COUNTER_SCRIPTS):
        lines += ["", f"def test_counter_{index}_script_{number}():", f"    counter = m.Counter{index}()"]
        instance = counter()
        for method, args in script:
            result = getattr(instance, method)(*args)
            lines.append(f"    assert counter.{method}({', '.join(map(repr, args))}) == {result!r}")
        lines.append("")
    lines += [
        "",
        f"def test_counter_{index}_rejects_removing_more_than_it_holds():",
        f"    counter = m.Counter{index}()",
        "    counter.add('a', 1)",
        "    with pytest.raises(KeyError):",
        "        counter.remove('a', 2)",
        "",
    ]
    big = list(range(3000))
    lines += [
        "",
        f"def test_total_of_{index}_on_a_large_input():",
        f"    assert m.total_of_{index}(list(range(3000))) == {module.__dict__[f'total_of_{index}'](big)!r}",
        "",
    ]
    values = [-3, 0, 7, 12, 30]
    clamp = getattr(module, f"clamp_{index}", None)
    if clamp is not None:
        cases = ", ".join(f"({v!r}, {clamp(v)!r})" for v in values)
        lines += [
            "",
            f'@pytest.mark.parametrize(("value", "expected"), [{cases}])',
            f"def test_clamp_{index}_parametrized(value, expected):",
            f"    assert m.clamp_{index}(value) == expected",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_library(root: Path, modules: int = 8, seed: int = 0, weak: int = 3) -> Path:
    """Write the library into `root` (created) and return it; see the module docstring.

    `weak` of each module's nine functions get a single test (more: a sparser suite that
    misses more bugs).
    """
    package = root / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    (root / "tests").mkdir(exist_ok=True)
    (package / "__init__.py").write_text(f'"""The generated ledger library ({modules} modules)."""\n')
    (root / "tests" / "__init__.py").write_text("")
    rng = random.Random(seed)
    sources = [_module_source(index, rng, weak) for index in range(modules)]
    for index, (source, _, _) in enumerate(sources):
        (package / f"module{index}.py").write_text(source)
    # The expected values come from the code itself, imported from `root`.
    sys.path.insert(0, str(root))
    try:
        for index, (_, inputs, _) in enumerate(sources):
            module = importlib.import_module(f"{PACKAGE}.module{index}")
            (root / "tests" / f"test_module{index}.py").write_text(_test_source(index, module, inputs))
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
    return root


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--modules", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weak", type=int, default=3, help="Functions per module with a single test.")
    options = parser.parse_args()
    write_library(options.directory, options.modules, options.seed, options.weak)
    print(f"wrote {options.directory}")


if __name__ == "__main__":
    main()
