"""The embedding cache is bounded: vectors no chunk uses any more are kept for a while (a branch switched
back costs nothing), but not forever; the ones unused for longest go first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from codeassist.indexer import embedding_cache
from codeassist.indexer.pipeline import index_repository
from tests.indexer.conftest import write
from tests.indexer.hash_embedder import HashEmbedder


def write_generation(root: Path, generation: int) -> None:
    """4 files x 5 functions whose bodies all change from one generation to the next."""
    for i in range(4):
        write(root, f"pkg/m{i}.py", "".join(
            f"def task_{i}_{j}(x):\n    return x + {generation * 1000 + i * 10 + j}\n\n\n" for j in range(5)))


def cached(index_dir: Path) -> int:
    db = sqlite3.connect(index_dir / "index.db")
    try:
        return db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    finally:
        db.close()


def test_a_branch_switched_back_reuses_the_vectors_it_left(tmp_path: Path) -> None:
    root, idx = tmp_path / "repo", tmp_path / "idx"
    write_generation(root, 1)
    index_repository(root, idx, embedder=HashEmbedder())
    write_generation(root, 2)
    report = index_repository(root, idx, embedder=HashEmbedder())
    assert report.newly_embedded == 20 and report.embeddings_pruned == 0
    write_generation(root, 1)  # back to the first "branch"
    back = HashEmbedder()
    report = index_repository(root, idx, embedder=back)
    assert back.embedded == [] and report.embedded == report.chunks == 20


def test_unused_vectors_beyond_the_bound_go_longest_unused_first(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The bound is max(SPARE_VECTORS, distinct bodies in the index) = max(5, 20) = 20 unused vectors.
    monkeypatch.setattr(embedding_cache, "SPARE_VECTORS", 5)
    root, idx = tmp_path / "repo", tmp_path / "idx"
    for generation in (1, 2):
        write_generation(root, generation)
        assert index_repository(root, idx, embedder=HashEmbedder()).embeddings_pruned == 0
    write_generation(root, 3)
    report = index_repository(root, idx, embedder=HashEmbedder())
    assert report.embeddings_pruned == 20  # generation 1 (unused since the second run) is gone
    assert cached(idx) == 40 and report.embedded == report.chunks == 20
    write_generation(root, 2)  # the most recently left generation is still cached
    kept = HashEmbedder()
    index_repository(root, idx, embedder=kept)
    assert kept.embedded == []
    write_generation(root, 1)  # the oldest one was dropped: embedded again
    dropped = HashEmbedder()
    assert index_repository(root, idx, embedder=dropped).newly_embedded == 20


def test_vectors_in_use_are_never_pruned_whatever_the_bound(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding_cache, "SPARE_VECTORS", 0)
    root, idx = tmp_path / "repo", tmp_path / "idx"
    write_generation(root, 1)
    index_repository(root, idx, embedder=HashEmbedder())
    write(root, "pkg/m0.py", "def only():\n    return 1\n")  # 5 bodies fall out of use, 1 is new
    report = index_repository(root, idx, embedder=HashEmbedder())
    # 5 unused vectors against a bound of max(0, 16 bodies): all kept; every chunk still has its vector
    assert report.embeddings_pruned == 0 and report.embedded == report.chunks == 16
    for i in range(1, 4):
        (root / f"pkg/m{i}.py").unlink()  # 15 more fall out of use: 20 unused, bound max(0, 1) = 1
    again = HashEmbedder()
    report = index_repository(root, idx, embedder=again)
    assert report.embeddings_pruned == 19 and report.embedded == report.chunks == 1 and again.embedded == []
    assert cached(idx) == 2
