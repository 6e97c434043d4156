"""The HTML report, read as a string: its sections, labels, safety and offline-ness."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from fixloop.report.html_report import diff_lines, render_report, write_report
from tests.report.conftest import IMG_PATH, SCRIPT_THOUGHT

SECTIONS = ["summary", "failures", "strategies", "distributions", "tasks", "trajectories"]
BADGE = 'class="badge badge-simulated"'
BANNER = 'id="simulated-banner"'


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def element_ids(html: str) -> set[str]:
    return {attrs["id"] for _, attrs in parse(html).tags if attrs.get("id")}


def report_data(html: str) -> dict:
    [(_, text)] = [(a, t) for a, t in parse(html).scripts if a.get("type") == "application/json"]
    return json.loads(text)


def test_a_single_run_report_has_every_section_but_the_comparison(oracle_run):
    ids = element_ids(render_report([oracle_run]))
    assert set(SECTIONS) <= ids
    assert "comparison" not in ids


def test_the_comparison_section_appears_when_a_comparison_is_given(oracle_run, blind_run, comparison):
    html = render_report([oracle_run, blind_run], comparison)
    assert {"comparison", "chart-comparison", "chart-differences", *SECTIONS} <= element_ids(html)
    assert "McNemar" in html


def test_several_runs_without_a_comparison_get_no_comparison_section(oracle_run, blind_run):
    assert "comparison" not in element_ids(render_report([oracle_run, blind_run]))


def test_a_simulated_run_carries_a_badge_and_a_banner(oracle_run, simulated_run):
    html = render_report([oracle_run, simulated_run])
    assert BANNER in html
    assert "not a model's performance" in html
    mentions = re.findall(r'</span>careful</span>( <span class="badge badge-simulated")?', html)
    assert len(mentions) >= 5
    assert all(mentions), "every mention of the simulated run carries the badge"
    charts = report_data(html)["charts"]
    names = {trace["name"] for chart in charts.values() for trace in chart["data"]}
    assert "careful (simulated)" in names
    assert "careful" not in names


def test_runs_that_are_not_simulated_carry_no_badge_and_no_banner(oracle_run, blind_run):
    html = render_report([oracle_run, blind_run])
    assert BADGE not in html
    assert BANNER not in html


def test_a_run_the_comparison_marks_simulated_is_labelled_simulated(
    oracle_run, blind_run, simulated_run, comparison
):
    real_looking = simulated_run.model_copy(update={"simulated": False})
    html = render_report([oracle_run, blind_run, real_looking], comparison)
    assert BANNER in html
    assert BADGE in html


def test_the_report_loads_nothing_from_the_network(oracle_run, blind_run, simulated_run, comparison):
    html = render_report([oracle_run, blind_run, simulated_run], comparison)
    tags = parse(html).tags
    assert [attrs for tag, attrs in tags if tag == "script" and "src" in attrs] == []
    assert [attrs for tag, attrs in tags if tag == "link"] == []
    for _, attrs in tags:
        for name in ("src", "href", "srcset", "poster", "data"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), f"{name}={value!r} points off the page"
    assert "Plotly" in html  # plotly.js itself is inlined


def test_hostile_text_in_a_trajectory_is_escaped(blind_run):
    html = render_report([blind_run])
    for hostile in (SCRIPT_THOUGHT, "<script>alert(1)</script>", IMG_PATH, "<b>not an action</b>"):
        assert hostile not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    scripts = [text for attrs, text in parse(html).scripts if attrs.get("type") != "application/json"]
    assert not any("alert(1)" in text for text in scripts)


def test_chart_data_is_json_that_cannot_close_its_script_tag(oracle_run, blind_run):
    hostile = "</script><script>alert(2)</script><!--"
    html = render_report([oracle_run, blind_run.model_copy(update={"run": hostile})])
    assert hostile not in html
    data = report_data(html)
    assert set(data["charts"]) == {"chart-failures", "chart-strategies", "chart-scores", "chart-steps"}
    assert hostile in [trace["name"] for trace in data["charts"]["chart-failures"]["data"]]


def test_an_edit_shows_its_diff_with_added_and_removed_lines_marked(blind_run):
    html = render_report([blind_run])
    assert '<span class="d-del">-    return a - b</span>' in html
    assert '<span class="d-add">+    return a * b</span>' in html


def test_evidence_is_shown_at_the_step_it_cites(blind_run):
    html = render_report([blind_run])
    blind_write = next(f for f in blind_run.episodes[0].diagnosis.findings if f.label.value == "BLIND_WRITE")
    step = blind_write.evidence[0].step
    match = re.search(rf'<li class="step[^"]*" id="ep-0-0-s{step}">(.*?)</li>', html, re.S)
    assert match is not None
    assert "BLIND_WRITE" in match.group(1)
    assert blind_write.evidence[0].detail in match.group(1)


def test_every_step_of_every_episode_is_shown(oracle_run, blind_run):
    ids = element_ids(render_report([oracle_run, blind_run]))
    for r, run in enumerate([oracle_run, blind_run]):
        for e, episode in enumerate(run.episodes):
            assert f"ep-{r}-{e}" in ids
            assert {f"ep-{r}-{e}-s{step.index}" for step in episode.trajectory.steps} <= ids


def test_the_task_table_has_a_row_per_episode_linked_to_its_trajectory(oracle_run, blind_run):
    html = render_report([oracle_run, blind_run])
    rows = [attrs for tag, attrs in parse(html).tags if tag == "tr" and "data-episode" in attrs]
    assert [row["data-episode"] for row in rows] == ["ep-0-0", "ep-0-1", "ep-1-0", "ep-1-1"]


def test_write_report_writes_the_rendered_report(tmp_path, oracle_run):
    path = write_report(tmp_path / "out" / "report.html", [oracle_run], title="calc")
    assert path == tmp_path / "out" / "report.html"
    assert path.read_text(encoding="utf-8") == render_report([oracle_run], title="calc")


def test_a_report_needs_a_run():
    with pytest.raises(ValueError, match="at least one run"):
        render_report([])


def test_runs_must_have_distinct_names(oracle_run):
    with pytest.raises(ValueError, match="run names repeat"):
        render_report([oracle_run, oracle_run])


def test_a_diagnosis_without_episodes_still_renders(oracle_run):
    bare = oracle_run.model_copy(update={"episodes": [], "metrics": None})
    html = render_report([bare])
    assert "kept no trajectories" in html
    assert "No scored episode" in html


def test_diff_lines_tells_headers_hunks_additions_and_removals_apart():
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n--- not a header\n"
    assert diff_lines(diff) == [
        ("meta", "--- a/x.py"),
        ("meta", "+++ b/x.py"),
        ("hunk", "@@ -1,2 +1,2 @@"),
        ("ctx", " keep"),
        ("del", "-old"),
        ("add", "+new"),
        ("del", "--- not a header"),
    ]
