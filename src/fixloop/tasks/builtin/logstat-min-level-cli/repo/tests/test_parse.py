from logstat.parse import Record, parse_line, parse_lines


def test_line_fields_and_level_alias():
    assert parse_line("2024-05-01T10:00:03 warn [billing]  card declined ") == Record(
        "2024-05-01 10:00:03", "WARNING", "billing", "card declined"
    )


def test_unparsable_lines_are_counted_not_fatal():
    records, skipped = parse_lines(
        ["2024-05-01 10:00:00 INFO [web] up\n", "\n", "garbage\n", "2024-05-01 10:00:01 LOUD [x] y\n"]
    )
    assert [r.message for r in records] == ["up"]
    assert skipped == 2
