"""The semantic metric: cosine similarity of the output's and the expected answer's embeddings.

fixloop ships no embedding model (nothing is downloaded at run time); bring one that
satisfies `Embedder`, e.g. a wrapper around an embeddings endpoint you already use.
"""

from __future__ import annotations

import math
from typing import Protocol

from fixloop.scoring.errors import ScorerError


class Embedder(Protocol):
    """Turns texts into vectors: one vector per text, in order, all of the same length."""

    def embed(self, texts: list[str]) -> list[list[float]]:
        """The embedding of each text."""
        ...


def semantic_similarity(embedder: Embedder, output: str, expected: str) -> float:
    """The cosine similarity of the two texts' embeddings, with negative similarity counted as 0.

    Raises ScorerError when the embedder fails or returns something that is not two
    non-zero, finite vectors of one length.
    """
    try:
        vectors = embedder.embed([output, expected])
    except Exception as exc:  # any embedder, any failure: reported, never scored as 0
        raise ScorerError("semantic", f"the embedder failed: {type(exc).__name__}: {exc}") from exc
    if len(vectors) != 2:
        raise ScorerError("semantic", f"the embedder returned {len(vectors)} vectors for 2 texts")
    first, second = vectors
    if len(first) != len(second) or not first:
        raise ScorerError(
            "semantic", f"the embedder returned vectors of lengths {len(first)} and {len(second)}"
        )
    norms = math.sqrt(sum(x * x for x in first)) * math.sqrt(sum(y * y for y in second))
    if not math.isfinite(norms) or norms == 0.0:
        raise ScorerError("semantic", "the embedder returned a zero or non-finite vector")
    cosine = sum(x * y for x, y in zip(first, second, strict=True)) / norms
    return min(1.0, max(0.0, cosine))
