"""`fixloop report` shows the critic evaluations stored with a run (`fixloop critic eval`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from fixloop.cli.main import app
from fixloop.report.training_section import SIMULATED_LABEL
from fixloop.store import Store

runner = CliRunner()

TASKS = ["build-order-tiebreak", "ini-quoted-values"]
CRITICS = ["sim-critic:good", "sim-critic:noisy"]


def cli(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def play(name: str) -> None:
    tasks = [arg for task in TASKS for arg in ("--task", task)]
    cli(
        "run", "--agent", "llm", "--model", "sim:weak", *tasks, "--episodes-per-task", "1", "--run-name", name
    )


def report_of(tmp_path: Path, *runs: str) -> str:
    out = tmp_path / f"{'-'.join(runs)}.html"
    cli("report", *runs, "-o", str(out))
    return out.read_text(encoding="utf-8")


def critic_section(html: str) -> str:
    start = html.index('<section id="critic">')
    return html[start : html.index("</section>", start)]


def embedded(html: str) -> dict[str, Any]:
    start = html.index('<script type="application/json" id="report-data">') + len(
        '<script type="application/json" id="report-data">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def evaluated(private_store: str, tmp_path: Path) -> tuple[list[dict[str, Any]], str]:
    """Run `weak`, evaluate the good and the noisy simulated critic on it, and report on it:
    the stored evaluations and the report."""
    play("weak")
    for critic in CRITICS:
        cli("critic", "eval", "weak", "--model", critic)
    with Store.open(private_store) as store:
        stored = store.critic_evaluations("weak")
    return stored, report_of(tmp_path, "weak")


def test_each_stored_evaluation_is_a_row_with_its_figures_as_stored(evaluated):
    stored, html = evaluated
    section = critic_section(html)
    rows = section.split('<tr class="critic-evaluation"')[1:]
    assert [e["critic"] for e in stored] == CRITICS
    assert len(rows) == len(stored)
    for row, data in zip(rows, stored, strict=True):
        evaluation = data["evaluation"]
        assert f'data-critic="{evaluation["critic"]}"' in row
        assert f'<td class="num spearman">{evaluation["spearman"]:.2f}</td>' in row
        assert f'<td class="num mae">{evaluation["mae"]:.2f}</td>' in row
        assert f'<td class="num">{evaluation["steps"]}</td>' in row
        assert f"{100 * evaluation['sycophancy_rate']:.0f}%" in row
        assert str(escape(SIMULATED_LABEL)) in row


def test_the_calibration_chart_plots_each_critics_bins_against_the_diagonal(evaluated):
    stored, html = evaluated
    data = embedded(html)
    traces = data["charts"]["chart-critic-0"]["data"]
    diagonal, *critics = traces
    assert diagonal["x"] == diagonal["y"] == [0.0, 10.0]
    assert len(critics) == len(stored)
    for trace, evaluation in zip(critics, (e["evaluation"] for e in stored), strict=True):
        bins = [b for b in evaluation["calibration"] if b["count"]]
        assert trace["name"] == f"{evaluation['critic']} (simulated)"
        assert trace["x"] == [b["mean_truth"] for b in bins]
        assert trace["y"] == [b["mean_critic"] for b in bins]
    assert [e["label"] for e in data["critics"][0]["evaluations"]] == [SIMULATED_LABEL] * len(stored)


def test_a_run_without_evaluations_shows_no_critic_part(tmp_path):
    play("plain")
    html = report_of(tmp_path, "plain")
    assert '<section id="critic">' not in html
    assert 'href="#critic"' not in html
    assert "critics" not in embedded(html)
