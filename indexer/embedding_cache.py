"""The embedding cache half of the store: vectors keyed by (chunk text hash, model id), so a chunk body
seen once is never embedded again (renames, branch switches and re-chunking cost nothing), and the
pages of chunks the embed stage still has to put into FAISS."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Rows per page when the embed stage streams chunks out of the database.
EMBED_PAGE = 4096


@dataclass(frozen=True, slots=True)
class PendingChunk:
    """A chunk the embed stage still has to put into FAISS; `vector` is its cached vector, if any."""

    id: int
    text_hash: str
    path: str
    symbol: str
    kind: str
    text: str
    vector: bytes | None


class EmbeddingCacheMixin:
    """Methods of `Store` over the `embeddings` table (`self.db` is the store's connection)."""

    db: Any

    def transaction(self) -> Any:  # provided by Store
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
                        "SELECT c.id, c.text_hash, f.path, c.symbol, c.kind, c.text, e.vector FROM chunks c"
                        " JOIN files f ON f.id = c.file_id LEFT JOIN embeddings e"
                        " ON e.text_hash = c.text_hash AND e.model_id = ?"
                        f" WHERE c.id IN ({marks}) ORDER BY c.id",
                        (model_id, *piece),
                    ).fetchall()
                yield [PendingChunk(*row) for row in rows]

    def put_embeddings(self, model_id: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings(text_hash, model_id, vector) VALUES (?, ?, ?)",
                ((h, model_id, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items),
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
        vectors = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        return ids_arr, vectors

    def all_chunk_ids(self) -> np.ndarray:
        rows = self.db.execute("SELECT id FROM chunks").fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
