import pytest

from logstat import main

LOG = """\
2024-05-01 10:00:00 INFO [web] started
2024-05-01 10:00:01 DEBUG [db] pool size 5
2024-05-01 10:00:03 WARN [billing] card declined
2024-05-01 10:00:04 INFO [web] GET /health
2024-05-01 10:00:05 ERROR [billing] payment gateway timeout
2024-05-01 10:00:06 WARNING [db] slow query
this line is garbage
2024-05-01 10:00:07 INFO [web] GET /health
2024-05-01 10:00:08 CRITICAL [db] connection lost
2024-05-01 10:00:09 ERROR [billing] payment gateway timeout
"""


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "app.log"
    path.write_text(LOG, encoding="utf-8")
    return str(path)


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_count_per_level(capsys, log_file):
    status, out, err = run(capsys, "count", log_file)
    assert status == 0
    assert out == "DEBUG     1\nINFO      3\nWARNING   2\nERROR     2\nCRITICAL  1\n"
    assert err == "logstat: skipped 1 unparsable line(s)\n"


def test_count_per_source(capsys, log_file):
    _, out, _ = run(capsys, "count", "--by", "source", log_file)
    assert out == "billing  3\ndb       3\nweb      3\n"


def test_min_level_keeps_that_level(capsys, log_file):
    _, out, _ = run(capsys, "count", "--min-level", "warning", log_file)
    assert out == "WARNING   2\nERROR     2\nCRITICAL  1\n"


def test_min_level_accepts_an_alias(capsys, log_file):
    _, out, _ = run(capsys, "count", "--by", "source", "--min-level", "err", log_file)
    assert out == "billing  2\ndb       1\n"


def test_top_messages(capsys, log_file):
    _, out, _ = run(capsys, "top", "--limit", "2", log_file)
    assert out == "GET /health              2\npayment gateway timeout  2\n"


def test_top_messages_at_min_level(capsys, log_file):
    _, out, _ = run(capsys, "top", "--min-level", "error", log_file)
    assert out == "payment gateway timeout  2\nconnection lost          1\n"


def test_min_level_critical_shows_only_critical(capsys, log_file):
    _, out, _ = run(capsys, "count", "--min-level", "critical", log_file)
    assert out == "CRITICAL  1\n"


def test_missing_file_exits_with_status_2(capsys, tmp_path):
    status, out, err = run(capsys, "count", str(tmp_path / "nope.log"))
    assert status == 2
    assert out == ""
    assert err.startswith("logstat: cannot read ")


def test_unknown_level_is_a_usage_error(capsys, log_file):
    with pytest.raises(SystemExit) as excinfo:
        main(["count", "--min-level", "loud", log_file])
    assert excinfo.value.code == 2
    assert "unknown level 'loud'" in capsys.readouterr().err
