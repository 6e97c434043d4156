import pytest

from stockroom import InsufficientStock, Ledger


def test_on_hand_follows_every_kind_of_movement():
    ledger = Ledger()
    ledger.receive("MUG", 10, 250)
    ledger.ship("MUG", 4, 900)
    ledger.customer_return("MUG", 1, 250)
    ledger.write_off("MUG", 2)
    assert ledger.on_hand("MUG") == 5


def test_shipping_a_whole_lot_costs_that_lot():
    ledger = Ledger()
    ledger.receive("MUG", 10, 250)
    ledger.receive("MUG", 10, 300)
    assert ledger.ship("MUG", 10, 900) == 2500
    assert ledger.stock_value("MUG") == 3000


def test_shipping_more_than_on_hand_is_refused_and_changes_nothing():
    ledger = Ledger()
    ledger.receive("MUG", 3, 250)
    with pytest.raises(InsufficientStock):
        ledger.ship("MUG", 4, 900)
    assert ledger.on_hand("MUG") == 3
    assert ledger.stock_value("MUG") == 750


def test_unknown_sku_has_nothing_on_hand():
    ledger = Ledger()
    assert ledger.on_hand("NOPE") == 0
    with pytest.raises(InsufficientStock):
        ledger.write_off("NOPE", 1)


def test_skus_are_kept_apart():
    ledger = Ledger()
    ledger.receive("MUG", 5, 250)
    ledger.receive("CAP", 2, 800)
    ledger.ship("CAP", 2, 1500)
    assert (ledger.on_hand("MUG"), ledger.on_hand("CAP")) == (5, 0)
    assert ledger.skus() == ["CAP", "MUG"]
