from datetime import datetime, timedelta

from tzcal import free_slots, merge


def at(hour, minute=0):
    return datetime(2024, 3, 4, hour, minute)


def test_merge_joins_overlapping_and_touching_intervals():
    busy = [(at(13), at(14)), (at(9), at(10)), (at(9, 30), at(11)), (at(11), at(11, 30))]
    assert merge(busy) == [(at(9), at(11, 30)), (at(13), at(14))]


def test_free_slots_respect_the_window_and_minimum_length():
    busy = [(at(8), at(9, 30)), (at(10), at(12)), (at(12, 10), at(13))]
    window = (at(9), at(17))
    assert free_slots(busy, window) == [(at(9, 30), at(10)), (at(12), at(12, 10)), (at(13), at(17))]
    assert free_slots(busy, window, timedelta(minutes=30)) == [(at(9, 30), at(10)), (at(13), at(17))]
