"""The FAISS vector store: chunk vectors keyed by chunk id, searched by inner product.

Vectors are L2-normalized, so inner product is cosine similarity. Two layouts, chosen by size:

* ``flat`` — ``IndexIDMap2(IndexScalarQuantizer(fp16))``: exact search over float16 vectors (half
  the bytes of ``IndexFlatIP``; a cosine changes by < 1e-3, which bench/retrieval.py shows changes no
  ranking it measures). Used below ``HNSW_THRESHOLD`` live vectors. A file saved with the older
  ``IndexFlatIP`` still loads and works.
* ``hnsw`` — ``IndexIDMap2(IndexHNSWSQ(d, fp16, M, METRIC_INNER_PRODUCT))``: approximate search over
  float16 vectors (920 bytes a vector with its graph at dim 384, 1,690 with float32 storage: issue 13's
  footprint; a file saved with ``IndexHNSWFlat`` still loads and works).
  The index switches to HNSW when an ``add`` takes it to the threshold, and back to flat when
  removals take it below half of it (hysteresis: no flapping around the threshold).
* ``ivf`` — ``IndexIDMap2(IndexIVFScalarQuantizer(d, nlist, 8 bit, METRIC_INNER_PRODUCT))``: from
  ``IVF_THRESHOLD`` live vectors. HNSW keeps every full vector plus its graph, so at a million chunks
  it needs more memory than flat (1.5 GB + graph); IVF with 8-bit scalar codes needs a quarter of flat
  (384 B a vector at dim 384) and keeps recall@10 >= 0.95 (bench/scale.py: IVF-SQ8 beat IVF-PQ with
  refinement on simplicity at equal recall, and needs no second copy of the vectors). nlist ~ 4 sqrt(n),
  trained on a sample of the live vectors when the layout switches; ``IVF_NPROBE`` lists are scanned
  per query. Below half the threshold it goes back to hnsw/flat. Removal uses tombstones as in hnsw
  (IndexIDMap2 cannot renumber IVF entries); a relayout out of ivf reads back the 8-bit vectors
  (lossy at the 1e-3 level, far below what changes a ranking).

Numbers behind the choices (bench/faiss.py, dim 384, clustered data, 2 cores, one query thread):
exact search costs ~0.1 us per vector per query — ~5 ms at 50k, 13 ms at 100k, 41 ms at 500k —
and needs no build; HNSW (M=16, efConstruction=40) answers in 0.2-0.45 ms at every size but costs
a build (~3 s at 10k, ~29 s at 100k, ~45-120 s at 500k) and ~9% more memory. So exact search up
to 50k vectors (a query stays near 5 ms, under the cost of embedding the query itself), HNSW above.
efSearch=128 gives recall@10 0.98-0.9995 at 10k-500k (64 is the smallest with >= 0.95 at 500k:
0.97); it costs ~0.1 ms more than 64, worth the margin.

Removal. FAISS cannot remove from HNSW, so in ``hnsw`` layout a removed (or replaced) vector is a
*tombstone*: its label in the IndexIDMap2 id map is set to ``TOMBSTONE`` (-1), which searches
filter out with an ID selector (so a replaced chunk never surfaces through its stale vector). Once
tombstones exceed ``TOMBSTONE_REBUILD_FRACTION`` of the stored vectors, the graph is rebuilt from
the live vectors (read back from the HNSW storage; nothing is re-embedded). The flat layout
removes for real.

File format (`vector_file.py`; one file, written atomically: temp file in the same folder, fsync, ``os.replace``):
``MAGIC``, an 8-byte little-endian header length, a JSON header (format version, model id,
dimension, live count, layout, payload size and CRC-32), then ``faiss.serialize_index`` bytes.
No pickle. The embed stage saves ``cache_backed``: a flat index then writes its header and an empty
index (the int8 embedding cache in SQLite is the vectors' only copy on disk; `vector_sync` refills FAISS
from it on open). ``load`` refuses a missing, truncated or damaged file, another format version, and a
file made by another model or with another dimension, raising ``VectorIndexUnusable``; the caller
then rebuilds the index from the embedding cache.

Threads: a single query runs FAISS with one OpenMP thread (measured faster than two here: thread
start-up costs more than the scan of one query saves); batch work (build, add) uses all threads.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from codeassist.indexer.vector_file import (  # noqa: F401  (re-exported: the file format's names)
    FORMAT_VERSION,
    MAGIC,
    TEMP_SUFFIX,
    VectorIndexUnusable,
    read_vector_file,
    remove_temp_files,
    write_vector_file,
)

HNSW_THRESHOLD = 50_000  # live vectors from which the index is HNSW; see bench/faiss.py
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 128
TOMBSTONE = -1
TOMBSTONE_REBUILD_FRACTION = 0.2
# Up to this many allowed ids, a filtered HNSW search scores them exactly instead.
EXACT_ALLOWED_LIMIT = 20_000
IVF_THRESHOLD = 500_000  # live vectors from which the index is IVF-SQ8; see bench/scale.py
IVF_NPROBE = 16
IVF_TRAIN_PER_LIST = 64  # training sample: this many vectors per list (faiss wants >= 39)

IdsLike = np.ndarray | Iterable[int]


@contextlib.contextmanager
def _omp_threads(n: int) -> Iterator[None]:
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _as_ids(ids: IdsLike) -> np.ndarray:
    return np.ascontiguousarray(np.fromiter(ids, dtype=np.int64) if not isinstance(ids, np.ndarray) else ids,
                                dtype=np.int64).ravel()


class VectorIndex:
    """FAISS vectors keyed by chunk id (int64), inner product on normalized vectors."""

    def __init__(
        self,
        dimension: int,
        model_id: str,
        *,
        hnsw_threshold: int = HNSW_THRESHOLD,
        ef_search: int = HNSW_EF_SEARCH,
        ivf_threshold: int = IVF_THRESHOLD,
        nprobe: int = IVF_NPROBE,
    ) -> None:
        self.dimension = int(dimension)
        self.model_id = model_id
        # The database these vectors' chunk ids belong to (meta "database_id"; see vector_sync). "" = unknown.
        self.database_id = ""
        self.hnsw_threshold = int(hnsw_threshold)
        self.ef_search = int(ef_search)
        self.ivf_threshold = int(ivf_threshold)
        self.nprobe = int(nprobe)
        self._index = self._new_index("flat")
        self._kind = "flat"
        self._tombstones = 0

    # -- layout ----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """"flat" (exact), "hnsw" or "ivf" (approximate)."""
        return self._kind

    def _new_index(self, kind: str, train: np.ndarray | None = None) -> faiss.IndexIDMap2:
        if kind == "ivf":
            assert train is not None and len(train) > 0
            nlist = max(1, min(int(4 * np.sqrt(len(train))), len(train) // 39 or 1))
            quantizer = faiss.IndexFlatIP(self.dimension)
            inner = faiss.IndexIVFScalarQuantizer(quantizer, self.dimension, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                  faiss.METRIC_INNER_PRODUCT)
            inner.own_fields = True
            quantizer.this.disown()  # owned by inner now
            rng = np.random.default_rng(0)  # same sample on every run: reproducible layouts
            sample = train if len(train) <= nlist * IVF_TRAIN_PER_LIST else train[
                np.sort(rng.choice(len(train), nlist * IVF_TRAIN_PER_LIST, replace=False))]
            inner.train(np.ascontiguousarray(sample))
            inner.nprobe = self.nprobe
        elif kind == "hnsw":
            inner = faiss.IndexHNSWSQ(self.dimension, faiss.ScalarQuantizer.QT_fp16, HNSW_M,
                                      faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            inner.hnsw.efSearch = self.ef_search
        else:
            inner = faiss.IndexScalarQuantizer(self.dimension, faiss.ScalarQuantizer.QT_fp16,
                                               faiss.METRIC_INNER_PRODUCT)
        return faiss.IndexIDMap2(inner)  # keeps a Python reference to inner

    def _id_map(self) -> np.ndarray:
        """Writable view of the position -> chunk id map (TOMBSTONE for dead positions)."""
        n = self._index.ntotal
        if n == 0:
            return np.empty(0, dtype=np.int64)
        return faiss.rev_swig_ptr(self._index.id_map.data(), n)

    def _stored_vectors(self) -> np.ndarray:
        """All stored vectors in position order, read back from FAISS (no copy of our own)."""
        n = self._index.ntotal
        inner = faiss.downcast_index(self._index.index)
        if self._kind == "ivf":
            return inner.reconstruct_n(0, n) if n else np.empty((0, self.dimension), dtype=np.float32)
        flat = inner if self._kind == "flat" else faiss.downcast_index(inner.storage)
        return flat.reconstruct_n(0, n) if n else np.empty((0, self.dimension), dtype=np.float32)

    def _rebuild(self, kind: str) -> None:
        """Re-create the index in the given layout from its live vectors (drops tombstones)."""
        labels = self._id_map().copy()
        vectors = self._stored_vectors()
        live = labels != TOMBSTONE
        vectors = np.ascontiguousarray(vectors[live])
        index = self._new_index(kind, vectors if kind == "ivf" else None)
        if live.any():
            with _omp_threads(faiss.omp_get_max_threads()):
                index.add_with_ids(vectors, labels[live])
        self._index, self._kind, self._tombstones = index, kind, 0

    def _maybe_relayout(self) -> None:
        live = len(self)
        if self._kind != "ivf" and live >= self.ivf_threshold:
            self._rebuild("ivf")
        elif self._kind == "flat" and live >= self.hnsw_threshold:
            self._rebuild("hnsw")
        elif self._kind == "hnsw" and live < self.hnsw_threshold // 2:
            self._rebuild("flat")
        elif self._kind == "ivf" and live < self.ivf_threshold // 2:
            self._rebuild("hnsw" if live >= self.hnsw_threshold else "flat")
        elif self._kind != "flat" and self._tombstones > TOMBSTONE_REBUILD_FRACTION * self._index.ntotal:
            self._rebuild(self._kind)

    # -- mutation --------------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given chunk ids; an id already present is replaced."""
        ids = _as_ids(ids)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(f"vectors must have shape (n, {self.dimension}), got {vectors.shape}")
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        if len(ids) == 0:
            return
        if len(np.unique(ids)) != len(ids):
            # Last one wins, like repeated single adds would.
            _, last = np.unique(ids[::-1], return_index=True)
            keep = np.sort(len(ids) - 1 - last)
            ids, vectors = ids[keep], vectors[keep]
        if np.any(ids == TOMBSTONE):
            raise ValueError(f"chunk id {TOMBSTONE} is reserved")
        self.remove(ids, _relayout=False)
        self._index.add_with_ids(vectors, ids)
        self._maybe_relayout()

    def remove(self, ids: IdsLike, *, _relayout: bool = True) -> None:
        """Forget these chunk ids (ids not present are ignored)."""
        ids = _as_ids(ids)
        if len(ids) == 0 or self._index.ntotal == 0:
            return
        if self._kind == "flat":
            self._index.remove_ids(faiss.IDSelectorBatch(ids))
        else:
            labels = self._id_map()
            dead = np.isin(labels, ids)
            if dead.any():
                labels[dead] = TOMBSTONE
                self._tombstones += int(dead.sum())
                self._index.construct_rev_map()
        if _relayout:
            self._maybe_relayout()

    # -- queries ---------------------------------------------------------------------------

    def ids(self) -> np.ndarray:
        """The chunk ids present, sorted."""
        labels = self._id_map()
        return np.sort(labels[labels != TOMBSTONE])

    def __len__(self) -> int:
        return int(self._index.ntotal) - self._tombstones

    def __contains__(self, chunk_id: int) -> bool:
        return bool(np.any(self._id_map() == chunk_id)) and chunk_id != TOMBSTONE

    def search(
        self, query: np.ndarray, k: int, *, allowed: IdsLike | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors, best first.

        ``query`` is one vector (d,) or (1, d). ``allowed`` restricts the result to these chunk
        ids (e.g. one repository or path prefix). Fewer than k results come back when the index
        (or the allowed set) is smaller; k <= 0 gives empty arrays.
        """
        empty = (np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64))
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1, self.dimension)
        if query.shape[0] != 1:
            raise ValueError("search takes one query vector")
        live = len(self)
        if k <= 0 or live == 0:
            return empty
        selector: Any = None
        if allowed is not None:
            allowed_ids = _as_ids(allowed)
            if len(allowed_ids) == 0:
                return empty
            selector = faiss.IDSelectorBatch(allowed_ids)
        elif self._tombstones:
            selector = faiss.IDSelectorNot(faiss.IDSelectorBatch(np.array([TOMBSTONE], dtype=np.int64)))
        k = min(int(k), live)
        if self._kind == "hnsw" and allowed is not None and len(allowed_ids) <= EXACT_ALLOWED_LIMIT:
            # A selective filter starves the graph walk; scoring the allowed vectors is exact and fast.
            return self._search_exact_subset(query[0], k, allowed_ids)
        if self._kind == "ivf":
            # A filter thins out every list: probe more of them so k allowed vectors are still found.
            nprobe = self.nprobe * (4 if allowed is not None else 1)
            params: Any = faiss.SearchParametersIVF(nprobe=nprobe, sel=selector)
        elif self._kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k), sel=selector)
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        with _omp_threads(1):
            scores, labels = self._index.search(query, k, params=params)
        keep = labels[0] >= 0  # -1: fewer results than k (or a tombstone when allowed has -1)
        return scores[0][keep], labels[0][keep]

    def _search_exact_subset(self, query: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        labels = self._id_map()
        positions = np.flatnonzero(np.isin(labels, allowed[allowed != TOMBSTONE]))
        if len(positions) == 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        storage = faiss.downcast_index(faiss.downcast_index(self._index.index).storage)
        if isinstance(storage, faiss.IndexFlat):  # an HNSW file saved before issue 13: float32 storage
            stored = faiss.rev_swig_ptr(storage.get_xb(), self._index.ntotal * self.dimension)
            candidates = stored.reshape(-1, self.dimension)[positions]
        else:  # float16 codes: decode only the allowed rows
            codes = faiss.rev_swig_ptr(storage.codes.data(), self._index.ntotal * storage.code_size)
            candidates = storage.sa_decode(np.ascontiguousarray(codes.reshape(-1, storage.code_size)[positions]))
        scores = candidates @ query
        k = min(k, len(positions))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(positions) else np.arange(len(positions))
        top = top[np.argsort(-scores[top], kind="stable")]
        return scores[top].astype(np.float32), labels[positions[top]].copy()

    def vectors(self, ids: IdsLike) -> np.ndarray:
        """The stored vectors of these chunk ids (KeyError for an id not present)."""
        out = []
        if self._kind == "ivf":
            inner = faiss.downcast_index(self._index.index)
            if inner.direct_map.no():  # IVF reconstructs by position only with a direct map
                inner.make_direct_map(True)
        for chunk_id in _as_ids(ids):
            if chunk_id == TOMBSTONE or chunk_id not in self:
                raise KeyError(int(chunk_id))
            out.append(self._index.reconstruct(int(chunk_id)))
        return np.array(out, dtype=np.float32).reshape(-1, self.dimension)

    def copy(self) -> VectorIndex:
        """An independent copy (FAISS's clone_index): update it while searches use the original."""
        other = VectorIndex(self.dimension, self.model_id, hnsw_threshold=self.hnsw_threshold,
                            ef_search=self.ef_search, ivf_threshold=self.ivf_threshold, nprobe=self.nprobe)
        other._index = faiss.clone_index(self._index)
        other._kind, other._tombstones = self._kind, self._tombstones
        other.database_id = self.database_id
        return other

    # -- persistence -----------------------------------------------------------------------

    def _header(self, payload: np.ndarray, stored: int, vectors: str) -> dict[str, Any]:
        return {
            "format": "codeassist-faiss",
            "version": FORMAT_VERSION,
            "model_id": self.model_id,
            "database_id": self.database_id,
            "dimension": self.dimension,
            "count": len(self),
            "stored": stored,
            "vectors": vectors,  # "file": in the payload; "embedding-cache": only in the index's cache
            "tombstones": self._tombstones if stored else 0,
            "kind": self._kind,
            "hnsw": {"M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": self.ef_search},
            "hnsw_threshold": self.hnsw_threshold,
            "ivf": {"nprobe": self.nprobe, "threshold": self.ivf_threshold},
            "payload_bytes": int(payload.nbytes),
            "crc32": zlib.crc32(memoryview(payload)),
        }

    def save(self, path: Path, *, cache_backed: bool = False) -> None:
        """Write the index to ``path`` atomically (a crash leaves the old file or the new one).

        ``cache_backed``: the index database's embedding cache holds every vector of this index (the
        embed stage's case). The flat layout then writes its header and no vectors (no second copy
        on disk: issue 13); `load` gives an empty index and `vector_sync.sync_vectors` refills it from
        the cache, exact up to the cache's int8 codes. HNSW and IVF keep their payload (a graph or
        trained lists are not rebuilt on every open).

        Raises IndexStorageError (disk full, permissions, a folder in the way) after removing its
        temporary file; the previous file at ``path`` is then untouched, and the message says so."""
        if cache_backed and self._kind == "flat":
            payload = faiss.serialize_index(self._new_index("flat"))
            header = self._header(payload, 0, "embedding-cache")
        else:
            payload = faiss.serialize_index(self._index)
            header = self._header(payload, int(self._index.ntotal), "file")
        write_vector_file(Path(path), header, payload)

    @staticmethod
    def read_header(path: Path) -> dict[str, Any]:
        """The JSON header of a saved index (for status / doctor); raises VectorIndexUnusable."""
        header, _ = read_vector_file(Path(path), with_payload=False)
        return header

    @classmethod
    def load(
        cls, path: Path, *, dimension: int, model_id: str, hnsw_threshold: int = HNSW_THRESHOLD,
        ivf_threshold: int = IVF_THRESHOLD,
    ) -> VectorIndex:
        """Open a saved index made by ``model_id`` with ``dimension``; raises VectorIndexUnusable.
        A file saved ``cache_backed`` in the flat layout opens empty (see `save`)."""
        path = Path(path)
        header, payload = read_vector_file(path, with_payload=True)
        if header.get("model_id") != model_id:
            raise VectorIndexUnusable(
                path, "model", f"made by {header.get('model_id')!r}, the configured model is {model_id!r}"
            )
        if header.get("dimension") != dimension:
            raise VectorIndexUnusable(
                path, "dimension", f"dimension {header.get('dimension')}, expected {dimension}"
            )
        try:
            index = faiss.deserialize_index(payload)
        except RuntimeError as exc:
            raise VectorIndexUnusable(path, "corrupt", f"FAISS cannot read it: {exc}") from exc
        if not isinstance(index, faiss.IndexIDMap2) or index.d != dimension:
            raise VectorIndexUnusable(path, "corrupt", f"unexpected FAISS index {type(index).__name__}")
        if index.ntotal != header.get("stored"):
            raise VectorIndexUnusable(path, "corrupt", "vector count differs from its header")
        self = cls(dimension, model_id, hnsw_threshold=hnsw_threshold,
                   ef_search=int(header.get("hnsw", {}).get("ef_search", HNSW_EF_SEARCH)),
                   ivf_threshold=ivf_threshold, nprobe=int(header.get("ivf", {}).get("nprobe", IVF_NPROBE)))
        self._index = index
        self._kind = header.get("kind") if header.get("kind") in ("hnsw", "ivf") else "flat"
        self._tombstones = int(np.count_nonzero(self._id_map() == TOMBSTONE))
        return self
