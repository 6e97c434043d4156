from buildorder import StepGraph, topological_order


def test_every_step_comes_after_its_dependencies():
    graph = StepGraph.from_mapping(
        {"e": ["d", "b"], "d": ["c"], "c": ["a"], "b": ["a"], "f": [], "g": ["f", "e"]}
    )
    order = topological_order(graph)
    assert sorted(order) == ["a", "b", "c", "d", "e", "f", "g"]
    for step in order:
        assert all(order.index(dep) < order.index(step) for dep in graph.dependencies(step))
