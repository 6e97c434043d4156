import csv
import io

from csvout import format_row, format_table, quote_field


def test_plain_field_is_not_quoted():
    assert quote_field("widget") == "widget"


def test_field_with_comma_is_quoted():
    assert quote_field("Smith, Jane") == '"Smith, Jane"'


def test_none_is_an_empty_field():
    assert format_row(["a", None, 3]) == "a,,3"


def test_leading_space_is_preserved_by_quoting():
    assert quote_field(" padded") == '" padded"'


def test_embedded_quote_is_doubled():
    assert quote_field('6" ruler') == '"6"" ruler"'


def test_rows_end_with_crlf():
    assert format_table(["id", "name"], [[1, "bolt"]]) == "id,name\r\n1,bolt\r\n"


def test_table_round_trips_through_csv_module():
    rows = [["1", 'say "hi"', "x,y"], ["2", "line\nbreak", ""]]
    text = format_table(["id", "note", "pair"], rows)
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["id", "note", "pair"], *rows]
