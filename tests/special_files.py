"""Non-regular files where a test expects a file of text: the shapes the robustness trial of issue 16 found
hanging or exhausting memory (a named pipe blocks a reader for ever, /dev/zero never ends)."""

from __future__ import annotations

import os
from pathlib import Path


def make_special_file(path: Path, kind: str) -> None:
    """Put a `kind` ("named pipe", "folder", anything else: a link to /dev/zero) of non-regular file at `path`, creating its parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "named pipe":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
