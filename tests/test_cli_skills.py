"""`fixloop skills` over a store prepared through the Store API, and `fixloop run --skill`."""

import json

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.improve.ledger import LedgerEntry
from fixloop.improve.skills.edits import AddRule
from fixloop.improve.skills.skill import Skill
from fixloop.rollout.run_session import stored_context
from fixloop.store import Store

runner = CliRunner()

BASE = Skill.parse(
    """# Debugging

## Testing
- [R1] Run the tests after every edit.
"""
)
ADDED_RULE = "Read the failing test before any source file."
EDITED = Skill.parse(BASE.markdown() + f"- [R2] {ADDED_RULE}\n")
TRAINING = "train-careless"


def _add(store: Store, skill: Skill, **kwargs) -> None:
    store.add_skill_version(
        skill.version_id,
        content=skill.model_dump(mode="json"),
        markdown=skill.markdown(),
        tokens=skill.tokens,
        **kwargs,
    )


@pytest.fixture
def store_with_a_training(private_store):
    """Two skill versions (the second made by a training, adding R2) and that training's ledger:
    an adopted step and a rejected slow update, simulated."""
    with Store.open(private_store) as store:
        _add(store, BASE)
        store.create_training(TRAINING, config={"rollout": {"model": "sim:careless"}}, simulated=True)
        _add(store, EDITED, parent=BASE.version_id, training=TRAINING)
        common = dict(training=TRAINING, epoch=0, simulated=True, parent=BASE.version_id)
        entries = [
            LedgerEntry(
                seq=0, kind="step", step=0, candidate=EDITED.version_id,
                edits=[AddRule(section="Testing", text=ADDED_RULE)],
                adopted=True, reason="the gate accepted it", **common,
            ),
            LedgerEntry(
                seq=1, kind="slow_update", guidance=["Reproduce the failure first."],
                adopted=False, reason="no better on selection", **common,
            ),
        ]  # fmt: skip
        for entry in entries:
            store.append_ledger(TRAINING, entry.seq, entry.model_dump(mode="json"))
        store.finish_training(
            TRAINING,
            status="finished",
            result={"final_skill": EDITED.version_id, "stop_reason": "epochs"},
        )
    return entries


def cli(*args: str):
    """`fixloop ARGS` on a terminal wide enough that tables keep every cell on one line."""
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


# skills list


def test_list_shows_every_stored_version(store_with_a_training):
    result = cli("skills", "list")
    assert result.exit_code == 0, result.output
    assert "2 skill versions" in result.stdout
    assert BASE.version_id in result.stdout and EDITED.version_id in result.stdout


def test_list_json_gives_each_versions_parent_training_and_rule_count(store_with_a_training):
    rows = json.loads(cli("skills", "list", "--json").stdout)
    assert [(r["id"], r["parent"], r["training"], r["rules"]) for r in rows] == [
        (BASE.version_id, None, None, 1),
        (EDITED.version_id, BASE.version_id, TRAINING, 2),
    ]


def test_list_of_a_training_shows_only_the_versions_it_made(store_with_a_training):
    rows = json.loads(cli("skills", "list", "--training", TRAINING, "--json").stdout)
    assert [r["id"] for r in rows] == [EDITED.version_id]


def test_list_of_an_unknown_training_fails_clearly(store_with_a_training):
    result = cli("skills", "list", "--training", "no-such-training")
    assert result.exit_code == 2
    assert "no-such-training" in result.stderr


# skills show


def test_show_prints_the_markdown_and_each_rules_provenance(store_with_a_training):
    result = cli("skills", "show", EDITED.version_id)
    assert result.exit_code == 0, result.output
    assert f"provenance of {EDITED.version_id}" in result.stdout
    assert "Read the failing test" in result.stdout
    assert "hand_written" in result.stdout


def test_show_accepts_a_four_character_prefix(store_with_a_training):
    result = cli("skills", "show", EDITED.version_id[:4], "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["markdown"] == EDITED.markdown()


def test_show_of_an_unknown_id_fails_with_a_message(store_with_a_training):
    result = cli("skills", "show", "ffffffffffff")
    assert result.exit_code == 2
    assert "no skill version 'ffffffffffff'" in result.stderr


# skills diff


def test_diff_shows_the_added_rule(store_with_a_training):
    result = cli("skills", "diff", BASE.version_id, EDITED.version_id)
    assert result.exit_code == 0, result.output
    assert "1 rule changes" in result.stdout
    assert f"+- [R2] {ADDED_RULE}" in result.stdout


def test_diff_json_lists_the_rule_changes(store_with_a_training):
    data = json.loads(cli("skills", "diff", BASE.version_id, EDITED.version_id, "--json").stdout)
    assert (data["a"], data["b"]) == (BASE.version_id, EDITED.version_id)
    assert [(c["kind"], c["rule_id"], c["section"], c["after"]) for c in data["changes"]] == [
        ("added", "R2", "Testing", ADDED_RULE)
    ]


def test_diff_reads_a_markdown_file_as_a_skill(store_with_a_training, tmp_path):
    file = tmp_path / "mine.md"
    file.write_text(BASE.markdown() + "- [R3] Submit only on a pass.\n")
    data = json.loads(cli("skills", "diff", BASE.version_id, str(file), "--json").stdout)
    assert [c["rule_id"] for c in data["changes"]] == ["R3"]


# skills export


def test_export_writes_markdown_that_parses_back_to_the_stored_skill(store_with_a_training, tmp_path):
    file = tmp_path / "out" / "skill.md"
    result = cli("skills", "export", EDITED.version_id, "-o", str(file))
    assert result.exit_code == 0, result.output
    assert f"wrote {file}" in result.stdout
    assert Skill.parse(file.read_text()).markdown() == EDITED.markdown()


# skills trainings


def test_trainings_lists_each_training_labelled_simulated(store_with_a_training):
    result = cli("skills", "trainings")
    assert result.exit_code == 0, result.output
    assert TRAINING in result.stdout
    assert "simulated" in result.stdout


def test_trainings_json_gives_status_model_and_final_skill(store_with_a_training):
    (row,) = json.loads(cli("skills", "trainings", "--json").stdout)
    assert (row["training"], row["status"], row["model"], row["final_skill"], row["simulated"]) == (
        TRAINING,
        "finished",
        "sim:careless",
        EDITED.version_id,
        True,
    )


# skills ledger


def test_ledger_prints_each_proposal_and_its_verdict_labelled_simulated(store_with_a_training):
    result = cli("skills", "ledger", TRAINING)
    assert result.exit_code == 0, result.output
    assert "simulated" in result.stdout
    assert "2 proposals" in result.stdout
    assert "the gate accepted it" in result.stdout
    assert "Reproduce the failure first." in result.stdout


def test_ledger_json_holds_every_entry_marked_simulated(store_with_a_training):
    entries = store_with_a_training
    rows = json.loads(cli("skills", "ledger", TRAINING, "--json").stdout)
    assert [LedgerEntry.model_validate(row) for row in rows] == entries
    assert all(row["simulated"] is True for row in rows)


def test_ledger_writes_one_jsonl_line_per_entry(store_with_a_training, tmp_path):
    entries = store_with_a_training
    file = tmp_path / "ledger.jsonl"
    assert cli("skills", "ledger", TRAINING, "-o", str(file)).exit_code == 0
    lines = file.read_text().splitlines()
    assert [LedgerEntry.model_validate_json(line) for line in lines] == entries


def test_ledger_of_an_unknown_training_fails_clearly(store_with_a_training):
    result = cli("skills", "ledger", "no-such-training")
    assert result.exit_code == 2
    assert "no-such-training" in result.stderr


# run --skill

TASK = "pager-exact-multiple"


def run_llm(*args: str):
    return cli(
        "run", "--agent", "llm", "--model", "sim:careless", "--task", TASK,
        "--sandbox", "process", "--run-name", "skilled", "--json", *args,
    )  # fmt: skip


def context_skill(url: str, run_name: str) -> str:
    with Store.open(url) as store:
        (t,) = store.trajectories(run_name)
        return stored_context(store, t.context_version).skill


def test_run_with_a_skill_file_gives_the_agent_its_markdown(private_store, tmp_path):
    file = tmp_path / "skill.md"
    file.write_text(EDITED.markdown())
    result = run_llm("--skill", str(file))
    assert result.exit_code == 0, result.output
    assert context_skill(private_store, "skilled") == EDITED.markdown()


def test_run_with_a_stored_skill_id_gives_the_agent_its_markdown(store_with_a_training, private_store):
    result = run_llm("--skill", EDITED.version_id[:6])
    assert result.exit_code == 0, result.output
    assert context_skill(private_store, "skilled") == EDITED.markdown()


def test_run_with_a_broken_skill_file_fails_naming_the_line(tmp_path):
    file = tmp_path / "broken.md"
    file.write_text("# Debugging\n\n## Testing\nRun the tests.\n")
    result = run_llm("--skill", str(file))
    assert result.exit_code == 2
    assert f"{file}: line 4: text outside a rule" in result.stderr


def test_run_with_a_skill_for_the_oracle_agent_fails(tmp_path):
    file = tmp_path / "skill.md"
    file.write_text(EDITED.markdown())
    result = cli("run", "--agent", "oracle", "--task", TASK, "--skill", str(file))
    assert result.exit_code == 2
    assert "--skill is for the llm agent" in result.stderr
