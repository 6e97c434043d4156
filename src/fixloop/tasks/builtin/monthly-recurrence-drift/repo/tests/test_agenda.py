from datetime import date

from recur import Agenda


def test_weekly_entries_inside_the_window():
    agenda = Agenda()
    agenda.add("Backups", date(2024, 5, 3), "weekly")
    agenda.add("Standup", date(2024, 5, 6), "every 2 weeks, 2 times")
    assert agenda.between(date(2024, 5, 5), date(2024, 5, 31)) == [
        (date(2024, 5, 6), "Standup"),
        (date(2024, 5, 10), "Backups"),
        (date(2024, 5, 17), "Backups"),
        (date(2024, 5, 20), "Standup"),
        (date(2024, 5, 24), "Backups"),
        (date(2024, 5, 31), "Backups"),
    ]


def test_rent_due_on_the_31st_goes_back_to_the_31st():
    agenda = Agenda()
    agenda.add("Rent", date(2024, 1, 31), "monthly")
    assert [day for day, _ in agenda.between(date(2024, 1, 1), date(2024, 5, 31))] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]


def test_payday_on_the_30th_stays_on_the_30th():
    agenda = Agenda()
    agenda.add("Payday", date(2024, 4, 30), "monthly, 4 times")
    assert [day for day, _ in agenda.between(date(2024, 1, 1), date(2024, 12, 31))] == [
        date(2024, 4, 30),
        date(2024, 5, 30),
        date(2024, 6, 30),
        date(2024, 7, 30),
    ]


def test_leap_day_anniversary_returns_in_leap_years():
    agenda = Agenda()
    agenda.add("Leap party", date(2024, 2, 29), "yearly")
    assert agenda.between(date(2027, 1, 1), date(2028, 12, 31)) == [
        (date(2027, 2, 28), "Leap party"),
        (date(2028, 2, 29), "Leap party"),
    ]


def test_skipped_dates_still_use_up_the_count():
    agenda = Agenda()
    agenda.add("Course", date(2024, 9, 2), "weekly, 4 times", skip=(date(2024, 9, 9),))
    assert [day for day, _ in agenda.between(date(2024, 9, 1), date(2024, 12, 31))] == [
        date(2024, 9, 2),
        date(2024, 9, 16),
        date(2024, 9, 23),
    ]


def test_until_is_inclusive():
    agenda = Agenda()
    agenda.add("Standup", date(2024, 6, 24), "daily, until 2024-06-27")
    assert len(agenda.between(date(2024, 6, 1), date(2024, 6, 30))) == 4


def test_next_after_picks_the_earliest_entry():
    agenda = Agenda()
    agenda.add("Backups", date(2024, 5, 3), "weekly")
    agenda.add("Invoice", date(2024, 1, 15), "monthly")
    assert agenda.next_after(date(2024, 5, 11)) == (date(2024, 5, 15), "Invoice")
    assert agenda.next_after(date(2024, 5, 15)) == (date(2024, 5, 17), "Backups")
