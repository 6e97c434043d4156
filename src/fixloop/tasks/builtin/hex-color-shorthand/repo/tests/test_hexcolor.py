import pytest

from palette import mix, parse_hex, to_hex


def test_six_digit_colour():
    assert parse_hex("#1e90ff") == (30, 144, 255)


def test_hash_is_optional_and_case_does_not_matter():
    assert parse_hex("FF8800") == (255, 136, 0)


def test_black_shorthand():
    assert parse_hex("#000") == (0, 0, 0)


def test_wrong_length_and_bad_digits_are_rejected():
    for bad in ("#ffff", "#12345g", "", "#"):
        with pytest.raises(ValueError):
            parse_hex(bad)


def test_to_hex_is_lower_case_and_padded():
    assert to_hex((255, 136, 0)) == "#ff8800"
    assert to_hex((0, 5, 10)) == "#00050a"


def test_white_shorthand():
    assert parse_hex("#fff") == (255, 255, 255)


def test_shorthand_equals_long_form():
    assert parse_hex("#f80") == parse_hex("#ff8800")
    assert parse_hex("abc") == parse_hex("aabbcc")


def test_mix_with_shorthand():
    assert mix("#000", "#fff") == "#808080"
