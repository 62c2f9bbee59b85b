"""Where an index lives: the user cache dir keyed by the repository root, unless told otherwise;
and which indexed root a folder inside a repository belongs to."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
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


def git_root(start: Path) -> Path | None:
    """The work tree holding `start` (the nearest folder with a ``.git`` entry), or None."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def recorded_root(index_dir: Path) -> Path | None:
    """The repository root an index records (meta ``root``); None for a multi-repository or unreadable
    index. Read-only: never creates or changes anything."""
    import sqlite3

    db = Path(index_dir) / "index.db"
    if not db.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'root'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return Path(row[0]) if row and row[0] else None


def find_indexed_root(start: Path, index_dir_of: Callable[[Path], Path]) -> Path | None:
    """Like git and ripgrep: the nearest folder, from `start` up, whose index exists.

    `index_dir_of(folder)` says where that folder's index would live. The walk stops at the git work
    tree holding `start` (an index of a folder above the repository, say the home folder, is not this
    repository's). None when no folder on the way has an index."""
    top = git_root(start)
    for folder in (start, *start.parents):
        if (index_dir_of(folder) / "index.db").exists():
            return folder
        if folder == top:
            break
    return None
