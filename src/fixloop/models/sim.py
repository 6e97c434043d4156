"""`SimModel`: a seeded stochastic stand-in for an LLM, for offline demos, tests and benchmarks.

It answers the LLM agent's prompts with actions in exactly the JSON a real model must
produce, so prompting, parsing, limits and logging all run as they would with a real
model. It is a simulator, not a model: it is built for one episode's `Task` and consults
the task's hidden reference fix. Its results are labelled simulated everywhere
(`simulated = True`, model name `sim:<preset>`) and are never a model's performance.

**The episode it plays.** A competent, careful run is: run the tests, read the failing
test's file, read the fix's file(s), replace the buggy lines with the reference fix's
lines, run the tests, submit. The parameters (`SimConfig`) perturb it, each at its own
opportunity:

- `wrong_files` — after the first test run, when the task has two or more irrelevant
  non-test files: reads 2-3 of them instead of the fix's file, makes its edits there, and
  never reads the fix's file that episode.
- `blind_write` — after the first test run: edits the fix's file without reading it.
- `looping` — at the first read of a source file (of the test file when it reads none):
  reads it three times in a row, which the agent stops as looping.
- `competence` — each fix attempt: the attempt is the reference fix.
- `wrong_edit` — an attempt that is not the fix: a plausible wrong edit (a mutation of the
  buggy lines, sometimes of another line) rather than a search to look around more.
- `never_test` — right after an attempt's edits: submits without running the tests.
- `premature_submit` — after a test run on an attempt that failed: submits anyway rather
  than undoing the attempt and trying again.
- `malformed` — every reply: prose, truncated JSON, or an object missing a field; the
  intended action is tried again next turn.

With two steps left it runs the tests if it has untested edits; with one left it submits.

**Directives.** The system prompt's own sections (base prompt, reply format) are not
directives: only what follows them (the skill, memory cards, notes or feedback from a
previous attempt) and user messages that are not observations. When that text contains
one of `DIRECTIVE_PHRASES[behaviour]` (case, spacing and underscores ignored, so a label
such as NEVER_TESTED named in feedback counts too), the behaviour's
propensity is multiplied by `1 - compliance`. `active_directives` lists what the last
prompt addressed.

**Randomness.** Each call draws from its own `random.Random`, seeded with a SHA-256 digest
of the model's seed, the task id, the call's index in the episode and the call's `seed`
argument (when given) — never global state or `hash()` — so the same seed and the same prompts give the same
replies, and each decision uses its own named draw so that a directive changes only the
decisions it addresses. A prompt at step 0 starts a new episode. `temperature` is ignored;
a reply longer than `max_tokens` is cut off, as a real model's would be.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from fixloop.env.actions import (
    Action,
    ReadFile,
    ReplaceLines,
    Reset,
    RunTests,
    SearchCode,
    Submit,
    UndoEdit,
    WriteFile,
)
from fixloop.env.line_edit import common_ends, replace_line_range
from fixloop.env.relevance import relevant_files
from fixloop.models.base import Completion, Message, ModelError, estimated_usage
from fixloop.models.json_extract import extract_json_object
from fixloop.models.sim_presets import SIM_PRESETS, SimConfig
from fixloop.tasks.stats import is_test_file
from fixloop.tasks.synthesis.operators import OPERATORS
from fixloop.tasks.synthesis.source import SourceModule, parses
from fixloop.tasks.task import Task, test_file_of

__all__ = [
    "BEHAVIOURS",
    "DIRECTIVE_PHRASES",
    "SIM_PRESETS",
    "Behaviour",
    "SimConfig",
    "SimModel",
    "active_directives",
    "directive_text",
    "make_sim_model",
]

Behaviour = Literal[
    "blind_write", "never_test", "looping", "wrong_files", "wrong_edit", "premature_submit", "malformed"
]
BEHAVIOURS: tuple[Behaviour, ...] = get_args(Behaviour)

DIRECTIVE_PHRASES: dict[Behaviour, tuple[str, ...]] = {
    "blind_write": (
        "read the target file before",
        "never write before reading",
        "never edit before reading",
        "read before you edit",
        "read before editing",
        "read the file before",
        "before you edit",
        "before editing",
        "before writing",
        "blind write",
    ),
    "never_test": (
        "run the tests after every edit",
        "run the tests after each edit",
        "run tests after every edit",
        "run tests after each edit",
        "test after every edit",
        "test after each edit",
        "run the tests before submitting",
        "never submit without",
        "never submit untested",
        "submit only on a pass",
        "submit only after",
        "never tested",
    ),
    "premature_submit": (
        "submit only on a pass",
        "submit only when",
        "submit only after",
        "only submit when",
        "never submit while",
        "do not submit while",
        "don't submit while",
        "until the tests pass",
        "until all tests pass",
        "premature submit",
    ),
    "looping": (
        "read each file at most once",
        "read each file once",
        "use search",
        "do not repeat",
        "don't repeat",
        "never repeat",
        "avoid repeating",
        "looping",
    ),
    "wrong_files": (
        "start from the failing test",
        "follow its imports",
        "follow the imports",
        "read only those modules",
        "modules the failing test imports",
        "irrelevant files",
        "wrong file",
    ),
    "wrong_edit": (
        "find the exact lines",
        "minimal fix",
        "minimal change",
        "do not guess",
        "don't guess",
        "hallucinat",
    ),
    "malformed": (
        "single json object",
        "exactly one json object",
        "valid json",
        "no prose",
        "format error",
    ),
}
"""Phrases (lower case) that address each behaviour; see the module docstring."""

_PROMPT_SECTIONS = re.compile(r"^## Reply format$", re.MULTILINE)
_NEXT_SECTION = re.compile(r"^## ", re.MULTILINE)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{3,}")


def directive_text(messages: list[Message]) -> str:
    """What in `messages` may hold directives: the system prompt after its reply-format section
    (the skill, lessons, notes or feedback) and every user message that is not an observation."""
    parts = []
    for message in messages:
        if message.role == "system":
            start = _PROMPT_SECTIONS.search(message.content)
            following = _NEXT_SECTION.search(message.content, start.end()) if start else None
            if following is not None:
                parts.append(message.content[following.start() :])
        elif message.role == "user" and not message.content.startswith("# Task "):
            parts.append(message.content)
    return "\n".join(parts)


def active_directives(messages: list[Message]) -> frozenset[Behaviour]:
    """The behaviours a directive in `messages` addresses (see `DIRECTIVE_PHRASES`)."""
    text = " ".join(directive_text(messages).lower().replace("_", " ").split())
    return frozenset(
        behaviour for behaviour, phrases in DIRECTIVE_PHRASES.items() if any(p in text for p in phrases)
    )


def make_sim_model(spec: str, task: Task, *, seed: int) -> SimModel:
    """The simulated model `spec` (`sim:careless`) for one episode of `task`.

    Raises ValueError when `spec` is not `sim:<preset>` or names an unknown preset; the
    message lists the presets.
    """
    provider, _, preset = spec.partition(":")
    if provider != "sim" or preset not in SIM_PRESETS:
        known = ", ".join(f"sim:{name}" for name in SIM_PRESETS)
        raise ValueError(f"unknown simulated model {spec!r}; known: {known}")
    return SimModel(SIM_PRESETS[preset], task, seed=seed, preset=preset)


class SimModel:
    """A simulated model for one task (see the module docstring). Implements `Model`.

    `active_directives` and `propensities` describe the latest call: the behaviours its
    prompt addressed and the propensities in effect.
    """

    simulated = True

    def __init__(self, config: SimConfig, task: Task, *, seed: int, preset: str = "custom") -> None:
        self.config = config
        self.task = task
        self.seed = seed
        self.name = f"sim:{preset}"
        self.active_directives: frozenset[Behaviour] = frozenset()
        self.propensities: dict[Behaviour, float] = self._propensities(frozenset())
        self._episode = _Episode(task)
        self._calls = 0

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
        """The next reply to the debugging agent's `messages`.

        Raises ModelError when the last message is not an observation of this model's task
        (a SimModel answers one task's agent, nothing else), and when offered `tools`: the
        simulation writes JSON actions only.
        """
        if tools is not None:
            raise ModelError(f"{self.name} does not call tools; use --action-format json")
        view = _ObservationView.parse(messages[-1].content if messages else "")
        if view is None or view.task_id != self.task.id:
            raise ModelError(
                f"{self.name} simulates an agent on task {self.task.id!r} and can only answer its "
                "observations; build one with make_sim_model(spec, task, seed=...) per episode"
            )
        if view.step == 0:
            self._episode, self._calls = _Episode(self.task), 0
        self.active_directives = active_directives(messages)
        self.propensities = self._propensities(self.active_directives)
        key = f"fixloop-sim:{self.seed}:{self.task.id}:{seed}:{self._calls}".encode()
        # A digest, not the key itself: Random(str) seeds with the key's own bytes, and keys
        # this alike give visibly correlated first draws.
        rng = random.Random(hashlib.sha256(key).digest())
        self._calls += 1
        chances = _Chances(
            propensity=self.propensities,
            competence=self.config.competence,
            draws={name: rng.random() for name in (*BEHAVIOURS, "competence")},
            rng=rng,
        )
        text = self._episode.reply(view, chances)
        limit = math.floor(max_tokens * self.config.chars_per_token)
        text = text[:limit]
        usage = estimated_usage(messages, text, self.config.chars_per_token)
        parsed = extract_json_object(text) if schema is not None else None
        return Completion(text=text, parsed=parsed, usage=usage, model=self.name)

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
        """Same as `complete`."""
        return self.complete(
            messages, schema=schema, temperature=temperature, max_tokens=max_tokens, seed=seed, tools=tools
        )

    def _propensities(self, directives: frozenset[Behaviour]) -> dict[Behaviour, float]:
        factor = 1.0 - self.config.compliance
        return {
            behaviour: getattr(self.config, behaviour) * (factor if behaviour in directives else 1.0)
            for behaviour in BEHAVIOURS
        }


@dataclass(frozen=True)
class _TestRun:
    passed: int
    total: int
    failing: list[str]
    timed_out: bool

    @property
    def ok(self) -> bool:
        return not self.failing and not self.timed_out and self.passed == self.total


@dataclass(frozen=True)
class _ObservationView:
    """What the simulator reads from a rendered `Observation`."""

    task_id: str
    repo: list[str]
    step: int
    steps_remaining: int
    error: str | None
    tests: _TestRun | None

    @classmethod
    def parse(cls, text: str) -> _ObservationView | None:
        """The view of an `Observation.render()` text, None when `text` is not one."""
        task = re.search(r"^# Task (\S+)$", text, re.MULTILINE)
        status = re.search(r"^# Status\nstep (\d+), (\d+) steps left", text, re.MULTILINE)
        if task is None or status is None:
            return None
        repo = re.search(r"^# Repository\n(.*?)\n\n# Status", text, re.MULTILINE | re.DOTALL)
        error = re.search(r"^# Error in your last action\n(.*?)(?:\n\n# |\Z)", text, re.MULTILINE | re.DOTALL)
        tests = re.search(
            r"^# Tests\n(\d+)/(\d+) tests passed( \(the run timed out\))?(?:\nfailing: (.*))?$",
            text,
            re.MULTILINE,
        )
        return cls(
            task_id=task.group(1),
            repo=repo.group(1).splitlines() if repo else [],
            step=int(status.group(1)),
            steps_remaining=int(status.group(2)),
            error=error.group(1) if error else None,
            tests=None
            if tests is None
            else _TestRun(
                passed=int(tests.group(1)),
                total=int(tests.group(2)),
                failing=tests.group(4).split(", ") if tests.group(4) else [],
                timed_out=tests.group(3) is not None,
            ),
        )


@dataclass(frozen=True)
class _Chances:
    """One call's randomness: the propensities in effect, one uniform draw per decision (so a
    changed propensity changes no other decision), and `rng` for picking among options."""

    propensity: dict[Behaviour, float]
    competence: float
    draws: dict[str, float]
    rng: random.Random

    def happens(self, behaviour: Behaviour) -> bool:
        return self.draws[behaviour] < self.propensity[behaviour]

    def competent(self) -> bool:
        return self.draws["competence"] < self.competence


Phase = Literal["start", "navigate", "fix", "check", "judge", "done"]


@dataclass
class _Episode:
    """The simulator's state in one episode, updated from what each observation confirms."""

    task: Task
    files: dict[str, str] = field(init=False)
    undo: list[tuple[str, str | None]] = field(default_factory=list)
    queue: list[Action] = field(default_factory=list)
    pending: Action | None = None
    phase: Phase = "start"
    attempt_edits: int = 0
    untested_edits: int = 0
    last_run: _TestRun | None = None
    lost_in: list[str] = field(default_factory=list)
    blind: bool = False
    searches: int = 0

    def __post_init__(self) -> None:
        self.files = dict(self.task.files)

    # ---- one reply -----------------------------------------------------------------------

    def reply(self, view: _ObservationView, chances: _Chances) -> str:
        """The reply to `view`: the next action as JSON, or a malformed one."""
        self._confirm(view)
        action = self._next(view, chances)
        if chances.happens("malformed"):
            self.queue.insert(0, action)
            return _malformed(action, chances.rng)
        self.pending = action
        return json.dumps(_as_reply(action))

    def _next(self, view: _ObservationView, chances: _Chances) -> Action:
        if view.steps_remaining <= 1:
            self.queue.clear()
            return Submit(thought="No steps left to spare; submitting what I have.")
        if view.steps_remaining == 2 and self.untested_edits:
            self.queue.clear()
            self.phase = "judge"
            return RunTests(thought="Check the edit before the last step.")
        while not self.queue:
            self.queue.extend(self._plan(view, chances))
        return self.queue.pop(0)

    def _confirm(self, view: _ObservationView) -> None:
        """Apply what the last action did, now that the observation shows it happened."""
        action, self.pending = self.pending, None
        if action is None:
            return
        if view.error is not None:
            # The environment refused it: forget the plan and decide again from here.
            self.queue.clear()
            if self.phase in ("check", "judge"):
                self.phase = "fix"
            return
        if isinstance(action, ReplaceLines | WriteFile):
            before = self.files.get(action.path)
            if isinstance(action, WriteFile):
                self.files[action.path] = action.content
            else:
                assert before is not None
                self.files[action.path] = replace_line_range(
                    before, action.start_line, action.end_line, action.new_code
                )[0]
            self.undo.append((action.path, before))
            self.untested_edits += 1
        elif isinstance(action, UndoEdit):
            path, before = self.undo.pop()
            if before is None:
                self.files.pop(path, None)
            else:
                self.files[path] = before
        elif isinstance(action, Reset):
            self.files, self.undo = dict(self.task.files), []
        elif isinstance(action, RunTests):
            self.last_run = view.tests
            self.untested_edits = 0

    # ---- the plan --------------------------------------------------------------------------

    def _plan(self, view: _ObservationView, chances: _Chances) -> list[Action]:
        match self.phase:
            case "start":
                self.phase = "navigate"
                return [RunTests(thought="Run the tests to see what fails.")]
            case "navigate":
                self.phase = "fix"
                return self._navigate(view, chances)
            case "fix":
                return self._attempt(chances)
            case "check":
                if chances.happens("never_test"):
                    self.phase = "done"
                    return [Submit(thought="That should fix it; submitting.")]
                self.phase = "judge"
                return [RunTests(thought="Run the tests to check the edit.")]
            case "judge":
                return self._judge(chances)
            case "done":
                return [Submit(thought="Submitting.")]

    def _navigate(self, view: _ObservationView, chances: _Chances) -> list[Action]:
        test_file = self._failing_test_file(view)
        relevant = relevant_files(self.task)
        listed = [path for path in view.repo if path in self.task.files] or sorted(self.task.files)
        irrelevant = [path for path in listed if path not in relevant and not is_test_file(path)]
        if len(irrelevant) >= 2 and chances.happens("wrong_files"):
            rng = chances.rng
            self.lost_in = rng.sample(irrelevant, k=min(len(irrelevant), rng.choice((2, 3))))
            sources = list(self.lost_in)
        elif chances.happens("blind_write"):
            self.blind = True
            sources = []
        else:
            sources = self._fix_files()
        order = [test_file, *sources] if test_file else sources
        if order and chances.happens("looping"):
            looped = sources[0] if sources else order[0]
            at = order.index(looped)
            order[at:at] = [looped, looped]
        return [ReadFile(path=path, thought=_read_thought(path, path == test_file)) for path in order]

    def _attempt(self, chances: _Chances) -> list[Action]:
        """One fix attempt: the reference fix, a wrong edit, or a search when unsure."""
        rng = chances.rng
        if self.lost_in:
            edits = self._wrong_edit(rng.choice(self.lost_in), rng, near_bug=False)
        elif chances.competent():
            edits = self._right_edits()
        elif chances.happens("wrong_edit") and self._fix_files():
            path = rng.choice(self._fix_files())
            edits = self._wrong_edit(path, rng, near_bug=rng.random() < 0.75)
        else:
            edits = []
        if not edits:
            return [self._search()]
        self.attempt_edits = len(edits)
        self.phase = "check"
        return edits

    def _judge(self, chances: _Chances) -> list[Action]:
        """After the tests ran on an attempt: submit on a pass (or prematurely), else undo it."""
        run = self.last_run
        if run is not None and run.ok:
            self.phase = "done"
            return [Submit(thought="All tests pass; submitting.")]
        if chances.happens("premature_submit"):
            self.phase = "done"
            return [Submit(thought="Close enough; submitting.")]
        self.phase = "fix"
        undo: list[Action] = [UndoEdit(thought="That did not help; undo it.")]
        if self.attempt_edits > 1:
            undo = [Reset(thought="That did not help; start again from the original code.")]
        self.attempt_edits = 0
        if self.blind:
            # A blind attempt that failed: look at the code this time.
            self.blind = False
            undo += [ReadFile(path=path, thought=_read_thought(path, False)) for path in self._fix_files()]
        return undo

    # ---- edits -------------------------------------------------------------------------------

    def _right_edits(self) -> list[Action]:
        edits: list[Action] = []
        for path in self.task.fix_paths:
            fixed = self.task.reference_fix[path]
            current = self.files.get(path)
            if current is None:
                edits.append(WriteFile(path=path, content=fixed, thought=f"Add {path}."))
            elif current != fixed:
                edits.append(_edit(path, current, fixed, f"Fix the bug in {path}."))
        return edits

    def _wrong_edit(self, path: str, rng: random.Random, *, near_bug: bool) -> list[Action]:
        """A plausible wrong change to `path`: a mutation near the bug, or of some other line."""
        current = self.files[path]
        fixed = self.task.reference_fix.get(path)
        try:
            module = SourceModule(current)
        except SyntaxError:
            return []
        mutants = []
        for operator in OPERATORS.values():
            for site in operator(module):
                mutated = module.apply(site.edits)
                if mutated not in (current, fixed) and parses(mutated):
                    mutants.append((site.line, mutated))
        if not mutants:
            return []
        if fixed is not None:
            first, last = _changed_range(current, fixed)
            near = [m for m in mutants if first - 1 <= m[0] <= last + 1]
            far = [m for m in mutants if m not in near]
            mutants = (near if near_bug else far) or near or far
        _, mutated = rng.choice(mutants)
        return [_edit(path, current, mutated, f"The bug must be here in {path}; change it.")]

    def _search(self) -> Action:
        """Look around instead of editing: search for a name near the bug."""
        names: list[str] = []
        for path in self.task.fix_paths:
            current = self.files.get(path, "")
            first, last = _changed_range(current, self.task.reference_fix[path])
            region = "\n".join(current.splitlines()[max(first - 3, 0) : last + 2])
            names += [n for n in _IDENTIFIER.findall(region) if not keyword.iskeyword(n) and n != "self"]
        names = list(dict.fromkeys(names)) or [self.task.id.split("-")[0]]
        self.searches += 1
        query = names[self.searches % len(names)]
        return SearchCode(query=query, thought=f"Not sure yet; where else is {query} used?")

    def _fix_files(self) -> list[str]:
        """The files the fix changes that exist now (a fix may also add files)."""
        return [path for path in self.task.fix_paths if path in self.files]

    def _failing_test_file(self, view: _ObservationView) -> str | None:
        failing = view.tests.failing if view.tests else []
        for node in [*failing, *self.task.fail_to_pass]:
            if test_file_of(node) in self.task.files:
                return test_file_of(node)
        return None


def _edit(path: str, before: str, after: str, thought: str) -> Action:
    """One `replace_lines` over the span where `before` and `after` differ, or `write_file`
    when a line edit cannot express the change exactly."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    prefix, suffix = common_ends(old, new)
    start, end = prefix + 1, len(old) - suffix
    block = new[prefix : len(new) - suffix]
    if start > end and prefix > 0:  # a pure insertion: replace the line before it too
        start, block = start - 1, [old[prefix - 1], *block]
    elif start > end and suffix > 0:
        end, block = end + 1, [*block, old[end]]
    if 1 <= start <= end <= len(old):
        new_code = "".join(block)
        if replace_line_range(before, start, end, new_code)[0] == after:
            return ReplaceLines(path=path, start_line=start, end_line=end, new_code=new_code, thought=thought)
    return WriteFile(path=path, content=after, thought=thought)


def _changed_range(before: str, after: str) -> tuple[int, int]:
    """The 1-based lines of `before` that differ from `after` (first, last)."""
    old, new = before.splitlines(), after.splitlines()
    prefix, suffix = common_ends(old, new)
    return prefix + 1, max(prefix + 1, len(old) - suffix)


def _as_reply(action: Action) -> dict[str, Any]:
    """`action` as a model writes it: the thought, the type, then the fields it sets."""
    fields = action.model_dump(mode="json", exclude_unset=True, exclude={"thought", "action_type"})
    return {"thought": action.thought, "action_type": action.action_type, **fields}


def _read_thought(path: str, is_test: bool) -> str:
    if is_test:
        return f"Read the failing test in {path}."
    return f"Read {path}, the code the failing test exercises."


def _malformed(action: Action, rng: random.Random) -> str:
    """`action` garbled the way models garble output: prose, cut-off JSON, or a missing field."""
    data = _as_reply(action)
    text = json.dumps(data)
    required = [k for k in data if k not in ("thought", "action_type")]
    kinds = ["prose", "truncated", "no_type", *(["no_field"] if required else [])]
    match rng.choice(kinds):
        case "prose":
            return f"I will {action.action_type.replace('_', ' ')} next; {action.thought or 'let me think.'}"
        case "truncated":
            return text[: max(len(text) // 2, 1)]
        case "no_type":
            return json.dumps({k: v for k, v in data.items() if k != "action_type"} or {"thought": "..."})
        case _:
            return json.dumps({k: v for k, v in data.items() if k != required[-1]})
