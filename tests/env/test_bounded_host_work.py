"""Whatever test code plants in the workspace, a step's host-side work stays bounded.

Checked structurally — bytes handed to the parser, bytes read from disk, entries listed —
never by timing.
"""

import os
import time

import pytest

from fixloop.env import debug_env
from fixloop.env.actions import ReadFile, RunTests, SearchCode, ViewCode, WriteFile
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.sandbox import safe_fs
from tests.env.fake_sandbox import FakeSandbox

ONE_MB = 1024 * 1024


@pytest.fixture
def counted(monkeypatch):
    """Counts the bytes the environment reads from workspace files and hands to the parser."""
    counts = {"read": 0, "parsed": 0}
    read_file, parse_python = safe_fs.read_file, debug_env.parse_python

    def counting_read(dir_fd, name, max_bytes):
        data = read_file(dir_fd, name, max_bytes)
        counts["read"] += len(data)
        return data

    def counting_parse(source, filename="<unknown>"):
        counts["parsed"] += len(source)
        return parse_python(source, filename=filename)

    monkeypatch.setattr(safe_fs, "read_file", counting_read)
    monkeypatch.setattr(debug_env, "parse_python", counting_parse)
    return counts


@pytest.fixture
def fake_env(calc_task):
    environment = DebugEnv(FakeSandbox())
    environment.reset(calc_task.model_copy(update={"max_steps": 100}))
    yield environment
    environment.close()


def plant_python_files(root, count, size):
    (root / "planted").mkdir()
    line = "value = 'x' * 60\n"
    for index in range(count):
        (root / "planted" / f"big_{index}.py").write_text(line * (size // len(line)))
    time.sleep(1.1)  # older than a clock tick's doubt: the workspace may keep what it read


CHEAP_STEPS = [ViewCode(), ReadFile(path="calc.py"), SearchCode(query="add"), ViewCode(path="calc.py")] * 3


def test_twelve_planted_megabyte_files_are_never_read_nor_parsed(fake_env, counted):
    plant_python_files(fake_env.workspace.root, 12, ONE_MB)
    for action in CHEAP_STEPS:
        observation = fake_env.step(action).observation
        assert observation.last_action_error is None
    assert counted["parsed"] == 0
    assert counted["read"] < 100_000  # the task's own two small files, a few times over
    assert "planted/big_0.py (binary or too large)" in fake_env.step(ViewCode()).observation.action_output


def test_planted_files_under_the_cap_are_parsed_once_not_at_every_step(fake_env, counted):
    plant_python_files(fake_env.workspace.root, 12, 150_000)
    for action in CHEAP_STEPS:
        fake_env.step(action)
    planted = 12 * 150_000
    assert planted * 0.9 < counted["parsed"] <= planted
    assert counted["read"] < planted * 1.2


def test_python_planted_at_every_run_is_parsed_within_a_per_step_budget(calc_task, counted):
    planted = iter(range(1_000))

    def plant(root):
        for _ in range(10):
            (root / f"new_{next(planted)}.py").write_text("value = 1\n" * 15_000)  # 150 kB

    environment = DebugEnv(FakeSandbox(on_run=plant))
    environment.reset(calc_task)
    budget = debug_env.PARSE_BUDGET_WRITES * environment.config.max_write_bytes
    for _ in range(3):
        before = counted["parsed"]
        environment.step(RunTests())
        assert 0 < counted["parsed"] - before <= budget
    environment.close()


def test_an_edit_is_parsed_once_and_a_syntax_error_kept_until_the_file_changes(fake_env, counted):
    fake_env.step(WriteFile(path="calc.py", content="def add(a, b):\n    return a +\n"))
    first = counted["parsed"]
    observations = [fake_env.step(action).observation for action in CHEAP_STEPS]
    assert all(o.syntax_error == "calc.py:2: invalid syntax" for o in observations)
    assert counted["parsed"] == first


def test_a_listing_stops_at_its_entry_bound_and_says_so(calc_task, counted):
    environment = DebugEnv(FakeSandbox(), EnvConfig(max_tree_entries=200))
    environment.reset(calc_task)
    many = environment.workspace.root / "aaa"
    many.mkdir()
    for index in range(2_000):
        (many / f"f{index}.txt").write_text("x")
    observation = environment.step(ViewCode()).observation
    environment.close()
    assert len(observation.repo_tree) < 200
    assert "(the listing stopped after 200 entries)" in observation.repo_notes
    assert counted["read"] < 200 * 2 + 1_000


def test_a_tree_thousands_of_levels_deep_is_listed_to_its_depth_bound_and_removed(fake_env):
    root = fake_env.workspace.root
    directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(3_000):
        os.mkdir("d", dir_fd=directory)
        inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=directory)
        os.close(directory)
        directory = inner
    with open(os.open("deep.py", os.O_WRONLY | os.O_CREAT, dir_fd=directory), "w") as deepest:
        deepest.write("x = (\n")
    os.close(directory)
    observation = fake_env.step(ViewCode()).observation
    assert observation.last_action_error is None
    assert observation.syntax_error is None
    assert any("levels down" in note for note in observation.repo_notes)
    fake_env.close()
    assert not root.exists()


def test_writing_190000_blank_lines_over_a_file_is_summarized_without_diffing_them(fake_env):
    summary = fake_env.step(WriteFile(path="calc.py", content="\n" * 190_000)).summary
    assert summary.lines_changed == 7 + 190_000
    assert "too many to diff" in summary.diff
