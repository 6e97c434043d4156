"""The `served` fixture: a real `fixloop serve` in this process, default settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.served import Running, running_server


@pytest.fixture
def served(tmp_path) -> Iterator[Running]:
    """A server with the default settings."""
    with running_server(tmp_path) as running:
        yield running
