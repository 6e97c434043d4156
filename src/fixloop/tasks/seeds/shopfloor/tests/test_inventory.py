import pytest
from shopfloor.inventory import Inventory, OutOfStock


def stocked(**levels: int) -> Inventory:
    inventory = Inventory()
    for sku, quantity in levels.items():
        inventory.receive(sku, quantity)
    return inventory


def test_receiving_adds_to_the_shelf():
    inventory = stocked(apple=5)
    assert inventory.receive("apple", 3) == 8
    assert inventory.on_hand("apple") == 8


def test_an_empty_delivery_is_rejected():
    with pytest.raises(ValueError):
        Inventory().receive("apple", 0)


def test_unknown_sku_has_nothing_available():
    assert Inventory().available("pear") == 0


def test_reserving_lowers_availability_not_stock():
    inventory = stocked(apple=5)
    inventory.reserve("apple", 2)
    assert inventory.available("apple") == 3
    assert inventory.on_hand("apple") == 5


def test_reserving_everything_available_is_allowed():
    inventory = stocked(apple=5)
    inventory.reserve("apple", 5)
    assert inventory.available("apple") == 0


def test_reserving_more_than_available_fails():
    inventory = stocked(apple=5)
    inventory.reserve("apple", 4)
    with pytest.raises(OutOfStock):
        inventory.reserve("apple", 2)


def test_release_returns_a_reservation():
    inventory = stocked(apple=5)
    inventory.reserve("apple", 4)
    inventory.release("apple", 3)
    assert inventory.available("apple") == 4


def test_release_never_goes_below_zero():
    inventory = stocked(apple=5)
    inventory.reserve("apple", 1)
    inventory.release("apple", 3)
    assert inventory.available("apple") == 5


def test_shipping_takes_reserved_items_off_the_shelf():
    inventory = stocked(apple=5)
    inventory.reserve("apple", 3)
    inventory.ship("apple", 2)
    assert (inventory.on_hand("apple"), inventory.available("apple")) == (3, 2)


def test_shipping_unreserved_items_fails():
    inventory = stocked(apple=5)
    inventory.reserve("apple", 1)
    with pytest.raises(ValueError):
        inventory.ship("apple", 2)


def test_low_stock_lists_skus_under_the_threshold_sorted():
    inventory = stocked(pear=2, apple=1, fig=3, kiwi=9)
    assert inventory.low_stock(3) == ["apple", "pear"]
