"""A small in-process pytest runner for the common subset of pytest, with pytest's verdicts.

The warm worker forks a child per test run; the child calls `run_fast` first and falls back
to real `pytest.main` in a fresh fork when it returns `FALLBACK`. This file is copied into
the sandbox as the top-level module `fixloop_fast.py`, so it imports only the standard
library, `pytest` and `_pytest`, never fixloop. Any surprise from pytest's private API makes
the run fall back rather than guess.

Contract::

    FALLBACK = None
    def run_fast(rootdir: str, targets: list[str], report_fd: int,
                 tracer: object | None = None) -> int | None

- Called with cwd == rootdir and rootdir at sys.path[0]. `targets` are what a user passes
  to pytest, relative to rootdir: nothing (everything), files, directories or node ids.
- Returns pytest's exit code (0 all passed, 1 failures or errors, 2 collection errors,
  5 no tests collected), or `FALLBACK` when the run needs real pytest. `FALLBACK` is only
  returned before any test function or fixture ran (test modules and conftests may have been
  imported), so the caller must discard this process and re-run in a fresh one.
- Writes one JSON line per verdict to `report_fd` (with the report plugin's `write_line`;
  the fd stays open) in the format of `fixloop.sandbox.report_plugin`: `{"kind": "test",
  "node_id", "outcome", "duration_s", "message", "frames"}` plus `"lines"` when `tracer` is given
  (`start()` before a test's setup, `stop()` after its teardown), and `{"kind":
  "collection_error", "node_id", "message"}`; on a collection error no test runs.
- Prints what `pytest -q -p no:cacheprovider -o console_output_style=classic --color=no`
  prints, apart from the session duration.

The subset: default discovery without ini configuration; `prepend` import mode with
pytest's assertion rewriting; conftest.py files without hooks; function-scoped fixtures
(return or yield, autouse, overriding by proximity) and the builtin `tmp_path`, `capsys`
and `monkeypatch`; direct `parametrize`; the `skip`, `skipif` (boolean), `xfail` and
`usefixtures` marks; fd-level output capture, log capture and warning summaries.
Everything else (ini files, hooks, plugins in conftests, other fixture scopes, `request`,
other builtin fixtures, indirect parametrization, string conditions, unknown marks,
unittest, xunit setup functions, async or generator tests, `__test__`, classes with
`__init__`) is a fallback.
"""

from __future__ import annotations

import configparser
import dataclasses
import functools
import inspect
import os
import re
import sys
import time
import tomllib
import types
import warnings
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any, ClassVar

import pytest

try:  # in the sandbox, beside the worker
    import fixloop_report as report_format  # type: ignore[import-not-found]
except ImportError:  # in fixloop itself (its tests)
    from fixloop.sandbox import report_plugin as report_format

FALLBACK = None
BUILTIN_FIXTURES = ("tmp_path", "capsys", "monkeypatch")
SUPPORTED_MARKS = {"skip", "skipif", "xfail", "usefixtures", "parametrize"}
NORECURSE = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}")
XUNIT_NAMES = frozenset(
    [
        "setup_module",
        "teardown_module",
        "setUpModule",
        "tearDownModule",
        "setup_function",
        "teardown_function",
        "setup_class",
        "teardown_class",
        "setup_method",
        "teardown_method",
    ]
)
STAT_ORDER = ("failed", "passed", "skipped", "xfailed", "xpassed", "warnings", "error")


class Fallback(Exception):
    """The run uses something outside the subset; real pytest must run it."""


try:  # pytest internals; any change in them makes every run fall back.
    from _pytest import capture as _capture
    from _pytest import fixtures as _fixtures
    from _pytest import logging as _logging
    from _pytest import outcomes as _outcomes
    from _pytest._code import Code, ExceptionInfo
    from _pytest._code.code import filter_traceback
    from _pytest._io import TerminalWriter
    from _pytest.assertion import AssertionState, rewrite, truncate, util
    from _pytest.compat import getfuncargnames, running_on_ci
    from _pytest.mark.structures import ParameterSet, get_unpacked_marks
    from _pytest.nodes import Collector
    from _pytest.pathlib import ImportMode, fnmatch_ex, import_path, resolve_package_path
    from _pytest.python import IdMaker, importtestmodule
    from _pytest.terminal import _format_trimmed, format_session_duration
    from _pytest.warnings import warning_record_to_str

    _INTERNALS_OK = True
except Exception:  # pragma: no cover - depends on the installed pytest
    _INTERNALS_OK = False


class _PluginManager:
    """What `importtestmodule` asks of pytest's plugin manager: test modules with plugins fall back."""

    def consider_module(self, module: types.ModuleType) -> None:
        if hasattr(module, "pytest_plugins"):
            raise Fallback(f"{module.__name__} sets pytest_plugins")


class _QuietConfig:
    """The slice of `pytest.Config` that imports, rewriting and assertion messages read (-q)."""

    _INI: ClassVar[dict[str, Any]] = {
        "python_files": ["test_*.py", "*_test.py"],
        "enable_assertion_pass_hook": False,
        "truncation_limit_lines": None,
        "truncation_limit_chars": None,
        "consider_namespace_packages": False,
    }
    _OPTIONS: ClassVar[dict[str, Any]] = {
        "--import-mode": "prepend",
        "fulltrace": False,
        "tbstyle": "auto",
        "showlocals": False,
        "assertmode": "rewrite",
    }

    def __init__(self, rootdir: Path) -> None:
        self.rootpath = rootdir
        self.pluginmanager = _PluginManager()
        self.stash: dict[Any, Any] = {}
        self.trace = self
        self.root = self
        self._writer = TerminalWriter(StringIO())
        self._writer.hasmarkup = False
        self.config = self  # lets this object stand in for an item in `truncate`

    def get(self, name: str) -> Callable[..., None]:  # config.trace.root.get(...) in AssertionState
        return lambda *args: None

    def getini(self, name: str) -> Any:
        return self._INI[name]

    def getoption(self, name: str, default: Any = None) -> Any:
        return self._OPTIONS.get(name, default)

    getvalue = getoption

    def get_verbosity(self, verbosity_type: str | None = None) -> int:
        return -1

    def get_terminal_writer(self) -> TerminalWriter:
        return self._writer


@dataclasses.dataclass
class _Fixture:
    func: Callable[..., Any]
    argnames: tuple[str, ...]
    autouse: bool
    in_class: bool


@dataclasses.dataclass
class _Item:
    """One test to run: its function, parameters, marks and the fixture names it sees."""

    node_id: str
    name: str
    headline: str
    path: Path
    func: Callable[..., Any]
    cls: type | None
    params: dict[str, Any]
    marks: list[Any]  # nearest first, as pytest's iter_markers
    scopes: list[dict[str, _Fixture]]  # class, module, then conftests nearest first
    argnames: tuple[str, ...] = ()
    initialnames: tuple[str, ...] = ()
    skip: str | None = None
    xfail: Any = None  # (reason, run, strict, raises)


@dataclasses.dataclass
class _Report:
    """One phase of one test, as pytest's TestReport after the skipping plugin ran."""

    when: str
    outcome: str
    longrepr: Any
    sections: list[tuple[str, str]]
    duration: float
    wasxfail: str | None = None

    def category(self) -> tuple[str, str]:
        """pytest's (stats key, progress letter) for this report."""
        if self.wasxfail is not None and self.outcome in ("skipped", "passed"):
            return ("xfailed", "x") if self.outcome == "skipped" else ("xpassed", "X")
        if self.when == "call":
            return self.outcome, {"passed": ".", "failed": "F", "skipped": "s"}[self.outcome]
        return {"failed": ("error", "E"), "skipped": ("skipped", "s")}.get(self.outcome, ("", ""))


def _check_no_ini(root: Path, targets: list[str]) -> None:
    """pytest reads ini configuration from these files, looking upwards from the directory
    its targets share; the fast path supports none anywhere it could look."""
    directories = {root, *root.parents}
    for target in targets:
        path = root / target.split("::")[0]
        directories.update(parent for parent in (path, *path.parents) if parent.is_relative_to(root))
    for directory in sorted(directories):
        if directory.is_dir():
            _check_no_ini_in(directory)


def _check_no_ini_in(directory: Path) -> None:
    if (directory / "pytest.ini").exists() or (directory / ".pytest.ini").exists():
        raise Fallback(f"pytest.ini in {directory}")
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file() and "pytest" in tomllib.loads(pyproject.read_text()).get("tool", {}):
        raise Fallback(f"[tool.pytest] in {pyproject}")
    for name, section in (("setup.cfg", "tool:pytest"), ("tox.ini", "pytest")):
        if (directory / name).is_file():
            parser = configparser.ConfigParser(interpolation=None)
            parser.read(directory / name)
            if parser.has_section(section):
                raise Fallback(f"[{section}] in {directory / name}")


class _Collector:
    """Finds and imports conftests and test modules, and turns them into `_Item`s."""

    def __init__(self, root: Path, config: _QuietConfig) -> None:
        self.root = root
        self.config = config
        self.conftests: dict[Path, dict[str, _Fixture]] = {}  # directory -> its fixtures
        self.items: list[_Item] = []
        self.errors: list[tuple[str, Any]] = []  # (node id, longrepr)
        self.warnings: list[tuple[str, warnings.WarningMessage]] = []
        self._modules: dict[Path, list[_Item] | None] = {}

    def collect(self, targets: list[str]) -> None:
        for target in targets or ["."]:
            path_part, *names = target.split("::")
            path = (self.root / path_part).resolve()
            if not path.exists() or not path.is_relative_to(self.root) or path.name == "conftest.py":
                raise Fallback(f"target {target!r}")
            for directory in [self.root, *reversed(path.parents)]:
                if directory.is_relative_to(self.root) and directory.is_dir():
                    self._conftest(directory)
            if path.is_dir():
                if names:
                    raise Fallback(f"target {target!r}")
                self._walk(path)
            elif not self._is_test_file(path):
                raise Fallback(f"{target!r} does not look like a test file")
            else:
                self._select(self._module(path), names, target)
        ids = [item.node_id for item in self.items]
        if len(ids) != len(set(ids)):
            raise Fallback("a test is selected twice")

    def _is_test_file(self, path: Path) -> bool:
        return path.suffix == ".py" and any(fnmatch_ex(p, path) for p in self.config.getini("python_files"))

    def _select(self, items: list[_Item] | None, names: list[str], target: str) -> None:
        if items is None:
            return
        chosen = [item for item in items if _matches(item, names)]
        if names and not chosen:
            raise Fallback(f"{target!r} selects no test")
        self.items.extend(chosen)

    def _walk(self, directory: Path) -> None:
        self._conftest(directory)
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            path = Path(entry.path)
            if entry.is_dir():
                if not _norecurse(path):
                    self._walk(path)
            elif entry.is_file() and path.name != "conftest.py" and self._is_test_file(path):
                self._select(self._module(path), [], str(path))

    def _conftest(self, directory: Path) -> None:
        path = directory / "conftest.py"
        if directory in self.conftests:
            return
        self.conftests[directory] = {}
        if not path.is_file():
            return
        if resolve_package_path(path) is None:
            sys.modules.pop("conftest", None)
        try:
            module = import_path(
                path, mode=ImportMode.prepend, root=self.root, consider_namespace_packages=False
            )
        except Exception as error:
            raise Fallback(f"{path} does not import: {error!r}") from None
        if any(name.startswith("pytest_") or name.startswith("collect_ignore") for name in vars(module)):
            raise Fallback(f"{path} defines hooks, plugins or collect_ignore")
        self.conftests[directory] = _fixtures_of(module, in_class=False)

    def _module(self, path: Path) -> list[_Item] | None:
        """The items of one test module, or None when it failed to import (a collection error)."""
        if path in self._modules:
            return self._modules[path]
        node_id = path.relative_to(self.root).as_posix()
        self._modules[path] = None
        with warnings.catch_warnings(record=True) as log:
            _pytest_warning_filters()
            try:
                module = importtestmodule(path, self.config)  # type: ignore[arg-type]
            except Collector.CollectError as error:
                self.errors.append((node_id, str(error.args[0])))
                return None
            except _outcomes.Skipped:
                raise Fallback(f"{node_id} skips at import") from None
            except Exception as error:
                self.errors.append((node_id, _repr_collect_failure(error, path, self.root)))
                return None
        self.warnings.extend(("", w) for w in log)
        package_init = path.parent / "__init__.py"
        package = sys.modules.get(module.__name__.rpartition(".")[0]) if package_init.exists() else None
        for holder in (module, package):
            if (holder is not None and XUNIT_NAMES & set(vars(holder))) or hasattr(holder, "__test__"):
                raise Fallback(f"{node_id}: xunit setup or __test__")
        scopes = [_fixtures_of(module, in_class=False)]
        scopes += [self.conftests[d] for d in (path.parent, *path.parent.parents) if d in self.conftests]
        items = list(_module_items(module, path, node_id, scopes))
        self._modules[path] = items
        return items


def _norecurse(path: Path) -> bool:
    """pytest's default norecursedirs, __pycache__ and virtualenvs."""
    return (
        any(fnmatch_ex(pattern, path) for pattern in NORECURSE)
        or path.name == "__pycache__"
        or (path / "pyvenv.cfg").is_file()
    )


def _matches(item: _Item, names: list[str]) -> bool:
    """Do the `::` parts of a node id select `item`? A bare function name selects all its params."""
    parts = item.node_id.split("::")[1:]
    if len(names) > len(parts):
        return False
    for index, name in enumerate(names):
        actual = parts[index]
        if actual != name and not (index == len(parts) - 1 and actual.split("[", 1)[0] == name):
            return False
    return True


def _fixtures_of(holder: object, in_class: bool) -> dict[str, _Fixture]:
    """The fixtures a module, conftest or class defines, by name, checked against the subset."""
    found: dict[str, _Fixture] = {}
    for attribute in dir(holder):
        obj = inspect.getattr_static(holder, attribute, None)
        marker = _fixtures.getfixturemarker(obj)
        if marker is None:
            continue
        if marker.scope != "function" or marker.params is not None:
            raise Fallback(f"fixture {attribute} has scope or params")
        func = obj._get_wrapped_function()  # type: ignore[union-attr]
        if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
            raise Fallback(f"async fixture {attribute}")
        argnames = getfuncargnames(func, name=attribute, cls=holder if isinstance(holder, type) else None)
        found[marker.name or attribute] = _Fixture(func, argnames, marker.autouse, in_class)
    return found


def _module_items(
    module: types.ModuleType, path: Path, node_id: str, scopes: list[dict[str, _Fixture]]
) -> Iterator[_Item]:
    """Test functions and test classes of a module, in pytest's order."""
    module_marks = _marks(module)
    for name, obj in _members(module):
        if isinstance(obj, type):
            if not name.startswith("Test") or inspect.isabstract(obj):
                continue
            if vars(object)["__init__"] is not obj.__init__ or obj.__new__ is not object.__new__:  # type: ignore[misc]
                raise Fallback(f"test class {name} has __init__ or __new__")
            if XUNIT_NAMES & set(dir(obj)):
                raise Fallback(f"test class {name} uses xunit setup")
            class_scopes = [_fixtures_of(obj, in_class=True), *scopes]
            class_marks = _marks(obj)
            for method_name, method in _members(obj):
                if isinstance(method, type) and method_name.startswith("Test"):
                    raise Fallback(f"nested test class {name}.{method_name}")
                if _is_test_function(method_name, method):
                    yield from _items_for(method, method_name, path, f"{node_id}::{name}", obj,
                                          class_scopes, class_marks + module_marks)  # fmt: skip
        elif _is_test_function(name, obj):
            yield from _items_for(obj, name, path, node_id, None, scopes, module_marks)


def _members(holder: Any) -> Iterator[tuple[str, Any]]:
    """Attributes pytest considers, in its order: definition order, base classes first."""
    dicts = [vars(holder), *(vars(base) for base in getattr(holder, "__mro__", ())[1:])]
    seen: set[str] = set()
    per_dict = []
    for dic in dicts:
        members = []
        for name, obj in list(dic.items()):
            if name in seen or name in ("__builtins__", "__file__", "__cached__"):
                continue
            seen.add(name)
            if (
                isinstance(obj, type)
                and sys.modules.get("unittest")
                and issubclass(obj, sys.modules["unittest"].TestCase)
            ):
                raise Fallback(f"unittest.TestCase {name}")
            if not isinstance(obj, types.ModuleType) and "__test__" in getattr(obj, "__dict__", {}):
                raise Fallback(f"{name} sets __test__")
            members.append((name, obj))
        per_dict.append(members)
    for members in reversed(per_dict):
        yield from members


def _is_test_function(name: str, obj: object) -> bool:
    """A plain `test*` function pytest would collect; odd callables named `test*` fall back."""
    if not name.startswith("test") or _fixtures.getfixturemarker(obj) is not None:
        return False
    if isinstance(obj, staticmethod | classmethod) or (callable(obj) and not inspect.isfunction(obj)):
        raise Fallback(f"{name} is not a plain function")
    if not inspect.isfunction(obj):
        return False
    if (
        inspect.iscoroutinefunction(obj)
        or inspect.isgeneratorfunction(obj)
        or inspect.isasyncgenfunction(obj)
    ):
        raise Fallback(f"{name} is async or a generator")
    return True


def _marks(obj: object) -> list[Any]:
    marks = get_unpacked_marks(obj)
    unknown = {mark.name for mark in marks} - SUPPORTED_MARKS
    if unknown:
        raise Fallback(f"marks {sorted(unknown)}")
    return marks


def _items_for(func: Callable[..., Any], name: str, path: Path, prefix: str, cls: type | None,
               scopes: list[dict[str, _Fixture]], outer_marks: list[Any]) -> Iterator[_Item]:  # fmt: skip
    """One item per parametrization of `func`, ids made by pytest's IdMaker."""
    own_marks = _marks(func)
    argnames = getfuncargnames(func, name=name, cls=cls)
    calls: list[tuple[dict[str, Any], list[str], list[Any]]] = [({}, [], [])]
    for mark in [m for m in own_marks + outer_marks if m.name == "parametrize"]:
        calls = _parametrize(mark, calls, f"{prefix}::{name}", name)
    headline_prefix = prefix.split("::", 1)[1] + "." if "::" in prefix else ""
    for params, ids, param_marks in calls:
        suffix = f"[{'-'.join(ids)}]" if ids else ""
        marks = own_marks + param_marks + outer_marks
        if {m.name for m in param_marks} - SUPPORTED_MARKS:
            raise Fallback("unknown mark in pytest.param")
        item = _Item(f"{prefix}::{name}{suffix}", name + suffix, headline_prefix + name + suffix, path,
                     func, cls, params, marks, scopes)  # fmt: skip
        _plan(item, argnames)
        yield item


def _parametrize(mark: Any, calls: list[tuple[dict[str, Any], list[str], list[Any]]], node_id: str,
                 func_name: str) -> list[tuple[dict[str, Any], list[str], list[Any]]]:  # fmt: skip
    """Extend every call spec with one parametrize mark, as Metafunc.parametrize does."""
    if set(mark.kwargs) - {"ids", "argnames", "argvalues"} or len(mark.args) + len(mark.kwargs) > 3:
        raise Fallback("parametrize with indirect, scope or other options")
    args = {**dict(zip(("argnames", "argvalues", "ids"), mark.args, strict=False)), **mark.kwargs}
    argnames, force_tuple = ParameterSet._parse_parametrize_args(args["argnames"], args["argvalues"])
    parametersets = ParameterSet._parse_parametrize_parameters(args["argvalues"], force_tuple)
    ids = args.get("ids")
    if not parametersets or any(len(p.values) != len(argnames) for p in parametersets):
        raise Fallback("empty or malformed parametrize")
    if ids is not None and not callable(ids) and len(ids) != len(parametersets):
        raise Fallback("parametrize ids of the wrong length")
    idfn, id_list = (ids, None) if callable(ids) else (None, None if ids is None else list(ids))
    made = IdMaker(
        argnames, parametersets, idfn, id_list, None, node_id, func_name
    ).make_unique_parameterset_ids()
    if any(not isinstance(i, str) for i in made):
        raise Fallback("hidden parametrize ids")
    new_calls = []
    for params, id_parts, marks in calls:
        if set(argnames) & set(params):
            raise Fallback("an argument is parametrized twice")
        for param_id, parameterset in zip(made, parametersets, strict=True):
            values = dict(zip(argnames, parameterset.values, strict=True))
            new_calls.append(
                ({**params, **values}, [*id_parts, str(param_id)], [*marks, *parameterset.marks])
            )
    return new_calls


def _plan(item: _Item, argnames: tuple[str, ...]) -> None:
    """Check the item's fixtures and marks against the subset and settle skip and xfail."""
    autouse = [n for scope in reversed(item.scopes) for n in sorted(scope) if scope[n].autouse]
    usefixtures = [arg for mark in item.marks if mark.name == "usefixtures" for arg in mark.args]
    item.argnames = argnames
    item.initialnames = tuple(dict.fromkeys([*autouse, *usefixtures, *argnames]))
    reached: set[str] = set()
    pending = list(item.initialnames)
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        fixture = _find_fixture(item, name)
        if isinstance(fixture, _Fixture):
            if name in fixture.argnames:
                raise Fallback(f"fixture {name} requests the fixture it overrides")
            pending.extend(fixture.argnames)
    if set(item.params) - reached:
        raise Fallback("parametrized argument the test does not use")
    item.skip = _skip_reason(item.marks)
    item.xfail = _xfail(item.marks)


def _find_fixture(item: _Item, name: str) -> _Fixture | str:
    """The nearest definition of fixture `name`: "param" or a builtin name for the special cases."""
    if name in item.params:
        return "param"
    for scope in item.scopes:
        if name in scope:
            return scope[name]
    if name in BUILTIN_FIXTURES:
        return name
    raise Fallback(f"fixture {name!r} is not supported")


def _conditions(mark: Any) -> tuple[object, ...]:
    conditions = (mark.kwargs["condition"],) if "condition" in mark.kwargs else mark.args
    if conditions and ("reason" not in mark.kwargs or any(type(c) not in (bool, int) for c in conditions)):
        raise Fallback(f"{mark.name} with a string condition or without a reason")
    return tuple(conditions)


def _skip_reason(marks: list[Any]) -> str | None:
    """skipping.evaluate_skip_marks for boolean conditions."""
    for mark in (m for m in marks if m.name == "skipif"):
        conditions = _conditions(mark)
        if not conditions or any(conditions):
            return str(mark.kwargs.get("reason", ""))
    for mark in (m for m in marks if m.name == "skip"):
        if len(mark.args) > 1 or set(mark.kwargs) - {"reason"} or (mark.args and mark.kwargs):
            raise Fallback("skip mark with odd arguments")
        return str(mark.args[0] if mark.args else mark.kwargs.get("reason", "unconditional skip"))
    return None


def _xfail(marks: list[Any]) -> tuple[str, bool, bool, Any] | None:
    """skipping.evaluate_xfail_marks for boolean conditions: (reason, run, strict, raises)."""
    for mark in (m for m in marks if m.name == "xfail"):
        if set(mark.kwargs) - {"reason", "raises", "strict", "run", "condition"}:
            raise Fallback("xfail with unknown options")
        raises = mark.kwargs.get("raises")
        if raises is not None and not isinstance(raises, type | tuple):
            raise Fallback("xfail raises= that is not a type")
        conditions = _conditions(mark)
        if not conditions or any(conditions):
            strict = bool(mark.kwargs.get("strict", False))
            return str(mark.kwargs.get("reason", "")), mark.kwargs.get("run", True), strict, raises
    return None


def _pytest_warning_filters() -> None:
    """The filters pytest's warnings plugin adds inside `catch_warnings` (no ini filters)."""
    if not sys.warnoptions:
        warnings.filterwarnings("always", category=DeprecationWarning)
        warnings.filterwarnings("always", category=PendingDeprecationWarning)
    warnings.filterwarnings("error", category=pytest.PytestRemovedIn9Warning)


def _strip_own_frames(error: BaseException) -> ExceptionInfo[BaseException]:
    """ExceptionInfo of `error` without this module's frames, which pytest would not show either."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return ExceptionInfo.from_exception(error.with_traceback(tb))


def _cwd_moved(root: Path) -> bool:
    """pytest shows absolute paths in tracebacks when a test changed the working directory."""
    try:
        return Path.cwd() != root
    except OSError:
        return True


def _repr_collect_failure(error: Exception, path: Path, root: Path) -> Any:
    """Collector.repr_failure for an exception raised while importing a test module."""
    pytest_dir = Path(_fixtures.__file__).parent

    def tbfilter(info: ExceptionInfo[BaseException]) -> Any:
        traceback = info.traceback
        cut = traceback.cut(path=path)
        if cut == traceback:
            cut = cut.cut(excludepath=pytest_dir)
        return cut.filter(info)

    return _strip_own_frames(error).getrepr(funcargs=True, abspath=_cwd_moved(root), showlocals=False,
                                            style="short", tbfilter=tbfilter, truncate_locals=True,
                                            truncate_args=True)  # fmt: skip


def _repr_test_failure(item: _Item, excinfo: ExceptionInfo[BaseException], root: Path) -> Any:
    """Function._repr_failure_py with --tb=auto: a long traceback starting at the test function."""
    value = excinfo.value
    style = "value" if isinstance(value, _outcomes.Failed) and not value.pytrace else "long"
    code = Code.from_function(item.func)

    def tbfilter(info: ExceptionInfo[BaseException]) -> Any:
        traceback = info.traceback
        cut = traceback.cut(path=code.path, firstlineno=code.firstlineno)
        if cut == traceback:
            cut = cut.cut(path=code.path)
            if cut == traceback:
                cut = cut.filter(filter_traceback) or traceback
        cut = cut.filter(info)
        if len(cut) > 2:
            cut = type(cut)((cut[0], *(entry.with_repr_style("short") for entry in cut[1:-1]), cut[-1]))
        return cut

    return excinfo.getrepr(funcargs=True, abspath=_cwd_moved(root), showlocals=False, style=style,  # type: ignore[arg-type]
                           tbfilter=tbfilter, truncate_locals=True, truncate_args=True)  # fmt: skip


def _reprcompare_for(config: _QuietConfig) -> Callable[[str, object, object], str | None]:
    """What pytest's assertion plugin installs as `util._reprcompare` during a test."""

    def callbinrepr(op: str, left: object, right: object) -> str | None:
        explanation = util.assertrepr_compare(config=config, op=op, left=left, right=right)
        if not explanation:
            return None
        explanation = truncate.truncate_if_required(explanation, config)  # type: ignore[arg-type]
        return "\n~".join(line.replace("\n", "\\n") for line in explanation).replace("%", "%%")

    return callbinrepr


def _longreprtext(longrepr: Any) -> str:
    """BaseReport.longreprtext."""
    if longrepr is None:
        return ""
    if not hasattr(longrepr, "toterminal"):
        return str(longrepr).strip()
    writer = TerminalWriter(StringIO())
    writer.hasmarkup = False
    longrepr.toterminal(writer)
    return writer._file.getvalue().strip()  # type: ignore[union-attr]


class _Interrupted(Exception):
    """A test raised KeyboardInterrupt or pytest.exit: the session stops, as pytest's does."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class _ItemRun:
    """The fixture values, finalizers and capsys of one test while it runs."""

    def __init__(self, item: _Item) -> None:
        self.item = item
        self.instance = item.cls() if item.cls is not None else None
        self.values: dict[str, Any] = {}
        self.finalizers: list[Callable[[], object]] = []
        self.capsys: Any = None
        self.sections: list[tuple[str, str]] = []


class _Session:
    """Runs collected items phase by phase and prints and reports like pytest -q."""

    def __init__(self, root: Path, config: _QuietConfig, report_fd: int, tracer: Any, started: float) -> None:
        self.root = root
        self.config = config
        self.report_fd = report_fd
        self.tracer = tracer
        self.started = started
        self.stats: dict[str, list[tuple[str, str, _Report]]] = {}  # key -> (node id, headline, report)
        self.teardowns: dict[str, _Report] = {}
        self.warnings: list[tuple[str, warnings.WarningMessage]] = []
        self.capture = _capture._get_multicapture("fd")
        self.tmp_factory: Any = None
        self.writer = TerminalWriter(sys.stdout)
        self.writer.hasmarkup = False

    def _write_line(self, line: dict[str, Any]) -> None:
        report_format.write_line(self.report_fd, line)

    def run(self, items: list[_Item]) -> int:
        """Run every item; the exit code pytest would give."""
        interrupted: BaseException | None = None
        for item in items:
            try:
                self._run_item(item)
            except _Interrupted as stop:
                interrupted = stop.error
                break
        self.writer.line("")
        self._summary(interrupted)
        if interrupted is not None:
            return int(getattr(interrupted, "returncode", None) or 2)
        if not items:
            return 5
        return 1 if self.stats.get("failed") or self.stats.get("error") else 0

    def _run_item(self, item: _Item) -> None:
        if self.tracer is not None:
            self.tracer.start()
        previous = util._reprcompare, util._assertion_pass, util._config
        util._reprcompare, util._assertion_pass, util._config = _reprcompare_for(self.config), None, None
        state: _ItemRun | None = None
        try:
            with warnings.catch_warnings(record=True) as log:
                _pytest_warning_filters()
                state = _ItemRun(item)
                reports = [self._phase(item, "setup", lambda: self._setup(state), state)]
                if reports[0].outcome == "passed":
                    reports.append(self._phase(item, "call", lambda: self._call(state), state))
                reports.append(self._phase(item, "teardown", lambda: self._teardown(state), state))
            self.warnings.extend((item.node_id, w) for w in log)
        finally:
            util._reprcompare, util._assertion_pass, util._config = previous
        lines = self.tracer.stop() if self.tracer is not None else None
        self._record(item, reports, lines)

    def _phase(self, item: _Item, when: str, action: Callable[[], None], state: _ItemRun) -> _Report:
        """One phase under capture, turned into a report (runner.call_and_report)."""
        handler = _logging.LogCaptureHandler()
        formatter = _logging.DatetimeFormatter(_logging.DEFAULT_LOG_FORMAT, _logging.DEFAULT_LOG_DATE_FORMAT)
        formatter._style = _logging.PercentStyleMultiline(formatter._style._fmt, auto_indent=None)
        handler.setFormatter(formatter)
        self.capture.resume_capturing()
        if state.capsys is not None:
            state.capsys._start()
        error: BaseException | None = None
        started = time.perf_counter()
        try:
            with _logging.catching_logs(handler):
                action()
        except (KeyboardInterrupt, _outcomes.Exit) as stop:
            raise _Interrupted(stop) from None
        except BaseException as caught:
            error = caught
        finally:
            duration = time.perf_counter() - started
            if state.capsys is not None:
                state.capsys.close()
            self.capture.suspend_capturing(in_=False)
        out, err = self.capture.readouterr()
        log = handler.stream.getvalue().strip()
        sections = [
            (f"Captured {key} {when}", text)
            for key, text in (("stdout", out), ("stderr", err), ("log", log))
            if text
        ]
        state.sections.extend(sections)
        return self._report(item, when, error, duration, list(state.sections))

    def _report(self, item: _Item, when: str, error: BaseException | None, duration: float,
                sections: list[tuple[str, str]]) -> _Report:  # fmt: skip
        """TestReport.from_item_and_call followed by the skipping plugin's makereport."""
        report = _Report(when, "passed", None, sections, duration)
        if isinstance(error, _outcomes.Skipped):
            report.outcome = "skipped"
            crash = _strip_own_frames(error)._getreprcrash() if error.__traceback__ else None
            report.longrepr = ("", 0, crash.message if crash is not None else str(error.msg))
        elif error is not None:
            report.outcome = "failed"
            report.longrepr = _repr_test_failure(item, _strip_own_frames(error), self.root)
        if isinstance(error, _outcomes.XFailed):
            report.outcome, report.wasxfail = "skipped", error.msg
        elif report.outcome != "skipped" and item.xfail is not None:
            reason, _run, strict, raises = item.xfail
            if error is not None:
                if raises is None or isinstance(error, raises):
                    report.outcome, report.wasxfail = "skipped", reason
            elif when == "call":
                if strict:
                    report.outcome, report.longrepr = "failed", "[XPASS(strict)] " + reason
                else:
                    report.wasxfail = reason
        return report

    def _setup(self, state: _ItemRun) -> None:
        item = state.item
        if item.skip is not None:
            raise _outcomes.Skipped(item.skip, _use_item_location=True)
        if item.xfail is not None and not item.xfail[1]:
            raise _outcomes.XFailed("[NOTRUN] " + item.xfail[0])
        for name in item.initialnames:
            self._value(state, name)

    def _value(self, state: _ItemRun, name: str) -> Any:
        """The value of fixture `name` for this test, set up on first request."""
        if name in state.values:
            return state.values[name]
        fixture = _find_fixture(state.item, name)
        if fixture == "param":
            value = state.item.params[name]
        elif isinstance(fixture, str):
            value = self._builtin(state, name)
        else:
            kwargs = {arg: self._value(state, arg) for arg in fixture.argnames}
            func = fixture.func.__get__(state.instance) if fixture.in_class else fixture.func
            if inspect.isgeneratorfunction(func):
                generator = func(**kwargs)
                try:
                    value = next(generator)
                except StopIteration:
                    raise ValueError(f"{name} did not yield a value") from None
                state.finalizers.append(lambda: _fixtures._teardown_yield_fixture(func, generator))
            else:
                value = func(**kwargs)
        state.values[name] = value
        return value

    def _builtin(self, state: _ItemRun, name: str) -> Any:
        """tmp_path, capsys or monkeypatch, made with pytest's own classes."""
        if name == "monkeypatch":
            patcher = pytest.MonkeyPatch()
            state.finalizers.append(patcher.undo)
            return patcher
        if name == "capsys":
            fixture = _capture.CaptureFixture(_capture.SysCapture, None, _ispytest=True)  # type: ignore[arg-type]
            fixture._start()
            state.capsys = fixture

            def close() -> None:
                fixture.close()
                state.capsys = None

            state.finalizers.append(close)
            return fixture
        if self.tmp_factory is None:
            self.tmp_factory = pytest.TempPathFactory(None, 3, "all", lambda *args: None, _ispytest=True)
        return self.tmp_factory.mktemp(re.sub(r"[\W]", "_", state.item.name)[:30], numbered=True)

    def _call(self, state: _ItemRun) -> None:
        item = state.item
        func = item.func.__get__(state.instance) if state.instance is not None else item.func
        result = func(**{arg: state.values[arg] for arg in item.argnames})
        if result is not None:
            warnings.warn(
                pytest.PytestReturnNotNoneWarning(
                    f"Test functions should return None, but {item.node_id} returned {type(result)!r}.\n"
                    "Did you mean to use `assert` instead of `return`?\n"
                    "See https://docs.pytest.org/en/stable/how-to/assert.html#return-not-none"
                    " for more information."
                ),
                stacklevel=1,
            )

    def _teardown(self, state: _ItemRun) -> None:
        """Finalizers in reverse order; every one runs, errors are raised together as pytest does."""
        errors: list[BaseException] = []
        while state.finalizers:
            try:
                state.finalizers.pop()()
            except Exception as error:
                errors.append(error)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise BaseExceptionGroup(f"errors while tearing down <Function {state.item.name}>", errors[::-1])

    def _record(self, item: _Item, reports: list[_Report], lines: dict[str, list[int]] | None) -> None:
        """Progress letters, terminal stats and the verdict line (report_plugin's folding)."""
        outcome, message, frames, duration = None, "", [], 0.0
        for report in reports:
            key, letter = report.category()
            self.stats.setdefault(key, []).append((item.node_id, item.headline, report))
            if report.when == "teardown":
                self.teardowns[item.node_id] = report
            if letter:
                self.writer.write(letter)
                self.writer.flush()
            duration += report.duration
            phase = _phase_outcome(report)
            if phase is None or outcome not in (None, "passed"):
                continue
            outcome = phase
            if phase != "passed":
                longrepr = report.longrepr
                skipped = report.outcome == "skipped"
                text = functools.partial(_longreprtext, longrepr)
                message = report_format.message_of(longrepr, text, report.wasxfail, skipped)
            if phase in ("failed", "error"):
                frames = report_format.frames_of(report.longrepr, str(self.root))
        if outcome is None:
            return
        line: dict[str, Any] = {"kind": "test", "node_id": item.node_id, "outcome": outcome,
                                "duration_s": duration, "message": message, "frames": frames}  # fmt: skip
        if lines is not None:
            line["lines"] = lines
        self._write_line(line)

    def collection_errors(self, errors: list[tuple[str, Any]]) -> int:
        """Report collection errors and stop before any test runs, like pytest's default."""
        for node_id, longrepr in errors:
            text = functools.partial(_longreprtext, longrepr)
            message = report_format.message_of(longrepr, text, None, False)
            self._write_line({"kind": "collection_error", "node_id": node_id, "message": message})
            self.stats.setdefault("error", []).append(
                (node_id, node_id, _Report("collect", "failed", longrepr, [], 0))
            )
        self.writer.line("")
        count = len(errors)
        self._summary(None, f"Interrupted: {count} error{'s' if count != 1 else ''} during collection")
        return 2

    def _summary(self, interrupted: BaseException | None, stop_message: str = "") -> None:
        """pytest_terminal_summary and summary_stats of the terminal reporter with -q."""
        writer = self.writer
        for key, title in (("error", "ERRORS"), ("failed", "FAILURES")):
            if self.stats.get(key):
                writer.sep("=", title)
            for node_id, headline, report in self.stats.get(key, []):
                if report.when == "collect":
                    headline = f"ERROR collecting {headline}"
                elif key == "error":
                    headline = f"ERROR at {report.when} of {headline}"
                writer.sep("_", headline)
                self._print_report(report, "")
                if key == "failed" and node_id in self.teardowns:
                    self._print_report(self.teardowns[node_id], "teardown", longrepr=False)
        self._print_warnings()
        lines = [
            self._summary_line(word, node_id, report)
            for key, word in (("failed", "FAILED"), ("error", "ERROR"))
            for node_id, _headline, report in self.stats.get(key, [])
        ]
        if lines:
            writer.sep("=", "short test summary info")
            for text in lines:
                writer.line(text)
        if stop_message:
            writer.sep("!", stop_message)
        if interrupted is not None:
            self._print_interruption(interrupted)
        counts = [(key, len(self.stats.get(key, []))) for key in STAT_ORDER]
        if self.warnings:
            counts[STAT_ORDER.index("warnings")] = ("warnings", len(self.warnings))
        parts = [f"{n} {_plural(key, n)}" for key, n in counts if n]
        duration = format_session_duration(time.perf_counter() - self.started)
        writer.line(f"{', '.join(parts) or 'no tests ran'} in {duration}")
        writer.flush()

    def _print_report(self, report: _Report, only: str, longrepr: bool = True) -> None:
        """BaseReport.toterminal and the captured sections (`only` those whose name contains it)."""
        if longrepr and report.longrepr is not None:
            if hasattr(report.longrepr, "toterminal"):
                report.longrepr.toterminal(self.writer)
            else:
                self.writer.line(str(report.longrepr))
        for name, content in report.sections:
            if only in name:
                self.writer.sep("-", name)
                self.writer.line(content[:-1] if content.endswith("\n") else content)

    def _summary_line(self, word: str, node_id: str, report: _Report) -> str:
        """_get_line_with_reprcrash_message: `FAILED node - crash message`, trimmed to the width."""
        line = f"{word} {node_id}"
        longrepr = report.longrepr
        crash = getattr(longrepr, "reprcrash", None)
        message = (
            longrepr
            if isinstance(longrepr, str) and report.when != "collect"
            else getattr(crash, "message", None)
        )
        if message is None:
            return line
        if running_on_ci():
            return f"{line} - {message}"
        trimmed = _format_trimmed(" - {}", message, self.writer.fullwidth - len(line))
        return line + (trimmed or "")

    def _print_warnings(self) -> None:
        """TerminalReporter.summary_warnings for warnings recorded during collection and tests."""
        if not self.warnings:
            return
        grouped: dict[str, list[str]] = {}
        for node_id, record in self.warnings:
            location = node_id or f"{os.path.relpath(record.filename, self.root)}:{record.lineno}"
            grouped.setdefault(warning_record_to_str(record), []).append(location)
        self.writer.sep("=", "warnings summary")
        for message, locations in grouped.items():
            if len(locations) >= 10:
                counts: dict[str, int] = {}
                for location in locations:
                    counts[location.split("::", 1)[0]] = counts.get(location.split("::", 1)[0], 0) + 1
                locations = [f"{k}: {v} warning{'s' if v > 1 else ''}" for k, v in counts.items()]
            self.writer.line("\n".join(locations))
            self.writer.line("\n".join("  " + x for x in message.splitlines()).rstrip())
            self.writer.line()
        self.writer.line("-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html")

    def _print_interruption(self, error: BaseException) -> None:
        """TerminalReporter._report_keyboardinterrupt."""
        crash = ExceptionInfo.from_exception(error).getrepr(funcargs=True).reprcrash
        message = crash.message if crash is not None else repr(error)
        self.writer.sep("!", message)
        if "KeyboardInterrupt" in message and crash is not None:
            crash.toterminal(self.writer)
            self.writer.line("(to show a full traceback on KeyboardInterrupt use --full-trace)")


def _phase_outcome(report: _Report) -> str | None:
    """report_plugin._phase_outcome: the verdict one phase contributes."""
    if report.when == "call":
        return report.outcome
    if report.outcome == "failed":
        return "error"
    return "skipped" if report.outcome == "skipped" else None


def _plural(key: str, count: int) -> str:
    if key not in ("error", "warnings"):
        return key
    noun = key.replace("warnings", "warning")
    return noun + "s" if count != 1 else noun


def _install_rewriting(config: _QuietConfig) -> None:
    """pytest's assertion-rewriting import hook, as `install_importhook` sets it up."""
    state = AssertionState(config, "rewrite")  # type: ignore[arg-type]
    config.stash[rewrite.assertstate_key] = state
    state.hook = rewrite.AssertionRewritingHook(config)  # type: ignore[arg-type]
    sys.meta_path.insert(0, state.hook)


def run_fast(rootdir: str, targets: list[str], report_fd: int, tracer: object | None = None) -> int | None:
    """Run `targets` like `pytest -q` would: its exit code, or FALLBACK (see the module docstring)."""
    started = time.perf_counter()
    if not _INTERNALS_OK:
        return FALLBACK
    root = Path(rootdir).absolute()
    try:
        _check_no_ini(root, list(targets))
        config = _QuietConfig(root)
        _reprcompare_for(config)("==", [1, 2], [1, 3])  # fails here, before any test, if pytest changed
        session = _Session(root, config, report_fd, tracer, started)
        _install_rewriting(config)
        collector = _Collector(root, config)
        session.capture.start_capturing()
        try:
            collector.collect(list(targets))
        finally:
            session.capture.suspend_capturing()
            session.capture.readouterr()
    except Exception:  # Fallback, or a pytest internal that no longer fits
        return FALLBACK
    session.warnings.extend(collector.warnings)
    try:
        if collector.errors:
            return session.collection_errors(collector.errors)
        return session.run(collector.items)
    finally:
        session.capture.stop_capturing()
        sys.stdout.flush()
