import pytest

from calc import CalcError, evaluate


def test_multiplication_binds_tighter_than_addition():
    assert evaluate("2 + 3 * 4") == 14
    assert evaluate("(2 + 3) * 4") == 20
    assert evaluate("7 // 2 * 2") == 6


def test_subtraction_and_division_are_left_associative():
    assert evaluate("8 - 3 - 2") == 3
    assert evaluate("64 / 4 / 2") == 8


def test_power_is_right_associative():
    assert evaluate("2 ^ 3 ^ 2") == 512


def test_negated_variable_binds_looser_than_power():
    assert evaluate("-x ^ 2", {"x": 3}) == -9
    assert evaluate("-(3) ^ 2") == -9


def test_negation_binds_tighter_than_modulo():
    assert evaluate("-7 % 3") == 2
    assert evaluate("-x % 3", {"x": 7}) == 2


def test_negative_operands_on_the_right():
    assert evaluate("2 ^ -1") == 0.5
    assert evaluate("2 * -3") == -6
    assert evaluate("2 - -1") == 3


def test_negated_literal_binds_looser_than_power():
    assert evaluate("-2 ^ 2") == -4
    assert evaluate("-3^2 + 1") == -8


def test_negated_power_after_an_operator_or_in_a_call():
    assert evaluate("10 + -2 ^ 2") == 6
    assert evaluate("min(-1 ^ 2, 0)") == -1


def test_functions_and_variables():
    assert evaluate("max(a, b * 2, 1)", {"a": 3, "b": 4}) == 8
    assert evaluate("abs(a - b)", {"a": 3, "b": 4}) == 1


def test_errors_are_calc_errors():
    for formula in ("1 / 0", "y + 1", "nope(1)", "(1 + 2", "1 +"):
        with pytest.raises(CalcError):
            evaluate(formula)
