from memo import memoize


def counting(func):
    """Wrap `func` so the test can see how many times it really ran."""
    calls = []

    def run(*args, **kwargs):
        calls.append((args, kwargs))
        return func(*args, **kwargs)

    run.calls = calls
    return run


def test_repeated_call_is_served_from_the_cache():
    square = counting(lambda x: x * x)
    cached = memoize(square)
    assert [cached(4), cached(4), cached(5)] == [16, 16, 25]
    assert len(square.calls) == 2
    assert (cached.cache_info().hits, cached.cache_info().misses) == (1, 2)


def test_a_cached_none_is_still_a_hit():
    lookup = counting(lambda user_id: None)
    cached = memoize(lookup)
    cached(7)
    cached(7)
    assert len(lookup.calls) == 1


def test_keyword_order_does_not_matter():
    area = counting(lambda *, width, height: width * height)
    cached = memoize(area)
    cached(width=2, height=3)
    cached(height=3, width=2)
    assert len(area.calls) == 1


def test_different_keyword_values_are_different_calls():
    price = counting(lambda amount, *, currency: f"{amount} {currency}")
    cached = memoize(price)
    assert cached(10, currency="EUR") == "10 EUR"
    assert cached(10, currency="USD") == "10 USD"


def test_list_arguments_are_cached_by_value():
    total = counting(lambda ids: sum(ids))
    cached = memoize(total)
    assert cached([1, 2, 3]) == 6
    assert cached([1, 2, 3]) == 6
    assert cached([1, 2, 4]) == 7
    assert len(total.calls) == 2


def test_dict_arguments_with_unhashable_values_are_cached():
    search = counting(lambda query: len(query["tags"]))
    cached = memoize(search)
    cached({"tags": ["red", "sale"], "page": 1})
    cached({"page": 1, "tags": ["red", "sale"]})
    assert len(search.calls) == 1


def test_dict_arguments_with_different_values_are_different_calls():
    report = memoize(lambda filters: f"orders where status={filters['status']}")
    assert report({"status": "open"}) == "orders where status=open"
    assert report({"status": "closed"}) == "orders where status=closed"


def test_nested_dict_values_are_compared_too():
    search = memoize(lambda query: query["price"]["max"])
    assert search({"price": {"max": 10}}) == 10
    assert search({"price": {"max": 20}}) == 20


def test_key_function_replaces_the_default_key():
    profile = counting(lambda user: user["name"].title())
    cached = memoize(key=lambda user: user["id"])(profile)
    assert cached({"id": 1, "name": "ada"}) == "Ada"
    assert cached({"id": 1, "name": "renamed"}) == "Ada"
    assert len(profile.calls) == 1


def test_least_recently_used_entry_is_evicted():
    double = counting(lambda x: 2 * x)
    cached = memoize(maxsize=2)(double)
    cached(1)
    cached(2)
    cached(1)
    cached(3)
    cached(1)
    cached(2)
    assert [args for args, _ in double.calls] == [(1,), (2,), (3,), (2,)]
    assert cached.cache_info().size == 2


def test_cache_clear_forgets_results_and_counts():
    cached = memoize(lambda x: x)
    cached(1)
    cached(1)
    cached.cache_clear()
    assert cached.cache_info().hits == 0
    cached(1)
    assert cached.cache_info().misses == 1
