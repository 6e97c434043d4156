from datetime import date

import pytest

from recur import Rule, parse_rule


def test_parse_interval_and_count():
    assert parse_rule("every 2 weeks, 5 times") == Rule("weekly", 2, count=5)


def test_parse_until_date():
    assert parse_rule("Monthly, until 2024-12-31") == Rule("monthly", until=date(2024, 12, 31))


@pytest.mark.parametrize("text", ["fortnightly", "every 0 days"])
def test_parse_rejects_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        parse_rule(text)
