from throttle.bucket import TokenBucket


def test_new_bucket_is_full_and_never_overfills():
    bucket = TokenBucket(capacity=4, rate=2.0, now=0.0)
    assert bucket.tokens(0.0) == 4
    assert bucket.tokens(100.0) == 4


def test_taking_more_than_available_takes_nothing():
    bucket = TokenBucket(capacity=2, rate=1.0, now=0.0)
    assert bucket.try_take(0.0, 2)
    assert not bucket.try_take(0.5, 1)
    assert bucket.tokens(0.5) == 0.5


def test_wait_time_for_missing_tokens():
    bucket = TokenBucket(capacity=3, rate=0.5, now=0.0)
    bucket.try_take(0.0, 3)
    assert bucket.wait_time(0.0, 2) == 4.0
