from shopreport import Order, OrderLine, render_receipt
from shopreport.money import to_cents


def amounts(receipt):
    """{row label: amount} for every row after the header."""
    rows = {}
    for row in receipt.splitlines()[2:]:
        if not row.startswith("-"):
            label, _, amount = row.rpartition(" ")
            rows[label.strip()] = amount
    return rows


def order(*lines):
    return Order(number="A-1001", lines=lines)


def test_header_shows_order_number():
    receipt = render_receipt(order(OrderLine("Pen", to_cents("1.99"))))
    assert receipt.splitlines()[0] == "Order A-1001"


def test_receipt_lists_lines_and_totals():
    receipt = render_receipt(
        order(OrderLine("Notebook", to_cents("12.99"), 2), OrderLine("Pen pack", to_cents("7.49")))
    )
    assert amounts(receipt) == {
        "2 x Notebook": "$25.98",
        "1 x Pen pack": "$7.49",
        "Subtotal": "$33.47",
        "Shipping": "$4.99",
        "Total": "$38.46",
    }


def test_discount_is_shown_next_to_the_line():
    receipt = render_receipt(order(OrderLine("Lamp", to_cents("19.99"), 2, discount_percent=15)))
    assert amounts(receipt)["2 x Lamp (-15%)"] == "$33.98"


def test_free_shipping_is_shown_as_free():
    receipt = render_receipt(order(OrderLine("Desk lamp", to_cents("24.99"), 3)))
    assert amounts(receipt)["Shipping"] == "FREE"
    assert amounts(receipt)["Total"] == "$74.97"


def test_large_amounts_use_thousands_separator():
    receipt = render_receipt(order(OrderLine("Laptop", to_cents("1249.99"))))
    assert amounts(receipt)["Total"] == "$1,249.99"


def test_few_cents_are_shown_with_two_digits():
    receipt = render_receipt(order(OrderLine("Sticker", to_cents("3.05"))))
    assert amounts(receipt)["1 x Sticker"] == "$3.05"
    assert amounts(receipt)["Total"] == "$8.04"


def test_whole_dollar_total_shows_zero_cents():
    receipt = render_receipt(order(OrderLine("Gift card", to_cents("50"))))
    assert amounts(receipt)["Total"] == "$50.00"
