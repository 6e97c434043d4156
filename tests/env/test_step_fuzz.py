"""Ten thousand seeded random and malformed actions never make `DebugEnv.step` raise.

The actions mix valid ones with random dicts, strings, JSON text, wrong types, huge, deep
and surrogate-laden values and hostile paths (`..`, absolute, NUL, long, through links),
while links to a canary host directory, link loops, FIFOs, sockets, deep trees and huge
files are planted in the workspace meanwhile — directly on disk and at every test run, as
test code would. Most of it runs on an in-memory sandbox; a smaller part runs the real one.
"""

import json
import logging
import os
import random
import socket

import pytest

from fixloop.env.actions import ACTION_TYPES
from fixloop.env.debug_env import DebugEnv, StepResult
from tests.env.fake_sandbox import FakeSandbox
from tests.env.host_canary import fingerprint, make_canary, replace_with_link

SEED = 20_251_204
FAKE_STEPS = 10_000
REAL_STEPS = 300

PATHS = [
    "calc.py", "tests/test_calc.py", "tests", ".", "./calc.py", "tests/../calc.py", "new.py",
    "pkg/new/mod.py", "notes.txt", "..", "../x.py", "tests/../../x.py", "/etc/passwd", "~/x",
    "", " ", "calc\x00.py", "x" * 300, "x" * 5_000, "a/" * 2_000 + "x.py", "link.py", "dirlink/x.py",
    "loop", "loop/x.py", "pipe.py", "sock", "deep/" * 40 + "x.py", "big.py", "héllo.py", "\\x.py",
    "tests/test_calc.py::test_add_small", "-p", "--co", "calc.py calc.py", "\ud800.py",
]  # fmt: skip
FIELDS = ["path", "content", "query", "target", "start_line", "end_line", "new_code", "thought",
          "coverage", "new_code_block", "action_type", "extra"]  # fmt: skip
PLANTS = ["file-link", "folder-link", "dangling", "loop", "fifo", "socket", "deep", "big", "binary",
          "bad-name", "unlink", "clear"]  # fmt: skip


class Fuzzer:
    """Random actions and workspace plants from one seeded generator."""

    def __init__(self, seed: int, host) -> None:
        self.rng = random.Random(seed)
        self.host = host

    def path(self) -> object:
        rng = self.rng
        if rng.random() < 0.8:
            return rng.choice(PATHS)
        names = ["..", ".", "", "a", "tests", "calc.py", "\x00", "é", "x" * 256]
        parts = [rng.choice(names) for _ in range(4)]
        return "/".join(parts) if rng.random() < 0.9 else self.value(2)

    def text(self) -> str:
        rng = self.rng
        choice = rng.random()
        if choice < 0.6:
            return rng.choice(["x = 1\n", "def add(a, b):\n    return a + b\n", "", "(((\n", "\t\n\n"])
        if choice < 0.8:
            return "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(50)))
        if choice < 0.95:
            return rng.choice(["\n" * 5_000, "y" * 300_000, "\ud800", "a\x00b", "é" * 70_000])
        return "[" * 1_500 + "]" * 1_500

    def value(self, depth: int = 3) -> object:
        rng = self.rng
        kind = rng.randrange(10)
        if depth <= 0 or kind < 5:
            return rng.choice([None, True, 0, -1, 1, 3, 10**12, 10**400, 1.5, float("nan"), "", "x", "\ud800",
                               self.text(), b"bytes"])  # fmt: skip
        if kind < 7:
            return [self.value(depth - 1) for _ in range(rng.randrange(4))]
        if kind < 9:
            return {rng.choice(FIELDS): self.value(depth - 1) for _ in range(rng.randrange(4))}
        return self.deep(rng.randrange(10, 3_000))

    def deep(self, depth: int) -> object:
        nested: object = []
        for _ in range(depth):
            nested = [nested] if self.rng.random() < 0.5 else {"thought": nested}
        return nested

    def valid(self) -> dict:
        rng = self.rng
        kind = rng.choices(ACTION_TYPES, weights=[8, 8, 5, 8, 8, 1, 4, 1, 0.3])[0]
        action: dict = {"action_type": kind}
        if kind in ("view_code", "read_file", "replace_lines", "write_file") or rng.random() < 0.3:
            action["path"] = self.path()
        if kind == "view_code" and rng.random() < 0.5:
            action["start_line"], action["end_line"] = rng.randrange(1, 20), rng.randrange(1, 40)
        if kind == "search_code":
            action["query"] = rng.choice(["def", "a", "x" * 2_000, "\ud800", ""])
        if kind == "replace_lines":
            action.update(start_line=rng.randrange(1, 10), end_line=rng.randrange(1, 12))
            action["new_code"] = self.text()
        if kind == "write_file":
            action["content"] = self.text()
        if kind == "run_tests" and rng.random() < 0.5:
            targets = ["tests/test_calc.py", "calc.py", "tests", "nope.py", "-x", "pipe.py"]
            action["target"] = rng.choice(targets)
        return action

    def action(self) -> object:
        rng = self.rng
        choice = rng.random()
        if choice < 0.45:
            return self.valid()
        if choice < 0.65:
            action = self.valid()
            for _ in range(rng.randrange(1, 3)):
                action[rng.choice(FIELDS)] = self.value()
            return action
        if choice < 0.8:
            try:
                text = json.dumps(self.valid(), default=repr)
            except RecursionError:
                text = '{"action_type": "view_code"}'
            cut = rng.randrange(len(text) + 1)
            return rng.choice([text, text[:cut], text[:cut] + "\ud800" + text[cut:], text.replace('"', "'")])
        if choice < 0.9:
            return self.value()
        if choice < 0.97:
            return {rng.choice(FIELDS): self.value() for _ in range(rng.randrange(5))}
        return rng.choice([self.deep(rng.randrange(900, 3_000)), "[" * 5_000, {"action_type": "A" * 100_000}])

    def plant(self, root) -> None:
        """What hostile test code might leave in the workspace at `root`."""
        rng = self.rng
        what = rng.choice(PLANTS)
        existing = sorted(p for p in root.rglob("*") if len(p.relative_to(root).parts) < 4)
        target = rng.choice(existing) if existing else root / "calc.py"
        try:
            if what == "file-link":
                replace_with_link(target, self.host / rng.choice(["secret.txt", "readonly.cfg", "calc.py"]))
            elif what == "folder-link":
                replace_with_link(root / rng.choice(["tests", "dirlink", "pkg"]), self.host / "dir")
            elif what == "dangling":
                replace_with_link(root / "link.py", self.host / "created.txt")
            elif what == "loop":
                replace_with_link(root / "loop", "loop")
            elif what == "fifo":
                os.mkfifo(root / rng.choice(["pipe.py", "calc.py.new", "tests/pipe.py"]))
            elif what == "socket":
                with socket.socket(socket.AF_UNIX) as server:
                    server.bind(str(root / "sock"))
            elif what == "deep":
                (root / ("deep/" * 40)).mkdir(parents=True, exist_ok=True)
            elif what == "big":
                (root / "big.py").write_bytes(b"x = 1\n" * 400_000)
            elif what == "binary":
                (root / "blob.py").write_bytes(bytes(range(256)))
            elif what == "bad-name":
                (root / os.fsdecode(b"bad\xff.py")).write_text("x = 1\n")
            elif what == "unlink" and target.exists() and not target.is_dir():
                target.unlink()
        except OSError:
            pass  # the entry was already there, or its folder is a link: test code gives up too


@pytest.fixture
def host(tmp_path):
    return make_canary(tmp_path / "host")


def drive(env, task, fuzzer, steps, caplog) -> None:
    """`steps` random actions through `env`, planting meanwhile; asserts every result is sane."""
    env.reset(task)
    for _ in range(steps):
        if fuzzer.rng.random() < 0.05:
            fuzzer.plant(env.workspace.root)
        result = env.step(fuzzer.action())
        assert isinstance(result, StepResult)
        result.model_dump_json()  # storable: no lone surrogates anywhere
        if result.done:
            env.state()
            env.reset(task)
    env.state()
    env.close()
    bugs = [record for record in caplog.records if "fixloop bug" in record.getMessage()]
    assert bugs == [], bugs[0].exc_text if bugs else None


def test_random_and_malformed_actions_never_raise_out_of_step(calc_task, host, caplog):
    caplog.set_level(logging.ERROR)
    before = fingerprint(host)
    fuzzer = Fuzzer(SEED, host)
    env = DebugEnv(FakeSandbox(on_run=fuzzer.plant))
    drive(env, calc_task.model_copy(update={"max_steps": 400}), fuzzer, FAKE_STEPS, caplog)
    assert fingerprint(host) == before


def test_random_actions_with_the_real_sandbox_never_raise_out_of_step(sandbox, calc_task, host, caplog):
    caplog.set_level(logging.ERROR)
    before = fingerprint(host)
    fuzzer = Fuzzer(SEED + 1, host)
    drive(DebugEnv(sandbox), calc_task.model_copy(update={"timeout_s": 10}), fuzzer, REAL_STEPS, caplog)
    assert fingerprint(host) == before
