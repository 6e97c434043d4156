import pytest

from salesreport import sales_report

MARCH = """date,region,store,amount
2024-03-01,West,W1,200
2024-03-01,West,W2,
2024-03-02,West,W1,100
2024-03-02,Central,C1,n/a
2024-03-03,West,W3,"$1,000.00"
"""

WINTER = """Date, Region ,Store,Amount
2024-01-05,North,n1,120.00
2024-01-05,north ,N2,0
2024-01-06,South,S1,"1,250.50"
2024-01-06,South,S2,
2024-01-07,North,N3,n/a
2024-01-07,East,E1,(35.00)
2024-02-02,North,N1,0.00
2024-02-02,East,E1,0
"""


def test_missing_amounts_are_left_out_of_the_figures():
    assert sales_report(MARCH) == (
        "region   rows     total    mean       max  coverage\n"
        "Central     1      0.00       -         -        0%\n"
        "West        4  1,300.00  433.33  1,000.00       75%\n"
    )


def test_unknown_grouping_is_rejected():
    with pytest.raises(ValueError):
        sales_report(MARCH, by="weekday")


def test_region_report_counts_days_without_takings():
    assert sales_report(WINTER) == (
        "region  rows     total      mean       max  coverage\n"
        "East       2    -35.00    -17.50      0.00      100%\n"
        "North      4    120.00     40.00    120.00       75%\n"
        "South      2  1,250.50  1,250.50  1,250.50       50%\n"
    )


def test_monthly_mean_includes_days_without_takings():
    assert sales_report(WINTER, by="month", metrics=["rows", "mean"]) == (
        "month    rows    mean\n"
        "2024-01     6  333.88\n"
        "2024-02     2    0.00\n"
    )


def test_store_with_only_refunds_and_empty_days():
    report = sales_report(WINTER, by="store", metrics=["max", "coverage"])
    assert report.splitlines()[1] == "E1         0.00      100%"
