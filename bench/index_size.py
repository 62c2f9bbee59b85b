"""Disk footprint of a fresh index per chunk, all told and per component, on registry corpora.

For each corpus it builds a fresh index (the current code's schema and layout) and prints JSON:

    chunks, files, source_bytes                 what was indexed (bytes of the indexed files)
    kb_per_chunk                                every file of the index folder / chunks
    components (KB per chunk)                   from SQLite's dbstat (pages of each table and index)
        chunks        the chunks table (text, spans) and its indexes
        fts           the FTS5 shadow tables of chunks_fts
        cache         the embedding cache (`embeddings`)
        graph         definitions, imports, symbol_refs, symbol_files and their indexes
        files         files, repos, skipped_files, meta, the schema
        free          free pages of index.db, plus any -wal file left
        faiss         vectors.faiss
    source_kb_per_chunk, index_over_source      the same run's reference: source bytes per chunk, and
                                                index bytes / source bytes
    vectors_open_ms                             what the flat layout's missing copy costs: opening the
                                                vectors (FAISS file + refill from the embedding cache, as
                                                a search does) beside loading a file that holds them all
                                                (the layout before issue 13), best of 5; also for a
                                                synthetic index at the largest flat size (--open-chunks)
    scale (--scale-chunks N)                    an index of N chunks (HNSW from 50k) made of perturbed copies
                                                of a corpus's chunks and vectors (bench/search.py's
                                                replicate); copies carry no symbol graph, so the base
                                                corpus's graph KB/chunk is added as `with_graph_estimate`

Embedding is the slow part (minutes per corpus on two cores), so the embedder is wrapped in a cache of
its own (embedded text -> float32 vector, in $CODEASSIST_BENCH_CACHE/index-size/<corpus>/vectors.db):
only the first run embeds; later runs rebuild the index from scratch in seconds, which is what makes the
figures those of a *fresh* index whatever the schema became. The index itself is kept beside it.

    export CODEASSIST_BENCH_CACHE=/work/corpora
    python bench/index_size.py [--corpora flask,scrapy,gin,cobra,zod] [--target-kb 3.0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

from registry_corpora import CACHE, fetch  # noqa: E402

from codeassist.indexer.embed_stage import VECTORS_NAME  # noqa: E402
from codeassist.indexer.embedders import make_embedder  # noqa: E402
from codeassist.indexer.model import Chunk  # noqa: E402
from codeassist.indexer.pipeline import index_repository  # noqa: E402
from codeassist.indexer.store import DB_NAME, Store, text_hash  # noqa: E402
from codeassist.indexer.vector_sync import sync_vectors  # noqa: E402
from codeassist.indexer.vectors import HNSW_THRESHOLD, VectorIndex  # noqa: E402

ROOT = CACHE / "index-size"

# name -> (registry spec, language, why it is here)
CORPORA: dict[str, tuple[str, str, str]] = {
    "flask": ("pypi:flask==3.0.3", "python", "docs-heavy: .rst docs beside the code"),
    "scrapy": ("pypi:scrapy==2.11.2", "python", "large: ~7k chunks"),
    "gin": ("deb:golang-github-gin-gonic-gin-dev", "go", "Go with markdown docs"),
    "cobra": ("deb:golang-github-spf13-cobra-dev", "go", "Go, docs site in markdown"),
    "zod": ("npm:zod@3.23.8", "typescript", "TypeScript sources + built JS + type declarations"),
    "ky": ("npm:ky@1.7.2", "typescript", "small TypeScript package"),
    "attrs": ("pypi:attrs==23.2.0", "python", "docs-heavy: .rst/.md docs, changelog"),
    "logrus": ("deb:golang-github-sirupsen-logrus-dev", "go", "small Go package"),
}
DEFAULT = "flask,attrs,scrapy,gin,cobra,zod"

_GRAPH = ("definitions", "imports", "symbol_refs", "symbol_files", "symbol_names", "symbol_paths")
_CHUNKS = ("chunks", "sqlite_sequence")
_FILES = ("files", "repos", "skipped_files", "meta", "sqlite_schema", "sqlite_master", "sqlite_stat1")


class CachedEmbedder:
    """An embedder that remembers every vector it made (text hash -> float32), across runs."""

    def __init__(self, inner, path: Path) -> None:
        self.inner = inner
        self.model_id, self.dimension, self.max_tokens = inner.model_id, inner.dimension, inner.max_tokens
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS v(model TEXT, h BLOB, vec BLOB, PRIMARY KEY(model, h))"
                        " WITHOUT ROWID")
        self.embedded = 0

    def _key(self, text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        for key in dict.fromkeys(keys):
            row = self.db.execute("SELECT vec FROM v WHERE model = ? AND h = ?", (self.model_id, key)).fetchone()
            if row:
                found[key] = np.frombuffer(row[0], dtype=np.float32)
        todo = [i for i, k in enumerate(keys) if k not in found]
        if todo:
            made = self.inner.embed_documents([texts[i] for i in todo])
            self.embedded += len(todo)
            with self.db:
                for i, vec in zip(todo, made, strict=True):
                    found[keys[i]] = np.asarray(vec, dtype=np.float32)
                    self.db.execute("INSERT OR REPLACE INTO v VALUES (?, ?, ?)",
                                    (self.model_id, keys[i], found[keys[i]].tobytes()))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[k] for k in keys])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def component(name: str) -> str:
    """The component a dbstat object (table or index) belongs to."""
    table = name
    if name.startswith("sqlite_autoindex_"):
        table = name[len("sqlite_autoindex_"):].rsplit("_", 1)[0]
    if table.startswith("chunks_fts"):
        return "fts"
    if table == "embeddings":
        return "cache"
    if table.startswith(_GRAPH) or table in _GRAPH:
        return "graph"
    if table.startswith("chunks") or table in _CHUNKS:
        return "chunks"
    if table in _FILES or table.startswith("files"):
        return "files"
    return "other"


def table_of_index(db: sqlite3.Connection) -> dict[str, str]:
    return {name: tbl for name, tbl in db.execute("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index'")}


def measure(directory: Path) -> dict:
    """Bytes per component of an index folder (see the module docstring)."""
    db = sqlite3.connect(f"{(directory / DB_NAME).resolve().as_uri()}?mode=ro", uri=True)
    try:
        owners = table_of_index(db)
        by_object = {name: size for name, size in db.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name")}
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0] * page_size
        chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        files = db.execute("SELECT count(*) FROM files").fetchone()[0]
        source = db.execute("SELECT total(size) FROM files").fetchone()[0]
    finally:
        db.close()
    parts = {"chunks": 0, "fts": 0, "cache": 0, "graph": 0, "files": 0, "other": 0, "free": free}
    objects: dict[str, int] = {}
    for name, size in by_object.items():
        parts[component(owners.get(name, name))] += size
        objects[name] = size
    wal = directory / (DB_NAME + "-wal")
    parts["free"] += wal.stat().st_size if wal.exists() else 0
    parts["faiss"] = (directory / VECTORS_NAME).stat().st_size if (directory / VECTORS_NAME).exists() else 0
    total = sum(p.stat().st_size for p in directory.iterdir() if p.is_file())
    per = max(1, chunks) * 1024
    return {
        "chunks": chunks, "files": files, "source_bytes": int(source),
        "kb_per_chunk": round(total / per, 3),
        "components": {k: round(v / per, 3) for k, v in parts.items()},
        "objects": {k: round(v / per, 3) for k, v in sorted(objects.items(), key=lambda kv: -kv[1])},
        "source_kb_per_chunk": round(source / per, 3),
        "index_over_source": round(total / max(1, source), 3),
    }


def _best_ms(action, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1)


def vectors_open_ms(directory: Path) -> dict:
    """Opening the vectors of an index as a search does, beside loading a file that holds every vector."""
    store = Store(directory, create=False, readonly=True)
    try:
        model, dim = store.get_meta("embedding_model"), int(store.get_meta("embedding_dimension"))
        path = directory / VECTORS_NAME
        index = sync_vectors(store, path, model, dim)
        full = directory.parent / "full-copy.faiss"
        index.save(full)  # the layout before issue 13: the vectors in the file too
        cache_ms = _best_ms(lambda: sync_vectors(store, path, model, dim))
        file_ms = _best_ms(lambda: VectorIndex.load(full, dimension=dim, model_id=model))
        full_kb = full.stat().st_size / 1024
        full.unlink()
    finally:
        store.close()
    return {"vectors": len(index), "from_cache_ms": cache_ms, "from_full_file_ms": file_ms,
            "ratio": round(cache_ms / max(file_ms, 0.1), 2), "full_file_kb_per_chunk": round(full_kb / max(1, len(index)), 3)}


def synthetic_open(chunks: int, dim: int = 384) -> dict:
    """`vectors_open_ms` for an index of `chunks` one-line chunks with random vectors (the largest flat
    index when `chunks` is just under HNSW_THRESHOLD)."""
    directory = ROOT / f"synthetic-{chunks}"
    if not (directory / "complete").exists():
        shutil.rmtree(directory, ignore_errors=True)
        store = Store(directory)
        rng = np.random.default_rng(3)
        model = "bench:random"
        store.set_meta("embedding_model", model)
        store.set_meta("embedding_dimension", str(dim))
        per_file = 50
        for start in range(0, chunks, per_file):
            texts = [f"value_{i} = {i}" for i in range(start, min(chunks, start + per_file))]
            ids = store.replace_file(f"f{start // per_file}.py", size=1, mtime_ns=1, digest=str(start),
                                     language="python", chunks=[Chunk(1, 1, "window", "", t, "python") for t in texts])
            vectors = rng.normal(size=(len(ids), dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            store.put_embeddings(model, zip([text_hash(t) for t in texts], vectors, strict=True))
        index = sync_vectors(store, directory / VECTORS_NAME, model, dim)
        index.save(directory / VECTORS_NAME, cache_backed=True)
        store.close()
        (directory / "complete").write_text("1")
    return vectors_open_ms(directory)


def scale_report(base: str, chunks: int, graph_kb: float) -> dict:
    """KB/chunk of an index of `chunks` replicated chunks of the corpus `base` (HNSW layout from 50k)."""
    from search import replicate  # bench/search.py: perturbed copies of real chunks and vectors

    target = ROOT / f"scale-{base}-{chunks}"
    replicate(ROOT / base / "index", target, chunks)
    out = measure(target)
    out.pop("objects")
    for key in ("source_bytes", "source_kb_per_chunk", "index_over_source"):
        out.pop(key)  # copies are not files on disk
    header = VectorIndex.read_header(target / VECTORS_NAME)
    out.update({"base": base, "faiss_layout": header["kind"],
                "with_graph_estimate": round(out["kb_per_chunk"] + graph_kb, 3)})
    return out


def corpus_report(name: str) -> dict:
    spec, language, why = CORPORA[name]
    root = fetch(spec)
    folder = ROOT / name
    embedder = CachedEmbedder(make_embedder("local"), folder / "vectors.db")
    directory = folder / "index"
    shutil.rmtree(directory, ignore_errors=True)
    started = time.perf_counter()
    report = index_repository(root, directory, embedder=embedder)
    seconds = time.perf_counter() - started
    if report.embed_error:
        raise SystemExit(f"{name}: embedding failed: {report.embed_error}")
    out = {"corpus": name, "spec": spec, "language": language, "why": why, **measure(directory),
           "embedded": report.embedded, "newly_embedded_by_model": embedder.embedded,
           "build_seconds": round(seconds, 1), "vectors_open_ms": vectors_open_ms(directory)}
    embedder.db.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default=DEFAULT, help=f"comma-separated, of: {', '.join(CORPORA)}")
    parser.add_argument("--target-kb", type=float, default=3.0, help="the budget per chunk (issue 13: 3 KB)")
    parser.add_argument("--open-chunks", type=int, default=HNSW_THRESHOLD - 1,
                        help="size of the synthetic index whose vector opening is timed (0: skip)")
    parser.add_argument("--scale-chunks", type=int, default=100_000,
                        help="size of the replicated index measured in the HNSW layout (0: skip)")
    parser.add_argument("--scale-base", default="scrapy", help="the corpus replicated for --scale-chunks")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.corpora.split(",") if n.strip()]
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        parser.error(f"unknown corpora {unknown}; choose from {', '.join(CORPORA)}")
    reports = []
    for name in names:
        rep = corpus_report(name)
        reports.append(rep)
        print(json.dumps({k: v for k, v in rep.items() if k != "objects"}), file=sys.stderr, flush=True)
    summary = {
        "target_kb_per_chunk": args.target_kb,
        "kb_per_chunk": {r["corpus"]: r["kb_per_chunk"] for r in reports},
        "all_within_target": all(r["kb_per_chunk"] <= args.target_kb for r in reports),
        "worst": max((r["kb_per_chunk"] for r in reports), default=0.0),
    }
    if args.open_chunks > 0:
        summary["vectors_open_ms_synthetic"] = synthetic_open(args.open_chunks)
    if args.scale_chunks > 0:
        base = next((r for r in reports if r["corpus"] == args.scale_base), None) or corpus_report(args.scale_base)
        summary["scale"] = scale_report(args.scale_base, args.scale_chunks, base["components"]["graph"])
    print(json.dumps({"corpora": reports, "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
