from depsolve import Registry, lock

REGISTRY = Registry(
    {
        "server": {"2.1.0": {"logging": "^1.2", "config": "~3.4"}},
        "logging": {"1.1.0": {}, "1.2.0": {}, "1.7.3": {}, "2.0.0": {}},
        "config": {"3.4.0": {}, "3.4.9": {}, "3.5.0": {}},
        "tool": {"0.6.0": {"yamlish": "^0.8.1", "logging": "^1"}},
        "yamlish": {"0.8.0": {}, "0.8.1": {}, "0.8.5": {}, "0.9.0": {}, "1.0.0": {}},
    }
)


def test_lock_file_lists_every_package_with_its_dependencies():
    assert lock(REGISTRY, {"server": "^2"}) == (
        "config 3.4.9\nlogging 1.7.3\nserver 2.1.0\n    config ~3.4\n    logging ^1.2\n"
    )


def test_lock_file_for_a_tool_with_zero_major_dependencies():
    assert lock(REGISTRY, {"tool": "^0.6"}) == (
        "logging 1.7.3\ntool 0.6.0\n    logging ^1\n    yamlish ^0.8.1\nyamlish 0.8.5\n"
    )
