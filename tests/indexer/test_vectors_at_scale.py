"""The at-scale vector layout (IVF with 8-bit codes): switching to it, recall, removal, save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from codeassist.indexer.vectors import VectorIndex

DIM = 32


def clustered(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(40, DIM))
    x = centers[rng.integers(0, 40, n)] + rng.normal(scale=0.4, size=(n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top(data: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> set[int]:
    return set(ids[np.argsort(-(data @ query))[:k]].tolist())


def test_grows_into_ivf_keeps_recall_and_survives_save_load(tmp_path: Path) -> None:
    data = clustered(4000)
    ids = np.arange(10, 4010, dtype=np.int64)
    index = VectorIndex(DIM, "m", hnsw_threshold=1000, ivf_threshold=3000, nprobe=8)
    kinds = []
    for start in range(0, 4000, 500):
        index.add(ids[start : start + 500], data[start : start + 500])
        kinds.append(index.kind)
    assert kinds[0] == "flat" and "hnsw" in kinds and kinds[-1] == "ivf" and len(index) == 4000
    queries = clustered(50, seed=1)
    recall = np.mean([len(set(index.search(q, 10)[1].tolist()) & exact_top(data, ids, q, 10)) / 10
                      for q in queries])
    assert recall >= 0.95
    np.testing.assert_allclose(index.vectors([ids[5]])[0], data[5], atol=0.02)  # 8-bit codes

    index.remove(ids[:100])  # tombstones: never returned again
    hit_ids = set()
    for q in data[:100]:
        hit_ids |= set(index.search(q, 10)[1].tolist())
    assert not hit_ids & set(ids[:100].tolist()) and len(index) == 3900
    only = index.search(data[300], 5, allowed=ids[290:320])[1]
    assert set(only.tolist()) <= set(ids[290:320].tolist()) and ids[300] in only

    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", dimension=DIM, model_id="m", hnsw_threshold=1000,
                              ivf_threshold=3000)
    assert loaded.kind == "ivf" and len(loaded) == 3900 and loaded.nprobe == 8
    assert np.array_equal(loaded.search(queries[0], 10)[1], index.search(queries[0], 10)[1])

    loaded.remove(ids[100:2600])  # below half the threshold: back to hnsw, tombstones dropped
    assert loaded.kind == "hnsw" and len(loaded) == 1400
    assert loaded.search(data[3000], 1)[1][0] == ids[3000]
