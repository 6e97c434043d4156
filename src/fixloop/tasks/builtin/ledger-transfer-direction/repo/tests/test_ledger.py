import pytest

from bank import InsufficientFunds, Ledger


@pytest.fixture
def ledger():
    book = Ledger()
    book.open("alice", 10_000)
    book.open("bob", 2_500)
    return book


def test_deposit_and_withdraw(ledger):
    ledger.deposit("bob", 500)
    ledger.withdraw("alice", 1_000)
    assert ledger.balance("bob") == 3_000
    assert ledger.balance("alice") == 9_000


def test_overdraft_is_refused(ledger):
    with pytest.raises(InsufficientFunds):
        ledger.withdraw("bob", 2_501)
    assert ledger.balance("bob") == 2_500


def test_amounts_must_be_positive(ledger):
    with pytest.raises(ValueError):
        ledger.deposit("alice", 0)


def test_transfer_to_same_account_is_refused(ledger):
    with pytest.raises(ValueError):
        ledger.transfer("alice", "alice", 100)


def test_transfer_to_unknown_account_is_refused(ledger):
    with pytest.raises(KeyError):
        ledger.transfer("alice", "carol", 100)
    assert ledger.balance("alice") == 10_000


def test_transfer_moves_money_from_source_to_target(ledger):
    ledger.transfer("alice", "bob", 3_000)
    assert ledger.balance("alice") == 7_000
    assert ledger.balance("bob") == 5_500


def test_transfer_is_recorded_in_history(ledger):
    ledger.transfer("alice", "bob", 3_000)
    assert ledger.history == [("alice", "bob", 3_000)]


def test_transfer_larger_than_source_balance_is_refused(ledger):
    with pytest.raises(InsufficientFunds):
        ledger.transfer("bob", "alice", 5_000)
    assert ledger.balance("alice") == 10_000
    assert ledger.balance("bob") == 2_500
