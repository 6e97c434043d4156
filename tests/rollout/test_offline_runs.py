"""`fixloop run` offline: the repair baseline and the simulated models, through the CLI and the store."""

import json

from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.store import Store
from tests.calc_task import write_task_dir

runner = CliRunner()


def run(tmp_path, *args):
    tasks = tmp_path / "tasks"
    if not tasks.exists():
        write_task_dir(tasks)
    return runner.invoke(app, ["run", "--path", str(tasks), *args], env={"COLUMNS": "200"})


def test_the_repair_agent_resolves_an_operator_bug_and_is_stored(tmp_path, private_store):
    result = run(tmp_path, "--agent", "repair", "--run-name", "baseline", "--json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["outcome"] == "resolved"
    with Store.open(private_store) as store:
        info = store.get_run("baseline")
        assert (info.agent, info.simulated) == ("repair", False)


def test_a_simulated_run_is_labelled_simulated_in_the_table_the_store_and_the_trajectories(
    tmp_path, private_store
):
    result = run(tmp_path, "--agent", "llm", "--model", "sim:strong", "--run-name", "sim")
    assert result.exit_code == 0, result.output
    assert "simulated: not a model's performance" in result.stdout
    with Store.open(private_store) as store:
        assert store.get_run("sim").simulated
        [trajectory] = store.trajectories("sim")
    assert trajectory.simulated and trajectory.model == "sim:strong"


def test_a_simulated_run_is_reproducible_for_a_seed(tmp_path, private_store):
    for name in ("a", "b"):
        assert (
            run(
                tmp_path, "--agent", "llm", "--model", "sim:careless", "--seed", "7", "--run-name", name
            ).exit_code
            == 0
        )
    with Store.open(private_store) as store:
        a, b = store.trajectories("a"), store.trajectories("b")
    assert [s.action for s in a[0].steps] == [s.action for s in b[0].steps]


def test_the_llm_agent_without_a_model_names_the_offline_choices(tmp_path):
    result = run(tmp_path, "--agent", "llm")
    assert result.exit_code == 2
    for choice in ("--agent repair", "sim:weak", "sim:careless", "sim:strong"):
        assert choice in result.output


def test_an_unknown_simulated_preset_is_a_clear_error(tmp_path):
    result = run(tmp_path, "--agent", "llm", "--model", "sim:genius")
    assert result.exit_code == 2
    assert "unknown simulated model 'sim:genius'" in result.output
    assert "sim:careless" in result.output


def test_a_simulated_model_with_the_tools_action_format_fails_before_any_episode(tmp_path, private_store):
    result = run(tmp_path, "--agent", "llm", "--model", "sim:strong", "--action-format", "tools")
    assert result.exit_code != 0
    assert "use --action-format json" in result.output
    with Store.open(private_store) as store:
        assert store.list_runs() == []
