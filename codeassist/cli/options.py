"""Options every command shares, and how a command finds the repository and index it works on.

One convention for the whole command line: the repository is ``--root PATH`` on every command
(`index` and `status` also take it as their positional PATH, ``codeassist index .``), and any folder
inside an indexed repository will do: like git and ripgrep, the commands walk up to the folder that
was indexed (or the git work tree) and work there, on the whole repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

ROOT_HELP = ("Repository, or any folder inside it: the nearest indexed folder above it is used "
             "(default: the current directory).")
INDEX_DIR_HELP = "Where the index lives (default: the user cache dir, keyed by the repository root)."


def root_option(func: Any) -> Any:
    return click.option("--root", default=None, type=click.Path(file_okay=False, path_type=Path),
                        help=ROOT_HELP)(func)


def index_dir_option(func: Any) -> Any:
    return click.option("--index-dir", type=click.Path(file_okay=False), default=None,
                        help=INDEX_DIR_HELP)(func)


def json_option(help_text: str = "Print the result as JSON (no colours, no progress).") -> Any:
    def decorate(func: Any) -> Any:
        return click.option("--json", "as_json", is_flag=True, help=help_text)(func)

    return decorate


@dataclass(frozen=True)
class Located:
    """The repository a command works on: its root, its settings and where its index lives."""

    root: Path
    settings: Any
    index_dir: str | None  # None = the default place for `root`


def locate(start: Path | None, index_dir: str | None = None, overrides: dict[str, Any] | None = None) -> Located:
    """Resolve `start` (default: the current directory) to the repository it belongs to.

    With a fixed index folder (--index-dir, CODEASSIST_INDEX_DIR, or [index] index_dir) the root is the
    one that index records, when `start` lies inside it. Otherwise the nearest folder from `start` up
    (not past the git work tree holding it) whose index exists wins; with none, the git work tree (or
    `start` itself), so that "no index" errors name the folder to index. Raises RootNotFound, ConfigError."""
    from codeassist.indexer.errors import RootNotFound
    from codeassist.indexer.index_dir import find_indexed_root, git_root, recorded_root, resolve_index_dir
    from codeassist.settings import REPO_CONFIG_NAME, load_settings

    folder = (start or Path(".")).expanduser()
    if not folder.is_dir():
        raise RootNotFound(str(folder))
    folder = folder.resolve()
    overrides = {**(overrides or {}), "index": {**(overrides or {}).get("index", {}), "index_dir": index_dir}}
    fixed = load_settings(folder, overrides).index.index_dir
    if fixed:
        recorded = recorded_root(Path(fixed).expanduser())
        root = recorded if recorded is not None and folder.is_relative_to(recorded) else folder
    else:
        def index_dir_of(candidate: Path) -> Path:
            configured = ""
            if (candidate / REPO_CONFIG_NAME).is_file():
                configured = load_settings(candidate, overrides).index.index_dir
            return resolve_index_dir(candidate, configured or None)

        root = find_indexed_root(folder, index_dir_of) or git_root(folder) or folder
    settings = load_settings(root, overrides)
    return Located(root, settings, settings.index.index_dir or None)
