"""`fixloop export --format jsonl|sft|preference`, through the CLI, on small real runs.

Two runs share one store for the module: the oracle on a one-task suite whose description
holds a secret-looking key (resolved, not simulated), and sim:careless on two builtin tasks,
four episodes each (simulated; resolved and unresolved episodes that share first steps),
whose critic ground truth is measured. Each export is read back with `datasets` from the
local file, offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fixloop.agents.prompt import observation_message, system_prompt
from fixloop.cli.main import app
from fixloop.core.trajectory import StepRecord
from fixloop.env.actions import action_tools
from fixloop.env.debug_env import DebugEnv
from fixloop.improve.critic.ground_truth import GroundTruthPoint
from fixloop.rollout.run_session import select_tasks, settings_of, stored_context
from fixloop.sandbox.factory import make_sandbox
from fixloop.store import Store
from tests.calc_task import write_task_dir

runner = CliRunner()

SECRET = "sk-exportsecret1234567890abcdef"
TASKS = ("fahrenheit-to-celsius", "hex-color-shorthand")
EPISODES_PER_TASK = 4


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The store of both runs: `oracle-calc` and `careless` (with its critic ground truth)."""
    root = tmp_path_factory.mktemp("export-runs")
    url = f"sqlite:///{root}/fixloop.db"
    suite = root / "suite"
    write_task_dir(suite, description=f"add() subtracts. Our deploy key {SECRET} is unrelated.")
    oracle = ["run", "--agent", "oracle", "--path", str(suite), "--run-name", "oracle-calc", "--json"]
    tasks = [a for t in TASKS for a in ("--task", t)]
    careless = ["run", "--agent", "llm", "--model", "sim:careless", "--run-name", "careless", "--json",
                "--episodes-per-task", str(EPISODES_PER_TASK), *tasks]  # fmt: skip
    critic = ["critic", "eval", "careless", "--model", "sim-critic:good", "--json"]
    for args in (oracle, careless, critic):
        result = runner.invoke(app, [*args, "--db", url])
        assert result.exit_code == 0, result.output
    return url


def export(store_url: str, out: Path, *args: str) -> Path:
    """Run `fixloop export` into `out` and return the file."""
    result = runner.invoke(app, ["export", *args, "--db", store_url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def exports(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every export the tests read, each in its own directory (beside its card)."""
    root = tmp_path_factory.mktemp("exports")
    both = ("oracle-calc", "careless")
    return {
        "jsonl": export(store_url, root / "jsonl" / "trajectories.jsonl", *both),
        "sft": export(store_url, root / "sft" / "sft.jsonl", *both, "--format", "sft"),
        "sft-all": export(store_url, root / "sft-all" / "sft.jsonl", *both, "--format", "sft",
                          "--include-simulated"),
        "sft-tools": export(store_url, root / "sft-tools" / "sft.jsonl", *both, "--format", "sft", "--tools",
                            "--include-simulated"),
        "preference": export(store_url, root / "preference" / "pairs.jsonl", *both, "--format", "preference",
                             "--include-simulated"),
    }  # fmt: skip


@pytest.fixture(scope="module")
def load(tmp_path_factory: pytest.TempPathFactory):
    """Loads an export with `datasets` from the local file: offline, caches in a temp HF_HOME."""
    home = tmp_path_factory.mktemp("hf-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_DATASETS_OFFLINE", "1")
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("HF_HOME", str(home))
        import datasets

        def load_export(path: Path) -> Any:
            return datasets.load_dataset(
                "json", data_files=str(path), split="train", cache_dir=str(home / "datasets")
            )

        yield load_export


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def card(path: Path) -> str:
    return (path.parent / "README.md").read_text(encoding="utf-8")


def test_the_runs_have_what_the_exports_need(store_url):
    with Store.open(store_url) as store:
        outcomes = [t.outcome for t in store.trajectories("careless")]
    assert "resolved" in outcomes
    assert any(o != "resolved" for o in outcomes)


def test_jsonl_export_writes_every_trajectory_of_several_runs_as_stored(store_url, exports):
    with Store.open(store_url) as store:
        stored = [
            t.model_dump(mode="json") for run in ("oracle-calc", "careless") for t in store.trajectories(run)
        ]
    assert lines(exports["jsonl"]) == stored


def test_sft_export_loads_as_openai_chat_transcripts(exports, load):
    data = load(exports["sft-all"])
    assert {"messages", "simulated", "metadata"} <= set(data.column_names)
    for row in data:
        roles = [m["role"] for m in row["messages"]]
        assert roles[0] == "system"
        assert roles[1:] == ["user", "assistant"] * ((len(roles) - 1) // 2)
        assert json.loads(row["messages"][-1]["content"])["action_type"] == "submit"


def test_sft_keeps_only_resolved_episodes(exports):
    rows = lines(exports["sft-all"])
    assert rows
    assert {row["metadata"]["outcome"] for row in rows} == {"resolved"}
    assert "not resolved (SFT keeps resolved episodes only)" in card(exports["sft-all"])


def test_sft_leaves_simulated_episodes_out_by_default(exports):
    rows = lines(exports["sft"])
    assert [(r["metadata"]["run"], r["simulated"]) for r in rows] == [("oracle-calc", False)]
    assert f"simulated (pass --include-simulated to keep): {len(TASKS) * EPISODES_PER_TASK}" in card(
        exports["sft"]
    )


def test_included_simulated_episodes_are_marked_simulated(exports):
    rows = lines(exports["sft-all"])
    assert {r["metadata"]["run"]: r["simulated"] for r in rows} == {"careless": True, "oracle-calc": False}
    assert "Some rows come from simulated episodes" in card(exports["sft-all"])


def test_sft_transcript_is_what_the_llm_agent_was_shown(store_url, exports):
    row = next(r for r in lines(exports["sft-all"]) if r["metadata"]["run"] == "careless")
    with Store.open(store_url) as store:
        info = store.get_run("careless")
        context = stored_context(store, row["metadata"]["context_version"])
    task = next(t for t in select_tasks(settings_of(info)) if t.id == row["metadata"]["task_id"])
    sandbox = make_sandbox("auto")
    env = DebugEnv(sandbox)
    try:
        first = observation_message(env.reset(task))
    finally:
        env.close()
        sandbox.close()
    assert row["messages"][0] == {"role": "system", "content": system_prompt(context)}
    assert row["messages"][1] == {"role": "user", "content": first}


def test_sft_tools_form_writes_tool_calls_and_the_agents_tools(exports, load):
    data = load(exports["sft-tools"])
    rows = lines(exports["sft-tools"])
    assert len(data) == len(rows)
    for row in rows:
        assert row["tools"] == action_tools()
        messages = row["messages"]
        calls = [m for m in messages if m["role"] == "assistant" and "tool_calls" in m]
        answers = [m for m in messages if m["role"] == "tool"]
        assert calls
        assert [m["tool_call_id"] for m in answers] == [m["tool_calls"][0]["id"] for m in calls][
            : len(answers)
        ]
        assert calls[-1]["tool_calls"][0]["function"]["name"] == "submit"
        for call in calls:
            assert isinstance(json.loads(call["tool_calls"][0]["function"]["arguments"]), dict)


def test_no_secret_reaches_an_export(exports):
    for path in exports.values():
        assert SECRET not in path.read_text(encoding="utf-8"), path.name
    oracle_row = next(r for r in lines(exports["sft"]) if r["metadata"]["run"] == "oracle-calc")
    assert "[redacted]" in oracle_row["messages"][1]["content"]


def test_preference_export_loads_in_trls_conversational_format(exports, load):
    data = load(exports["preference"])
    assert {"prompt", "chosen", "rejected", "source", "simulated"} <= set(data.column_names)
    assert set(data["source"]) == {"same_state", "critic_contrast"}
    for row in data:
        assert row["prompt"][0]["role"] == "system"
        assert row["prompt"][-1]["role"] == "user"
        assert [m["role"] for m in row["chosen"]] == ["assistant"]
        assert [m["role"] for m in row["rejected"]] == ["assistant"]
        assert row["chosen"] != row["rejected"]


def test_a_same_state_prompt_is_the_shared_prefix_of_both_episodes(store_url, exports):
    rows = [r for r in lines(exports["preference"]) if r["source"] == "same_state"]
    assert rows
    with Store.open(store_url) as store:
        episodes = store.keyed_trajectories("careless")
    for row in rows:
        chosen, rejected, step = (
            row["metadata"]["chosen"],
            row["metadata"]["rejected"],
            row["metadata"]["step"],
        )
        good = episodes[(chosen["task_id"], chosen["episode_index"])]
        bad = episodes[(rejected["task_id"], rejected["episode_index"])]
        assert (good.outcome, chosen["task_id"]) == ("resolved", rejected["task_id"])
        assert bad.outcome not in ("resolved", "infra_error")
        shared = [m["content"] for m in row["prompt"] if m["role"] == "assistant"]
        assert (
            shared == [reply(s) for s in good.steps[: step - 1]] == [reply(s) for s in bad.steps[: step - 1]]
        )
        assert len(row["prompt"]) == 2 * step
        assert row["chosen"][0]["content"] == reply(good.steps[step - 1])
        assert row["rejected"][0]["content"] == reply(bad.steps[step - 1])


def reply(step: StepRecord) -> str:
    """The assistant turn of a step: its action as JSON, or the raw reply that did not parse."""
    return json.dumps(step.action, ensure_ascii=False) if step.action is not None else str(step.raw_action)


def test_critic_contrast_rows_prefer_the_measured_judgement(store_url, exports):
    rows = [r for r in lines(exports["preference"]) if r["source"] == "critic_contrast"]
    assert rows
    with Store.open(store_url) as store:
        for row in rows:
            episode = row["metadata"]["chosen"]
            truth = store.ground_truth("careless", episode["task_id"], episode["episode_index"])
            phi_star = {p.step: p.phi_star for p in map(GroundTruthPoint.model_validate, truth)}
            assert json.loads(row["chosen"][0]["content"])["phi"] == phi_star[row["metadata"]["step"]]
            assert json.loads(row["rejected"][0]["content"])["phi"] != phi_star[row["metadata"]["step"]]
            assert row["metadata"]["mistake"]


def test_the_dataset_card_counts_what_was_kept_skipped_and_written(store_url, exports):
    text = card(exports["sft"])
    total = 1 + len(TASKS) * EPISODES_PER_TASK
    skipped = len(TASKS) * EPISODES_PER_TASK
    assert f"- episodes considered: {total}" in text
    assert "- episodes kept (at least one row): 1" in text
    assert f"- episodes skipped: {skipped}" in text
    assert f"- rows written: {len(lines(exports['sft']))}" in text
    assert "| oracle-calc | oracle | oracle | no | 1 |" in text
    assert "| careless | llm | sim:careless | yes | 8 |" in text
    assert "data_files: sft.jsonl" in text


def test_the_dataset_card_says_what_is_known_of_the_task_licences(exports):
    text = card(exports["sft-all"])
    assert "of fixloop's `builtin` suite, which ships inside fixloop" in text
    assert "fixloop records no licence for them" in text


def test_preference_card_counts_rows_by_source(exports):
    rows = lines(exports["preference"])
    text = card(exports["preference"])
    for source in ("same_state", "critic_contrast"):
        assert f"  - {source}: {sum(r['source'] == source for r in rows)}" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "unknown export format"),
        (["--format", "preference", "--tools"], "--tools is for --format sft"),
        (["--include-simulated"], "--include-simulated is for sft and preference"),
    ],
)
def test_bad_export_options_fail_clearly(args, message):
    result = runner.invoke(app, ["export", "some-run", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_exporting_an_unknown_run_fails_clearly(store_url):
    result = runner.invoke(app, ["export", "no-such-run", "--db", store_url])
    assert result.exit_code == 2
    assert "no-such-run" in result.output
