"""The LLM agent end to end: a scripted model, the real environment, a real sandbox."""

import json

import pytest

from fixloop.agents.context import AgentContext
from fixloop.agents.llm_agent import LLMAgent, LLMAgentConfig
from fixloop.env.debug_env import DebugEnv
from fixloop.models.base import BudgetExceededError, ModelUnavailableError
from fixloop.models.scripted import ScriptedModel
from fixloop.rollout.episode import run_episode

READ = json.dumps({"thought": "Look at add.", "action_type": "read_file", "path": "calc.py"})
FIX = json.dumps(
    {
        "action_type": "replace_lines",
        "path": "calc.py",
        "start_line": 3,
        "end_line": 3,
        "new_code": "return a + b",
    }
)
RUN = json.dumps({"action_type": "run_tests"})
SUBMIT = json.dumps({"action_type": "submit"})
GARBAGE = "I am not sure what to do next."


def run(sandbox, task, responses, **config):
    model = ScriptedModel(responses)
    agent = LLMAgent(model, LLMAgentConfig(**config))
    return run_episode(DebugEnv(sandbox), agent, task), model


def test_a_scripted_correct_episode_resolves_the_task(sandbox, calc_task):
    trajectory, _ = run(sandbox, calc_task, [READ, FIX, RUN, SUBMIT])
    assert trajectory.outcome == "resolved"
    assert [step.action["action_type"] for step in trajectory.steps] == [
        "read_file",
        "replace_lines",
        "run_tests",
        "submit",
    ]
    assert trajectory.steps[0].action["thought"] == "Look at add."


def test_each_step_records_the_tokens_its_model_call_used(sandbox, calc_task):
    trajectory, _ = run(sandbox, calc_task, [READ, SUBMIT])
    assert all(step.tokens > 0 for step in trajectory.steps)
    assert trajectory.tokens == sum(step.tokens for step in trajectory.steps)


def test_a_garbage_reply_is_a_parse_error_step_fed_back_as_the_next_observation(sandbox, calc_task):
    trajectory, model = run(sandbox, calc_task, [GARBAGE, SUBMIT])
    first = trajectory.steps[0]
    assert first.action is None
    assert first.error.startswith("PARSE_ERROR: malformed JSON")
    assert first.raw_action == GARBAGE
    next_prompt = model.calls[1]
    assert next_prompt[-1].role == "user"
    assert "PARSE_ERROR: malformed JSON" in next_prompt[-1].content
    assert next_prompt[-2].content == GARBAGE


def test_a_repaired_reply_is_accepted_as_the_action(sandbox, calc_task):
    fenced = "Here is my action:\n```json\n" + SUBMIT.replace("submit", "SUBMIT") + "\n```"
    trajectory, _ = run(sandbox, calc_task, [fenced])
    assert trajectory.steps[0].action["action_type"] == "submit"
    assert trajectory.steps[0].error is None


def test_three_garbage_replies_in_a_row_end_the_episode_as_format_errors(sandbox, calc_task):
    trajectory, _ = run(sandbox, calc_task, [GARBAGE, GARBAGE, GARBAGE, SUBMIT])
    assert trajectory.outcome == "format_errors"
    assert "3 replies in a row" in trajectory.error
    assert len(trajectory.steps) == 2
    assert trajectory.grade is not None and trajectory.score == 0.0


def test_a_valid_reply_resets_the_format_error_count(sandbox, calc_task):
    trajectory, _ = run(sandbox, calc_task, [GARBAGE, GARBAGE, READ, GARBAGE, SUBMIT])
    assert trajectory.outcome == "unresolved"


def test_the_same_action_three_times_in_a_row_ends_the_episode_as_looping(sandbox, calc_task):
    reread = READ.replace("Look at add.", "Look again.")
    trajectory, _ = run(sandbox, calc_task, [READ, reread, READ, SUBMIT])
    assert trajectory.outcome == "looping"
    assert "read_file action 3 times" in trajectory.error
    assert len(trajectory.steps) == 2


def test_different_actions_of_one_type_are_not_looping_by_default(sandbox, calc_task):
    read_tests = READ.replace("calc.py", "tests/test_calc.py")
    trajectory, _ = run(sandbox, calc_task, [READ, read_tests, READ, SUBMIT])
    assert trajectory.outcome == "unresolved"
    assert len(trajectory.steps) == 4


def test_the_type_rule_counts_any_action_of_the_same_type_as_looping(sandbox, calc_task):
    read_tests = READ.replace("calc.py", "tests/test_calc.py")
    trajectory, _ = run(sandbox, calc_task, [READ, read_tests, READ, SUBMIT], looping_rule="type")
    assert trajectory.outcome == "looping"


def test_a_workspace_left_fixed_is_still_graded_when_the_agent_stops(sandbox, calc_task):
    trajectory, _ = run(sandbox, calc_task, [FIX, RUN, RUN, RUN])
    assert trajectory.outcome == "looping"
    assert trajectory.grade.outcome == "resolved"
    assert trajectory.score == 1.0


def test_a_model_over_budget_ends_the_episode_as_budget_exhausted(sandbox, calc_task):
    def script(messages):
        if len(messages) > 2:
            raise BudgetExceededError("the run's $1.00 budget is spent")
        return READ

    agent = LLMAgent(ScriptedModel(script))
    trajectory = run_episode(DebugEnv(sandbox), agent, calc_task)
    assert trajectory.outcome == "budget_exhausted"
    assert "$1.00 budget" in trajectory.error
    assert len(trajectory.steps) == 1
    assert trajectory.grade is not None


def test_an_unavailable_model_ends_the_episode_as_infra_error_and_is_not_graded(sandbox, calc_task):
    def script(messages):
        raise ModelUnavailableError("HTTP 503 after 3 retries")

    trajectory = run_episode(DebugEnv(sandbox), LLMAgent(ScriptedModel(script)), calc_task)
    assert trajectory.outcome == "infra_error"
    assert "HTTP 503" in trajectory.error
    assert trajectory.grade is None and trajectory.score == 0.0


def test_a_model_that_runs_out_of_script_is_an_agent_error(sandbox, calc_task):
    trajectory, _ = run(sandbox, calc_task, [READ])
    assert trajectory.outcome == "agent_error"
    assert "no scripted response left" in trajectory.error


def test_the_agents_own_step_limit_ends_the_episode_as_step_limit(sandbox, calc_task):
    trajectory, _ = run(sandbox, calc_task, [READ, RUN, SUBMIT], max_steps=2)
    assert trajectory.outcome == "step_limit"
    assert len(trajectory.steps) == 2


def test_the_wall_time_limit_ends_the_episode_before_another_call(sandbox, calc_task):
    trajectory, model = run(sandbox, calc_task, [READ], wall_time_s=1e-9)
    assert trajectory.outcome == "wall_time"
    assert model.calls == []


@pytest.mark.parametrize("window", [0, 2])
def test_the_history_window_bounds_the_messages_sent(sandbox, calc_task, window):
    replies = [
        READ,
        json.dumps({"action_type": "view_code", "path": "calc.py", "start_line": 1, "end_line": 3}),
        json.dumps({"action_type": "search_code", "query": "add"}),
        json.dumps({"action_type": "read_file", "path": "tests/test_calc.py"}),
        SUBMIT,
    ]
    _, model = run(sandbox, calc_task, replies, history_window=window)
    assert [len(call) for call in model.calls] == [min(2 + 2 * turn, 2 + 2 * window) for turn in range(5)]
    last = model.calls[-1]
    assert last[0].role == "system"
    assert [m.role for m in last[1:]] == ["user", "assistant"] * window + ["user"]


def test_the_system_prompt_carries_the_agent_context(sandbox, calc_task):
    agent = LLMAgent(ScriptedModel([SUBMIT]), context=AgentContext(skill="- R1: read before editing."))
    run_episode(DebugEnv(sandbox), agent, calc_task)
    assert "- R1: read before editing." in agent.model.calls[0][0].content
