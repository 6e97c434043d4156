from shopreport import Order, OrderLine


def test_shipping_is_free_from_fifty_dollars():
    assert Order("A-1", (OrderLine("Boots", 5000),)).shipping == 0


def test_total_adds_flat_shipping_below_threshold():
    assert Order("A-2", (OrderLine("Socks", 1250, 2),)).total == 2500 + 499
