"""Fixtures for indexer tests: a small multi-language repository on disk."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def open_vectors(index_dir: Path, dimension: int, model_id: str):
    """The vector index a search of `index_dir` opens: the FAISS file, filled from the embedding cache
    (a flat index's file holds no vectors of its own: issue 13)."""
    from codeassist.indexer.store import Store
    from codeassist.indexer.vector_sync import sync_vectors

    store = Store(index_dir, create=False, readonly=True)
    try:
        return sync_vectors(store, index_dir / "vectors.faiss", model_id, dimension)
    finally:
        store.close()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "app/http.py", '''
        # Parse one HTTP header line into a (name, value) pair.
        def parseHTTPHeader(line):
            """Split on the first colon."""
            name, _, value = line.partition(":")
            return name.strip().lower(), value.strip()


        class RetryPolicy:
            """How often to retry a failed request."""

            attempts = 3

            def backoff(self, attempt):
                return min(30, 2 ** attempt)
        ''')
    write(root, "app/db.go", '''
        package db

        // Open connects to the database with a connection pool.
        func Open(dsn string) (*Pool, error) {
            return newPool(dsn, 10)
        }
        ''')
    write(root, "README.md", "# Demo\n\nA tiny repository for tests.\n")
    return root


