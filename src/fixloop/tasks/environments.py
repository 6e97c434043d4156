"""Task environments: the Python a task's tests run with, built once into a cache.

A task runs its tests with fixloop's own interpreter unless it says otherwise:

- `python = "/abs/path/to/python"` in `task.toml` (or `suite.toml`): an interpreter the user
  already has; fixloop builds nothing, and the interpreter must have pytest.
- `requirements = [...]`: pip requirements (PEP 508 strings, or local paths; a relative path
  is relative to the file that declares it). They are built into a virtual environment.
- neither: the repository's own `requirements.txt` at its root (one requirement per line;
  comments and blank lines skipped, pip options such as `-r` or `-e` refused), else its
  `pyproject.toml`'s `[project] dependencies`, else none (fixloop's interpreter).

A built environment holds the requirements plus fixloop's test tooling: pytest at fixloop's
own version (the one the warm worker's fast path is verified against) unless a requirement
names pytest, and coverage.py at fixloop's version when fixloop has it and no requirement
names it. Its identity (`EnvSpec.key`) is the hash of the normalized requirement set and of
the base interpreter (path and version) it is made from, fixloop's own base interpreter.

Environments live in `cache_root()` (`$FIXLOOP_ENV_CACHE`, default
`~/.cache/fixloop/envs`), one directory per key holding `fixloop-env.json` (what it holds,
when it was built and last used, which tasks asked for it). Each is built with `uv` when it
is on PATH, else `python -m venv` and pip (fixloop's own pip when it has one), in a
temporary directory renamed into place, under a per-key file lock: two processes building
the same environment build it once. An environment counts as built once its
`fixloop-env.json` is there, written last (atomically). pytest and coverage.py are also offered to the
installer from wheels re-packed from fixloop's own installation (`.wheels/` in the cache),
so with `offline` (pip's `--no-index`) an environment of local packages builds with no
network at all. Console scripts in an environment name its build directory; fixloop runs
none of them.

Environments are built by `fixloop tasks env build` and at validation and synthesis time,
never during an episode: `task_interpreter` raises `EnvironmentNotBuilt` (a `SandboxError`,
so an infrastructure failure) saying which command builds it.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fixloop.sandbox.base import Interpreter, SandboxError
from fixloop.tasks.task import Task

CACHE_VARIABLE = "FIXLOOP_ENV_CACHE"
"""The environment variable naming the cache directory."""

METADATA = "fixloop-env.json"
WHEELS = ".wheels"
BUILD_TIMEOUT_S = 1800.0
PROBE_TIMEOUT_S = 60.0
MAX_ERROR_CHARS = 4000
"""The tail of an installer's output kept in a build error."""

TOOLING = ("pytest", "coverage")
"""What every built environment gets at fixloop's own version, unless a requirement names it."""

RequirementSource = Literal["task", "requirements.txt", "pyproject.toml"]

_PROBE = """\
import json, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
print(json.dumps({"prefix": sys.prefix, "base_prefix": sys.base_prefix, "executable": sys.executable,
    "version": ".".join(map(str, sys.version_info[:3])), "pytest": version("pytest"),
    "coverage": version("coverage")}))
"""


class TaskEnvironmentError(SandboxError):
    """Base of the task-environment failures (an infrastructure failure, never the agent's)."""


class EnvironmentNotBuilt(TaskEnvironmentError):
    """The task's environment is not in the cache; the message names the command that builds it."""


class EnvironmentBuildError(TaskEnvironmentError):
    """Building an environment failed; the message holds the installer's output (its tail)."""


class RequirementsError(ValueError):
    """A task's requirements cannot be used (not a requirement, a pip option, a bad file)."""


class EnvSpec(BaseModel):
    """What one environment is made of; equal specs share one cached environment."""

    model_config = ConfigDict(frozen=True)

    requirements: list[str] = Field(description="Normalized and sorted, fixloop's tooling included.")
    base_python: str = Field(description="The interpreter the environment is made from (resolved path).")
    python_version: str = Field(description="Its version, e.g. '3.11.7'.")
    source: RequirementSource = Field(description="Where the requirements came from.")

    @property
    def key(self) -> str:
        """16 hex digits of the hash of the requirements and the base interpreter."""
        identity = json.dumps([self.requirements, self.base_python, self.python_version])
        return hashlib.sha256(identity.encode()).hexdigest()[:16]


class CachedEnv(BaseModel):
    """One environment of the cache, as `fixloop-env.json` describes it."""

    key: str
    requirements: list[str]
    source: RequirementSource
    interpreter: Interpreter
    built_at: datetime
    last_used: datetime
    build_seconds: float
    tasks: list[str] = Field(default_factory=list, description="Tasks that asked for it, sorted.")
    size_bytes: int = Field(default=0, description="Disk size, filled in by `EnvironmentCache.entries`.")
    path: str = ""


def cache_root() -> Path:
    """`$FIXLOOP_ENV_CACHE`, else `~/.cache/fixloop/envs`."""
    named = os.environ.get(CACHE_VARIABLE)
    return Path(named).expanduser() if named else Path.home() / ".cache" / "fixloop" / "envs"


def absolute_requirements(requirements: Sequence[str], base: Path) -> list[str]:
    """`requirements` with each relative local path (`./x`, `../x`) made absolute against `base`."""
    return [
        str((base / item).resolve()) if item.strip().startswith(("./", "../")) else item
        for item in requirements
    ]


def declared_requirements(
    files: Mapping[str, str], requirements: Sequence[str] = ()
) -> tuple[list[str], RequirementSource] | None:
    """The requirements of a repository (`files`, path -> content) whose task declares
    `requirements`, and where they come from (see the module docstring); None when there
    are none. Raises `RequirementsError` for a repository file that cannot be used."""
    if requirements:
        return list(requirements), "task"
    if "requirements.txt" in files:
        listed = _requirements_txt(files["requirements.txt"])
        return (listed, "requirements.txt") if listed else None
    if "pyproject.toml" in files:
        try:
            project = tomllib.loads(files["pyproject.toml"]).get("project", {})
        except tomllib.TOMLDecodeError as exc:
            raise RequirementsError(f"pyproject.toml is not valid TOML: {exc}") from None
        dependencies = project.get("dependencies", []) if isinstance(project, dict) else []
        if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
            raise RequirementsError("pyproject.toml: [project] dependencies is not a list of strings")
        return (list(dependencies), "pyproject.toml") if dependencies else None
    return None


def _requirements_txt(text: str) -> list[str]:
    requirements = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if line.startswith("-"):
            raise RequirementsError(
                f"requirements.txt line {number}: pip options ({line.split()[0]}) are not supported; "
                "list the requirements in task.toml's `requirements` instead"
            )
        if line.startswith(("./", "../")):
            raise RequirementsError(
                f"requirements.txt line {number}: {line} is a path inside the repository, which "
                "fixloop does not install; list the requirements in task.toml's `requirements`"
            )
        requirements.append(line)
    return requirements


def normalize_requirement(item: str) -> str:
    """One requirement in canonical form: `name[extras]specifier; marker`, `name[extras] @ url`,
    or an absolute local path as it is. Raises `RequirementsError` for anything else."""
    text = item.strip()
    if text.startswith("/"):
        return text
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise RequirementsError(f"{item!r} is not a requirement: {exc}") from None
    name: str = canonicalize_name(requirement.name)
    if requirement.extras:
        name += "[" + ",".join(sorted(requirement.extras)) + "]"
    normal = f"{name} @ {requirement.url}" if requirement.url else name + str(requirement.specifier)
    if requirement.marker is not None:
        normal += f"{' ' if requirement.url else ''}; {requirement.marker}"
    return normal


def _named(requirement: str) -> str | None:
    if requirement.startswith("/"):
        return None
    return canonicalize_name(Requirement(requirement).name)


def base_python() -> tuple[str, str]:
    """The interpreter environments are made from (fixloop's own base, resolved) and its version."""
    executable = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(executable), ".".join(map(str, sys.version_info[:3]))


def tooling_versions() -> dict[str, str]:
    """fixloop's own versions of the `TOOLING` packages it has installed."""
    versions = {}
    for name in TOOLING:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def environment_spec(task: Task) -> EnvSpec | None:
    """The environment `task` needs, or None when it runs with fixloop's interpreter or its
    own `python`. Raises `RequirementsError`."""
    return None if task.python is not None else repository_spec(task.files, task.requirements)


def repository_spec(files: Mapping[str, str], requirements: Sequence[str] = ()) -> EnvSpec | None:
    """The environment a repository (`files`) with the declared `requirements` needs, or None
    when it has no requirements. Raises `RequirementsError`."""
    declared = declared_requirements(files, requirements)
    if declared is None:
        return None
    requirements, source = declared
    normal = sorted({normalize_requirement(item) for item in requirements})
    named = {_named(item) for item in normal}
    normal += [f"{name}=={version}" for name, version in tooling_versions().items() if name not in named]
    python, version = base_python()
    return EnvSpec(requirements=sorted(normal), base_python=python, python_version=version, source=source)


def probe_interpreter(executable: str) -> Interpreter:
    """Describe the interpreter at `executable` by running it (isolated mode, a few lines).

    Raises `TaskEnvironmentError` when it does not run, or has no pytest.
    """
    try:
        done = subprocess.run(
            [executable, "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        facts = json.loads(done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise TaskEnvironmentError(f"the interpreter {executable} does not run: {exc}") from None
    if facts.get("pytest") is None:
        raise TaskEnvironmentError(
            f"the interpreter {executable} has no pytest; install it there (pip install 'pytest=="
            f"{tooling_versions().get('pytest', '9.0.*')}') or list the requirements instead of `python`"
        )
    named = [facts["prefix"], facts["base_prefix"], os.path.dirname(executable)]
    paths = [
        *named,
        *(os.path.realpath(path) for path in named),
        os.path.dirname(os.path.realpath(executable)),
    ]
    return Interpreter(
        executable=executable,
        version=facts["version"],
        paths=sorted(set(paths)),
        pytest=facts["pytest"],
        coverage=facts["coverage"],
    )


def _probe_once(executable: str) -> Interpreter:
    """`probe_interpreter`, once per process for each interpreter file as it is now."""
    try:
        stamp = os.stat(executable).st_mtime_ns
    except OSError as exc:
        raise TaskEnvironmentError(f"the interpreter {executable} does not run: {exc}") from None
    return _probe_cached(executable, stamp)


@functools.lru_cache(maxsize=64)
def _probe_cached(executable: str, stamp: int) -> Interpreter:
    return probe_interpreter(executable)


class EnvironmentCache:
    """The directory of built environments (`cache_root()` by default)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or cache_root()).expanduser().resolve()

    def path(self, spec: EnvSpec) -> Path:
        return self.root / spec.key

    def get(self, spec: EnvSpec) -> CachedEnv | None:
        """The built environment for `spec`, or None when it is not built."""
        return self._read(self.path(spec))

    def interpreter(self, spec: EnvSpec) -> Interpreter | None:
        """The interpreter of the built environment for `spec` (its last use recorded now),
        or None when it is not built."""
        entry = self.get(spec)
        if entry is None:
            return None
        with contextlib.suppress(OSError):
            os.utime(self.path(spec) / METADATA)
        return entry.interpreter

    def build(self, spec: EnvSpec, *, tasks: Sequence[str] = (), offline: bool = False) -> CachedEnv:
        """The environment for `spec`, built now unless it is already there (then a no-op
        apart from recording `tasks` as its users). With `offline`, the installer reads no
        index: every requirement must be a local path (or fixloop's tooling).

        Raises `EnvironmentBuildError` with the installer's output when the build fails;
        nothing is left in the cache then.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.path(spec)
        with self._lock(spec.key):
            entry = self._read(target)
            if entry is None:
                entry = self._build(spec, target, offline)
            if set(tasks) - set(entry.tasks):
                entry = entry.model_copy(update={"tasks": sorted({*entry.tasks, *tasks})})
                self._write(target, entry)
        return entry.model_copy(update={"path": str(target)})

    def _build(self, spec: EnvSpec, target: Path, offline: bool) -> CachedEnv:
        started = time.monotonic()
        wheels = self._tooling_wheels()
        scratch = Path(tempfile.mkdtemp(prefix=f".build-{spec.key}-", dir=self.root))
        try:
            env = scratch / "env"
            python = str(env / "bin" / "python")
            for command in _installer_commands(spec, env, python, wheels, offline):
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, stdin=subprocess.DEVNULL
                )
                if done.returncode != 0:
                    output = (done.stdout + done.stderr).strip()[-MAX_ERROR_CHARS:]
                    raise EnvironmentBuildError(
                        f"building the environment {spec.key} ({', '.join(spec.requirements)}) failed: "
                        f"`{' '.join(command[:4])} ...` exited {done.returncode}:\n{output}"
                    )
            env.chmod(0o755)
            if target.exists():  # what a build killed before its metadata left
                shutil.rmtree(target)
            # The probe runs the environment where it will live, as episodes will.
            os.rename(env, target)
            try:
                interpreter = probe_interpreter(str(target / "bin" / "python"))
            except TaskEnvironmentError as exc:
                shutil.rmtree(target, ignore_errors=True)
                raise EnvironmentBuildError(f"the environment {spec.key} was built but {exc}") from None
            now = datetime.now(UTC)
            entry = CachedEnv(
                key=spec.key,
                requirements=spec.requirements,
                source=spec.source,
                interpreter=interpreter,
                built_at=now,
                last_used=now,
                build_seconds=round(time.monotonic() - started, 2),
            )
            self._write(target, entry)
            return entry
        except (OSError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise EnvironmentBuildError(f"building the environment {spec.key} failed: {exc}") from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def entries(self) -> list[CachedEnv]:
        """Every built environment, with its size and last use, most recently used first."""
        found = []
        if self.root.is_dir():
            for directory in sorted(self.root.iterdir()):
                entry = self._read(directory)
                if entry is not None:
                    found.append(entry.model_copy(update={"size_bytes": _size(directory)}))
        return sorted(found, key=lambda entry: entry.last_used, reverse=True)

    def remove(self, key: str) -> None:
        """Delete one environment (under its lock, so never one being built)."""
        with self._lock(key):
            target = self.root / key
            if (target / METADATA).is_file():
                # Renamed first, so a reader never sees a half-deleted environment.
                doomed = Path(tempfile.mkdtemp(prefix=f".remove-{key}-", dir=self.root))
                os.rename(target, doomed / key)
                shutil.rmtree(doomed, ignore_errors=True)

    def remove_leftovers(self) -> int:
        """Delete what killed builds and removals left (`.build-*`, `.remove-*`), never a build
        in progress; returns how many directories went."""
        removed = 0
        for directory in [*self.root.glob(".build-*"), *self.root.glob(".remove-*")]:
            key = directory.name.split("-")[1]
            with self._lock(key, wait=False) as free:
                if free:
                    shutil.rmtree(directory, ignore_errors=True)
                    removed += 1
        return removed

    def _read(self, directory: Path) -> CachedEnv | None:
        try:
            entry = CachedEnv.model_validate_json((directory / METADATA).read_bytes())
            used = (directory / METADATA).stat().st_mtime
        except (OSError, ValidationError):
            return None
        return entry.model_copy(
            update={"last_used": datetime.fromtimestamp(used, UTC), "path": str(directory)}
        )

    def _write(self, directory: Path, entry: CachedEnv) -> None:
        temporary = directory / f".{METADATA}.tmp"
        temporary.write_text(entry.model_dump_json(exclude={"size_bytes", "path"}, indent=2))
        os.replace(temporary, directory / METADATA)

    @contextlib.contextmanager
    def _lock(self, key: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold the file lock of `key` (builds and removals of one environment take turns);
        yields whether it is held (always, when `wait`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f".{key}.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _tooling_wheels(self) -> Path:
        """`.wheels/`: fixloop's own pytest (with what it needs) and coverage.py as wheels."""
        wheels = self.root / WHEELS
        with self._lock(WHEELS):
            wheels.mkdir(exist_ok=True)
            for name in _closure(list(tooling_versions())):
                repack_wheel(importlib.metadata.distribution(name), wheels)
        return wheels


def _installer_commands(
    spec: EnvSpec, env: Path, python: str, wheels: Path, offline: bool
) -> list[list[str]]:
    """The commands that make the environment at `env` and install `spec` into it."""
    sources = ["--find-links", str(wheels), *(["--no-index"] if offline else [])]
    uv = shutil.which("uv")
    if uv is not None:
        return [
            [uv, "venv", "--quiet", "--python", spec.base_python, str(env)],
            [uv, "pip", "install", "--quiet", "--python", python, *sources, *spec.requirements],
        ]
    if importlib.util.find_spec("pip") is not None:
        return [
            [spec.base_python, "-m", "venv", "--without-pip", str(env)],
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                python,
                "install",
                "--quiet",
                *sources,
                *spec.requirements,
            ],
        ]
    return [
        [spec.base_python, "-m", "venv", str(env)],
        [python, "-m", "pip", "install", "--quiet", *sources, *spec.requirements],
    ]


def _closure(names: list[str]) -> list[str]:
    """`names` and every installed distribution they need (extras left out), sorted."""
    seen: set[str] = set()
    queue = list(names)
    while queue:
        name = canonicalize_name(queue.pop())
        if name in seen:
            continue
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                queue.append(requirement.name)
    return sorted(seen)


def repack_wheel(dist: importlib.metadata.Distribution, directory: Path) -> Path:
    """A wheel of the installed distribution `dist` in `directory` (made once, then reused).

    It holds the distribution's files inside site-packages and its metadata, with a fresh
    RECORD; scripts outside site-packages are left out.
    """
    tags = [
        line.split(":", 1)[1].strip()
        for line in (dist.read_text("WHEEL") or "").splitlines()
        if line.startswith("Tag:")
    ]
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    wheel = directory / f"{name}-{dist.version}-{tags[0] if tags else 'py3-none-any'}.whl"
    if wheel.exists():
        return wheel
    base = Path(str(dist.locate_file("")))
    skipped = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    records, record_name = [], ""
    partial = wheel.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in dist.files or []:
            if file.parts[0] == ".." or "__pycache__" in file.parts:
                continue
            if file.parts[0].endswith(".dist-info") and file.name == "RECORD":
                record_name = file.as_posix()
            if file.name in skipped and file.parts[0].endswith(".dist-info"):
                continue
            data = (base / file).read_bytes()
            archive.writestr(file.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{file.as_posix()},sha256={digest},{len(data)}")
        archive.writestr(record_name, "\n".join([*records, f"{record_name},,"]) + "\n")
    os.replace(partial, wheel)
    return wheel


def _size(directory: Path) -> int:
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def task_interpreter(task: Task, cache: EnvironmentCache | None = None) -> Interpreter | None:
    """The interpreter `task`'s tests run with: None for fixloop's own, its `python`, or its
    built environment's. Never builds.

    Raises `EnvironmentNotBuilt` (naming `fixloop tasks env build`) when the environment is
    not in the cache, and `TaskEnvironmentError` when the task's `python` cannot serve or its
    requirements cannot be used.
    """
    if task.python is not None:
        return _probe_once(task.python)
    try:
        spec = environment_spec(task)
    except RequirementsError as exc:
        raise TaskEnvironmentError(f"task {task.id}: {exc}") from None
    if spec is None:
        return None
    cache = cache or EnvironmentCache()
    interpreter = cache.interpreter(spec)
    if interpreter is None:
        raise EnvironmentNotBuilt(
            f"the environment of task {task.id} ({', '.join(spec.requirements)}) is not built in "
            f"{cache.root}; build it with `fixloop tasks env build --suite ...|--path ...` (or "
            "`fixloop tasks validate`), then run again"
        )
    return interpreter


def prepare_environments(
    tasks: Sequence[Task], cache: EnvironmentCache | None = None, *, offline: bool = False
) -> dict[str, Interpreter | TaskEnvironmentError | None]:
    """Build (or find) every task's environment; per task id its interpreter (None for
    fixloop's) or the error that keeps it from having one. Each distinct environment is
    built once; a failure affects only the tasks that need it."""
    cache = cache or EnvironmentCache()
    specs: dict[str, EnvSpec] = {}
    results: dict[str, Interpreter | TaskEnvironmentError | None] = {}
    for task in tasks:
        try:
            if task.python is not None:
                results[task.id] = _probe_once(task.python)
                continue
            spec = environment_spec(task)
        except RequirementsError as exc:
            results[task.id] = TaskEnvironmentError(f"task {task.id}: {exc}")
            continue
        except TaskEnvironmentError as exc:
            results[task.id] = exc
            continue
        if spec is None:
            results[task.id] = None
        else:
            specs[task.id] = spec
    users: dict[str, list[str]] = {}
    for task_id, spec in specs.items():
        users.setdefault(spec.key, []).append(task_id)
    built: dict[str, Interpreter | TaskEnvironmentError] = {}
    for task_id, spec in specs.items():
        if spec.key not in built:
            try:
                built[spec.key] = cache.build(spec, tasks=users[spec.key], offline=offline).interpreter
            except EnvironmentBuildError as exc:
                built[spec.key] = exc
        results[task_id] = built[spec.key]
    return results


def repository_interpreter(
    files: Mapping[str, str],
    requirements: Sequence[str] = (),
    *,
    python: str | None = None,
    cache: EnvironmentCache | None = None,
    offline: bool = False,
) -> Interpreter | None:
    """The interpreter for a repository's tests before it is a task (bug synthesis):
    `python` when given, else its environment (built now unless cached), else None for
    fixloop's own. Raises `TaskEnvironmentError` (a build's error includes the installer's
    output)."""
    if python is not None:
        return _probe_once(python)
    try:
        spec = repository_spec(files, requirements)
    except RequirementsError as exc:
        raise TaskEnvironmentError(str(exc)) from None
    if spec is None:
        return None
    return (cache or EnvironmentCache()).build(spec, offline=offline).interpreter
