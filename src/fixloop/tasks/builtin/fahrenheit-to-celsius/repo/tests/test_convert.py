import pytest

from thermo import convert


def test_celsius_to_fahrenheit():
    assert convert(100, "C", "F") == 212
    assert convert(-40, "C", "F") == -40


def test_celsius_and_kelvin():
    assert convert(0, "C", "K") == 273.15
    assert convert(300, "K", "C") == 26.85


def test_same_unit_is_unchanged():
    assert convert(21.5, "C", "C") == 21.5
    assert convert(290.5, "K", "K") == 290.5


def test_units_are_case_insensitive():
    assert convert(37, "c", "f") == 98.6


def test_unknown_unit_is_rejected():
    with pytest.raises(ValueError):
        convert(10, "C", "R")


def test_below_absolute_zero_is_rejected():
    with pytest.raises(ValueError):
        convert(-1, "K", "C")


def test_fahrenheit_to_celsius():
    assert convert(212, "F", "C") == 100
    assert convert(32, "F", "C") == 0


def test_fahrenheit_to_kelvin():
    assert convert(32, "F", "K") == 273.15


def test_round_trip_through_fahrenheit():
    assert convert(convert(98.6, "F", "C"), "C", "F") == 98.6
