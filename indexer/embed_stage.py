"""The embed stage: fill the embedding cache and FAISS with the chunks that lack a vector.

Runs after the chunk stage has committed every file, so lexical search already works. Each batch is
committed to the cache before it is added to FAISS; the FAISS file is saved atomically every few seconds
and at the end, so a killed run loses at most the batch in flight and never re-embeds a cached body.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codeassist.indexer.engines import LocalEngine
from codeassist.indexer.store import Store

# progress(stage, done, total): stages "discover", "chunk", "embed".
Progress = Callable[[str, int, int], None]

VECTORS_NAME = "vectors.faiss"
EMBED_BATCH = 64
SAVE_EVERY_SECONDS = 10.0


def embed_stage(store: Store, target: Path, embedder: Any, report: Any, tick: Progress,
                 engine: Any = None) -> None:
    """Stream the chunks FAISS lacks out of SQLite a page at a time (never all of them in memory):
    cached vectors go straight in, each distinct uncached body is embedded once. Within a page,
    bodies are sorted by length so batches pad little (the local model's cost grows with the longest
    text in a batch). The engine computes the batches (possibly on other machines); only this
    process writes SQLite and FAISS — both are single-writer files, and one writer keeps the
    crash-safety argument of the module docstring intact."""
    import numpy as np

    from codeassist.indexer.embedders import document_text, make_embedder
    from codeassist.indexer.vector_sync import sync_vectors

    engine = engine or LocalEngine()
    embedder = embedder or make_embedder("local")
    # A remote embedder's preprocessing (the secret redactor) sees the raw chunk: the embedding view
    # splits identifiers and drops punctuation, after which a secret no longer looks like one.
    # It is handed "path\nbody", so that a redactor that knows the repository sees the chunk's whole file
    # (a key block cut by the chunk boundary is still recognised); the path line is dropped again.
    preprocess = getattr(embedder, "preprocess", None)

    def prepare(path: str, text: str) -> str:
        if preprocess is None or not text:
            return text
        return preprocess(f"{path}\n{text}").partition("\n")[2]
    model_id = embedder.model_id
    report.embedding_model = model_id
    store.set_meta("embedding_model", model_id)
    store.set_meta("embedding_dimension", str(embedder.dimension))
    if not store.get_meta("database_id"):  # binds vectors.faiss to this database (see vector_sync)
        store.set_meta("database_id", uuid.uuid4().hex)
    vectors = sync_vectors(store, target / VECTORS_NAME, model_id, embedder.dimension)
    total = store.count_bodies_missing_embeddings(model_id)
    tick("embed", 0, total)
    last_save = time.monotonic()
    done = 0
    try:
        for page in store.pending_chunk_pages(model_id, vectors.ids()):
            ids: list[int] = []
            rows: list[Any] = []
            by_hash: dict[str, list[int]] = {}
            firsts: list[tuple[str, str]] = []
            for chunk in page:
                if chunk.vector is not None:
                    ids.append(chunk.id)
                    rows.append(chunk.vector)
                    continue
                if chunk.text_hash not in by_hash:
                    by_hash[chunk.text_hash] = []
                    firsts.append((chunk.text_hash, document_text(chunk.path, chunk.symbol, chunk.kind,
                                                                 prepare(chunk.path, chunk.text),
                                                                 prepare(chunk.path, chunk.header))))
                by_hash[chunk.text_hash].append(chunk.id)
            if ids:
                vectors.add(np.asarray(ids, dtype=np.int64), np.vstack(rows))
            firsts.sort(key=lambda item: len(item[1]))
            batches = [firsts[start : start + EMBED_BATCH] for start in range(0, len(firsts), EMBED_BATCH)]
            matrices = engine.map_embed(embedder, ([text for _, text in batch] for batch in batches))
            for batch, matrix in zip(batches, matrices, strict=True):
                store.put_embeddings(model_id, ((digest, matrix[i]) for i, (digest, _) in enumerate(batch)))
                ids, rows = [], []
                for i, (digest, _) in enumerate(batch):
                    for cid in by_hash[digest]:
                        ids.append(cid)
                        rows.append(matrix[i])
                vectors.add(np.asarray(ids, dtype=np.int64), np.vstack(rows))
                done += len(batch)
                report.newly_embedded += len(batch)
                tick("embed", done, total)
                if time.monotonic() - last_save > SAVE_EVERY_SECONDS:
                    vectors.save(target / VECTORS_NAME, cache_backed=True)
                    last_save = time.monotonic()
    finally:
        vectors.save(target / VECTORS_NAME, cache_backed=True)
        report.embedded = store.embedded_count(model_id)
