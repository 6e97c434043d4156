import pytest
from shopfloor.pricing import bulk_discount, format_cents, line_total, percent_of, with_tax


def test_no_discount_below_ten_items():
    assert bulk_discount(9) == 0.0


def test_discount_starts_at_each_threshold():
    assert bulk_discount(10) == 0.05
    assert bulk_discount(50) == 0.10
    assert bulk_discount(100) == 0.15


def test_the_largest_applicable_discount_wins():
    assert bulk_discount(75) == 0.10


def test_percent_of_rounds_half_up():
    assert percent_of(250, 0.05) == 13


def test_percent_of_a_negative_amount_is_negative():
    assert percent_of(-250, 0.20) == -50


def test_line_total_without_discount():
    assert line_total(250, 4) == 1000


def test_line_total_applies_the_bulk_discount():
    assert line_total(100, 10) == 950


def test_standard_tax_is_twenty_percent():
    assert with_tax(1000) == 1200


def test_reduced_and_zero_tax():
    assert with_tax(1000, "reduced") == 1050
    assert with_tax(1000, "zero") == 1000


def test_unknown_tax_category_is_an_error():
    with pytest.raises(KeyError):
        with_tax(1000, "luxury")


def test_format_cents_pads_the_fraction():
    assert format_cents(1205) == "$12.05"


def test_format_cents_of_a_refund():
    assert format_cents(-5) == "-$0.05"
