"""File discovery: which files under a root get indexed, and a count of what was left out and why.

`discover_files(root)` lists candidate files without reading them; `read_source(file)` is the one place
the pipeline reads a file, and returns its bytes or the reason to skip it. Decisions:

- **Listing.** Inside a git work tree (the root may be a subfolder of it) the list comes from
  ``git ls-files --cached --others --exclude-standard -z``: tracked plus untracked-but-not-ignored files,
  so .gitignore (nested), .git/info/exclude and the global excludes file all apply exactly as git applies
  them. Submodules and nested repositories are not descended. A directory git cannot open (permission)
  counts as `unreadable`, as in the walk. Elsewhere (no git, not a repository, git
  refusing the directory) the tree is walked and .gitignore files are applied with `gitignore.py` (git's own rules), each
  relative to its own directory, plus the root's .git/info/exclude when there is one.
- **Rules on top, in both modes**: `config.exclude` (gitignore syntax, relative to the root, highest
  precedence), then `.codeassistignore` files (the root's and nested ones, nearest wins) -> `excluded`.
  A negation there (``!vendor/``, ``!dist/``) re-includes what a *default* skip would drop; it cannot
  re-include gitignored files, secrets or VCS directories.
- **Counting.** Every left-out entry is counted exactly once, under one reason, at the highest level it
  was left out: a skipped directory counts 1 and is never entered (in git mode too, where the files under
  it are listed by git but attributed to the directory). `skipped_examples` keeps up to 5 paths per
  reason; directories end in "/". `ignored` is counted only by the walk: git never lists ignored files,
  so in git mode they are simply absent. Tracked files deleted from disk count as `missing`.
- **Order of checks** (first match wins): vcs, secret, excluded, the default skips by name
  (dependency_dir, virtualenv, build_output, lock_file, minified name, binary extension), ignored,
  then on the stat: symlink_outside, missing, unreadable (permission bits, fifo/socket/device,
  symlink loop), too_large. `vendor/` is skipped by default (someone else's code drowns the project's
  own in search results); `.env.*` includes `.env.example`.
- **Content checks are deferred to read time.** Discovery stats each file once and reads nothing, so an
  unchanged file is never opened on re-index. `read_source` (in `source_read`, re-exported here) says
  `binary`, `minified`, `too_large`, `missing` or `unreadable`. The pipeline reports such a skip with
  `Discovery.record_skip`, which keeps the count exactly-once.
- **Symlinks** are never followed into directories (the target's files are indexed under their real path;
  this also makes loops harmless). A symlink to a file inside the root is indexed under the link's path
  unless the same file is already indexed (then it is dropped silently), and never when the target is a
  secret or inside a VCS or secret directory (`.git/`, `.ssh/`). A target outside the root ->
  `symlink_outside`; a dangling link -> `missing`; a loop -> `unreadable`.
- **Pipeline contract.** The pipeline counts what `read_source` returns on top of `skipped` (or calls
  `record_skip`); discovery never counts a file it lists, so nothing is counted twice.
- **The index itself.** An index folder inside the root (`IndexConfig.index_dirs`, set by the pipeline)
  counts as `excluded`, and so do the index's own files when the root is the index folder.
- **Root.** A root inside a directory its enclosing repository ignores is walked (git would list
  nothing). Resolved to its real path; `SourceFile.path` is absolute under it. A root that does not exist
  or is not a directory raises `RootNotFound`; an empty directory gives an empty Discovery.
"""

from __future__ import annotations

from pathlib import Path

from codeassist.indexer.config import IndexConfig
from codeassist.indexer.discovery_rules import SkipReason
from codeassist.indexer.discovery_scan import Discovery, Scan, SourceFile
from codeassist.indexer.errors import RootNotFound
from codeassist.indexer.git_listing import git_list
from codeassist.indexer.source_read import Readable, read_source

__all__ = ["Discovery", "Readable", "SkipReason", "SourceFile", "discover_files", "read_source"]


def discover_files(root: Path | str, config: IndexConfig | None = None) -> Discovery:
    """List the files under `root` worth indexing; see the module docstring for what is left out."""
    cfg = config or IndexConfig()
    scan = Scan(_resolve_root(root), cfg)
    listed = git_list(scan.root)
    if listed is not None and listed.failed:
        scan.discovery.rule_problems.append(listed.failed)
    if listed is None or listed.failed:
        scan.walk()
    else:
        scan.discovery.mode = "git"
        scan.filter_git_list(listed.paths, listed.unopened)
    return scan.finish()


def _resolve_root(root: Path | str) -> Path:
    path = Path(root).expanduser()
    # A file is "no such directory" too; RootNotFound's message tells the user what to pass instead.
    if not path.is_dir():
        raise RootNotFound(str(root))
    return path.resolve()
