"""The order candidates are tried in: seeded, and balanced across operators."""

from fixloop.tasks.synthesis.mutants import Mutant
from fixloop.tasks.synthesis.operators import Site
from fixloop.tasks.synthesis.sampling import MutantSampler


def fake_mutants(counts: dict[str, int]) -> list[Mutant]:
    site = Site(line=1, edits=(), original="a", mutated="b")
    return [
        Mutant(operator, f"pkg/{operator}.py", site, f"# {operator} {number}\n")
        for operator, count in counts.items()
        for number in range(count)
    ]


def drain(sampler: MutantSampler, kept: bool = True) -> list[Mutant]:
    taken = []
    while (mutant := sampler.take()) is not None:
        sampler.settle(mutant, kept)
        taken.append(mutant)
    return taken


MUTANTS = fake_mutants({"swap-mapping": 3, "off-by-one": 6, "wrong-return": 4})


def test_operators_take_turns_in_operator_order():
    sampler = MutantSampler(MUTANTS, seed=0)
    first_round = [sampler.take() for _ in range(3)]
    assert [m.operator for m in first_round if m] == ["off-by-one", "wrong-return", "swap-mapping"]


def test_the_same_seed_gives_the_same_order():
    assert drain(MutantSampler(MUTANTS, seed=7)) == drain(MutantSampler(MUTANTS, seed=7))


def test_another_seed_gives_another_order():
    assert drain(MutantSampler(MUTANTS, seed=7)) != drain(MutantSampler(MUTANTS, seed=8))


def test_every_mutant_is_handed_out_once_then_none():
    sampler = MutantSampler(MUTANTS, seed=1)
    assert sorted(m.text for m in drain(sampler)) == sorted(m.text for m in MUTANTS)
    assert sampler.take() is None


def test_an_operator_whose_mutants_are_rejected_waits_less_than_a_productive_one():
    sampler = MutantSampler(fake_mutants({"off-by-one": 10, "wrong-return": 10}), seed=0)
    taken = []
    for _ in range(10):
        mutant = sampler.take()
        assert mutant is not None
        sampler.settle(mutant, kept=mutant.operator == "off-by-one")
        taken.append(mutant.operator)
    assert taken.count("wrong-return") > taken.count("off-by-one")
