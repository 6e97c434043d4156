"""`openenv.yaml`: the manifest users publish a served fixloop environment with.

It follows the reference template (`spec_version: 1`, name, type, runtime, app, port) and
its `validation:` block (reward, resources, capabilities, types, network), which the
reference validator's parser reads. `app` names `fixloop.serve.asgi:app`, which builds
the server from `FIXLOOP_*` environment variables.
"""

from __future__ import annotations

from pathlib import Path

from fixloop import __version__
from fixloop.serve.catalog import TaskCatalog
from fixloop.serve.settings import ServeSettings

MANIFEST_NAME = "openenv.yaml"


def manifest_text(settings: ServeSettings, catalog: TaskCatalog) -> str:
    """The manifest of a server with `settings` offering `catalog`'s tasks."""
    counts = "\n".join(f"      {name}: {len(catalog.tasks(name))}" for name in catalog.split_names)
    longest = max(
        task.timeout_s * task.max_steps for name in catalog.split_names for task in catalog.tasks(name)
    )
    return f"""\
spec_version: 1
name: fixloop
version: {__version__}
type: space
runtime: fastapi
app: fixloop.serve.asgi:app
port: {settings.port}
validation:
  # The reward channel is the grade's score, in [0, 1]; per-step shaped rewards
  # ({settings.reward} scheme) are small and may be negative.
  reward:
    range: [0.0, 1.0]
    oracle_tolerance: 0.0
    floor_margin: 0.5
  resources:
    cpu: 1.0
    memory_mb: {settings.max_sessions * 512}
    disk_mb: 1024
    episode_timeout_s: {longest:.1f}
  network:
    mode: no-network
  capabilities:
    verifier:
      kind: reward_channel
    task_api: true
    declared_task_count:
{counts}
  types:
    tags: [swe, debugging, python]
"""


def write_manifest(directory: Path, settings: ServeSettings, catalog: TaskCatalog) -> Path:
    """Write `openenv.yaml` into `directory` (created if needed); returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANIFEST_NAME
    path.write_text(manifest_text(settings, catalog), encoding="utf-8")
    return path
