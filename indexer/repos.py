"""Several repositories in one index: the manifest file and the short repository names.

A multi-repository index records on every file the repository it came from (``files.repo``), paths
stay relative to that repository's root, and every hit carries the name (``Hit.repo``). A name is
the repository folder's name, made unique with ``-2``, ``-3``... when two folders share it; once a
root has a name in an index it keeps it (the ``repos`` table), so names are stable across runs.
A single-repository index (``codeassist index PATH``) keeps ``repo = ""`` everywhere: nothing about
it changes.

Manifest: plain text, one repository path per line; blank lines and ``#`` comments are ignored;
relative paths are relative to the manifest's folder. Plain text rather than TOML because it is what
``ls -d ~/src/* > repos.txt`` or ``gh repo list`` piped through a script produce.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from codeassist.indexer.errors import CodeassistError, RootNotFound
from codeassist.indexer.user_paths import unusable_path_reason


class ManifestError(CodeassistError):
    pass


MAX_MANIFEST_BYTES = 10_000_000


def read_manifest(path: Path | str) -> list[Path]:
    """The repository roots a manifest lists, in order. Raises ManifestError (one line naming the file,
    and the line for a bad entry) for a file that cannot be read, is not UTF-8 text, lists nothing,
    or names something that is not a folder."""
    path = Path(path).expanduser()
    try:
        # Without blocking: a named pipe would wait for a writer for ever (then: not a regular file).
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)), "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise ManifestError(f"The manifest {path} is not a regular file (a pipe, device or socket); give a "
                                    "text file with one repository path per line.")
            data = fh.read(MAX_MANIFEST_BYTES + 1)
    except OSError as err:
        raise ManifestError(f"Cannot read the manifest {path}: {err.strerror or err}. Give a text file with one "
                            "repository path per line.") from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"The manifest {path} is larger than {MAX_MANIFEST_BYTES:,} bytes; it should be a "
                            "text file with one repository path per line.")
    try:
        if b"\0" in data:
            raise UnicodeDecodeError("utf-8", data, data.index(b"\0"), data.index(b"\0") + 1, "NUL byte")
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ManifestError(f"The manifest {path} is not a text file (byte 0x{data[err.start]:02x} on line "
                            f"{line}); give a UTF-8 text file with one repository path per line.") from None
    roots: list[Path] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if entry:
            shown = entry if len(entry) <= 200 else f"{entry[:100]}...({len(entry):,} characters)"
            if (reason := unusable_path_reason(entry)) is not None:
                raise ManifestError(f"The manifest {path}, line {number}: {shown} cannot be a folder: {reason}. "
                                    "Fix or remove the line.")
            try:
                root = Path(entry).expanduser()
                root = root if root.is_absolute() else path.parent / root
                is_dir = root.is_dir()
            except OSError as err:  # no permission to look, a path git or the shell made too long
                reason = err.strerror or str(err)
                raise ManifestError(f"The manifest {path}, line {number}: {shown} cannot be used ({reason}). "
                                    "Fix or remove the line.") from None
            if not is_dir:
                raise ManifestError(f"The manifest {path}, line {number}: {shown} is not a folder "
                                    f"(looked for {root if len(str(root)) <= 300 else 'it'}). Fix or remove the line.")
            roots.append(root)
    if not roots:
        raise ManifestError(f"The manifest {path} lists no repository (one path per line, # for comments).")
    return roots


def _base_name(root: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", root.name) or "root"


def assign_repo_names(roots: Sequence[Path | str], known: dict[str, str] | None = None) -> list[tuple[str, Path]]:
    """(name, resolved root) per distinct root. `known`: name -> root already in the index (kept)."""
    known = dict(known or {})
    by_root = {root: name for name, root in known.items()}
    taken = set(known)
    out: list[tuple[str, Path]] = []
    seen: set[Path] = set()
    for raw in roots:
        root = Path(raw).expanduser()
        if not root.is_dir():
            raise RootNotFound(str(root))
        root = root.resolve()
        if root in seen:
            continue
        seen.add(root)
        name = by_root.get(str(root))
        if name is None:
            base = name = _base_name(root)
            n = 2
            while name in taken:
                name = f"{base}-{n}"
                n += 1
            taken.add(name)
        out.append((name, root))
    return out
