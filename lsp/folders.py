"""Multi-root workspaces: the folders the editor opened, each with its own index, and which folder a file
belongs to (the deepest folder containing it).

The first folder is the primary one: the server's settings (`.codeassist.toml`) come from it. Every
folder gets its own `WorkspaceIndex`; with an explicit `index.index_dir` (or CODEASSIST_INDEX_DIR) the
primary folder's index lives there and the others in `<index_dir>/folders/<name>-<hash>`, so two folders
never share one index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codeassist.errors import CodeassistError
from codeassist.lsp import actions
from codeassist.lsp.workspace_index import WorkspaceIndex

STATE_ORDER = ("building", "none", "error", "lexical", "ready")


def folder_index_dir(configured: str, root: Path, primary: bool) -> str | None:
    """Where the index of `root` lives: None = the indexer's default (per-root in the user cache dir)."""
    if not configured or primary:
        return configured or None
    resolved = root.resolve()
    key = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", resolved.name) or "root"
    return str(Path(configured).expanduser() / "folders" / f"{name}-{key}")


class WorkspaceFolders:
    """Ordered folders (first = primary) and their indexes. `make_index(root, primary)` builds an index."""

    def __init__(self, make_index: Callable[[Path, bool], WorkspaceIndex]) -> None:
        self._make_index = make_index
        self.roots: list[Path] = []
        self.indexes: dict[Path, WorkspaceIndex] = {}

    @property
    def primary(self) -> Path | None:
        return self.roots[0] if self.roots else None

    def add(self, root: Path) -> WorkspaceIndex | None:
        """Add a folder (no-op if known); returns its new index, or None when it was there already."""
        root = root.resolve()
        if root in self.roots:
            return None
        self.roots.append(root)
        index = self._make_index(root, len(self.roots) == 1)
        self.indexes[root] = index
        return index

    def remove(self, root: Path) -> bool:
        root = root.resolve()
        if root not in self.roots:
            return False
        self.roots.remove(root)
        index = self.indexes.pop(root, None)
        if index is not None:
            index.close()
        return True

    def owner(self, uri: str) -> Path | None:
        """The deepest folder containing the file `uri` names; None when it is outside every folder."""
        for root in sorted(self.roots, key=lambda r: len(r.parts), reverse=True):
            try:
                actions.resolve_workspace_path(uri, root)
            except CodeassistError:
                continue
            return root
        return None

    def owner_of_path(self, path: Path) -> Path | None:
        """The deepest folder containing the absolute `path` (a document key's path: no symlinks resolved)."""
        for root in sorted(self.roots, key=lambda r: len(r.parts), reverse=True):
            if path == root or root in path.parents:
                return root
        return None

    def index_of(self, uri: str) -> WorkspaceIndex | None:
        root = self.owner(uri)
        return self.indexes.get(root) if root is not None else None

    def status(self) -> dict[str, Any]:
        """Counts summed over the folders; the state is the least ready one (building before none/error,
        then lexical, then ready); `folders` lists each folder's own state and counts."""
        per_folder = []
        for root in self.roots:
            index = self.indexes.get(root)
            counts = index.status() if index else {"files": 0, "chunks": 0, "embedded": 0}
            per_folder.append({"root": str(root), "indexState": index.state if index else "none", **counts})
        if not per_folder:
            return {"indexState": "none", "files": 0, "chunks": 0, "embedded": 0, "folders": []}
        states = [f["indexState"] for f in per_folder]
        state = min(states, key=STATE_ORDER.index)
        return {"indexState": state, **{k: sum(f[k] for f in per_folder) for k in ("files", "chunks", "embedded")},
                "folders": per_folder}

    def close(self) -> None:
        for index in self.indexes.values():
            index.close()
