"""`fixloop diagnose|compare|report`: why a run's episodes failed, and how runs compare.

Every output names a simulated run as simulated: the diagnosis and each of its episodes
carry `simulated`, as does each run of a comparison.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fixloop.analysis.comparison import Comparison, RunInput, compare_runs
from fixloop.analysis.run_diagnosis import RunDiagnosis, diagnose_run
from fixloop.cli.common import DbOption, JsonOption, RunArgument, RunsArgument, emit, fail, open_store, out
from fixloop.report.terminal import comparison_view, diagnosis_view
from fixloop.store import Store, StoreError


def diagnoses(store: Store, runs: list[str]) -> list[RunDiagnosis]:
    """Diagnose each named run; fails clearly on an unknown run."""
    found = []
    for name in runs:
        try:
            info, trajectories = store.get_run(name), store.trajectories(name)
        except StoreError as exc:
            raise fail(str(exc)) from None
        found.append(
            diagnose_run(
                info.name, trajectories, agent=info.agent, model=info.model, simulated=info.simulated
            )
        )
    return found


def comparison(diagnosed: list[RunDiagnosis]) -> Comparison:
    """The comparison of the diagnosed runs; fails clearly when they cannot be compared."""
    inputs = [RunInput(d.run, [e.trajectory for e in d.episodes], d.simulated) for d in diagnosed]
    try:
        return compare_runs(inputs, diagnoses={d.run: [e.diagnosis for e in d.episodes] for d in diagnosed})
    except ValueError as exc:
        raise fail(str(exc)) from None


def diagnose(run_name: RunArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Why a run's episodes failed and how its agent worked: failure labels with evidence,
    strategies, the worst tasks, and metrics with 95% confidence intervals.

    Infra errors and exhausted budgets are not the agent's fault: they are counted apart and
    left out of the metrics.
    """
    with open_store(db) as store:
        (diagnosis,) = diagnoses(store, [run_name])
    emit(_diagnosis_json(diagnosis), lambda: diagnosis_view(diagnosis), as_json)


def _diagnosis_json(diagnosis: RunDiagnosis) -> dict[str, Any]:
    data = diagnosis.model_dump(mode="json")
    data["episodes"] = [
        {
            "task_id": e.trajectory.task_id,
            "outcome": e.trajectory.outcome,
            "score": e.trajectory.score,
            "simulated": e.trajectory.simulated,
            "diagnosis": e.diagnosis.model_dump(mode="json"),
            "strategy": e.strategy.model_dump(mode="json"),
            "metrics": e.metrics.model_dump(mode="json"),
        }
        for e in diagnosis.episodes
    ]
    return data


def compare(runs: RunsArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Compare runs on the tasks they share: resolve rate, score and pass@k with 95% intervals,
    breakdowns by difficulty, tag and failure label, and for each pair McNemar's exact test with
    a paired bootstrap interval. "A beats B" is printed only when the data supports it.
    """
    if len(runs) < 2:
        raise fail("compare needs at least two runs")
    with open_store(db) as store:
        compared = comparison(diagnoses(store, runs))
    emit(compared, lambda: comparison_view(compared), as_json)


def report(
    runs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="RUN",
            help="Run names or ids (default with --training: each training's two test runs).",
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    title: Annotated[str, typer.Option("--title", help="The report's title.")] = "fixloop report",
    training: Annotated[
        list[str] | None,
        typer.Option("--training", metavar="NAME", help="Add this skill training's section (repeatable)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write one self-contained HTML report (works offline) of one or more runs: summary,
    failure labels, strategies, distributions, a per-task table, every trajectory step by step,
    and the comparison with confidence intervals when several runs are given.

    Each --training adds a training section: the selection score and skill size per step,
    every proposal and the gate's verdict, the final skill's rules with their provenance, and
    the held-out test comparison. Without RUN, the report's runs are the trainings' test runs.
    An episode run with memory cards (`run --memory`) shows the cards its agent was given.
    A run with stored critic evaluations (`critic eval`) shows them in a Critic section: each
    evaluation's figures and its calibration chart.
    """
    names, trainings = list(runs or []), list(training or [])
    if not names and not trainings:
        raise fail("name at least one RUN to report on, or a skill training with --training NAME")
    with open_store(db) as store:
        html = report_html(store, names, trainings, title=title)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    out.print(f"wrote {output}")


def report_html(
    store: Store, names: list[str], trainings: list[str], *, title: str = "fixloop report"
) -> str:
    """The HTML report of the runs `names` with a section per training of `trainings` (see
    `report`); without runs, the trainings' stored test runs. Fails clearly (exit 2) on an
    unknown run or training, or when there is nothing to report on."""
    from fixloop.improve.retry_loop import stored_report
    from fixloop.report.critic_section import critic_views
    from fixloop.report.html_report import render_report  # plotly is imported only for reports
    from fixloop.report.training_section import held_out_runs, training_view

    try:
        views = [training_view(store, name) for name in trainings]
    except (StoreError, ValueError) as exc:
        raise fail(str(exc)) from None
    if not names:
        names = [run for view in views for run in held_out_runs(view.name) if _has_run(store, run)]
        if not names:
            raise fail(
                f"the training{'s' if len(trainings) > 1 else ''} {', '.join(trainings)} stored no "
                "test runs (stopped before the test split); name the runs to report on"
            )
    diagnosed = diagnoses(store, names)
    retries = [r for d in diagnosed if (r := stored_report(store, d.run)) is not None]
    given = memory_cards_given(store, diagnosed)
    critics = critic_views(store, [d.run for d in diagnosed])
    compared = comparison(diagnosed) if len(diagnosed) > 1 else None
    return render_report(
        diagnosed,
        compared,
        title=title,
        retries=retries,
        trainings=views,
        memory_cards=given,
        critics=critics,
    )


def memory_cards_given(store: Store, diagnosed: list[RunDiagnosis]) -> dict[str, list[str]]:
    """The memory cards' texts of each stored agent context the diagnosed episodes name, by
    context version; a version the store does not hold, or whose context has no cards, is
    left out (its episodes show none)."""
    from fixloop.rollout.run_session import stored_context

    versions = {e.trajectory.context_version for d in diagnosed for e in d.episodes}
    given: dict[str, list[str]] = {}
    for version in sorted(v for v in versions if v):
        try:
            cards = stored_context(store, version).memory_cards
        except StoreError:
            continue
        if cards:
            given[version] = list(cards)
    return given


def _has_run(store: Store, name: str) -> bool:
    try:
        store.get_run(name)
    except StoreError:
        return False
    return True
