"""The report in a real browser: headless Chromium, driven by Playwright, fully offline.

Uses Debian's Chromium at /usr/bin/chromium; Playwright never downloads a browser. Without
Chromium the tests skip, except on CI (`CI=true`), where they fail: .ci/run installs it.
The report and a full-page screenshot are kept in tests/artifacts/ (or $FIXLOOP_TEST_ARTIFACTS).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fixloop.report.html_report import write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def artifacts_dir() -> Path:
    """Where test artifacts go: $FIXLOOP_TEST_ARTIFACTS, or tests/artifacts/ in the repository."""
    configured = os.environ.get("FIXLOOP_TEST_ARTIFACTS")
    path = Path(configured) if configured else Path(__file__).resolve().parents[1] / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI; .ci/run installs it with apt-get install chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); the browser tests need it")


@dataclass
class OpenReport:
    """The report open in a page, and everything the page did that it should not have."""

    page: object
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [
            *(f"console: {m}" for m in self.console),
            *(f"page error: {e}" for e in self.page_errors),
            *(f"dialog: {d}" for d in self.dialogs),
            *(f"network request: {r}" for r in self.requests),
        ]


@pytest.fixture(scope="module")
def report(oracle_run, blind_run, simulated_run, comparison) -> Iterator[OpenReport]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    path = write_report(
        artifacts_dir() / "report.html",
        [oracle_run, blind_run, simulated_run],
        comparison,
        title="calc tasks",
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            opened = OpenReport(page)
            page.on("console", lambda message: opened.console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: opened.page_errors.append(str(error)))
            page.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))

            def only_local(route, request):
                if request.url.startswith(LOCAL_SCHEMES):
                    route.continue_()
                else:
                    opened.requests.append(request.url)
                    route.abort()

            page.route("**/*", only_local)
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_selector("#chart-failures .main-svg")
            yield opened
        finally:
            browser.close()


def test_the_report_loads_offline_without_errors_or_console_output(report):
    assert report.problems() == []


def test_every_section_is_visible(report):
    for section in (
        "summary",
        "comparison",
        "failures",
        "strategies",
        "distributions",
        "tasks",
        "trajectories",
    ):
        assert report.page.locator(f"#{section}").is_visible(), section
    assert report.page.locator("#simulated-banner").is_visible()


def test_every_chart_is_drawn_by_plotly(report):
    for chart in ("failures", "strategies", "scores", "steps", "comparison", "differences"):
        drawn = report.page.locator(f"#chart-{chart}.js-plotly-plot .main-svg")
        assert drawn.count() >= 1, chart
        assert drawn.first.is_visible(), chart
        assert report.page.locator(f"#chart-{chart} g.trace .point").count() > 0, f"{chart} has no marks"


def test_clicking_a_task_row_opens_its_steps_with_the_diff(report):
    page = report.page
    row = page.locator("tr.task-row", has_text="blind-writer").first
    episode = row.get_attribute("data-episode")
    added = page.locator(f"#{episode} pre.diff .d-add").first
    removed = page.locator(f"#{episode} pre.diff .d-del").first
    assert not added.is_visible()
    row.click()
    page.wait_for_function(f"document.getElementById('{episode}').open")
    assert added.is_visible()
    assert removed.is_visible()
    assert added.evaluate("e => getComputedStyle(e).backgroundColor") != removed.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert page.locator(f"#{episode} .step").count() >= 4
    assert page.locator(f"#{episode} .flag", has_text="BLIND_WRITE").first.is_visible()
    assert report.problems() == []


def test_a_full_page_screenshot_is_saved(report):
    report.page.evaluate("window.scrollTo(0, 0)")
    shot = report.page.screenshot(path=str(artifacts_dir() / "report.png"), full_page=True)
    saved = (artifacts_dir() / "report.png").read_bytes()
    assert saved == shot
    assert saved.startswith(PNG_SIGNATURE)
    assert len(saved) > 50_000
