"""Import SWE-bench-style instances, one JSON object per line, as `Task`s.

SWE-bench names a repository and a commit to check out; fixloop fetches nothing at run time,
so each instance must also carry the repository itself: as `files`, or as a local git clone
(`repo_path` and `base_commit`).

Required fields:

- `instance_id`: e.g. `django__django-11099`; becomes the task id, with each character
  outside `[A-Za-z0-9_.-]` replaced by `-`.
- `problem_statement`: the issue text, the task's description; its first line (cut to
  `TITLE_LENGTH`) is the title.
- `files`: fixloop's addition, the repository at `base_commit` as path -> text content;
  or, instead of `files`, `repo_path` (a local git clone; relative to the JSONL file's
  directory) and `base_commit` (any commit-ish the clone has). The commit's tree is read
  with `git archive` (nothing is fetched and the clone is left untouched); its text files
  become `files`, and binary files and symbolic links are left out.
- `test_patch`: a unified diff that adds or changes tests. It is applied to `files`, so
  the agent sees those tests; `""` when `files` already holds them.
- `patch`: the reference fix, a unified diff against `files` with `test_patch` applied.
- `FAIL_TO_PASS`, `PASS_TO_PASS`: pytest node ids (`path/test_x.py::test_y`), as a list
  or as a JSON-encoded list, as SWE-bench ships them. Their files become `test_paths`.

Optional fields:

- `difficulty`: SWE-bench Verified's estimate (`<15 min fix` -> easy, `15 min - 1 hour`
  -> medium, `1-4 hours` and `>4 hours` -> hard) or easy / medium / hard; default medium.
- `repo`: becomes the tag `repo:<owner/name>`. Every imported task is also tagged `swebench`.
- `requirements`: the environment's pip requirements (a list; see
  `fixloop.tasks.environments`; relative local paths are relative to the JSONL file's
  directory), or `python`: the absolute path of an interpreter that has them.

Any other field (`hints_text`, `base_commit` beside `files`, `created_at`, `version`,
`environment_setup_commit`, ...) is ignored. Hidden tests are not supported yet: the
tests from `test_patch` are part of the repository the agent sees.

Loading is all-or-nothing: a broken instance raises `TaskLoadError` naming the file, line,
instance and field, e.g. `data.jsonl line 2 (task 'x__y-12'): FAIL_TO_PASS: ...`.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from fixloop.tasks.environments import absolute_requirements
from fixloop.tasks.records import (
    TaskLoadError,
    apply_fix,
    check_type,
    read_jsonl_records,
    unique_tasks,
    validate_task_record,
)
from fixloop.tasks.repo_tree import SKIPPED_DIRS, SKIPPED_SUFFIXES
from fixloop.tasks.task import Difficulty, Task, normalize_repo_path, test_file_of

REQUIRED_FIELDS = (
    "instance_id",
    "problem_statement",
    "test_patch",
    "patch",
    "FAIL_TO_PASS",
    "PASS_TO_PASS",
)
"""Fields every instance must have, checked in this order, besides the repository (`files`,
or `repo_path` and `base_commit`)."""

GIT_TIMEOUT_S = 300.0

DIFFICULTIES: dict[str, Difficulty] = {
    "<15 min fix": Difficulty.easy,
    "15 min - 1 hour": Difficulty.medium,
    "1-4 hours": Difficulty.hard,
    ">4 hours": Difficulty.hard,
    **{level.value: level for level in Difficulty},
}
"""Accepted `difficulty` values and the level each maps to."""

TITLE_LENGTH = 80
"""Longest title, in characters; a longer first line is cut and ends with '…'."""

SWEBENCH_TAG = "swebench"

_FILE_MAP = TypeAdapter(dict[str, str])
_TEXT = TypeAdapter(str)
_NODE_IDS = TypeAdapter(list[str])
_TEXTS = TypeAdapter(list[str])
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def is_swebench_jsonl(path: Path) -> bool:
    """True when the first non-blank line of `path` is a JSON object with an `instance_id`.

    Reads only up to that line; any read or parse problem gives False, leaving the error
    to whichever loader reads the file.
    """
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    record = json.loads(raw)
                    return isinstance(record, dict) and "instance_id" in record
    except (OSError, ValueError):
        return False
    return False


def load_swebench(path: Path | str) -> list[Task]:
    """Load every instance in a SWE-bench-style JSONL file (see the module docstring).

    Raises TaskLoadError for invalid JSON, a broken instance, or two instances whose ids
    are equal once sanitised; nothing is returned then.
    """
    path = Path(path)
    base = path.resolve().parent
    sourced = [
        (source, task_from_instance(source, record, base)) for source, record in read_jsonl_records(path)
    ]
    return unique_tasks(path, sourced)


def task_from_instance(source: str, record: dict[str, Any], base: Path | None = None) -> Task:
    """One instance as a Task; `source` (e.g. `file line 3`) starts every error message, and
    relative paths (`repo_path`, local requirements) are relative to `base` (default: the
    current directory).

    Raises TaskLoadError naming the instance and the field when a field is missing, has
    the wrong type, or does not fit the repository (a patch that does not apply, a test
    in a file the repository lacks, a clone without the commit).
    """
    base = base or Path.cwd()
    instance_id = record.get("instance_id")
    where = f"{source} (task {instance_id!r})" if isinstance(instance_id, str) else source
    for field in REQUIRED_FIELDS:
        if field not in record:
            raise TaskLoadError(f"{where}: {field}: Field required")
    instance_id = check_type(where, "instance_id", record["instance_id"], _TEXT)
    statement = check_type(where, "problem_statement", record["problem_statement"], _TEXT)
    if not statement.strip():
        raise TaskLoadError(f"{where}: problem_statement: is empty")
    if "files" in record:
        files = _repo_files(where, record["files"])
    elif "repo_path" in record:
        files = _clone_files(where, record, base)
    else:
        raise TaskLoadError(
            f"{where}: files: Field required (or repo_path and base_commit for a local clone)"
        )
    test_patch = check_type(where, "test_patch", record["test_patch"], _TEXT)
    if test_patch.strip():
        files = {**files, **apply_fix(f"{where}: test_patch", files, test_patch)}
    patch = check_type(where, "patch", record["patch"], _TEXT)
    fix = apply_fix(f"{where}: patch", files, patch)
    fail_to_pass = _node_ids(where, "FAIL_TO_PASS", record["FAIL_TO_PASS"], files)
    pass_to_pass = _node_ids(where, "PASS_TO_PASS", record["PASS_TO_PASS"], files)
    tags = [SWEBENCH_TAG]
    if "repo" in record:
        tags.append(f"repo:{check_type(where, 'repo', record['repo'], _TEXT)}")
    environment: dict[str, Any] = {}
    if "requirements" in record:
        requirements = check_type(where, "requirements", record["requirements"], _TEXTS)
        environment["requirements"] = absolute_requirements(requirements, base)
    if "python" in record:
        environment["python"] = check_type(where, "python", record["python"], _TEXT)
    return validate_task_record(
        where,
        {
            **environment,
            "id": task_id(instance_id),
            "title": title_of(statement),
            "description": statement,
            "difficulty": _difficulty(where, record.get("difficulty")),
            "tags": tags,
            "fail_to_pass": fail_to_pass,
            "pass_to_pass": pass_to_pass,
            "test_paths": sorted({test_file_of(node) for node in fail_to_pass + pass_to_pass}),
            "files": files,
            "reference_fix": fix,
        },
    )


def task_id(instance_id: str) -> str:
    """`instance_id` with every character outside `[A-Za-z0-9_.-]` replaced by '-'.

    Leading characters other than letters and digits are dropped, as a task id must start
    with one; an id left empty keeps the replacement so the Task reports it.
    """
    safe = _ID_UNSAFE.sub("-", instance_id.strip())
    return safe.lstrip("_.-") or safe


def title_of(statement: str) -> str:
    """The first non-blank line of `statement`, without Markdown heading marks, cut to TITLE_LENGTH."""
    first = next(line for line in statement.splitlines() if line.strip())
    title = first.strip().lstrip("#").strip() or first.strip()
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1].rstrip() + "…"


def _repo_files(where: str, value: object) -> dict[str, str]:
    files: dict[str, str] = check_type(where, "files", value, _FILE_MAP)
    try:
        return {normalize_repo_path(path): content for path, content in files.items()}
    except ValueError as exc:
        raise TaskLoadError(f"{where}: files: {exc}") from None


def _clone_files(where: str, record: dict[str, Any], base: Path) -> dict[str, str]:
    """The text files of the local clone `repo_path` at `base_commit` (see the module docstring)."""
    if "base_commit" not in record:
        raise TaskLoadError(f"{where}: base_commit: Field required (the commit of repo_path to import)")
    repo = base / check_type(where, "repo_path", record["repo_path"], _TEXT)
    commit = check_type(where, "base_commit", record["base_commit"], _TEXT)
    if not repo.is_dir():
        raise TaskLoadError(f"{where}: repo_path: {repo} is not a directory")
    if commit.startswith("-"):
        raise TaskLoadError(f"{where}: base_commit: {commit!r} is not a commit")
    try:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", f"{commit}^{{tree}}"],
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TaskLoadError(f"{where}: repo_path: git could not read {repo}: {exc}") from None
    if archive.returncode != 0:
        message = archive.stderr.decode(errors="replace").strip()
        raise TaskLoadError(f"{where}: base_commit: git cannot read {commit!r} in {repo}: {message}")
    files: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        for member in tar:
            parts = member.name.split("/")
            if (
                not member.isfile()
                or SKIPPED_DIRS.intersection(parts)
                or member.name.endswith(SKIPPED_SUFFIXES)
            ):
                continue
            extracted = tar.extractfile(member)
            data = extracted.read() if extracted is not None else b""
            if b"\x00" in data:
                continue
            try:
                files[normalize_repo_path(member.name)] = data.decode("utf-8")
            except (UnicodeDecodeError, ValueError):
                continue
    if not files:
        raise TaskLoadError(f"{where}: repo_path: {repo} has no text files at {commit}")
    return files


def _node_ids(where: str, field: str, value: object, files: dict[str, str]) -> list[str]:
    """A list of pytest node ids, from a list or a JSON-encoded list, each in a repository file."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise TaskLoadError(f"{where}: {field}: not a JSON-encoded list of node ids: {exc}") from None
    nodes: list[str] = check_type(where, field, value, _NODE_IDS)
    for node in nodes:
        if "::" not in node or not test_file_of(node).endswith(".py"):
            raise TaskLoadError(
                f"{where}: {field}: {node!r} is not a pytest node id (path/test_file.py::test_name); "
                "instances whose tests run under another test runner are not supported"
            )
        if test_file_of(node) not in files:
            raise TaskLoadError(
                f"{where}: {field}: {node!r} is in {test_file_of(node)}, which is not in the "
                "repository (files with test_patch applied)"
            )
    return nodes


def _difficulty(where: str, value: object) -> Difficulty:
    if value is None:
        return Difficulty.medium
    if not isinstance(value, str) or value.strip() not in DIFFICULTIES:
        raise TaskLoadError(
            f"{where}: difficulty: {value!r} is not one of " + ", ".join(repr(key) for key in DIFFICULTIES)
        )
    return DIFFICULTIES[value.strip()]
