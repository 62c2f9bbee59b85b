"""Completion latency: context assembly (everything but the model) at 10k and 100k chunks, and
end-to-end inlineCompletion request -> response over the real stdio protocol with a zero-latency local
fake model; plus the server's RSS with the 100k-chunk index open.

The big indexes replicate the real chunks of a corpus (installed package sources, bench/corpus.py):
each copy lives under its own folder and carries a marker line, so FTS5 sees distinct rows. Retrieval
for completion is lexical by default (no query embedding on the typing path), which is what is measured.
Targets at 100k chunks: context p50 <= 15 ms, p95 <= 40 ms; server RSS <= 500 MB.

    python bench/completion.py [--sizes 10000,100000] [--requests 200] [--e2e-requests 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# bench/faiss.py must not shadow the faiss package: the script folder goes last on the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

from corpus import CACHE, build_corpus  # noqa: E402

from codeassist.indexer import open_index  # noqa: E402
from codeassist.indexer.model import Chunk  # noqa: E402
from codeassist.indexer.pipeline import index_repository  # noqa: E402
from codeassist.indexer.store import Store  # noqa: E402
from codeassist.lsp import context_assembly as completion  # noqa: E402  (its definition_snippets is switched off and on)
from codeassist.lsp.completion import CompletionOptions, CompletionRequest, assemble_context  # noqa: E402
from codeassist.lsp.neighbors import NeighborIndex  # noqa: E402
from codeassist.lsp.term_stats import TermStats  # noqa: E402

CORPUS = CACHE / "completion-corpus"
BASE_INDEX = CACHE / "completion-base-index"
TARGETS = {"context_p50_ms": 15.0, "context_p95_ms": 40.0, "rss_mb": 500.0}


def base_index() -> tuple[Path, Path]:
    if not CORPUS.exists():
        build_corpus(label=CORPUS.name)
    index_repository(CORPUS, BASE_INDEX, embed=False)  # incremental: cheap after the first run
    return CORPUS, BASE_INDEX


def replicate(base_dir: Path, target: Path, size: int) -> None:
    """An index of `size` chunks made of marked copies of the base index's chunks (lexical only)."""
    marker = target / "complete.txt"
    if marker.exists() and marker.read_text() == str(size):
        return
    shutil.rmtree(target, ignore_errors=True)
    src = Store(base_dir)
    rows = src.db.execute(
        "SELECT f.path, f.language, c.start_line, c.end_line, c.kind, c.symbol, c.language, chunk_text(c.text)"
        " FROM chunks c JOIN files f ON f.id = c.file_id ORDER BY f.path, c.start_line").fetchall()
    src.close()
    by_file: dict[tuple[str, str], list] = {}
    for row in rows:
        by_file.setdefault((row[0], row[1]), []).append(row)
    dst = Store(target)
    written, copy = 0, 0
    while written < size:
        for (path, lang), file_rows in by_file.items():
            if written >= size:
                break
            chunks = [Chunk(start, end, kind, f"{symbol}_c{copy}" if (copy and symbol) else symbol,
                            f"{text}\n# copy {copy}" if copy else text, clang)
                      for _, _, start, end, kind, symbol, clang, text in file_rows[: size - written]]
            dst.replace_file(f"copy{copy}/{path}", size=0, mtime_ns=0, digest="", language=lang, chunks=chunks)
            written += len(chunks)
        copy += 1
    dst.close()
    marker.write_text(str(size))


def cursor_samples(corpus: Path, count: int, seed: int = 11) -> list[tuple[Path, str, int, int]]:
    """(file, text, line, character): cursors at the indentation of real lines inside functions."""
    rng = random.Random(seed)
    files = sorted(p for p in corpus.rglob("*.py") if p.stat().st_size > 2000)
    samples = []
    while len(samples) < count:
        path = rng.choice(files)
        text = path.read_text("utf-8", errors="replace")
        lines = text.split("\n")
        candidates = [i for i, line in enumerate(lines) if line.startswith("        ") and line.strip()]
        if not candidates:
            continue
        line = rng.choice(candidates)
        character = len(lines[line]) - len(lines[line].lstrip()) + rng.randint(0, 6)
        samples.append((path, text, line, min(character, len(lines[line]))))
    return samples


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)), 2)


def measure_context(corpus: Path, index_dir: Path, samples: list) -> dict:
    """Assembly with the definition context, and without it (assembly before issue 12) as the in-run
    reference: interleaved per request so both see the same machine load."""
    neighbors = NeighborIndex()
    options = CompletionOptions(model="qwen2.5-coder:1.5b")
    with_definitions = completion.definition_snippets
    timings: dict[bool, list[float]] = {True: [], False: []}

    def read_file(rel: str) -> str | None:
        try:
            return (corpus / rel).read_text("utf-8", errors="replace")
        except OSError:
            return None

    with open_index(corpus, index_dir) as index:
        stats = TermStats(index)
        chunks = index.status()["chunks"]
        for i, (path, text, line, character) in enumerate(samples):
            others = [(f"file://{p}", p.name, 1, t) for p, t, _, _ in samples[max(0, i - 3):i] if p != path]
            rel = path.relative_to(corpus).as_posix()
            req = CompletionRequest(path.as_uri(), rel, text, line, character, "python")
            for on in ((True, False) if i % 2 else (False, True)):
                completion.definition_snippets = with_definitions if on else (lambda *a, **k: [])
                started = time.perf_counter()
                assemble_context(req, options=options, searcher=index, neighbors=neighbors, open_documents=others,
                                 term_stats=stats, read_file=read_file)
                timings[on].append((time.perf_counter() - started) * 1000)
        completion.definition_snippets = with_definitions
    warm, before = timings[True][10:], timings[False][10:]  # the first requests load tree-sitter grammars
    return {"chunks": chunks, "p50_ms": percentile(warm, 50), "p95_ms": percentile(warm, 95),
            "max_ms": round(max(warm), 2), "without_definitions_p50_ms": percentile(before, 50),
            "without_definitions_p95_ms": percentile(before, 95)}


async def measure_e2e(corpus: Path, index_dir: Path, samples: list, requests: int) -> dict:
    import psutil
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    from tests.fake_openai import FakeOpenAI

    fake = FakeOpenAI(default_completion="result = compute(value)").start()
    client = LanguageClient("bench", "0")
    await client.start_io(sys.executable, "-m", "codeassist.lsp.server")
    try:
        init = {"completion": {"baseUrl": fake.base_url, "model": "qwen2.5-coder:1.5b", "apiKey": "x",
                               "debounceMs": 0, "deadlineMs": 5000},
                "index": {"indexDir": str(index_dir)}, "lsp": {"indexOnStart": False, "embed": False}}
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=corpus.as_uri(), initialization_options=init))
        client.initialized(types.InitializedParams())
        while True:  # the server opens the index in the background
            state = await client.protocol.send_request_async("codeassist/status", {})
            if state.indexState in ("lexical", "ready"):
                break
            await asyncio.sleep(0.05)
        opened: set[str] = set()
        timings = []
        for path, text, line, character in samples[:requests]:
            uri = path.as_uri()
            if uri not in opened:
                client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text)))
                opened.add(uri)
            params = types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character),
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic))
            started = time.perf_counter()
            await client.text_document_inline_completion_async(params)
            timings.append((time.perf_counter() - started) * 1000)
        rss = psutil.Process(client._server.pid).memory_info().rss / 2**20
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
        fake.stop()
    warm = timings[5:]
    return {"requests": len(timings), "p50_ms": percentile(warm, 50), "p95_ms": percentile(warm, 95),
            "model_requests": len(fake.requests_of("completions")), "server_rss_mb": round(rss, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--e2e-requests", type=int, default=100)
    args = parser.parse_args()
    corpus, base = base_index()
    samples = cursor_samples(corpus, args.requests)
    # Latencies on a shared machine move with its load: recorded so two runs can be compared fairly.
    result: dict = {"targets": TARGETS, "retrieval_mode": "lexical",
                    "machine": {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)},
                    "context": {}, "e2e": {}}
    sizes = [int(s) for s in args.sizes.split(",")]
    for size in sizes:
        target = CACHE / f"completion-index-{size}"
        replicate(base, target, size)
        result["context"][str(size)] = measure_context(corpus, target, samples)
    largest = CACHE / f"completion-index-{sizes[-1]}"
    result["e2e"][str(sizes[-1])] = asyncio.run(measure_e2e(corpus, largest, samples, args.e2e_requests))
    ctx = result["context"][str(sizes[-1])]
    result["meets_targets"] = {
        "context_p50": ctx["p50_ms"] <= TARGETS["context_p50_ms"],
        "context_p95": ctx["p95_ms"] <= TARGETS["context_p95_ms"],
        "rss": result["e2e"][str(sizes[-1])]["server_rss_mb"] <= TARGETS["rss_mb"],
    }
    result["machine"]["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
