"""Paths a user typed (a command-line argument, a manifest line): why one cannot name anything, said
before the file system is asked.

Without this check such a path surfaces as a traceback from deep inside (``OSError: [Errno 36] File
name too long`` from a `stat`, ``RuntimeError: Could not determine home directory`` from
`Path.expanduser`). Limits are the file system's (``NAME_MAX`` per name, ``PATH_MAX`` for the whole
path), read once from the root folder; 255 and 4096 bytes where it cannot say.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MAX_NAME_BYTES", "MAX_PATH_BYTES", "unusable_path_reason"]


def _limit(name: str, fallback: int) -> int:
    try:
        return int(os.pathconf("/", name))
    except (OSError, ValueError, AttributeError):
        return fallback


MAX_NAME_BYTES = _limit("PC_NAME_MAX", 255)
MAX_PATH_BYTES = _limit("PC_PATH_MAX", 4096)


def unusable_path_reason(text: str) -> str | None:
    """Why `text` cannot name a file or folder (one clause, for an error message), or None when it can.

    Reasons: ``~user`` for a user without a home folder; a name (between slashes) longer than
    MAX_NAME_BYTES; the whole path, home expanded, as long as MAX_PATH_BYTES or longer."""
    if text.startswith("~"):
        try:
            text = str(Path(text).expanduser())
        except RuntimeError:
            user = text[1:].split("/", 1)[0]
            return f"there is no user {user!r} whose home folder ~{user} could be"
    raw = os.fsencode(text)
    longest = max((len(part) for part in raw.split(b"/")), default=0)
    if longest > MAX_NAME_BYTES:
        return (f"one name in it is {longest:,} bytes long and the file system allows {MAX_NAME_BYTES} "
                "per file or folder name")
    if len(raw) >= MAX_PATH_BYTES:
        return f"it is {len(raw):,} bytes long and the file system allows paths under {MAX_PATH_BYTES:,}"
    return None
