"""Local embedder vs sentence-transformers on the same 2,000 real code chunks. Prints one JSON object.

The chunks are function-sized snippets (5-80 lines, at most 1,500 characters, at most 3 per file) of
the ``.py`` files under this interpreter's site-packages, taken in sorted path order — deterministic
on a given machine. sentence-transformers runs in a separate virtual environment (torch never enters
codeassist's own): set ``CODEASSIST_BENCH_ST_PYTHON`` to its interpreter, default
``/tmp/stvenv/bin/python``; see bench/make_reference_vectors.py for how to create it. Without it the
reference column is skipped with a message saying so.

    python bench/embed.py [--n 2000] [--batch-size 32] [--slices 4]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_ST_PYTHON = "/tmp/stvenv/bin/python"


def code_chunks(n: int, max_chars: int = 1500, per_file: int = 3) -> list[str]:
    """Function-sized snippets from installed packages, deterministic for a given environment."""
    root = Path(sysconfig.get_paths()["purelib"])
    chunks: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if len(chunks) >= n:
            break
        try:
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        lines = source.splitlines()
        taken = 0
        for node in ast.walk(tree):
            if taken >= per_file or len(chunks) >= n:
                break
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
                if 5 <= node.end_lineno - node.lineno + 1 <= 80:
                    text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
                    if len(text) <= max_chars:
                        chunks.append(f"{path.relative_to(root).as_posix()} :: {node.name}\n{text}")
                        taken += 1
    return chunks


def run_reference(texts: list[str], st_python: str, batch_size: int) -> tuple[dict, np.ndarray | None]:
    if not Path(st_python).exists():
        return {
            "available": False,
            "reason": (
                f"reference unavailable: create {st_python} (python -m venv /tmp/stvenv && "
                "/tmp/stvenv/bin/pip install torch==2.13.0 sentence-transformers) "
                "or set CODEASSIST_BENCH_ST_PYTHON"
            ),
        }, None
    with tempfile.TemporaryDirectory() as tmp:
        texts_file, out_file = Path(tmp) / "texts.json", Path(tmp) / "out.npy"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        env = dict(os.environ, HF_HUB_OFFLINE="1", CODEASSIST_MAIN_PYTHON=sys.executable)
        if "CODEASSIST_EMBED_MODEL" not in env:
            from codeassist.indexer.model_weights import find_model_dir

            env["CODEASSIST_EMBED_MODEL"] = str(find_model_dir())
        result = subprocess.run(
            [st_python, str(HERE / "make_reference_vectors.py"), "--texts", str(texts_file),
             "--out", str(out_file), "--batch-size", str(batch_size)],
            capture_output=True, text=True, env=env, check=False,
        )
        if result.returncode != 0:
            return {"available": False, "reason": f"reference failed: {result.stderr.strip()[-500:]}"}, None
        info = json.loads(result.stdout.strip().splitlines()[-1])
        return {"available": True, **info}, np.load(out_file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--slices", type=int, default=4)
    args = parser.parse_args()

    from codeassist.indexer.embedders import make_embedder

    texts = code_chunks(args.n)
    st_python = os.environ.get("CODEASSIST_BENCH_ST_PYTHON", DEFAULT_ST_PYTHON)
    # sentence-transformers cuts at 256 word pieces; compare at the same length (the default is 128).
    embedder = make_embedder("local", batch_size=args.batch_size, max_tokens=256)
    tokens = [len(ids) for ids in embedder.tokenize(texts)]
    embedder.embed_documents(texts[:8])  # warm-up, like the reference

    # The two run alternately on interleaved slices, so a burst of load on this (shared, 2-core)
    # machine hits both rather than one; each side's time is the sum over its slices.
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    ref_vectors: np.ndarray | None = np.zeros_like(vectors)
    local_seconds, ref_seconds = 0.0, 0.0
    reference: dict = {}
    for s in range(args.slices):
        rows = np.arange(s, len(texts), args.slices)
        part = [texts[i] for i in rows]
        if ref_vectors is not None:
            reference, part_vectors = run_reference(part, st_python, args.batch_size)
            if part_vectors is None:
                ref_vectors = None
            else:
                ref_vectors[rows] = part_vectors
                ref_seconds += reference["seconds"]
        start = time.perf_counter()
        vectors[rows] = embedder.embed_documents(part)
        local_seconds += time.perf_counter() - start

    report: dict = {
        "bench": "embed",
        "texts": len(texts),
        "mean_tokens": round(float(np.mean(tokens)), 1),
        "truncated_at_256": int(sum(t >= embedder.max_tokens for t in tokens)),
        "cpu_count": os.cpu_count(),
        "slices": args.slices,
        "local": {
            "model_id": embedder.model_id,
            "seconds": round(local_seconds, 3),
            "texts_per_s": round(len(texts) / local_seconds, 1),
            "batch_size": args.batch_size,
            "threads": getattr(embedder, "threads", None),
        },
    }
    if ref_vectors is not None:
        ref_speed = len(texts) / ref_seconds
        cosines = (vectors * ref_vectors).sum(axis=1)
        report["sentence_transformers"] = {
            "seconds": round(ref_seconds, 3),
            "texts_per_s": round(ref_speed, 1),
            "torch": reference.get("torch"),
            "threads": reference.get("threads"),
        }
        report["ratio_local_vs_st"] = round(report["local"]["texts_per_s"] / ref_speed, 3)
        report["quality"] = {
            "min_cosine": round(float(cosines.min()), 6),
            "mean_cosine": round(float(cosines.mean()), 6),
        }
    else:
        report["sentence_transformers"] = reference
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
