"""Definition recall of the completion prompt, CrossCodeEval-style (issue 12).

Sites are lines that call a function/class defined in ANOTHER file of the corpus, resolved through the
calling file's imports (bench/context_sites.py, independent of the product's symbol graph). Two cursor
settings: "start" (at the start of the call, the rest of the line removed: `x = |`) and "after_paren"
(right after `name(`). The REAL `codeassist-lsp` runs over stdio against the scripted OpenAI server
(tests/fake_openai.py); each site's buffer is opened (no other documents open), an inline completion is
requested, and the FIM prompt the server sent is checked for the definition's header (`def name(`,
`class Name`, `function name`, `func name(`, `func (r) Name(`, `type Name`).

Printed beside the product: the three reference retrievers of the issue (BM25 over definition chunks with
the last 15 lines as the query, top 3; BM25 restricted to what the file imports, top 3; identifiers
nearest the cursor resolved through the file's imports, top 3), and context-assembly latency (in-process
`assemble_context` on the same sites and index).

Corpora come from the registries (bench/registry_corpora.py), never this repository. Settings (snippet
counts, ranking weights) were chosen on TUNING ("rich"); the others are reported untouched.

    CODEASSIST_BENCH_CACHE=/work/corpora python bench/context_recall.py [--sites 80] [--corpora rich,gin]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from context_sites import BM25, Corpus, header_re, reference_hits  # noqa: E402
from registry_corpora import CACHE, fetch  # noqa: E402

# name -> (registry spec, sub-folder holding the sources, language)
CORPORA = {
    "rich": ("pypi:rich==13.7.1", "rich", "python"),
    "httpx": ("pypi:httpx==0.27.0", "httpx", "python"),
    "query-core": ("npm:@tanstack/query-core@5.59.0", "src", "typescript"),
    "gin": ("deb:golang-github-gin-gonic-gin-dev", "", "go"),
}
TUNING = "rich"
SETTINGS = ("start", "after_paren")
TARGETS = {"after_paren": 0.95, "start": 0.50}
MODEL = "qwen2.5-coder:1.5b"
SEED = 7


def corpus_root(name: str) -> tuple[Path, str]:
    spec, sub, language = CORPORA[name]
    root = fetch(spec)
    return (root / sub if sub else root), language


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)), 2) if values else 0.0


async def product_prompts(root: Path, index_dir: Path, language: str, buffers: list[tuple[str, str, int, int]]
                          ) -> list[str]:
    """The prompt the real server sent for each (rel path, buffer, line, character)."""
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    from tests.fake_openai import FakeOpenAI

    fake = FakeOpenAI(default_completion="pass").start()
    client = LanguageClient("bench", "0")
    await client.start_io(sys.executable, "-m", "codeassist.lsp.server")
    prompts: list[str] = []
    try:
        init = {"completion": {"baseUrl": fake.base_url, "model": MODEL, "apiKey": "x", "debounceMs": 0,
                               "deadlineMs": 10000},
                "index": {"indexDir": str(index_dir)}, "lsp": {"indexOnStart": True, "embed": False}}
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=root.as_uri(), initialization_options=init))
        client.initialized(types.InitializedParams())
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # the server indexes the corpus in the background
            state = await client.protocol.send_request_async("codeassist/status", {})
            if state.indexState == "ready" or (state.indexState == "lexical" and state.chunks):
                break
            await asyncio.sleep(0.2)
        for rel, text, line, character in buffers:
            uri = (root / rel).as_uri()
            client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=text)))
            before = len(fake.requests_of("completions"))
            params = types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character),
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked))
            await client.text_document_inline_completion_async(params)
            sent = fake.requests_of("completions")[before:]
            prompts.append(sent[-1].json.get("prompt", "") if sent else "")
            client.text_document_did_close(types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
        fake.stop()
    return prompts


def assembly_latency(root: Path, index_dir: Path, language: str, buffers: list[tuple[str, str, int, int]]) -> dict:
    """In-process `assemble_context` on the same buffers and index (ms), with the definition context and
    without it (the reference: assembly as it was before issue 12), interleaved so both see the same load."""
    from codeassist.indexer import open_index
    from codeassist.lsp import completion
    from codeassist.lsp.completion import CompletionOptions, CompletionRequest, assemble_context
    from codeassist.lsp.term_stats import TermStats

    options = CompletionOptions(model=MODEL)
    timings: dict[bool, list[float]] = {True: [], False: []}
    snippets = []
    with_definitions = completion.definition_snippets

    def read_file(rel: str) -> str | None:
        try:
            return (root / rel).read_text("utf-8", errors="replace")
        except OSError:
            return None

    with open_index(root, index_dir) as index:
        stats = TermStats(index)
        for i, (rel, text, line, character) in enumerate(buffers):
            req = CompletionRequest((root / rel).as_uri(), rel, text, line, character, language)
            for on in ((True, False) if i % 2 else (False, True)):
                completion.definition_snippets = with_definitions if on else (lambda *a, **k: [])
                started = time.perf_counter()
                assembled = assemble_context(req, options=options, searcher=index, term_stats=stats,
                                             read_file=read_file)
                timings[on].append((time.perf_counter() - started) * 1000)
                if on:
                    snippets.append(sum(1 for s in assembled.snippets if s.source == "definition"))
        completion.definition_snippets = with_definitions
    on, off = timings[True][5:], timings[False][5:]
    return {"p50_ms": percentile(on, 50), "p95_ms": percentile(on, 95),
            "without_definitions_p50_ms": percentile(off, 50), "without_definitions_p95_ms": percentile(off, 95),
            "definition_snippets_mean": round(sum(snippets) / max(1, len(snippets)), 2)}


def run_corpus(name: str, count: int) -> dict:
    root, language = corpus_root(name)
    corpus = Corpus(root, language)
    sites = corpus.sites(count, SEED)
    bm25 = BM25([d for defs in corpus.definitions.values() for d in defs.values()])
    index_dir = CACHE / "context-recall-index" / name
    result: dict = {"language": language, "files": len(corpus.texts), "sites": len(sites),
                    "tuning_corpus": name == TUNING}
    buffers, references = [], {s: {} for s in SETTINGS}
    for setting in SETTINGS:
        for site in sites:
            text, line, character = site.buffer(corpus.texts[site.path], setting)
            buffers.append((site.path, text, line, character))
            for key, hit in reference_hits(corpus, bm25, site, text, line, character).items():
                references[setting][key] = references[setting].get(key, 0) + hit
    prompts = asyncio.run(product_prompts(root, index_dir, language, buffers))
    for i, setting in enumerate(SETTINGS):
        chunk = prompts[i * len(sites):(i + 1) * len(sites)]
        found = sum(1 for site, prompt in zip(sites, chunk, strict=True) if header_re(language, site.name).search(prompt))
        recall = {"codeassist": round(found / max(1, len(sites)), 3)}
        recall.update({k: round(v / max(1, len(sites)), 3) for k, v in references[setting].items()})
        recall["prompts_sent"] = sum(1 for p in chunk if p)
        result[setting] = recall
    result["context_assembly"] = assembly_latency(root, index_dir, language, buffers)
    result["meets_targets"] = {s: result[s]["codeassist"] >= TARGETS[s] for s in SETTINGS}
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=80, help="sites per corpus (each run in both settings)")
    parser.add_argument("--corpora", default=",".join(CORPORA))
    args = parser.parse_args()
    started = time.time()
    report: dict = {"targets": TARGETS, "tuning_corpus": TUNING, "seed": SEED,
                    "machine": {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)},
                    "corpora": {}}
    for name in args.corpora.split(","):
        report["corpora"][name] = run_corpus(name, args.sites)
    report["meets_targets"] = all(all(c["meets_targets"].values()) for c in report["corpora"].values())
    report["seconds"] = round(time.time() - started, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
