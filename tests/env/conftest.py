"""Fixtures of the environment's tests."""

import pytest

from fixloop.env.debug_env import DebugEnv


@pytest.fixture
def env(sandbox, calc_task):
    """A DebugEnv reset on the calc task; closed afterwards."""
    environment = DebugEnv(sandbox)
    environment.reset(calc_task)
    yield environment
    environment.close()
