import pytest

from buildorder import StepGraph, parse_steps


def test_dependencies_and_dependents():
    graph = StepGraph.from_mapping({"compile": ["fetch"], "docs": ["fetch"]})
    assert graph.dependencies("compile") == {"fetch"}
    assert graph.dependents("fetch") == {"compile", "docs"}
    assert graph.steps == {"compile", "docs", "fetch"}


def test_needed_for_follows_dependencies_transitively():
    graph = StepGraph.from_mapping({"c": ["b"], "b": ["a"], "x": ["a"]})
    assert graph.needed_for("c") == {"a", "b", "c"}


def test_a_step_cannot_depend_on_itself():
    with pytest.raises(ValueError):
        StepGraph().add("build", ["build"])


def test_parse_keeps_dependency_order_and_skips_comments():
    text = "# steps\n\npackage: compile docs  # both\ncompile:\n"
    assert parse_steps(text) == {"package": ["compile", "docs"], "compile": []}


def test_parse_rejects_a_step_defined_twice():
    with pytest.raises(ValueError, match="line 2"):
        parse_steps("a:\na: b\n")
