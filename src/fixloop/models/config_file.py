"""The model section of a fixloop config file: where the endpoint is and what calls cost.

A config file is TOML. fixloop reads the file named by `--config`, else by the
`FIXLOOP_CONFIG` environment variable, else `fixloop.toml` in the working directory when
there is one; command-line flags win over it::

    [model]
    base_url = "http://localhost:8000/v1"   # an OpenAI-compatible endpoint
    api_key_env = "MY_ENDPOINT_KEY"          # the variable holding the key (default OPENAI_API_KEY)
    timeout_s = 120

    [prices."qwen2.5-coder"]                 # USD per million tokens, over the default table
    input_per_mtok = 0.2
    output_per_mtok = 0.6

API keys never go in the file: it names the environment variable that holds one.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fixloop.models.base import ModelError
from fixloop.models.pricing import DEFAULT_PRICES, Price

CONFIG_ENV_VAR = "FIXLOOP_CONFIG"
DEFAULT_CONFIG_NAME = "fixloop.toml"


class ModelSection(BaseModel):
    """`[model]`: how to reach the endpoint."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(default=None, description="The OpenAI-compatible endpoint.")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="Environment variable holding the key.")
    timeout_s: float | None = Field(default=None, gt=0, description="Seconds one request may take.")


class ModelConfigFile(BaseModel):
    """The parts of a config file the model layer reads; other sections are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: ModelSection = Field(default_factory=ModelSection)
    prices: dict[str, Price] = Field(default_factory=dict)

    @property
    def price_table(self) -> dict[str, Price]:
        """`DEFAULT_PRICES` with this file's prices laid over them."""
        return {**DEFAULT_PRICES, **self.prices}

    def api_key(self) -> str | None:
        """The key from the environment variable the file names, if it is set."""
        return os.environ.get(self.model.api_key_env) or None


def load_model_config(path: Path | None = None) -> ModelConfigFile:
    """Read the config file (see the module doc for which); defaults when there is none.

    Raises ModelError naming the file and the field when it cannot be read or is invalid,
    or when an explicitly named file does not exist.
    """
    if path is None and os.environ.get(CONFIG_ENV_VAR):
        path = Path(os.environ[CONFIG_ENV_VAR])
    if path is None:
        default = Path(DEFAULT_CONFIG_NAME)
        if not default.is_file():
            return ModelConfigFile()
        path = default
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"{path}: cannot read the config file: {exc}") from None
    if "api_key" in data.get("model", {}):
        raise ModelError(f"{path}: [model] api_key: keys never go in files; name the variable in api_key_env")
    try:
        return ModelConfigFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ModelError(f"{path}: {where}: {error['msg']}") from None
