"""Where an index lives: the user cache dir keyed by the repository root, unless told otherwise."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path


def default_index_dir(root: Path) -> Path:
    """The per-repository index folder in the user cache dir, keyed by the resolved root."""
    import platformdirs

    resolved = Path(root).resolve()
    key = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", resolved.name) or "root"
    return Path(platformdirs.user_cache_dir("codeassist")) / "indexes" / f"{name}-{key}"


def resolve_index_dir(root: Path, index_dir: Path | str | None) -> Path:
    if index_dir:
        return Path(index_dir).expanduser()
    env = os.environ.get("CODEASSIST_INDEX_DIR")
    return Path(env).expanduser() if env else default_index_dir(root)
