"""`fixloop report` shows, in each episode's section, the memory cards its agent was given."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.improve.memory.card import MemoryCard, card_id
from fixloop.store import Store

runner = CliRunner()

TASKS = ["pager-exact-multiple", "leaderboard-shared-rank"]
LESSON = "Read the failing test before any source file, then run the tests after every edit."


def cli(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def run(db: str, name: str, *options: str) -> None:
    tasks = [f"--task={task}" for task in TASKS]
    result = cli(
        "run", "--agent", "llm", "--model", "sim:careless", *tasks, "--run-name", name, "--db", db, *options
    )
    assert result.exit_code == 0, result.output


def episode_sections(html: str) -> dict[str, str]:
    """Each episode's section of the trajectories, by its anchor (ep-RUN-EPISODE)."""
    trajectories = html[html.index('<section id="trajectories">') :]
    parts = re.split(r'<details class="episode" id="(ep-\d+-\d+)">', trajectories)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[MemoryCard, dict[str, str]]:
    """Run `m` with a promoted card and `plain` without memory, then report on both: the card
    and the report's episode sections (ep-0-*: run m, ep-1-*: run plain)."""
    card = MemoryCard(
        id=card_id("skill_card", LESSON), kind="skill_card", content=LESSON, status="promoted",
        status_reason="replay: accepted",
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("memory-report")
    db = f"sqlite:///{folder / 'fixloop.db'}"
    with Store.open(db) as store:
        store.add_memory_card(card.model_dump(mode="json"))
    run(db, "m", "--memory")
    run(db, "plain")
    out = folder / "report.html"
    result = cli("report", "m", "plain", "--out", str(out), "--db", db)
    assert result.exit_code == 0, result.output
    return card, episode_sections(out.read_text(encoding="utf-8"))


def test_an_episode_run_with_memory_shows_the_cards_its_agent_was_given(report):
    card, sections = report
    with_memory = {anchor: s for anchor, s in sections.items() if anchor.startswith("ep-0-")}
    assert len(with_memory) == len(TASKS)
    for section in with_memory.values():
        assert "memory cards given (1)" in section
        assert str(escape(card.text())) in section


def test_an_episode_run_without_memory_shows_no_cards(report):
    card, sections = report
    without = {anchor: s for anchor, s in sections.items() if anchor.startswith("ep-1-")}
    assert len(without) == len(TASKS)
    for section in without.values():
        assert "memory cards given" not in section
        assert str(escape(card.content)) not in section
