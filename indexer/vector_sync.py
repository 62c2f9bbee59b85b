"""Keep the FAISS file consistent with SQLite, repairing it from the embedding cache.

SQLite is the source of truth: chunk ids never repeat (AUTOINCREMENT), and every vector ever computed
is in the embedding cache keyed by (chunk body hash, model id). So whatever state a crash left the
FAISS file in (missing, truncated, stale, from another model), the right index can be rebuilt from the
cache without embedding anything again. The flat layout relies on it on every open: its file holds no
vectors (`VectorIndex.save(cache_backed=True)`), the cache is their only copy on disk.

Chunk ids never repeat within ONE database: a new index.db (the old one deleted, the folder removed
during a run while the FAISS file was saved again) numbers its chunks from 1 again, and the vectors of
an old file would silently answer for other chunks. So each database gets a random ``database_id``
(meta, set by the index run) that the FAISS file records in its header; a file recording another one,
or none while the database has one, is rebuilt from the cache.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from codeassist.indexer.store import Store
from codeassist.indexer.vectors import VectorIndex

log = logging.getLogger(__name__)


def load_or_new(path: Path, model_id: str, dimension: int, database_id: str = "") -> VectorIndex:
    """The saved index at `path`, or an empty one when it is missing, damaged, made by another model or,
    with `database_id`, saved for another database (see the module docstring)."""
    if path.exists():
        try:
            index = VectorIndex.load(path, dimension=dimension, model_id=model_id)
            saved_for = VectorIndex.read_header(path).get("database_id", "")
            if not database_id or saved_for == database_id:
                index.database_id = database_id
                return index
            log.warning("Rebuilding %s from the embedding cache: it was saved for another database (%r, this "
                        "one is %r)", path, saved_for, database_id)
        except Exception as err:  # any damage means "rebuild from the cache"; say why in the log
            log.warning("Rebuilding %s from the embedding cache: %s", path, err)
    index = VectorIndex(dimension, model_id)
    index.database_id = database_id
    return index


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
    database_id = store.get_meta("database_id") or ""
    if (current is not None and current.model_id == model_id and current.dimension == dimension
            and current.database_id == database_id and _cache_backed(path)):
        index = current.copy()
        index.database_id = database_id
    else:
        index = load_or_new(path, model_id, dimension, database_id)
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
