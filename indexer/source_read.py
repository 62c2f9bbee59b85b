"""Reading one file for the pipeline: its bytes, or the reason it must be skipped now.

`read_source` is the one place the pipeline reads a file. It reads at most max_file_bytes + 1 bytes and
returns `binary` or `minified` (see `content_sniff`: the shape of the file, not one long line),
`too_large` (the file grew since discovery), `missing` (vanished) or `unreadable`.
"""

from __future__ import annotations

import os
import stat
from typing import Protocol

from codeassist.indexer.config import IndexConfig
from codeassist.indexer.content_sniff import sniff_content
from codeassist.indexer.discovery_rules import SkipReason

__all__ = ["Readable", "read_source"]


class Readable(Protocol):
    """What `read_source` needs of a file: a `SourceFile`, or the pipeline's own picklable record."""

    @property
    def path(self) -> str | os.PathLike[str]: ...


# Seam for tests: opening is the step that fails on a permission problem.
_open_fd = os.open


def read_source(file: Readable, config: IndexConfig | None = None) -> bytes | SkipReason:
    """The file's bytes, or why it must be skipped now (missing, unreadable, too_large, binary, minified)."""
    cfg = config or IndexConfig()
    try:
        # O_NONBLOCK: a path that became a fifo must not hang the pipeline.
        fd = _open_fd(file.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except (FileNotFoundError, NotADirectoryError):
        return SkipReason.MISSING
    except OSError:
        return SkipReason.UNREADABLE
    try:
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return SkipReason.UNREADABLE
            data = fh.read(cfg.max_file_bytes + 1)
    except OSError:
        return SkipReason.UNREADABLE
    if len(data) > cfg.max_file_bytes:
        return SkipReason.TOO_LARGE
    return sniff_content(data, cfg.max_line_length) or data
