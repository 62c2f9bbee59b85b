"""What git lists for a root: tracked plus untracked-but-not-ignored files, or None when git cannot say.

Discovery's git mode (see `discovery`): git applies .gitignore (nested), .git/info/exclude and the global
excludes file itself, exactly as it does for `git add`. A directory git cannot open (no permission) is
only a warning on git's stderr and its files are simply absent from the list: `GitListing.unopened`
names such directories so discovery can report them instead of dropping their files silently.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import NamedTuple

__all__ = ["GitListing", "git_list"]

# git's warning for a directory it could not read while looking for untracked files (LC_ALL=C).
_UNOPENED = re.compile(rb"^warning: could not open directory '(.*)': ", re.MULTILINE)


# git reads every .gitignore it meets with a blocking open: one that is a named pipe makes `ls-files`
# wait for ever. Past this many seconds git is stopped and discovery walks the tree itself.
GIT_LIST_TIMEOUT = 120.0


class GitListing(NamedTuple):
    paths: list[str]  # relative to the root, sorted, decoded with the file system's surrogate escapes
    unopened: list[str]  # directories (relative, ending in "/") git could not open, so not listed
    failed: str = ""  # git did not finish (see GIT_LIST_TIMEOUT): why, for the run's summary

# Environment that would point git at another repository than the root's (set inside git hooks).
_GIT_ENV_OVERRIDES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


def git_list(root: Path) -> GitListing | None:
    """Paths git would show for `root` (relative to it), or None when git cannot list it."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_OVERRIDES}
    env["LC_ALL"] = "C"  # git's warnings in English: `_UNOPENED` reads them
    cmd = ["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard", "-z"]
    try:
        proc = subprocess.run(cmd, capture_output=True, env=env, check=False, timeout=GIT_LIST_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except OSError:  # git not installed
        return None
    except subprocess.TimeoutExpired:
        return GitListing([], [], f"git ls-files did not finish in {GIT_LIST_TIMEOUT:g} s (is a .gitignore a named "
                                  "pipe?); the folder was walked instead")
    if proc.returncode != 0:  # not a work tree, inside .git, unsafe ownership, ...
        return None
    if not proc.stdout and _git(root, "check-ignore", "-q", ".", env=env) == 0:
        return None  # the root sits in a directory its enclosing repository ignores: index it anyway
    # A conflicted file is listed once per stage.
    paths = sorted({os.fsdecode(p) for p in proc.stdout.split(b"\0") if p})
    unopened = sorted({os.fsdecode(m.group(1)).rstrip("/") + "/" for m in _UNOPENED.finditer(proc.stderr)})
    return GitListing(paths, unopened)


def _git(root: Path, *args: str, env: dict[str, str]) -> int:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=env, check=False)
    return proc.returncode
