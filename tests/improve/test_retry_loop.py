"""The retry loop: reflect on each unresolved episode and run it again, with real runs in a store."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fixloop.agents.context import AgentContext
from fixloop.cli import app
from fixloop.improve.improvement_plan import render_retry_context
from fixloop.improve.retry_loop import RetrySettings, _Episode, retry_run, stored_report
from fixloop.models.base import ModelError
from fixloop.rollout.run_session import RunSettings, execute_run, select_tasks, start_run
from fixloop.store import Store, StoreError
from tests.analysis.builders import read, submit, trajectory
from tests.calc_task import write_task_dir
from tests.fake_openai_server import ChatRequest, FakeOpenAIServer, Reply

runner = CliRunner()


def _run(store, name, settings):
    tasks = select_tasks(settings)
    info = start_run(store, name, settings, tasks)
    execute_run(store, info, settings, tasks)
    return info


def careless(**overrides) -> RunSettings:
    fields = dict(
        agent="llm", model="sim:careless", suite="builtin", sandbox="process", concurrency=2, seed=3
    )
    fields.update(overrides)
    return RunSettings(**fields)


def small(**overrides) -> RunSettings:
    """sim:careless on three builtin tasks, two of which it fails with this seed."""
    tasks = ["calendar-negative-offsets", "memoize-dict-arguments", "pager-exact-multiple"]
    return careless(task_ids=tasks, **overrides)


@pytest.fixture(scope="module")
def builtin_retry(tmp_path_factory):
    """sim:careless over the whole builtin suite, then retried with the template reflector."""
    url = f"sqlite:///{tmp_path_factory.mktemp('retry') / 'fixloop.db'}"
    with Store.open(url) as store:
        _run(store, "careless", careless())
        report = retry_run(store, "careless", RetrySettings(max_retries=2))
        yield url, report


def test_retrying_careless_failures_raises_the_resolve_rate_on_the_builtin_suite(builtin_retry):
    _, report = builtin_retry
    assert report.episodes == 42
    assert report.resolved_after > report.resolved_before
    assert report.test.p_value < 0.05
    assert report.test.verdict(a_name="after", b_name="before") == "after beats before"


def test_every_attempt_is_a_stored_simulated_run_and_every_result_is_stored(builtin_retry):
    url, report = builtin_retry
    with Store.open(url) as store:
        retry1 = store.get_run("careless-retry1")
        assert retry1.simulated and retry1.finished == len(report.results)
        assert len(store.retry_results("careless")) == len(report.results)
        stored = stored_report(store, "careless")
    assert (stored.resolved_before, stored.resolved_after, stored.by_label) == (
        report.resolved_before,
        report.resolved_after,
        report.by_label,
    )
    assert sorted(r.task_id for r in stored.results) == sorted(r.task_id for r in report.results)
    assert all(r.retry_runs[0] == "careless-retry1" for r in report.results)


def test_the_plan_reached_the_agent_of_each_retry(builtin_retry):
    url, report = builtin_retry
    with Store.open(url) as store:
        attempts = store.keyed_trajectories("careless-retry1")
    for result in report.results:
        system_addon, user_addon = render_retry_context(result.plans[0])
        context = AgentContext(retry_notes=system_addon, retry_context=user_addon)
        assert attempts[(result.task_id, result.episode_index)].context_version == context.version_id
        assert result.plans[0].reflector == "template"


def test_a_retry_is_reproducible_for_a_seed(tmp_path):
    def once(name):
        with Store.open(f"sqlite:///{tmp_path / name}.db") as store:
            _run(store, "c", small())
            return [(r.task_id, r.retry_score, r.attempts) for r in retry_run(store, "c").results]

    assert once("a") == once("b")


def test_results_per_label_count_fixes(builtin_retry):
    _, report = builtin_retry
    for label, (fixed, tried) in report.by_label.items():
        assert 0 <= fixed <= tried
        assert tried == sum(r.original_label == label for r in report.results)


def test_an_attempt_that_resolves_stops_the_retries():
    episode = _Episode(("t", 0), trajectory(read("calc.py"), submit(0.0), outcome="unresolved"))
    episode.record(trajectory(read("calc.py"), submit()), RetrySettings(max_retries=3))
    assert episode.stop == "resolved"


def test_retries_stop_at_max_retries():
    episode = _Episode(("t", 0), trajectory(read("calc.py"), submit(0.0), outcome="unresolved"))
    settings = RetrySettings(max_retries=2, min_improvement=0.0)
    episode.record(trajectory(submit(0.5), outcome="partial", score=0.5), settings)
    assert episode.stop is None
    episode.record(trajectory(submit(0.75), outcome="partial", score=0.75), settings)
    assert episode.stop == "max_retries"


def test_a_second_attempt_that_gains_too_little_stops_the_retries():
    episode = _Episode(("t", 0), trajectory(read("calc.py"), submit(0.0), outcome="unresolved"))
    settings = RetrySettings(max_retries=5, min_improvement=0.1)
    episode.record(trajectory(submit(0.0), outcome="unresolved"), settings)
    assert episode.stop is None  # the first attempt never stops for a small gain
    episode.record(trajectory(submit(0.5), outcome="partial", score=0.05), settings)
    assert episode.stop == "no_improvement"


def test_the_wall_time_limit_stops_before_an_attempt_starts(tmp_path):
    times = iter([0.0, 100.0])
    with Store.open(f"sqlite:///{tmp_path / 'w.db'}") as store:
        _run(store, "c", small())
        report = retry_run(store, "c", RetrySettings(wall_time_s=10), clock=lambda: next(times))
        assert not any(r.name == "c-retry1" for r in store.list_runs())
    assert report.results and all(r.stop_reason == "wall_time" and r.attempts == 0 for r in report.results)


def test_model_errors_back_off_and_never_count_as_attempts(tmp_path, private_store):
    def model(request: ChatRequest) -> Reply:
        if "Previous attempt feedback" in request.messages[0]["content"]:
            return Reply.error(503, "overloaded")
        return Reply.json({"action_type": "submit"})

    write_task_dir(tmp_path / "tasks")
    waits: list[float] = []
    with FakeOpenAIServer(model) as server, Store.open(private_store) as store:
        settings = RunSettings(
            agent="llm", model="openai:fake", base_url=server.base_url, path=str(tmp_path / "tasks"),
            sandbox="process", timeout_s=5,
        )  # fmt: skip
        _run(store, "real", settings)
        (result,) = retry_run(
            store, "real", RetrySettings(max_retries=2, backoff_s=1.5), sleep=waits.append
        ).results
    assert (result.stop_reason, result.attempts, result.retry_runs) == (
        "infra_error",
        0,
        ["real-retry1", "real-retry2"],
    )
    assert waits == [1.5]


def test_only_llm_runs_can_be_retried_and_only_once(tmp_path, private_store):
    with Store.open(private_store) as store:
        _run(store, "oracle", small(agent="oracle", model=None))
        with pytest.raises(ModelError, match="retry needs an llm-agent run"):
            retry_run(store, "oracle")
        _run(store, "c", small())
        retry_run(store, "c")
        with pytest.raises(StoreError, match="already retried"):
            retry_run(store, "c")


def test_the_retry_command_prints_the_before_and_after_table_labelled_simulated(private_store):
    with Store.open(private_store) as store:
        _run(store, "c", small())
    result = runner.invoke(app, ["retry", "c"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "resolved before:" in result.stdout and "after retries:" in result.stdout
    assert "(simulated)" in result.stdout


def test_the_report_shows_a_runs_retries(tmp_path, private_store):
    with Store.open(private_store) as store:
        _run(store, "c", small())
        retry_run(store, "c")
    result = runner.invoke(app, ["report", "c", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<section id="retries">' in html
    assert "after retries" in html


def test_the_retry_command_json_gives_every_result(private_store):
    with Store.open(private_store) as store:
        _run(store, "c", small())
    data = json.loads(runner.invoke(app, ["retry", "c", "--json"]).stdout)
    assert data["run"] == "c" and data["simulated"] is True
    assert all(r["plans"] for r in data["results"])
