"""The OpenEnv-compatible environment server: `fixloop serve` (see `fixloop.serve.app`)."""
