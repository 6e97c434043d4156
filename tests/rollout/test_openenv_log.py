import re

from fixloop.agents.oracle import OracleAgent
from fixloop.core.trajectory import StepRecord
from fixloop.env.debug_env import DebugEnv
from fixloop.rollout.episode import run_episode
from fixloop.rollout.openenv_log import episode_lines, step_line

STEP = re.compile(
    r"^\[STEP\] step=\d+ action=[a-z_]+ reward=-?\d+\.\d\d done=(true|false) error=(null|\S.*)$"
)


def test_an_oracle_episode_logs_start_steps_and_end(sandbox, calc_task):
    trajectory = run_episode(DebugEnv(sandbox), OracleAgent(calc_task), calc_task)
    lines = episode_lines(trajectory, "oracle")
    assert lines[0] == "[START] task=calc-add env=fixloop model=oracle"
    assert all(STEP.match(line) for line in lines[1:-1])
    assert lines[-2].startswith(f"[STEP] step={len(trajectory.steps)} action=submit")
    assert " done=true " in lines[-2]
    rewards = ",".join(f"{s.reward:.2f}" for s in trajectory.steps)
    assert lines[-1] == f"[END] success=true steps={len(trajectory.steps)} score=1.00 rewards={rewards}"


def test_an_unparsed_action_and_a_multiline_error_stay_on_one_line():
    step = StepRecord(index=3, action=None, raw_action="oops", reward=-0.06, error="malformed JSON:\n  at 1")
    assert step_line(step) == "[STEP] step=3 action=null reward=-0.06 done=false error=malformed JSON: at 1"
