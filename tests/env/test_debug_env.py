"""DebugEnv end to end, with a real sandbox running real pytest."""

import pytest

from fixloop.env.actions import ReadFile, ReplaceLines, RunTests, Submit, UndoEdit, ViewCode, WriteFile
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.sandbox.base import SandboxError
from tests.env.fake_sandbox import end_plain_episode, open_plain_episode

FIX = ReplaceLines(path="calc.py", start_line=3, end_line=3, new_code="return a + b")


def make_env(sandbox, task, **config) -> DebugEnv:
    environment = DebugEnv(sandbox, EnvConfig(**config))
    environment.reset(task)
    return environment


def test_reset_shows_the_task_and_never_the_reference_fix(sandbox, calc_task):
    environment = DebugEnv(sandbox)
    observation = environment.reset(calc_task)
    assert observation.task_description == calc_task.description
    assert observation.repo_tree == ["calc.py", "tests/test_calc.py"]
    assert observation.steps_remaining == calc_task.max_steps
    assert "a + b" not in observation.render()
    environment.close()


def test_view_code_without_a_path_lists_the_files_with_line_counts(env):
    observation = env.step(ViewCode()).observation
    assert "calc.py (7 lines)" in observation.action_output


def test_view_code_shows_a_numbered_window(env):
    observation = env.step(ViewCode(path="calc.py", start_line=3, end_line=4)).observation
    assert observation.code_view.splitlines()[1:] == ["  3 |     return a - b", "  4 | "]


def test_view_code_past_the_end_is_an_error(env):
    result = env.step(ViewCode(path="calc.py", start_line=50))
    assert "past the end" in result.observation.last_action_error
    assert result.reward < 0


def test_read_file_shows_the_whole_file_numbered(env):
    observation = env.step(ReadFile(path="calc.py")).observation
    assert "3 |     return a - b" in observation.code_view
    assert "7 |     return x * 2" in observation.code_view


def test_read_of_a_missing_file_is_an_error(env):
    assert "does not exist" in env.step(ReadFile(path="nope.py")).observation.last_action_error


def test_search_code_finds_lines_case_insensitively(env):
    observation = env.step({"action_type": "search_code", "query": "DEF ADD"}).observation
    assert "calc.py:1: def add(a, b):" in observation.action_output
    assert "tests/test_calc.py:1: from calc import add, double" not in observation.action_output


def test_search_code_can_be_limited_to_a_path(env):
    observation = env.step({"action_type": "search_code", "query": "add", "path": "tests"}).observation
    assert "calc.py:1" not in observation.action_output.replace("tests/test_calc.py", "")
    assert "tests/test_calc.py" in observation.action_output


def test_replace_lines_edits_with_the_right_indentation(env):
    env.step(FIX)
    code = env.step(ReadFile(path="calc.py")).observation.code_view
    assert "3 |     return a + b" in code


def test_replace_lines_out_of_range_is_an_error_and_changes_nothing(env):
    result = env.step(ReplaceLines(path="calc.py", start_line=6, end_line=40, new_code="x"))
    assert "outside the file" in result.observation.last_action_error
    assert env.state().changed_files == []


def test_write_file_creates_a_file(env):
    result = env.step(WriteFile(path="notes/plan.txt", content="fix add\n"))
    assert "notes/plan.txt" in result.observation.repo_tree


def test_binary_and_huge_writes_are_refused(sandbox, calc_task):
    environment = make_env(sandbox, calc_task, max_write_bytes=2_000)
    assert "binary" in environment.step(WriteFile(path="a.bin", content="\x00")).observation.last_action_error
    huge = environment.step(WriteFile(path="a.txt", content="y" * 5_000)).observation
    assert "limit" in huge.last_action_error
    environment.close()


def test_run_tests_reports_the_pass_summary_and_failing_tests(env):
    observation = env.step(RunTests()).observation
    assert observation.pass_summary.passed == 2
    assert observation.pass_summary.total == 4
    assert "tests/test_calc.py::test_add_small" in observation.pass_summary.failing
    assert "assert" in observation.last_test_output


def test_run_tests_localizes_the_failure(env):
    observation = env.step(RunTests()).observation
    assert observation.localized_context.startswith("tests/test_calc.py around line")
    assert ">>" in observation.localized_context


def test_run_tests_can_target_one_node_id(env):
    observation = env.step(RunTests(target="tests/test_calc.py::test_double")).observation
    assert observation.pass_summary.passed == 1
    assert observation.pass_summary.total == 1


def test_run_tests_on_a_missing_target_is_an_error(env):
    assert "does not exist" in env.step(RunTests(target="tests/nope.py")).observation.last_action_error


def test_undo_reverts_the_last_edit(env):
    env.step(FIX)
    env.step(UndoEdit())
    assert env.state().changed_files == []


def test_undo_with_nothing_to_undo_is_an_error(env):
    assert "no edit to undo" in env.step(UndoEdit()).observation.last_action_error


def test_reset_action_restores_the_repository_and_keeps_counting_steps(env):
    env.step(FIX)
    observation = env.step({"action_type": "reset"}).observation
    assert env.state().changed_files == []
    assert observation.step_count == 2


def test_submit_after_the_fix_resolves_and_ends_the_episode(env):
    env.step(FIX)
    result = env.step(Submit())
    assert result.done
    assert result.info["grade"]["outcome"] == "resolved"
    assert env.state().grade.score == 1.0


def test_submit_without_a_fix_is_unresolved(env):
    result = env.step(Submit())
    assert result.info["grade"]["outcome"] == "unresolved"


def test_a_fix_that_breaks_a_regression_test_is_graded_unresolved(env):
    env.step(
        WriteFile(
            path="calc.py", content="def add(a, b):\n    return a + b\n\n\ndef double(x):\n    return x\n"
        )
    )
    grade = env.step(Submit()).info["grade"]
    assert grade["outcome"] == "unresolved"
    assert grade["pass_to_pass_broken"] == ["tests/test_calc.py::test_double"]


def test_editing_the_tests_does_not_earn_a_pass(env):
    env.step(WriteFile(path="tests/test_calc.py", content="def test_add_small():\n    pass\n"))
    assert env.step(Submit()).info["grade"]["outcome"] == "unresolved"


def test_steps_after_done_are_errors_with_a_penalty(env):
    env.step(Submit())
    result = env.step(ReadFile(path="calc.py"))
    assert result.done
    assert "episode is over" in result.observation.last_action_error
    assert result.reward < 0


def test_running_out_of_steps_grades_the_work(sandbox, calc_task):
    environment = make_env(sandbox, calc_task.model_copy(update={"max_steps": 2}))
    environment.step(FIX)
    result = environment.step(ViewCode())
    assert result.done
    assert result.info["truncated"] is True
    assert result.info["grade"]["outcome"] == "resolved"
    environment.close()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{oops", "malformed JSON"),
        ({"action_type": "fly"}, "unknown action_type"),
        ({"action_type": "replace_lines", "path": "calc.py", "start_line": "two"}, "valid integer"),
        (42, "must be a JSON object"),
    ],
)
def test_bad_input_becomes_an_error_observation(env, raw, message):
    result = env.step(raw)
    assert message in result.observation.last_action_error
    assert not result.done
    assert env.step(RunTests()).observation.pass_summary.total == 4


@pytest.mark.parametrize("path", ["../etc/passwd", "/etc/passwd", "tests/../../x.py"])
def test_paths_outside_the_workspace_are_refused_by_every_file_action(env, path):
    for action in (ReadFile(path=path), ViewCode(path=path), WriteFile(path=path, content="x")):
        error = env.step(action).observation.last_action_error
        assert "leaves the repository" in error or "absolute" in error


def test_a_syntax_error_is_shown_and_costs_under_tracefix(sandbox, calc_task):
    environment = make_env(sandbox, calc_task, reward="tracefix")
    observation = environment.step(FIX.model_copy(update={"new_code": "return a +"})).observation
    assert observation.syntax_error.startswith("calc.py:3")
    assert environment.step(RunTests()).reward == pytest.approx(-0.01 - 0.10)
    environment.close()


def test_potential_reward_pays_for_newly_passing_tests(sandbox, calc_task):
    environment = make_env(sandbox, calc_task)
    environment.step(FIX)
    assert environment.step(RunTests()).reward == pytest.approx(0.5 - 0.01)
    environment.close()


def test_navrepair_rewards_reading_and_writing_the_fix_file(sandbox, calc_task):
    environment = make_env(sandbox, calc_task, reward="navrepair")
    assert environment.step(ReadFile(path="calc.py")).reward == pytest.approx(0.05)
    assert environment.step(ReadFile(path="calc.py")).reward == pytest.approx(-0.01)
    assert environment.step(FIX).reward == pytest.approx(0.08)
    assert environment.step(RunTests()).reward == pytest.approx(0.10 + 0.3 * 0.5)
    environment.close()


class FailingSandbox:
    """A sandbox whose machinery is broken: every run raises SandboxError."""

    name = "broken"

    def run_tests(self, workspace, targets=(), *, limits=None):
        raise SandboxError("the sandbox could not start")

    def start_episode(self, directory, python=None):
        pass

    def open_episode(self, python=None):
        return open_plain_episode()

    def end_episode(self, directory):
        end_plain_episode(directory)

    def close(self):
        pass


def test_a_sandbox_failure_ends_the_episode_as_infra_error(calc_task):
    environment = DebugEnv(FailingSandbox())
    environment.reset(calc_task)
    result = environment.step(RunTests())
    assert result.done
    assert "not your fault" in result.observation.last_action_error
    assert environment.state().grade.outcome == "infra_error"
    environment.close()


class RecordingSandbox:
    """A real sandbox that records the episodes it is told about and how each run was served."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.name = sandbox.name
        self.calls = []

    def run_tests(self, workspace, targets=(), **options):
        result = self.sandbox.run_tests(workspace, targets, **options)
        self.calls.append(("run", workspace, result.runner))
        return result

    def start_episode(self, directory, python=None):
        self.calls.append(("start", directory, None))
        self.sandbox.start_episode(directory)

    def open_episode(self, python=None):
        directory = self.sandbox.open_episode(python)
        self.calls.append(("start", directory, None))
        return directory

    def end_episode(self, directory):
        self.calls.append(("end", directory, None))
        self.sandbox.end_episode(directory)

    def close(self):
        pass


def test_an_episode_is_served_by_one_warm_worker_from_reset_to_close(sandbox, calc_task):
    recording = RecordingSandbox(sandbox)
    environment = DebugEnv(recording)
    environment.reset(calc_task)
    environment.step(RunTests())
    environment.step(FIX)
    environment.step(Submit())
    environment.close()

    (start, *runs, end) = recording.calls
    episode = start[1]
    assert [start[0], end[0], end[1]] == ["start", "end", episode]
    assert len(runs) == 2  # the agent's run and the grade
    for kind, workspace, runner in runs:
        assert kind == "run" and workspace.is_relative_to(episode)
        assert runner.startswith("warm-")
    # Nothing of the episode is left: its directory is gone or, kept for the next episode
    # with its worker, empty.
    assert not episode.exists() or not any(episode.iterdir())


def test_an_episode_whose_worker_keeps_dying_goes_on_per_run_and_is_graded(calc_task):
    from fixloop.sandbox import ProcessSandbox

    with ProcessSandbox() as sandbox:
        environment = DebugEnv(sandbox)
        environment.reset(calc_task)
        for _ in range(2):
            environment.step(RunTests())
            worker = next(iter(sandbox._episodes.values())).worker
            assert worker is not None
            worker._process.kill()
            worker._process.wait()
        result = environment.step(RunTests())
        submitted = environment.step(Submit())
        environment.close()

    assert (result.observation.last_action_error, result.done) == (None, False)
    assert submitted.info["grade"]["outcome"] == "unresolved"
