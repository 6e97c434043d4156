import pytest

from contacts import dedupe_numbers, normalize_phone, same_number


def test_punctuated_number_is_normalized():
    assert normalize_phone("(555) 123-4567") == "+15551234567"


def test_country_code_is_added_to_ten_digits():
    assert normalize_phone("555 123 4567") == "+15551234567"


def test_normalized_number_is_unchanged():
    assert normalize_phone("+15551234567") == "+15551234567"


def test_letters_are_rejected():
    with pytest.raises(ValueError):
        normalize_phone("555-CALL-NOW")


def test_wrong_length_is_rejected():
    with pytest.raises(ValueError):
        normalize_phone("123-4567")


def test_same_number_written_differently():
    assert same_number("1-555-123-4567", "(555) 123 4567")


def test_dedupe_keeps_first_seen_order():
    numbers = ["555.987.6543", "(555) 123-4567", "+1 555 987 6543"]
    assert dedupe_numbers(numbers) == ["+15559876543", "+15551234567"]
