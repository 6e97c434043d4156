from memo import TTLCache


def test_get_returns_stored_value(clock):
    cache = TTLCache(maxsize=2, ttl=60, clock=clock)
    cache.set("a", 1)
    assert cache.get("a") == 1


def test_missing_key_returns_default(clock):
    cache = TTLCache(maxsize=2, ttl=60, clock=clock)
    assert cache.get("nope", "fallback") == "fallback"


def test_entry_expires_after_ttl(clock):
    cache = TTLCache(maxsize=2, ttl=60, clock=clock)
    cache.set("a", 1)
    clock.advance(60)
    assert cache.get("a") is None
    assert len(cache) == 0


def test_setting_again_restarts_ttl(clock):
    cache = TTLCache(maxsize=2, ttl=60, clock=clock)
    cache.set("a", 1)
    clock.advance(45)
    cache.set("a", 2)
    clock.advance(45)
    assert cache.get("a") == 2


def test_full_cache_evicts_oldest_set(clock):
    cache = TTLCache(maxsize=2, ttl=60, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("c", 3)
    assert "a" not in cache
    assert "b" in cache and "c" in cache


def test_reading_a_key_protects_it_from_eviction(clock):
    cache = TTLCache(maxsize=2, ttl=60, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1
    cache.set("c", 3)
    assert cache.get("a") == 1
    assert "b" not in cache
