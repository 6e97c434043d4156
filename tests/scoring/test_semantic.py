"""The semantic metric: cosine of the embedder's vectors, and embedder failures as scorer errors."""

from __future__ import annotations

import math

import pytest

from fixloop.scoring.errors import ScorerError
from fixloop.scoring.semantic import semantic_similarity


class TableEmbedder:
    """Embeds each text by looking it up in a table."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self.table[text] for text in texts]


def test_semantic_is_the_cosine_of_the_two_embeddings():
    embedder = TableEmbedder({"out": [1.0, 1.0], "exp": [1.0, 0.0]})
    assert semantic_similarity(embedder, "out", "exp") == pytest.approx(1 / math.sqrt(2))


def test_semantic_counts_opposite_meanings_as_zero():
    embedder = TableEmbedder({"out": [-1.0, 0.0], "exp": [1.0, 0.0]})
    assert semantic_similarity(embedder, "out", "exp") == 0.0


def test_a_failing_embedder_is_a_scorer_error():
    with pytest.raises(ScorerError, match="semantic: the embedder failed: KeyError"):
        semantic_similarity(TableEmbedder({}), "out", "exp")


@pytest.mark.parametrize(
    "table",
    [
        {"out": [1.0, 0.0], "exp": [1.0]},
        {"out": [0.0, 0.0], "exp": [1.0, 0.0]},
        {"out": [], "exp": []},
    ],
)
def test_vectors_that_cannot_be_compared_are_a_scorer_error(table):
    with pytest.raises(ScorerError, match="semantic"):
        semantic_similarity(TableEmbedder(table), "out", "exp")


def test_an_embedder_returning_the_wrong_number_of_vectors_is_a_scorer_error():
    class OneVector:
        def embed(self, texts: list[str]) -> list[list[float]]:
            return [[1.0]]

    with pytest.raises(ScorerError, match="1 vectors for 2 texts"):
        semantic_similarity(OneVector(), "out", "exp")
