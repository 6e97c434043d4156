"""The `fixloop` command, driven through typer's runner."""

import json

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from tests.calc_task import make_calc_task, write_task_dir

runner = CliRunner()


def test_tasks_list_json_lists_every_builtin_task():
    result = runner.invoke(app, ["tasks", "list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) >= 12
    assert {"id", "difficulty", "title", "fail_to_pass"} <= set(rows[0])


def test_tasks_list_prints_a_table():
    result = runner.invoke(app, ["tasks", "list", "--suite", "builtin"])
    assert result.exit_code == 0
    assert "pager-exact-multiple" in result.stdout


def test_tasks_show_hides_the_fix_unless_asked(tmp_path):
    write_task_dir(tmp_path)
    hidden = runner.invoke(app, ["tasks", "show", "calc-add", "--path", str(tmp_path), "--json"])
    assert "a + b" not in hidden.stdout
    shown = runner.invoke(app, ["tasks", "show", "calc-add", "--path", str(tmp_path), "--show-fix"])
    assert "return a + b" in shown.stdout


def test_tasks_show_of_an_unknown_id_fails_clearly():
    result = runner.invoke(app, ["tasks", "show", "no-such-task"])
    assert result.exit_code == 2
    assert "no task 'no-such-task'" in result.stderr


def test_validate_passes_a_sound_task(tmp_path):
    write_task_dir(tmp_path)
    result = runner.invoke(app, ["tasks", "validate", "--path", str(tmp_path), "--repeats", "2", "--json"])
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)[0]["valid"] is True


def test_validate_exits_nonzero_when_the_fix_does_not_fix(tmp_path):
    bad = make_calc_task().files["calc.py"].replace("return x * 2", "return x * 3")
    write_task_dir(tmp_path, reference_fix={"calc.py": bad})
    result = runner.invoke(app, ["tasks", "validate", "--path", str(tmp_path), "--repeats", "1"])
    assert result.exit_code == 1
    assert "0/1 tasks valid" in result.stdout


def test_run_oracle_json_reports_each_episode(tmp_path):
    write_task_dir(tmp_path)
    out_file = tmp_path / "out" / "trajectories.jsonl"
    result = runner.invoke(
        app, ["run", "--agent", "oracle", "--path", str(tmp_path), "--json", "--out", str(out_file)]
    )
    assert result.exit_code == 0, result.stdout
    [row] = json.loads(result.stdout)
    assert (row["task"], row["outcome"], row["score"]) == ("calc-add", "resolved", 1.0)
    assert json.loads(out_file.read_text())["grade"]["outcome"] == "resolved"


def test_run_computes_missing_test_lists_first(tmp_path):
    write_task_dir(tmp_path, fail_to_pass=[], pass_to_pass=[])
    result = runner.invoke(app, ["run", "--path", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)[0]["outcome"] == "resolved"


def test_run_table_shows_outcome_and_score(tmp_path):
    write_task_dir(tmp_path)
    result = runner.invoke(app, ["run", "--path", str(tmp_path)])
    assert "resolved 1/1" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--agent", "gpt-9"], "unknown agent 'gpt-9'"),
        (["run", "--reward", "dense"], "unknown reward scheme 'dense'"),
        (["run", "--sandbox", "docker"], "unknown sandbox 'docker'"),
        (["tasks", "list", "--path", "/nonexistent/tasks"], "/nonexistent/tasks"),
        (["tasks", "list", "--suite", "builtin", "--path", "."], "not both"),
    ],
)
def test_bad_arguments_give_a_clear_error(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_run_with_openenv_log_format_prints_start_step_end_lines(tmp_path):
    write_task_dir(tmp_path)
    result = runner.invoke(app, ["run", "--path", str(tmp_path), "--log-format", "openenv"])
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "[START] task=calc-add env=fixloop model=oracle"
    assert [line.split()[0] for line in lines[1:-1]] == ["[STEP]"] * (len(lines) - 2)
    assert lines[-1].startswith("[END] success=true steps=")
