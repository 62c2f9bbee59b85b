"""Indexing and search at 100k and 1M chunks: local vs Ray engine, vector layouts. Prints one JSON object.

Corpus. Real source (the packages of bench/corpus.py, ~21.8k chunks) replicated with perturbation
until it reaches the target chunk count: copy N renames every ``def``/``class`` name with a ``_cN``
suffix and starts each file with a comment naming the copy, so no two copies share a chunk body
(nothing is deduplicated away) while file sizes, languages and chunk shapes stay those of real code.
Cached under bench/.cache/scale/ (git-ignored).

Vectors. Embedding a million texts with the local model is out of reach on this 2-core machine
(tens of texts/s), so the vector benchmark replicates *real* all-MiniLM-L6-v2 embeddings (the
retrieval bench's ~3k chunk vectors, cached in bench/.cache/scale/base.npy): each synthetic vector
is ``normalize((1-a)·u + a·v + noise)`` of two real vectors u, v (a in [0, 0.35], noise 0.03 per
coordinate, cosine ~0.85 to u): dense near-duplicate clusters, the hard case for quantization.
Queries are drawn the same way; ground truth is exact inner-product search.
Embedding throughput is measured on real chunk texts, local engine vs Ray engine (same batches),
and extrapolated linearly to 1M.

Sections (each in its own subprocess, so every peak RSS is that section's own):
  pipeline  discover + read + chunk + SQLite/FTS5 store of the replicated corpus, no embedding,
            local engine vs Ray engine (local Ray cluster of 2 CPUs): seconds, chunks/s, driver peak
            RSS, index size on disk.
  embed     embedding throughput, local vs Ray, texts/s.
  vectors   VectorIndex at each size (auto layout: hnsw at 100k, ivf at 1M) against exact flat search:
            build, recall@10, single-query p50/p99, save/load seconds, file size, peak RSS.

    python bench/scale.py [--sizes 100000,1000000] [--pipeline-sizes 100000,1000000] [--embed-texts 1000]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

# This file lives next to bench/faiss.py: drop its folder from the path so `import faiss` is the library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

CACHE = _HERE / ".cache" / "scale"
DIM = 384
MODEL = "local:all-MiniLM-L6-v2"
SOURCE_PACKAGES = ("click", "rich", "pygls", "openai", "platformdirs", "pathspec")
_DEF = re.compile(rb"^(\s*(?:async\s+)?(?:def|class)\s+)([A-Za-z_][A-Za-z0-9_]*)", re.M)


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def dir_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


# -- corpus ----------------------------------------------------------------------------------
def source_corpus() -> Path:
    dest = CACHE / "source"
    if not (dest / ".complete").exists():
        sys.path.insert(0, str(_HERE))
        from corpus import package_dir  # bench/corpus.py

        shutil.rmtree(dest, ignore_errors=True)
        for name in SOURCE_PACKAGES:
            src = package_dir(name)
            for path in sorted(src.rglob("*.py")):
                if "__pycache__" not in path.parts:
                    target = dest / name / path.relative_to(src)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
        (dest / ".complete").write_text("")
    return dest


def chunks_per_copy(source: Path) -> int:
    marker = CACHE / "chunks-per-copy.txt"
    if not marker.exists():
        from codeassist.indexer.pipeline import index_repository

        report = index_repository(source, CACHE / "source-index", embed=False, rebuild=True)
        marker.write_text(str(report.chunks))
    return int(marker.read_text())


def replicated_corpus(target_chunks: int) -> tuple[Path, int]:
    """(folder, copies) with at least target_chunks chunks."""
    source = source_corpus()
    copies = math.ceil(target_chunks / chunks_per_copy(source))
    dest = CACHE / f"corpus-{copies}"
    if not (dest / ".complete").exists():
        shutil.rmtree(dest, ignore_errors=True)
        files = sorted(p for p in source.rglob("*.py"))
        for copy in range(copies):
            suffix = f"_c{copy}".encode()
            for path in files:
                data = _DEF.sub(lambda m, s=suffix: m.group(1) + m.group(2) + s, path.read_bytes())
                target = dest / f"copy{copy:03d}" / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(b"# replica %d\n" % copy + data)
        (dest / ".complete").write_text("")
    return dest, copies


# -- sections (run in subprocesses) ------------------------------------------------------------
def section_pipeline(engine: str, corpus: str, index_dir: str) -> dict:
    from codeassist.indexer.pipeline import index_repository, make_engine

    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    runner = make_engine(engine)
    ready = time.perf_counter() - started
    try:
        report = index_repository(corpus, index_dir, embed=False, engine=runner)
    finally:
        runner.close()
    seconds = time.perf_counter() - started
    return {"engine": engine, "chunks_per_s_after_startup": round(report.chunks / (seconds - ready)), "files": report.files_total, "chunks": report.chunks, "seconds": round(seconds, 1),
            "startup_seconds": round(ready, 1), "chunks_per_s": round(report.chunks / seconds),
            "driver_peak_rss_mb": peak_rss_mb(), "index_mb": dir_mb(Path(index_dir))}


def section_embed(texts_count: int) -> dict:
    import numpy as np

    from codeassist.indexer.distributed import RayEngine
    from codeassist.indexer.embedders import document_text, make_embedder
    from codeassist.indexer.pipeline import EMBED_BATCH, LocalEngine
    from codeassist.indexer.store import Store

    store = Store(CACHE / "source-index")
    rows = store.db.execute("SELECT f.path, c.symbol, c.kind, chunk_text(c.text) FROM chunks c JOIN files f ON f.id = c.file_id"
                            " ORDER BY c.id").fetchall()
    store.close()
    step = max(1, len(rows) // texts_count)
    texts = sorted((document_text(*row) for row in rows[::step][:texts_count]), key=len)
    batches = [texts[i : i + EMBED_BATCH] for i in range(0, len(texts), EMBED_BATCH)]
    embedder = make_embedder("local")
    out: dict = {"texts": len(texts)}
    started = time.perf_counter()
    local = np.vstack(list(LocalEngine().map_embed(embedder, batches)))
    out["local_texts_per_s"] = round(len(texts) / (time.perf_counter() - started), 1)
    ray_engine = RayEngine(num_cpus=2)
    try:
        started = time.perf_counter()
        list(ray_engine.map_embed(embedder, batches[:2]))  # actors start and load the model once
        out["ray_actor_startup_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        remote = np.vstack(list(ray_engine.map_embed(embedder, batches)))
        out["ray_texts_per_s"] = round(len(texts) / (time.perf_counter() - started), 1)
        out["ray_workers"] = len(ray_engine._actors)
    finally:
        ray_engine.close()
    out["max_abs_diff_local_vs_ray"] = float(np.abs(local - remote).max())
    out["ratio_ray_over_local"] = round(out["ray_texts_per_s"] / out["local_texts_per_s"], 2)
    for engine in ("local", "ray"):
        out[f"{engine}_hours_for_1m_chunks"] = round(1_000_000 / out[f"{engine}_texts_per_s"] / 3600, 1)
    return out


def synthetic_vectors(n: int, seed: int):
    import numpy as np

    base = np.load(CACHE / "base.npy")
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        u, v = base[rng.integers(0, len(base), m)], base[rng.integers(0, len(base), m)]
        a = rng.uniform(0, 0.35, (m, 1)).astype(np.float32)
        x = (1 - a) * u + a * v + rng.normal(0, 0.03, (m, DIM)).astype(np.float32)
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def base_vectors() -> None:
    """Real embeddings to replicate: the retrieval bench's cache if present, else embed real chunks."""
    import numpy as np

    if (CACHE / "base.npy").exists():
        return
    import sqlite3

    db_path = _HERE / ".cache" / "retrieval-index" / "index.db"
    vectors = None
    if db_path.exists():
        db = sqlite3.connect(db_path)
        blobs = db.execute("SELECT vector FROM embeddings WHERE model_id = ?", (MODEL,)).fetchall()
        db.close()
        if len(blobs) >= 1000:
            from codeassist.indexer.embedding_cache import decode_vector

            vectors = np.vstack([decode_vector(b[0]) for b in blobs])
    if vectors is None:
        from codeassist.indexer.embedders import document_text, make_embedder
        from codeassist.indexer.store import Store

        store = Store(CACHE / "source-index")
        rows = store.db.execute("SELECT f.path, c.symbol, c.kind, chunk_text(c.text) FROM chunks c JOIN files f"
                                " ON f.id = c.file_id").fetchall()[::7][:3000]
        store.close()
        vectors = make_embedder("local").embed_documents([document_text(*r) for r in rows])
    np.save(CACHE / "base.npy", vectors)


def section_vectors(n: int, queries: int) -> dict:
    import faiss
    import numpy as np

    from codeassist.indexer.vectors import VectorIndex

    data = synthetic_vectors(n, seed=n)
    query = synthetic_vectors(queries, seed=1)
    ids = np.arange(1, n + 1, dtype=np.int64)
    exact = faiss.IndexFlatIP(DIM)
    exact.add(data)
    _, truth = exact.search(query, 10)
    truth = truth + 1
    flat_lat = []
    faiss.omp_set_num_threads(1)
    for q in query[:50]:
        t = time.perf_counter()
        exact.search(q[None], 10)
        flat_lat.append(time.perf_counter() - t)
    faiss.omp_set_num_threads(2)
    flat_mb = round((faiss.serialize_index(exact).nbytes + 8 * n) / 2**20, 1)  # + the id map
    del exact
    import psutil

    process = psutil.Process()
    rss_before = process.memory_info().rss
    started = time.perf_counter()
    index = VectorIndex(DIM, MODEL)
    for start in range(0, n, 100_000):  # as the embed stage grows it, in big steps
        index.add(ids[start : start + 100_000], data[start : start + 100_000])
    build = time.perf_counter() - started
    index_rss_mb = round((process.memory_info().rss - rss_before) / 2**20, 1)
    lat, found = [], []
    for q in query:
        t = time.perf_counter()
        _, got = index.search(q, 10)
        lat.append(time.perf_counter() - t)
        found.append(got)
    recall = float(np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)]))
    path = CACHE / f"vectors-{n}.faiss"
    t = time.perf_counter()
    index.save(path)
    save_s = time.perf_counter() - t
    del index
    t = time.perf_counter()
    loaded = VectorIndex.load(path, dimension=DIM, model_id=MODEL)
    load_s = time.perf_counter() - t
    kind = loaded.kind
    size_mb = round(path.stat().st_size / 2**20, 1)
    path.unlink()
    ms = lambda xs, p: round(float(np.percentile(xs, p)) * 1000, 3)  # noqa: E731
    return {"vectors": n, "layout": kind, "build_s": round(build, 1), "recall_at_10": round(recall, 4),
            "p50_ms": ms(lat, 50), "p99_ms": ms(lat, 99), "flat_p50_ms": ms(flat_lat, 50),
            "flat_p99_ms": ms(flat_lat, 99), "file_mb": size_mb, "flat_file_mb": flat_mb,
            "memory_ratio_vs_flat": round(size_mb / flat_mb, 3), "save_s": round(save_s, 2),
            "load_s": round(load_s, 2), "index_rss_mb": index_rss_mb,
            "flat_memory_mb": round((4 * DIM + 8) * n / 2**20, 1), "process_peak_rss_mb": peak_rss_mb()}


# -- driver ------------------------------------------------------------------------------------
def run_section(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--section", *args], capture_output=True, text=True,
                          timeout=3600)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="vector counts for the vectors section")
    parser.add_argument("--pipeline-sizes", default="100000,1000000", help="chunk counts for the pipeline section")
    parser.add_argument("--embed-texts", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--section", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.section:
        name, *rest = args.section
        if name == "pipeline":
            result = section_pipeline(*rest)
        elif name == "embed":
            result = section_embed(int(rest[0]))
        else:
            result = section_vectors(int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return

    started = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    source = source_corpus()
    out: dict = {"machine": {"cpus": __import__("os").cpu_count()}, "chunks_per_source_copy": chunks_per_copy(source)}
    base_vectors()
    out["pipeline"] = []
    for size in (int(s) for s in args.pipeline_sizes.split(",") if s):
        corpus, copies = replicated_corpus(size)
        runs = {engine: run_section("pipeline", engine, str(corpus), str(CACHE / f"index-{engine}-{copies}"))
                for engine in ("local", "ray")}
        for engine in runs:
            shutil.rmtree(CACHE / f"index-{engine}-{copies}", ignore_errors=True)
        entry = {"target_chunks": size, "copies": copies, **{e: r for e, r in runs.items()}}
        if "error" not in runs["local"] and "error" not in runs["ray"]:
            entry["ratio_ray_over_local"] = round(runs["ray"]["chunks_per_s"] / runs["local"]["chunks_per_s"], 2)
        out["pipeline"].append(entry)
    out["embed"] = run_section("embed", str(args.embed_texts))
    out["vectors"] = [run_section("vectors", s, str(args.queries)) for s in args.sizes.split(",") if s]
    out["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
