import pytest

from fixloop.models.base import ModelError
from fixloop.models.config_file import load_model_config
from fixloop.models.pricing import DEFAULT_PRICES, Price

CONFIG = """
[model]
base_url = "http://localhost:8000/v1"
api_key_env = "MY_ENDPOINT_KEY"
timeout_s = 120

[prices."my-model"]
input_per_mtok = 0.2
output_per_mtok = 0.6
"""


def test_without_a_file_the_defaults_apply(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FIXLOOP_CONFIG", raising=False)
    config = load_model_config()
    assert config.model.base_url is None
    assert config.price_table == DEFAULT_PRICES


def test_fixloop_toml_in_the_working_directory_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FIXLOOP_CONFIG", raising=False)
    (tmp_path / "fixloop.toml").write_text(CONFIG)
    config = load_model_config()
    assert (config.model.base_url, config.model.timeout_s) == ("http://localhost:8000/v1", 120)
    assert config.price_table["my-model"] == Price(input_per_mtok=0.2, output_per_mtok=0.6)
    assert config.price_table["gpt-4o"] == DEFAULT_PRICES["gpt-4o"]


def test_the_key_comes_from_the_variable_the_file_names(tmp_path, monkeypatch):
    path = tmp_path / "elsewhere.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("FIXLOOP_CONFIG", str(path))
    monkeypatch.setenv("MY_ENDPOINT_KEY", "sk-from-env")
    assert load_model_config().api_key() == "sk-from-env"


def test_a_key_written_in_the_file_is_refused(tmp_path):
    path = tmp_path / "fixloop.toml"
    path.write_text('[model]\napi_key = "sk-oops"\n')
    with pytest.raises(ModelError, match="keys never go in files") as caught:
        load_model_config(path)
    assert "sk-oops" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[model]\ntimeout_s = -1\n", "model.timeout_s"),
        ('[prices."x"]\ninput_per_mtok = "cheap"\noutput_per_mtok = 1\n', "prices.x.input_per_mtok"),
        ("[model\n", "cannot read the config file"),
    ],
)
def test_a_broken_file_names_the_file_and_the_field(tmp_path, text, message):
    path = tmp_path / "fixloop.toml"
    path.write_text(text)
    with pytest.raises(ModelError, match=message):
        load_model_config(path)


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(ModelError, match="cannot read"):
        load_model_config(tmp_path / "missing.toml")
