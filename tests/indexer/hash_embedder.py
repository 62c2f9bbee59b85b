"""A deterministic stand-in embedder for pipeline tests: vectors from text hashes, calls counted.

It is a real `Embedder` (the pipeline cannot tell it from MiniLM) but costs nothing, so tests can count
exactly which texts were embedded. `delay` slows each batch so a test can kill a run mid-stage.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

import numpy as np

from codeassist.indexer.embedders import Embedder, l2_normalize


class HashEmbedder(Embedder):
    dimension = 16
    max_tokens = 256

    def __init__(self, model_id: str = "test:hash", delay: float = 0.0) -> None:
        self.model_id = model_id
        self.delay = delay
        self.embedded: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if self.delay:
            time.sleep(self.delay)
        self.embedded.extend(texts)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], dtype=np.uint8).astype(np.float32) + 1
                for t in texts]
        return l2_normalize(np.vstack(rows)) if rows else np.zeros((0, self.dimension), np.float32)
