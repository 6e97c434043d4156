from datetime import datetime, timezone

from tzcal import Calendar


def utc(hour, minute=0):
    return datetime(2024, 3, 4, hour, minute, tzinfo=timezone.utc)


def test_busy_time_of_a_meeting_booked_at_a_negative_half_hour_offset():
    calendar = Calendar()
    calendar.add("Planning | 2024-03-04T09:00-03:30 | 2024-03-04T10:00-03:30")
    calendar.add("Lunch talk | 2024-03-04T13:00Z | 2024-03-04T14:00Z")
    assert calendar.busy() == [(utc(12, 30), utc(14, 0))]


def test_meetings_in_different_offsets_clash():
    calendar = Calendar()
    calendar.add("Design review | 2024-03-04T16:00+01:00 | 2024-03-04T17:00+01:00")
    calendar.add("Support sync | 2024-03-04T11:45-03:30 | 2024-03-04T12:15-03:30")
    calendar.add("Hiring panel | 2024-03-04T09:00-05:00 | 2024-03-04T09:30-05:00")
    assert calendar.clashes() == [("Design review", "Support sync")]


def test_free_slots_around_meetings_at_negative_offsets():
    calendar = Calendar()
    calendar.add("Support sync | 2024-03-04T11:45-03:30 | 2024-03-04T12:15-03:30")
    calendar.add("Hiring panel | 2024-03-04T10:00-05:00 | 2024-03-04T10:30-05:00")
    free = calendar.free("2024-03-04T14:00Z", "2024-03-04T17:00Z", min_minutes=20)
    assert free == [(utc(14, 0), utc(15, 0)), (utc(15, 45), utc(17, 0))]


def test_free_slots_with_positive_and_utc_offsets():
    calendar = Calendar()
    calendar.add("Ops review | 2024-03-04T15:30+05:30 | 2024-03-04T16:30+05:30")
    calendar.add("Budget | 2024-03-04T11:15Z | 2024-03-04T12:00Z")
    free = calendar.free("2024-03-04T14:30+05:30", "2024-03-04T18:30+05:30", min_minutes=30)
    assert free == [(utc(9, 0), utc(10, 0)), (utc(12, 0), utc(13, 0))]


def test_clashes_between_whole_hour_offsets():
    calendar = Calendar()
    calendar.add("A | 2024-03-04T09:00-05:00 | 2024-03-04T10:00-05:00")
    calendar.add("B | 2024-03-04T15:30+01:00 | 2024-03-04T16:30+01:00")
    calendar.add("C | 2024-03-04T15:00Z | 2024-03-04T15:30Z")
    assert calendar.clashes() == [("A", "B"), ("B", "C")]
