"""The dashboard in a real browser: Debian's Chromium driven by Playwright, offline.

Playwright never downloads a browser; without /usr/bin/chromium these tests skip, except on
CI, where they fail (see tests/report/test_report_in_browser.py). Each page's screenshot is
written to tests/artifacts/ui/.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from fixloop.store import Store
from tests.report.test_report_in_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.ui.conftest import HOSTILE_RUN, TOKEN, artifacts_dir

PAGES = {
    "runs": ("/", "#runs-table"),
    "run": ("/runs/careless", "#chart-failures .main-svg"),
    "hostile-run": ("/runs/" + urllib.parse.quote(HOSTILE_RUN, safe=""), "#chart-failures .main-svg"),
    "trainings": ("/trainings", "#trainings-table"),
    "training": ("/trainings/t", "#chart-selection .main-svg"),
    "memory": ("/memory", "#chart-critic-0 .main-svg"),
    "compare": ("/compare?a=careless&b=oracle", "#chart-comparison .main-svg"),
}
"""Each page: its path and an element that shows it rendered (a drawn chart where it has one)."""


@dataclass
class Browser:
    """A browser context with everything its pages did that they should not have."""

    context: object
    origin: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str):
        page = self.context.new_page()
        page.set_default_timeout(20_000)
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.goto(self.origin + path, wait_until="load")
        return page


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def browser_on(chromium, origin: str) -> Browser:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    opened = Browser(context, origin)

    def only_local(route, request):
        if request.url.startswith((origin, "data:", "about:", "blob:")):
            route.continue_()
        else:
            opened.problems.append(f"network request: {request.url}")
            route.abort()

    context.route("**/*", only_local)
    return opened


@pytest.fixture(scope="module")
def browser(chromium, dashboard) -> Iterator[Browser]:
    opened = browser_on(chromium, dashboard.base_url)
    yield opened
    opened.context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_loads_offline_without_console_errors(browser, name):
    path, ready = PAGES[name]
    page = browser.open(path)
    page.wait_for_selector(ready)
    page.screenshot(path=artifacts_dir() / f"{name}.png", full_page=True)
    page.close()
    assert browser.problems == []


def test_a_run_played_while_its_pages_are_open_appears_and_its_progress_moves_without_a_reload(
    browser, dashboard
):
    page = browser.open("/")
    page.wait_for_selector('#live-status[data-state="open"]')
    page.evaluate("window.notReloaded = true")
    with Store.open(dashboard.db_url) as store:
        episodes = store.keyed_trajectories("careless")
        store.create_run(
            "live-run", agent="llm", model="sim:careless", config={}, planned=list(episodes), simulated=True
        )
        row = page.locator('tr[data-run="live-run"]')
        row.wait_for()
        assert row.locator(".progress-text").text_content() == "0/2"
        assert row.locator(".badge-simulated").is_visible()
        (first, first_trajectory), (second, second_trajectory) = episodes.items()
        store.add_episode("live-run", *first, first_trajectory)
        page.wait_for_function(
            "document.querySelector('tr[data-run=\"live-run\"] .progress-text').textContent === '1/2'"
        )
        assert page.evaluate("window.notReloaded") is True
        page.screenshot(path=artifacts_dir() / "runs-live.png", full_page=True)
        page.close()

        run_page = browser.open("/runs/live-run")
        run_page.wait_for_selector('#run-progress .progress-text:text-is("1/2")')
        store.add_episode("live-run", *second, second_trajectory)
        run_page.wait_for_selector("#new-episodes:not([hidden])")
        assert run_page.locator("#run-progress .progress-text").text_content() == "2/2"
        assert "1 new episode" in run_page.locator("#new-episodes").text_content()
        run_page.close()
    assert browser.problems == []


def test_the_token_is_enforced_and_carried_by_the_page_once_given(chromium, guarded):
    opened = browser_on(chromium, guarded.base_url)
    try:
        page = opened.context.new_page()
        assert page.goto(guarded.base_url + "/").status == 401
        assert page.goto(f"{guarded.base_url}/?token={TOKEN}").status == 200
        page.wait_for_selector('#live-status[data-state="open"]')
        page.click('tr[data-run="careless"] a')
        page.wait_for_selector("#chart-failures .main-svg")
        assert "token" not in page.url
        page.screenshot(path=artifacts_dir() / "run-with-token.png")
    finally:
        opened.context.close()
