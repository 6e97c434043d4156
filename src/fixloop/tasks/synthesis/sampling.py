"""The order mutants are tried in: a seeded shuffle per operator, with operators taking turns."""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Sequence

from fixloop.tasks.synthesis.mutants import Mutant
from fixloop.tasks.synthesis.operators import OPERATORS

MISS_WEIGHT = 0.25
"""How much a rejected candidate counts against its operator's turn, next to a kept one (1)."""


class MutantSampler:
    """Hands out mutants one at a time, balancing the kept tasks across operators.

    Each operator's mutants are shuffled with `random.Random(seed)`. The next mutant comes
    from the operator whose weight is lowest — tasks kept, plus candidates still being
    tried, plus `MISS_WEIGHT` per rejected one — ties going to the earlier operator in
    `OPERATORS`. So operators take turns, one that keeps producing tasks waits for the
    others, and one whose mutants the tests never catch slows down instead of eating the
    budget. The order depends only on the mutants, the seed and the reported outcomes.
    """

    def __init__(self, mutants: Sequence[Mutant], seed: int) -> None:
        rng = random.Random(seed)
        self._queues: dict[str, deque[Mutant]] = {}
        for name in OPERATORS:
            own = [mutant for mutant in mutants if mutant.operator == name]
            rng.shuffle(own)
            if own:
                self._queues[name] = deque(own)
        self._kept: Counter[str] = Counter()
        self._missed: Counter[str] = Counter()
        self._trying: Counter[str] = Counter()

    def take(self) -> Mutant | None:
        """The next mutant to try, or None when every mutant has been handed out."""
        live = [name for name, queue in self._queues.items() if queue]
        if not live:
            return None
        name = min(live, key=lambda n: self._kept[n] + self._trying[n] + MISS_WEIGHT * self._missed[n])
        self._trying[name] += 1
        return self._queues[name].popleft()

    def settle(self, mutant: Mutant, kept: bool) -> None:
        """Report what became of a mutant `take` handed out."""
        self._trying[mutant.operator] -= 1
        (self._kept if kept else self._missed)[mutant.operator] += 1

    def skip(self, mutant: Mutant) -> None:
        """Hand back a mutant `take` handed out that was not tried: it counts neither way."""
        self._trying[mutant.operator] -= 1
