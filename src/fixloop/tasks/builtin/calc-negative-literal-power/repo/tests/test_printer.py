from calc import parse, to_source


def test_binary_operators_are_parenthesised():
    assert to_source(parse("1 + 2 * x - 3")) == "((1 + (2 * x)) - 3)"


def test_negated_variable_under_power():
    assert to_source(parse("-x ^ 2")) == "(-(x ^ 2))"


def test_negated_literal_under_power():
    assert to_source(parse("-2 ^ 2")) == "(-(2 ^ 2))"
    assert to_source(parse("4 * -2 ^ 2")) == "(4 * (-(2 ^ 2)))"
