from datetime import UTC, datetime

import pytest

from clickstream import LogError, parse_log


def test_line_fields_are_parsed():
    [event] = parse_log("2024-05-01T10:00:00+00:00 user=alice path=/home\n")
    assert event.user == "alice"
    assert event.path == "/home"
    assert event.at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_malformed_line_is_reported_with_its_number():
    with pytest.raises(LogError) as excinfo:
        parse_log("2024-05-01T10:00:00+00:00 user=a path=/\n2024-05-01T10:01:00+00:00 user=b\n")
    assert excinfo.value.lineno == 2
