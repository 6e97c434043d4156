"""`fixloop.serve.asgi:app`: the server for `uvicorn` and a published `openenv.yaml`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from fixloop.serve.asgi import settings_from_environment
from tests.served import Running, free_port, wait_for


def test_settings_come_from_fixloop_variables():
    settings = settings_from_environment(
        {
            "FIXLOOP_SPLIT": "test",
            "FIXLOOP_MAX_SESSIONS": "4",
            "FIXLOOP_SANDBOX": "process",
            "FIXLOOP_DB": "x",
        }
    )
    assert settings.split == "test" and settings.max_sessions == 4 and settings.sandbox == "process"
    assert settings.db is None  # the store reads FIXLOOP_DB itself


def test_a_bad_variable_is_a_validation_error_naming_it():
    with pytest.raises(ValidationError, match="max_sessions"):
        settings_from_environment({"FIXLOOP_MAX_SESSIONS": "many"})


def test_naming_both_a_suite_and_a_tasks_path_is_an_error():
    with pytest.raises(ValidationError, match="not both"):
        settings_from_environment({"FIXLOOP_SUITE": "builtin", "FIXLOOP_TASKS_PATH": "/tmp/tasks"})


def test_uvicorn_serves_the_asgi_app(tmp_path):
    port = free_port()
    environ = {
        **os.environ,
        "FIXLOOP_SANDBOX": "process",
        "FIXLOOP_SPLIT": "selection",
        "FIXLOOP_DB": f"sqlite:///{tmp_path}/asgi.db",
    }
    uvicorn = str(Path(sys.executable).with_name("uvicorn"))
    process = subprocess.Popen(
        [uvicorn, "fixloop.serve.asgi:app", "--port", str(port), "--log-level", "warning"], env=environ
    )
    try:
        served = Running(server=None, base_url=f"http://127.0.0.1:{port}", db_url="")

        def up() -> bool:
            try:
                return served.get("/health")[0] == 200
            except OSError:
                return False

        assert wait_for(up, timeout=60)
        assert [s["name"] for s in served.get("/fixloop/splits")[1]] == ["selection"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
