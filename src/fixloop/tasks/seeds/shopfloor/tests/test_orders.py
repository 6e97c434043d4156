import pytest
from shopfloor.orders import InvalidTransition, Order, split_shipments


def test_adding_a_new_sku_adds_a_line():
    order = Order()
    order.add("apple", 100, 2)
    order.add("pear", 150)
    assert [(line.sku, line.quantity) for line in order.lines] == [("apple", 2), ("pear", 1)]


def test_adding_the_same_sku_raises_its_quantity():
    order = Order()
    order.add("apple", 100, 2)
    order.add("apple", 100, 3)
    assert len(order.lines) == 1
    assert order.item_count() == 5


def test_a_placed_order_cannot_change():
    order = Order()
    order.advance("placed")
    with pytest.raises(InvalidTransition):
        order.add("apple", 100)


def test_subtotal_sums_discounted_lines():
    order = Order()
    order.add("apple", 100, 10)
    order.add("pear", 250, 2)
    assert order.subtotal() == 950 + 500


def test_total_adds_tax_of_the_category():
    order = Order()
    order.add("bread", 300, 2)
    assert order.total() == 720
    assert order.total("reduced") == 630


def test_the_happy_path_through_every_state():
    order = Order()
    for status in ("placed", "paid", "shipped", "delivered"):
        order.advance(status)
    assert order.status == "delivered"


def test_skipping_payment_is_not_allowed():
    order = Order()
    order.advance("placed")
    with pytest.raises(InvalidTransition):
        order.advance("shipped")


def test_a_delivered_order_is_final():
    order = Order(status="delivered")
    with pytest.raises(InvalidTransition):
        order.advance("refunded")


def test_only_draft_and_placed_orders_are_open():
    assert Order().is_open()
    assert Order(status="placed").is_open()
    assert not Order(status="paid").is_open()


def test_paid_orders_can_be_refunded():
    order = Order(status="paid")
    order.advance("refunded")
    assert order.status == "refunded"


def test_split_shipments_fills_boxes_in_order():
    order = Order()
    order.add("apple", 100, 3)
    order.add("pear", 100, 2)
    assert split_shipments(order, 2) == [["apple", "apple"], ["apple", "pear"], ["pear"]]


def test_split_shipments_of_an_exact_multiple_has_no_empty_box():
    order = Order()
    order.add("fig", 100, 4)
    assert split_shipments(order, 2) == [["fig", "fig"], ["fig", "fig"]]
