"""Secrets never reach the store."""

from __future__ import annotations

from fixloop.store import Store
from fixloop.store.redaction import REDACTED, is_secret_name, redact, redact_text
from tests.store.sample import make_trajectory

API_KEY = "sk-live-0123456789abcdefXYZ"


def test_secret_sounding_names_are_recognized():
    for name in (
        "api_key",
        "OPENAI_API_KEY",
        "token",
        "client_secret",
        "password",
        "Authorization",
        "credentials",
    ):
        assert is_secret_name(name), name
    for name in ("model", "temperature", "workers", "base_url"):
        assert not is_secret_name(name), name


def test_strings_under_secret_names_are_redacted_and_numbers_are_kept():
    config = {
        "api_key": "abc",
        "max_tokens": 1024,
        "model": "gpt",
        "auth": {"user": "bob", "scheme": "basic"},
    }
    assert redact(config) == {
        "api_key": REDACTED,
        "max_tokens": 1024,
        "model": "gpt",
        "auth": {"user": REDACTED, "scheme": REDACTED},
    }


def test_key_shaped_values_are_redacted_wherever_they_appear():
    config = {"headers": [f"Authorization: Bearer {API_KEY}"], "note": f"key was {API_KEY}."}
    assert redact(config) == {
        "headers": [f"Authorization: Bearer {REDACTED}"],
        "note": f"key was {REDACTED}.",
    }


def test_passwords_in_urls_are_redacted():
    assert redact_text("postgresql://fix:hunter2@db:5432/x") == f"postgresql://fix:{REDACTED}@db:5432/x"


def test_names_are_ignored_when_redacting_by_value_only():
    assert redact({"token_count": "12", "text": API_KEY}, by_name=False) == {
        "token_count": "12",
        "text": REDACTED,
    }


def test_an_api_key_in_a_run_config_never_reaches_the_database_file(tmp_path):
    config = {
        "model": {"api_key": API_KEY, "base_url": "http://localhost:8000/v1"},
        "notes": f"used {API_KEY}",
    }
    with Store.open(f"sqlite:///{tmp_path / 'fixloop.db'}") as store:
        store.create_run("r", agent="llm", model="m", config=config, planned=[("calc-add", 0)])
        store.add_episode("r", "calc-add", 0, make_trajectory(error=f"model said: bad key {API_KEY}"))
        store.record_model_call("m", run="r", error=f"401 for {API_KEY}")
        assert store.get_run("r").config["model"] == {
            "api_key": REDACTED,
            "base_url": "http://localhost:8000/v1",
        }
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert b"sk-live" not in stored
    assert API_KEY.encode() not in stored
