"""What a call costs: prices per million tokens and the table of known models.

`DEFAULT_PRICES` holds *indicative* list prices in USD per million tokens for a few
well-known models, as published when this table was written. They go stale: pass a `Price`
to the model (or `make_model(price=...)`) or load a table from a TOML file with
`load_price_table` when the numbers matter. A model not in the table costs 0, so a
`max_usd` budget never binds for it; use `max_tokens` or `max_calls` budgets there (or give
it a price).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fixloop.models.base import ModelError, Usage


class Price(BaseModel):
    """USD per million prompt (input) and completion (output) tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_per_mtok: float = Field(ge=0, allow_inf_nan=False)
    output_per_mtok: float = Field(ge=0, allow_inf_nan=False)


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o": Price(input_per_mtok=2.50, output_per_mtok=10.00),
    "gpt-4o-mini": Price(input_per_mtok=0.15, output_per_mtok=0.60),
    "gpt-4.1": Price(input_per_mtok=2.00, output_per_mtok=8.00),
    "gpt-4.1-mini": Price(input_per_mtok=0.40, output_per_mtok=1.60),
    "gpt-4.1-nano": Price(input_per_mtok=0.10, output_per_mtok=0.40),
    "o3-mini": Price(input_per_mtok=1.10, output_per_mtok=4.40),
    "o4-mini": Price(input_per_mtok=1.10, output_per_mtok=4.40),
}
"""Indicative USD per million tokens, keyed by model name; see the module doc."""


def price_for(model: str, table: Mapping[str, Price] = DEFAULT_PRICES) -> Price | None:
    """The price of `model` (bare `NAME` or `PROVIDER:NAME`), or None when it is not listed.

    Dated or suffixed variants match their longest listed prefix: `gpt-4o-mini-2024-07-18`
    is priced as `gpt-4o-mini`.
    """
    name = model.split(":", 1)[1] if ":" in model else model
    matches = [key for key in table if name == key or name.startswith(f"{key}-")]
    return table[max(matches, key=len)] if matches else None


def cost(usage: Usage, price: Price | None) -> float:
    """USD for `usage` at `price`; 0.0 when the price is unknown (None)."""
    if price is None:
        return 0.0
    return (
        usage.prompt_tokens * price.input_per_mtok + usage.completion_tokens * price.output_per_mtok
    ) / 1e6


def load_price_table(path: Path) -> dict[str, Price]:
    """`DEFAULT_PRICES` overridden by the prices in the TOML file at `path`.

    The file has one table per model::

        ["my-finetune"]
        input_per_mtok = 0.3
        output_per_mtok = 1.2

    Raises ModelError naming the file when it cannot be read or a price is malformed.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"{path}: cannot read the price table: {exc}") from None
    table = dict(DEFAULT_PRICES)
    for name, entry in data.items():
        try:
            price = Price.model_validate(entry)
        except ValidationError as exc:
            raise ModelError(f"{path}: [{name}]: {exc.errors()[0]['msg']}") from None
        table[name] = price
    return table
