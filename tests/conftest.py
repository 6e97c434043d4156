"""Shared fixtures: a tiny but real debugging task."""

from __future__ import annotations

import pytest

from fixloop.tasks.task import Task
from tests.calc_task import make_calc_task


@pytest.fixture(autouse=True)
def private_store(tmp_path, monkeypatch):
    """Every test's runs go to its own database, never to .fixloop/ in the working tree."""
    url = f"sqlite:///{tmp_path}/fixloop.db"
    monkeypatch.setenv("FIXLOOP_DB", url)
    return url


@pytest.fixture
def calc_task() -> Task:
    return make_calc_task()


@pytest.fixture(scope="session")
def sandbox():
    """The best sandbox this machine has (bwrap in CI), shared by the session."""
    from fixloop.sandbox.factory import make_sandbox

    box = make_sandbox("auto")
    yield box
    box.close()


SANDBOX_KINDS = ["bwrap", "process"]


@pytest.fixture(scope="session", params=SANDBOX_KINDS)
def each_sandbox(request):
    """Each sandbox kind in turn; bwrap is skipped where bubblewrap is not installed."""
    import shutil

    from fixloop.sandbox.factory import make_sandbox

    if request.param == "bwrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    box = make_sandbox(request.param)
    yield box
    box.close()
