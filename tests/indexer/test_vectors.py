"""The FAISS store: what search returns after adds, removals and replacements, in both layouts,
and what happens to the file on disk (round trip, truncation, another model, no pickle)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import faiss
import numpy as np
import pytest

from codeassist.indexer import vector_file
from codeassist.indexer import vectors as vectors_module
from codeassist.indexer.errors import IndexStorageError
from codeassist.indexer.vectors import MAGIC, VectorIndex, VectorIndexUnusable

DIM = 32
MODEL = "local:all-MiniLM-L6-v2"


def unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return unit(np.random.default_rng(7).standard_normal((400, DIM)))


IDS = np.arange(400, dtype=np.int64) * 10 + 5  # chunk ids are not positions


@pytest.fixture(params=["flat", "hnsw"])
def index(request: pytest.FixtureRequest, data: np.ndarray) -> VectorIndex:
    threshold = 10**9 if request.param == "flat" else 100
    ix = VectorIndex(DIM, MODEL, hnsw_threshold=threshold)
    ix.add(IDS, data)
    assert ix.kind == request.param
    return ix


def brute_force(data: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(data @ query), kind="stable")[:k]]


def test_search_finds_nearest_best_first(index: VectorIndex, data: np.ndarray) -> None:
    scores, ids = index.search(data[17], 5)
    assert ids[0] == IDS[17] and scores[0] == pytest.approx(1.0, abs=1e-3)  # flat stores float16
    assert list(ids) == list(brute_force(data, IDS, data[17], 5))
    assert np.all(np.diff(scores) <= 1e-6) and scores.dtype == np.float32 and ids.dtype == np.int64
    assert len(index) == 400 and list(index.ids()) == list(IDS)


def test_k_edge_cases(index: VectorIndex, data: np.ndarray) -> None:
    for k in (0, -3):
        scores, ids = index.search(data[0], k)
        assert scores.shape == ids.shape == (0,)
    scores, ids = index.search(data[0], 10_000)  # more than stored: everything, once
    assert len(ids) == 400 and len(set(ids.tolist())) == 400
    assert index.search(data[0].reshape(1, DIM), 1)[1][0] == IDS[0]  # (1, d) works too
    empty = VectorIndex(DIM, MODEL)
    assert empty.search(data[0], 5)[1].shape == (0,)


def test_remove_hides_ids(index: VectorIndex, data: np.ndarray) -> None:
    index.remove([IDS[17], IDS[18], 999_999])  # unknown ids are ignored
    _, ids = index.search(data[17], 10)
    assert IDS[17] not in ids and IDS[18] not in ids
    assert list(ids) == [i for i in brute_force(data, IDS, data[17], 12) if i not in (IDS[17], IDS[18])][:10]
    assert len(index) == 398 and IDS[17] not in index.ids()


def test_add_replaces_existing_id(index: VectorIndex, data: np.ndarray) -> None:
    index.add(IDS[3:4], data[200:201])  # chunk 3 now has the vector of chunk 200
    assert len(index) == 400
    _, ids = index.search(data[3], 3)
    assert IDS[3] not in ids  # its old vector is gone, not merely shadowed
    scores, ids = index.search(data[200], 2)
    assert set(ids) == {IDS[3], IDS[200]} and scores[1] == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(index.vectors([IDS[3]])[0], data[200], atol=1e-3)  # float16 storage


def test_allowed_restricts_results(index: VectorIndex, data: np.ndarray) -> None:
    allowed = IDS[100:110]
    _, ids = index.search(data[0], 5, allowed=allowed)
    assert list(ids) == list(brute_force(data[100:110], allowed, data[0], 5))
    assert index.search(data[0], 5, allowed=[])[1].shape == (0,)
    index.remove([IDS[100]])
    assert IDS[100] not in index.search(data[100], 3, allowed=set(allowed.tolist()))[1]


def test_hnsw_filter_through_the_graph_when_allowed_is_large(
    data: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors_module, "EXACT_ALLOWED_LIMIT", 0)  # force the ID-selector path
    ix = VectorIndex(DIM, MODEL, hnsw_threshold=100)
    ix.add(IDS, data)
    ix.remove(IDS[:5])
    allowed = IDS[::2]
    _, ids = ix.search(data[10], 5, allowed=allowed)
    live = np.isin(IDS, allowed) & ~np.isin(IDS, IDS[:5])
    assert list(ids) == list(brute_force(data[live], IDS[live], data[10], 5))


def test_an_hnsw_file_with_float32_storage_from_before_issue_13_still_loads_and_filters(
        tmp_path: Path, data: np.ndarray) -> None:
    old = VectorIndex(DIM, MODEL, hnsw_threshold=100)
    inner = faiss.IndexHNSWFlat(DIM, vectors_module.HNSW_M, faiss.METRIC_INNER_PRODUCT)
    old._index, old._kind = faiss.IndexIDMap2(inner), "hnsw"
    old._index.add_with_ids(data, IDS)
    new = VectorIndex(DIM, MODEL, hnsw_threshold=100)
    new.add(IDS, data)
    old.save(tmp_path / "old.faiss")
    new.save(tmp_path / "new.faiss")
    saved = (tmp_path / "old.faiss").stat().st_size - (tmp_path / "new.faiss").stat().st_size
    assert saved >= 0.9 * 400 * DIM * 2  # float16 storage: 2 of each vector's 4 bytes per dimension
    for path in ("old.faiss", "new.faiss"):
        loaded = VectorIndex.load(tmp_path / path, dimension=DIM, model_id=MODEL, hnsw_threshold=100)
        assert loaded.kind == "hnsw" and len(loaded) == 400
        allowed = IDS[200:240]
        _, ids = loaded.search(data[3], 5, allowed=allowed)  # the exact path over the stored vectors
        assert list(ids) == list(brute_force(data[200:240], allowed, data[3], 5))
        assert list(loaded.search(data[50], 1)[1]) == [IDS[50]]
        loaded.remove(IDS[:100])  # tombstones, then a compaction that reads the vectors back
        assert len(loaded) == 300 and list(loaded.search(data[150], 1)[1]) == [IDS[150]]


def test_threshold_switch_keeps_results(data: np.ndarray) -> None:
    ix = VectorIndex(DIM, MODEL, hnsw_threshold=300)
    ix.add(IDS[:250], data[:250])
    assert ix.kind == "flat"
    before = {i: list(ix.search(data[i], 5)[1]) for i in range(0, 250, 25)}
    ix.add(IDS[250:], data[250:])  # crosses 300: rebuilt as HNSW from the stored vectors
    assert ix.kind == "hnsw" and len(ix) == 400
    for i in range(0, 250, 25):
        assert list(ix.search(data[i], 5)[1]) == list(brute_force(data, IDS, data[i], 5))
        assert ix.search(data[i], 1)[1][0] == before[i][0]
    ix.remove(IDS[:300])  # below half the threshold: back to exact search
    assert ix.kind == "flat" and list(ix.ids()) == list(IDS[300:])


def test_hnsw_tombstones_are_compacted(data: np.ndarray) -> None:
    ix = VectorIndex(DIM, MODEL, hnsw_threshold=100)
    ix.add(IDS, data)
    ix.remove(IDS[:50])
    assert ix._index.ntotal == 400 and len(ix) == 350  # tombstones, not yet rebuilt
    ix.remove(IDS[50:100])  # over 20% dead: the graph is rebuilt from live vectors
    assert ix._index.ntotal == 300 and len(ix) == 300 and ix.kind == "hnsw"
    assert list(ix.search(data[150], 3)[1]) == list(brute_force(data[100:], IDS[100:], data[150], 3))


def test_hnsw_recall_on_clustered_data() -> None:
    rng = np.random.default_rng(1)
    centres = unit(rng.standard_normal((50, 64)))
    points = unit(centres[rng.integers(0, 50, 3000)] + rng.standard_normal((3000, 64)) * 0.1)
    ids = np.arange(3000, dtype=np.int64)
    ix = VectorIndex(64, MODEL, hnsw_threshold=1000)
    ix.add(ids, points)
    queries = unit(centres[rng.integers(0, 50, 50)] + rng.standard_normal((50, 64)) * 0.1)
    hits = sum(len(set(ix.search(q, 10)[1]) & set(brute_force(points, ids, q, 10))) for q in queries)
    assert hits / 500 >= 0.95


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_save_load_round_trip(tmp_path: Path, data: np.ndarray, kind: str) -> None:
    threshold = 10**9 if kind == "flat" else 100
    ix = VectorIndex(DIM, MODEL, hnsw_threshold=threshold)
    ix.add(IDS, data)
    ix.remove(IDS[:10])
    path = tmp_path / "sub" / "vectors.faiss"
    ix.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["vectors.faiss"]  # no temp file left
    loaded = VectorIndex.load(path, dimension=DIM, model_id=MODEL, hnsw_threshold=threshold)
    assert loaded.kind == kind and len(loaded) == 390 and list(loaded.ids()) == list(IDS[10:])
    for i in (10, 50, 399):
        assert list(loaded.search(data[i], 5)[1]) == list(ix.search(data[i], 5)[1])
    header = VectorIndex.read_header(path)
    assert {k: header[k] for k in ("model_id", "dimension", "count", "kind", "version")} == {
        "model_id": MODEL, "dimension": DIM, "count": 390, "kind": kind, "version": 1}


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_a_cache_backed_save_writes_vectors_only_where_no_cache_can_rebuild_them(
        tmp_path: Path, data: np.ndarray, kind: str) -> None:
    threshold = 10**9 if kind == "flat" else 100
    ix = VectorIndex(DIM, MODEL, hnsw_threshold=threshold)
    ix.add(IDS, data)
    full, backed = tmp_path / "full.faiss", tmp_path / "backed.faiss"
    ix.save(full)
    ix.save(backed, cache_backed=True)
    loaded = VectorIndex.load(backed, dimension=DIM, model_id=MODEL, hnsw_threshold=threshold)
    header = VectorIndex.read_header(backed)
    if kind == "flat":  # the embedding cache is the only copy: the file is a header and an empty index
        assert len(loaded) == 0 and header["vectors"] == "embedding-cache" and header["count"] == 400
        assert backed.stat().st_size < 1024 < full.stat().st_size
    else:  # a graph is not rebuilt on every open: HNSW keeps its vectors in the file
        assert len(loaded) == 400 and header["vectors"] == "file"
        assert list(loaded.search(data[7], 5)[1]) == list(ix.search(data[7], 5)[1])


def test_save_replaces_atomically(tmp_path: Path, data: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "vectors.faiss"
    ix = VectorIndex(DIM, MODEL)
    ix.add(IDS[:5], data[:5])
    ix.save(path)
    ix.add(IDS[5:10], data[5:10])

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(vector_file.os, "replace", crash)
    with pytest.raises(IndexStorageError, match="disk full.*the previous vectors.faiss is kept"):
        ix.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.faiss"]  # temp file cleaned up
    assert len(VectorIndex.load(path, dimension=DIM, model_id=MODEL)) == 5  # old file intact


def saved(tmp_path: Path, data: np.ndarray) -> Path:
    ix = VectorIndex(DIM, MODEL)
    ix.add(IDS, data)
    path = tmp_path / "vectors.faiss"
    ix.save(path)
    return path


def test_missing_and_truncated_files_are_refused(tmp_path: Path, data: np.ndarray) -> None:
    with pytest.raises(VectorIndexUnusable, match="does not exist.*rebuilt from the embedding cache") as err:
        VectorIndex.load(tmp_path / "nope.faiss", dimension=DIM, model_id=MODEL)
    assert err.value.reason == "missing"
    path = saved(tmp_path, data)
    blob = path.read_bytes()
    for cut in (0, 10, len(MAGIC) + 8 + 5, len(blob) // 2, len(blob) - 1):
        path.write_bytes(blob[:cut])
        with pytest.raises(VectorIndexUnusable) as err:
            VectorIndex.load(path, dimension=DIM, model_id=MODEL)
        assert err.value.reason == "truncated", cut
        assert "codeassist index --rebuild" in str(err.value)


def test_corrupted_bytes_are_refused(tmp_path: Path, data: np.ndarray) -> None:
    path = saved(tmp_path, data)
    blob = bytearray(path.read_bytes())
    blob[-100] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(VectorIndexUnusable, match="checksum mismatch"):
        VectorIndex.load(path, dimension=DIM, model_id=MODEL)
    path.write_bytes(b"not an index at all, just some text")
    with pytest.raises(VectorIndexUnusable, match="not a codeassist vector index"):
        VectorIndex.load(path, dimension=DIM, model_id=MODEL)


def test_file_from_another_model_or_dimension_is_refused(tmp_path: Path, data: np.ndarray) -> None:
    path = saved(tmp_path, data)
    with pytest.raises(VectorIndexUnusable, match="made by 'local:all-MiniLM-L6-v2', the configured model is "
                                                  "'openai:api.openai.com/text-embedding-3-small'") as err:
        VectorIndex.load(path, dimension=DIM, model_id="openai:api.openai.com/text-embedding-3-small")
    assert err.value.reason == "model"
    with pytest.raises(VectorIndexUnusable, match="dimension 32, expected 384") as err:
        VectorIndex.load(path, dimension=384, model_id=MODEL)
    assert err.value.reason == "dimension"


def test_file_format_is_header_plus_faiss_bytes_no_pickle(tmp_path: Path, data: np.ndarray) -> None:
    path = saved(tmp_path, data)
    blob = path.read_bytes()
    assert blob.startswith(MAGIC)
    (header_len,) = struct.unpack("<Q", blob[len(MAGIC) : len(MAGIC) + 8])
    header = json.loads(blob[len(MAGIC) + 8 : len(MAGIC) + 8 + header_len])
    payload = blob[len(MAGIC) + 8 + header_len :]
    assert header["payload_bytes"] == len(payload) and header["format"] == "codeassist-faiss"
    assert b"\x80\x04\x95" not in blob[:64] and b"pickle" not in blob  # no pickle protocol header
    index = faiss.deserialize_index(np.frombuffer(payload, dtype=np.uint8))  # plain FAISS inside
    assert isinstance(index, faiss.IndexIDMap2) and index.ntotal == 400


def test_bad_input_is_rejected(data: np.ndarray) -> None:
    ix = VectorIndex(DIM, MODEL)
    with pytest.raises(ValueError, match=r"shape \(n, 32\)"):
        ix.add(IDS[:2], data[:2, :16])
    with pytest.raises(ValueError, match="2 ids for 3 vectors"):
        ix.add(IDS[:2], data[:3])
    with pytest.raises(ValueError, match="reserved"):
        ix.add([-1], data[:1])
    ix.add([1, 2, 1], data[:3])  # duplicates in one call: the last one wins
    assert len(ix) == 2
    np.testing.assert_allclose(ix.vectors([1])[0], data[2], atol=1e-3)  # float16 storage
