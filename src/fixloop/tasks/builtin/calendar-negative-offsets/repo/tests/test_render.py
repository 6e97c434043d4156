from tzcal import Calendar, parse_event, render_agenda, render_event


def utc_events():
    calendar = Calendar()
    calendar.add("Retro | 2024-03-04T15:00Z | 2024-03-04T16:00Z")
    calendar.add("Standup | 2024-03-04T12:30Z | 2024-03-04T12:45Z")
    return calendar.events


def test_agenda_at_positive_and_whole_hour_offsets():
    assert render_agenda(utc_events(), "+05:30") == (
        "2024-03-04T18:00+05:30 .. 2024-03-04T18:15+05:30  Standup\n"
        "2024-03-04T20:30+05:30 .. 2024-03-04T21:30+05:30  Retro\n"
    )
    assert render_agenda(utc_events(), "-05:00") == (
        "2024-03-04T07:30-05:00 .. 2024-03-04T07:45-05:00  Standup\n"
        "2024-03-04T10:00-05:00 .. 2024-03-04T11:00-05:00  Retro\n"
    )


def test_events_are_written_back_as_their_organisers_wrote_them():
    for line in (
        "Review | 2024-03-04T09:00-03:30 | 2024-03-04T10:00-03:30",
        "Demo | 2024-03-04T16:15+05:45 | 2024-03-04T17:00+05:45",
        "Surf report | 2024-03-04T06:00-09:30 | 2024-03-04T06:30-09:30",
        "Night shift | 2024-03-04T23:30Z | 2024-03-05T07:30Z",
    ):
        title, start, end = (part.strip() for part in line.split("|"))
        assert render_event(parse_event(line)) == f"{start} .. {end}  {title}"


def test_agenda_at_a_negative_half_hour_offset():
    assert render_agenda(utc_events(), "-03:30") == (
        "2024-03-04T09:00-03:30 .. 2024-03-04T09:15-03:30  Standup\n"
        "2024-03-04T11:30-03:30 .. 2024-03-04T12:30-03:30  Retro\n"
    )
