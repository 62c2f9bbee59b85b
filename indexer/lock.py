"""An exclusive lock on an index directory, so concurrent `index` runs never interleave writes.

The lock is an advisory `flock` on ``<index_dir>/lock`` holding the owner's pid. The kernel drops it
when the process dies (even by kill -9), so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path
from types import TracebackType

from codeassist.indexer.errors import IndexLocked, IndexReadOnly, storage_error


class IndexLock:
    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / "lock"
        self._fd: int | None = None

    def acquire(self) -> IndexLock:
        """Take the lock or raise IndexLocked (held by another process), IndexReadOnly (the folder
        cannot be written), IndexStorageError (the lock or a parent is in the way)."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and folder.is_dir():
                raise IndexReadOnly(str(folder)) from None
            doing = "creating the index folder" if not folder.is_dir() else "taking the index lock"
            raise storage_error(folder if not folder.is_dir() else self.path, err, doing) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise IndexLocked(str(self.path.parent), f"pid {holder}" if holder else "") from None
        with contextlib.suppress(OSError):  # the pid is only for the "held by" message (a full disk is fine)
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> IndexLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
