from __future__ import annotations

from pathlib import Path

import pytest

from fixloop.models.base import ModelError, Usage
from fixloop.models.pricing import DEFAULT_PRICES, Price, cost, load_price_table, price_for


def test_cost_is_priced_per_million_tokens() -> None:
    price = Price(input_per_mtok=2.0, output_per_mtok=10.0)
    assert cost(Usage(prompt_tokens=1_000_000, completion_tokens=500_000), price) == pytest.approx(7.0)


def test_an_unknown_model_costs_nothing() -> None:
    assert price_for("openai:my-local-llama") is None
    assert cost(Usage(prompt_tokens=1000, completion_tokens=1000), None) == 0.0


def test_a_dated_variant_is_priced_as_its_longest_listed_prefix() -> None:
    assert price_for("openai:gpt-4o-mini-2024-07-18") == DEFAULT_PRICES["gpt-4o-mini"]
    assert price_for("gpt-4o-2024-08-06") == DEFAULT_PRICES["gpt-4o"]


def test_a_price_file_adds_and_overrides_entries(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(
        '["gpt-4o"]\ninput_per_mtok = 1\noutput_per_mtok = 2\n'
        '["mine"]\ninput_per_mtok = 0.5\noutput_per_mtok = 0.5\n'
    )
    table = load_price_table(path)
    assert table["gpt-4o"] == Price(input_per_mtok=1, output_per_mtok=2)
    assert price_for("openai:mine", table) == Price(input_per_mtok=0.5, output_per_mtok=0.5)
    assert table["gpt-4o-mini"] == DEFAULT_PRICES["gpt-4o-mini"]


def test_a_malformed_price_file_is_a_model_error_naming_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text('["mine"]\ninput_per_mtok = -1\noutput_per_mtok = 0.5\n')
    with pytest.raises(ModelError, match=r"\[mine\]"):
        load_price_table(path)
