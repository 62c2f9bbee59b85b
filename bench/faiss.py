"""Flat vs HNSW in VectorIndex at 10k / 100k / 500k vectors of dimension 384. Prints one JSON object.

Data: clustered vectors of low intrinsic dimension, like real sentence embeddings (whose
intrinsic dimension is a few dozen, not 384): a Gaussian mixture of 2,000 clusters with varying
spread in a 48-dimensional latent space, mapped to 384 dimensions by a fixed random linear map,
plus a little isotropic noise, then normalized. Cluster mates have cosine ~0.6-0.9, unrelated
vectors ~0 +- 0.15. (Isotropic 384-d noise would make all near neighbours equidistant and measure
concentration of measure rather than the index.) Queries are fresh draws from the same mixture. Per size: build time, single-query p50/p99 latency (one OpenMP thread, as
VectorIndex.search runs), recall@10 of HNSW against exact search for several efSearch values, and
the serialized size (what the file on disk and, within a few %, the index in memory take).

The flat -> HNSW threshold is where exact search of one query stops being "instant": the size at
which flat p50 latency would pass ``--flat-budget-ms`` (default 5 ms; extrapolated linearly from
the 100k measurement), rounded to 10k.

    python bench/faiss.py [--sizes 10000,100000,500000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# This file is bench/faiss.py: drop its folder from the path so `import faiss` finds the library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from codeassist.indexer import vectors as vectors_module  # noqa: E402
from codeassist.indexer.vectors import VectorIndex  # noqa: E402

DIM = 384
LATENT = 48
CLUSTERS = 2_000
AMBIENT_NOISE = 0.01  # per coordinate, after the map


class Mixture:
    def __init__(self, rng: np.random.Generator) -> None:
        self.centres = rng.standard_normal((CLUSTERS, LATENT), dtype=np.float32)
        self.spread = rng.uniform(0.3, 0.8, CLUSTERS).astype(np.float32)
        self.lift = (rng.standard_normal((LATENT, DIM), dtype=np.float32) / np.sqrt(LATENT)).astype(np.float32)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        out = np.empty((n, DIM), dtype=np.float32)
        step = 50_000
        for start in range(0, n, step):
            m = min(step, n - start)
            which = rng.integers(0, CLUSTERS, m)
            latent = self.centres[which] + rng.standard_normal((m, LATENT), dtype=np.float32) * self.spread[which, None]
            block = latent @ self.lift
            block += rng.standard_normal((m, DIM), dtype=np.float32) * AMBIENT_NOISE
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            out[start : start + m] = block
        return out


def latencies(index: VectorIndex, queries: np.ndarray, k: int = 10) -> tuple[dict, np.ndarray]:
    found = np.full((len(queries), k), -1, dtype=np.int64)
    times = []
    for i, q in enumerate(queries):
        start = time.perf_counter()
        _, ids = index.search(q, k)
        times.append(time.perf_counter() - start)
        found[i, : len(ids)] = ids
    ms = np.array(times) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3)}, found


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f[f >= 0]) & set(t)) for f, t in zip(found, truth, strict=True))
    return round(hits / truth.size, 4)


def serialized_bytes(index: VectorIndex) -> int:
    return int(faiss.serialize_index(index._index).nbytes)


def bench_size(n: int, queries: np.ndarray, rng: np.random.Generator, mix: Mixture,
               ef_values: list[int]) -> dict:
    data = mix.draw(n, rng)
    ids = np.arange(n, dtype=np.int64) * 7 + 3  # chunk ids are not positions

    flat = VectorIndex(DIM, "bench", hnsw_threshold=10**12)
    start = time.perf_counter()
    flat.add(ids, data)
    flat_build = time.perf_counter() - start
    flat_lat, flat_found = latencies(flat, queries)
    _, truth = flat._index.search(queries, 10)  # exact ground truth, all threads
    row: dict = {
        "n": n,
        "flat": {"build_s": round(flat_build, 3), **flat_lat,
                 "recall_at_10": recall_at_k(flat_found, truth), "bytes": serialized_bytes(flat)},
    }
    del flat

    hnsw = VectorIndex(DIM, "bench", hnsw_threshold=1)
    start = time.perf_counter()
    hnsw.add(ids, data)
    hnsw_build = time.perf_counter() - start
    assert hnsw.kind == "hnsw"
    row["hnsw"] = {"build_s": round(hnsw_build, 3), "M": vectors_module.HNSW_M,
                   "ef_construction": vectors_module.HNSW_EF_CONSTRUCTION,
                   "bytes": serialized_bytes(hnsw), "by_ef_search": {}}
    for ef in ef_values:
        hnsw.ef_search = ef
        lat, found = latencies(hnsw, queries)
        row["hnsw"]["by_ef_search"][str(ef)] = {**lat, "recall_at_10": recall_at_k(found, truth)}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,500000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ef", default="16,32,64,96,128")
    parser.add_argument("--flat-budget-ms", type=float, default=5.0)
    args = parser.parse_args()

    rng = np.random.default_rng(20261123)
    mix = Mixture(rng)
    queries = mix.draw(args.queries, rng)
    ef_values = [int(x) for x in args.ef.split(",")]

    started = time.perf_counter()
    rows = [bench_size(int(n), queries, rng, mix, ef_values) for n in args.sizes.split(",")]

    # Per-vector cost of exact search from the largest size <= 100k: the range where the threshold
    # lands, and already out of cache like the larger sizes (10k fits in cache and flatters flat).
    basis = max((r for r in rows if r["n"] <= 100_000), key=lambda r: r["n"], default=rows[-1])
    per_vector_ms = basis["flat"]["p50_ms"] / basis["n"]
    threshold = int(round(args.flat_budget_ms / per_vector_ms / 10_000) * 10_000) if per_vector_ms else None
    chosen_ef = {}
    for row in rows:
        ok = [int(ef) for ef, r in row["hnsw"]["by_ef_search"].items() if r["recall_at_10"] >= 0.95]
        chosen_ef[str(row["n"])] = min(ok) if ok else None
    print(json.dumps({
        "bench": "faiss",
        "dim": DIM,
        "queries": args.queries,
        "cpu_count": os.cpu_count(),
        "faiss": faiss.__version__,
        "sizes": rows,
        "smallest_ef_search_with_recall_0.95": chosen_ef,
        "configured": {"hnsw_threshold": vectors_module.HNSW_THRESHOLD,
                       "ef_search": vectors_module.HNSW_EF_SEARCH},
        "threshold_where_flat_p50_exceeds_budget": threshold,
        "flat_budget_ms": args.flat_budget_ms,
        "total_s": round(time.perf_counter() - started, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
