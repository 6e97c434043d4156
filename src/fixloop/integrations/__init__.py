"""Adapters other tools import: the OpenEnv `Environment`, the TRL environment factory."""
