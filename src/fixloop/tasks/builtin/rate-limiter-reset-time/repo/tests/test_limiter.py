from throttle import KeyedLimiter, ManualClock, parse_limit


def limiter(limit):
    clock = ManualClock(start=1000.0)
    return KeyedLimiter(parse_limit(limit), clock), clock


def test_burst_is_allowed_then_denied_with_retry_after():
    lim, _ = limiter("3/minute")
    assert [lim.allow("10.0.0.1").allowed for _ in range(3)] == [True, True, True]
    denied = lim.allow("10.0.0.1")
    assert not denied.allowed
    assert denied.remaining == 0
    assert denied.retry_after == 20.0


def test_allowance_comes_back_over_time():
    lim, clock = limiter("3/minute")
    for _ in range(3):
        lim.allow("10.0.0.1")
    clock.advance(20)
    assert lim.allow("10.0.0.1").allowed


def test_clients_have_separate_allowances():
    lim, _ = limiter("1/second")
    assert lim.allow("alice").allowed
    assert lim.allow("bob").allowed
    assert not lim.allow("alice").allowed


def test_reset_after_reports_time_until_fully_refilled():
    lim, _ = limiter("10/minute")
    lim.allow("alice", cost=4)
    assert lim.allow("alice").reset_after == 30.0


def test_sweep_forgets_clients_that_are_fully_refilled():
    lim, clock = limiter("3/minute")
    lim.allow("alice")
    lim.allow("bob", cost=3)
    clock.advance(60)
    assert lim.sweep() == 2
    assert len(lim) == 0


def test_sweep_keeps_clients_that_are_still_limited():
    lim, clock = limiter("3/minute")
    for _ in range(3):
        lim.allow("alice")
    clock.advance(10)
    lim.sweep()
    assert not lim.allow("alice").allowed
