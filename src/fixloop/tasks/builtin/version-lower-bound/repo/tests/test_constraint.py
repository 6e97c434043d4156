import pytest

from verspec import best_match, parse_version, satisfies


def test_short_versions_are_padded():
    assert parse_version("1.4") == (1, 4, 0)


def test_exact_match():
    assert satisfies("1.4.2", "==1.4.2")


def test_version_inside_range():
    assert satisfies("1.5.3", ">=1.2, <2.0")


def test_upper_bound_is_exclusive():
    assert not satisfies("2.0.0", ">=1.2, <2.0")


def test_lower_bound_is_inclusive():
    assert satisfies("1.2.0", ">=1.2")


def test_less_or_equal_is_inclusive():
    assert satisfies("2.0", "<=2.0.0")


def test_components_compare_numerically():
    assert satisfies("1.10.0", ">1.9")


def test_unknown_operator_is_rejected():
    with pytest.raises(ValueError):
        satisfies("1.0", "~=1.0")


def test_best_match_picks_highest_allowed():
    assert best_match(["1.1.0", "1.4.0", "2.1.0"], ">=1.0, <2.0") == "1.4.0"


def test_best_match_accepts_lower_bound_itself():
    assert best_match(["1.1.0", "1.2.0", "1.3.0"], ">=1.2, <1.3") == "1.2.0"
