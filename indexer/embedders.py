"""The embedder interface, the text embedded for a chunk, and the provider factory.

An embedder turns texts into float32 rows of unit length. Its ``model_id`` is stored with every
vector it makes, so a change of model (or of endpoint serving "the same" model name) re-embeds
instead of mixing vectors of two models in one index. Providers live in their own modules and are
imported lazily: the local one needs numpy + tokenizers + safetensors, the remote one ``openai``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from codeassist.indexer.errors import CodeassistError

PROVIDERS = ("local", "openai")


class Embedder(ABC):
    """Texts in, L2-normalized float32 rows out (one row per text, in order)."""

    model_id: str  # e.g. "local:all-MiniLM-L6-v2" or "openai:<host>/<model>"; stored with every vector
    dimension: int
    max_tokens: int  # longer texts are truncated by the model (local: 128 word pieces)

    @abstractmethod
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension); each row has unit L2 norm."""

    def embed_query(self, text: str) -> np.ndarray:
        """float32 vector (dimension,). Models wanting a query prefix override this."""
        return self.embed_documents([text])[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_id!r}, dimension={self.dimension})"


def document_text(path: str, symbol: str, kind: str, text: str, header: str = "") -> str:
    """What is embedded for a chunk: its path and symbol as words, the signature `header` of a split
    symbol's fragment, then the chunk's words (see `embedding_view`). Names come first so that
    truncation (128 word pieces locally) cuts the body, never the names."""
    from codeassist.indexer.embedding_view import document_view

    return document_view(path, symbol, kind, text, header)


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), float32, in place when possible."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    vectors /= norms
    return vectors


def make_embedder(
    provider: str = "local",
    *,
    model_path: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    timeout: float = 30.0,
    dimension: int | None = None,
    batch_size: int | None = None,
    max_retries: int = 5,
    **options: Any,
) -> Embedder:
    """Build the configured embedder.

    ``local``: all-MiniLM-L6-v2 run with numpy; ``model_path`` overrides where its files are
    (see ``model_weights``). ``openai``: any OpenAI-compatible ``/v1/embeddings`` endpoint.
    """
    if provider == "local":
        from codeassist.indexer.minilm import MiniLMEmbedder
        from codeassist.indexer.model_weights import find_model_dir

        kwargs: dict[str, Any] = dict(options)
        if batch_size:
            kwargs["batch_size"] = batch_size
        return MiniLMEmbedder(find_model_dir(model_path), **kwargs)
    if provider == "openai":
        from codeassist.indexer.openai_embedder import OpenAIEmbedder

        if not model:
            raise CodeassistError(
                "The openai embeddings provider needs a model name. Set embeddings.model in the config "
                "(e.g. text-embedding-3-small, or nomic-embed-text for Ollama)."
            )
        kwargs = dict(options)
        if batch_size:
            kwargs["batch_size"] = batch_size
        return OpenAIEmbedder(
            model=model,
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            dimension=dimension,
            max_retries=max_retries,
            **kwargs,
        )
    raise CodeassistError(
        f"Unknown embeddings provider {provider!r}. Use one of: {', '.join(PROVIDERS)}."
    )
