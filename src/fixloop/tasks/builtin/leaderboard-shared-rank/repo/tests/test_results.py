import pytest

from leaderboard import Result, parse_result


def test_parse_result_line():
    result = parse_result("  ada 120 3 1:02:07 ")
    assert result == Result("ada", 120, 3, 3727)
    assert result.clock == "1:02:07"


@pytest.mark.parametrize("line", ["ada 120 3 1:62:07", "ada 120 three 1:02:07", "ada 120 3"])
def test_malformed_lines_are_rejected(line):
    with pytest.raises(ValueError):
        parse_result(line)
