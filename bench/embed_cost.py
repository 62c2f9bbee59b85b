"""Embedding cost per chunk: the previous view (raw chunk, 256 word pieces) against the current one
(natural-language view, 128 word pieces, short texts for chunks that add nothing), on the same real
chunks, in alternating rounds so load on this shared machine hits both. Also the encoder's share of
the machine's fp32 peak (a large float32 matrix product, same threads) and the BLAS kernel in use.

Chunks: every chunk of the indexes bench/retrieval.py built (``$CODEASSIST_BENCH_CACHE/retrieval``),
a deterministic sample of `--n`.

    python bench/embed_cost.py [--n 600] [--rounds 3]

Run it twice to see the effect of this machine's OpenBLAS override: once as is, once with
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/embed_cost.py`` (the kernel is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

from registry_corpora import CACHE  # noqa: E402

from codeassist.indexer import embedding_view  # noqa: E402
from codeassist.indexer.chunk_text import unpack_text  # noqa: E402
from codeassist.indexer.embedders import make_embedder  # noqa: E402

# MiniLM-L6: per token and layer, Q/K/V/O (4 d^2) and the feed-forward (8 d^2) multiply-adds.
LAYERS, HIDDEN = 6, 384


def sample_chunks(n: int) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for db_path in sorted((CACHE / "retrieval").glob("*-index-nl/index.db")):
        db = sqlite3.connect(db_path)
        db.create_function("chunk_text", 1, unpack_text)  # stored deflated since migration 7
        rows += db.execute("SELECT f.path, c.symbol, c.kind, chunk_text(c.text), c.header FROM chunks c"
                           " JOIN files f ON f.id = c.file_id ORDER BY c.id").fetchall()
        db.close()
    if not rows:
        raise SystemExit("no indexes: run bench/retrieval.py first")
    return rows[:: max(1, len(rows) // n)][:n]


def texts_for(view: str, rows) -> list[str]:
    embedding_view.VIEW = view
    try:
        return [embedding_view.document_view(*row) for row in rows]
    finally:
        embedding_view.VIEW = "nl"


def blas_info() -> dict:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"threadpoolctl": "not installed (pip install threadpoolctl)"}
    return {"blas": [{k: lib.get(k) for k in ("internal_api", "architecture", "num_threads", "version")}
                     for lib in threadpool_info() if lib.get("user_api") == "blas"],
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}


def gemm_peak(seconds: float = 2.0) -> float:
    """GFLOP/s of a 1024^3 float32 matrix product (numpy's BLAS, all cores): the practical peak."""
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    a @ a
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ a
        runs += 1
    return 2 * 1024**3 * runs / (time.perf_counter() - start) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = sample_chunks(args.n)
    sides = {"code@256": (make_embedder("local", max_tokens=256), texts_for("code", rows)),
             "nl@128": (make_embedder("local", max_tokens=128), texts_for("nl", rows))}
    tokens = {name: [len(ids) for ids in emb.tokenize(texts)] for name, (emb, texts) in sides.items()}
    for emb, texts in sides.values():
        emb.embed_documents(texts[:16])  # warm-up
    seconds = dict.fromkeys(sides, 0.0)
    for _ in range(args.rounds):
        for name, (emb, texts) in sides.items():
            start = time.perf_counter()
            emb.embed_documents(texts)
            seconds[name] += time.perf_counter() - start
    peak = gemm_peak()
    report: dict = {"bench": "embed_cost", "chunks": len(rows), "rounds": args.rounds, **blas_info(),
                    "gemm_peak_gflops": round(peak, 1)}
    for name in sides:
        total_tokens = sum(tokens[name]) * args.rounds
        gflops = total_tokens * LAYERS * 12 * HIDDEN * HIDDEN * 2 / seconds[name] / 1e9
        report[name] = {"chunks_per_s": round(len(rows) * args.rounds / seconds[name], 1),
                        "mean_word_pieces": round(float(np.mean(tokens[name])), 1),
                        "encoder_gflops": round(gflops, 1), "share_of_gemm_peak": round(gflops / peak, 3)}
    report["speedup_nl128_vs_code256"] = round(report["nl@128"]["chunks_per_s"] / report["code@256"]["chunks_per_s"], 3)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
