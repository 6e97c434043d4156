from clickstream import summarize

LOG = """\
# page views for 2024-05-01
2024-05-01T09:00:00+00:00 user=bob path=/home
2024-05-01T09:10:00+00:00 user=bob path=/docs
2024-05-01T10:00:00+00:00 user=alice path=/home
2024-05-01T10:20:00+00:00 user=alice path=/pricing
2024-05-01T10:40:00+00:00 user=alice path=/signup
2024-05-01T11:00:00+00:00 user=alice path=/welcome
2024-05-01T13:00:00+00:00 user=bob path=/home
"""


def test_counts_distinct_users():
    assert summarize(LOG).users == 2


def test_top_pages_by_views():
    assert summarize(LOG, top=2).top_pages == [("/home", 3), ("/docs", 1)]


def test_long_idle_gap_starts_a_new_session():
    assert summarize(LOG).sessions_per_user["bob"] == 2


def test_steady_activity_is_one_session():
    assert summarize(LOG).sessions_per_user["alice"] == 1


def test_average_session_length_in_minutes():
    summary = summarize(LOG)
    assert summary.sessions == 3
    assert summary.average_session_minutes == 23.3
