"""Retrieval quality, CodeSearchNet style: lexical-only vs dense-only vs hybrid on real code.

Corpus: the installed sources of third-party packages (deterministic copy). Every function with a
docstring gives a query: the docstring's first sentence. The docstring is blanked out of the indexed
copy (replaced by ``pass`` and empty lines, so line numbers are kept), so a query can only be answered
from the code, its name and its comments. Queries whose text occurs more than once (sync/async twins,
overloads) are dropped: they have no single right answer. A hit is relevant when it is a function or
method chunk of the same file overlapping the function's lines.

Reports MRR@10 and recall@1/5/10 per mode. Targets: hybrid >= the better single mode on MRR@10,
and hybrid MRR@10 >= 0.55.

    python bench/retrieval.py [--max-queries 400]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# bench/faiss.py must not shadow the faiss package: the script folder goes last on the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

from corpus import CACHE, package_dir  # noqa: E402

from codeassist.indexer import open_index  # noqa: E402
from codeassist.indexer.pipeline import index_repository  # noqa: E402

PACKAGES = ("click", "rich", "pygls", "platformdirs", "pathspec")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s|\n\s*\n")


@dataclass(frozen=True)
class Query:
    text: str
    path: str
    start: int
    end: int


def first_sentence(doc: str) -> str:
    doc = doc.strip()
    return " ".join(_SENTENCE_END.split(doc, maxsplit=1)[0].split())


def blank_docstrings(source: str) -> tuple[str, list[tuple[str, int, int]]]:
    """(source with function docstrings blanked, [(first sentence, def line, end line)])."""
    tree = ast.parse(source)
    lines = source.split("\n")
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        doc = ast.get_docstring(node, clean=True)
        if not doc:
            continue
        text = first_sentence(doc)
        if len(text.split()) < 4:
            continue
        expr = node.body[0]
        indent = re.match(r"\s*", lines[expr.lineno - 1]).group(0)
        lines[expr.lineno - 1] = indent + "pass"
        for i in range(expr.lineno, expr.end_lineno):
            lines[i] = ""
        found.append((text, node.lineno, node.end_lineno))
    return "\n".join(lines), found


def build(dest: Path) -> list[Query]:
    if dest.exists():
        shutil.rmtree(dest)
    queries: list[Query] = []
    for name in PACKAGES:
        src = package_dir(name)
        for path in sorted(src.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            rel = f"{name}/{path.relative_to(src).as_posix()}"
            source = path.read_text(encoding="utf-8", errors="replace")
            try:
                blanked, found = blank_docstrings(source)
            except SyntaxError:
                blanked, found = source, []
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(blanked, encoding="utf-8")
            queries += [Query(text, rel, start, end) for text, start, end in found]
    counts = Counter(q.text.lower() for q in queries)
    return sorted((q for q in queries if counts[q.text.lower()] == 1), key=lambda q: (q.path, q.start))


def relevant(hit, query: Query) -> bool:
    return (hit.path == query.path and hit.kind in ("function", "method")
            and hit.start_line <= query.end and query.start <= hit.end_line)


def evaluate(index, queries: list[Query], mode: str) -> dict[str, float]:
    rr, r1, r5, r10 = 0.0, 0, 0, 0
    started = time.perf_counter()
    for query in queries:
        hits = index.search(query.text, k=10, mode=mode)
        rank = next((i for i, hit in enumerate(hits, start=1) if relevant(hit, query)), None)
        if rank:
            rr += 1 / rank
            r1 += rank <= 1
            r5 += rank <= 5
            r10 += rank <= 10
    n = len(queries)
    return {"mrr@10": round(rr / n, 4), "recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4),
            "recall@10": round(r10 / n, 4), "ms_per_query": round(1000 * (time.perf_counter() - started) / n, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-queries", type=int, default=400)
    args = parser.parse_args()
    corpus = CACHE / "retrieval-corpus"
    queries = build(corpus)
    stride = max(1, len(queries) // args.max_queries)
    sample = queries[::stride][: args.max_queries]
    index_dir = CACHE / "retrieval-index"
    started = time.perf_counter()
    report = index_repository(corpus, index_dir)
    index_s = time.perf_counter() - started
    with open_index(corpus, index_dir) as index:
        results = {mode: evaluate(index, sample, mode) for mode in ("lexical", "dense", "hybrid")}
    best_single = max(results["lexical"]["mrr@10"], results["dense"]["mrr@10"])
    print(json.dumps({
        "benchmark": "retrieval",
        "packages": PACKAGES,
        "files": report.files_total,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "index_seconds": round(index_s, 1),
        "queries_total": len(queries),
        "queries_evaluated": len(sample),
        **results,
        "target": {"hybrid_mrr@10_min": 0.55, "hybrid_at_least_best_single": True},
        "pass": results["hybrid"]["mrr@10"] >= 0.55 and results["hybrid"]["mrr@10"] >= best_single,
    }, indent=2))


if __name__ == "__main__":
    main()
