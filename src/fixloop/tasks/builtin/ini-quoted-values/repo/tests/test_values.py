from iniconf import get_bool, get_int, parse_ini


def test_get_bool_understands_yes_and_off():
    config = parse_ini("[feature]\nbeta = yes\nlegacy = off  # retired\n")
    assert get_bool(config, "feature", "beta") is True
    assert get_bool(config, "feature", "legacy") is False


def test_get_int_uses_fallback_for_missing_key():
    config = parse_ini("[db]\npool = 5\n")
    assert get_int(config, "db", "pool") == 5
    assert get_int(config, "db", "timeout", fallback=30) == 30
