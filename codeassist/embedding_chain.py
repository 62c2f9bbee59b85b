"""The ``[embeddings]`` fallback chain, for query embedding only: a search whose embeddings endpoint is
down asks the next endpoint of the chain for the query's vector. Indexing is not chained (every stored
vector comes from the section's own endpoint), so every fallback must serve the same model; a vector of
another size is treated as a failure. The vector is labelled with the primary's ``model_id``, which is
what the index was built with. Failed endpoints are skipped for their back-off (`codeassist.circuit_breaker`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from codeassist.circuit_breaker import CircuitBreaker, breaker_for
from codeassist.indexer.embedders import Embedder
from codeassist.indexer.errors import EmbeddingError


class QueryEmbedderChain(Embedder):
    """`embed_query` tries each (label, embedder) in order; `embed_documents` is the primary's alone."""

    def __init__(self, endpoints: list[tuple[str, Embedder, CircuitBreaker]], documents: Embedder) -> None:
        self._endpoints = endpoints
        self._primary = documents
        self.model_id = self._primary.model_id
        self.max_tokens = self._primary.max_tokens
        # label -> reason, for the endpoints passed over by the last query (for status/debugging).
        self.last_skipped: list[tuple[str, str]] = []

    @property
    def dimension(self) -> int:  # type: ignore[override]
        return self._primary.dimension

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._primary.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        skipped: list[tuple[str, str]] = []
        expected: int | None = None
        for label, embedder, breaker in self._endpoints:
            allowed, why = breaker.allow()
            if not allowed:
                skipped.append((label, why))
                continue
            try:
                vector = embedder.embed_query(text)
                expected = expected or _known_dimension(self._primary)
                if expected is not None and vector.shape != (expected,):
                    raise EmbeddingError(f"returned a vector of size {vector.shape[-1]}, not {expected}")
            except EmbeddingError as err:
                reason = str(err).split(". ")[0][:160]
                breaker.failure(reason)
                skipped.append((label, reason))
                continue
            breaker.success()
            self.last_skipped = skipped
            return vector
        self.last_skipped = skipped
        raise EmbeddingError("Every embeddings endpoint failed to embed the query: "
                             + "; ".join(f"{label}: {reason}" for label, reason in skipped)
                             + ". Search falls back to lexical results where it can; check them with codeassist doctor.")


def _known_dimension(embedder: Any) -> int | None:
    value = getattr(embedder, "_dimension", None)
    return value if isinstance(value, int) else None


def chained_query_embedder(documents: Embedder, queries: list[tuple[str, Embedder]],
                           backoff: float) -> QueryEmbedderChain:
    """Queries through `queries` (``(label, embedder)``, the section's own endpoint first, each with its
    process-wide breaker); documents through `documents` alone (the index's vectors)."""
    endpoints = [(label, embedder, breaker_for("embeddings", label, "", backoff)) for label, embedder in queries]
    return QueryEmbedderChain(endpoints, documents)
