import pytest

from throttle import Limit, parse_limit


def test_per_minute_limit_refills_per_second():
    assert parse_limit("120/minute") == Limit(capacity=120, rate=2.0)


def test_burst_sets_the_capacity():
    assert parse_limit("5/second burst 10") == Limit(capacity=10, rate=5.0)


@pytest.mark.parametrize("text", ["10/fortnight", "ten/minute", "0/second"])
def test_bad_limits_are_rejected(text):
    with pytest.raises(ValueError):
        parse_limit(text)
