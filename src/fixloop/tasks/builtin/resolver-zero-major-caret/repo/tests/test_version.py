import pytest

from depsolve import Version, parse_version


def test_versions_parse_and_compare_numerically():
    assert parse_version("1.10.0") > parse_version("1.9.7")
    assert str(parse_version("0.4.12")) == "0.4.12"
    for bad in ("1.2", "1.2.3.4", "01.2.3", "v1.2.3"):
        with pytest.raises(ValueError):
            parse_version(bad)


def test_bumps_reset_the_lower_parts():
    assert Version(1, 4, 2).bump_major() == Version(2, 0, 0)
    assert Version(0, 4, 2).bump_major() == Version(1, 0, 0)
    assert Version(0, 4, 2).bump_minor() == Version(0, 5, 0)
    assert Version(0, 0, 2).bump_patch() == Version(0, 0, 3)
