"""Keep the FAISS file consistent with SQLite, repairing it from the embedding cache.

SQLite is the source of truth: chunk ids never repeat (AUTOINCREMENT), and every vector ever computed
is in the embedding cache keyed by (chunk body hash, model id). So whatever state a crash left the
FAISS file in (missing, truncated, stale, from another model), the right index can be rebuilt from the
cache without embedding anything again. The flat layout relies on it on every open: its file holds no
vectors (`VectorIndex.save(cache_backed=True)`), the cache is their only copy on disk.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from codeassist.indexer.store import Store
from codeassist.indexer.vectors import VectorIndex

log = logging.getLogger(__name__)


def load_or_new(path: Path, model_id: str, dimension: int) -> VectorIndex:
    if path.exists():
        try:
            return VectorIndex.load(path, dimension=dimension, model_id=model_id)
        except Exception as err:  # any damage means "rebuild from the cache"; say why in the log
            log.warning("Rebuilding %s from the embedding cache: %s", path, err)
    return VectorIndex(dimension, model_id)


def _cache_backed(path: Path) -> bool:
    try:
        return VectorIndex.read_header(path).get("vectors") == "embedding-cache"
    except Exception:  # missing or damaged: the caller loads (or rebuilds) it the usual way
        return False


def sync_vectors(store: Store, path: Path, model_id: str, dimension: int,
                 current: VectorIndex | None = None) -> VectorIndex:
    """The vector index for `model_id` holding exactly the chunks that have a cached vector.

    `current`: the index this process holds for the same database (same chunk ids). When the file is
    cache-backed (it holds no vectors), a copy of `current` (searches may still be using it) is brought
    up to date by the chunks added and removed since, instead of reading every vector of the cache
    again (an editor re-indexing one file must not pay for the whole index)."""
    if (current is not None and current.model_id == model_id and current.dimension == dimension
            and _cache_backed(path)):
        index = current.copy()
    else:
        index = load_or_new(path, model_id, dimension)
    chunk_ids = store.all_chunk_ids()
    have = index.ids()
    extra = np.setdiff1d(have, chunk_ids, assume_unique=True)
    if len(extra):
        index.remove(extra)
    missing = np.setdiff1d(chunk_ids, have, assume_unique=True)
    if len(missing):
        # An empty index (a flat one saved cache-backed, or a new one) reads the whole cache in one query.
        ids, vectors = store.cached_vectors(model_id, None if len(have) == 0 else missing.tolist())
        if len(ids):
            index.add(ids, vectors)
    return index
