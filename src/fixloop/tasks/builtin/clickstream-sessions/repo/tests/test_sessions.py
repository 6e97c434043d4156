from datetime import datetime

from clickstream import Event, sessionize


def view(user, hh_mm, path="/"):
    hour, minute = map(int, hh_mm.split(":"))
    return Event(at=datetime(2024, 5, 1, hour, minute), user=user, path=path)


def test_events_hours_apart_are_separate_sessions():
    sessions = sessionize([view("ann", "08:00"), view("ann", "10:00")])
    assert len(sessions) == 2


def test_gap_of_exactly_thirty_minutes_continues_the_session():
    sessions = sessionize([view("ann", "08:00"), view("ann", "08:30")])
    assert len(sessions) == 1


def test_users_never_share_a_session():
    sessions = sessionize([view("ann", "08:00"), view("ben", "08:01")])
    assert [s.user for s in sessions] == ["ann", "ben"]


def test_events_out_of_order_are_sorted():
    sessions = sessionize([view("ann", "08:05", "/b"), view("ann", "08:00", "/a")])
    assert [e.path for e in sessions[0].events] == ["/a", "/b"]
