from decimal import Decimal

from salesreport import render_table


def test_table_layout():
    table = render_table(
        ["region", "rows", "total", "mean"],
        [["Central", 1, Decimal("0"), None], ["West", 12, Decimal("1300"), Decimal("-433.333")]],
    )
    assert table == (
        "region   rows     total     mean\n"
        "Central     1      0.00        -\n"
        "West       12  1,300.00  -433.33\n"
    )
