"""An index written by the previous schema (user_version 2: float32 embedding cache, unstemmed FTS, no
fragment headers) opens with the new code: migrated in place, searchable, and nothing re-embedded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from codeassist.indexer import open_index
from codeassist.indexer.chunk_text import unpack_text
from codeassist.indexer.embedding_cache import decode_vector
from codeassist.indexer.lexical import code_terms
from codeassist.indexer.pipeline import index_repository
from codeassist.indexer.store_schema import MIGRATIONS
from tests.indexer.hash_embedder import HashEmbedder


def make_old_index(repo: Path, index_dir: Path) -> dict[str, np.ndarray]:
    """Index `repo`, then rewrite the database the way schema 2 stored it; returns the vectors by hash."""
    index_repository(repo, index_dir, embedder=HashEmbedder())
    db = sqlite3.connect(index_dir / "index.db")
    vectors = {h: decode_vector(v) for h, v in db.execute("SELECT text_hash, vector FROM embeddings")}
    db.executemany("UPDATE embeddings SET vector = ? WHERE text_hash = ?",
                   [(v.astype(np.float32).tobytes(), h) for h, v in vectors.items()])
    db.execute("ALTER TABLE chunks DROP COLUMN header")
    db.execute("ALTER TABLE embeddings DROP COLUMN orphaned_at")  # migration 8
    db.create_function("chunk_text", 1, unpack_text)
    db.execute("UPDATE chunks SET text = chunk_text(text)")  # plain text before migration 7
    # The symbol graph and the skipped-files table came after schema 2 too.
    for table in ("definitions", "imports", "symbol_refs", "symbol_names", "symbol_files", "skipped_files"):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    # Schema 2's FTS rows: raw words plus camelCase parts, no stemming.
    db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('delete-all')")
    rows = db.execute("SELECT c.id, c.symbol, f.path, c.text FROM chunks c JOIN files f ON f.id = c.file_id")
    db.executemany("INSERT INTO chunks_fts(rowid, symbol, path, body) VALUES (?, ?, ?, ?)",
                   [(cid, f"{sym} {code_terms(sym)}", f"{path} {code_terms(path)}", f"{text}\n{code_terms(text)}")
                    for cid, sym, path, text in rows.fetchall()])
    db.execute("UPDATE meta SET value = '1' WHERE key = 'fts_version'")
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    return vectors


def test_an_index_of_the_previous_schema_is_migrated_without_re_embedding(repo: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    before = make_old_index(repo, index_dir)
    embedder = HashEmbedder()
    with open_index(repo, index_dir, embedder=embedder) as index:
        hits = index.search("retries", k=3, mode="lexical")  # "retry" in the code: needs the stemmed FTS
        assert hits and all(h.symbol.startswith("RetryPolicy") for h in hits[:2])
        assert index.search("parseHTTPHeader", k=1)[0].symbol == "parseHTTPHeader"
        assert index.status()["embedded"] == index.status()["chunks"]
    db = sqlite3.connect(index_dir / "index.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    after = {h: decode_vector(v) for h, v in db.execute("SELECT text_hash, vector FROM embeddings")}
    db.close()
    assert after.keys() == before.keys()
    assert min(float(before[h] @ after[h]) / float(np.linalg.norm(before[h]) * np.linalg.norm(after[h]))
               for h in before) > 0.999
    reindexer = HashEmbedder()
    report = index_repository(repo, index_dir, embedder=reindexer)
    assert reindexer.embedded == [] and report.newly_embedded == 0
