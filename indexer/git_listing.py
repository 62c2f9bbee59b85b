"""What git lists for a root: tracked plus untracked-but-not-ignored files, or None when git cannot say.

Discovery's git mode (see `discovery`): git applies .gitignore (nested), .git/info/exclude and the global
excludes file itself, exactly as it does for `git add`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["git_list"]

# Environment that would point git at another repository than the root's (set inside git hooks).
_GIT_ENV_OVERRIDES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


def git_list(root: Path) -> list[str] | None:
    """Paths git would show for `root` (relative to it), or None when git cannot list it."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_OVERRIDES}
    cmd = ["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard", "-z"]
    try:
        proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    except OSError:  # git not installed
        return None
    if proc.returncode != 0:  # not a work tree, inside .git, unsafe ownership, ...
        return None
    if not proc.stdout and _git(root, "check-ignore", "-q", ".", env=env) == 0:
        return None  # the root sits in a directory its enclosing repository ignores: index it anyway
    # A conflicted file is listed once per stage.
    return sorted({os.fsdecode(p) for p in proc.stdout.split(b"\0") if p})


def _git(root: Path, *args: str, env: dict[str, str]) -> int:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=env, check=False)
    return proc.returncode
