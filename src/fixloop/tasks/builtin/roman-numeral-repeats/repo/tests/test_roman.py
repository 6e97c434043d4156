import pytest

from roman import from_roman, to_roman


def test_to_roman_uses_subtractive_forms():
    assert to_roman(1994) == "MCMXCIV"


def test_to_roman_rejects_zero():
    with pytest.raises(ValueError):
        to_roman(0)


def test_from_roman_subtractive_pair():
    assert from_roman("IX") == 9


def test_from_roman_is_case_insensitive():
    assert from_roman("xiv") == 14


def test_from_roman_rejects_other_letters():
    with pytest.raises(ValueError):
        from_roman("XIZ")


def test_from_roman_repeated_symbols():
    assert from_roman("III") == 3


def test_from_roman_year():
    assert from_roman("MMXXIV") == 2024


def test_round_trip_every_number():
    for number in range(1, 4000):
        assert from_roman(to_roman(number)) == number
