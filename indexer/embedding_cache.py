"""The embedding cache half of the store: vectors keyed by (chunk text hash, model id), so a chunk body
seen once is never embedded again (renames, branch switches and re-chunking cost nothing), and the
pages of chunks the embed stage still has to put into FAISS.

Vectors are stored as 8-bit integers with one float32 scale per vector (``max|x| / 127``): 388 bytes
for 384 dimensions instead of 1,536 in float32. For unit vectors the error per component is at most
``max|x| / 254`` (~1e-3), far below what changes a ranking; bench/retrieval.py measures the recall cost
by rebuilding FAISS from the cache ("int8-cache"). Callers get float32 rows (`decode_vector`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Rows per page when the embed stage streams chunks out of the database.
EMBED_PAGE = 4096
# Cached vectors that no chunk uses (bodies of deleted files, old versions, other branches) kept at most:
# this many, or as many as the index has distinct bodies if that is more. 20,000 int8 vectors are ~8 MB.
SPARE_VECTORS = 20_000
# Pruning scans the whole cache (~0.7 s at 100k chunks), so a run only prunes once the chunks it and
# the runs before it wrote or deleted since the last prune reach this share of the index.
PRUNE_CHURN_SHARE = 0.1
_SCALE = np.dtype("<f4")


def encode_vector(vector: np.ndarray) -> bytes:
    """A float vector as the cache stores it: a float32 scale, then one int8 per dimension."""
    vector = np.asarray(vector, dtype=np.float32)
    peak = float(np.abs(vector).max()) if vector.size else 0.0
    scale = peak / 127.0 if peak > 0 else 1.0
    codes = np.clip(np.rint(vector / scale), -127, 127).astype(np.int8)
    return np.asarray([scale], dtype=_SCALE).tobytes() + codes.tobytes()


def decode_vector(blob: bytes) -> np.ndarray:
    """The float32 vector of a cached blob (see `encode_vector`)."""
    scale = np.frombuffer(blob, dtype=_SCALE, count=1)[0]
    return np.frombuffer(blob, dtype=np.int8, offset=_SCALE.itemsize).astype(np.float32) * scale


def decode_vectors(blobs: Sequence[bytes]) -> np.ndarray:
    """The float32 rows (n, d) of n cached blobs of one dimension, decoded at once (a vector index of
    50k chunks is read back from the cache on open: one pass of numpy, not 50k small ones)."""
    width = len(blobs[0]) if blobs else 0
    if any(len(blob) != width for blob in blobs):
        raise ValueError("cached vectors of different dimensions cannot form one matrix")
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), width)
    scales = raw[:, : _SCALE.itemsize].copy().view(_SCALE)
    return raw[:, _SCALE.itemsize :].view(np.int8).astype(np.float32) * scales


def int8_from_fp32_blob(blob: bytes | None) -> bytes | None:
    """SQL function for migration 3: a float32 blob (the cache's format before it) re-encoded."""
    return None if blob is None else encode_vector(np.frombuffer(blob, dtype=np.float32))


@dataclass(frozen=True, slots=True)
class PendingChunk:
    """A chunk the embed stage still has to put into FAISS; `vector` is its cached vector, if any."""

    id: int
    text_hash: str
    path: str
    symbol: str
    kind: str
    text: str
    vector: np.ndarray | None  # float32, decoded from the cache
    header: str = ""  # the signature of the definition this chunk is a fragment of


class EmbeddingCacheMixin:
    """Methods of `Store` over the `embeddings` table (`self.db` is the store's connection)."""

    db: Any

    def transaction(self) -> Any:  # provided by Store
        raise NotImplementedError

    def get_meta(self, key: str, default: str | None = None) -> str | None:  # provided by Store
        raise NotImplementedError

    def set_meta(self, key: str, value: str) -> None:  # provided by Store
        raise NotImplementedError

    def embedded_count(self, model_id: str) -> int:
        return self.db.execute(
            "SELECT count(*) FROM chunks c WHERE EXISTS"
            " (SELECT 1 FROM embeddings e WHERE e.text_hash = c.text_hash AND e.model_id = ?)",
            (model_id,),
        ).fetchone()[0]

    def count_bodies_missing_embeddings(self, model_id: str) -> int:
        """Distinct chunk bodies with no cached vector for model_id (the embed stage's total)."""
        return self.db.execute(
            "SELECT count(DISTINCT c.text_hash) FROM chunks c WHERE NOT EXISTS"
            " (SELECT 1 FROM embeddings e WHERE e.text_hash = c.text_hash AND e.model_id = ?)",
            (model_id,),
        ).fetchone()[0]

    def pending_chunk_pages(self, model_id: str, present: np.ndarray,
                            page: int | None = None) -> Iterator[list[PendingChunk]]:
        """Pages of the chunks not in `present` (the sorted ids already in FAISS), in id order,
        each with its cached vector when there is one. Keyset pagination over chunk ids: at most one
        page of texts is in memory, and a vector cached while an earlier page was embedded is seen
        by the later pages (so a body is embedded once even when its copies span pages)."""
        page = page or EMBED_PAGE
        last = 0
        while True:
            ids = np.fromiter((r[0] for r in self.db.execute(
                "SELECT id FROM chunks WHERE id > ? ORDER BY id LIMIT ?", (last, page * 4))), dtype=np.int64)
            if len(ids) == 0:
                return
            last = int(ids[-1])
            todo = ids[~np.isin(ids, present, assume_unique=True)] if len(present) else ids
            for start in range(0, len(todo), page):
                part = todo[start : start + page].tolist()
                rows = []
                for sub in range(0, len(part), 500):
                    piece = part[sub : sub + 500]
                    marks = ",".join("?" * len(piece))
                    rows += self.db.execute(
                        "SELECT c.id, c.text_hash, f.path, c.symbol, c.kind, chunk_text(c.text), e.vector, c.header FROM chunks c"
                        " JOIN files f ON f.id = c.file_id LEFT JOIN embeddings e"
                        " ON e.text_hash = c.text_hash AND e.model_id = ?"
                        f" WHERE c.id IN ({marks}) ORDER BY c.id",
                        (model_id, *piece),
                    ).fetchall()
                yield [PendingChunk(*row[:6], None if row[6] is None else decode_vector(row[6]), row[7])
                       for row in rows]

    def put_embeddings(self, model_id: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings(text_hash, model_id, vector) VALUES (?, ?, ?)",
                ((h, model_id, encode_vector(v)) for h, v in items),
            )

    def cached_vectors(self, model_id: str, chunk_ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of chunks (all, or the given ones) that have a cached vector for model_id."""
        sql = (
            "SELECT c.id, e.vector FROM chunks c JOIN embeddings e"
            " ON e.text_hash = c.text_hash AND e.model_id = ?"
        )
        rows: list[tuple[int, bytes]] = []
        if chunk_ids is None:
            rows = self.db.execute(sql, (model_id,)).fetchall()
        else:
            ids = list(chunk_ids)
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                rows += self.db.execute(sql + f" WHERE c.id IN ({marks})", (model_id, *part)).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids_arr = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids_arr, decode_vectors([r[1] for r in rows])

    def prune_embeddings_if_due(self, churn: int, chunks: int) -> int:
        """Count `churn` (chunks a run wrote or deleted) and prune (`prune_embeddings`) once the churn since
        the last prune reaches PRUNE_CHURN_SHARE of the index's `chunks`; returns how many vectors were
        deleted. So unused vectors stay under the bound plus a tenth of the index between prunes."""
        if churn <= 0:
            return 0
        total = int(self.get_meta("embedding_cache_churn", "0") or 0) + churn
        if total < max(1, int(chunks * PRUNE_CHURN_SHARE)):
            self.set_meta("embedding_cache_churn", str(total))
            return 0
        deleted = self.prune_embeddings()
        self.set_meta("embedding_cache_churn", "0")
        return deleted

    def prune_embeddings(self) -> int:
        """Bound the cache: keep every vector a chunk uses (any model) and at most max(SPARE_VECTORS, distinct
        bodies in the index) of the others, dropping those unused for longest first. Returns how many
        vectors were deleted.

        A vector stays while it may come back: switching back to a branch, undoing an edit or reverting a
        file re-uses it at no cost. Without a bound the cache grows with every edit ever indexed. The time a
        vector was first seen unused is kept in `orphaned_at` (NULL while a chunk uses it); it is cleared
        when a chunk uses the body again."""
        with self.transaction():
            self.db.execute(
                "UPDATE embeddings SET orphaned_at = NULL WHERE orphaned_at IS NOT NULL"
                " AND text_hash IN (SELECT text_hash FROM chunks)")
            self.db.execute(
                "UPDATE embeddings SET orphaned_at = ? WHERE orphaned_at IS NULL"
                " AND text_hash NOT IN (SELECT text_hash FROM chunks)", (time.time(),))
            unused = self.db.execute("SELECT count(*) FROM embeddings WHERE orphaned_at IS NOT NULL").fetchone()[0]
            bodies = self.db.execute("SELECT count(DISTINCT text_hash) FROM chunks").fetchone()[0]
            excess = unused - max(SPARE_VECTORS, bodies)
            if excess <= 0:
                return 0
            self.db.execute(
                "DELETE FROM embeddings WHERE (text_hash, model_id) IN (SELECT text_hash, model_id FROM embeddings"
                " WHERE orphaned_at IS NOT NULL ORDER BY orphaned_at, text_hash LIMIT ?)", (excess,))
            return excess

    def all_chunk_ids(self) -> np.ndarray:
        rows = self.db.execute("SELECT id FROM chunks").fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
