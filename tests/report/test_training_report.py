"""The report's training section, built from a real (tiny, simulated) skill training."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from fixloop.analysis.run_diagnosis import RunDiagnosis, diagnose_run
from fixloop.cli.main import app
from fixloop.improve.gate import GateSettings
from fixloop.improve.ledger import Ledger, LedgerEntry
from fixloop.improve.skills.edits import describe_edit
from fixloop.improve.skills.skill import Skill
from fixloop.improve.skills.trainer import SkillTrainer, TrainingResult, training_splits
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.report.html_report import render_report, write_report
from fixloop.report.training_section import SIMULATED_LABEL, TrainingView, held_out_runs, training_view
from fixloop.rollout.run_session import RunSettings, select_tasks
from fixloop.store import Store
from tests.report.test_html_report import element_ids, report_data
from tests.report.test_report_in_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_SCHEMES,
    OpenReport,
    artifacts_dir,
    require_chromium,
)

TASK_IDS = [
    "fahrenheit-to-celsius", "hex-color-shorthand", "leap-year-centuries", "letter-grade-scale",
    "phone-normalize", "roman-numeral-repeats", "slugify-separator-runs", "word-count-normalize",
    "clock-midnight-hour", "duration-day-unit",
]  # fmt: skip
"""Builtin tasks whose wrong edits fail fast (none of them can hang a test run)."""

INITIAL_SKILL = "# Debugging\n\n## Workflow\n- Read the failing test before editing.\n"

runner = CliRunner()


@dataclass(frozen=True)
class Trained:
    """A finished training in its own store."""

    url: str
    store: Store
    result: TrainingResult
    entries: list[LedgerEntry]
    final: Skill


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Iterator[Trained]:
    """One epoch over 4 train tasks (one step and a slow update) against the careless simulated model.

    The gate's alpha is 0.2: with 3 selection tasks the smallest one-sided p is 1/8, so the
    default 0.1 could never adopt, and the section would have no adopted step to show.
    """
    url = f"sqlite:///{tmp_path_factory.mktemp('training')}/fixloop.db"
    store = Store.open(url)
    settings = TrainingSettings(
        rollout=RunSettings(
            agent="llm", model="sim:careless", suite="builtin", task_ids=TASK_IDS,
            split_fractions="0.4,0.3,0.3", concurrency=2,
        ),
        epochs=1, batch_size=4, slow_update_tasks=3, test_repeats=1, seed=2,
        gate=GateSettings(alpha=0.2), initial_skill=INITIAL_SKILL,
    )  # fmt: skip
    store.create_training("t", config=settings.model_dump(mode="json"), simulated=True)
    result = SkillTrainer(
        store, "t", settings, training_splits(settings, select_tasks(settings.rollout))
    ).run()
    final = Skill.model_validate(store.skill_version(result.final_skill).content)
    yield Trained(url, store, result, Ledger(store, "t").entries(), final)
    store.close()


@pytest.fixture(scope="module")
def view(trained) -> TrainingView:
    return training_view(trained.store, "t")


@pytest.fixture(scope="module")
def held_out(trained) -> list[RunDiagnosis]:
    """The diagnoses of the training's two held-out runs (baseline, final)."""
    return [
        diagnose_run(
            name, trained.store.trajectories(name), agent="llm", model="sim:careless", simulated=True
        )
        for name in held_out_runs("t")
    ]


@pytest.fixture(scope="module")
def report_html(held_out, view) -> str:
    """The report of the training's two test runs with its training section."""
    return render_report(held_out, title="training t", trainings=[view])


def section(report_html: str) -> str:
    """The training section's markup."""
    start = report_html.index('<section id="training">')
    return report_html[start : report_html.index("</section>", start)]


def test_the_fixture_trained_a_skill_through_an_adopted_step(trained):
    assert trained.result.status == "finished"
    assert any(entry.adopted and entry.kind == "step" for entry in trained.entries)
    assert any(rule.provenance.origin == "reflection" for _, rule in trained.final.rules())


def test_the_report_has_a_training_section_linked_from_the_navigation(report_html):
    ids = {"training", "training-0", "chart-training-0-selection", "chart-training-0-size"}
    assert ids <= element_ids(report_html)
    assert '<a href="#training">Training</a>' in report_html


def test_every_ledger_entry_is_a_row_with_its_edits_verdict_and_reason(report_html, trained):
    shown = html.unescape(section(report_html))
    assert shown.count('class="ledger-entry') == len(trained.entries)
    for entry in trained.entries:
        assert f'data-seq="{entry.seq}"' in shown
        assert entry.reason in shown
        for edit in entry.edits:
            assert describe_edit(edit) in shown
        for line in entry.guidance:
            assert line in shown
        if entry.verdict is not None and entry.verdict.p_value is not None:
            assert f"{entry.verdict.p_value:.3g}" in shown


def test_the_selection_chart_plots_each_entrys_rates_and_marks_the_adopted_ones(report_html, trained):
    incumbent, candidate, adopted = report_data(report_html)["charts"]["chart-training-0-selection"]["data"]
    verdicts = [entry.verdict for entry in trained.entries]
    assert incumbent["y"] == [v.incumbent_rate if v else None for v in verdicts]
    assert candidate["y"] == [v.candidate_rate if v else None for v in verdicts]
    assert adopted["x"] == [candidate["x"][i] for i, entry in enumerate(trained.entries) if entry.adopted]
    assert all("(simulated)" in trace["name"] for trace in (incumbent, candidate, adopted))


def test_the_size_chart_runs_from_the_starting_to_the_final_skill(report_html, trained):
    (size,) = report_data(report_html)["charts"]["chart-training-0-size"]["data"]
    assert size["y"][0] == Skill.parse(INITIAL_SKILL).tokens
    assert size["y"][1:] == [step.skill_tokens for step in trained.result.steps]
    assert size["y"][-1] == trained.result.final_tokens


def test_the_final_skill_shows_every_rule_with_its_provenance(report_html, trained):
    shown = html.unescape(section(report_html))
    for section_title, rule in trained.final.rules():
        start = shown.index(f'data-rule="{rule.id}"')
        row = shown[start : shown.index("</tr>", start)]
        assert rule.text in row
        assert section_title in row
        assert rule.provenance.origin.replace("_", " ") in row
        for citation in rule.provenance.episodes[:6]:
            assert f"{citation.task_id}#{citation.episode_index}" in row
        if rule.provenance.evidence:
            assert rule.provenance.evidence[0].splitlines()[0] in row


def test_the_test_comparison_shows_the_stored_numbers(report_html, trained):
    test = trained.result.test
    assert test is not None
    embedded = report_data(report_html)["trainings"][0]["test"]
    assert embedded == {**test.model_dump(mode="json"), "significant": test.p_value < 0.05}
    shown = section(report_html)
    assert f'class="test-difference">{test.difference:+.2f}<' in shown
    assert f'class="test-ci-low">{test.ci_low:+.2f}<' in shown
    assert f'class="test-ci-high">{test.ci_high:+.2f}<' in shown
    assert f'class="test-p">{test.p_value:.3g}<' in shown
    assert f"{100 * test.baseline_rate:.0f}%" in shown and f"{100 * test.final_rate:.0f}%" in shown
    verdict = "significant at 0.05" if test.p_value < 0.05 else "not significant at 0.05"
    assert verdict in shown


def test_a_simulated_training_is_labelled_in_the_section_and_the_embedded_json(report_html):
    shown = html.unescape(section(report_html))
    assert SIMULATED_LABEL in shown
    assert 'class="banner training-simulated"' in shown
    embedded = report_data(report_html)["trainings"][0]
    assert embedded["simulated"] is True
    assert embedded["label"] == SIMULATED_LABEL


def test_report_training_without_runs_reports_the_two_test_runs(trained, tmp_path):
    path = tmp_path / "training.html"
    result = runner.invoke(app, ["report", "--training", "t", "-o", str(path), "--db", trained.url])
    assert result.exit_code == 0, result.output
    written = path.read_text(encoding="utf-8")
    assert 'id="training"' in written
    assert 'id="comparison"' in written
    (rates,) = [
        t for t in report_data(written)["charts"]["chart-comparison"]["data"] if t["name"] == "resolve rate"
    ]
    assert rates["y"] == [f"{name} (simulated)" for name in held_out_runs("t")]


def test_report_without_runs_or_training_fails_with_a_clear_message(trained, tmp_path):
    result = runner.invoke(app, ["report", "-o", str(tmp_path / "r.html"), "--db", trained.url])
    assert result.exit_code == 2
    assert "name at least one RUN" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_report_with_an_unknown_training_fails_with_a_clear_message(trained, tmp_path):
    result = runner.invoke(
        app, ["report", "--training", "nope", "-o", str(tmp_path / "r.html"), "--db", trained.url]
    )
    assert result.exit_code == 2
    assert "nope" in result.stderr


@pytest.fixture(scope="module")
def opened(held_out, view) -> Iterator[OpenReport]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    path = write_report(
        artifacts_dir() / "training-report.html", held_out, title="training t", trainings=[view]
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            report = OpenReport(page)
            page.on("console", lambda message: report.console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: report.page_errors.append(str(error)))
            page.on("dialog", lambda dialog: (report.dialogs.append(dialog.message), dialog.dismiss()))

            def only_local(route, request):
                if request.url.startswith(LOCAL_SCHEMES):
                    route.continue_()
                else:
                    report.requests.append(request.url)
                    route.abort()

            page.route("**/*", only_local)
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_selector("#chart-training-0-selection .main-svg")
            yield report
        finally:
            browser.close()


def test_the_training_section_renders_in_a_browser_with_its_charts_and_no_errors(opened, trained):
    page = opened.page
    assert page.locator("#training").is_visible()
    assert page.locator("#training .training-simulated").is_visible()
    for chart in ("selection", "size"):
        drawn = page.locator(f"#chart-training-0-{chart}.js-plotly-plot .main-svg")
        assert drawn.count() >= 1, chart
        assert drawn.first.is_visible(), chart
        assert page.locator(f"#chart-training-0-{chart} g.trace .point").count() > 0, f"{chart} has no marks"
    assert page.locator("#training tr.ledger-entry").count() == len(trained.entries)
    page.locator("#training").screenshot(path=str(artifacts_dir() / "training-report.png"))
    assert opened.problems() == []
