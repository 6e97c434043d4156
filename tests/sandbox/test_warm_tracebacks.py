"""A warm worker's tracebacks read as a plain pytest run's: its code cache, which stands
between the import system and the compiler, shows no frame of its own."""

from __future__ import annotations

import pytest

from fixloop.env.test_output import stable_test_output

TESTS = "from pkg.mod import value\n\n\ndef test_value():\n    assert value() == 1\n"


@pytest.mark.parametrize(
    "broken",
    [{"pkg/mod.py": "def value(:\n"}, {"tests/test_mod.py": "def test_value(:\n    pass\n"}],
    ids=["in the code under test", "in a test file"],
)
@pytest.mark.parametrize("kind", ["process", "bwrap"])
def test_a_syntax_error_reads_the_same_warm_and_per_run(request, kind, tmp_path, broken):
    sandbox = request.getfixturevalue(f"{kind}_sandbox")
    workspace = tmp_path / "episode" / "workspace"
    files = {"pkg/__init__.py": "", "pkg/mod.py": "def value():\n    return 1\n", "tests/test_mod.py": TESTS}
    for name, text in {**files, **broken}.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text)
    plain = sandbox.run_tests(workspace, ["tests"])
    sandbox.start_episode(tmp_path / "episode")
    try:
        warm = sandbox.run_tests(workspace, ["tests"])
    finally:
        sandbox.end_episode(tmp_path / "episode")
    assert (plain.runner, warm.runner != "per-run") == ("per-run", True)
    assert "SyntaxError" in warm.output
    assert "fixloop_worker" not in warm.output
    assert stable_test_output(warm.output, workspace) == stable_test_output(plain.output, workspace)
