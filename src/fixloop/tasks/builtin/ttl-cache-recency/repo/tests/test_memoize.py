from memo import TTLCache, memoize


def test_result_is_computed_once_per_argument(clock):
    calls = []

    @memoize(TTLCache(maxsize=4, ttl=60, clock=clock))
    def square(n):
        calls.append(n)
        return n * n

    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]


def test_expired_result_is_recomputed(clock):
    calls = []

    @memoize(TTLCache(maxsize=4, ttl=60, clock=clock))
    def double(n):
        calls.append(n)
        return 2 * n

    double(5)
    clock.advance(61)
    double(5)
    assert calls == [5, 5]


def test_frequently_used_result_stays_cached(clock):
    calls = []

    @memoize(TTLCache(maxsize=2, ttl=60, clock=clock))
    def lookup(key):
        calls.append(key)
        return key.upper()

    for key in ["home", "about", "home", "pricing", "home"]:
        lookup(key)
    assert calls.count("home") == 1
