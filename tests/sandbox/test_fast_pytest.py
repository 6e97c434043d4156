"""The fast in-process runner gives real pytest's verdicts, output and exit code, or falls back.

Each scenario is a small repository run twice in forked children: once through `run_fast`
and once through `pytest.main` with the report plugin, with the flags the sandbox uses.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fixloop.sandbox import fast_pytest, report_plugin

FLAGS = ["-p", "no:cacheprovider", "-q", "-o", "console_output_style=classic", "--color=no"]


@dataclass
class Run:
    code: int | None
    output: str
    verdicts: list[dict[str, Any]]


def _in_child(root: Path, work: str, report: Path, targets: list[str]) -> Run:
    """Run `work` ("fast" or "real") in a forked child with cwd and sys.path set like `python -m pytest`."""
    output = root.parent / f"{work}.out"
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code: int | None = 99
        try:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.chdir(root)
            sys.path.insert(0, str(root))
            report_fd = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            if work == "fast":
                code = fast_pytest.run_fast(str(root), targets, report_fd)
            else:
                os.dup2(report_fd, report_plugin.REPORT_FD)
                report_plugin.start_run(str(root))
                os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # third-party plugins are out of scope
                code = int(pytest.main([*FLAGS, f"--rootdir={root}", *targets], plugins=[report_plugin]))
            sys.stdout.flush()
        finally:
            os.write(write_end, json.dumps(code).encode())
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        code = json.loads(pipe.read())
    verdicts = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    for verdict in verdicts:
        verdict.pop("duration_s", None)
        verdict["message"] = _normalize(verdict["message"])
    return Run(code, output.read_text(), verdicts)


def _normalize(text: str) -> str:
    """Drop what legitimately differs between two runs: durations and object addresses."""
    return re.sub(r"0x[0-9a-f]+", "0x?", re.sub(r" in \d+\.\d\ds", " in ?s", text))


def run_both(tmp_path: Path, files: dict[str, str], targets: list[str] | None = None) -> tuple[Run, Run]:
    root = tmp_path / "repo"
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    targets = targets or []
    fast = _in_child(root, "fast", tmp_path / "fast.jsonl", targets)
    return fast, _in_child(root, "real", tmp_path / "real.jsonl", targets)


def assert_same(fast: Run, real: Run) -> None:
    assert fast.code is not None, fast.output
    assert (fast.code, fast.verdicts) == (real.code, real.verdicts)
    assert _normalize(fast.output) == _normalize(real.output)


SCENARIOS: dict[str, dict[str, str]] = {
    "passing_failing_and_erroring_fixtures": {
        "tests/test_a.py": """
            import pytest

            @pytest.fixture
            def base():
                return 2

            @pytest.fixture
            def doubled(base):
                return base * 2

            @pytest.fixture
            def broken():
                raise ValueError("boom")

            def test_uses_chain(doubled):
                assert doubled == 4

            def test_fails_with_diff(doubled):
                assert [1, doubled] == [1, 5, 6]

            def test_fixture_error(broken):
                pass
        """,
    },
    "yield_fixture_teardown_failure_is_an_error": {
        "tests/test_a.py": """
            import pytest

            @pytest.fixture
            def resource():
                print("opening")
                yield 1
                raise RuntimeError("cannot close")

            def test_passes_then_teardown_fails(resource):
                assert resource == 1
        """,
    },
    "parametrize_ids": {
        "tests/test_a.py": """
            import pytest

            class Thing:
                pass

            @pytest.mark.parametrize("value", [1, "a b", 1.5, None, Thing(), (1, 2), True])
            def test_values(value):
                assert value != 1.5

            @pytest.mark.parametrize(("x", "y"), [pytest.param(1, 2, id="small"),
                                                   pytest.param(3, 4, marks=pytest.mark.xfail(reason="big"))])
            def test_params(x, y):
                assert x < 3

            @pytest.mark.parametrize("x", [1, 2], ids=["one", "two"])
            @pytest.mark.parametrize("y", [3, 4])
            def test_stacked(x, y):
                assert (x, y) != (2, 4)

            @pytest.mark.parametrize("a,b", [(1, 1), (1, 1)])
            def test_duplicate_ids(a, b):
                assert a == b
        """,
    },
    "classes_conftest_fixtures_and_overriding": {
        "tests/conftest.py": """
            import pytest

            @pytest.fixture
            def name():
                return "conftest"

            @pytest.fixture(autouse=True)
            def announce():
                print("autouse setup")
        """,
        "tests/test_a.py": """
            import pytest

            def test_conftest_fixture(name):
                assert name == "conftest"

            class TestOverride:
                @pytest.fixture
                def name(self):
                    return "class"

                def test_class_fixture_wins(self, name):
                    assert name == "class"

                def test_fresh_instance(self):
                    assert not hasattr(self, "seen")
                    self.seen = True
                    assert False, "always fails"
        """,
        "tests/sub/test_b.py": """
            import pytest

            @pytest.fixture
            def name():
                return "module"

            def test_module_fixture_wins(name):
                assert name == "conftest"
        """,
    },
    "skip_skipif_and_xfail": {
        "tests/test_a.py": """
            import sys
            import pytest

            @pytest.mark.skip(reason="not today")
            def test_skipped():
                pass

            @pytest.mark.skipif(sys.version_info > (3,), reason="py3")
            def test_skipif():
                pass

            def test_skip_inside():
                pytest.skip("from inside")

            @pytest.mark.xfail(reason="known")
            def test_xfail():
                assert 0

            @pytest.mark.xfail(reason="lucky")
            def test_xpass():
                pass

            @pytest.mark.xfail(strict=True, reason="must fail")
            def test_strict_xpass():
                pass

            @pytest.mark.xfail(raises=KeyError, reason="wrong error")
            def test_xfail_other_error():
                raise ValueError("not a key error")

            @pytest.mark.xfail(run=False, reason="would hang")
            def test_not_run():
                pass

            def test_imperative_xfail():
                pytest.xfail("later")

            def test_fail_without_trace():
                pytest.fail("plain message", pytrace=False)
        """,
    },
    "raises_approx_capsys_monkeypatch_tmp_path": {
        "tests/test_a.py": """
            import os
            import pytest

            def test_raises():
                with pytest.raises(ZeroDivisionError):
                    1 / 0

            def test_raises_unmet():
                with pytest.raises(KeyError):
                    pass

            def test_approx():
                assert 0.1 + 0.2 == pytest.approx(0.3)

            def test_capsys(capsys):
                print("hello")
                assert capsys.readouterr().out == "hello\\n"
                print("left over")
                assert False

            def test_monkeypatch(monkeypatch):
                monkeypatch.setenv("FAST_PYTEST_PROBE", "1")
                assert os.environ["FAST_PYTEST_PROBE"] == "1"

            def test_monkeypatch_undone():
                assert "FAST_PYTEST_PROBE" not in os.environ

            def test_tmp_path(tmp_path):
                (tmp_path / "f.txt").write_text("x")
                assert tmp_path.name.startswith("test_tmp_path")

            def test_system_exit_is_a_failure():
                raise SystemExit(3)
        """,
    },
    "failure_inside_project_code_and_captured_output": {
        "pkg/__init__.py": "",
        "pkg/calc.py": """
            def divide(a, b):
                return a / b
        """,
        "tests/test_a.py": """
            import logging
            import sys
            from pkg.calc import divide

            def test_divide():
                print("to stdout")
                sys.stderr.write("to stderr\\n")
                logging.getLogger("calc").warning("careful")
                assert divide(1, 0) == 0
        """,
    },
    "syntax_error_in_module_under_test_is_a_collection_error": {
        "pkg/__init__.py": "",
        "pkg/broken.py": "def f(:\n    pass\n",
        "tests/test_a.py": """
            from pkg.broken import f

            def test_f():
                assert f
        """,
        "tests/test_b.py": """
            def test_never_runs():
                assert True
        """,
    },
    "import_error_and_module_level_exception_are_collection_errors": {
        "tests/test_a.py": "import no_such_module\n",
        "tests/test_b.py": "x = 1 / 0\n",
    },
    "no_tests_collected": {"src/helper.py": "X = 1\n"},
    "warnings_are_summarised": {
        "tests/test_a.py": """
            import warnings

            def test_warns():
                warnings.warn("old api", DeprecationWarning)

            def test_pytest_warns():
                with __import__("pytest").warns(UserWarning):
                    warnings.warn("expected", UserWarning)
        """,
    },
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fast_path_matches_pytest(tmp_path: Path, scenario: str) -> None:
    fast, real = run_both(tmp_path, SCENARIOS[scenario])
    assert_same(fast, real)


TARGETED = {
    "tests/test_a.py": """
        import pytest

        def test_x():
            pass

        class TestK:
            def test_y(self):
                assert 0

        @pytest.mark.parametrize("p", [1, 2])
        def test_p(p):
            pass
    """,
    "tests/sub/test_b.py": "def test_b():\n    pass\n",
}


@pytest.mark.parametrize(
    "targets",
    [
        ["tests/test_a.py::test_x"],
        ["tests/test_a.py::TestK::test_y"],
        ["tests/test_a.py::test_p[2]", "tests/test_a.py::test_x"],
        ["tests/test_a.py::test_p"],
        ["tests/sub"],
        ["tests/sub/test_b.py", "tests/test_a.py::TestK"],
    ],
    ids=["function", "method", "param-and-order", "all-params", "directory", "file-and-class"],
)
def test_targets_select_like_pytest(tmp_path: Path, targets: list[str]) -> None:
    fast, real = run_both(tmp_path, TARGETED, targets)
    assert_same(fast, real)


FALLBACKS: dict[str, dict[str, str]] = {
    "ini_file": {"pytest.ini": "[pytest]\n", "test_a.py": "def test_a():\n    pass\n"},
    "pyproject_section": {
        "pyproject.toml": "[tool.pytest.ini_options]\n",
        "test_a.py": "def test_a(): pass\n",
    },
    "conftest_hook": {
        "conftest.py": "def pytest_configure(config):\n    pass\n",
        "test_a.py": "def test_a(): pass\n",
    },
    "module_scoped_fixture": {
        "test_a.py": "import pytest\n@pytest.fixture(scope='module')\ndef f(): pass\ndef test_a(f): pass\n"
    },
    "request_fixture": {"test_a.py": "def test_a(request):\n    pass\n"},
    "unknown_fixture": {"test_a.py": "def test_a(capfd):\n    pass\n"},
    "indirect_parametrize": {
        "test_a.py": "import pytest\n@pytest.mark.parametrize('x', [1], indirect=True)\ndef test_a(x): pass\n"
    },
    "string_skipif": {"test_a.py": "import pytest\n@pytest.mark.skipif('True')\ndef test_a(): pass\n"},
    "unittest_case": {
        "test_a.py": "import unittest\nclass T(unittest.TestCase):\n    def test_a(self): pass\n"
    },
    "xunit_setup": {"test_a.py": "def setup_module():\n    pass\ndef test_a(): pass\n"},
    "async_test": {"test_a.py": "async def test_a():\n    pass\n"},
    "unknown_mark": {"test_a.py": "import pytest\n@pytest.mark.slow\ndef test_a(): pass\n"},
    "unknown_target": {"test_a.py": "def test_a(): pass\n"},
    "ini_in_the_targets_directory": {
        "tests/tox.ini": "[pytest]\n",
        "tests/test_a.py": "def test_a(): pass\n",
    },
}


@pytest.mark.parametrize("case", FALLBACKS)
def test_unsupported_features_fall_back_before_any_test_runs(tmp_path: Path, case: str) -> None:
    root = tmp_path / "repo"
    for name, source in FALLBACKS[case].items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    targets = {
        "unknown_target": ["test_a.py::test_missing"],
        "ini_in_the_targets_directory": ["tests/test_a.py"],
    }
    fast = _in_child(root, "fast", tmp_path / "fast.jsonl", targets.get(case, []))
    assert fast.code is fast_pytest.FALLBACK
    assert fast.verdicts == []


def test_an_ini_file_above_the_rootdir_falls_back_as_pytest_would_read_it(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -x\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "test_a.py").write_text("def test_a():\n    pass\n")

    fast = _in_child(root, "fast", tmp_path / "fast.jsonl", [])

    assert fast.code is fast_pytest.FALLBACK
