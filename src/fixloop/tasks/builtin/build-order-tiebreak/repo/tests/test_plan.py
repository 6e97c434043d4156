import pytest

from buildorder import CycleError, build_plan, format_plan

PIPELINE = """\
# CI pipeline
fetch:
lint:
compile: fetch
docs: fetch          # API docs are generated from the sources
unit-tests: compile
bench: compile
package: compile docs
integration: package
release: integration unit-tests lint
"""


def test_full_plan_takes_ready_steps_alphabetically():
    assert build_plan(PIPELINE) == [
        "fetch",
        "compile",
        "bench",
        "docs",
        "lint",
        "package",
        "integration",
        "unit-tests",
        "release",
    ]


def test_release_plan_is_printed_in_a_stable_order():
    assert format_plan(build_plan(PIPELINE, target="release")) == (
        "1. fetch\n"
        "2. compile\n"
        "3. docs\n"
        "4. lint\n"
        "5. package\n"
        "6. integration\n"
        "7. unit-tests\n"
        "8. release\n"
    )


def test_target_plan_has_only_what_the_target_needs():
    assert build_plan(PIPELINE, target="package") == ["fetch", "compile", "docs", "package"]


def test_unknown_target_is_an_error():
    with pytest.raises(KeyError, match="deploy"):
        build_plan(PIPELINE, target="deploy")


def test_cycle_names_the_steps_involved():
    with pytest.raises(CycleError) as excinfo:
        build_plan("fetch:\na: fetch c\nb: a\nc: b\n")
    assert excinfo.value.steps == ["a", "b", "c"]


def test_long_plans_align_their_numbers():
    assert format_plan([f"s{n}" for n in range(10)]).splitlines()[0] == " 1. s0"
