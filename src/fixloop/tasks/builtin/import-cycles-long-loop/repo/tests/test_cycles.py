from importgraph import build_graph, find_cycles

SHOP = {
    "shop/__init__.py": "",
    "shop/cart.py": "from shop.pricing import price_of\n",
    "shop/pricing.py": "from . import orders\n",
    "shop/orders.py": "import shop.cart\n",
    "shop/money.py": "",
}


def test_code_base_without_cycles():
    graph = {"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set()}
    assert find_cycles(graph) == []


def test_two_modules_importing_each_other():
    files = {
        "app/models.py": "from app import views\n",
        "app/views.py": "from app.models import User\nimport app.util\n",
        "app/util.py": "",
    }
    assert find_cycles(build_graph(files)) == [["app.models", "app.views"]]


def test_module_importing_itself():
    assert find_cycles({"solo": {"solo"}, "other": {"solo"}}) == [["solo"]]


def test_three_modules_in_a_loop():
    assert find_cycles(build_graph(SHOP)) == [["shop.cart", "shop.orders", "shop.pricing"]]


def test_long_loop_with_a_tail_and_a_separate_pair():
    graph = {
        "api": {"auth"},
        "auth": {"db", "cache"},
        "cache": {"config"},
        "config": {"auth", "log"},
        "db": {"log"},
        "log": set(),
        "jobs": {"queue"},
        "queue": {"jobs", "api"},
    }
    assert find_cycles(graph) == [["auth", "cache", "config"], ["jobs", "queue"]]
