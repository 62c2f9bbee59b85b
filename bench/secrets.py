"""Planted-secrets benchmark: how many secret values reach a model, per kind and per path, and how much
ordinary code the redactor touches by mistake.

    export CODEASSIST_BENCH_CACHE=/work/corpora
    python bench/secrets.py [--seed 7] [--fp-corpora pypi:requests==2.32.3 ...]

1. A repository with one file per planted kind (`bench/secret_kinds.py`, 50+ kinds: cloud keys, provider
   tokens, JWTs, private keys of several types incl. blocks longer than a chunk, connection strings and
   URLs with passwords, .env lines with neutral names, comments, YAML/JSON/TOML/INI shapes, base64 and hex
   values) is indexed with a REMOTE embeddings endpoint: the fake OpenAI server (tests/fake_openai.py),
   which records every request body.
2. Every path that sends repository text is driven against that server, with the same functions the CLI
   and the language server call:
   - ``embeddings``: the index build's /v1/embeddings inputs;
   - ``ask``: `answer_question` with every chunk of the file as a search hit (what `codeassist ask` sends);
   - ``chat``: the editor chat panel about the whole file (selection = the document), with a follow-up;
   - ``explain``: `codeassist.explain` on 8-line ranges starting at every 3rd line (ranges that start
     inside key blocks included);
   - ``completion``: FIM prompts with the cursor at every 2nd line of the file, and with the file's chunks
     as retrieved snippets while typing in another file;
   - ``prompt_log``: the prompt log database file on disk, read as bytes.
3. A planted value counts as leaked on a path when any 12-character window of it (the whole value when
   shorter) occurs in what that path sent. Target: 0 everywhere.
4. Reference in the same run: the redactor of the commit before whole-file redaction
   (`--reference-commit`) applied to each indexed chunk on its own, the way chunks were sent before.
5. False positives: findings of `redact()` on real code that holds no secrets (registry corpora: tuning
   corpora listed separately from the reported ones) plus synthetic lockfile / digest / UUID / test
   vector shapes.
6. Throughput: MB/s of `redact()` on the report corpora, against the reference redactor on the same texts.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# This file's name shadows the stdlib `secrets` (and bench/faiss.py the faiss package) when bench/ leads
# sys.path, as it does for `python bench/secrets.py`: put bench/ and tests/ after the installed packages.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

from secret_kinds import KINDS  # noqa: E402

TUNING_CORPORA = ["pypi:flask==3.0.3", "npm:ky@1.7.2", "deb:golang-github-gin-gonic-gin-dev",
                  "deb:golang-github-spf13-cobra-dev"]
REPORT_CORPORA = ["pypi:requests==2.32.3", "pypi:httpx==0.27.0", "pypi:rich==13.7.1", "pypi:attrs==23.2.0",
                  "npm:zod@3.23.8", "npm:@tanstack/query-core@5.59.0", "deb:golang-github-sirupsen-logrus-dev",
                  "deb:librust-anyhow-dev"]
WINDOW = 12
# The last commit before whole-file redaction (issue 16 item 10).
REFERENCE_COMMIT = "ae0e1ec"
PATHS = ["embeddings", "ask", "chat", "explain", "completion", "prompt_log"]


def needles(value: str) -> list[str]:
    if len(value) <= WINDOW:
        return [value]
    return [value[i:i + WINDOW] for i in range(0, len(value) - WINDOW + 1, 3)]


def leaked(values: list[str], sent: str) -> int:
    return sum(any(n in sent for n in needles(v)) for v in values)


class FileSearcher:
    """A searcher whose hits are every indexed chunk of one file (so every chunk reaches the prompt)."""

    def __init__(self, index: Any, path: str) -> None:
        self.index, self.path, self.root = index, path, index.root

    def repos(self) -> dict[str, str]:
        return {}

    def search(self, query: str, k: int = 10, **_: Any) -> list[Any]:
        return self.index.file_chunks(self.path)


class NoHits:
    def search(self, *args: Any, **kwargs: Any) -> list:
        return []


def build_repo(root: Path, seed: int) -> dict[str, tuple[str, list[str]]]:
    rng = random.Random(seed)
    planted: dict[str, tuple[str, list[str]]] = {}
    for name, path, build in KINDS:
        text, values = build(rng)
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        planted[name] = (path, values)
    (root / "app" / "orders.py").write_text("def total(items):\n    return sum(i.price for i in items)\n\n\n"
                                            "def tax(amount):\n    return amount * 0.2\n")
    return planted


def sent_since(server: Any, start: int) -> str:
    with server._lock:
        reqs = server.requests[start:]
    return "\n".join(json.dumps(r.json, ensure_ascii=False) for r in reqs)


def run_paths(root: Path, planted: dict[str, tuple[str, list[str]]], work: Path) -> tuple[dict, dict]:
    fake_openai = load_module("fake_openai", HERE.parent / "tests" / "fake_openai.py")

    from codeassist.answer import SelectionContext, answer_question
    from codeassist.embedding import configured_embedder
    from codeassist.indexer import open_index
    from codeassist.indexer.pipeline import index_repository
    from codeassist.llm import LLMClient
    from codeassist.lsp.chat import selection_from
    from codeassist.lsp.completion import CompletionOptions, CompletionRequest, assemble_context
    from codeassist.promptlog import PromptLog
    from codeassist.settings import load_settings

    per_path: dict[str, dict[str, int]] = {p: {} for p in PATHS}
    chunks: dict[str, int] = {}
    log = PromptLog(work / "log.db")
    with fake_openai.FakeOpenAI() as server:
        settings = load_settings(None, {"embeddings": {"provider": "openai", "base_url": server.base_url,
                                                       "model": "fake-embed", "api_key": "k"}},
                                 env={"OPENAI_BASE_URL": server.base_url, "CODEASSIST_CHAT_MODEL": "fake-chat",
                                      "CODEASSIST_CHAT_MAX_RETRIES": "0", "CODEASSIST_COMPLETION_MODEL":
                                      "qwen2.5-coder:1.5b", "CODEASSIST_COMPLETION_MAX_RETRIES": "0"})
        start = len(server.requests)
        embedder = configured_embedder(settings.embeddings, root)
        index_repository(root, work / "index", embedder=embedder)
        embedded = sent_since(server, start)
        chat = LLMClient(settings.chat, purpose="chat", log=log)
        completion = LLMClient(settings.completion, purpose="completion", log=log)
        with open_index(root, work / "index", embedder=embedder) as index:
            for name, (path, values) in planted.items():
                text = (root / path).read_text(encoding="utf-8")
                chunks[name] = len(index.file_chunks(path))
                per_path["embeddings"][name] = leaked(values, embedded)

                mark = len(server.requests)
                answer_question(f"What does {path} configure?", searcher=FileSearcher(index, path),
                                settings=settings, client=chat)
                per_path["ask"][name] = leaked(values, sent_since(server, mark))

                mark = len(server.requests)
                sel = selection_from(text, path, 0, len(text.split("\n")) - 1)  # the whole document
                selection = SelectionContext(sel.rel_path, sel.start_line, sel.end_line, sel.text, sel.language)
                first = answer_question("Summarise this file.", searcher=FileSearcher(index, path),
                                        settings=settings, client=chat, selection=selection)
                history = [{"role": "user", "content": "Summarise this file."},
                           {"role": "assistant", "content": first.answer}]
                answer_question("And what would break without it?", searcher=FileSearcher(index, path),
                                settings=settings, client=chat, selection=selection, history=history)
                per_path["chat"][name] = leaked(values, sent_since(server, mark))

                mark = len(server.requests)
                lines = text.split("\n")
                for first_line in range(0, len(lines), 3):
                    sel = selection_from(text, path, first_line, min(first_line + 7, len(lines) - 1))
                    answer_question("Explain this code.", searcher=NoHits(), settings=settings, client=chat,
                                    template="explain", selection=SelectionContext(
                                        sel.rel_path, sel.start_line, sel.end_line, sel.text, sel.language))
                per_path["explain"][name] = leaked(values, sent_since(server, mark))

                mark = len(server.requests)
                options = CompletionOptions(model=settings.completion.model)
                requests = [CompletionRequest(f"file:///{path}", path, text, line, len(lines[line]))
                            for line in range(0, len(lines), 2)]
                other = "from app import orders\n\n\ndef load():\n    value = "
                requests.append(CompletionRequest("file:///app/use.py", "app/use.py", other, 4, 12))
                for req in requests:
                    assembled = assemble_context(req, options=options, searcher=FileSearcher(index, path))
                    with completion.complete_stream(assembled.prompt.prompt, max_tokens=16,
                                                    stop=assembled.prompt.stop) as stream:
                        for _ in stream:
                            pass
                per_path["completion"][name] = leaked(values, sent_since(server, mark))
        log_bytes = (work / "log.db").read_bytes().decode("utf-8", errors="replace")
        conn = sqlite3.connect(work / "log.db")
        rows = "\n".join(r[0] + r[1] for r in conn.execute("SELECT request, response FROM requests"))
        conn.close()
        for name, (_, values) in planted.items():
            per_path["prompt_log"][name] = leaked(values, log_bytes + rows)
    return per_path, chunks


def load_module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def reference_redactor(work: Path, commit: str) -> Any:
    """`commit`'s codeassist/redact.py as a module (None when git cannot show it)."""
    shown = subprocess.run(["git", "-C", str(HERE), "show", f"{commit}:codeassist/redact.py"],
                           capture_output=True, text=True)
    if shown.returncode != 0:
        return None
    (work / "reference_redact.py").write_text(shown.stdout)
    return load_module("reference_redact", work / "reference_redact.py")


def reference_chunk_leaks(root: Path, planted: dict, work: Path, module: Any) -> dict[str, int] | None:
    """Leaks when each chunk is redacted on its own by the reference redactor (`commit`'s redact.py,
    by default the one before whole-file redaction)."""
    if module is None:
        return None
    from codeassist.indexer import open_index

    result = {}
    with open_index(root, work / "index") as index:
        for name, (path, values) in planted.items():
            sent = "\n".join(module.redact(h.text).text for h in index.file_chunks(path))
            result[name] = leaked(values, sent)
    return result


SYNTHETIC_CLEAN = [
    # lockfiles and manifests
    '"integrity": "sha512-{b64_88}"',
    'checksum = "{hex64}"',
    '    {{file = "pkg-1.0.tar.gz", hash = "sha256:{hex64}"}},',
    "github.com/pkg/errors v0.9.1 h1:{b64_44}",
    "github.com/pkg/errors v0.9.1/go.mod h1:{b64_44}",
    '  resolved "https://registry.yarnpkg.com/ms/-/ms-2.1.2.tgz#{hex40}"',
    "image: registry.example.com/api@sha256:{hex64}",
    '<script src="https://cdn.example.com/lib.js" integrity="sha384-{b64_64}"></script>',
    # ids and digests in code
    'REQUEST_ID = "{uuid}"',
    'commit = "{hex40}"',
    "COMMIT_SHA={hex40}",
    'assert hashlib.sha256(b"abc").hexdigest() == "{hex64}"',
    'EXPECTED_DIGEST = "{hex64}"',
    'etag: "{hex32}"',
    "version: 1.24.3-rc.{digit}",
    'def test_parse_iso8601_with_timezone_offset_and_fraction2():',
    "class HTTPRequestHandlerForXMLRPCVersion2Server:",
    "MAX_RETRY_BACKOFF_SECONDS_FOR_UPLOAD_V2 = 30",
    'ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"',
    'path = "src/components/forms/inputs/DatePicker2/index.tsx"',
    'url = "https://example.com/api/v2/users/12345/orders?page=2&sort=desc"',
    "-----BEGIN CERTIFICATE-----\n{b64_64}\n{b64_64}\n-----END CERTIFICATE-----",
]


def synthetic_false_positives(seed: int, repeats: int = 20) -> dict[str, Any]:
    import base64
    import uuid

    from codeassist.redact import redact

    rng = random.Random(seed)
    total, flagged, examples = 0, 0, []
    for _ in range(repeats):
        for template in SYNTHETIC_CLEAN:
            line = template.format(
                b64_88=base64.b64encode(rng.randbytes(64)).decode(), b64_44=base64.b64encode(rng.randbytes(32)).decode(),
                b64_64=base64.b64encode(rng.randbytes(48)).decode(), hex64=rng.randbytes(32).hex(),
                hex40=rng.randbytes(20).hex(), hex32=rng.randbytes(16).hex(), uuid=str(uuid.UUID(int=rng.getrandbits(128))),
                digit=rng.randint(0, 9))
            total += 1
            if redact(line).findings:
                flagged += 1
                if len(examples) < 5 and template not in examples:
                    examples.append(template)
    return {"lines": total, "flagged": flagged, "flagged_templates": examples}


def throughput(specs: list[str], reference: Any) -> dict[str, Any]:
    """MB/s of `redact()` over the corpora's files, and of the reference redactor on the same texts."""
    from registry_corpora import fetch

    from codeassist.redact import redact

    texts = []
    for spec in specs:
        try:
            root = fetch(spec)
        except SystemExit:
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.stat().st_size <= 2_000_000):
            try:
                texts.append(path.read_text("utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
    size = sum(len(t) for t in texts) / 1e6
    out: dict[str, Any] = {"mb": round(size, 2)}
    for name, fn in (("mb_per_s", redact), ("reference_mb_per_s", getattr(reference, "redact", None))):
        if fn is None:
            continue
        started = time.perf_counter()
        for text in texts:
            fn(text)
        out[name] = round(size / (time.perf_counter() - started), 2)
    if "reference_mb_per_s" in out:
        out["ratio"] = round(out["mb_per_s"] / out["reference_mb_per_s"], 2)
    return out


def corpus_false_positives(specs: list[str]) -> dict[str, Any]:
    from registry_corpora import fetch

    from codeassist.redact import redact

    out: dict[str, Any] = {}
    for spec in specs:
        try:
            root = fetch(spec)
        except SystemExit as err:
            out[spec] = {"error": str(err)[:200]}
            continue
        files = changed = 0
        size = 0
        kinds: Counter[str] = Counter()
        samples: list[str] = []
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.stat().st_size > 2_000_000:
                continue
            try:
                text = path.read_text("utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            files += 1
            size += len(text)
            result = redact(text)
            if result.findings:
                changed += 1
                for kind, line in result.findings:
                    kinds[kind] += 1
                    if len(samples) < 4:
                        samples.append(f"{path.relative_to(root)}:{line} {kind}: {text.split(chr(10))[line - 1].strip()[:90]}")
        out[spec] = {"files": files, "mb": round(size / 1e6, 2), "files_changed": changed,
                     "findings": sum(kinds.values()), "by_kind": dict(kinds), "samples": samples}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reference-commit", default=REFERENCE_COMMIT,
                        help="git commit whose codeassist/redact.py is the reference (chunks redacted alone)")
    parser.add_argument("--no-corpora", action="store_true", help="skip the registry corpora (offline run)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["XDG_DATA_HOME"] = str(work / "data")
        root = work / "repo"
        planted = build_repo(root, args.seed)
        per_path, chunks = run_paths(root, planted, work)
        reference_module = reference_redactor(work, args.reference_commit)
        reference = reference_chunk_leaks(root, planted, work, reference_module)

    values = {name: len(v) for name, (_, v) in planted.items()}
    by_kind = {name: {p: per_path[p][name] for p in PATHS} for name in planted}
    leaking = {name: counts for name, counts in by_kind.items() if any(counts.values())}
    result: dict[str, Any] = {
        "kinds": len(planted),
        "planted_values": sum(values.values()),
        "leaked_values_per_path": {p: sum(per_path[p].values()) for p in PATHS},
        "kinds_leaking_per_path": {p: sum(1 for v in per_path[p].values() if v) for p in PATHS},
        "leaking_kinds": leaking,
        "chunks_of_multichunk_keys": {k: chunks[k] for k in chunks if "private-key" in k},
        "kinds_not_indexed": sorted(k for k, n in chunks.items() if n == 0),
    }
    if reference is not None:
        result["reference_main_redactor_per_chunk"] = {
            "leaked_values": sum(reference.values()),
            "kinds_leaking": sorted(k for k, v in reference.items() if v),
        }
    result["false_positives"] = {"synthetic": synthetic_false_positives(args.seed)}
    if not args.no_corpora:
        result["false_positives"]["tuning_corpora"] = corpus_false_positives(TUNING_CORPORA)
        result["false_positives"]["report_corpora"] = corpus_false_positives(REPORT_CORPORA)
        result["throughput_report_corpora"] = throughput(REPORT_CORPORA, reference_module)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
