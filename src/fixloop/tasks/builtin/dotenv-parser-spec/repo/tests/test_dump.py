import pytest

from envfile import dump_dotenv


def test_plain_values_are_written_bare():
    text = dump_dotenv({"PORT": "8080", "URL": "http://db:5432/app"})
    assert text == "PORT=8080\nURL=http://db:5432/app\n"


def test_other_values_are_double_quoted_and_escaped():
    assert dump_dotenv({"MSG": 'say "hi" $5\n'}) == 'MSG="say \\"hi\\" \\$5\\n"\n'


def test_invalid_name_is_rejected():
    with pytest.raises(ValueError):
        dump_dotenv({"1BAD": "x"})
