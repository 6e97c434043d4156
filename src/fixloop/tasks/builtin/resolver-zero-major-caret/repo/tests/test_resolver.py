import pytest

from depsolve import Registry, ResolutionError, Version, resolve


def test_newest_allowed_versions_are_chosen():
    registry = Registry(
        {
            "web": {"1.2.0": {"router": "^2.1"}, "1.3.0": {"router": "^2.3"}, "2.0.0": {}},
            "router": {"2.0.0": {}, "2.3.1": {}, "2.9.0": {}, "3.0.0": {}},
        }
    )
    assert resolve(registry, {"web": "^1.2"}) == {
        "router": Version(2, 9, 0),
        "web": Version(1, 3, 0),
    }


def test_backtracks_past_a_release_whose_dependencies_conflict():
    registry = Registry(
        {
            "app": {"1.0.0": {"db": "^3.0", "orm": ">=1.0"}},
            "db": {"3.0.0": {}, "3.5.0": {}, "4.0.0": {}},
            "orm": {"1.0.0": {"db": "~3.0"}, "1.1.0": {"db": "^4.0"}},
        }
    )
    assert resolve(registry, {"app": "*"}) == {
        "app": Version(1, 0, 0),
        "db": Version(3, 0, 0),
        "orm": Version(1, 0, 0),
    }


def test_unsatisfiable_constraints_are_reported():
    registry = Registry(
        {
            "app": {"1.0.0": {"db": "^3.0", "cache": "*"}},
            "cache": {"1.0.0": {"db": ">=4.1"}},
            "db": {"3.2.0": {}, "4.1.0": {}},
        }
    )
    with pytest.raises(ResolutionError, match="db"):
        resolve(registry, {"app": "*"})


def test_caret_on_a_bare_zero_accepts_any_zero_release():
    registry = Registry({"proto": {"0.1.0": {}, "0.9.1": {}, "1.0.0": {}}})
    assert resolve(registry, {"proto": "^0"}) == {"proto": Version(0, 9, 1)}


def test_caret_on_a_zero_major_stays_within_the_minor_series():
    registry = Registry(
        {
            "cli": {"1.0.0": {"termcolor": "^0.2.1", "argkit": "^0.4"}},
            "termcolor": {"0.1.9": {}, "0.2.1": {}, "0.2.4": {}, "0.3.0": {}, "1.0.0": {}},
            "argkit": {"0.3.5": {}, "0.4.0": {}, "0.4.6": {}, "0.5.0": {}},
        }
    )
    assert resolve(registry, {"cli": "^1.0"}) == {
        "argkit": Version(0, 4, 6),
        "cli": Version(1, 0, 0),
        "termcolor": Version(0, 2, 4),
    }


def test_caret_on_a_zero_zero_version_pins_the_patch_release():
    registry = Registry({"shim": {"0.0.3": {}, "0.0.4": {}, "0.1.0": {}}})
    assert resolve(registry, {"shim": "^0.0.3"}) == {"shim": Version(0, 0, 3)}
    assert resolve(registry, {"shim": "^0.0"}) == {"shim": Version(0, 0, 4)}


def test_incompatible_zero_major_requirements_conflict():
    registry = Registry(
        {
            "app": {"1.0.0": {"parser": "^0.2", "plugin": "*"}},
            "plugin": {"1.0.0": {"parser": "^0.3"}},
            "parser": {"0.2.0": {}, "0.2.8": {}, "0.3.0": {}, "0.3.2": {}},
        }
    )
    with pytest.raises(ResolutionError, match="parser"):
        resolve(registry, {"app": "*"})
