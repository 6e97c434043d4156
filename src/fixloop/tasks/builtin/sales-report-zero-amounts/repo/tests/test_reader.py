import pytest

from salesreport import ReaderError, read_rows


def test_header_names_are_normalised_and_quoted_cells_kept_whole():
    text = 'Date, Region ,STORE,Amount\n2024-01-05,North,N1,"1,250.50"\n\n2024-01-06,South,S1,\n'
    assert read_rows(text) == [
        {"date": "2024-01-05", "region": "North", "store": "N1", "amount": "1,250.50"},
        {"date": "2024-01-06", "region": "South", "store": "S1", "amount": ""},
    ]


def test_malformed_exports_are_rejected():
    for text in ("", "date,region,store\n2024-01-05,North,N1\n", "date,region,store,amount\n1,2,3\n"):
        with pytest.raises(ReaderError):
            read_rows(text)
