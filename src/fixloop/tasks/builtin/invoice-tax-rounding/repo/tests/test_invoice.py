from decimal import Decimal

from ledger import Invoice, InvoiceLine, render_invoice

FIVE_PERCENT = Decimal("0.05")


def invoice(*lines, rate=FIVE_PERCENT):
    return Invoice(number="INV-7", lines=lines, tax_rate=rate)


def test_net_total_sums_lines():
    inv = invoice(
        InvoiceLine("Gasket", 2, Decimal("4.50")), InvoiceLine("Valve", 1, Decimal("12.00"))
    )
    assert inv.net_total == Decimal("21.00")


def test_tax_without_half_cents():
    inv = invoice(InvoiceLine("Pump", 1, Decimal("10.00")), rate=Decimal("0.08"))
    assert inv.tax_total == Decimal("0.80")
    assert inv.grand_total == Decimal("10.80")


def test_tax_is_rounded_line_by_line():
    inv = invoice(
        InvoiceLine("Washer", 1, Decimal("0.10")),
        InvoiceLine("Nut", 1, Decimal("0.10")),
        InvoiceLine("Bolt", 1, Decimal("0.10")),
        rate=Decimal("0.04"),
    )
    assert inv.tax_total == Decimal("0.00")


def test_half_cent_of_tax_rounds_up():
    inv = invoice(InvoiceLine("Hose", 1, Decimal("17.30")))
    assert inv.tax_total == Decimal("0.87")


def test_each_line_rounds_its_half_cent_up():
    inv = invoice(
        InvoiceLine("Hose", 1, Decimal("17.30")), InvoiceLine("Hose clip", 2, Decimal("8.65"))
    )
    assert inv.tax_total == Decimal("1.74")


def test_printed_invoice_shows_rounded_tax_and_total():
    text = render_invoice(invoice(InvoiceLine("Hose", 1, Decimal("17.30"))))
    assert text == "Invoice INV-7\n1 x Hose: 17.30\nNet: 17.30\nTax: 0.87\nTotal: 18.17\n"
