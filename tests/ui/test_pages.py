"""The dashboard's pages and JSON API, served by a real uvicorn over a real store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

from markupsafe import escape
from typer.testing import CliRunner

from fixloop.cli.main import app as cli_app
from fixloop.store import Store
from fixloop.ui.pages import SIMULATED_NOTE
from tests.served import free_port, wait_for
from tests.ui.conftest import HOSTILE_RUN, HOSTILE_THOUGHT, LESSON, TASKS, Dashboard, events


def quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def shows_simulated_banner(html: str) -> bool:
    """Whether the page shows its simulated banner (the footer's general note does not count)."""
    banner = re.search(r'<aside id="simulated-banner"([^>]*)>(.*?)</aside>', html, re.S)
    return (
        banner is not None
        and "hidden" not in banner.group(1)
        and str(escape(SIMULATED_NOTE)).lower() in banner.group(2).lower()
    )


def test_the_runs_api_gives_every_run_its_progress_rate_cost_and_simulated_flag(dashboard):
    status, runs = dashboard.json("/api/runs")
    assert status == 200
    by_name = {run["name"]: run for run in runs}
    careless, oracle = by_name["careless"], by_name["oracle"]
    assert (careless["planned"], careless["finished"], careless["status"]) == (2, 2, "finished")
    assert careless["simulated"] is True and careless["label"] == SIMULATED_NOTE
    assert oracle["simulated"] is False and oracle["label"] is None
    assert oracle["resolve_rate"] == 1.0 and oracle["cost"] == 0.0
    assert {"t:test-baseline", "t:test-final", HOSTILE_RUN} <= set(by_name)


def test_the_runs_page_lists_every_run_and_labels_the_simulated_ones(dashboard):
    status, html, _ = dashboard.get("/")
    assert status == 200
    rows = re.findall(r'<tr class="run-row" data-run="([^"]*)">(.*?)</tr>', html, re.S)
    shown = {name: row for name, row in rows}
    assert {"careless", "oracle", escape(HOSTILE_RUN)} <= set(shown)
    assert "badge-simulated" in shown["careless"] and "badge-simulated" not in shown["oracle"]
    assert "2/2" in shown["oracle"] and "100%" in shown["oracle"]
    assert shows_simulated_banner(html)


def test_the_run_page_shows_failure_labels_strategies_tasks_and_every_step(dashboard):
    status, html, _ = dashboard.get("/runs/careless")
    assert status == 200
    for section in ("summary", "failures", "strategies", "tasks", "trajectories"):
        assert f'<section id="{section}">' in html
    assert 'id="chart-failures"' in html and 'id="chart-strategies"' in html
    for task in TASKS:
        assert f"<code>{task}</code>" in html
    assert html.count('<details class="episode"') == 2
    assert '<li class="step' in html and 'class="reward' in html
    assert shows_simulated_banner(html)


def test_a_run_no_simulated_model_made_has_no_simulated_banner(dashboard):
    status, html, _ = dashboard.get("/runs/oracle")
    assert status == 200
    assert not shows_simulated_banner(html)


def test_the_run_api_gives_the_diagnosis_and_each_episode(dashboard):
    status, run = dashboard.json("/api/runs/careless")
    assert status == 200
    assert run["simulated"] is True and run["diagnosis"]["simulated"] is True
    assert sorted(e["task_id"] for e in run["episodes"]) == sorted(TASKS)
    assert all(e["simulated"] for e in run["episodes"])


def test_text_from_the_store_is_escaped_on_every_page(dashboard):
    _, runs_page, _ = dashboard.get("/")
    status, run_page, _ = dashboard.get("/runs/" + quoted(HOSTILE_RUN))
    assert status == 200
    for html in (runs_page, run_page):
        assert HOSTILE_RUN not in html
        assert escape(HOSTILE_RUN) in html
    assert HOSTILE_THOUGHT not in run_page
    assert escape(HOSTILE_THOUGHT) in run_page


def test_an_unknown_run_is_a_404_page_not_a_server_error(dashboard):
    status, html, headers = dashboard.get("/runs/" + quoted("no-such-run<script>"))
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert "no run" in html and "<script>" not in html.split('id="not-found-message">')[1].split("</p>")[0]
    status, body = dashboard.json("/api/runs/no-such-run")
    assert status == 404 and "no run" in body["error"]


def test_unknown_trainings_skill_versions_compared_runs_and_paths_are_404s(dashboard):
    for path in (
        "/trainings/nope",
        "/trainings/t?a=ffff&b=eeee",
        "/compare?a=nope&b=careless",
        "/api/compare?a=careless&b=nope",
        "/static/nope.js",
        "/nowhere",
    ):
        assert dashboard.get(path)[0] == 404, path


def test_plotly_is_served_from_the_installed_package_and_nothing_from_elsewhere(dashboard):
    status, script, headers = dashboard.get("/static/plotly.min.js")
    assert status == 200 and "javascript" in headers["content-type"]
    assert "plotly" in script[:2000].lower()
    _, html, _ = dashboard.get("/runs/careless")
    sources = re.findall(r'(?:src|href)="([^"#]*)"', html)
    assert "/static/plotly.min.js" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]


def test_the_training_page_shows_scores_proposals_slow_update_diff_and_the_test(dashboard):
    status, html, _ = dashboard.get("/trainings/t")
    assert status == 200
    assert 'id="chart-selection"' in html and 'id="test-comparison"' in html
    assert html.count('class="card proposal ') >= 2
    assert 'class="card proposal adopted"' in html
    assert '<div class="card slow-update">' in html
    assert shows_simulated_banner(html)
    versions = re.findall(r"<tr><td><code>([0-9a-f]{12})</code></td>", html)
    assert len(versions) >= 2
    status, diff, _ = dashboard.get(f"/trainings/t?a={versions[0]}&b={versions[-1]}")
    assert status == 200
    assert 'id="rule-changes"' in diff and '<span class="d-add">' in diff


def test_the_memory_page_groups_cards_by_status_with_their_transitions_and_the_critic(dashboard):
    status, html, _ = dashboard.get("/memory")
    assert status == 200
    promoted = html.split('id="status-promoted"')[1].split("</div>")[0]
    assert escape(LESSON) in promoted
    assert "quarantined → <strong>promoted</strong>: replay: accepted, p = 0.03" in promoted
    critic = html.split('<section id="critic">')[1]
    assert 'data-critic="sim-critic:good"' in critic and 'id="chart-critic-0"' in critic
    assert shows_simulated_banner(html)


def test_the_compare_page_shows_what_fixloop_compare_computes(dashboard):
    result = CliRunner().invoke(
        cli_app, ["compare", "careless", "oracle", "--db", dashboard.db_url, "--json"]
    )
    assert result.exit_code == 0, result.output
    expected = json.loads(result.output)
    status, body = dashboard.json("/api/compare?a=careless&b=oracle")
    assert status == 200
    assert body["comparison"]["pairs"] == expected["pairs"]
    assert body["simulated"] is True and body["label"] == SIMULATED_NOTE
    _, html, _ = dashboard.get("/compare?a=careless&b=oracle")
    assert str(escape(expected["pairs"][0]["verdict"])) in html
    assert 'id="comparison-table"' in html and shows_simulated_banner(html)


def test_listening_beyond_loopback_without_a_token_is_refused(tmp_path):
    result = CliRunner().invoke(cli_app, ["ui", "--host", "0.0.0.0", "--db", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2
    assert "--token" in result.output and "0.0.0.0" in result.output


def test_fixloop_ui_serves_the_store_it_is_given_and_stops_cleanly_with_a_stream_open(dashboard):
    port = free_port()
    fixloop = str(Path(sys.executable).with_name("fixloop"))
    process = subprocess.Popen(
        [fixloop, "ui", "--port", str(port), "--db", dashboard.db_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Dashboard(f"http://127.0.0.1:{port}", dashboard.db_url)

    def answers() -> bool:
        try:
            return served.get("/api/runs")[0] == 200
        except OSError:
            return process.poll() is not None

    try:
        assert wait_for(answers, timeout=60) and process.poll() is None
        assert "careless" in {run["name"] for run in served.json("/api/runs")[1]}
        stream = events(served.base_url)
        assert next(stream)[0] == "runs"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert list(stream) == []  # the open stream ended with the server, not cut by it
    assert f"http://127.0.0.1:{port}/" in stderr
    assert "Traceback" not in stderr and "ERROR" not in stderr


def test_a_training_without_a_result_yet_shows_its_proposals_so_far(dashboard):
    with Store.open(dashboard.db_url) as store:
        store.create_training("pending", config={}, simulated=True)
    status, html, _ = dashboard.get("/trainings/pending")
    assert status == 200
    assert 'id="no-result"' in html and "No proposal yet." in html
    assert shows_simulated_banner(html)
