"""Retrieval quality on code nobody tuned for: lexical vs dense vs hybrid, and every ranking ablation.

Corpora, queries and the tune/report split: bench/retrieval_corpora.py. Settings (RankingOptions' weights,
the embedding view) are chosen on the "tune" corpora only (`--tune` prints the grid); the "report"
corpora are held out and only reported. Per corpus and per query kind (doc / symbol / question) it
prints MRR@10 and recall@5 for:

    lexical, dense, hybrid                 the shipped defaults
    hybrid-rrf                             reciprocal rank fusion instead of score-normalised fusion
    distribution                           each list scaled by mean +- 3 sd instead of BM25 / best, cosine min-max
    -adaptive, -exact, -roles, -second     hybrid without one step of ranking.py
    +graph                                 hybrid with the symbol-graph prior switched (on if off)
    candidates-50                          each retriever's list 50 deep before fusion (before: 150)
    +query-words, dense+query-words        the query embedded with identifiers split into words
    baseline                               RRF and none of the steps (the ranking before issue 13)
    -stemming                              FTS rebuilt without stemming (lexical and hybrid)
    code-view                              the previous embedding view (raw body, 256 word pieces)
    int8-cache                             FAISS rebuilt from the int8 embedding cache

Indexes live under $CODEASSIST_BENCH_CACHE/retrieval/ and are reused (the embedding cache makes a
re-run cheap). Targets: bench/README in the issue: hybrid >= max(lexical, dense) + 0.03 on each held-out
corpus; Python docstring corpora hybrid >= 0.60; questions in the top 5 >= 90 %; symbols in the top 3.

    python bench/retrieval.py [--corpora flask,gin] [--tune] [--skip-code-view] [--max-doc-queries 150]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

from registry_corpora import CACHE  # noqa: E402
from retrieval_corpora import CORPORA, Corpus, Query, build, questions, symbol_queries  # noqa: E402

from codeassist.indexer import embedding_view, lexical  # noqa: E402
from codeassist.indexer.api import open_index  # noqa: E402
from codeassist.indexer.embed_stage import VECTORS_NAME  # noqa: E402
from codeassist.indexer.embedders import make_embedder  # noqa: E402
from codeassist.indexer.pipeline import index_repository  # noqa: E402
from codeassist.indexer.ranking import RankingOptions, symbol_name  # noqa: E402

ROOT = CACHE / "retrieval"
OFF = RankingOptions(fusion="rrf", adaptive_weights=False, role_prior=False, second_stage=False,
                     exact_symbol=False)


class MemoEmbedder:
    """The index's query embedder with a cache: every configuration asks for the same queries."""

    def __init__(self, inner) -> None:
        self.inner, self.memo = inner, {}
        self.model_id, self.dimension, self.max_tokens = inner.model_id, inner.dimension, inner.max_tokens

    def embed_query(self, text):
        if text not in self.memo:
            self.memo[text] = self.inner.embed_query(text)
        return self.memo[text]

    def embed_documents(self, texts):
        return self.inner.embed_documents(texts)


def relevant(hit, query: Query) -> bool:
    if hit.path != query.path:
        return False
    if query.kind == "question":
        return hit.symbol == query.symbol or hit.symbol.endswith(("." + query.symbol, ":" + query.symbol,
                                                                   "#" + query.symbol))
    if hit.kind not in ("function", "method") or not (hit.start_line <= query.end and query.start <= hit.end_line):
        return False
    return query.kind != "symbol" or symbol_name(hit.symbol) == query.text.lower()


def evaluate(index, queries: list[Query], mode: str) -> dict[str, dict[str, float]]:
    by_kind: dict[str, list[int | None]] = {}
    for query in queries:
        hits = index.search(query.text, k=10, mode=mode)
        rank = next((i for i, hit in enumerate(hits, start=1) if relevant(hit, query)), None)
        by_kind.setdefault(query.kind, []).append(rank)
    out = {}
    for kind, ranks in by_kind.items():
        n = len(ranks)
        out[kind] = {"n": n, "mrr@10": round(sum(1 / r for r in ranks if r) / n, 4),
                     "recall@5": round(sum(1 for r in ranks if r and r <= 5) / n, 4)}
        if kind == "symbol":
            out[kind]["outside_top3"] = sum(1 for r in ranks if not r or r > 3)
    return out


def index_dir(corpus: Corpus, view: str) -> Path:
    return ROOT / f"{corpus.name}-index-{view}"


def ensure_index(corpus: Corpus, tree: Path, view: str, max_tokens: int) -> dict:
    """Index the blanked tree with an embedding view; timings of a cold embed are what is reported."""
    embedding_view.VIEW = view
    embedder = make_embedder("local", max_tokens=max_tokens)
    started = time.perf_counter()
    report = index_repository(tree, index_dir(corpus, view), embedder=embedder)
    seconds = time.perf_counter() - started
    return {"chunks": report.chunks, "newly_embedded": report.newly_embedded, "seconds": round(seconds, 1)}


def copy_index(src: Path, name: str) -> Path:
    dest = src.parent / f"{src.name}-{name}"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest)
    return dest


def kb_per_chunk(directory: Path, chunks: int) -> float:
    size = sum(p.stat().st_size for p in directory.iterdir() if p.is_file())
    return round(size / 1024 / max(1, chunks), 2)


def run_configs(tree: Path, directory: Path, queries: list[Query], configs: dict) -> dict:
    out = {}
    with open_index(tree, directory) as index:
        index.search("warm up", k=1)
        if index._dense.embedder is not None:
            index._dense.embedder = MemoEmbedder(index._dense.embedder)
        for name, (mode, options) in configs.items():
            index.ranking = options
            out[name] = evaluate(index, queries, mode)
    return out


def corpus_report(corpus: Corpus, args) -> dict:
    tree = ROOT / f"{corpus.name}-tree"
    queries = build(corpus, tree)
    docs = [q for q in queries if q.kind == "doc"]
    docs = docs[:: max(1, len(docs) // args.max_doc_queries)][: args.max_doc_queries]
    built = ensure_index(corpus, tree, "nl", 128)
    directory = index_dir(corpus, "nl")
    queries = docs + symbol_queries(directory / "index.db") + questions(corpus.name)
    default = RankingOptions()
    configs = {
        "lexical": ("lexical", default), "dense": ("dense", default), "hybrid": ("hybrid", default),
        "hybrid-rrf": ("hybrid", replace(default, fusion="rrf")),
        "distribution": ("hybrid", replace(default, normalisation="distribution")),
        "-adaptive": ("hybrid", replace(default, adaptive_weights=False)),
        "-exact": ("hybrid", replace(default, exact_symbol=False)),
        "-roles": ("hybrid", replace(default, role_prior=False)),
        "-second": ("hybrid", replace(default, second_stage=False)),
        "+graph": ("hybrid", replace(default, graph_prior=not default.graph_prior)),
        "candidates-50": ("hybrid", replace(default, candidates=50)),
        "+query-words": ("hybrid", replace(default, query_words=True)),
        "dense+query-words": ("dense", replace(default, query_words=True)),
        "baseline": ("hybrid", OFF),
    }
    if args.tune:
        strong = {"test": 0.35, "docs": 0.35, "example": 0.6, "generated": 0.3, "declaration": 0.7}
        mild = {"test": 0.6, "docs": 0.6, "example": 0.8, "generated": 0.5, "declaration": 0.85}
        for dw in (0.3, 0.4, 0.5, 0.6):
            for roles in ("mild", "strong"):
                for nw in (0.0, 0.15, 0.3):
                    configs[f"tune dw={dw} roles={roles} nw={nw}"] = ("hybrid", replace(
                        default, dense_weight=dw, name_overlap_weight=nw,
                        role_factors=strong if roles == "strong" else mild))
        for depth in (50, 100, 150, 200):
            configs[f"tune candidates={depth}"] = ("hybrid", replace(default, candidates=depth))
    results = run_configs(tree, directory, queries, configs)
    lexical.set_stemming(False)
    try:
        results.update({f"{k}/-stemming": v for k, v in run_configs(
            tree, copy_index(directory, "nostem"), queries,
            {"lexical": ("lexical", default), "hybrid": ("hybrid", default)}).items()})
    finally:
        lexical.set_stemming(True)
    rebuilt = copy_index(directory, "int8")
    (rebuilt / VECTORS_NAME).unlink()
    results.update({f"{k}/int8-cache": v for k, v in run_configs(
        tree, rebuilt, queries, {"dense": ("dense", default)}).items()})
    sizes = {"kb_per_chunk": kb_per_chunk(directory, built["chunks"]),
             "kb_per_chunk_faiss": round((directory / VECTORS_NAME).stat().st_size / 1024 / max(1, built["chunks"]), 2)}
    if not args.skip_code_view:
        old = ensure_index(corpus, tree, "code", 256)
        embedding_view.VIEW = "nl"
        results.update({f"{k}/code-view": v for k, v in run_configs(
            tree, index_dir(corpus, "code"), queries,
            {"dense": ("dense", default), "hybrid": ("hybrid", default)}).items()})
        built["code_view_index"] = old
    return {"corpus": corpus.name, "language": corpus.language, "half": corpus.half, "index": built,
            **sizes, "results": results}


def summary(reports: list[dict]) -> dict:
    checks = {}
    for rep in reports:
        if rep["half"] != "report":
            continue
        res = rep["results"]
        kind = "doc" if "doc" in res["hybrid"] else "question"
        h, lx, d = (res[m][kind]["mrr@10"] for m in ("hybrid", "lexical", "dense"))
        checks[rep["corpus"]] = {
            "hybrid_minus_best_single": round(h - max(lx, d), 4),
            "hybrid_beats_best_by_0.03": h >= max(lx, d) + 0.03,
            **({"python_doc_hybrid>=0.60": h >= 0.60} if rep["language"] == "python" else {}),
        }
    questions_ranks = [(rep["corpus"], rep["results"]["hybrid"].get("question")) for rep in reports]
    asked = sum(q["n"] for _, q in questions_ranks if q)
    top5 = sum(q["recall@5"] * q["n"] for _, q in questions_ranks if q)
    outside = sum(rep["results"]["hybrid"].get("symbol", {}).get("outside_top3", 0) for rep in reports)
    def top5_of(half: str) -> tuple[int, int]:
        got = [rep["results"]["hybrid"].get("question") for rep in reports if rep["half"] == half]
        return (round(sum(q["recall@5"] * q["n"] for q in got if q)), sum(q["n"] for q in got if q))

    return {"tuned_on": [rep["corpus"] for rep in reports if rep["half"] == "tune"],
            "held_out": checks, "questions": asked, "questions_top5": round(top5 / max(1, asked), 4),
            "questions_top5_held_out": "{} of {}".format(*top5_of("report")),
            "questions_top5_tune": "{} of {}".format(*top5_of("tune")),
            "symbol_queries_outside_top3": outside}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpora", default=",".join(c.name for c in CORPORA))
    parser.add_argument("--tune", action="store_true", help="also print the weight grid (tune half only)")
    parser.add_argument("--skip-code-view", action="store_true")
    parser.add_argument("--max-doc-queries", type=int, default=150)
    parser.add_argument("--index-only", action="store_true", help="only build (or update) the indexes")
    parser.add_argument("--views", default="nl,code", help="with --index-only: which embedding views")
    args = parser.parse_args()
    ROOT.mkdir(parents=True, exist_ok=True)
    wanted = args.corpora.split(",")
    if args.index_only:
        views = {"nl": 128, "code": 256}
        for view, tokens in ((v, views[v]) for v in args.views.split(",")):
            for corpus in CORPORA:
                if corpus.name in wanted:
                    tree = ROOT / f"{corpus.name}-tree"
                    build(corpus, tree)
                    print(json.dumps({"corpus": corpus.name, "view": view,
                                      **ensure_index(corpus, tree, view, tokens)}), flush=True)
        return
    reports = []
    for corpus in CORPORA:
        if corpus.name in wanted:
            if args.tune and corpus.half != "tune":
                continue
            reports.append(corpus_report(corpus, args))
            print(json.dumps(reports[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"benchmark": "retrieval", "corpora": reports, "summary": summary(reports)}, indent=1))


if __name__ == "__main__":
    main()
