from shopreport.pricing import line_total


def test_line_total_multiplies_quantity():
    assert line_total(1299, 3) == 3897


def test_discount_rounds_half_up_to_the_cent():
    assert line_total(5, 1, discount_percent=50) == 3
