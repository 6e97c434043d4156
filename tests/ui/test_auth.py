"""With a token, every request must carry it: pages, API, static files and the live stream."""

from __future__ import annotations

import pytest

from fixloop.ui.auth import COOKIE
from fixloop.ui.settings import UISettings
from tests.ui.conftest import TOKEN

GUARDED = ["/", "/runs/careless", "/api/runs", "/static/plotly.min.js", "/static/dashboard.js", "/api/stream"]


@pytest.mark.parametrize("path", GUARDED)
def test_a_request_without_the_token_is_refused(guarded, path):
    assert guarded.get(path)[0] == 401


def test_a_wrong_token_is_refused_in_every_place_a_token_may_be(guarded):
    wrong = TOKEN[:-1] + "x"
    assert guarded.get(f"/?token={wrong}")[0] == 401
    assert guarded.get("/", {"Authorization": f"Bearer {wrong}"})[0] == 401
    assert guarded.get("/", {"X-Fixloop-Token": wrong})[0] == 401
    assert guarded.get("/", {"Cookie": f"{COOKIE}={wrong}"})[0] == 401


def test_the_token_opens_the_dashboard_from_a_header_or_the_query(guarded):
    assert guarded.get("/api/runs", {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    assert guarded.get("/static/plotly.min.js", {"X-Fixloop-Token": TOKEN})[0] == 200
    status, _, headers = guarded.get(f"/api/runs?token={TOKEN}")
    assert status == 200
    assert headers["set-cookie"].startswith(f"{COOKIE}={TOKEN};") and "HttpOnly" in headers["set-cookie"]


def test_a_page_opened_with_the_token_is_redirected_without_it_and_given_the_cookie(guarded):
    status, _, headers = guarded.get(f"/compare?a=careless&token={TOKEN}&b=oracle", follow=False)
    assert status == 303
    assert headers["location"] == "/compare?a=careless&b=oracle"
    assert (
        headers["set-cookie"].startswith(f"{COOKIE}={TOKEN};") and "SameSite=Strict" in headers["set-cookie"]
    )


def test_the_cookie_the_first_visit_sets_carries_the_token(guarded):
    assert guarded.get("/memory", {"Cookie": f"{COOKIE}={TOKEN}"})[0] == 200


def test_a_dashboard_on_loopback_needs_no_token_and_elsewhere_needs_one():
    assert UISettings(host="127.0.0.1").token is None
    assert UISettings(host="::1").token is None
    assert UISettings(host="0.0.0.0", token=TOKEN).host == "0.0.0.0"
    with pytest.raises(ValueError, match="--token"):
        UISettings(host="0.0.0.0")
    with pytest.raises(ValueError, match="at least 16"):
        UISettings(host="0.0.0.0", token="short")
