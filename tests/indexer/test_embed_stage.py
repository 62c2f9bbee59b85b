"""The dense stage: progressive, cached by content, resumable after kill -9, repaired without re-embedding."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from codeassist.indexer import open_index
from codeassist.indexer.embedding_cache import decode_vectors
from codeassist.indexer.pipeline import VECTORS_NAME, index_repository
from codeassist.indexer.vectors import VectorIndex
from tests.indexer.conftest import open_vectors, write
from tests.indexer.hash_embedder import HashEmbedder

REPO_ROOT = Path(__file__).resolve().parents[2]


def make_repo(root: Path, files: int) -> None:
    for i in range(files):
        write(root, f"pkg/m{i}.py", "".join(
            f"def task_{i}_{j}(x):\n    '''Task {j} of module {i}.'''\n    return x + {i * 100 + j}\n\n\n"
            for j in range(5)))


def cached_count(index_dir: Path) -> int:
    if not (index_dir / "index.db").exists():
        return 0
    db = sqlite3.connect(index_dir / "index.db", timeout=5)
    try:
        return db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        db.close()


def test_second_run_and_renames_embed_nothing_new(tmp_path: Path) -> None:
    root, idx = tmp_path / "repo", tmp_path / "idx"
    make_repo(root, 4)
    first = HashEmbedder()
    report = index_repository(root, idx, embedder=first)
    assert report.embedded == report.chunks == len(first.embedded) == 20
    (root / "pkg" / "m0.py").rename(root / "pkg" / "renamed.py")
    again = HashEmbedder()
    report = index_repository(root, idx, embedder=again)
    assert again.embedded == [] and report.embedded == report.chunks  # the rename reused cached vectors
    with open_index(root, idx, embedder=again) as index:
        hit = index.search("task_0_3", k=1, mode="dense")
    assert hit.coverage.dense and len(hit) == 1


def test_deleted_faiss_file_is_rebuilt_from_the_cache(tmp_path: Path) -> None:
    root, idx = tmp_path / "repo", tmp_path / "idx"
    make_repo(root, 3)
    index_repository(root, idx, embedder=HashEmbedder())
    (idx / VECTORS_NAME).unlink()
    embedder = HashEmbedder()
    report = index_repository(root, idx, embedder=embedder)
    assert embedder.embedded == []
    assert len(open_vectors(idx, 16, "test:hash")) == report.chunks


def test_the_flat_vector_file_keeps_no_second_copy_and_search_reads_the_cache(tmp_path: Path) -> None:
    root, idx = tmp_path / "repo", tmp_path / "idx"
    make_repo(root, 6)
    report = index_repository(root, idx, embedder=HashEmbedder())
    header = VectorIndex.read_header(idx / VECTORS_NAME)
    assert header["vectors"] == "embedding-cache" and header["stored"] == 0 and header["count"] == 30
    assert (idx / VECTORS_NAME).stat().st_size < 1024  # header and an empty FAISS index: no vectors
    vectors = open_vectors(idx, 16, "test:hash")
    db = sqlite3.connect(idx / "index.db")
    cached = dict(db.execute("SELECT c.id, e.vector FROM chunks c JOIN embeddings e ON e.text_hash = c.text_hash"))
    db.close()
    assert len(vectors) == report.chunks == len(cached) == 30
    ids = sorted(cached)
    np.testing.assert_allclose(vectors.vectors(ids), decode_vectors([cached[i] for i in ids]), atol=1e-3)
    with open_index(root, idx, embedder=HashEmbedder()) as index:
        hits = index.search("task_2_4", k=3, mode="dense")
    assert hits.coverage.dense and hits[0].symbol == "task_2_4"


def test_model_change_reembeds_into_a_separate_index(tmp_path: Path) -> None:
    root, idx = tmp_path / "repo", tmp_path / "idx"
    make_repo(root, 2)
    index_repository(root, idx, embedder=HashEmbedder("test:a"))
    other = HashEmbedder("test:b")
    report = index_repository(root, idx, embedder=other)
    assert len(other.embedded) == report.chunks and report.embedding_model == "test:b"
    header = VectorIndex.read_header(idx / VECTORS_NAME)
    assert header["model_id"] == "test:b" and header["count"] == report.chunks
    back = HashEmbedder("test:a")
    index_repository(root, idx, embedder=back)
    assert back.embedded == []  # switching back is free: vectors of both models stay in the cache


@pytest.mark.slow
def test_kill_9_during_embedding_loses_at_most_the_batch_in_flight(tmp_path: Path) -> None:
    root, idx = tmp_path / "repo", tmp_path / "idx"
    make_repo(root, 120)  # 600 chunks, 10 batches of 64
    script = (
        "from codeassist.indexer.pipeline import index_repository\n"
        "from tests.indexer.hash_embedder import HashEmbedder\n"
        f"index_repository({str(root)!r}, {str(idx)!r}, embedder=HashEmbedder(delay=0.3))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and cached_count(idx) < 128:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = cached_count(idx)
    assert 128 <= done_before < 600

    resumed = HashEmbedder()
    report = index_repository(root, idx, embedder=resumed)
    assert len(resumed.embedded) == 600 - done_before  # nothing embedded twice
    assert report.embedded == report.chunks == 600
    assert len(open_vectors(idx, 16, "test:hash")) == 600


def test_an_open_index_sees_chunks_added_and_removed_by_a_later_run(tmp_path: Path) -> None:
    root, idx = tmp_path / "repo", tmp_path / "idx"
    make_repo(root, 3)
    index_repository(root, idx, embedder=HashEmbedder())
    with open_index(root, idx, embedder=HashEmbedder()) as index:
        assert index.search("task_1_2", k=1, mode="dense")[0].symbol == "task_1_2"
        (root / "pkg" / "m1.py").unlink()
        write(root, "pkg/extra.py", "def shipping_cost(weight):\n    return weight * 3\n")
        index_repository(root, idx, embedder=HashEmbedder())
        hits = index.search("shipping_cost", k=50, mode="dense")
        assert hits.coverage.dense and hits[0].symbol == "shipping_cost"
        assert not [h for h in hits if h.path == "pkg/m1.py"]  # the removed file's vectors are gone
        assert sorted(index._dense.index.ids().tolist()) == sorted(index._store.all_chunk_ids().tolist())
