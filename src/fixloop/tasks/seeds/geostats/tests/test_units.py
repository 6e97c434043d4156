import pytest
from geostats.units import convert_length, convert_temperature


def test_kilometres_to_metres():
    assert convert_length(2.5, "km", "m") == 2500


def test_feet_to_inches():
    assert convert_length(1, "ft", "in") == pytest.approx(12)


def test_millimetres_to_centimetres():
    assert convert_length(25, "mm", "cm") == pytest.approx(2.5)


def test_unknown_length_unit_is_an_error():
    with pytest.raises(KeyError):
        convert_length(1, "mile", "m")


def test_freezing_point_in_fahrenheit():
    assert convert_temperature(0, "C", "F") == 32


def test_body_temperature_in_celsius():
    assert convert_temperature(98.6, "F", "C") == 37


def test_kelvin_to_celsius():
    assert convert_temperature(300, "K", "C") == 26.85


def test_fahrenheit_to_kelvin():
    assert convert_temperature(212, "F", "K") == 373.15


def test_same_unit_is_unchanged():
    assert convert_temperature(21.5, "C", "C") == 21.5


def test_unknown_temperature_unit_is_an_error():
    with pytest.raises(ValueError):
        convert_temperature(1, "C", "R")
